//go:build race

package bounce_test

// raceEnabled: the race detector slows memory-heavy cases several times.
const raceEnabled = true
