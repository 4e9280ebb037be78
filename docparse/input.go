package docparse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// A segment is one XML document of the input. A file normally holds one; a
// Finvoice transport file holds a SOAP frame and then a Finvoice with its own
// XML declaration, repeated. Each segment is decoded and parsed on its own,
// so every part is decoded exactly once, from its own declaration.
type segment struct {
	data     []byte // the segment as given to the XML parser (UTF-8 after transcoding UTF-16)
	original []byte // the segment's bytes in the input, or nil for a part of a transcoded input
	line     int    // line of the input the segment starts on, 0-based
	utf16    bool   // data was transcoded from UTF-16
	bom      bool   // the input starts with a UTF-8 byte order mark
}

// A root is a top-level business element found in the input.
type root struct {
	elem *etree.Element
	seg  *segment
	// alone reports that elem is the only element of its segment, so the
	// segment's original bytes are this document's XML.
	alone bool
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	xmlDecl    = []byte("<?xml")
)

// segments decodes the byte order and splits data into its XML documents.
func segments(data []byte) ([]*segment, error) {
	var (
		utf16  bool
		bom    bool
		parsed = data
	)
	switch {
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return nil, newError(CodeUnsupportedEncoding, nil, "the input is UTF-32, which e-invoices do not use; save it as UTF-8")
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE),
		bytes.HasPrefix(data, []byte{'<', 0, '?', 0}), bytes.HasPrefix(data, []byte{0, '<', 0, '?'}):
		endian := unicode.LittleEndian
		if bytes.HasPrefix(data, bomUTF16BE) || data[0] == 0 {
			endian = unicode.BigEndian
		}
		dec, err := unicode.UTF16(endian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, newError(CodeUnsupportedEncoding, err, "the input starts like UTF-16 but cannot be decoded as UTF-16")
		}
		parsed, utf16 = dec, true
	case bytes.HasPrefix(data, bomUTF8):
		parsed, bom = data[len(bomUTF8):], true
	}

	var segs []*segment
	start, line := 0, 0
	for _, cut := range declarations(parsed) {
		segs = append(segs, &segment{data: parsed[start:cut], line: line, utf16: utf16, bom: bom && start == 0})
		line += bytes.Count(parsed[start:cut], []byte{'\n'})
		start = cut
	}
	segs = append(segs, &segment{data: parsed[start:], line: line, utf16: utf16, bom: bom && start == 0})
	switch {
	case !utf16:
		// Without transcoding a segment's bytes are the input's own.
		for i, s := range segs {
			s.original = s.data
			if i == 0 && bom {
				s.original = data[:len(bomUTF8)+len(s.data)]
			}
		}
	case len(segs) == 1:
		segs[0].original = data
	}
	return segs, nil
}

// declarations returns the offsets of the XML declarations in b that start a
// new document: every "<?xml " at the top level except the one the input
// starts with. Comments, CDATA sections and other processing instructions
// are skipped so that text inside them cannot split a document.
func declarations(b []byte) []int {
	first := len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	if !hasDecl(b, first+1) {
		return nil // the common case: one document, found without a scan
	}
	var cuts []int
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			break
		}
		p := i + j
		end, close := 1, ""
		switch rest := b[p:]; {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end, close = 4, "-->"
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end, close = 9, "]]>"
		case bytes.HasPrefix(rest, []byte("<?")):
			if p > first && isDecl(rest) {
				cuts = append(cuts, p)
			}
			end, close = 2, "?>"
		}
		i = p + end
		if close != "" {
			k := bytes.Index(b[i:], []byte(close))
			if k < 0 {
				break // unterminated: the XML parser reports it
			}
			i += k + len(close)
		}
	}
	return cuts
}

// hasDecl reports whether an XML declaration ("<?xml" and white space)
// starts in b at or after from. It hops between the rare '?' bytes instead
// of the frequent '<'.
func hasDecl(b []byte, from int) bool {
	for i := from + 1; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '?')
		if j < 0 {
			return false
		}
		i += j
		if b[i-1] == '<' && isDecl(b[i-1:]) {
			return true
		}
	}
	return false
}

