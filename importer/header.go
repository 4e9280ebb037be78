package importer

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/internal/i18n"
)

// headerWords maps the headings Read recognises, after headerKey, to
// their column's position in the table of columns plus one: the words of
// importer.column.<Key>.words (comma-separated) in every registered
// language, so that a file with a Swedish header imports under Finnish
// settings.
type headerWords struct {
	gen   int // i18n.Generation the table was derived for
	words map[string]int
}

var headerTable atomic.Pointer[headerWords]

// words returns the current header word table, derived again after a
// language was registered.
func words() map[string]int {
	gen := i18n.Generation()
	if t := headerTable.Load(); t != nil && t.gen == gen {
		return t.words
	}
	t := &headerWords{gen: gen, words: make(map[string]int)}
	for i, c := range columns {
		for _, list := range i18n.All("importer.column." + c.Key + ".words") {
			for w := range strings.SplitSeq(list, ",") {
				if k := headerKey(w); k != "" && utf8.RuneCountInString(k) < maxHeaderKey {
					if _, taken := t.words[k]; !taken { // the first column keeps a word two claim
						t.words[k] = i + 1
					}
				}
			}
		}
	}
	headerTable.Store(t)
	return t.words
}

// headerKey reduces a heading to lower-case letters and digits, so that
// "E-mail", "e mail" and "EMAIL" compare equal. A key longer than every
// header word is cut short (it matches none), so that a long value costs
// nothing.
func headerKey(s string) string {
	var b [4 * maxHeaderKey]byte
	k := b[:0]
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if n++; n > maxHeaderKey {
				break
			}
			k = utf8.AppendRune(k, unicode.ToLower(r))
		}
	}
	return string(k)
}

// maxHeaderKey is one more than the letters of the longest header word
// recognised.
const maxHeaderKey = 32

// header reports whether r, the first non-empty row, is a header row: one
// with a recognised heading. A header row's headings must be in their
// columns (see [Columns]: A customer number, B addresses, C copy
// addresses); any that is not gives CodeWrongHeader.
func (v *validator) header(r *Row) bool {
	headerWords := words()
	found := false
	for _, c := range r.Cells {
		if c.Kind == KindText && !c.Cut && headerWords[headerKey(c.Value)] != 0 {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	v.headerCols = 2
	for i, c := range r.Cells {
		if blank(c) {
			continue
		}
		if c.Kind != KindText || c.Cut || i >= len(columns) || headerWords[headerKey(c.Value)] != i+1 {
			v.chunk().fail(Problem{Row: r.Number, Column: columnName(i), Value: shorten(c.Value), Code: CodeWrongHeader})
			continue
		}
		v.headerCols = max(v.headerCols, i+1)
	}
	return true
}

// columnName returns the spreadsheet letter of the 0-based column i: A, B,
// …, Z, AA, …
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}
