package docparse

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// The built-in extractors are declarative: a spec lists, per element path,
// what the element means. The paths are compiled into a tree of nodes. The
// rule engine (walker) reads a document as events — an element starts
// (name as written, attributes), character data, the element ends — and
// follows the rule tree, matching each element by namespace URI and local
// name (never by prefix). It tells the event source to skip every subtree
// no rule mentions, such as invoice lines. Two event sources feed the same
// engine: the token stream of the input (stream.go), used by Parse for the
// files that hold one document, and a walk over an etree tree (walkTree),
// used by the Extract method every built-in format keeps.

// A spec is the extraction rules of one format.
type spec struct {
	format Format
	// ns maps the prefixes used in rule paths to namespace URIs. A step
	// without a prefix matches elements in no namespace.
	ns map[string]string
	// each is the rule path of the element each document starts at when a
	// file holds several (TEAPPSXML INVOICE); "" means the root.
	each string
	// number is the rule path of the document number, for messages.
	number string
	rules  []rule
}

// A rule says what the element at path (relative to the root, "" for the
// root itself) means.
type rule struct {
	path string
	act  action
}

// An action records what an element means. It runs at the element's end,
// when its attributes and text are known, so actions run in the order the
// elements end: for elements that do not nest, document order.
type action func(w *walker, e element)

// element is what an action sees of its element.
type element struct {
	attrs []xml.Attr // as written: Name.Space is the prefix
	// raw is the character data directly inside the element (CDATA
	// included; comments and child elements left out). It is only valid
	// while the action runs.
	raw  []byte
	path string // element path from the root, "Invoice/AccountingCustomerParty/Party"
}

// rawText returns the character data directly inside e.
func (e element) rawText() string { return string(e.raw) }

// text returns e's text trimmed, inner white space collapsed.
func (e element) text() string { return collapse(string(e.raw)) }

// attr returns the trimmed value of e's attribute key in no namespace. Of a
// repeated attribute the last value counts, as in an etree tree.
func (e element) attr(key string) string {
	v := ""
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == key {
			v = a.Value
		}
	}
	return strings.TrimSpace(v)
}

// firstAttr returns the first non-empty attribute of keys.
func (e element) firstAttr(keys []string) string {
	for _, k := range keys {
		if v := e.attr(k); v != "" {
			return v
		}
	}
	return ""
}

// A node is one step of the compiled rule tree.
type node struct {
	space string             // namespace URI the element must have
	path  string             // local names from the root, "Invoice/AccountingCustomerParty/Party"
	act   action             // what the element means, or nil
	each  bool               // a document starts at the element
	kids  map[string][]*node // the steps below, by local name
}

// compile builds the rule tree of sp for a root element with local name
// root, and returns it with the element paths of the document number and
// of the element each document starts at. A rule path with an unknown
// prefix or a path with two rules is a mistake in the spec, and panics
// when the package is initialised.
func compile(sp *spec, root string) (tree *node, numberPath, eachPath string) {
	tree = &node{path: root}
	find := func(path string) *node {
		n := tree
		if path == "" {
			return n
		}
		for step := range strings.SplitSeq(path, "/") {
			space := ""
			prefix, local, ok := strings.Cut(step, ":")
			if ok {
				if space, ok = sp.ns[prefix]; !ok {
					panic("docparse: rule path " + path + " uses unknown prefix " + prefix)
				}
			} else {
				local = prefix
			}
			i := slices.IndexFunc(n.kids[local], func(k *node) bool { return k.space == space })
			if i < 0 {
				if n.kids == nil {
					n.kids = map[string][]*node{}
				}
				n.kids[local] = append(n.kids[local], &node{space: space, path: n.path + "/" + local})
				i = len(n.kids[local]) - 1
			}
			n = n.kids[local][i]
		}
		return n
	}
	for _, r := range sp.rules {
		n := find(r.path)
		if n.act != nil {
			panic("docparse: two rules for " + n.path)
		}
		n.act = r.act
	}
	each := find(sp.each)
	each.each = true
	return tree, find(sp.number).path, each.path
}

// walker is the rule engine: it reads the events of one file's root
// element and what the rules mention inside it, and collects the
// documents. The event source calls start, text and end in document
// order; the first start is the root's.
type walker struct {
	b       *builtin
	stack   []frame   // the elements being read, the root first
	text    []byte    // character data of the elements on stack with an action, outermost first
	scope   []binding // namespace declarations in scope, innermost last
	docs    []*docState
	cur     *docState // the document being read
	version string    // format version stated once for all documents of a file
	maxSize int64     // Options.MaxSize, which bounds the XML of split documents
	err     *ParseError
}

