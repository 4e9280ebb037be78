package invoicepdf

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/jakelu/jakelu/docparse"
)

// TestCellMatchesCellFormat writes texts with page.cell and with the PDF
// library's CellFormat, in the 8-bit font, with each alignment, in colours
// that are and are not the fill colour, with characters that need escaping
// and with a width of 0 (to the right margin), two cells in a row each
// time: the PDFs must be the same bytes.
func TestCellMatchesCellFormat(t *testing.T) {
	f8 := fast8()
	if f8 == nil {
		t.Fatal("the 8-bit font could not be prepared")
	}
	texts := []string{"", "Lasku 2026-0042", `a(b)c\d))`, "Äänekoski – 4 883,15 €", "  "}
	draw := func(direct bool) []byte {
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.SetCompression(false)
		pdf.SetCreationDate(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
		pdf.SetModificationDate(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
		pdf.AddFontFromBytes("go", "", f8.def, f8.file.data)
		pdf.AddPage()
		p := &page{pdf: pdf, f8: f8, lang: "fi"}
		y := 10.0
		for _, rgb := range [][3]int{{0, 0, 0}, {90, 90, 90}, {31, 58, 95}, {255, 255, 255}} {
			for _, fill := range [][3]int{{0, 0, 0}, {90, 90, 90}} {
				pdf.SetFillColor(fill[0], fill[1], fill[2])
				for _, size := range []float64{7.5, 9} {
					p.fontRGB(false, size, rgb)
					for _, align := range []string{"L", "R", "C"} {
						for _, s := range texts {
							for _, w := range []float64{40, 0} {
								pdf.SetXY(15, y)
								e := p.enc(s)
								if direct {
									p.cell(w, lineH, e, align)
									p.cell(30, 5.5, e, align)
								} else {
									pdf.CellFormat(w, lineH, e, "", 0, align, false, 0, "")
									pdf.CellFormat(30, 5.5, e, "", 0, align, false, 0, "")
								}
								y += 0.5
							}
						}
					}
				}
			}
		}
		if p.uncovered {
			t.Fatal("a test text has a character the 8-bit font lacks")
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	want, got := draw(false), draw(true)
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("page.cell wrote other bytes than CellFormat from byte %d:\n%q\nCellFormat:\n%q", i, got[i:min(i+200, len(got))], want[i:min(i+200, len(want))])
	}
	if !bytes.Contains(want, []byte(`(a\(b\)c\\d\)\))Tj`)) {
		t.Error("the escaped text is not in the PDF")
	}
}

// TestRenderAgainSetsModes renders the payable invoice in the Unicode font
// once on a fresh page and once on a page whose text rendering mode state
// is what a first rendering in the 8-bit font may leave (bold on page 1,
// where the new document starts with the seller's name in bold): the
// texts have the same modes.
func TestRenderAgainSetsModes(t *testing.T) {
	data, err := os.ReadFile("testdata/finvoice-payable.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := docparse.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	modes := func(leftover bool) []int {
		p := &page{r: r, d: d, lang: "fi"}
		p.transfer(&Rendered{})
		if leftover {
			p.mode, p.modePage = 2, 1
		}
		if err := p.render(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		return contentModes(buf.String())
	}
	want, got := modes(false), modes(true)
	if !slices.Contains(want, 2) {
		t.Fatal("no bold text")
	}
	if !slices.Equal(got, want) {
		t.Errorf("rendering again: modes %v, want %v", got, want)
	}
}

// contentModes returns the text rendering mode (0 fill, 2 fill and stroke:
// bold) each text of uncompressed content (a page's, or a PDF written
// without compression) is drawn in, in order; the mode starts at 0.
func contentModes(content string) []int {
	var modes []int
	mode := 0
	for line := range strings.SplitSeq(content, "\n") {
		switch {
		case strings.HasSuffix(line, " Tr"):
			mode = int(line[len(line)-4] - '0')
		case strings.Contains(line, "Tj"):
			modes = append(modes, mode)
		}
	}
	return modes
}
