package invoicepdf_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"slices"
	"testing"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
)

// textModes returns the text rendering mode (0 fill, 2 fill and stroke:
// bold) each text of a one-page PDF is drawn in, in order.
func textModes(t *testing.T, pdf []byte) []int {
	t.Helper()
	var modes []int
	for _, m := range regexp.MustCompile(`(?s)/FlateDecode /Length \d+>>\nstream\n(.*?)\nendstream`).FindAllSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		content, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(content, []byte("Tj")) {
			continue
		}
		modes = append(modes, invoicepdf.ContentModes(string(content))...)
	}
	if len(modes) == 0 {
		t.Fatal("no text found in the page content")
	}
	return modes
}

// TestBoldSameInBothFonts renders the payable invoice in the 8-bit font
// and, with a Czech seller name, in the Unicode font (drawn a second time
// after the 8-bit font fell short): the same texts are bold in both.
func TestBoldSameInBothFonts(t *testing.T) {
	r, err := invoicepdf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := parseFile(t, "testdata/finvoice-payable.xml")
	out8, err := r.Render(d, "fi")
	if err != nil {
		t.Fatal(err)
	}
	d.Seller.Name = "Antonín Dvořák s.r.o."
	outU, err := r.Render(d, "fi")
	if err != nil {
		t.Fatal(err)
	}
	m8, mU := textModes(t, out8.PDF), textModes(t, outU.PDF)
	if !slices.Contains(m8, 2) {
		t.Fatal("no bold text in the 8-bit rendering")
	}
	if !slices.Equal(m8, mU) {
		t.Errorf("text rendering modes differ:\n8-bit   %v\nUnicode %v", m8, mU)
	}
}