// frame is an element being read.
type frame struct {
	n     *node
	attrs []xml.Attr
	mark  int // len(scope) before the element's declarations
	from  int // len(text) when the element started
}

type binding struct{ prefix, uri string }

// docState is one document being read.
type docState struct {
	doc    *Document
	elem   *etree.Element // element the document starts at, when read from a tree
	prio   [numFields]uint8
	credit bool      // a type code says credit note
	ids    []cand    // customer-number candidates
	mails  []cand    // e-mail candidates
	desc   string    // description of the attachment being read
	parts  [4]string // DAY, MONTH, CENTURY, DECADE_AND_YEAR of a TEAPPSXML DATE

	line  Line                 // the invoice line being read
	lprio [numLineFields]uint8 // priorities of line's fields
	vat   VATSubtotal          // the VAT subtotal being read
	vprio [numVATFields]uint8  // priorities of vat's fields
}

// cand is a customer number or e-mail address found, with its rank in the
// order the document lists them.
type cand struct {
	rank          int
	value, scheme string
	path          string
	kind          IDKind
	role          role
}

// start is the event of an element's start tag: its name and attributes as
// written (Name.Space is the prefix) and, from a tree, the element itself
// (nil from the stream). It reports whether the walker reads the element:
// if not, the source skips the element's content and sends no end event
// for it. The root is always read.
func (w *walker) start(name xml.Name, attrs []xml.Attr, e *etree.Element) bool {
	mark := len(w.scope)
	n := w.b.tree
	if len(w.stack) > 0 {
		parent := w.stack[len(w.stack)-1].n
		kids, ok := parent.kids[name.Local]
		if !ok {
			return false
		}
		w.declare(attrs)
		space, ok := w.resolve(name.Space)
		i := slices.IndexFunc(kids, func(k *node) bool { return k.space == space })
		if !ok && w.err == nil {
			w.err = &ParseError{Code: CodeNotXML, Path: parent.path + "/" + name.Local,
				Detail: fmt.Sprintf("namespace prefix %q is not declared: the file is not namespace-well-formed XML; the sending system must correct the file", name.Space)}
		}
		if !ok || i < 0 {
			w.scope = w.scope[:mark]
			return false
		}
		n = kids[i]
	} else {
		w.declare(attrs)
	}
	w.stack = append(w.stack, frame{n: n, attrs: attrs, mark: mark, from: len(w.text)})
	if n.each {
		w.cur = &docState{doc: &Document{}, elem: e}
		w.docs = append(w.docs, w.cur)
	}
	return true
}

// reads reports whether the rules mention an element name below the
// element read last: if not, start would not read it. It lets the event
// source skip the element without making its attributes.
func (w *walker) reads(name xml.Name) bool {
	_, ok := w.stack[len(w.stack)-1].n.kids[name.Local]
	return ok
}

// addText is the event of character data directly inside the element read
// last; the walker keeps it only when that element has an action.
func addText[T ~string | ~[]byte](w *walker, s T) {
	if w.stack[len(w.stack)-1].n.act != nil {
		w.text = append(w.text, s...)
	}
}

// end is the event of the end tag of the element read last. It runs the
// element's action.
func (w *walker) end() {
	f := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if f.n.act != nil {
		f.n.act(w, element{attrs: f.attrs, raw: w.text[f.from:], path: f.n.path})
		w.text = w.text[:f.from]
	}
	w.scope = w.scope[:f.mark]
}

// declare brings the namespace declarations among attrs into scope.
func (w *walker) declare(attrs []xml.Attr) {
	for _, a := range attrs {
		switch {
		case a.Name.Space == "xmlns":
			w.scope = append(w.scope, binding{a.Name.Local, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			w.scope = append(w.scope, binding{"", a.Value})
		}
	}
}

func (w *walker) resolve(prefix string) (string, bool) {
	for _, b := range slices.Backward(w.scope) {
		if b.prefix == prefix {
			return b.uri, true
		}
	}
	switch prefix {
	case "":
		return "", true
	case "xml":
		return "http://www.w3.org/XML/1998/namespace", true
	}
	return "", false
}

// walkTree is the tree event source: it sends w the events of root, first
// declaring the namespaces root inherits from its ancestors (a document in
// a SOAP Body).
func (w *walker) walkTree(root *etree.Element) {
	var ancestors []*etree.Element
	for p := root.Parent(); p != nil; p = p.Parent() {
		ancestors = append(ancestors, p)
	}
	for _, p := range slices.Backward(ancestors) {
		w.declare(treeAttrs(p))
	}
	w.walkElement(root)
}

func (w *walker) walkElement(e *etree.Element) {
	if !w.start(xml.Name{Space: e.Space, Local: e.Tag}, treeAttrs(e), e) {
		return
	}
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			w.walkElement(t)
		case *etree.CharData:
			addText(w, t.Data)
		}
	}
	w.end()
}

