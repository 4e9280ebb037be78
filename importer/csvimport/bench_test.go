package csvimport_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
)

var benchCSV = sync.OnceValue(func() []byte { return importtest.CSV(importtest.Rows()) })

// BenchmarkImportCSV reads the generated directory (importtest.Rows rows,
// 1–3 addresses each; set JAKELU_BENCH_ROWS for a quicker run) and applies
// it to a registry.Memory, against the naive baseline: encoding/csv and
// transport.ParseAddress on every address, the results kept. It reports
// rows/s, the peak heap, the process's CPU seconds per run (all goroutines:
// jakelu uses every processor, the baseline one) and, for jakelu, the time
// relative to the median of the baseline runs (see importtest.Baseline).
func BenchmarkImportCSV(b *testing.B) {
	data := benchCSV()
	rows := importtest.Rows()
	var baseline importtest.Baseline
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		measure := importtest.StartMeasure()
		for b.Loop() {
			kept := naiveImport(b, data)
			if len(kept) != rows {
				b.Fatalf("baseline kept %d rows, want %d", len(kept), rows)
			}
		}
		measure.Report(b, rows)
		baseline.Add(b, rows)
	})
	b.Run("jakelu", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		decoders := []importer.Decoder{csvimport.NewDecoder(nil)}
		measure := importtest.StartMeasure()
		for b.Loop() {
			batch, err := importer.Read(bytes.NewReader(data), decoders, nil)
			if err != nil {
				b.Fatal(err)
			}
			s, err := importer.Apply(b.Context(), registry.NewMemory(nil), batch)
			if err != nil || s.Added != rows {
				b.Fatalf("Apply = %+v, %v; want %d added", s, err, rows)
			}
		}
		measure.Report(b, rows)
		baseline.Report(b, rows)
	})
}

// naiveImport is the baseline: read every record with encoding/csv, split
// column B on white space and validate each address, keeping the results.
func naiveImport(b *testing.B, data []byte) [][]string {
	r := csv.NewReader(bytes.NewReader(data))
	if _, err := r.Read(); err != nil { // header
		b.Fatal(err)
	}
	var kept [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return kept
		}
		if err != nil {
			b.Fatal(err)
		}
		row := []string{rec[0]}
		for _, part := range strings.Fields(rec[1]) {
			a, err := transport.ParseAddress(part)
			if err != nil {
				b.Fatal(err)
			}
			row = append(row, a)
		}
		kept = append(kept, row)
	}
}
