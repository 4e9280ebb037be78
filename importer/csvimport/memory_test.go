package csvimport_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
)

// Environment of TestImportMemoryChild.
const (
	memFileEnv   = "JAKELU_IMPORTMEM_FILE"   // the file to read
	memStreamEnv = "JAKELU_IMPORTMEM_STREAM" // "1": through a reader that does not tell its size
)

// TestImportMemory generates hostile files of hundreds of megabytes in
// t.TempDir() and reads each with importer.Read in a child process
// (TestImportMemoryChild), whose peak resident set size it measures (see
// importtest.RunChild). It checks the outcome, the bytes read from the
// file (nothing is read twice, an oversized file not at all) and the
// memory, and prints a line per case:
//
//	IMPORTMEM case=line-250MB bytes=… peak_rss=… ratio=… seconds=…
//
// ratio is the peak RSS over the file's size; seconds is the child's run,
// reported, never asserted (a busy machine must not fail the test).
// A file whose size is not known (file-300MB-stream) is validated as it is
// read until the size limit is crossed, so its time and memory are those
// of a valid file of 256 MiB; only what it reads is checked.
func TestImportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: writes files of 100 to 300 MB and reads each in a child process")
	}
	if raceEnabled {
		t.Skip("skipped under the race detector, which multiplies the memory and time measured; run without -race")
	}
	const mib = 1 << 20
	line := func(n int64) func(*bufio.Writer) {
		return func(w *bufio.Writer) {
			w.WriteString("1,")
			writeRepeat(w, 'a', n-3)
			w.WriteString("\n")
		}
	}
	tests := []struct {
		name     string
		size     int64 // of the file, at least
		write    func(*bufio.Writer)
		stream   bool // read through a reader that hides the size
		want     []string
		maxRatio float64 // peak RSS / size; 0: not checked
		maxRSS   int64   // bytes; 0: not checked
		maxRead  int64   // bytes read from the file, at most
	}{
		{name: "line-100MB", size: 100 * mib, write: line(100 * mib), want: []string{"1:B:value-too-long"}, maxRatio: 2, maxRead: 100 * mib},
		{name: "line-250MB", size: 250 * mib, write: line(250 * mib), want: []string{"1:B:value-too-long"}, maxRatio: 2, maxRead: 250 * mib},
		{name: "line-250MB-quoted-multiline", size: 250 * mib, write: func(w *bufio.Writer) {
			// One quoted cell of 250 lines, then a row that must still be
			// found as row 2.
			w.WriteString("1,\"")
			for range 250 {
				writeRepeat(w, 'a', mib-1)
				w.WriteString("\n")
			}
			w.WriteString("\"\n2,bad\n")
		}, want: []string{"1:B:value-too-long", "2:B:invalid-address:missing-at"}, maxRatio: 2, maxRead: 251 * mib},
		{name: "line-250MB-utf8-then-windows-1252", size: 250 * mib, write: func(w *bufio.Writer) {
			// Valid UTF-8 at first, so the rest is read before any of it
			// is decoded; a Windows-1252 byte at the end.
			w.WriteString("1,ä")
			writeRepeat(w, 'a', 250*mib-6)
			w.WriteString("\xe4\n")
		}, want: []string{"1:B:value-too-long"}, maxRatio: 2, maxRead: 250 * mib},
		{name: "line-250MB-utf16", size: 250 * mib, write: func(w *bufio.Writer) {
			w.WriteString("\xff\xfe1\x00,\x00")
			for range 125*mib - 4 {
				w.WriteString("a\x00")
			}
			w.WriteString("\n\x00")
		}, want: []string{"1:B:value-too-long"}, maxRatio: 2, maxRead: 250 * mib},
		{name: "file-300MB", size: 300 * mib, write: directoryFile(300 * mib), want: []string{"0::file-too-large"}, maxRSS: 64 * mib, maxRead: 0},
		{name: "file-300MB-stream", size: 300 * mib, write: directoryFile(300 * mib), stream: true, want: []string{"0::file-too-large"}, maxRead: importer.DefaultMaxFileSize + 2*mib},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".csv")
			size := writeFile(t, path, tt.write)
			defer os.Remove(path)
			env := []string{memFileEnv + "=" + path}
			if tt.stream {
				env = append(env, memStreamEnv+"=1")
			}
			c := importtest.RunChild(t, "TestImportMemoryChild", env...)
			var seconds float64
			var read int64
			var problems string
			for l := range strings.Lines(c.Output) {
				if rest, ok := strings.CutPrefix(l, "IMPORTMEM-CHILD "); ok {
					fmt.Sscanf(rest, "seconds=%g read=%d problems=%s", &seconds, &read, &problems)
				}
			}
			ratio := float64(c.PeakRSS) / float64(size)
			fmt.Printf("IMPORTMEM case=%s bytes=%d peak_rss=%d ratio=%.3f seconds=%.2f read_seconds=%.2f read_bytes=%d\n",
				tt.name, size, c.PeakRSS, ratio, c.Elapsed.Seconds(), seconds, read)
			if got := strings.Split(problems, ","); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems %q, want %q\n%s", got, tt.want, c.Output)
			}
			if tt.maxRatio > 0 && c.PeakRSS > 0 && ratio >= tt.maxRatio {
				t.Errorf("peak RSS %d is %.2f× the file, want under %g×", c.PeakRSS, ratio, tt.maxRatio)
			}
			if tt.maxRSS > 0 && c.PeakRSS > tt.maxRSS {
				t.Errorf("peak RSS %d, want at most %d", c.PeakRSS, tt.maxRSS)
			}
			if read > tt.maxRead {
				t.Errorf("read %d bytes of the file, want at most %d", read, tt.maxRead)
			}
		})
	}
}

