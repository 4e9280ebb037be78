//go:build unix

package importtest

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system, all
// threads.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// maxRSS returns the peak resident set size of a process that has ended,
// in bytes: the ru_maxrss that wait4 returned for it, the figure
// /usr/bin/time -v prints as "Maximum resident set size".
func maxRSS(ps *os.ProcessState) int64 {
	u, ok := ps.SysUsage().(*syscall.Rusage)
	switch {
	case !ok:
		return 0
	case runtime.GOOS == "darwin" || runtime.GOOS == "ios":
		return int64(u.Maxrss) // bytes there
	}
	return int64(u.Maxrss) * 1024 // kilobytes on Linux and the BSDs
}
