package docparse

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/docparse/payment"
	"github.com/jakelu/jakelu/transport/address"
)

// Format names a document syntax family.
type Format string

// The built-in formats.
const (
	FormatUBL         Format = "ubl"         // UBL 2.x Invoice / CreditNote: PEPPOL BIS 3, EHF, XRechnung-UBL, OIOUBL, UBL.BE, Svefaktura 2/3
	FormatSvefaktura1 Format = "svefaktura1" // Svefaktura 1.0 (SFTI BasicInvoice, UBL 1.0 based)
	FormatCII         Format = "cii"         // UN/CEFACT CII D16B: EN 16931, XRechnung-CII, Factur-X / ZUGFeRD 2.x
	FormatZUGFeRD1    Format = "zugferd1"    // ZUGFeRD 1.0 CrossIndustryDocument
	FormatFinvoice    Format = "finvoice"    // Finvoice 1.x / 2.x / 3.0, with or without the SOAP frame
	FormatTEAPPSXML   Format = "teappsxml"   // TEAPPSXML 2.7.2 / 3.0
)

// DocType is what kind of business document a [Document] is.
type DocType string

// The document types.
const (
	TypeInvoice    DocType = "invoice"
	TypeCreditNote DocType = "credit-note"
)

// Document is what jakelu reads from one business document: everything an
// e-mail distributor needs to find the recipients and write the e-mail.
//
// Text fields hold the values as written in the document (trimmed, white
// space collapsed), or "" when the document has none. Nothing is invented:
// a missing due date stays "".
type Document struct {
	Format  Format  // syntax family
	Flavour Flavour // specification the document claims to follow
	Type    DocType // invoice or credit note
	// TypeCode is the document's own type code: UNTDID 1001 for UBL and
	// CII ("380", "381"), InvoiceTypeCode for Finvoice ("INV01"),
	// INVOICE_TYPE for TEAPPSXML ("00").
	TypeCode string

	Number    string // document number (BT-1), never empty in a parsed document
	IssueDate string // ISO 8601 date, YYYY-MM-DD
	DueDate   string // ISO 8601 date, YYYY-MM-DD
	Currency  string // ISO 4217 code
	// AmountDue is the amount payable (BT-115) as decimal text with "."
	// as the decimal separator and a leading "-" when negative ("124.00",
	// "-125.50"); never a float.
	AmountDue string

	Seller Party
	Buyer  Party

	PaymentReference string // BT-83, e.g. a Finnish reference number or an RF reference
	IBAN             string // payee account (BT-84) as written; not always an IBAN
	Language         string // document language code when the document states one ("fi"), else ""

	// CustomerNumbers are the buyer identifiers that can key a recipient
	// directory, in the order a lookup should try them.
	CustomerNumbers []Identifier
	// Emails are the valid buyer-side e-mail addresses, de-duplicated
	// case-insensitively, in document order of preference. Seller, payee,
	// signature and delivery-only addresses and text in comments are never
	// included. Invalid addresses found at buyer positions become Warnings.
	Emails []Email

	// Attachments are the binary objects embedded in the document, decoded.
	Attachments []Attachment
	// Warnings are problems that did not stop parsing: the first
	// MaxWarnings of them.
	Warnings []Warning
	// WarningsOmitted counts the warnings found after the first
	// MaxWarnings, which are left out of Warnings, so that a document with
	// a million invalid addresses costs a hundred warnings and a count,
	// not a million warnings. Zero when Warnings lists them all.
	WarningsOmitted int

	// The fields below are what a printed invoice (an invoice image)
	// shows. Amounts are decimal text like AmountDue; an amount or
	// quantity that is not a decimal number is left out (""), never
	// guessed.

	// Lines are the invoice lines (BG-25) in document order. Sub-lines
	// are not read.
	Lines []Line
	// VAT is the VAT breakdown (BG-23), one entry per category and rate,
	// in document order.
	VAT []VATSubtotal
	// Totals are the document totals (BG-22) besides AmountDue.
	Totals Totals
	// Payment is how to pay besides PaymentReference and IBAN.
	Payment Payment
	// Notes are the document's free-text notes (BT-22), in order.
	Notes []string

	// XML is the bytes of this document alone: the input itself when it
	// holds one document, or this document's own part of a file that holds
	// several, so that it can be passed on without leaking the others.
	XML []byte

	// emails indexes Emails for AddEmails while a document is being built;
	// Parse and ParseAll return documents without it.
	emails *emailIndex
}

