//go:build !race

package csvimport_test

// raceEnabled reports whether the race detector is on, which multiplies
// the memory and time that TestImportMemory measures.
const raceEnabled = false
