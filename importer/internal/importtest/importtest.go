// Package importtest holds what the importer packages' tests share: the
// generated directory the benchmarks read, the measure of their peak heap
// and CPU time, the peak memory of a child process (RunChild), and the
// invariants every fuzz target checks. Only tests import it.
package importtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
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
	"github.com/jakelu/jakelu/transport/address"
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

// Run is the loop of a benchmark whose every iteration calls fn, which
// handles rows rows. Before each call it collects garbage, untimed, so
// that no call pays for an earlier one's garbage, as an import in a server
// would not. Besides the time it reports rows/s, peak-heap-MB and cpu-s/op
// (see measure).
func Run(b *testing.B, rows int, fn func()) {
	m := startMeasure()
	for b.Loop() {
		m.pause(b)
		m.resume(b)
		fn()
	}
	m.report(b, rows)
}

// Compare is Run for a benchmark compared with a baseline: each iteration
// calls baseline (untimed and unmeasured) and then fn, each after a garbage
// collection, and it also reports x-baseline, the median over the
// iterations of the time of fn divided by the time of baseline in the same
// iteration. On a shared machine whose speed drifts, this pairing gives a
// far steadier ratio than comparing runs made one after the other.
func Compare(b *testing.B, rows int, baseline, fn func()) {
	m := startMeasure()
	var ratios []float64
	for b.Loop() {
		m.pause(b)
		runtime.GC()
		start := time.Now()
		baseline()
		base := time.Since(start)
		m.resume(b)
		start = time.Now()
		fn()
		ratios = append(ratios, time.Since(start).Seconds()/base.Seconds())
	}
	m.report(b, rows)
	slices.Sort(ratios)
	b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "x-baseline")
}

// measure records what the measured parts of a benchmark loop cost besides
// wall time: the peak heap, as the most that the bytes in live and not yet
// swept heap objects (sampled every millisecond) grew above the live heap
// at the start — the heap the code measured adds, the benchmark's own input
// excluded — and the CPU time of the whole process (user and system, every
// thread), which on a shared machine is a steadier figure than the wall
// clock.
type measure struct {
	active  atomic.Bool
	base    uint64 // the live heap at the start
	peak    atomic.Uint64
	stop    chan struct{}
	done    chan struct{}
	cpu     time.Duration // CPU time of the measured parts so far
	cpuFrom time.Duration // the process's CPU time when the current part started
}

