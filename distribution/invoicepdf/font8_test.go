package invoicepdf

import (
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/goregular"
)

// TestFont8 checks the 8-bit font: it is prepared (else every document
// takes the slow Unicode path), has a code for ASCII and every extra
// character, and lacks what it should fall back for.
func TestFont8(t *testing.T) {
	f := fast8()
	if f == nil {
		_, err := newFont8(font8Extra)
		t.Fatalf("the 8-bit font could not be prepared: %v", err)
	}
	if n := len([]rune(font8Extra)); n != 128 {
		t.Errorf("%d extra characters, want all 128 codes used", n)
	}
	for r := rune(32); r < 127; r++ {
		if f.code[r] != byte(r) {
			t.Errorf("%q has code %d", r, f.code[r])
		}
	}
	for _, r := range font8Extra {
		if c, ok := f.code[r]; !ok || c < 128 {
			t.Errorf("%q has no code above 127", r)
		}
	}
	for _, s := range []string{"Dvořák", "Ωμέγα", "Ромашка", "Őrség"} {
		if _, ok := f.encode(s); ok {
			t.Errorf("%q encoded, but the font lacks some of it", s)
		}
	}
	if _, err := newFont8(font8Extra + "x"); err == nil {
		t.Error("129 extra characters accepted")
	}
}

// TestSplitLikeFPDF checks that the 8-bit font wraps text exactly as the
// PDF library wraps it in the Unicode font: the same widths, the same
// breaks.
func TestSplitLikeFPDF(t *testing.T) {
	texts := []string{
		"Sähköenergia, yösiirto ja siirtomaksu kaudelta 1.1.–31.1.2026",
		"Šiaulių Žąsų Ūkis Oy, Ķemerin tie 4 A 7, Ēriks Ņikitins – Ģirts ja Ļena",
		strings.Repeat("Pitkäsanaisuus", 20),
		"Kiitos tilauksestanne!\nSeuraava rivi « lainaus » € 12,50 → ½",
		"",
		"Łódź, Świętokrzyska 5 · Đuro Ŋ ŧ Þórður Ægir Ørsted",
	}
	ref := fpdf.New("P", "mm", "A4", "")
	ref.AddUTF8FontFromBytes("go", "", goregular.TTF)
	ref.AddPage()
	p := &page{f8: fast8(), pdf: fpdf.New("P", "mm", "A4", "")}
	p.pdf.AddFontFromBytes("go", "", p.f8.def, p.f8.file)
	p.pdf.AddPage()
	for _, size := range []float64{6.5, 8.5, 10} {
		ref.SetFont("go", "", size)
		p.pdf.SetFont("go", "", size)
		for _, w := range []float64{20, 52, 78, 180} {
			for _, s := range texts {
				want := ref.SplitText(s, w)
				got := p.split(s, w)
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%.1f pt, %.0f mm, %q:\n got %q\nwant %q", size, w, s, got, want)
				}
				if !strings.Contains(s, "½") && p.uncovered {
					t.Errorf("%q: a character counted as missing", s)
				}
				p.uncovered = false
			}
		}
	}
}