// treeAttrs returns e's attributes as the stream has them.
func treeAttrs(e *etree.Element) []xml.Attr {
	if len(e.Attr) == 0 {
		return nil
	}
	attrs := make([]xml.Attr, len(e.Attr))
	for i, a := range e.Attr {
		attrs[i] = xml.Attr{Name: xml.Name{Space: a.Space, Local: a.Key}, Value: a.Value}
	}
	return attrs
}

// result returns the documents read, checked. root is the root element
// when the events came from a tree, else nil; a file with several
// documents (which only a tree reads) gives each its standalone XML.
func (w *walker) result(root *etree.Element) ([]*Document, error) {
	b := w.b
	if w.err != nil {
		return nil, w.err
	}
	if len(w.docs) == 0 { // a batch format without any document element
		return nil, &ParseError{Code: CodeNoDocument, Path: b.eachPath,
			Detail: "the file holds no document, only its frame; there is nothing to send"}
	}
	docs := w.finish()
	for i, d := range docs {
		if d.Number == "" {
			e := &ParseError{Code: CodeNoDocumentNumber, Path: b.numberPath,
				Detail: "the document has no document number (BT-1); a document without a number cannot be sent or traced; correct the sending system"}
			if len(docs) > 1 {
				e.Document = i + 1
			}
			return nil, e
		}
	}
	if len(docs) > 1 {
		elems := make([]*etree.Element, len(w.docs))
		for i, ds := range w.docs {
			elems[i] = ds.elem
		}
		sp := newSplitter(root, elems)
		limit := maxFrameCopies * cmp.Or(w.maxSize, DefaultMaxSize)
		frame := int64(len(sp.file(nil)))
		if frame*int64(len(docs)) > limit {
			return nil, &ParseError{Code: CodeTooLarge, Path: b.eachPath, Detail: fmt.Sprintf(
				"each of the file's %d documents would carry its own copy of the %d bytes outside the documents, more than %d bytes in all (%d times the size limit, see Options.MaxSize); a real file keeps what is outside its documents short: correct the sending system or split the file",
				len(docs), frame, limit, maxFrameCopies)}
		}
		for i, d := range docs {
			d.XML = sp.file(elems[i])
		}
	}
	return docs, nil
}

// finish completes the documents read: type, customer numbers and e-mail
// addresses in rank order.
func (w *walker) finish() []*Document {
	docs := make([]*Document, len(w.docs))
	byRank := func(a, b cand) int { return cmp.Compare(a.rank, b.rank) }
	for i, ds := range w.docs {
		d := ds.doc
		d.Format = w.b.spec.format
		if d.Flavour.Version == "" {
			d.Flavour.Version = w.version
		}
		d.finishImage()
		d.Type = TypeInvoice
		if w.b.credit || ds.credit {
			d.Type = TypeCreditNote
		}
		slices.SortStableFunc(ds.ids, byRank)
		for _, c := range ds.ids {
			d.AddCustomerNumber(c.value, c.scheme, c.kind, c.path)
		}
		slices.SortStableFunc(ds.mails, byRank)
		for _, c := range ds.mails {
			switch c.role {
			case seller:
				if addrs := d.validEmails(c.value, c.path); len(addrs) > 0 && d.Seller.Email == "" {
					d.Seller.Email = addrs[0]
				}
			case buyerContact:
				if addrs := d.AddEmails(c.value, c.path); len(addrs) > 0 && d.Buyer.Email == "" {
					d.Buyer.Email = addrs[0]
				}
			default:
				d.AddEmails(c.value, c.path)
			}
		}
		docs[i] = d
	}
	return docs
}

// field names a single-valued text field of a Document.
type field uint8

