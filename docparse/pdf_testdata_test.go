package docparse_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

// TestPDFTestdata reads the qpdf-made variants of testdata/facturx.pdf in
// testdata/pdf (see its README.md): each reads as the original does, but
// the password-protected one, which gives ErrPDFEncrypted.
func TestPDFTestdata(t *testing.T) {
	orig, err := docparse.Parse(readFile(t, filepath.Join("testdata", "facturx.pdf")), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want error
	}{
		{"facturx-aes256.pdf", nil},
		{"facturx-aes128.pdf", nil},
		{"facturx-rc4-128.pdf", nil},
		{"facturx-rc4-40.pdf", nil},
		{"facturx-objstm.pdf", nil},
		{"facturx-objstm-aes256.pdf", nil},
		{"facturx-password.pdf", docparse.ErrPDFEncrypted},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := docparse.Parse(readFile(t, filepath.Join("testdata", "pdf", tc.file)), nil)
			if tc.want != nil {
				var pe *docparse.ParseError
				if !errors.Is(err, tc.want) || !errors.As(err, &pe) {
					t.Fatalf("error %v, want %v", err, tc.want)
				}
				if msg := pe.Message("en"); msg == "" || pe.Message("fi") == msg {
					t.Errorf("messages %q / %q: want an English and a Finnish text", msg, pe.Message("fi"))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if problem := compareRewrite(orig, got, pdfRewrite{}); problem != "" {
				t.Fatal(problem)
			}
		})
	}
}

// pdfSeeds returns the PDFs FuzzParse starts from: the qpdf-made variants
// in testdata/pdf and small hand-made ones (an xref table, none, indirect
// lengths, an Order-X file).
func pdfSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	entries, err := os.ReadDir(filepath.Join("testdata", "pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".pdf" {
			data, err := os.ReadFile(filepath.Join("testdata", "pdf", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	xml := []byte(finvoice("S-1", "Oy"))
	seeds = append(seeds,
		facturX(t, newPDF(), "factur-x.xml", xml).xref("/Root 1 0 R"),
		manyStreams(facturX(t, newPDF(), "factur-x.xml", xml), 10, 3, true).bytes("/Root 1 0 R"),
		facturX(t, newPDF(), "order-x.xml", xml).bytes(""),
	)
	return seeds
}
