package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// kindCodes maps the cell kinds that are never valid to their codes.
var kindCodes = [...]Code{
	KindDate:                CodeDateCell,
	KindBool:                CodeBooleanCell,
	KindError:               CodeErrorCell,
	KindFormulaWithoutValue: CodeFormulaWithoutValue,
}

// kindProblem reports a cell of a kind that is never valid and returns
// true, or returns false.
func (c *chunk) kindProblem(row int, col string, cell Cell) bool {
	if int(cell.Kind) >= len(kindCodes) || kindCodes[cell.Kind] == "" {
		return false
	}
	c.fail(Problem{Row: row, Column: col, Value: shorten(cell.Value), Code: kindCodes[cell.Kind]})
	return true
}

// customerNumber validates column A of a row that is not empty and returns
// the customer number, or "" with the problem recorded.
func (c *chunk) customerNumber(row int, cell Cell) string {
	if c.kindProblem(row, "A", cell) {
		return ""
	}
	if cell.Cut {
		c.fail(Problem{Row: row, Column: "A", Value: shorten(cell.Value), Code: CodeValueTooLong, Limit: registry.MaxCustomerNumberLength})
		return ""
	}
	s := unquote(cell.Value)
	if cell.Kind == KindText && plainCustomerNumber(s) {
		return s
	}
	return c.anyCustomerNumber(row, cell, s)
}

// anyCustomerNumber is customerNumber for a cell of any kind, s its text
// without the apostrophe: it looks for every problem.
func (c *chunk) anyCustomerNumber(row int, cell Cell, s string) string {
	fail := func(code Code, limit int64) string {
		c.fail(Problem{Row: row, Column: "A", Value: shorten(cell.Value), Code: code, Limit: limit})
		return ""
	}
	if hasControl(s) {
		return fail(CodeControlCharacter, 0)
	}
	if s = trimSpace(s); s == "" {
		return fail(CodeEmptyCustomerNumber, 0)
	}
	if cell.Kind == KindNumber {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1e15 {
			return fail(CodeInexactNumber, 0)
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
		c.warnings = append(c.warnings, Problem{Row: row, Column: "A", Value: s, Code: CodeNumericCell})
	}
	switch {
	case len(s) > registry.MaxCustomerNumberLength && utf8.RuneCountInString(s) > registry.MaxCustomerNumberLength:
		return fail(CodeValueTooLong, registry.MaxCustomerNumberLength)
	case cell.Kind == KindText && isScientific(s):
		return fail(CodeScientificNotation, 0)
	case registry.CheckCustomerNumber(s) != nil:
		// Not reached after the checks above; kept so that nothing the
		// registry would refuse ever gets into a batch.
		return fail(CodeControlCharacter, 0)
	}
	// The decoder's string, kept as it is: the addresses of the row keep
	// the rest of it anyway.
	return s
}

// addresses validates an address cell and returns its addresses, parsed and
// without duplicates (nor any already in to; see address.Equal), or
// nil if the cell is empty or has a problem (recorded). The result is
// allocated from the chunk's address slab.
func (c *chunk) addresses(row int, col string, cell Cell, to []string) []string {
	if c.kindProblem(row, col, cell) {
		return nil
	}
	s := unquote(cell.Value)
	if !cell.Cut && isBlank(s) {
		return nil
	}
	if len(s) > maxCellLength || cell.Cut {
		c.fail(Problem{Row: row, Column: col, Value: shorten(s), Code: CodeValueTooLong, Limit: maxCellLength})
		return nil
	}
	if list, ok := c.plainAddresses(s, to); ok {
		return list
	}
	return c.anyAddresses(row, col, s, to)
}

// anyAddresses is addresses for a cell of any kind, s its text (without the
// apostrophe, not blank and not too long): it looks for every problem.
func (c *chunk) anyAddresses(row int, col string, s string, to []string) []string {
	fail := func(p Problem) []string {
		p.Row, p.Column = row, col
		c.fail(p)
		return nil
	}
	if hasControl(s) {
		return fail(Problem{Value: shorten(s), Code: CodeControlCharacter})
	}
	switch separatorAfterAddress(s) {
	case ',':
		return fail(Problem{Value: shorten(s), Code: CodeCommaBetweenAddresses})
	case ';':
		return fail(Problem{Value: shorten(s), Code: CodeSemicolonBetweenAddresses})
	}
	if c.parts = append(c.parts[:0], address.SplitList(s)...); len(c.parts) == 0 {
		c.parts = append(c.parts, s) // only separators, such as ","
	}
	if cap(c.addrs)-len(c.addrs) < len(c.parts) {
		c.addrs = make([]string, 0, max(slabSize, len(c.parts)))
	}
	start := len(c.addrs)
	ok := true
	for _, part := range c.parts {
		a, err := address.Parse(part)
		if err != nil {
			var ae *address.Error
			p := Problem{Value: shorten(part), Code: CodeInvalidAddress}
			if errors.As(err, &ae) {
				p.Reason = ae.Reason
			}
			fail(p)
			ok = false
			continue
		}
		if !address.Contains(to, a) && !address.Contains(c.addrs[start:], a) {
			c.addrs = append(c.addrs, a)
		}
	}
	if !ok || len(c.addrs) == start {
		c.addrs = c.addrs[:start]
		return nil
	}
	return c.addrs[start:len(c.addrs):len(c.addrs)]
}

// plainAddresses returns the addresses of an address cell of the common
// kind, allocated from the chunk's slab and without duplicates (nor any
// already in to): addresses separated by spaces that address.Parse
// returns as they are. For any other cell it returns false, having kept
// nothing, and the cell needs the careful checks, which give the same
// addresses for a cell of this kind: reading such a cell once is most of
// what validating a large file takes.
func (c *chunk) plainAddresses(s string, to []string) ([]string, bool) {
	start := len(c.addrs)
	for rest := s; rest != ""; {
		part := rest
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if part == "" {
			continue
		}
		if a, err := address.Parse(part); err != nil || a != part {
			c.addrs = c.addrs[:start]
			return nil, false
		}
		if address.Contains(to, part) || address.Contains(c.addrs[start:], part) {
			continue
		}
		if len(c.addrs) == cap(c.addrs) { // a new slab, with the addresses so far
			c.addrs = append(make([]string, 0, max(slabSize, 2*(len(c.addrs)-start))), c.addrs[start:]...)
			start = 0
		}
		c.addrs = append(c.addrs, part)
	}
	return c.addrs[start:len(c.addrs):len(c.addrs)], len(c.addrs) > start
}

// separatorAfterAddress returns the first ',' or ';' that follows an
// address ("a@x.fi, b@y.fi"), or 0. A comma inside a display name
// ("Meikäläinen, Matti <m@x.fi>") does not count. s has no control
// characters.
func separatorAfterAddress(s string) rune {
	prevSep, at, angle := true, false, false
	for _, r := range s {
		if !angle {
			if r == ',' || r == ';' {
				if at {
					return r
				}
				prevSep = true
				continue
			}
			if r == ' ' || r >= utf8.RuneSelf && unicode.IsSpace(r) { // no control characters get here
				prevSep = true
				continue
			}
		}
		if prevSep {
			at, prevSep = false, false
		}
		switch r {
		case '<':
			angle = true
		case '>':
			angle = false
		case '@':
			at = true
		}
	}
	return 0
}

// blank reports whether c holds nothing but spaces (or a lone apostrophe).
func blank(c Cell) bool {
	return c.Kind == KindText && !c.Cut && isBlank(unquote(c.Value))
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' {
			if c < utf8.RuneSelf {
				return false
			}
			return strings.TrimFunc(s[i:], unicode.IsSpace) == ""
		}
	}
	return true
}