const (
	fNumber field = iota
	fTypeCode
	fIssueDate
	fDueDate
	fCurrency
	fAmountDue
	fSellerName
	fBuyerName
	fPaymentRef
	fIBAN
	fLanguage
	fCustomization
	fProfile
	fVersion

	// What an invoice image shows (image.go).
	fSellerBusinessID
	fSellerVATID
	fSellerContact
	fSellerPhone
	fSellerPostCode
	fSellerCity
	fSellerCountry
	fBuyerBusinessID
	fBuyerVATID
	fBuyerContact
	fBuyerPhone
	fBuyerPostCode
	fBuyerCity
	fBuyerCountry
	fLineNet
	fNet
	fVATTotal
	fGross
	fPrepaid
	fRounding
	fBIC
	fTerms
	fMeans
	fVirtualBarcode
	numFields
)

func (d *Document) field(f field) *string {
	switch f {
	case fNumber:
		return &d.Number
	case fTypeCode:
		return &d.TypeCode
	case fIssueDate:
		return &d.IssueDate
	case fDueDate:
		return &d.DueDate
	case fCurrency:
		return &d.Currency
	case fAmountDue:
		return &d.AmountDue
	case fSellerName:
		return &d.Seller.Name
	case fBuyerName:
		return &d.Buyer.Name
	case fPaymentRef:
		return &d.PaymentReference
	case fIBAN:
		return &d.IBAN
	case fLanguage:
		return &d.Language
	case fCustomization:
		return &d.Flavour.CustomizationID
	case fProfile:
		return &d.Flavour.ProfileID
	case fVersion:
		return &d.Flavour.Version
	}
	return d.imageField(f)
}

// set sets f to v unless v is empty or f already holds a value of better
// (lower) or equal priority: among equals the first in the document wins.
func (ds *docState) set(f field, prio uint8, v string) {
	if v == "" || ds.prio[f] != 0 && ds.prio[f] <= prio {
		return
	}
	ds.prio[f] = prio
	*ds.doc.field(f) = v
}

// str sets f to the element's text.
func str(f field, prio uint8) action {
	return func(w *walker, e element) { w.cur.set(f, prio, e.text()) }
}

// strAttr sets f to the element's attribute key.
func strAttr(f field, prio uint8, key string) action {
	return func(w *walker, e element) { w.cur.set(f, prio, e.attr(key)) }
}

// language sets the document language, lower-cased.
func language(w *walker, e element) {
	w.cur.set(fLanguage, 1, strings.ToLower(e.text()))
}

// date sets f to the element's date, as YYYY-MM-DD.
func date(f field, prio uint8) action {
	return func(w *walker, e element) { w.setDate(f, prio, e.text(), e.path) }
}

func (w *walker) setDate(f field, prio uint8, s, path string) {
	if s == "" {
		return
	}
	d, ok := isoDate(s)
	if !ok {
		w.cur.doc.warn(CodeInvalidDate, path, s, nil, "%q is not a date (YYYY-MM-DD or CCYYMMDD); it was ignored", shorten(s))
		return
	}
	w.cur.set(f, prio, d)
}

// amount sets the amount due from the element's decimal text (with a
// decimal comma when comma is set), and the currency, at the next lower
// priority, from its attribute currencyAttr.
func amount(prio uint8, comma bool, currencyAttr string) action {
	return func(w *walker, e element) {
		s := e.text()
		if s == "" {
			return
		}
		w.setAmount(prio, s, comma, e.path)
		w.cur.set(fCurrency, prio+1, e.attr(currencyAttr))
	}
}

func (w *walker) setAmount(prio uint8, s string, comma bool, path string) {
	sep := byte('.')
	if comma && strings.Contains(s, ",") {
		sep = ','
	}
	v, ok := decimal(s, sep)
	if !ok {
		w.cur.doc.warn(CodeInvalidAmount, path, s, nil, "%q is not an amount; it was ignored", shorten(s))
		return
	}
	w.cur.set(fAmountDue, prio, v)
}

// typeCode sets the type code and marks a credit note when credit says so.
func typeCode(credit func(string) bool) action {
	return func(w *walker, e element) {
		code := e.text()
		w.cur.set(fTypeCode, 1, code)
		if credit != nil && credit(code) {
			w.cur.credit = true
		}
	}
}

// creditIf marks a credit note when credit says so of the element's text,
// without setting the type code.
func creditIf(credit func(string) bool) action {
	return func(w *walker, e element) {
		if credit(e.text()) {
			w.cur.credit = true
		}
	}
}