// isDecl reports whether b starts with an XML declaration.
func isDecl(b []byte) bool {
	return len(b) > len(xmlDecl) && bytes.HasPrefix(b, xmlDecl) && isSpace(b[len(xmlDecl)])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parse parses the segment with etree under the limits of o.
func (s *segment) parse(o *options) (*etree.Document, error) {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{CharsetReader: s.charsetReader(), MaxDepth: o.maxDepth}
	if err := doc.ReadFromBytes(s.data); err != nil {
		return nil, s.xmlError(err, o)
	}
	return doc, nil
}

// charsetReader returns the xml.Decoder CharsetReader for the segment: it
// decodes the declared encoding to UTF-8, and refuses a second
// declaration.
func (s *segment) charsetReader() func(label string, r io.Reader) (io.Reader, error) {
	calls := 0
	return func(label string, r io.Reader) (io.Reader, error) {
		calls++
		if calls > 1 {
			return nil, newError(CodeUnsupportedEncoding, nil, "a second XML declaration inside one document switches the encoding to %q; each document must declare its encoding once, at its start", label)
		}
		return s.decodeCharset(label, r)
	}
}

// decodeCharset returns a reader decoding the declared encoding to UTF-8.
// Only called for encodings other than UTF-8.
func (s *segment) decodeCharset(label string, r io.Reader) (io.Reader, error) {
	name := strings.ToLower(strings.TrimSpace(label))
	isUTF16 := strings.HasPrefix(name, "utf-16") || strings.HasPrefix(name, "utf16")
	switch {
	case s.utf16 && isUTF16:
		return r, nil // already transcoded from the byte order
	case s.utf16:
		return nil, newError(CodeUnsupportedEncoding, nil, "the bytes are UTF-16 but the XML declaration says %q; correct the declaration", label)
	case isUTF16:
		return nil, newError(CodeUnsupportedEncoding, nil, "the XML declaration says %q but the bytes are not UTF-16; correct the declaration", label)
	case name == "utf8":
		return r, nil
	case s.bom:
		return nil, newError(CodeUnsupportedEncoding, nil, "the input starts with a UTF-8 byte order mark but declares %q; remove one of them", label)
	}
	enc, err := lookupEncoding(name)
	if err != nil || enc == nil {
		return nil, newError(CodeUnsupportedEncoding, err, "character encoding %q is not supported; use UTF-8 or ISO-8859-15", label)
	}
	if enc == encoding.Nop {
		return r, nil
	}
	return enc.NewDecoder().Reader(r), nil
}

// lookupEncoding returns the encoding an XML declaration names.
func lookupEncoding(label string) (encoding.Encoding, error) {
	name := strings.ToLower(strings.TrimSpace(label))
	if alias, ok := charsetAliases[name]; ok {
		name = alias
	}
	return ianaindex.IANA.Encoding(name)
}

// charsetAliases are spellings seen in the wild that the IANA registry lacks.
var charsetAliases = map[string]string{
	"iso8859-1":  "iso-8859-1",
	"iso8859-15": "iso-8859-15",
	"iso_8859-1": "iso-8859-1",
	"cp1252":     "windows-1252",
}

// xmlError turns an error from etree or encoding/xml into a *ParseError.
func (s *segment) xmlError(err error, o *options) *ParseError {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe // from charsetReader
	}
	if errors.Is(err, etree.ErrMaxDepth) {
		return newError(CodeTooDeep, err, "elements are nested more than %d levels deep; no e-invoice needs that many (see Options.MaxDepth)", o.maxDepth)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		e := newError(CodeNotXML, err, "%s: the file is not well-formed XML; the sending system must correct the file", se.Msg)
		if strings.HasPrefix(se.Msg, "invalid character entity") {
			e = newError(CodeEntity, err, "%s: entities are never expanded; write the character itself or a numeric character reference", se.Msg)
		}
		e.Line = s.line + se.Line
		return e
	}
	if errors.Is(err, etree.ErrXML) {
		return newError(CodeNotXML, err, "an element is not closed, or closed by the wrong end tag: the file is not well-formed XML; the sending system must correct the file")
	}
	return newError(CodeNotXML, err, "%v; the sending system must correct the file", err)
}

