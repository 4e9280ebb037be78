package invoicepdf

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The PDF library handles a Unicode (Type 0) font at a high cost per
// document: it parses the font file, fingerprints 65,536 widths, subsets
// the font and compresses it and a 128 KB glyph map anew each time — about
// two thirds of a rendering. Most invoices need only the letters of the
// Nordic and Baltic languages, so a document whose texts all fit one
// 8-bit encoding is drawn with the Go font as a simple TrueType font in
// that encoding, prepared once per process: a subset holding just those
// characters, compressed once, with the widths of the encoding. Text
// stays real text: the encoding names every character (uniXXXX), so
// pdftotext and copying read it. A document with any other character
// (Czech, Greek, Cyrillic …) is drawn again with the Unicode font, so that
// nothing the Go font covers is lost.

// font8Extra are the characters of codes 128–255 in order: the symbols of
// the labels and formats, the Latin-1 letters, and the further letters of
// Estonian, Latvian, Lithuanian, Polish and Sámi.
const font8Extra = "\u00a0²³·×…€→–—‘’“”«»" +
	"ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ" +
	"ĀāĄąČčĒēĖėĘęĢģĪīĮįĶķĻļŅņŠšŪūŲųŽž" +
	"ĆćŁłŃńŚśŹźŻż" +
	"ĐđŊŋŦŧ"

// font8 is the prepared 8-bit font.
type font8 struct {
	def  []byte        // the font definition for fpdf.AddFontFromBytes
	file []byte        // the subset font file, zlib-compressed
	code map[rune]byte // the code of each character it has
	cw   [256]int      // the width of each code, 1/1000 em
	miss int           // the width of a character it lacks
}

// fast8 prepares the 8-bit font once; nil when that fails (then every
// document uses the Unicode font).
var fast8 = sync.OnceValue(func() *font8 {
	f, err := newFont8(font8Extra)
	if err != nil {
		return nil
	}
	return f
})

// newFont8 prepares the Go font in the encoding ASCII + extra (at most 128
// characters from code 128 on).
func newFont8(extra string) (*font8, error) {
	src, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	upem := int(src.UnitsPerEm())
	ppem := fixed.I(upem) // advances in font units, 26.6
	scale := func(v fixed.Int26_6) int { return int(math.Round(float64(v) / 64 * 1000 / float64(upem))) }
	f := &font8{code: map[rune]byte{}}
	var cut strings.Builder
	var diff strings.Builder
	add := func(c int, r rune) error {
		gi, err := src.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return fmt.Errorf("the Go font lacks %q", r)
		}
		adv, err := src.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			return err
		}
		f.code[r], f.cw[c] = byte(c), scale(adv)
		cut.WriteRune(r)
		if c >= 128 {
			fmt.Fprintf(&diff, "/uni%04X ", r)
		}
		return nil
	}
	for c := 32; c < 127; c++ {
		if err := add(c, rune(c)); err != nil {
			return nil, err
		}
	}
	c := 128
	for _, r := range extra {
		if c > 255 {
			return nil, fmt.Errorf("more than 128 characters beyond ASCII")
		}
		if err := add(c, r); err != nil {
			return nil, err
		}
		c++
	}
	f.miss = f.cw['?']
	for i := range f.cw {
		if f.cw[i] == 0 {
			f.cw[i] = f.miss
		}
	}
	sub := fpdf.UTF8CutFont(goregular.TTF, cut.String())
	// The subset must map every character to a glyph of its own width.
	check, err := sfnt.Parse(sub)
	if err != nil {
		return nil, fmt.Errorf("the font subset does not parse: %w", err)
	}
	for r, code := range f.code {
		gi, err := check.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return nil, fmt.Errorf("the font subset lacks %q", r)
		}
		adv, err := check.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil || scale(adv) != f.cw[code] {
			return nil, fmt.Errorf("the font subset has another width for %q", r)
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(sub)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	f.file = z.Bytes()

	m, err := src.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	bounds, err := src.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	type box struct{ Xmin, Ymin, Xmax, Ymax int }
	def := struct {
		Tp   string
		Name string
		Desc struct {
			Ascent, Descent, CapHeight, Flags int
			FontBBox                          box
			ItalicAngle, StemV, MissingWidth  int
		}
		Up, Ut       int
		Cw           []int
		Enc, Diff    string
		File         string
		OriginalSize int
	}{Tp: "TrueType", Name: "JAKELU+GoRegular", Up: -100, Ut: 50, Cw: f.cw[:],
		Enc: "jakelu-nordic-baltic", Diff: "128 " + strings.TrimSpace(diff.String()),
		// ".z": the PDF library embeds the file as it is, flate-compressed.
		File: "goregular-jakelu.z", OriginalSize: len(sub)}
	def.Desc.Ascent, def.Desc.Descent, def.Desc.CapHeight = scale(m.Ascent), -scale(m.Descent), scale(m.CapHeight)
	def.Desc.Flags = 32 // non-symbolic: the encoding's names select the glyphs
	def.Desc.FontBBox = box{scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y)}
	def.Desc.StemV, def.Desc.MissingWidth = 80, f.miss
	if f.def, err = json.Marshal(def); err != nil {
		return nil, err
	}
	return f, nil
}

// encode returns s in the 8-bit encoding and whether every character of
// it has a code (one without becomes '?').
func (f *font8) encode(s string) (string, bool) {
	ascii := true
	for i := range len(s) {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	ok := true
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, has := f.code[r]
		if !has {
			c, ok = '?', false
		}
		b = append(b, c)
	}
	return string(b), ok
}

// width returns the width of r in 1/1000 em and whether the font has it.
func (f *font8) width(r rune) (int, bool) {
	if r >= 32 && r < 127 { // ASCII is its own code
		return f.cw[r], true
	}
	if c, ok := f.code[r]; ok {
		return f.cw[c], true
	}
	return f.miss, false
}