// unCredit reports whether an UNTDID 1001 code is a credit note.
func unCredit(code string) bool {
	switch code {
	case "81", "83", "381", "396", "532":
		return true
	}
	return false
}

// ident records a customer-number candidate of kind at rank, its scheme the
// first non-empty attribute of schemeAttrs.
func ident(rank int, kind IDKind, schemeAttrs ...string) action {
	return func(w *walker, e element) {
		w.cur.ids = append(w.cur.ids, cand{rank: rank, value: e.rawText(), scheme: e.firstAttr(schemeAttrs), path: e.path, kind: kind})
	}
}

// partyID records a buyer party identifier: a customer number at rank when
// it has no scheme, a global identifier at schemeRank when it has one.
func partyID(rank, schemeRank int, schemeAttrs ...string) action {
	return func(w *walker, e element) {
		c := cand{rank: rank, value: e.rawText(), scheme: e.firstAttr(schemeAttrs), path: e.path, kind: KindCustomerNumber}
		if c.scheme != "" {
			c.rank, c.kind = schemeRank, KindGlobalID
		}
		w.cur.ids = append(w.cur.ids, c)
	}
}

// role says whose e-mail position an element is.
type role uint8

const (
	buyer        role = iota // a buyer-side position: the addresses go to Emails
	buyerContact             // the buyer's own contact: also Buyer.Email
	seller                   // the seller's contact: only Seller.Email
)

// Ranks of the buyer e-mail positions, in the order Emails lists them.
const (
	rankDelivery     = iota + 1 // explicit e-mail delivery field (TEAPPSXML RECEIVER/MAIL_ID)
	rankEndpoint                // buyer electronic address with an e-mail scheme (BT-49)
	rankContact                 // buyer contact (BT-58)
	rankOtherContact            // accounting, buyer and other contacts of buyer-side parties
	rankRecipient               // invoice recipient
)

// mail records the e-mail text of a position.
func mail(rank int, r role) action {
	return func(w *walker, e element) {
		w.cur.mails = append(w.cur.mails, cand{rank: rank, value: e.rawText(), path: e.path, role: r})
	}
}

// otherMail records a generic communication value (UBL OtherCommunication)
// as an e-mail position only when it holds an "@": other values are phone
// numbers and the like, not placeholders.
func otherMail(rank int) action {
	return func(w *walker, e element) {
		if s := e.rawText(); strings.Contains(s, "@") {
			w.cur.mails = append(w.cur.mails, cand{rank: rank, value: s, path: e.path, role: buyer})
		}
	}
}

// endpoint records an electronic address (UBL EndpointID, CII URIID) as an
// e-mail position when its schemeID is an e-mail scheme: EM (EN 16931) or
// the variants EMAIL and MAIL.
func endpoint(rank int) action {
	return func(w *walker, e element) {
		switch strings.ToUpper(e.attr("schemeID")) {
		case "EM", "EMAIL", "MAIL":
			w.cur.mails = append(w.cur.mails, cand{rank: rank, value: e.rawText(), path: e.path, role: buyer})
		}
	}
}

// attachmentGroup ends an attachment reference: the description read in it
// does not carry over to the next one.
func attachmentGroup(w *walker, _ element) { w.cur.desc = "" }

// attachmentDesc records the description of the attachment being read (it
// comes before the binary object).
func attachmentDesc(w *walker, e element) { w.cur.desc = e.text() }

// attachment decodes an embedded base64 binary object (attributes mimeCode
// and filename).
func attachment(w *walker, e element) {
	raw := e.rawText()
	if strings.TrimSpace(raw) == "" {
		return
	}
	d := w.cur.doc
	filename := e.attr("filename")
	data, err := decodeBase64(raw)
	if err != nil || len(data) == 0 {
		d.warn(CodeInvalidAttachment, e.path, filename, err, "the embedded attachment %q is not valid base64; it was ignored", filename)
		return
	}
	declared := e.attr("mimeCode")
	typ, mismatch := contentType(declared, data)
	if mismatch {
		d.warn(CodeAttachmentTypeMismatch, e.path, filename, nil, "attachment %q is declared as %q but its content is not; it is attached as %s", filename, declared, typ)
	}
	d.Attachments = append(d.Attachments, Attachment{
		Filename: filename, ContentType: typ, DeclaredType: declared,
		Description: w.cur.desc, Data: data, Path: e.path,
	})
}
