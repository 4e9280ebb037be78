//go:build !unix

package importtest

import (
	"os"
	"time"
)

// cpuTime returns 0: the process's CPU time is not measured on this system.
func cpuTime() time.Duration { return 0 }

// maxRSS returns 0: the peak resident set size is not measured on this
// system.
func maxRSS(*os.ProcessState) int64 { return 0 }

// selfPeakRSS returns 0: the process's own peak is not read on this system.
func selfPeakRSS() int64 { return 0 }
