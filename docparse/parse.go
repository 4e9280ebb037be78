package docparse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Defaults of [Options].
const (
	// DefaultMaxSize is the largest input accepted by default: 32 MiB, room
	// for invoices with large embedded PDFs.
	DefaultMaxSize = 32 << 20
	// DefaultMaxDepth is the deepest element nesting accepted by default;
	// real e-invoices stay under 20.
	DefaultMaxDepth = 256
)

// Options adjust Parse and ParseAll. A nil *Options means the defaults.
type Options struct {
	// MaxSize is the largest input accepted, in bytes; it also caps what
	// the embedded files of a PDF may decompress to. 0 means
	// DefaultMaxSize.
	MaxSize int64
	// MaxDepth is the deepest element nesting accepted. 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// Extractors add formats, or replace built-in ones, by the namespace
	// URI and local name of their root element (Space "" for formats
	// without a namespace). A nil Extractor turns the built-in format with
	// that root off. The map is only read; do not change it while a Parse
	// that uses it runs.
	Extractors map[xml.Name]Extractor
}

// options are Options with the defaults applied.
type options struct {
	maxSize    int64
	maxDepth   int
	extractors map[xml.Name]Extractor
	// tree makes every XML input go through the etree tree, never the
	// token stream: the differential tests compare the two.
	tree bool
}

func (o *Options) resolve() *options {
	r := &options{maxSize: DefaultMaxSize, maxDepth: DefaultMaxDepth}
	if o != nil {
		if o.MaxSize > 0 {
			r.maxSize = o.MaxSize
		}
		if o.MaxDepth > 0 {
			r.maxDepth = o.MaxDepth
		}
		r.extractors = o.Extractors
	}
	return r
}

// An Extractor reads the documents of one format from its parsed XML tree.
// The built-in formats are Extractors too (Parse reads a file that holds
// one of their documents from the token stream instead, with the same
// rules: see "How a file is read" in the package documentation); a host
// app adds its own through [Options].Extractors, and they always receive
// the tree.
//
// # Implementing
//
// Extract receives the format's root element; its namespace declarations
// and those of its ancestors are in the tree (use [etree.Element.NamespaceURI]
// to match by namespace, never by prefix). It returns one Document per
// business document under root, usually exactly one, or an error; a
// *ParseError is passed on as it is, any other error is wrapped in a
// *ParseError with code [CodeInvalidDocument]. Record buyer addresses with
// [Document.AddEmails] and customer numbers with
// [Document.AddCustomerNumber] so that every format follows the same rules.
//
// Parse then checks each document: Number must not be empty (else
// [ErrNoDocumentNumber]). When Extract leaves XML nil, Parse sets it to the
// bytes of the document; an Extractor that returns several documents must
// set each one's XML itself, to that document's bytes alone.
//
// Extract must not modify root and must be safe for concurrent use.
type Extractor interface {
	Extract(root *etree.Element) ([]*Document, error)
}

// ExtractFunc adapts a function to the [Extractor] interface.
type ExtractFunc func(root *etree.Element) ([]*Document, error)

// Extract calls f(root). A nil f returns an error (in Options.Extractors,
// a nil Extractor, not a nil ExtractFunc, turns a format off).
func (f ExtractFunc) Extract(root *etree.Element) ([]*Document, error) {
	if f == nil {
		return nil, errors.New("docparse: the ExtractFunc is nil; give it a function, or use a nil Extractor to turn the format off")
	}
	return f(root)
}

var _ Extractor = ExtractFunc(nil)

// Parse reads the one business document in data. It detects the format
// from the root element (see the package documentation for the formats and
// fields), accepts a Factur-X / ZUGFeRD PDF, and returns the document or a
// *ParseError.
//
// A file that holds several documents (a TEAPPSXML batch, a Finvoice
// transport file with several SOAP frames) gives [ErrMultipleDocuments]
// rather than the first document, so that none is silently dropped: use
// [ParseAll] for such files.
func Parse(data []byte, opts *Options) (*Document, error) {
	docs, err := ParseAll(data, opts)
	if err != nil {
		return nil, err
	}
	if len(docs) > 1 {
		return nil, newError(CodeMultipleDocuments, nil, "the file holds %d documents (numbers %q, %q…); read them all with ParseAll", len(docs), docs[0].Number, docs[1].Number)
	}
	return docs[0], nil
}