// MaxWarnings is how many warnings a Document keeps; the number of those
// found beyond it is Document.WarningsOmitted.
const MaxWarnings = 100

// Flavour is the specification a document claims to follow.
type Flavour struct {
	CustomizationID string // UBL cbc:CustomizationID, CII guideline ID
	ProfileID       string // UBL cbc:ProfileID, CII business process
	Version         string // UBLVersionID, Finvoice Version, TEAPPSXML FORMAT_VERSION
}

// Party is the seller or the buyer.
type Party struct {
	Name  string // legal or trading name
	Email string // first valid contact e-mail of the party, "" if none

	Address    Address // postal address (BG-5, BG-8)
	BusinessID string  // legal registration identifier (BT-30, BT-47), e.g. a Y-tunnus "1234567-1"
	VATID      string  // VAT identifier (BT-31, BT-48), e.g. "FI12345671"
	Contact    string  // contact person or department (BT-41, BT-56)
	Phone      string  // contact telephone (BT-42, BT-57)
}

// Address is a postal address as written. It is comparable with ==, as
// Party is.
type Address struct {
	Street   string // first street line (BT-35)
	Street2  string // second street line (BT-36)
	Street3  string // third street line (BT-162)
	PostCode string // BT-38
	City     string // BT-37
	Country  string // ISO 3166-1 alpha-2 code as written (BT-40)
}

// Lines returns the address as printed on an envelope: the non-empty
// street lines, then post code and city on one line, then the country
// code when it is not home (a Finnish address in Finland shows none).
func (a Address) Lines(home string) []string {
	var lines []string
	for _, s := range []string{a.Street, a.Street2, a.Street3} {
		if s != "" {
			lines = append(lines, s)
		}
	}
	if pc := strings.TrimSpace(a.PostCode + " " + a.City); pc != "" {
		lines = append(lines, pc)
	}
	if a.Country != "" && !strings.EqualFold(a.Country, home) {
		lines = append(lines, a.Country)
	}
	return lines
}

// Line is one invoice line (BG-25). Amounts and quantities are decimal
// text with "." as the separator.
type Line struct {
	ID          string // line identifier or row number (BT-126)
	ArticleID   string // seller's item identifier (BT-155)
	Description string // item name (BT-153)
	Note        string // item description or line note (BT-154, BT-127)
	Quantity    string // invoiced quantity (BT-129)
	Unit        string // unit as written: a UN/ECE Rec 20 code ("C62") or the seller's own ("kpl") (BT-130)
	UnitPrice   string // net price of one unit (BT-146)
	VATRate     string // VAT rate in percent (BT-152)
	VATCategory string // VAT category code, e.g. "S" (BT-151)
	NetAmount   string // line net amount, without VAT (BT-131)

	// Consumer invoices (Finvoice, TEAPPSXML) may state prices and line
	// amounts with VAT instead, and a price per another unit than the
	// currency ("snt/kWh": cents per kilowatt-hour).
	UnitPriceVATIncluded string // price of one unit with VAT
	GrossAmount          string // line amount with VAT
	PriceUnit            string // unit of the unit price as written ("snt/kWh", "EUR/kk"), "" for the currency
}

// VATSubtotal is one entry of the VAT breakdown (BG-23).
type VATSubtotal struct {
	Category      string // VAT category code (BT-118)
	Rate          string // VAT rate in percent (BT-119)
	TaxableAmount string // taxable amount (BT-116)
	Amount        string // VAT amount (BT-117)
	Exemption     string // exemption reason text (BT-120)
}

// Totals are the document totals (BG-22) besides the amount due.
type Totals struct {
	LineNet  string // sum of the line net amounts (BT-106)
	Net      string // total without VAT (BT-109)
	VAT      string // total VAT (BT-110)
	Gross    string // total with VAT (BT-112)
	Prepaid  string // amount paid in advance (BT-113)
	Rounding string // rounding amount (BT-114)
}