// rootsOf parses every segment and returns the business root elements in
// input order. SOAP envelopes are frames: the Finvoice transport frame is
// skipped, and a SOAP Body's payload counts as a root. Outside that layout
// the input must have exactly one root element.
func rootsOf(segs []*segment, o *options) ([]root, error) {
	var (
		roots    []root
		tops     []*etree.Element
		envelope bool
	)
	for _, s := range segs {
		doc, err := s.parse(o)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, t := range doc.Child {
			var err *ParseError
			switch t := t.(type) {
			case *etree.Directive:
				err = checkDirective(t.Data)
			case *etree.CharData:
				err = checkOutsideText(t.Data)
			case *etree.Element:
				n++
				tops = append(tops, t)
			}
			if err != nil {
				return nil, err
			}
		}
		for _, t := range doc.Child {
			e, ok := t.(*etree.Element)
			if !ok {
				continue
			}
			if space := e.NamespaceURI(); e.Tag == "Envelope" && (space == nsSOAP11 || space == nsSOAP12) {
				envelope = true
				roots = append(roots, bodyPayload(e, s)...)
				continue
			}
			roots = append(roots, root{elem: e, seg: s, alone: n == 1 && s.original != nil})
		}
	}
	switch {
	case len(tops) == 0:
		return nil, errNoRoot()
	case len(tops) > 1 && !envelope:
		return nil, errMultipleRoots(len(tops), tops[0].Tag, tops[1].Tag)
	case len(roots) == 0:
		return nil, newError(CodeNoDocument, nil, "the file holds a SOAP envelope but no invoice in or after it; it is routing data (e.g. a Finvoice ReceiverProposal frame), not a document to send")
	}
	return roots, nil
}

// checkDirective checks a directive outside the root element: a DOCTYPE
// may not declare entities.
func checkDirective(d string) *ParseError {
	if strings.Contains(d, "<!ENTITY") {
		return newError(CodeEntity, nil, "the DOCTYPE declares entities; e-invoices never need them and they are never expanded; remove the declarations")
	}
	return nil
}

// checkOutsideText checks character data outside the root element: only
// white space is allowed.
func checkOutsideText[T ~string | ~[]byte](s T) *ParseError {
	for i := range len(s) {
		if !isSpace(s[i]) {
			return newError(CodeNotXML, nil, "text %q outside the root element: the file is not well-formed XML; the sending system must correct the file", shorten(string(s)))
		}
	}
	return nil
}

func errNoRoot() *ParseError {
	return newError(CodeNotXML, nil, "the input has no root element: it is not an XML document; give the e-invoice file itself")
}

func errMultipleRoots(n int, first, second string) *ParseError {
	return newError(CodeMultipleRoots, nil, "the input has %d root elements (<%s>, <%s>…) but an e-invoice file has exactly one (or SOAP frames each followed by a Finvoice); send each document as a file of its own", n, first, second)
}

// Namespaces of the envelopes around documents.
const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	nsEbXML  = "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"
)

// bodyPayload returns the documents a SOAP envelope carries in its Body,
// leaving out the ebXML manifest of a Finvoice transmission frame.
func bodyPayload(env *etree.Element, s *segment) []root {
	var roots []root
	for _, body := range env.ChildElements() {
		if body.Tag != "Body" || body.NamespaceURI() != env.NamespaceURI() {
			continue
		}
		for _, e := range body.ChildElements() {
			if e.NamespaceURI() != nsEbXML {
				roots = append(roots, root{elem: e, seg: s})
			}
		}
	}
	return roots
}

// shorten returns s trimmed and cut to 40 characters for messages.
func shorten(s string) string {
	s = strings.TrimSpace(s)
	n := 0
	for i := range s { // never converts all of a long s
		if n == 40 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
