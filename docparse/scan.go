package docparse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sync"
	"unicode/utf8"
)

// The token stream (stream.go) reads a segment from a tokenSource. Two
// sources give the same tokens: xmlSource, encoding/xml's RawToken, which
// reads every input; and scanner, a scanner over the segment's bytes that
// reads only the plain, common subset of XML and is several times faster.
// The stream tries the scanner first. Whenever the scanner meets anything
// outside its subset (a DOCTYPE with an internal subset, a name that is
// not ASCII, an XML declaration not written plainly, a character
// reference outside the XML character range...)
// or anything encoding/xml would refuse (every syntax error), it gives up
// with errFallback, and the stream reads the segment again from the start
// with encoding/xml. So every token the scanner gives is the token RawToken
// gives at that point, every error and every refusal comes from
// encoding/xml itself, and the limits stay those of the stream.

// tokenKind is what a token is.
type tokenKind uint8

const (
	tokOther     tokenKind = iota // a comment or a processing instruction
	tokStart                      // a start tag (also of an empty element)
	tokEnd                        // an end tag (also of an empty element, right after its start)
	tokText                       // character data, from text or a CDATA section
	tokDirective                  // a directive, <!DOCTYPE ...>
)

// A token is what the stream needs of an XML token.
type token struct {
	kind tokenKind
	name xml.Name // of tokStart and tokEnd, as written: Space is the prefix
	// data is the character data of tokText and the content of
	// tokDirective; it is only valid until the next token.
	data []byte
}

// A tokenSource gives the tokens of a segment.
type tokenSource interface {
	// next returns the next token, or io.EOF after the last.
	next() (token, error)
	// attrs returns the attributes of the start tag returned last, as
	// written (Name.Space is the prefix).
	attrs() []xml.Attr
}

// xmlSource reads tokens with encoding/xml's RawToken.
type xmlSource struct {
	dec  *xml.Decoder
	attr []xml.Attr
}

// rawTokens returns the source reading the segment with encoding/xml,
// decoding a declared encoding as the tree does.
func (s *segment) rawTokens() *xmlSource {
	dec := xml.NewDecoder(bytes.NewReader(s.data))
	dec.CharsetReader = s.charsetReader()
	return &xmlSource{dec: dec}
}

func (x *xmlSource) next() (token, error) {
	tok, err := x.dec.RawToken()
	if err != nil {
		return token{}, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		x.attr = t.Attr
		return token{kind: tokStart, name: t.Name}, nil
	case xml.EndElement:
		return token{kind: tokEnd, name: t.Name}, nil
	case xml.CharData:
		return token{kind: tokText, data: t}, nil
	case xml.Directive:
		return token{kind: tokDirective, data: t}, nil
	}
	return token{kind: tokOther}, nil
}

func (x *xmlSource) attrs() []xml.Attr { return x.attr }

// errFallback is the scanner giving up: the segment must be read with
// encoding/xml.
var errFallback = errors.New("docparse: the input needs encoding/xml")

// scanner is the fast token source. Where an XML declaration names
// another encoding than UTF-8, it decodes the rest of the segment as
// encoding/xml does: with charset, the segment's CharsetReader.
type scanner struct {
	data    []byte
	pos     int
	charset func(label string, r io.Reader) (io.Reader, error)

	// toClose is the name of the empty element whose start tag was
	// returned last, until its end tag is; else the zero Name.
	toClose xml.Name
	open    []qname // the elements open, but for an empty one

	text  []byte     // character data that differs from its bytes in data
	vals  []byte     // attribute values that differ from their bytes in data
	spans []attrSpan // the attributes of the start tag returned last
	// names interns the element and attribute names seen, as written, so
	// that a name read again costs no allocation.
	names map[string]qname
}

// qname is a name and how it is written.
type qname struct {
	xml.Name
	raw string
}

// attrSpan is an attribute of the start tag returned last.
type attrSpan struct {
	name     qname
	from, to int  // the value: data[from:to], or vals[from:to] when inVals
	inVals   bool // the value has references or carriage returns
}