// ParseAll reads every business document in data, in file order: usually
// one; several for a TEAPPSXML batch or a Finvoice transport file with
// several SOAP frames. Each Document's XML holds that document's bytes
// alone. If any document fails, ParseAll returns no documents and a
// *ParseError whose Document field says which one.
func ParseAll(data []byte, opts *Options) ([]*Document, error) {
	return opts.resolve().parseAll(data)
}

func (o *options) parseAll(data []byte) ([]*Document, error) {
	switch {
	case int64(len(data)) > o.maxSize:
		return nil, newError(CodeTooLarge, nil, "the input is %d bytes, more than the limit of %d; raise Options.MaxSize if such documents are expected", len(data), o.maxSize)
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, bomUTF8))) == 0:
		return nil, newError(CodeEmpty, nil, "the input is empty; give the document's bytes")
	case pdfHeader(data) >= 0:
		return parsePDF(data, o)
	}
	return parseXML(data, o)
}

// parseXML reads the documents of an XML input. A file of one XML document
// is read from its token stream when its root element's extractor can
// (see streamExtractor); every other file is parsed into a tree.
func parseXML(data []byte, o *options) ([]*Document, error) {
	segs, err := segments(data)
	if err != nil {
		return nil, err
	}
	if len(segs) == 1 && !o.tree {
		if docs, needTree, err := segs[0].stream(o); !needTree {
			return docs, err
		}
	}
	roots, err := rootsOf(segs, o)
	if err != nil {
		return nil, err
	}
	var docs []*Document
	for i, r := range roots {
		ds, err := o.extract(r)
		if err != nil {
			if len(roots) > 1 && err.Document == 0 {
				err.Document = i + 1
			}
			return nil, err
		}
		docs = append(docs, ds...)
	}
	return docs, nil
}

// extractor returns the extractor for a root element: the host app's from
// Options, else the built-in one; nil when there is none.
func (o *options) extractor(name xml.Name) Extractor {
	if x, ok := o.extractors[name]; ok {
		return x
	}
	return builtins[name]
}

// extract runs the extractor of r's format and checks what it returns.
func (o *options) extract(r root) ([]*Document, *ParseError) {
	e := r.elem
	name := xml.Name{Space: e.NamespaceURI(), Local: e.Tag}
	x := o.extractor(name)
	switch {
	case name.Space == "" && e.Space != "":
		return nil, &ParseError{Code: CodeNotXML, Path: e.FullTag(), Detail: fmt.Sprintf("the root element uses the undeclared namespace prefix %q: the file is not namespace-well-formed XML; the sending system must correct the file", e.Space)}
	case x == nil:
		ns := "in no namespace"
		if name.Space != "" {
			ns = fmt.Sprintf("in namespace %q", name.Space)
		}
		return nil, &ParseError{Code: CodeUnknownFormat, Path: e.Tag, Detail: fmt.Sprintf(
			"the root element <%s> %s is not a supported e-invoice; supported are UBL 2 Invoice and CreditNote, Svefaktura 1.0, UN/CEFACT CII, ZUGFeRD 1.0, Finvoice and TEAPPSXML (a host app can add an Extractor in Options)",
			e.Tag, ns)}
	}
	var (
		docs []*Document
		err  error
	)
	if b, ok := x.(*builtin); ok {
		docs, err = b.extract(e, o.maxSize)
	} else {
		docs, err = x.Extract(e)
	}
	return checkDocs(docs, err, e.Tag, func() []byte {
		if r.alone {
			return bytes.Clone(r.seg.original)
		}
		return standalone(e)
	})
}

