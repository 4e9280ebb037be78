package csvimport_test

import (
	"bytes"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
)

// FuzzCSVImport reads any bytes as a CSV import file: it must never panic,
// never read past the size limit and give either a valid batch or an
// *importer.ImportError. Seeded from testdata/*.csv and the HOSTILE cases.
func FuzzCSVImport(f *testing.F) {
	importtest.AddSeeds(f, "testdata/*.csv")
	for _, tc := range hostileCSV {
		if len(tc.input) < 4096 {
			f.Add([]byte(tc.input))
		}
	}
	opts := &importer.Options{MaxFileSize: 1 << 20, MaxRows: 10_000, MaxProblems: 50}
	decoders := []importer.Decoder{csvimport.NewDecoder(nil)}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := importer.Read(bytes.NewReader(data), decoders, opts)
		importtest.CheckRead(t, b, err, opts.MaxProblems)
	})
}
