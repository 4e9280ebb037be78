package importer

import (
	"unicode"
	"unicode/utf8"
)

// Header words, compared after headerKey.
const (
	headNone = iota
	headCustomer
	headTo
	headCc
)

var headerWords = map[string]int{
	"asiakasnumero": headCustomer, "asiakasnro": headCustomer, "asiakas": headCustomer, "asiakastunnus": headCustomer,
	"kundnummer": headCustomer, "kundnr": headCustomer, "kund": headCustomer,
	"customernumber": headCustomer, "customerno": headCustomer, "customernr": headCustomer, "customer": headCustomer, "customerid": headCustomer,

	"sähköposti": headTo, "sähköpostiosoite": headTo, "sähköpostiosoitteet": headTo, "sposti": headTo, "vastaanottaja": headTo,
	"epost": headTo, "epostadress": headTo, "epostadresser": headTo, "mottagare": headTo,
	"email": headTo, "emails": headTo, "emailaddress": headTo, "emailaddresses": headTo, "mail": headTo, "to": headTo, "recipient": headTo, "recipients": headTo,

	"cc": headCc, "kopio": headCc, "kopiocc": headCc, "kopiot": headCc, "kopioosoitteet": headCc,
	"kopia": headCc, "kopiacc": headCc, "kopieadresser": headCc, "copy": headCc, "copycc": headCc, "copies": headCc,
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

// maxHeaderKey is one more than the letters of the longest header word.
const maxHeaderKey = 20

// header reports whether r, the first non-empty row, is a header row: one
// with a recognised heading. A header row's headings must be in their
// columns (A customer number, B addresses, C copy addresses); any that is
// not gives CodeWrongHeader.
func (v *validator) header(r *Row) bool {
	found := false
	for _, c := range r.Cells {
		if c.Kind == KindText && !c.Cut && headerWords[headerKey(c.Value)] != headNone {
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
		want := headNone
		if i < 3 {
			want = []int{headCustomer, headTo, headCc}[i]
		}
		if c.Kind != KindText || c.Cut || want == headNone || headerWords[headerKey(c.Value)] != want {
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