// TestImportMemoryChild is the child process of TestImportMemory: it reads
// the file named by JAKELU_IMPORTMEM_FILE with importer.Read and prints how
// long that took, how much of the file it read and the problems.
func TestImportMemoryChild(t *testing.T) {
	path := os.Getenv(memFileEnv)
	if path == "" {
		t.Skip("run by TestImportMemory in a child process")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cf := &countingFile{File: f}
	var r io.Reader = cf // tells its size with Stat
	if os.Getenv(memStreamEnv) != "" {
		r = struct{ io.Reader }{cf}
	}
	start := time.Now()
	_, err = importer.Read(r, []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	seconds := time.Since(start).Seconds()
	fmt.Printf("IMPORTMEM-CHILD seconds=%.3f read=%d problems=%s\n", seconds, cf.n, strings.Join(importtest.ProblemStrings(t, err), ","))
	importtest.PrintPeakRSS()
}

// countingFile counts the bytes read from a file.
type countingFile struct {
	*os.File
	n int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	c.n += int64(n)
	return n, err
}

// directoryFile returns a writer of a valid directory of at least size bytes,
// in rows of about 500 bytes (a customer number and 16 addresses), so that
// the size limit comes before the row limit.
func directoryFile(size int64) func(*bufio.Writer) {
	return func(w *bufio.Writer) {
		w.WriteString("Customer number,E-mail\n")
		var row []byte
		for i, n := 0, int64(0); n < size; i++ {
			row = strconv.AppendInt(row[:0], int64(i), 10)
			row = append(row, ',')
			for k := range 16 {
				if k > 0 {
					row = append(row, ' ')
				}
				row = append(row, "invoices.department."...)
				row = strconv.AppendInt(row, int64(i*16+k), 10)
				row = append(row, "@example.com"...)
			}
			row = append(row, '\n')
			w.Write(row)
			n += int64(len(row))
		}
	}
}

// writeRepeat writes n bytes c.
func writeRepeat(w *bufio.Writer, c byte, n int64) {
	block := []byte(strings.Repeat(string(c), 1<<16))
	for ; n > 0; n -= int64(len(block)) {
		w.Write(block[:min(n, int64(len(block)))])
	}
}

// writeFile writes a file with write and returns its size.
func writeFile(t *testing.T, path string, write func(*bufio.Writer)) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