// Bounds of the name table kept between segments: names longer than
// maxInterned are not kept, and the table is emptied when it holds
// maxNames, so no input can make it grow without bound.
const (
	maxInterned = 64
	maxNames    = 2048
)

// maxDecoded is the most the scanner decodes from another encoding than
// UTF-8 into a copy.
const maxDecoded = 4 << 20

var scanners = sync.Pool{New: func() any { return &scanner{names: map[string]qname{}} }}

// newScanner returns a scanner over data, which decodes what follows an
// XML declaration of another encoding than UTF-8 with charset; give it
// back with release.
func newScanner(data []byte, charset func(label string, r io.Reader) (io.Reader, error)) *scanner {
	s := scanners.Get().(*scanner)
	s.data, s.pos, s.charset, s.toClose = data, 0, charset, xml.Name{}
	s.open = s.open[:0]
	return s
}

// release gives s back to the pool.
func (s *scanner) release() {
	s.data, s.charset = nil, nil
	if cap(s.text) > 64<<10 {
		s.text = nil
	}
	if cap(s.vals) > 64<<10 {
		s.vals = nil
	}
	if cap(s.open) > 1024 {
		s.open = nil
	}
	s.spans = s.spans[:0]
	scanners.Put(s)
}

func (s *scanner) attrs() []xml.Attr {
	if len(s.spans) == 0 {
		return nil
	}
	attrs := make([]xml.Attr, len(s.spans))
	for i, a := range s.spans {
		v := s.data[a.from:a.to]
		if a.inVals {
			v = s.vals[a.from:a.to]
		}
		attrs[i] = xml.Attr{Name: a.name.Name, Value: string(v)}
	}
	return attrs
}

func (s *scanner) next() (token, error) {
	if s.toClose.Local != "" {
		name := s.toClose
		s.toClose = xml.Name{}
		return token{kind: tokEnd, name: name}, nil
	}
	d := s.data
	if s.pos >= len(d) {
		return token{}, io.EOF
	}
	if d[s.pos] != '<' {
		return s.charData()
	}
	s.pos++
	if s.pos >= len(d) {
		return token{}, errFallback
	}
	switch d[s.pos] {
	case '/':
		s.pos++
		from := s.pos
		if !s.rawName() {
			return token{}, errFallback
		}
		// Mostly the end tag of the element open last, which has its
		// name read already.
		raw := d[from:s.pos]
		var name qname
		if n := len(s.open); n > 0 && s.open[n-1].raw == string(raw) {
			name = s.open[n-1]
		} else if n, ok := s.intern(raw); ok {
			name = n
		} else {
			return token{}, errFallback
		}
		if n := len(s.open); n > 0 {
			s.open = s.open[:n-1]
		}
		s.space()
		if s.pos >= len(d) || d[s.pos] != '>' {
			return token{}, errFallback
		}
		s.pos++
		return token{kind: tokEnd, name: name.Name}, nil
	case '?':
		return s.procInst()
	case '!':
		return s.markup()
	}
	return s.startTag()
}

// charData reads text up to the next '<' or the end of the segment.
func (s *scanner) charData() (token, error) {
	d := s.data
	from := s.pos
	to := len(d)
	if i := bytes.IndexByte(d[from:], '<'); i >= 0 {
		to = from + i
	}
	s.pos = to
	return s.textToken(d[from:to], inText)
}

// textToken returns the text token of raw, character data or a CDATA
// section (mode), unescaped into the scanner's text buffer where needed.
func (s *scanner) textToken(raw []byte, mode dataMode) (token, error) {
	text, inBuf, ok := s.unescape(raw, s.text[:0], mode)
	if !ok {
		return token{}, errFallback
	}
	if inBuf {
		s.text = text
	}
	return token{kind: tokText, data: text}, nil
}

