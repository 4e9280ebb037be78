package docparse

import (
	"bytes"
	"errors"
	"slices"
	"strings"
)

// invoiceFileNames are the Filespec names of the invoice XML in a
// Factur-X, ZUGFeRD or XRechnung PDF, compared case-insensitively
// (ZUGFeRD 1.0 writes ZUGFeRD-invoice.xml).
var invoiceFileNames = []string{"factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml"}

// orderFileName is the Filespec name of the order XML of an Order-X PDF.
const orderFileName = "order-x.xml"

// pdfEmbedded is one embedded file of a PDF.
type pdfEmbedded struct {
	name string // the Filespec's /UF or /F, else its name-tree key
	desc string // the Filespec's /Desc
	mime string // the stream's /Subtype
	data []byte // decoded
	err  error  // why data could not be decoded
}

// parsePDF reads a Factur-X / ZUGFeRD / XRechnung PDF: the invoice XML
// travels inside it as an embedded file. The PDF is read as PDF readers
// read it (see openPDF); the invoice is the embedded file named
// factur-x.xml, xrechnung.xml or zugferd-invoice.xml, else, when no file
// has such a name, the first embedded file that is a supported e-invoice.
// The PDF itself, the invoice's human-readable image, becomes the first
// attachment; the other embedded files follow the XML's own attachments.
func parsePDF(data []byte, o *options) ([]*Document, error) {
	f, err := openPDF(data, o.maxSize)
	if err != nil {
		return nil, err
	}
	files := f.embeddedFiles()
	if f.err != nil {
		return nil, f.err
	}
	var named, others []int
	order := false
	for i, e := range files {
		switch {
		case slices.ContainsFunc(invoiceFileNames, func(n string) bool { return strings.EqualFold(n, e.name) }):
			named = append(named, i)
		case strings.EqualFold(e.name, orderFileName):
			order = true
		default:
			others = append(others, i)
		}
	}
	if len(named) == 0 && order {
		return nil, newError(CodeOrder, nil, "the PDF is an Order-X document: its embedded %s is an order, not an invoice; only invoices and credit notes are delivered, so send the invoice", orderFileName)
	}
	candidates := named
	if len(named) == 0 {
		candidates = others
	}
	var invalid error // an invoice that failed for its own reasons
	for _, i := range candidates {
		e := files[i]
		if e.err != nil {
			if len(named) > 0 && invalid == nil {
				invalid = newError(CodeInvalidDocument, e.err, "the PDF's embedded invoice file %q cannot be read: %v; send the invoice XML itself", e.name, e.err)
			}
			continue
		}
		docs, err := parseXML(e.data, o)
		if err == nil {
			f.attach(docs, data[f.base:], files, i)
			return docs, nil
		}
		var pe *ParseError
		if invalid == nil && (len(named) > 0 || errors.As(err, &pe) && pe.Code != "not-xml" && pe.Code != "unknown-format" && pe.Code != "empty") {
			invalid = err
		}
	}
	if invalid != nil {
		return nil, invalid
	}
	var names []string
	for _, e := range files {
		names = append(names, e.name)
	}
	return nil, newError(CodePDFWithoutXML, nil, "the PDF has no embedded e-invoice XML (%d embedded files found: %q); only Factur-X / ZUGFeRD / XRechnung PDFs carry one: send the invoice XML instead", len(files), names)
}

// attach gives each document the PDF as its first attachment and the
// PDF's other embedded files (all but files[chosen]) as its last ones.
func (f *pdfFile) attach(docs []*Document, pdf []byte, files []pdfEmbedded, chosen int) {
	for _, d := range docs {
		atts := []Attachment{{
			ContentType: "application/pdf", DeclaredType: "application/pdf",
			Description: "the PDF the invoice XML was embedded in (the invoice image)",
			Data:        bytes.Clone(pdf),
		}}
		atts = append(atts, d.Attachments...)
		for i, e := range files {
			switch {
			case i == chosen:
			case e.err != nil:
				d.warn(CodeInvalidAttachment, "", e.name, e.err, "the PDF's embedded file %q cannot be read (%v); it was left out", e.name, e.err)
			default:
				ct, _ := contentType(e.mime, e.data)
				atts = append(atts, Attachment{Filename: e.name, ContentType: ct, DeclaredType: e.mime, Description: e.desc, Data: bytes.Clone(e.data)})
			}
		}
		d.Attachments = atts
	}
}

