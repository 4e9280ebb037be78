package distribution

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/transport/address"
)

// Precedence decides which method gives the recipients when both the
// document address and the recipient directory are enabled and both give
// addresses.
type Precedence string

// The precedences.
const (
	// DocumentFirst uses the addresses written in the document; the
	// directory is used only when the document gives none. The default.
	DocumentFirst Precedence = "document"
	// DirectoryFirst uses the directory entry; the document's addresses are
	// used only when no customer number is found in the directory.
	DirectoryFirst Precedence = "directory"
	// Both sends to the union of both, without duplicates.
	Both Precedence = "both"
)

// DefaultLanguage is used when neither the settings nor the recipient give
// a supported language.
const DefaultLanguage = "en"

// Settings are one company's e-mail distribution switches and sender
// identity. The zero value has distribution switched off.
type Settings struct {
	// Company identifies the company (the tenant) in Message-IDs, so that
	// two companies' documents with the same number never share one.
	Company string

	// Enabled is the master switch "E-mail distribution". When it is off
	// nothing is parsed for routing or sent: Plan and Distribute return
	// [ErrDistributionDisabled].
	Enabled bool
	// DocumentAddress is the switch "Send to the e-mail address in the
	// document" (method 1).
	DocumentAddress bool
	// Directory is the switch "Recipient directory" (method 2): the
	// customer numbers the document carries are looked up in the company's
	// registry, and the first hit's To and Cc are used.
	Directory bool
	// Precedence applies when both methods are on; "" means DocumentFirst.
	Precedence Precedence
	// CustomerNumberKinds are the kinds of buyer identifiers tried in the
	// directory, in this order (within a kind, in the document's order).
	// Empty tries every identifier in the order docparse gives them.
	CustomerNumberKinds []docparse.IDKind

	// From is the address e-mails are sent from (the operator's address);
	// required. Its display name, when From.Name is empty, is the seller's
	// name from the document.
	From string
	// FromName, when set, is used as the display name instead of the
	// seller's name.
	FromName string
	// ReplyTo is the Reply-To address. When empty, the seller's e-mail
	// address in the document is used, if it has one.
	ReplyTo string
	// Language is the company's default language for e-mails: one of
	// [Languages] ("fi", "sv", "en" or one added with [AddLanguage]); ""
	// means [DefaultLanguage]. A directory entry's language, or
	// else the document's, is preferred when it names one of these, as a
	// person reads it: "fi-FI", "FI" and "fin" are Finnish, "sv-FI" and
	// "sv_SE" Swedish; "de" or "et" fall back to this default.
	Language string

	// InvoiceImage is the switch "Attach an invoice image": for a document
	// without an embedded PDF (every Finvoice, many UBL and CII files) the
	// router renders the invoice image with package distribution/invoicepdf
	// and attaches it before the XML, so that a person who cannot read
	// e-invoices can read and pay it. "" means [InvoiceImageOn], the
	// default; [InvoiceImageOff] sends such documents with the XML only.
	InvoiceImage InvoiceImage
	// Operator is the name of the service that sends the e-mails on the
	// seller's behalf, as the customer should know it, e.g. "Laskutus Oy".
	// The e-mail says in one sentence that the operator sends the invoice
	// on behalf of the seller. "" names the domain of From instead.
	Operator string
	// ScanMaxSize is the largest PDF, in bytes, mailed to a recipient
	// whose directory entry has the scan profile (a scanning service); a
	// larger one is refused with a [*ScanTooLargeError]. 0 means
	// [DefaultScanMaxSize]; a negative value is invalid.
	ScanMaxSize int64
}

// InvoiceImage is the setting [Settings].InvoiceImage.
type InvoiceImage string

// The values of Settings.InvoiceImage.
const (
	// InvoiceImageOn renders and attaches the invoice image of a document
	// without an embedded PDF. The default ("").
	InvoiceImageOn InvoiceImage = "on"
	// InvoiceImageOff never renders: a document without an embedded PDF is
	// sent with its XML only.
	InvoiceImageOff InvoiceImage = "off"
)

// ErrInvalidSettings is matched by every [*SettingsError].
var ErrInvalidSettings = errors.New("distribution: invalid settings")

// SettingsError reports a setting that cannot be used.
type SettingsError struct {
	Field string // the Settings field, e.g. "From"
	Value string // its value
	Err   error  // what is wrong
}

