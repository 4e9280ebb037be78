package docparse

import (
	"bytes"
	"errors"
	"strconv"
)

// The PDF object model, as far as docparse needs it. A value is one of:
// nil (null), bool, int, float64, pdfName, pdfString, pdfArray, pdfDict,
// pdfRef, or *pdfStream (only as an indirect object).
type (
	// pdfName is a name without its slash, #xx escapes decoded.
	pdfName string
	// pdfString is a string's bytes, escapes decoded.
	pdfString string
	// pdfArray is an array.
	pdfArray []any
	// pdfDict is a dictionary keyed by name.
	pdfDict map[pdfName]any
	// pdfRef is an indirect reference "num gen R".
	pdfRef struct{ num, gen int }
	// pdfKeyword is a bare keyword other than true, false and null
	// ("obj", "stream", "endobj", "R", …).
	pdfKeyword string
)

// pdfStream is a stream object: its dictionary and its still encoded
// (and maybe encrypted) data.
type pdfStream struct {
	dict pdfDict
	raw  []byte
	// exact is false when /Length could not be used and raw runs up to
	// the "endstream" keyword, end of line included.
	exact bool
	ref   pdfRef // the object that holds the stream, for decryption
}

// maxPDFNesting bounds how deeply dictionaries and arrays may nest.
const maxPDFNesting = 32

var errPDFSyntax = errors.New("PDF syntax error")

// pdfLexer reads PDF values from b, starting at pos.
type pdfLexer struct {
	b   []byte
	pos int
	f   *pdfFile // counts the work, if set
}

// skipSpace skips white space and comments.
func (l *pdfLexer) skipSpace() { l.pos = skipPDFSpace(l.b, l.pos) }

// hasKeyword reports whether the keyword kw, followed by a delimiter or the
// end of the data, is at the current position (after white space).
func (l *pdfLexer) hasKeyword(kw string) bool {
	l.skipSpace()
	return hasPDFKeyword(l.b, l.pos, kw)
}

func hasPDFKeyword(b []byte, i int, kw string) bool {
	if !bytes.HasPrefix(b[min(i, len(b)):], []byte(kw)) {
		return false
	}
	e := i + len(kw)
	return e == len(b) || isPDFDelim(b[e])
}

// value reads one value. An integer followed by another and "R" is a
// reference.
func (l *pdfLexer) value(depth int) (any, error) {
	if depth == 0 && l.f != nil {
		if l.f.err != nil || l.f.work > l.f.workLimit() {
			return nil, l.f.overWork()
		}
		start := l.pos
		defer func() { l.f.work += l.pos - start }()
	}
	if depth > maxPDFNesting {
		return nil, errPDFSyntax
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, errPDFSyntax
	}
	b := l.b
	switch c := b[l.pos]; {
	case c == '/':
		return l.name(), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(b) && b[l.pos+1] == '<':
		l.pos += 2
		d := pdfDict{}
		for {
			l.skipSpace()
			if l.pos+1 < len(b) && b[l.pos] == '>' && b[l.pos+1] == '>' {
				l.pos += 2
				return d, nil
			}
			if l.pos >= len(b) || b[l.pos] != '/' {
				return nil, errPDFSyntax
			}
			k := l.name()
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, kw := v.(pdfKeyword); kw {
				return nil, errPDFSyntax
			}
			d[k] = v
		}
	case c == '<':
		return l.hex()
	case c == '[':
		l.pos++
		var a pdfArray
		for {
			l.skipSpace()
			if l.pos < len(b) && b[l.pos] == ']' {
				l.pos++
				if a == nil {
					a = pdfArray{}
				}
				return a, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, kw := v.(pdfKeyword); kw {
				return nil, errPDFSyntax
			}
			a = append(a, v)
		}
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
		return l.number(), nil
	case isPDFDelim(c):
		return nil, errPDFSyntax
	default:
		s := l.pos
		for l.pos < len(b) && !isPDFDelim(b[l.pos]) {
			l.pos++
		}
		switch kw := string(b[s:l.pos]); kw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		default:
			return pdfKeyword(kw), nil
		}
	}
}