// checkDocs checks what the extractor of the root element tag returned.
// A document without XML gets whole(): the bytes of the document alone.
func checkDocs(docs []*Document, err error, tag string, whole func() []byte) ([]*Document, *ParseError) {
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, &ParseError{Code: CodeInvalidDocument, Path: tag, Detail: err.Error(), Err: err}
	}
	if len(docs) == 0 {
		return nil, &ParseError{Code: CodeInvalidDocument, Path: tag, Detail: "the extractor found no document in the file"}
	}
	for i, d := range docs {
		switch {
		case d == nil:
			return nil, &ParseError{Code: CodeInvalidDocument, Path: tag, Document: i + 1, Detail: "the extractor returned a nil document"}
		case d.Number == "":
			return nil, &ParseError{Code: CodeNoDocumentNumber, Path: tag, Document: i + 1, Detail: "the document has no document number; a document without a number cannot be sent or traced"}
		case d.XML == nil && len(docs) > 1:
			return nil, &ParseError{Code: CodeInvalidDocument, Path: tag, Document: i + 1, Detail: "the extractor returned several documents without the XML of each"}
		case d.XML == nil:
			d.XML = whole()
		}
		d.emails = nil // only needed while the document is built
		checkEncoding(d)
	}
	return docs, nil
}

// checkEncoding warns when extracted text looks decoded with the wrong
// character encoding, e.g. UTF-8 bytes in a file that declares ISO-8859-15.
func checkEncoding(d *Document) {
	for _, f := range [...]struct{ name, value string }{
		{"seller name", d.Seller.Name}, {"buyer name", d.Buyer.Name},
		{"document number", d.Number}, {"payment reference", d.PaymentReference},
	} {
		if misdecoded(f.value) {
			d.warn(CodeSuspectEncoding, "", f.value, nil, "the %s %q looks wrongly decoded: the bytes probably do not match the declared character encoding; correct the XML declaration", f.name, shorten(f.value))
			return
		}
	}
}

// standalone returns the document at root as an XML file of its own: an XML
// declaration; the comments, processing instructions and DOCTYPE that
// precede root at the top level of its file; and root with the namespace
// declarations it inherits from its ancestors. The file keeps the
// character encoding its source declared when that can encode every
// character, else it is UTF-8.
func standalone(root *etree.Element) []byte {
	return newSplitter(root, nil).file(nil)
}

// maxFrameCopies is how many times the input size limit the copies of a
// batch's frame (everything in the file outside its documents) may take
// together, one copy in each document's XML: a 32 MiB file whose frame
// is 16 MiB and which holds 250,000 tiny documents would otherwise take
// 4 TB to split. A real frame is a few hundred bytes.
const maxFrameCopies = 8

// A splitter writes each document of a file that holds several (the
// elements docs under root, a TEAPPSXML file's INVOICEs) as an XML file of
// its own, as standalone does for one, keeping that document and leaving
// out the others. Everything else is the frame the documents share and is
// kept in each, except the content between two documents (white space, a
// comment), which only the two documents beside it keep. So writing all the
// documents costs the file's size plus one frame per document, however
// many there are.
type splitter struct {
	root *etree.Element
	// kids holds, for root and every other ancestor of a document, the
	// positions in its Child of the children that are documents (maybe
	// none), in order; pos holds each document's index in its parent's kids.
	kids   map[*etree.Element][]int
	pos    map[*etree.Element]int
	prolog []byte // the comments, processing instructions and DOCTYPE before root
	label  string // the encoding the file declares
	ns     []etree.Attr
	ws     etree.WriteSettings
	buf    bytes.Buffer // reused by each call of file
}

func newSplitter(root *etree.Element, docs []*etree.Element) *splitter {
	s := &splitter{root: root, kids: map[*etree.Element][]int{root: nil}, pos: make(map[*etree.Element]int, len(docs)), ns: inheritedNamespaces(root)}
	for _, d := range docs { // in document order, so each kids list is sorted
		p := d.Parent()
		s.pos[d] = len(s.kids[p])
		s.kids[p] = append(s.kids[p], d.Index())
		for a := p.Parent(); p != root && a != nil; p, a = a, a.Parent() {
			if _, ok := s.kids[a]; ok {
				break
			}
			s.kids[a] = nil
		}
	}
	doc := root.Parent()
	if doc == nil || doc.Parent() != nil {
		return s
	}
	for _, t := range doc.Child {
		if p, ok := t.(*etree.ProcInst); ok && p.Target == "xml" {
			s.label = declaredEncoding(p.Inst)
		}
	}
	start := 0
	for i := root.Index() - 1; i >= 0; i-- {
		if _, ok := doc.Child[i].(*etree.Element); ok {
			start = i + 1
			break
		}
	}
	var b bytes.Buffer
	for _, t := range doc.Child[start:root.Index()] {
		switch t := t.(type) {
		case *etree.ProcInst:
			if t.Target == "xml" {
				continue
			}
		case *etree.Comment, *etree.Directive:
		default:
			continue
		}
		t.WriteTo(&b, &s.ws)
		b.WriteByte('\n')
	}
	s.prolog = b.Bytes()
	return s
}

