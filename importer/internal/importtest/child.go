package importtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Child is what RunChild measured of a child process.
type Child struct {
	Output  string        // what it printed, stdout and stderr
	PeakRSS int64         // its peak resident set size in bytes; 0 where not measured
	Elapsed time.Duration // from its start to its end
}

// RunChild runs the test function named test of the running test binary
// again, alone, in a child process whose environment has env ("NAME=value")
// added, and returns what the child printed and its peak resident set
// size. A child that calls [PrintPeakRSS] at its end reports its own
// high-water mark (Linux's VmHWM), which holds what the code measured costs
// and the runtime's own few megabytes, nothing of the parent's memory;
// otherwise it is the ru_maxrss the kernel reports for the process when it
// ends (the figure /usr/bin/time -v prints as "Maximum resident set
// size"), which on Linux also counts the parent's peak, since the child
// starts in the parent's address space before exec. A child that fails
// fails t.
func RunChild(t *testing.T, test string, env ...string) Child {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	c := Child{Output: out.String(), Elapsed: time.Since(start)}
	if cmd.ProcessState != nil {
		c.PeakRSS = maxRSS(cmd.ProcessState)
	}
	for l := range strings.Lines(c.Output) {
		if rest, ok := strings.CutPrefix(l, peakRSSPrefix); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil && n > 0 {
				c.PeakRSS = n
			}
		}
	}
	if err != nil {
		t.Fatalf("child %s (%v): %v\n%s", test, env, err, c.Output)
	}
	return c
}

// peakRSSPrefix starts the line PrintPeakRSS prints.
const peakRSSPrefix = "IMPORTTEST-PEAKRSS "

// PrintPeakRSS prints the process's own peak resident set size for
// [RunChild] to read, where the system tells it (Linux); elsewhere it
// prints nothing and RunChild falls back to ru_maxrss. A child test calls
// it last.
func PrintPeakRSS() {
	if n := selfPeakRSS(); n > 0 {
		fmt.Printf("%s%d\n", peakRSSPrefix, n)
	}
}
