package invoicepdf

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"

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
//
// The subset embedded is cut further, to ASCII and the groups of extra
// characters the document draws (see font8Group): the PDF library writes
// a placeholder for the font file, and compressPDF swaps it for the file
// of those groups, made when a document first needs it. The encoding and
// the widths stay those of the whole encoding.

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
	def   []byte                 // the font definition for fpdf.AddFontFromBytes
	file  fontFile               // the subset of every character of the encoding
	code  map[rune]byte          // the code of each character it has
	char  [128]rune              // the character of each code from 128
	cw    [256]int               // the width of each code, 1/1000 em
	miss  int                    // the width of a character it lacks
	group [font8Groups][2]uint64 // the codes of each group of extra characters (bit c-128 for code c)
	// subsets are the font files of ASCII and some of the groups
	// (index: a bit for each group), made when a document first needs
	// one: a document embeds only the groups it uses.
	subsets [1 << font8Groups]struct {
		once sync.Once
		file *fontFile
	}
}

// fontFile is a font file as the PDF library embeds it: zlib-compressed,
// with its uncompressed size.
type fontFile struct {
	data []byte
	size int
}

// The extra characters fall into font8Groups groups (see font8Group): a
// document embeds ASCII and the groups it uses. The whole encoding is a
// 24 KB font file, ASCII alone 15 KB: most of a rendered invoice, which
// is sent, stored and hashed with every e-mail.
const font8Groups = 3

// font8Group returns the group of an extra character: 0 for the symbols
// and the Finnish and Swedish letters (with the À of the Finnish label
// "À-hinta"), 1 for the other Latin-1 letters, 2 for the Estonian,
// Latvian, Lithuanian, Polish and Sámi ones.
func font8Group(r rune) int {
	switch {
	case !unicode.IsLetter(r) || strings.ContainsRune("ÀÄÅÖàäåö", r):
		return 0
	case r < 0x100:
		return 1
	}
	return 2
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
		if c >= 128 {
			fmt.Fprintf(&diff, "/uni%04X ", r)
			f.char[c-128] = r
			g := font8Group(r)
			f.group[g][(c-128)/64] |= 1 << ((c - 128) % 64)
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
	var all [2]uint64
	for _, g := range f.group {
		all[0], all[1] = all[0]|g[0], all[1]|g[1]
	}
	file, err := f.cut(all)
	if err != nil {
		return nil, err
	}
	f.file = *file

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
		File: "goregular-jakelu.z", OriginalSize: f.file.size}
	def.Desc.Ascent, def.Desc.Descent, def.Desc.CapHeight = scale(m.Ascent), -scale(m.Descent), scale(m.CapHeight)
	def.Desc.Flags = 32 // non-symbolic: the encoding's names select the glyphs
	def.Desc.FontBBox = box{scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y)}
	def.Desc.StemV, def.Desc.MissingWidth = 80, f.miss
	if f.def, err = json.Marshal(def); err != nil {
		return nil, err
	}
	return f, nil
}

// cut returns the font file of ASCII and the extra characters whose codes
// are in codes (bit c-128 for code c), checking that it maps every one of
// them to a glyph of its width.
func (f *font8) cut(codes [2]uint64) (*fontFile, error) {
	var chars strings.Builder
	for c := 32; c < 127; c++ {
		chars.WriteByte(byte(c))
	}
	for i, r := range f.char {
		if r != 0 && codes[i/64]>>(i%64)&1 == 1 {
			chars.WriteRune(r)
		}
	}
	sub := fpdf.UTF8CutFont(goregular.TTF, chars.String())
	check, err := sfnt.Parse(sub)
	if err != nil {
		return nil, fmt.Errorf("the font subset does not parse: %w", err)
	}
	var buf sfnt.Buffer
	ppem := fixed.I(int(check.UnitsPerEm()))
	for _, r := range chars.String() {
		gi, err := check.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return nil, fmt.Errorf("the font subset lacks %q", r)
		}
		adv, err := check.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil || int(math.Round(float64(adv)/64*1000/float64(check.UnitsPerEm()))) != f.cw[f.code[r]] {
			return nil, fmt.Errorf("the font subset has another width for %q", r)
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(sub)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &fontFile{data: z.Bytes(), size: len(sub)}, nil
}

// subset returns the font file of ASCII and the groups of the extra
// characters a document used (bit c-128 of used for code c): f.file when
// that is all of them or the subset cannot be made.
func (f *font8) subset(used [2]uint64) *fontFile {
	set := 0
	for g, codes := range f.group {
		if used[0]&codes[0] != 0 || used[1]&codes[1] != 0 {
			set |= 1 << g
		}
	}
	if set == len(f.subsets)-1 {
		return &f.file
	}
	s := &f.subsets[set]
	s.once.Do(func() {
		var codes [2]uint64
		for g := range f.group {
			if set>>g&1 == 1 {
				codes[0], codes[1] = codes[0]|f.group[g][0], codes[1]|f.group[g][1]
			}
		}
		var err error
		if s.file, err = f.cut(codes); err != nil {
			s.file = &f.file
		}
	})
	return s.file
}

// placeholder stands in for the font file when the PDF library writes
// the PDF: compressPDF swaps it for the subset the document needs, so
// that the library does not copy the whole font into every PDF.
func (f *font8) placeholder() fontFile {
	return fontFile{data: fontPlaceholder, size: f.file.size}
}

// fontPlaceholder is the placeholder's data, the same for every document.
var fontPlaceholder = []byte("jakelu: the font file goes here")

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