// procInst reads a processing instruction, after "<?". An XML
// declaration must have the plain form plainDeclaration accepts; one that
// names another encoding than UTF-8 switches the encoding of the rest, as
// in encoding/xml.
func (s *scanner) procInst() (token, error) {
	d := s.data
	s.pos++
	from := s.pos
	if !s.rawName() {
		return token{}, errFallback
	}
	target := d[from:s.pos]
	s.space()
	end := bytes.Index(d[s.pos:], []byte("?>"))
	if end < 0 {
		return token{}, errFallback
	}
	content := d[s.pos : s.pos+end]
	s.pos += end + 2
	if string(target) != "xml" {
		return token{kind: tokOther}, nil
	}
	enc, ok := plainDeclaration(content)
	if !ok {
		return token{}, errFallback
	}
	if len(enc) > 0 && !bytes.EqualFold(enc, []byte("utf-8")) {
		if err := s.decodeRest(string(enc)); err != nil {
			return token{}, errFallback
		}
	}
	return token{kind: tokOther}, nil
}

// decodeRest decodes what follows the current position from the encoding
// label, with the reader charset returns, as encoding/xml reads it, and
// scans that from now on. More than maxDecoded bytes are left to
// encoding/xml, which decodes as it reads instead of holding a decoded
// copy.
func (s *scanner) decodeRest(label string) error {
	rest := s.data[s.pos:]
	if s.charset == nil || len(rest) > maxDecoded {
		return errFallback
	}
	r, err := s.charset(label, bytes.NewReader(rest))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Grow(len(rest) + len(rest)/4 + 64)
	if _, err := b.ReadFrom(r); err != nil {
		return err
	}
	s.data, s.pos = b.Bytes(), 0
	return nil
}

// plainDeclaration reports whether the content of an XML declaration is
// pseudo-attributes version, encoding and standalone, each at most once,
// each written name="value" or name='value' without white space around
// the '=' and without quotes or '=' in the value, separated by white
// space; with version, if given, 1.0. It returns the encoding given, if
// any. encoding/xml reads such a declaration as saying exactly that.
func plainDeclaration(content []byte) (enc []byte, ok bool) {
	var seen uint8
	rest := content
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			return enc, true
		}
		var bit uint8
		switch {
		case bytes.HasPrefix(rest, []byte("version=")):
			bit, rest = 1, rest[len("version="):]
		case bytes.HasPrefix(rest, []byte("encoding=")):
			bit, rest = 2, rest[len("encoding="):]
		case bytes.HasPrefix(rest, []byte("standalone=")):
			bit, rest = 4, rest[len("standalone="):]
		default:
			return nil, false
		}
		if seen&bit != 0 || len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return nil, false
		}
		seen |= bit
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return nil, false
		}
		value := rest[1 : 1+end]
		rest = rest[2+end:]
		if bytes.ContainsAny(value, `"'=`) || len(rest) > 0 && !isSpace(rest[0]) {
			return nil, false
		}
		switch bit {
		case 1:
			if string(value) != "1.0" {
				return nil, false
			}
		case 2:
			enc = value
		}
	}
}

// markup reads a comment, a CDATA section or a directive, after "<!".
func (s *scanner) markup() (token, error) {
	d := s.data
	rest := d[s.pos+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("--")):
		// The first "--" must end the comment.
		from := s.pos + 3
		i := bytes.Index(d[from:], []byte("--"))
		if i < 0 || from+i+2 >= len(d) || d[from+i+2] != '>' {
			return token{}, errFallback
		}
		s.pos = from + i + 3
		return token{kind: tokOther}, nil
	case bytes.HasPrefix(rest, []byte("[CDATA[")):
		from := s.pos + 8
		i := bytes.Index(d[from:], []byte("]]>"))
		if i < 0 {
			return token{}, errFallback
		}
		s.pos = from + i + 3
		return s.textToken(d[from:from+i], inCDATA)
	}
	return s.directive()
}