// file returns the XML file of the document only, one of the splitter's
// documents, or with only nil the frame alone (all of the file but its
// documents).
func (s *splitter) file(only *etree.Element) []byte {
	b := &s.buf
	b.Reset()
	const utf8Decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	b.WriteString(utf8Decl)
	b.Write(s.prolog)
	s.write(b, s.root, only, s.ns)
	if enc, err := lookupEncoding(s.label); err == nil && enc != nil && !strings.HasPrefix(strings.ToLower(s.label), "utf") {
		if out, err := enc.NewEncoder().Bytes(b.Bytes()[len(utf8Decl):]); err == nil {
			return append([]byte(`<?xml version="1.0" encoding="`+s.label+`"?>`+"\n"), out...)
		}
	}
	return bytes.Clone(b.Bytes())
}

// write writes e, which holds only or is root, with the namespace
// declarations inherited. Of the children that are documents only only is
// kept; of the rest, those before the first document and after the last
// are kept, and those between two documents only when one of them is only.
func (s *splitter) write(b *bytes.Buffer, e, only *etree.Element, inherited []etree.Attr) {
	ws := &s.ws
	b.WriteByte('<')
	b.WriteString(e.FullTag())
	for _, a := range append(inherited, e.Attr...) {
		b.WriteByte(' ')
		a.WriteTo(b, ws)
	}
	if len(e.Child) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	kids := s.kids[e]
	ranges := [][2]int{{0, len(e.Child)}}
	if len(kids) > 0 {
		first, last := kids[0], kids[len(kids)-1]
		ranges = [][2]int{{0, first}, {last + 1, len(e.Child)}}
		if k, ok := s.pos[only]; ok && only.Parent() == e {
			lo, hi := 0, len(e.Child)
			if k > 0 {
				lo = kids[k-1] + 1
			}
			if k < len(kids)-1 {
				hi = kids[k+1]
			}
			ranges = [][2]int{{0, min(first, lo)}, {lo, hi}, {max(last+1, hi), len(e.Child)}}
		}
	}
	for _, r := range ranges { // they hold no document but only
		for _, t := range e.Child[r[0]:r[1]] {
			c, ok := t.(*etree.Element)
			if _, frame := s.kids[c]; ok && frame {
				s.write(b, c, only, nil)
				continue
			}
			t.WriteTo(b, ws)
		}
	}
	b.WriteString("</")
	b.WriteString(e.FullTag())
	b.WriteByte('>')
}

// declaredEncoding returns the encoding an XML declaration's content names.
func declaredEncoding(decl string) string {
	_, rest, ok := strings.Cut(decl, "encoding")
	rest = strings.TrimLeft(rest, " \t\r\n=")
	if !ok || rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	label, _, _ := strings.Cut(rest[1:], rest[:1])
	return label
}

// inheritedNamespaces returns the namespace declarations of e's ancestors
// that are in scope at e and that e does not declare itself.
func inheritedNamespaces(e *etree.Element) []etree.Attr {
	prefix := func(a etree.Attr) (string, bool) {
		switch {
		case a.Space == "xmlns":
			return a.Key, true
		case a.Space == "" && a.Key == "xmlns":
			return "", true
		}
		return "", false
	}
	seen := map[string]bool{}
	for _, a := range e.Attr {
		if p, ok := prefix(a); ok {
			seen[p] = true
		}
	}
	var out []etree.Attr
	for p := e.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if pf, ok := prefix(a); ok && !seen[pf] {
				seen[pf] = true
				out = append(out, a)
			}
		}
	}
	return out
}
