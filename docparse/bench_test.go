package docparse_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/jakelu/jakelu/docparse"
)

// The benchmark documents: about 10 KB each, written for these tests.
var benchDocs = []struct{ name, file string }{
	{"ubl", "ubl-peppol.xml"},
	{"cii", "cii.xml"},
	{"finvoice", "finvoice.xml"},
}

// BenchmarkParse measures Parse (detection, XML parsing and extraction)
// per format. Each file holds one document, so Parse reads it from the
// token stream. Compare it with BenchmarkRawToken over the same bytes: the
// target is at most 1.3 times the bare scan's time.
func BenchmarkParse(b *testing.B) {
	for _, bd := range benchDocs {
		data := readBenchDoc(b, bd.file)
		b.Run(bd.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := docparse.Parse(data, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkRawToken is the baseline: a bare encoding/xml RawToken scan over
// the same bytes, decoding the declared character set as Parse does.
func BenchmarkRawToken(b *testing.B) {
	for _, bd := range benchDocs {
		data := readBenchDoc(b, bd.file)
		b.Run(bd.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d := xml.NewDecoder(bytes.NewReader(data))
				d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
					enc, err := ianaindex.IANA.Encoding(label)
					if err != nil {
						return nil, err
					}
					return enc.NewDecoder().Reader(r), nil
				}
				for {
					if _, err := d.RawToken(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

func readBenchDoc(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}