// Payment is how to pay the document, besides PaymentReference and IBAN.
type Payment struct {
	// ReferenceKind is what PaymentReference is, checked: a Finnish
	// reference or an RF creditor reference whose check digits are right,
	// "other" text, or "" when there is none.
	ReferenceKind payment.ReferenceKind
	BIC           string // payee bank BIC (BT-86)
	Terms         string // payment terms text (BT-20)
	MeansCode     string // payment means code, UNTDID 4461 (BT-81): 30, 58 credit transfer, 49, 59 direct debit
	// VirtualBankBarcode is the Finnish virtual barcode the document
	// carries (Finvoice VirtualBankBarcode), as written; see package
	// payment to check it or compute one.
	VirtualBankBarcode string
}

// IDKind is the meaning of a buyer identifier, the same across formats, so
// that a company can choose which identifiers act as its customer number.
type IDKind string

// The identifier kinds, in the default lookup order.
const (
	// KindCustomerNumber is an identifier the seller assigned to the buyer
	// and wrote without a global scheme: UBL Party/PartyIdentification/ID
	// without schemeID, CII BuyerTradeParty/ID, Finvoice
	// SellersBuyerIdentifier, TEAPPSXML RECEIVER/CUSTOMER_INFORMATION/CUSTOMER_ID,
	// Svefaktura 1.0 PartyIdentification/ID without agency.
	KindCustomerNumber IDKind = "customer-number"
	// KindSupplierAccount is UBL AccountingCustomerParty/SupplierAssignedAccountID.
	KindSupplierAccount IDKind = "supplier-account"
	// KindGlobalID is a buyer identifier in a global scheme (GLN, ISO 6523
	// ICD): UBL PartyIdentification/ID with schemeID, CII GlobalID.
	KindGlobalID IDKind = "global-id"
	// KindBusinessID is a company registration number: Finvoice
	// BuyerPartyIdentifier (Y-tunnus), TEAPPSXML ORGANIZATION_NUMBER.
	KindBusinessID IDKind = "business-id"
	// KindContactID is UBL AccountingCustomerParty/Party/Contact/ID (EHF 2, OIOUBL).
	KindContactID IDKind = "contact-id"
	// KindBuyerReference is the buyer's reference (BT-10), usable as a key
	// only by agreement.
	KindBuyerReference IDKind = "buyer-reference"
)

// IDKinds returns every identifier kind, in the order above, in a new
// slice the caller may change.
func IDKinds() []IDKind {
	return []IDKind{KindCustomerNumber, KindSupplierAccount, KindGlobalID, KindBusinessID, KindContactID, KindBuyerReference}
}

// Known reports whether k is one of the kinds [IDKinds] lists.
func (k IDKind) Known() bool {
	switch k {
	case KindCustomerNumber, KindSupplierAccount, KindGlobalID, KindBusinessID, KindContactID, KindBuyerReference:
		return true
	}
	return false
}

// Identifier is one buyer identifier found in a document.
type Identifier struct {
	Value  string // as written, trimmed and with inner white space collapsed; leading zeros kept
	Scheme string // schemeID or equivalent attribute, "" if none
	Kind   IDKind // what the identifier means
	Path   string // element path in the document, e.g. "Invoice/AccountingCustomerParty/Party/PartyIdentification/ID"
}

// Email is one buyer-side e-mail address found in a document.
type Email struct {
	Address string // normalized by address.Parse
	Path    string // element path where it was found
}

// Attachment is a binary object embedded in a document.
type Attachment struct {
	Filename string // as declared, "" if none
	// ContentType is the type the bytes really have: "application/pdf" only
	// when they start with "%PDF", otherwise the declared type if it is
	// plausible, else "application/octet-stream".
	ContentType  string
	DeclaredType string // mimeCode as declared in the document
	Description  string // the document's description of the attachment, if any
	Data         []byte // decoded bytes
	Path         string // element path of the binary object
}