// maxNameTreeNodes bounds the nodes of the embedded-files name tree read.
const maxNameTreeNodes = 100_000

// embeddedFiles returns the PDF's embedded files: those of the catalog's
// /Names /EmbeddedFiles tree in its order, then those of the catalog's /AF
// not already listed. A PDF whose catalog lists none gives every Filespec
// and every embedded file stream among its objects, in object order, as
// the earlier forward scanner did.
func (f *pdfFile) embeddedFiles() []pdfEmbedded {
	root := f.dict(f.trailer["Root"])
	var files []pdfEmbedded
	seen := map[any]bool{} // Filespecs and streams already listed
	add := func(key string, spec any) {
		if r, ok := spec.(pdfRef); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		if e, ok := f.fileSpec(key, spec, seen); ok {
			files = append(files, e)
		}
	}
	if tree := f.dict(f.dict(root["Names"])["EmbeddedFiles"]); tree != nil {
		nodes := 0
		f.walkNameTree(tree, 0, &nodes, map[pdfRef]bool{}, add)
	}
	if af, ok := f.resolve(root["AF"]).(pdfArray); ok {
		for _, spec := range af {
			add("", spec)
		}
	}
	if len(files) > 0 || f.err != nil {
		return files
	}
	nums := make([]int, 0, len(f.xref))
	for num := range f.xref {
		nums = append(nums, num)
	}
	slices.Sort(nums)
	for _, num := range nums {
		if d, ok := f.object(num).(pdfDict); ok && d["EF"] != nil {
			add("", pdfRef{num: num})
		}
	}
	for _, num := range nums {
		if s, ok := f.object(num).(*pdfStream); ok && s.dict.name("Type") == "EmbeddedFile" && !seen[pdfRef{num: num}] {
			add("", pdfDict{"EF": pdfDict{"F": pdfRef{num: num}}})
		}
		if f.err != nil {
			break
		}
	}
	return files
}

// walkNameTree calls add for each entry of the name tree node, keys in
// order, skipping nodes already visited and stopping at maxNameTreeNodes.
func (f *pdfFile) walkNameTree(node pdfDict, depth int, nodes *int, visited map[pdfRef]bool, add func(string, any)) {
	if *nodes++; *nodes > maxNameTreeNodes || depth > maxPDFNesting || f.err != nil {
		return
	}
	if names, ok := f.resolve(node["Names"]).(pdfArray); ok {
		for i := 0; i+1 < len(names); i += 2 {
			key, _ := f.resolve(names[i]).(pdfString)
			add(textString(key), names[i+1])
		}
	}
	kids, _ := f.resolve(node["Kids"]).(pdfArray)
	for _, k := range kids {
		if r, ok := k.(pdfRef); ok {
			if visited[r] {
				continue
			}
			visited[r] = true
		}
		if kid := f.dict(k); kid != nil {
			f.walkNameTree(kid, depth+1, nodes, visited, add)
		}
	}
}

// fileSpec reads a Filespec: its name, description and decoded file. It
// reports false when spec is not a Filespec with an embedded file, or its
// file was already listed.
func (f *pdfFile) fileSpec(key string, spec any, seen map[any]bool) (pdfEmbedded, bool) {
	d := f.dict(spec)
	ef := f.dict(d["EF"])
	sv := ef["UF"]
	if sv == nil {
		sv = ef["F"]
	}
	if r, ok := sv.(pdfRef); ok {
		if seen[pdfRef{num: r.num}] {
			return pdfEmbedded{}, false
		}
		seen[pdfRef{num: r.num}] = true
	}
	s, ok := f.resolve(sv).(*pdfStream)
	if !ok {
		return pdfEmbedded{}, false
	}
	e := pdfEmbedded{name: key, mime: string(s.dict.name("Subtype"))}
	for _, k := range []pdfName{"F", "UF"} {
		if n, ok := f.resolve(d[k]).(pdfString); ok && len(n) > 0 {
			e.name = textString(n)
		}
	}
	if desc, ok := f.resolve(d["Desc"]).(pdfString); ok {
		e.desc = textString(desc)
	}
	e.data, e.err = f.decodeStream(s, true)
	return e, true
}