// directive reads a directive such as <!DOCTYPE Finvoice SYSTEM
// "Finvoice.dtd">, after "<!": up to the first '>' outside quotes. One
// that does not start with a letter, or has a '<' outside quotes (an
// internal subset, a comment), is left to encoding/xml.
func (s *scanner) directive() (token, error) {
	d := s.data
	from := s.pos + 1
	if from >= len(d) || !('A' <= d[from] && d[from] <= 'Z' || 'a' <= d[from] && d[from] <= 'z') {
		return token{}, errFallback
	}
	var quote byte
	for i := from + 1; i < len(d); i++ {
		switch c := d[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return token{}, errFallback
		case c == '>':
			s.pos = i + 1
			return token{kind: tokDirective, data: d[from:i]}, nil
		}
	}
	return token{}, errFallback
}

// startTag reads a start tag, after "<".
func (s *scanner) startTag() (token, error) {
	d := s.data
	name, ok := s.name()
	if !ok {
		return token{}, errFallback
	}
	s.spans = s.spans[:0]
	s.vals = s.vals[:0]
	for {
		s.space()
		if s.pos >= len(d) {
			return token{}, errFallback
		}
		switch d[s.pos] {
		case '/':
			if s.pos+1 >= len(d) || d[s.pos+1] != '>' {
				return token{}, errFallback
			}
			s.pos += 2
			s.toClose = name.Name
			return token{kind: tokStart, name: name.Name}, nil
		case '>':
			s.pos++
			s.open = append(s.open, name)
			return token{kind: tokStart, name: name.Name}, nil
		}
		a := attrSpan{}
		if a.name, ok = s.name(); !ok {
			return token{}, errFallback
		}
		s.space()
		if s.pos >= len(d) || d[s.pos] != '=' {
			return token{}, errFallback
		}
		s.pos++
		s.space()
		if s.pos >= len(d) || d[s.pos] != '"' && d[s.pos] != '\'' {
			return token{}, errFallback
		}
		quote := d[s.pos]
		from := s.pos + 1
		end := bytes.IndexByte(d[from:], quote)
		if end < 0 {
			return token{}, errFallback
		}
		raw := d[from : from+end]
		s.pos = from + end + 1
		n := len(s.vals)
		v, inVals, ok := s.unescape(raw, s.vals, inAttr)
		if !ok {
			return token{}, errFallback
		}
		if inVals {
			s.vals = v
			a.from, a.to, a.inVals = n, len(v), true
		} else {
			a.from, a.to = from, from+end
		}
		s.spans = append(s.spans, a)
	}
}

// Where character data is: what encoding/xml does with its bytes differs.
type dataMode uint8

const (
	inText  dataMode = iota // text: references replaced, "]]>" refused
	inAttr                  // an attribute value: references replaced, '<' refused
	inCDATA                 // a CDATA section: no references
)

// special holds, per dataMode, the bytes unescape must look at: all but
// the plain ASCII characters that stand for themselves.
var special = func() (t [3][256]bool) {
	for m := range t {
		for c := range 256 {
			t[m][c] = c < 0x20 && c != '\t' && c != '\n' || c >= utf8.RuneSelf ||
				c == '&' && dataMode(m) != inCDATA ||
				c == ']' && dataMode(m) == inText ||
				c == '<' && dataMode(m) == inAttr
		}
	}
	return t
}()

