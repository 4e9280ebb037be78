// Package importtest holds what the importer packages' tests share: the
// generated directory the benchmarks read, the measure of their peak heap
// and CPU time, and the invariants every fuzz target checks. Only tests
// import it.
package importtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
)

// DefaultRows is the size of the generated directory.
const DefaultRows = 1_000_000

// Rows returns the number of rows to generate: the environment variable
// JAKELU_BENCH_ROWS if it holds a positive integer (for quick runs), else
// DefaultRows.
func Rows() int {
	if n, err := strconv.Atoi(os.Getenv("JAKELU_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return DefaultRows
}

var domains = []string{"example.com", "example.org", "example.net", "posti.example.fi", "mail.example.se"}

// Record returns row i (0-based) of the generated directory: an
// eight-digit customer number with leading zeros and one to three
// addresses separated by spaces.
func Record(i int) (customerNumber, addresses string) {
	var b []byte
	b = append(b, "00000000"[:max(0, 8-len(strconv.Itoa(i)))]...)
	b = strconv.AppendInt(b, int64(i), 10)
	customerNumber = string(b)
	b = b[:0]
	for k := range 1 + i%3 {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, []string{"laskut", "invoices", "matti.meikalainen", "Anna.Andersson"}[(i+k)%4]...)
		b = strconv.AppendInt(b, int64(i*7+k), 10)
		b = append(b, '@')
		b = append(b, domains[(i+k)%len(domains)]...)
	}
	return customerNumber, string(b)
}

// CSV returns the generated directory of n rows as a comma-separated file
// with a header row, in a slice of exactly its size (the file is in memory
// while benchmarks measure the peak heap).
func CSV(n int) []byte {
	var buf bytes.Buffer
	buf.Grow(n * 64)
	buf.WriteString("Customer number,E-mail\n")
	for i := range n {
		cn, to := Record(i)
		buf.WriteString(cn)
		buf.WriteByte(',')
		buf.WriteString(to)
		buf.WriteByte('\n')
	}
	return bytes.Clone(buf.Bytes())
}

// Measure records what a benchmark loop costs besides wall time: the
// largest heap seen (bytes in live and not yet swept heap objects, sampled
// every millisecond) and the CPU time of the whole process (user and
// system, every thread), which on a shared machine is a steadier figure
// than the wall clock.
type Measure struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
	cpu  time.Duration // the process's CPU time at the start
}

// StartMeasure collects garbage, so that the heap sample starts from the
// live heap, and measures until Report.
func StartMeasure() *Measure {
	runtime.GC()
	m := &Measure{stop: make(chan struct{}), done: make(chan struct{}), cpu: cpuTime()}
	go func() {
		defer close(m.done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > m.peak.Load() {
				m.peak.Store(v)
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// Report ends the measure and reports, for a loop that handled rows rows
// per iteration: rows/s, the peak heap (peak-heap-MB, 2^20 bytes) and the
// process's CPU seconds per iteration (cpu-s/op, on systems that tell).
func (m *Measure) Report(b *testing.B, rows int) {
	close(m.stop)
	<-m.done
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(m.peak.Load())/(1<<20), "peak-heap-MB")
	if end := cpuTime(); end > 0 {
		b.ReportMetric((end-m.cpu).Seconds()/float64(b.N), "cpu-s/op")
	}
}

// Baseline collects the time per row of a benchmark's baseline runs, for
// the ratio the runs it is compared with report. With -count, the testing
// package runs a sub-benchmark that many times before the next one, so
// every baseline run comes before the runs compared with it.
type Baseline struct {
	perRow []float64 // ns per row of each baseline run
}

// Add records a finished baseline run that handled rows rows per
// iteration.
func (bl *Baseline) Add(b *testing.B, rows int) {
	bl.perRow = append(bl.perRow, float64(b.Elapsed().Nanoseconds())/float64(b.N*rows))
}

// Report reports x-baseline for a finished run that handled rows rows per
// iteration: its time per row relative to the median of the baseline runs,
// which a run of the machine's other work affects less than the last one.
func (bl *Baseline) Report(b *testing.B, rows int) {
	if len(bl.perRow) == 0 {
		return // the baseline was not run (-bench selected only this)
	}
	sorted := slices.Sorted(slices.Values(bl.perRow))
	median := (sorted[(len(sorted)-1)/2] + sorted[len(sorted)/2]) / 2
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows)/median, "x-baseline")
}

// CheckRead checks what importer.Read returned for any input: either a
// batch whose entries are valid, normalized and unique, or an
// *importer.ImportError whose problems all have a message, within
// maxProblems. It is the invariant of the fuzz targets.
func CheckRead(t *testing.T, b *importer.Batch, err error, maxProblems int) {
	t.Helper()
	if err != nil {
		var ie *importer.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("Read returned %T %v, want an *importer.ImportError", err, err)
		}
		if b != nil {
			t.Fatalf("Read returned a batch with an error")
		}
		if len(ie.Problems) == 0 || len(ie.Problems) > maxProblems || ie.Total < len(ie.Problems) {
			t.Fatalf("ImportError lists %d of %d problems (max %d)", len(ie.Problems), ie.Total, maxProblems)
		}
		for _, p := range ie.Problems {
			if p.Row < 0 || p.Code == "" || p.Message("fi") == string(p.Code) {
				t.Fatalf("problem %+v has no position, code or message", p)
			}
		}
		return
	}
	if b == nil || len(b.Entries) == 0 {
		t.Fatalf("Read returned no batch and no error")
	}
	seen := make(map[string]bool, len(b.Entries))
	for _, e := range b.Entries {
		n, err := e.Normalize()
		if err != nil || !n.Equal(e) {
			t.Fatalf("entry %q is not valid and normalized: %v", e, err)
		}
		if seen[e.CustomerNumber] {
			t.Fatalf("customer number %q twice in the batch", e.CustomerNumber)
		}
		seen[e.CustomerNumber] = true
		for _, a := range append(append([]string(nil), e.To...), e.Cc...) {
			if p, err := transport.ParseAddress(a); err != nil || p != a {
				t.Fatalf("address %q parses as %q, %v", a, p, err)
			}
		}
	}
	if _, err := (registry.Batch{Put: b.Entries}).Normalize(); err != nil {
		t.Fatalf("the registry refuses the batch: %v", err)
	}
}

// ProblemStrings returns the problems err lists, in the compact form the
// table tests compare: "row:column:code", plus ":reason" for an address.
// An error that is not an *importer.ImportError fails t.
func ProblemStrings(t testing.TB, err error) []string {
	t.Helper()
	var ie *importer.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("Read: %v", err)
	}
	var out []string
	for _, p := range ie.Problems {
		s := fmt.Sprintf("%d:%s:%s", p.Row, p.Column, p.Code)
		if p.Reason != "" {
			s += ":" + string(p.Reason)
		}
		out = append(out, s)
	}
	return out
}

// EntryString returns e in the compact form the table tests compare:
// "customer number=To|Cc", addresses separated by spaces.
func EntryString(e registry.Entry) string {
	return e.CustomerNumber + "=" + strings.Join(e.To, " ") + "|" + strings.Join(e.Cc, " ")
}

// AddSeeds adds every file matching pattern (such as "testdata/*.csv") to
// f's seed corpus; finding none fails f.
func AddSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match %s: %v", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
