package docparse

import (
	"strings"

	"github.com/jakelu/jakelu/docparse/payment"
)

// The rules of this file read what a printed invoice shows: party
// addresses and identifiers, invoice lines, the VAT breakdown, totals and
// payment details. A value goes to a slot: a Document field, or a field of
// the line or VAT subtotal being read, which the line's or subtotal's own
// element appends to the document when it ends (its children end first).

// imageField returns the Document field of an image field.
func (d *Document) imageField(f field) *string {
	switch f {
	case fSellerBusinessID:
		return &d.Seller.BusinessID
	case fSellerVATID:
		return &d.Seller.VATID
	case fSellerContact:
		return &d.Seller.Contact
	case fSellerPhone:
		return &d.Seller.Phone
	case fSellerPostCode:
		return &d.Seller.Address.PostCode
	case fSellerCity:
		return &d.Seller.Address.City
	case fSellerCountry:
		return &d.Seller.Address.Country
	case fBuyerBusinessID:
		return &d.Buyer.BusinessID
	case fBuyerVATID:
		return &d.Buyer.VATID
	case fBuyerContact:
		return &d.Buyer.Contact
	case fBuyerPhone:
		return &d.Buyer.Phone
	case fBuyerPostCode:
		return &d.Buyer.Address.PostCode
	case fBuyerCity:
		return &d.Buyer.Address.City
	case fBuyerCountry:
		return &d.Buyer.Address.Country
	case fLineNet:
		return &d.Totals.LineNet
	case fNet:
		return &d.Totals.Net
	case fVATTotal:
		return &d.Totals.VAT
	case fGross:
		return &d.Totals.Gross
	case fPrepaid:
		return &d.Totals.Prepaid
	case fRounding:
		return &d.Totals.Rounding
	case fBIC:
		return &d.Payment.BIC
	case fTerms:
		return &d.Payment.Terms
	case fMeans:
		return &d.Payment.MeansCode
	default:
		return &d.Payment.VirtualBankBarcode
	}
}

// lineField names a field of a Line.
type lineField uint8

const (
	lID lineField = iota
	lArticle
	lDesc
	lNote
	lQty
	lUnit
	lPrice
	lRate
	lCategory
	lNet
	lPriceGross
	lGross
	lPriceUnit
	numLineFields
)

func (l *Line) field(f lineField) *string {
	switch f {
	case lID:
		return &l.ID
	case lArticle:
		return &l.ArticleID
	case lDesc:
		return &l.Description
	case lNote:
		return &l.Note
	case lQty:
		return &l.Quantity
	case lUnit:
		return &l.Unit
	case lPrice:
		return &l.UnitPrice
	case lRate:
		return &l.VATRate
	case lCategory:
		return &l.VATCategory
	case lNet:
		return &l.NetAmount
	case lPriceGross:
		return &l.UnitPriceVATIncluded
	case lGross:
		return &l.GrossAmount
	default:
		return &l.PriceUnit
	}
}

// vatField names a field of a VATSubtotal.
type vatField uint8

const (
	vCategory vatField = iota
	vRate
	vBase
	vAmount
	vExemption
	numVATFields
)

func (v *VATSubtotal) field(f vatField) *string {
	switch f {
	case vCategory:
		return &v.Category
	case vRate:
		return &v.Rate
	case vBase:
		return &v.TaxableAmount
	case vAmount:
		return &v.Amount
	default:
		return &v.Exemption
	}
}

// slotKind says what a slot's field belongs to.
type slotKind uint8

const (
	inDoc  slotKind = iota // a Document field
	inLine                 // the line being read
	inVAT                  // the VAT subtotal being read
)

// A slot is where a value goes.
type slot struct {
	kind slotKind
	f    uint8
}

func doc(f field) slot       { return slot{inDoc, uint8(f)} }
func line(f lineField) slot  { return slot{inLine, uint8(f)} }
func vatSub(f vatField) slot { return slot{inVAT, uint8(f)} }

// put sets the slot to v unless v is empty or the slot holds a value of
// better or equal priority, as set does.
func (ds *docState) put(s slot, prio uint8, v string) {
	var p *uint8
	var dst *string
	switch s.kind {
	case inDoc:
		ds.set(field(s.f), prio, v)
		return
	case inLine:
		p, dst = &ds.lprio[s.f], ds.line.field(lineField(s.f))
	default:
		p, dst = &ds.vprio[s.f], ds.vat.field(vatField(s.f))
	}
	if v == "" || *p != 0 && *p <= prio {
		return
	}
	*p, *dst = prio, v
}