// unescape returns the character data raw stands for in mode, as
// encoding/xml reads it: with the references to the five predefined
// entities and to characters replaced (but in CDATA), carriage returns and
// CR LF pairs turned into line feeds. It returns raw itself when nothing
// changes, else buf with the data appended (inBuf). ok is false when
// encoding/xml would refuse the data, or read it in a way the scanner does
// not: invalid UTF-8, a character outside the XML character range, "]]>"
// in text, '<' in an attribute value, another reference.
func (s *scanner) unescape(raw, buf []byte, mode dataMode) (out []byte, inBuf, ok bool) {
	sp := &special[mode]
	plain := 0 // raw[plain:i] is not yet in buf, once inBuf
	for i := 0; i < len(raw); {
		c := raw[i]
		if !sp[c] {
			i++
			continue
		}
		switch {
		case c == ']': // in text
			if bytes.HasPrefix(raw[i+1:], []byte("]>")) {
				return nil, false, false
			}
			i++
		case c == '\r':
			buf, inBuf = append(append(buf, raw[plain:i]...), '\n'), true
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			i++
			plain = i
		case c == '&':
			r, n := reference(raw[i:])
			if n == 0 {
				return nil, false, false
			}
			buf, inBuf = utf8.AppendRune(append(buf, raw[plain:i]...), r), true
			i += n
			plain = i
		case c < utf8.RuneSelf:
			return nil, false, false // a control character, or '<' in an attribute value
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 || !inCharRange(r) {
				return nil, false, false
			}
			i += size
		}
	}
	if !inBuf {
		return raw, false, true
	}
	return append(buf, raw[plain:]...), true, true
}

// reference reads the reference at the start of b ("&amp;", "&#228;",
// "&#xE4;") and returns the character it stands for and its length in b,
// or n 0 when it is another reference, or one to a character outside the
// XML character range, or no reference at all.
func reference(b []byte) (r rune, n int) {
	for _, e := range [...]struct {
		ref string
		r   rune
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if bytes.HasPrefix(b, []byte(e.ref)) {
			return e.r, len(e.ref)
		}
	}
	if len(b) < 2 || b[1] != '#' {
		return 0, 0
	}
	i, base := 2, rune(10)
	if i < len(b) && b[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	for ; i < len(b) && i-start < 7; i++ {
		c := b[i]
		var v rune
		switch {
		case '0' <= c && c <= '9':
			v = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			v = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			v = rune(c-'A') + 10
		default:
			v = -1
		}
		if v < 0 {
			break
		}
		r = r*base + v
	}
	if i == start || i >= len(b) || b[i] != ';' || !inCharRange(r) {
		return 0, 0
	}
	return r, i + 1
}

// inCharRange reports whether r is in the XML character range (the Char
// production of XML 1.0, section 2.2), as encoding/xml checks it.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// space skips white space.
func (s *scanner) space() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// nameBytes holds the ASCII bytes encoding/xml reads as part of a name:
// letters, digits and "_:.-".
var nameBytes = func() (t [256]bool) {
	for c := range 128 {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-'
	}
	return t
}()

// rawName skips a name of ASCII letters, digits and "_:.-" that starts
// with a letter, '_' or ':', and reports whether there was one, followed
// by an ASCII byte: a name with other characters is left to encoding/xml.
func (s *scanner) rawName() bool {
	d := s.data
	from := s.pos
	for s.pos < len(d) && nameBytes[d[s.pos]] {
		s.pos++
	}
	if s.pos == from || s.pos >= len(d) || d[s.pos] >= utf8.RuneSelf {
		return false
	}
	c := d[from]
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
}

// name reads an element or attribute name: a rawName with at most one
// colon, neither first nor last.
func (s *scanner) name() (qname, bool) {
	from := s.pos
	if !s.rawName() {
		return qname{}, false
	}
	return s.intern(s.data[from:s.pos])
}

// intern returns the name written raw, a rawName, or false if it has more
// than one colon or one first or last.
func (s *scanner) intern(raw []byte) (qname, bool) {
	if n, ok := s.names[string(raw)]; ok {
		return n, true
	}
	n := qname{raw: string(raw)}
	switch i := bytes.IndexByte(raw, ':'); {
	case i < 0:
		n.Local = n.raw
	case i == 0 || i == len(raw)-1 || bytes.IndexByte(raw[i+1:], ':') >= 0:
		return qname{}, false
	default:
		n.Space, n.Local = n.raw[:i], n.raw[i+1:]
	}
	if len(raw) <= maxInterned {
		if len(s.names) >= maxNames {
			clear(s.names)
		}
		s.names[n.raw] = n
	}
	return n, true
}
