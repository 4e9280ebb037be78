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
	"github.com/jakelu/jakelu/transport/address"
)

var benchCSV = sync.OnceValue(func() []byte { return importtest.CSV(importtest.Rows()) })

// BenchmarkImportCSV reads the generated directory (importtest.Rows rows,
// 1–3 addresses each; set JAKELU_BENCH_ROWS for a quicker run) and applies
// it to a registry.Memory, against the naive baseline: encoding/csv and
// address.Parse on every address, the results kept. Both report
// rows/s, the peak heap and the process's CPU seconds per run (all
// goroutines: jakelu uses every processor, the baseline one); jakelu also
// reports x-baseline, its time relative to a baseline run made just before
// each of its runs (see importtest.Compare).
func BenchmarkImportCSV(b *testing.B) {
	data := benchCSV()
	rows := importtest.Rows()
	baseline := func() {
		if kept := naiveImport(b, data); len(kept) != rows {
			b.Fatalf("baseline kept %d rows, want %d", len(kept), rows)
		}
	}
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		importtest.Run(b, rows, baseline)
	})
	b.Run("jakelu", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		decoders := []importer.Decoder{csvimport.NewDecoder(nil)}
		importtest.Compare(b, rows, baseline, func() {
			batch, err := importer.Read(bytes.NewReader(data), decoders, nil)
			if err != nil {
				b.Fatal(err)
			}
			s, err := importer.Apply(b.Context(), registry.NewMemory(nil), batch)
			if err != nil || s.Added != rows {
				b.Fatalf("Apply = %+v, %v; want %d added", s, err, rows)
			}
		})
	})
}

// naiveImport is the baseline: read every record with encoding/csv, split
// column B on white space and validate each address, keeping the results.
func naiveImport(b testing.TB, data []byte) [][]string {
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
			a, err := address.Parse(part)
			if err != nil {
				b.Fatal(err)
			}
			row = append(row, a)
		}
		kept = append(kept, row)
	}
}
