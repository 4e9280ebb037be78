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
	p.pdf.AddFontFromBytes("go", "", p.f8.def, p.f8.file.data)
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

// TestFont8Subsets checks the subsets of the 8-bit font a document
// embeds: each set of groups makes a font file (cut checks that it maps
// every character of those groups to a glyph of its width), more groups
// make a larger one, and a document's codes select the groups they fall
// in.
func TestFont8Subsets(t *testing.T) {
	f := fast8()
	if f == nil {
		t.Fatal("the 8-bit font could not be prepared")
	}
	var all [2]uint64
	for g, codes := range f.group {
		if codes == [2]uint64{} {
			t.Errorf("group %d is empty", g)
		}
		for h := g + 1; h < len(f.group); h++ {
			if codes[0]&f.group[h][0] != 0 || codes[1]&f.group[h][1] != 0 {
				t.Errorf("groups %d and %d overlap", g, h)
			}
		}
		all[0], all[1] = all[0]|codes[0], all[1]|codes[1]
	}
	if all != [2]uint64{^uint64(0), ^uint64(0)} {
		t.Errorf("the groups cover %x of the 128 extra codes", all)
	}
	used := func(s string) [2]uint64 {
		var u [2]uint64
		for _, r := range s {
			if c := int(f.code[r]); c >= 128 {
				u[(c-128)/64] |= 1 << ((c - 128) % 64)
			}
		}
		return u
	}
	tests := []struct {
		text string
		set  int // the groups the subset holds, -1 for the whole font
	}{
		{"Invoice 42", 0},
		{"À-hinta 12,50 € – Ähtäri, Åbo, Sörnäinen", 1},
		{"Café Éclair, Müller", 2},
		{"Šiaulių Žąsų Ūkis", 4},
		{"Lasku · Łańcut", 5},
		{"Ærø, Ļena", 6},
		{"Ähtäri, Ørsted, Ņikitins", -1},
	}
	for _, tt := range tests {
		got := f.subset(used(tt.text))
		if tt.set < 0 {
			if got != &f.file {
				t.Errorf("%q: a subset of %d bytes, want the whole font", tt.text, len(got.data))
			}
			continue
		}
		if got != f.subsets[tt.set].file || got == &f.file {
			t.Errorf("%q: not the subset of groups %03b", tt.text, tt.set)
		}
	}
	for set := range len(f.subsets) - 1 {
		var codes [2]uint64
		for g := range f.group {
			if set>>g&1 == 1 {
				codes[0], codes[1] = codes[0]|f.group[g][0], codes[1]|f.group[g][1]
			}
		}
		file, err := f.cut(codes)
		if err != nil {
			t.Fatalf("groups %03b: %v", set, err)
		}
		if file.size >= f.file.size || len(file.data) >= len(f.file.data) {
			t.Errorf("groups %03b: %d bytes (%d compressed), the whole font %d (%d)", set, file.size, len(file.data), f.file.size, len(f.file.data))
		}
		for g := range f.group {
			if set>>g&1 == 0 {
				if more, err := f.cut([2]uint64{codes[0] | f.group[g][0], codes[1] | f.group[g][1]}); err != nil || more.size <= file.size {
					t.Errorf("groups %03b and %d: not larger than without (%v)", set, g, err)
				}
			}
		}
	}
}