// startMeasure collects garbage, so that the heap sample starts from the
// live heap, and starts measuring.
func startMeasure() *measure {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	m := &measure{base: sample[0].Value.Uint64(), stop: make(chan struct{}), done: make(chan struct{}), cpuFrom: cpuTime()}
	m.active.Store(true)
	go func() {
		defer close(m.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); m.active.Load() && v > m.base && v-m.base > m.peak.Load() {
				m.peak.Store(v - m.base)
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

// pause stops the timer and the measure.
func (m *measure) pause(b *testing.B) {
	b.StopTimer()
	m.active.Store(false)
	m.cpu += cpuTime() - m.cpuFrom
}

// resume collects garbage and starts the measure and the timer again.
func (m *measure) resume(b *testing.B) {
	runtime.GC()
	m.cpuFrom = cpuTime()
	m.active.Store(true)
	b.StartTimer()
}

// report ends the measure and reports, for a loop that handled rows rows
// per iteration: rows/s, the peak heap (peak-heap-MB, 2^20 bytes) and the
// process's CPU seconds per iteration (cpu-s/op, on systems that tell).
func (m *measure) report(b *testing.B, rows int) {
	m.pause(b)
	close(m.stop)
	<-m.done
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(m.peak.Load())/(1<<20), "peak-heap-MB")
	if m.cpuFrom > 0 {
		b.ReportMetric(m.cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
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
			if p, err := address.Parse(a); err != nil || p != a {
				t.Fatalf("address %q parses as %q, %v", a, p, err)
			}
		}
	}
	if _, err := (registry.Batch{Put: b.Entries}).Normalize(); err != nil {
		t.Fatalf("the registry refuses the batch: %v", err)
	}
}

// Outcome is what importer.Read gave, in a compact form that tests compare
// whole: entries as EntryString gives them, warnings as "row:column:code"
// and problems as ProblemStrings gives them.
type Outcome struct {
	Entries, Warnings, Problems []string
}

// ReadOutcome reads data with decoders and opts and returns the outcome.
// Any error other than an *importer.ImportError fails the test.
func ReadOutcome(t testing.TB, data []byte, decoders []importer.Decoder, opts *importer.Options) Outcome {
	t.Helper()
	b, err := importer.Read(bytes.NewReader(data), decoders, opts)
	var o Outcome
	if err != nil {
		o.Problems = ProblemStrings(t, err)
		return o
	}
	for _, e := range b.Entries {
		o.Entries = append(o.Entries, EntryString(e))
	}
	for _, w := range b.Warnings {
		o.Warnings = append(o.Warnings, fmt.Sprintf("%d:%s:%s", w.Row, w.Column, w.Code))
	}
	return o
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

// RoundTripProfile exports, with export, a directory with a scan and a standard
// entry, imports the export into an empty directory and then into one
// where every entry is a scan entry, reading it with decoder: the profiles come back, an empty cell
// keeps the stored profile and "standard" sets it.
func RoundTripProfile(t *testing.T, export func(context.Context, io.Writer, registry.Registry, string) error, decoder importer.Decoder) {
	t.Helper()
	ctx := t.Context()
	reg := registry.NewMemory(nil)
	for _, e := range []registry.Entry{
		{CustomerNumber: "1", To: []string{"skannaus@palvelu.example"}, Profile: registry.ProfileScan},
		{CustomerNumber: "2", To: []string{"laskut@example.fi"}},
	} {
		if err := reg.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var exported bytes.Buffer
	if err := export(ctx, &exported, reg, "fi"); err != nil {
		t.Fatal(err)
	}
	decoders := []importer.Decoder{decoder}
	b, err := importer.Read(bytes.NewReader(exported.Bytes()), decoders, nil)
	if err != nil {
		t.Fatalf("import of the export: %v", err)
	}
	if got := []registry.Profile{b.Entries[0].Profile, b.Entries[1].Profile}; !reflect.DeepEqual(got, []registry.Profile{registry.ProfileScan, ""}) {
		t.Errorf("profiles read from the export: %q, want scan and empty", got)
	}
	fresh := registry.NewMemory(nil)
	allScan := registry.NewMemory(nil)
	for _, e := range []registry.Entry{
		{CustomerNumber: "1", To: []string{"skannaus@palvelu.example"}, Profile: registry.ProfileScan},
		{CustomerNumber: "2", To: []string{"laskut@example.fi"}, Profile: registry.ProfileScan},
	} {
		if err := allScan.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		reg  *registry.Memory
		want [2]registry.Profile
	}{
		{"an empty directory", fresh, [2]registry.Profile{registry.ProfileScan, ""}},
		{"a directory of scan entries", allScan, [2]registry.Profile{registry.ProfileScan, registry.ProfileScan}},
	} {
		if _, err := importer.Apply(ctx, c.reg, b); err != nil {
			t.Fatal(err)
		}
		for i, cn := range []string{"1", "2"} {
			if e, err := c.reg.Lookup(ctx, cn); err != nil || e.Profile != c.want[i] {
				t.Errorf("import into %s: Lookup(%q) = %+v, %v; want profile %q", c.name, cn, e, err, c.want[i])
			}
		}
	}
}

// RoundTripLanguage exports, with export, a directory whose entries have a
// language (sv, en-GB) or none, imports the export into an empty directory
// and into one where every entry is Finnish, reading it with decoder: the
// languages come back, and an empty cell keeps the stored language.
func RoundTripLanguage(t *testing.T, export func(context.Context, io.Writer, registry.Registry, string) error, decoder importer.Decoder) {
	t.Helper()
	ctx := t.Context()
	entries := []registry.Entry{
		{CustomerNumber: "1", To: []string{"kund@foretag.example"}, Language: "sv"},
		{CustomerNumber: "2", To: []string{"asiakas@yritys.example"}},
		{CustomerNumber: "3", To: []string{"customer@company.example"}, Language: "en-GB", Profile: registry.ProfileScan},
	}
	reg := registry.NewMemory(nil)
	for _, e := range entries {
		if err := reg.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"fi", "en"} {
		var exported bytes.Buffer
		if err := export(ctx, &exported, reg, lang); err != nil {
			t.Fatal(err)
		}
		b, err := importer.Read(bytes.NewReader(exported.Bytes()), []importer.Decoder{decoder}, nil)
		if err != nil {
			t.Fatalf("import of the %s export: %v", lang, err)
		}
		if len(b.Entries) != 3 {
			t.Fatalf("the %s export gave %d entries, want 3", lang, len(b.Entries))
		}
		finnish := registry.NewMemory(nil)
		for _, e := range entries {
			e.Language = "fi"
			if err := finnish.Put(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name string
			reg  *registry.Memory
			want [3]string
		}{
			{"an empty directory", registry.NewMemory(nil), [3]string{"sv", "", "en-GB"}},
			{"a directory of Finnish entries", finnish, [3]string{"sv", "fi", "en-GB"}},
		} {
			if _, err := importer.Apply(ctx, c.reg, b); err != nil {
				t.Fatal(err)
			}
			for i, e := range entries {
				got, err := c.reg.Lookup(ctx, e.CustomerNumber)
				if err != nil || got.Language != c.want[i] || got.Profile != e.Profile {
					t.Errorf("%s export into %s: Lookup(%q) = %+v, %v; want language %q, profile %q",
						lang, c.name, e.CustomerNumber, got, err, c.want[i], e.Profile)
				}
			}
		}
		// The re-import into the directory it came from changes nothing.
		if c, err := importer.Diff(ctx, reg, b); err != nil || len(c.Unchanged) != 3 {
			t.Errorf("Diff of the %s re-import = %+v, %v; want 3 unchanged", lang, c, err)
		}
	}
}
