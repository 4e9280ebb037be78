//go:build unix

package importtest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
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

// selfPeakRSS returns the process's peak resident set size in bytes from
// VmHWM in /proc/self/status (Linux), which counts only the address space
// this process has had since exec; 0 where there is no such file.
func selfPeakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
