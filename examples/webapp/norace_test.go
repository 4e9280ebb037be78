//go:build !race

package main

// raceEnabled reports whether the race detector is on, which multiplies
// the memory that TestImportMemory measures.
const raceEnabled = false
