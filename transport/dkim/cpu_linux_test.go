//go:build linux

package dkim_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// processWait returns how long the process's threads have waited, ready
// to run, for a CPU the system gave to other threads (the second field of
// Linux's /proc/self/task/*/schedstat, summed); false when it cannot be
// read. Over a benchmark run, divided by the elapsed time, it says how
// many more cores the process would have used on a machine of its own.
func processWait() (time.Duration, bool) {
	tasks, err := filepath.Glob("/proc/self/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, name := range tasks {
		data, err := os.ReadFile(name)
		if err != nil {
			continue // the thread has exited
		}
		var run, wait int64
		if _, err := fmt.Fscan(bytes.NewReader(data), &run, &wait); err != nil {
			return 0, false
		}
		sum += time.Duration(wait)
	}
	return sum, true
}