// Error names the field and the problem.
func (e *SettingsError) Error() string {
	return fmt.Sprintf("distribution: invalid setting %s %q: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the cause and [ErrInvalidSettings].
func (e *SettingsError) Unwrap() []error { return []error{ErrInvalidSettings, e.Err} }

// Message explains the problem to the person editing the settings, in lang
// ("fi", "sv" or "en"; anything else gives English), for a host app to show
// next to the field.
func (e *SettingsError) Message(lang string) string {
	var ae *address.Error
	if errors.As(e.Err, &ae) && e.Value != "" {
		return i18n.Text(lang, "distribution.settings.address", e.Value, ae.Reason.Message(lang))
	}
	switch e.Field {
	case "": // not a SettingsError made by this package
		return i18n.Text(lang, "distribution.settings.invalid")
	case "From":
		return i18n.Text(lang, "distribution.settings.from", e.Value)
	case "Precedence":
		return i18n.Text(lang, "distribution.settings.precedence", e.Value)
	case "Language":
		return i18n.Text(lang, "distribution.settings.language", e.Value)
	case "CustomerNumberKinds":
		return i18n.Text(lang, "distribution.settings.customer-number-kinds", e.Value)
	case "Directory":
		return i18n.Text(lang, "distribution.settings.directory", e.Value)
	case "InvoiceImage":
		return i18n.Text(lang, "distribution.settings.invoice-image", e.Value)
	case "Operator":
		return i18n.Text(lang, "distribution.settings.operator", e.Value)
	}
	return i18n.Text(lang, "distribution.settings.other", e.Field, e.Value)
}

// Validate reports the first setting that cannot be used, as a
// [*SettingsError]. Only From is required, and only when distribution is
// enabled.
func (s Settings) Validate() error {
	bad := func(field, value string, err error) error {
		return &SettingsError{Field: field, Value: value, Err: err}
	}
	if s.Enabled || s.From != "" {
		if _, err := address.Parse(s.From); err != nil {
			return bad("From", s.From, err)
		}
	}
	if s.ReplyTo != "" {
		if _, err := address.Parse(s.ReplyTo); err != nil {
			return bad("ReplyTo", s.ReplyTo, err)
		}
	}
	switch s.Precedence {
	case "", DocumentFirst, DirectoryFirst, Both:
	default:
		return bad("Precedence", string(s.Precedence), errors.New(`use "document", "directory" or "both"`))
	}
	if s.Language != "" && !slices.Contains(Languages(), s.Language) {
		return bad("Language", s.Language, errors.New(`use "fi", "sv" or "en"`))
	}
	switch s.InvoiceImage {
	case "", InvoiceImageOn, InvoiceImageOff:
	default:
		return bad("InvoiceImage", string(s.InvoiceImage), errors.New(`use "on" or "off"`))
	}
	if n := utf8.RuneCountInString(s.Operator); n > maxOperator || strings.ContainsFunc(s.Operator, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
		return bad("Operator", s.Operator, fmt.Errorf("use a name of at most %d characters on one line", maxOperator))
	}
	if s.ScanMaxSize < 0 {
		return bad("ScanMaxSize", fmt.Sprint(s.ScanMaxSize), errors.New("use 0 for the default or a size in bytes"))
	}
	for _, k := range s.CustomerNumberKinds {
		if !k.Known() {
			return bad("CustomerNumberKinds", string(k), errors.New("unknown identifier kind"))
		}
	}
	return nil
}

// maxOperator is the longest Settings.Operator, in characters.
const maxOperator = 100

// imageOn reports whether invoice images are rendered.
func (s Settings) imageOn() bool { return s.InvoiceImage != InvoiceImageOff }

// operator returns the name the e-mail gives the sender: Operator, or the
// domain of From.
func (s Settings) operator() string {
	if name := cleanName(s.Operator); name != "" {
		return name
	}
	return s.From[strings.LastIndexByte(s.From, '@')+1:]
}

// precedence returns the effective precedence.
func (s Settings) precedence() Precedence {
	if s.Precedence == "" {
		return DocumentFirst
	}
	return s.Precedence
}

// language returns the shipped language of the first candidate that names
// one ("fi-FI", "FI" and "fin" are Finnish, "sv-FI" and "sv_SE" Swedish:
// the library's one language matcher decides), or the company's default.
func (s Settings) language(candidates ...string) string {
	if l, ok := i18n.First(candidates...); ok {
		return l
	}
	if s.Language != "" {
		return s.Language
	}
	return DefaultLanguage
}
