package bounce_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
)

// BenchmarkBounceParse parses every sample of the bounce corpus per
// iteration and reports messages per second per core (msgs/s/core) and
// bytes allocated per message (B/msg). The rate divides by the process's
// CPU time where it can be measured (Unix), so a busy machine does not
// lower it. The target: at least 5,800 msgs/s/core (twice
// Sisimai's Go port) and at most 100 KB/msg.
func BenchmarkBounceParse(b *testing.B) {
	dir := bouncesDir(b)
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(names) == 0 {
		b.Fatalf("no samples in %s: %v", dir, err)
	}
	var msgs [][]byte
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, data)
	}
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	start := time.Now()
	cpuStart, cpuOK := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		for _, m := range msgs {
			if _, err := bounce.Parse(bytes.NewReader(m)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	elapsed := time.Since(start)
	if cpuEnd, ok := cpuTime(); ok && cpuOK && cpuEnd > cpuStart {
		elapsed = cpuEnd - cpuStart // CPU time of all threads (GC included)
	}
	runtime.ReadMemStats(&ms)
	n := float64(b.N) * float64(len(msgs))
	// Messages per CPU-second: Parse runs on this one goroutine, and the
	// garbage collector's CPU time on other threads is counted too.
	b.ReportMetric(n/elapsed.Seconds(), "msgs/s/core")
	b.ReportMetric(float64(ms.TotalAlloc-before)/n, "B/msg")
}
