package importtest

import (
	"bytes"
	"os"
	"os/exec"
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
// size: the ru_maxrss the kernel reports for the process when it ends, the
// figure /usr/bin/time -v prints as "Maximum resident set size". Measured
// in a process of its own, the figure holds what the code measured costs
// and the runtime's own few megabytes, nothing of the parent's memory. A
// child that fails fails t.
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
	if err != nil {
		t.Fatalf("child %s (%v): %v\n%s", test, env, err, c.Output)
	}
	return c
}