// text puts the element's text in s.
func text(s slot, prio uint8) action {
	return func(w *walker, e element) { w.cur.put(s, prio, e.text()) }
}

// number puts the element's decimal text in s, read with a decimal comma
// when comma is set (Finvoice) and negated when its SIGN attribute is "-"
// (TEAPPSXML). An amount whose currencyID is not the document's currency
// (UBL and CII state the VAT total a second time in the accounting
// currency) and text that is not a decimal number are left out.
func number(s slot, prio uint8, comma bool) action {
	return func(w *walker, e element) {
		if v, ok := decimalOf(w, e, comma); ok {
			w.cur.put(s, prio, v)
		}
	}
}

// decimalOf returns the element's text as a decimal number.
func decimalOf(w *walker, e element, comma bool) (string, bool) {
	t := e.text()
	if t == "" {
		return "", false
	}
	if c := e.attr("currencyID"); c != "" && w.cur.doc.Currency != "" && !strings.EqualFold(c, w.cur.doc.Currency) {
		return "", false
	}
	sep := byte('.')
	if comma && strings.Contains(t, ",") {
		sep = ','
	}
	v, ok := decimal(t, sep)
	if !ok {
		return "", false
	}
	if e.attr("SIGN") == "-" && !strings.HasPrefix(v, "-") {
		v = "-" + v
	}
	return v, true
}

// priceWithUnit puts a unit price in s and its attribute UnitPriceUnitCode
// (Finvoice) in the line's price unit.
func priceWithUnit(s slot, prio uint8) action {
	return func(w *walker, e element) {
		if v, ok := decimalOf(w, e, true); ok {
			w.cur.put(s, prio, v)
			w.cur.put(line(lPriceUnit), prio, e.attr("UnitPriceUnitCode"))
		}
	}
}

// quantity puts the line quantity and, from the first non-empty attribute
// of unitAttrs, its unit.
func quantity(comma bool, unitAttrs ...string) action {
	return func(w *walker, e element) {
		if v, ok := decimalOf(w, e, comma); ok {
			w.cur.put(line(lQty), 1, v)
			w.cur.put(line(lUnit), 1, e.firstAttr(unitAttrs))
		}
	}
}

// vatIf puts a TEAPPSXML AMOUNT in s when its VAT attribute is vat
// (INCLUDED or EXCLUDED).
func vatIf(vat string, s slot) action {
	return func(w *walker, e element) {
		if !strings.EqualFold(e.attr("VAT"), vat) {
			return
		}
		if v, ok := decimalOf(w, e, false); ok {
			w.cur.put(s, 1, v)
		}
	}
}

// street puts the element's text in the first empty street line of the seller's
// or, with buyer set, the buyer's address.
func street(isBuyer bool) action {
	return func(w *walker, e element) {
		t := e.text()
		if t == "" {
			return
		}
		a := &w.cur.doc.Seller.Address
		if isBuyer {
			a = &w.cur.doc.Buyer.Address
		}
		switch {
		case a.Street == "":
			a.Street = t
		case a.Street2 == "":
			a.Street2 = t
		case a.Street3 == "":
			a.Street3 = t
		}
	}
}

// note appends the element's text to the document's notes.
func note(w *walker, e element) {
	if t := e.text(); t != "" && len(w.cur.doc.Notes) < maxNotes {
		w.cur.doc.Notes = append(w.cur.doc.Notes, t)
	}
}

// maxNotes is how many notes a document keeps.
const maxNotes = 100

// lineEnd ends an invoice line: the line read is appended to the
// document, if it holds anything.
func lineEnd(w *walker, _ element) {
	ds := w.cur
	if ds.line != (Line{}) {
		ds.doc.Lines = append(ds.doc.Lines, ds.line)
	}
	ds.line, ds.lprio = Line{}, [numLineFields]uint8{}
}

// vatEnd ends a VAT subtotal: it is appended to the document, if it holds
// anything.
func vatEnd(w *walker, _ element) {
	ds := w.cur
	if ds.vat != (VATSubtotal{}) {
		ds.doc.VAT = append(ds.doc.VAT, ds.vat)
	}
	ds.vat, ds.vprio = VATSubtotal{}, [numVATFields]uint8{}
}

// both runs a, then b.
func both(a, b action) action {
	return func(w *walker, e element) { a(w, e); b(w, e) }
}

// finishImage completes what an invoice image shows: the kind of the
// payment reference.
func (d *Document) finishImage() {
	d.Payment.ReferenceKind = payment.Kind(d.PaymentReference)
}