// trimSpace is strings.TrimFunc(s, unicode.IsSpace), without a call per
// character when s starts and ends with a character of ASCII that is not a
// space, as nearly every value does.
func trimSpace(s string) string {
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimFunc(s, unicode.IsSpace)
}

// unquote drops the apostrophe that marks a value as text in a spreadsheet
// (and that Export adds before values a spreadsheet would take for a
// formula).
func unquote(s string) string {
	if len(s) > 0 && s[0] == '\'' {
		return s[1:]
	}
	return s
}

// hasControl reports whether s holds a control character (C0, DEL, C1), a
// format character (zero-width space, BOM, bidi marks, …) or invalid UTF-8.
func hasControl(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
		i += size
	}
	return false
}

// plainCustomerNumber reports whether s is a customer number of the
// common kind, which every check below would pass as it is: not too long,
// and only printable ASCII other than space and '+' (without which it
// cannot be in scientific notation).
func plainCustomerNumber(s string) bool {
	if s == "" || len(s) > registry.MaxCustomerNumberLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '+' {
			return false
		}
	}
	return true
}

// isScientific reports whether s looks like a number in the scientific
// notation Excel writes for long numbers: 1.23457E+10, 1E+15.
func isScientific(s string) bool {
	for i := 0; ; i++ { // the common case, without a copy
		if i == len(s) {
			return false
		}
		if c := s[i]; c == 'E' || c == 'e' {
			break
		} else if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	if !ok || exp == "" || mant == "" || !allDigits(exp) {
		return false
	}
	whole, frac, dot := strings.Cut(mant, ".")
	return allDigits(whole) && whole != "" && (!dot || frac != "" && allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
