package docparse

import (
	"bytes"
	"encoding/xml"
	"io"

	"github.com/beevik/etree"
)

// stream is the token-stream event source: it reads the tokens of the
// one-document segment s, without building a tree, with the scanner or,
// where the scanner gives up, encoding/xml's RawToken (scan.go), and
// sends the events of its root element to the walker of the root's
// built-in format. Elements the walker does not read are skipped: only
// their syntax, depth and end tags are checked.
//
// It gives the same documents and errors as parsing s into a tree and
// calling Extract (the differential tests check this), with the tree's
// order of errors: XML errors (syntax, too deep, unclosed or mismatched
// tags) first, then what is outside the root element, then the
// document's own. Where that would need a second design it reports
// needTree instead, having read only up to the element that decides: a
// root element without a streaming extractor (a host app's format, a
// format that can hold several documents, a SOAP envelope, an unknown
// root or one with an undeclared prefix) and a SOAP Envelope after the
// root.
func (s *segment) stream(o *options) (docs []*Document, needTree bool, err error) {
	sc := newScanner(s.data, s.charsetReader())
	docs, needTree, err = s.streamFrom(sc, o)
	sc.release()
	if err != errFallback {
		return docs, needTree, err
	}
	return s.streamFrom(s.rawTokens(), o)
}

// streamFrom is stream reading the tokens of src. It returns errFallback
// as it is.
func (s *segment) streamFrom(src tokenSource, o *options) (docs []*Document, needTree bool, err error) {
	var (
		w             *walker
		open          []xml.Name // the elements open, as written, the root first
		skip          int        // how many of them the walker does not read
		roots         int        // top-level elements
		first, second string     // local names of the first two
		outside       *ParseError
	)
	for {
		t, err := src.next()
		if err == io.EOF {
			if len(open) > 0 {
				return nil, false, s.xmlError(etree.ErrXML, o)
			}
			break
		}
		if err == errFallback {
			return nil, false, err
		}
		if err != nil {
			return nil, false, s.xmlError(err, o)
		}
		switch t.kind {
		case tokStart:
			if len(open) >= o.maxDepth {
				return nil, false, s.xmlError(etree.ErrMaxDepth, o)
			}
			open = append(open, t.name)
			switch {
			case skip > 0:
				skip++
			case len(open) > 1:
				if !w.reads(t.name) || !w.start(t.name, src.attrs(), nil) {
					skip = 1
				}
			case roots == 0:
				roots, first = 1, t.name.Local
				attrs := src.attrs()
				if w = o.streamWalker(t.name, attrs); w == nil {
					return nil, true, nil
				}
				w.start(t.name, attrs, nil)
			case t.name.Local == "Envelope":
				return nil, true, nil // maybe a SOAP frame: the tree decides
			default:
				roots++
				if roots == 2 {
					second = t.name.Local
				}
				skip = 1
			}
		case tokEnd:
			if len(open) == 0 || open[len(open)-1] != t.name {
				return nil, false, s.xmlError(etree.ErrXML, o)
			}
			open = open[:len(open)-1]
			if skip > 0 {
				skip--
			} else {
				w.end()
			}
		case tokText:
			switch {
			case len(open) == 0 && outside == nil:
				outside = checkOutsideText(t.data)
			case len(open) > 0 && skip == 0:
				addText(w, t.data)
			}
		case tokDirective:
			if len(open) == 0 && outside == nil {
				outside = checkDirective(string(t.data))
			}
		}
	}
	switch {
	case outside != nil:
		return nil, false, outside
	case roots == 0:
		return nil, false, errNoRoot()
	case roots > 1:
		return nil, false, errMultipleRoots(roots, first, second)
	}
	found, err := w.result(nil)
	docs, perr := checkDocs(found, err, first, func() []byte { return bytes.Clone(s.original) })
	if perr != nil {
		return nil, false, perr
	}
	return docs, false, nil
}

// streamWalker returns the walker for a file whose root element starts
// with root, or nil when the file needs the tree. The root's namespace is
// found as etree finds it: from the root's own declarations.
func (o *options) streamWalker(root xml.Name, attrs []xml.Attr) *walker {
	name := xml.Name{Local: root.Local}
	for _, a := range attrs {
		if root.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns" ||
			root.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == root.Space {
			name.Space = a.Value // of a repeated declaration the last counts, as in a tree
		}
	}
	if name.Space == "" && root.Space != "" {
		return nil // an undeclared prefix: the tree reports it
	}
	if x, ok := o.extractor(name).(streamExtractor); ok {
		return x.streamWalker()
	}
	return nil
}