// IsPDF reports whether the attachment's bytes are a PDF.
func (a Attachment) IsPDF() bool { return a.ContentType == "application/pdf" }

// Warning is a problem found while parsing that did not stop it, for
// example an invalid e-mail address at a buyer position.
type Warning struct {
	Code    Code   // stable, language-neutral code, e.g. CodeInvalidEmail
	Path    string // element path concerned
	Value   string // the offending text, if any (e.g. the invalid address)
	Message string // English explanation
	Err     error  // the cause, if any (e.g. a *address.Error)
}

// String returns "path: message".
func (w Warning) String() string {
	if w.Path == "" {
		return w.Message
	}
	return w.Path + ": " + w.Message
}

// maxCustomerNumberLength is the longest buyer identifier kept, in
// characters: registry.MaxCustomerNumberLength, the longest customer number
// a recipient directory accepts.
const maxCustomerNumberLength = 100

// AddEmails adds the buyer e-mail addresses written in text, found at path,
// to d.Emails. It is how every extractor, built-in or not, records buyer
// addresses, so that all formats follow the same rules:
//
//   - text may hold several addresses separated by commas, semicolons or
//     white space, each optionally with "mailto:" or as "Name <addr>";
//   - each is validated and normalized by [address.Parse];
//   - an address already in d.Emails (compared case-insensitively, as
//     [address.Equal] compares) is not added again;
//   - an invalid address (code "invalid-email"), and text without an "@"
//     such as the placeholder "Email address" (code "not-an-email"),
//     becomes a [Warning] with the path; empty text is ignored.
//
// It returns the valid addresses of text in order, duplicates included.
// Its cost grows with the addresses in text, not with those already in
// d.Emails: a document with a million addresses is read in linear time.
// Addresses a caller appends to d.Emails itself, or a d.Emails it
// replaces, count as well.
func (d *Document) AddEmails(text, path string) []string {
	addrs := d.validEmails(text, path)
	if d.emails == nil && len(d.Emails)+len(addrs) <= smallEmails {
		// The common case, a few addresses: no index needed.
		for _, a := range addrs {
			if !slices.ContainsFunc(d.Emails, func(e Email) bool { return address.Equal(e.Address, a) }) {
				d.Emails = append(d.Emails, Email{Address: a, Path: path})
			}
		}
		return addrs
	}
	d.Emails = slices.Grow(d.Emails, len(addrs))
	d.emailIndex(len(addrs))
	for _, a := range addrs {
		if !d.emailIndex(0).has(d.Emails, a) {
			d.Emails = append(d.Emails, Email{Address: a, Path: path})
			d.emails.add(d.Emails)
		}
	}
	return addrs
}

// smallEmails is how many addresses a document may hold before AddEmails
// indexes them rather than compare each new one with all of them.
const smallEmails = 16

// emailIndex is the set of the addresses in a Document's Emails, keyed by
// address.Key, so that AddEmails finds a duplicate in constant time.
type emailIndex struct {
	keys  map[string]int // address.Key of each address → its index in Emails
	n     int            // len(Emails) when indexed
	first *Email         // &Emails[0] when indexed, to notice a replaced slice
}

// emailIndex returns d's index of d.Emails, first rebuilding it, with room
// for more addresses, if d.Emails is not the slice it indexes (a caller
// appended to it or replaced it, slices.Grow moved it, or d is a copy of
// another Document).
func (d *Document) emailIndex(more int) *emailIndex {
	x := d.emails
	if x != nil && x.n == len(d.Emails) && (x.n == 0 || x.first == &d.Emails[0]) {
		return x
	}
	x = &emailIndex{keys: make(map[string]int, len(d.Emails)+more)}
	for i, e := range d.Emails {
		if _, dup := x.keys[address.Key(e.Address)]; !dup {
			x.keys[address.Key(e.Address)] = i
		}
	}
	x.mark(d.Emails)
	d.emails = x
	return x
}

// has reports whether an address the same as a under address.Equal is in
// emails, the slice x indexes.
func (x *emailIndex) has(emails []Email, a string) bool {
	i, ok := x.keys[address.Key(a)]
	return ok && address.Equal(emails[i].Address, a)
}