// name reads "/Name", decoding #xx escapes.
func (l *pdfLexer) name() pdfName {
	l.pos++ // the slash
	s := l.pos
	for l.pos < len(l.b) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	raw := l.b[s:l.pos]
	if bytes.IndexByte(raw, '#') < 0 {
		return pdfName(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			if h, ok := unhex(raw[i+1]); ok {
				if l, ok := unhex(raw[i+2]); ok {
					out = append(out, h<<4|l)
					i += 2
					continue
				}
			}
		}
		out = append(out, raw[i])
	}
	return pdfName(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// literal reads "(string)", decoding escapes.
func (l *pdfLexer) literal() (any, error) {
	b := l.b
	var out []byte
	nest := 0
	for i := l.pos; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			if nest++; nest == 1 {
				continue
			}
		case ')':
			if nest--; nest == 0 {
				l.pos = i + 1
				return pdfString(out), nil
			}
		case '\\':
			i++
			if i >= len(b) {
				return nil, errPDFSyntax
			}
			switch e := b[i]; e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i+1 < len(b) && b[i+1] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
						i++
						v = v*8 + int(b[i]-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	l.pos = len(b)
	return nil, errPDFSyntax
}

// hex reads "<hex string>".
func (l *pdfLexer) hex() (any, error) {
	end := bytes.IndexByte(l.b[l.pos:], '>')
	if end < 0 {
		l.pos = len(l.b)
		return nil, errPDFSyntax
	}
	raw := l.b[l.pos+1 : l.pos+end]
	l.pos += end + 1
	out := make([]byte, 0, len(raw)/2)
	var hi byte
	half := false
	for _, c := range raw {
		v, ok := unhex(c)
		if !ok {
			if isPDFSpace(c) {
				continue
			}
			return nil, errPDFSyntax
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return pdfString(out), nil
}

// number reads a number; an integer followed by "gen R" is a reference.
func (l *pdfLexer) number() any {
	s := l.pos
	b := l.b
	l.pos++
	for l.pos < len(b) && (b[l.pos] >= '0' && b[l.pos] <= '9' || b[l.pos] == '.') {
		l.pos++
	}
	tok := string(b[s:l.pos])
	n, err := strconv.Atoi(tok)
	if err != nil {
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return 0
		}
		return f
	}
	if n >= 0 && b[s] != '+' {
		if gen, e, ok := pdfUint(b, skipPDFSpace(b, l.pos)); ok && e < len(b) {
			if r := skipPDFSpace(b, e); hasPDFKeyword(b, r, "R") {
				l.pos = r + 1
				return pdfRef{n, gen}
			}
		}
	}
	return n
}

// pdfUint reads an unsigned integer of at most 10 digits at i.
func pdfUint(b []byte, i int) (n, end int, ok bool) {
	e := i
	for e < len(b) && b[e] >= '0' && b[e] <= '9' {
		if e-i >= 10 {
			return 0, e, false
		}
		n = n*10 + int(b[e]-'0')
		e++
	}
	return n, e, e > i && (e == len(b) || isPDFDelim(b[e]))
}

// skipPDFSpace skips white space and comments.
func skipPDFSpace(pdf []byte, i int) int {
	for i < len(pdf) {
		switch {
		case isPDFSpace(pdf[i]):
			i++
		case pdf[i] == '%':
			for i < len(pdf) && pdf[i] != '\n' && pdf[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return isPDFSpace(c)
}

// Typed accessors: each returns the zero value for a value of another type.

func (d pdfDict) name(k pdfName) pdfName { n, _ := d[k].(pdfName); return n }

func (d pdfDict) int(k pdfName) (int, bool) { n, ok := d[k].(int); return n, ok }

// textString decodes a PDF text string: UTF-16 with a byte order mark,
// UTF-8 with one, else PDFDocEncoding (read as Latin-1, which it equals
// for the characters file names use).
func textString(s pdfString) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && (b[0] == 0xFE && b[1] == 0xFF || b[0] == 0xFF && b[1] == 0xFE):
		be := b[0] == 0xFE
		var r []rune
		for i := 2; i+1 < len(b); i += 2 {
			u := rune(b[i])<<8 | rune(b[i+1])
			if !be {
				u = rune(b[i+1])<<8 | rune(b[i])
			}
			r = append(r, u)
		}
		return string(decodeSurrogates(r))
	case bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")):
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// decodeSurrogates joins UTF-16 surrogate pairs.
func decodeSurrogates(r []rune) []rune {
	out := r[:0]
	for i := 0; i < len(r); i++ {
		if r[i] >= 0xD800 && r[i] < 0xDC00 && i+1 < len(r) && r[i+1] >= 0xDC00 && r[i+1] < 0xE000 {
			out = append(out, 0x10000+(r[i]-0xD800)<<10+(r[i+1]-0xDC00))
			i++
			continue
		}
		out = append(out, r[i])
	}
	return out
}