// add indexes the last address of emails, just appended.
func (x *emailIndex) add(emails []Email) {
	x.keys[address.Key(emails[len(emails)-1].Address)] = len(emails) - 1
	x.mark(emails)
}

func (x *emailIndex) mark(emails []Email) {
	x.n, x.first = len(emails), nil
	if len(emails) > 0 {
		x.first = &emails[0]
	}
}

// validEmails returns the valid addresses in text, adding a warning for each
// invalid one.
func (d *Document) validEmails(text, path string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if !strings.Contains(text, "@") {
		d.warn(CodeNotAnEmail, path, text, nil, "%q is not an e-mail address (no @); it was ignored", shorten(text))
		return nil
	}
	parts := address.SplitList(text)
	addrs := make([]string, 0, len(parts))
	for _, part := range parts {
		if !strings.Contains(part, "@") {
			if d.omitWarning() {
				continue
			}
			d.warn(CodeNotAnEmail, path, part, nil, "%q in a list of e-mail addresses is not an address (no @); it was ignored", shorten(part))
			continue
		}
		a, err := address.Parse(part)
		if err != nil {
			if d.omitWarning() {
				continue // spare building a warning that would be left out
			}
			reason := err.Error()
			var ae *address.Error
			if errors.As(err, &ae) {
				reason = ae.Reason.String()
			}
			d.warn(CodeInvalidEmail, path, part, err, "e-mail address %q is invalid (%s); it was ignored", shorten(part), reason)
			continue
		}
		addrs = append(addrs, a)
	}
	return addrs
}

// AddCustomerNumber adds a buyer identifier found at path to
// d.CustomerNumbers, after the ones already there. The value is trimmed and
// inner white space collapsed to one space; nothing else changes (leading
// zeros stay). An empty value is ignored; a value longer than 100
// characters (more than a recipient directory accepts) or holding control or
// invisible characters becomes a [Warning] instead. The scheme is trimmed.
func (d *Document) AddCustomerNumber(value, scheme string, kind IDKind, path string) {
	value = collapse(value)
	switch {
	case value == "":
		return
	case utf8.RuneCountInString(value) > maxCustomerNumberLength:
		d.warn(CodeInvalidCustomerNumber, path, value, nil, "buyer identifier %q is longer than %d characters; it was ignored", shorten(value), maxCustomerNumberLength)
		return
	case strings.ContainsFunc(value, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }):
		d.warn(CodeInvalidCustomerNumber, path, value, nil, "buyer identifier %q contains control or invisible characters; it was ignored", shorten(value))
		return
	}
	d.CustomerNumbers = append(d.CustomerNumbers, Identifier{Value: value, Scheme: strings.TrimSpace(scheme), Kind: kind, Path: path})
}

// CustomerNumbersByKind returns the customer numbers of the given kinds, in
// the order of kinds and, within a kind, in d.CustomerNumbers order. It is how
// a company that keys its directory on, say, the supplier-assigned account
// first and the buyer reference second asks for its lookup order. With no
// kinds it returns all of them in the default order. The result is a new
// slice the caller owns.
func (d *Document) CustomerNumbersByKind(kinds ...IDKind) []Identifier {
	if len(kinds) == 0 {
		return slices.Clone(d.CustomerNumbers)
	}
	var ids []Identifier
	for _, k := range kinds {
		for _, id := range d.CustomerNumbers {
			if id.Kind == k {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// omitWarning reports whether Warnings is full, counting one more omitted
// warning when it is.
func (d *Document) omitWarning() bool {
	if len(d.Warnings) < MaxWarnings {
		return false
	}
	d.WarningsOmitted++
	return true
}

// warn appends a warning about value, found at path, or counts it in
// WarningsOmitted once Warnings holds MaxWarnings.
func (d *Document) warn(code Code, path, value string, cause error, format string, args ...any) {
	if d.omitWarning() {
		return
	}
	d.Warnings = append(d.Warnings, Warning{Code: code, Path: path, Value: value, Message: fmt.Sprintf(format, args...), Err: cause})
}
