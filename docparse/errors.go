package docparse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
)

// The sentinel errors. Every error Parse and ParseAll return is a
// [*ParseError] that matches exactly one of them with [errors.Is]; its Code
// field holds the code shown in brackets, for logs and machine-readable
// output.
var (
	// ErrEmpty ("empty"): the input is empty or only white space.
	ErrEmpty = errors.New("docparse: input is empty")
	// ErrNotXML ("not-xml"): the input is not well-formed XML (a syntax
	// error, mismatched tags, no root element, text outside the root or an
	// undeclared namespace prefix).
	ErrNotXML = errors.New("docparse: input is not well-formed XML")
	// ErrUnknownFormat ("unknown-format"): the root element is not one of a
	// supported format; the message names the root and its namespace.
	ErrUnknownFormat = errors.New("docparse: unknown document format")
	// ErrMultipleRoots ("multiple-roots"): the input has several root
	// elements outside the Finvoice SOAP-frame layout.
	ErrMultipleRoots = errors.New("docparse: several root elements")
	// ErrTooLarge ("too-large"): the input, or what a PDF's embedded files
	// decompress to, is larger than Options.MaxSize.
	ErrTooLarge = errors.New("docparse: input too large")
	// ErrTooDeep ("too-deep"): elements are nested deeper than
	// Options.MaxDepth.
	ErrTooDeep = errors.New("docparse: elements nested too deep")
	// ErrEntity ("entity"): the input declares or uses an entity other than
	// the five predefined ones. Entities are never resolved.
	ErrEntity = errors.New("docparse: entity declarations and references are not allowed")
	// ErrUnsupportedEncoding ("unsupported-encoding"): the declared character
	// encoding is unknown or contradicts the byte order mark.
	ErrUnsupportedEncoding = errors.New("docparse: unsupported character encoding")
	// ErrNoDocumentNumber ("no-document-number"): the document has no
	// document number (BT-1).
	ErrNoDocumentNumber = errors.New("docparse: document has no document number")
	// ErrNoDocument ("no-document"): the file holds a transmission frame
	// but no document: a Finvoice SOAP frame without a Finvoice, a
	// TEAPPSXML file without an INVOICE.
	ErrNoDocument = errors.New("docparse: file holds a transmission frame but no document")
	// ErrAttachmentMessage ("attachment-message"): the file is a separate
	// attachment message (SFTI ObjectEnvelope, FinvoiceAttachments), not an
	// invoice.
	ErrAttachmentMessage = errors.New("docparse: file is an attachment message, not an invoice")
	// ErrMultipleDocuments ("multiple-documents"): Parse was given a file
	// that holds several documents; ParseAll reads them all.
	ErrMultipleDocuments = errors.New("docparse: file holds several documents")
	// ErrPDFWithoutXML ("pdf-without-xml"): the input is a PDF without an
	// embedded e-invoice XML (not a Factur-X / ZUGFeRD PDF).
	ErrPDFWithoutXML = errors.New("docparse: PDF holds no embedded invoice XML")
	// ErrPDFEncrypted ("pdf-encrypted"): the input is a PDF that needs a
	// password to open, or is encrypted for certificates: its embedded XML
	// cannot be read. A PDF encrypted with an empty user password (one
	// every reader opens without asking) is read.
	ErrPDFEncrypted = errors.New("docparse: PDF is password-protected")
	// ErrOrder ("order"): the input is an Order-X PDF: it carries an
	// order, not an invoice.
	ErrOrder = errors.New("docparse: PDF carries an order, not an invoice")
	// ErrInvalidDocument ("invalid-document"): an extractor found the
	// document unusable for another reason.
	ErrInvalidDocument = errors.New("docparse: invalid document")
)

// Code is a stable, language-neutral code of what docparse reports: the
// Code of a [ParseError] (each matches one ErrXxx sentinel) or of a
// [Warning]. Like importer.Code, its Message method explains it for a
// person.
type Code string

// The codes of parse errors; each matches the sentinel of the same name
// (CodeEmpty matches [ErrEmpty]).
const (
	CodeEmpty               Code = "empty"
	CodeNotXML              Code = "not-xml"
	CodeUnknownFormat       Code = "unknown-format"
	CodeMultipleRoots       Code = "multiple-roots"
	CodeTooLarge            Code = "too-large"
	CodeTooDeep             Code = "too-deep"
	CodeEntity              Code = "entity"
	CodeUnsupportedEncoding Code = "unsupported-encoding"
	CodeNoDocumentNumber    Code = "no-document-number"
	CodeNoDocument          Code = "no-document"
	CodeAttachmentMessage   Code = "attachment-message"
	CodeMultipleDocuments   Code = "multiple-documents"
	CodePDFWithoutXML       Code = "pdf-without-xml"
	CodePDFEncrypted        Code = "pdf-encrypted"
	CodeOrder               Code = "order"
	CodeInvalidDocument     Code = "invalid-document"
)

// The codes of warnings: the document was read, but part of it was
// ignored.
const (
	CodeInvalidEmail           Code = "invalid-email"            // an address that address.Parse refuses; it was ignored
	CodeNotAnEmail             Code = "not-an-email"             // text without an @ where an address was expected; it was ignored
	CodeInvalidCustomerNumber  Code = "invalid-customer-number"  // a customer number a recipient directory would refuse; it was ignored
	CodeInvalidDate            Code = "invalid-date"             // a date that is not a valid date; it was ignored
	CodeInvalidAmount          Code = "invalid-amount"           // an amount that is not a number; it was ignored
	CodeInvalidAttachment      Code = "invalid-attachment"       // an attachment whose content cannot be decoded; it was left out
	CodeAttachmentTypeMismatch Code = "attachment-type-mismatch" // an attachment whose declared type differs from its content
	CodeSuspectEncoding        Code = "suspect-encoding"         // the declared character encoding looks wrong for the bytes
)

// codes maps each error code to its sentinel.
var codes = map[Code]error{
	CodeEmpty:               ErrEmpty,
	CodeNotXML:              ErrNotXML,
	CodeUnknownFormat:       ErrUnknownFormat,
	CodeMultipleRoots:       ErrMultipleRoots,
	CodeTooLarge:            ErrTooLarge,
	CodeTooDeep:             ErrTooDeep,
	CodeEntity:              ErrEntity,
	CodeUnsupportedEncoding: ErrUnsupportedEncoding,
	CodeNoDocumentNumber:    ErrNoDocumentNumber,
	CodeNoDocument:          ErrNoDocument,
	CodeAttachmentMessage:   ErrAttachmentMessage,
	CodeMultipleDocuments:   ErrMultipleDocuments,
	CodePDFWithoutXML:       ErrPDFWithoutXML,
	CodePDFEncrypted:        ErrPDFEncrypted,
	CodeOrder:               ErrOrder,
	CodeInvalidDocument:     ErrInvalidDocument,
}

// ParseError reports why a document could not be parsed: what went wrong
// (Code and Detail), where (Line, Path, Document) and, in Detail, what to do
// about it.
type ParseError struct {
	// Code is a stable, language-neutral code, one of the CodeXxx
	// constants of parse errors (CodeEmpty … CodeInvalidDocument); each
	// matches the ErrXxx sentinel of the same name.
	Code Code
	// Line is the 1-based line of the input the error was found on, or 0
	// when unknown.
	Line int
	// Path is the element path concerned, e.g. "Invoice/ID", or "".
	Path string
	// Document is the 1-based position of the document concerned in a file
	// that holds several, or 0.
	Document int
	// Detail says in English what exactly is wrong and what to do; the
	// Message method gives a shorter explanation in Finnish, Swedish or
	// English for the people who sent the file.
	Detail string
	// Err is the underlying error, e.g. an *xml.SyntaxError, or nil.
	Err error
}

// Error returns "docparse: line L: document D: path: message".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("docparse: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Document > 0 {
		fmt.Fprintf(&b, "document %d: ", e.Document)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Detail)
	return b.String()
}

// Unwrap returns the sentinel matching Code and the underlying error.
func (e *ParseError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if s, ok := codes[e.Code]; ok {
		errs = append(errs, s)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// newError returns a *ParseError with the given code and detail.
func newError(code Code, cause error, format string, args ...any) *ParseError {
	return &ParseError{Code: code, Detail: fmt.Sprintf(format, args...), Err: cause}
}

// Message explains the error in lang ("fi", "sv" or "en"; anything else
// gives English) for the people who sent or upload the file: what is wrong
// and what to do, without the technical detail (which Error and Detail
// give, in English).
func (e *ParseError) Message(lang string) string {
	return e.Code.Message(lang)
}

// Message explains the code of a parse error in lang ("fi", "sv" or "en";
// anything else gives English) for the people who sent or upload the
// file. A code that is not one of a parse error (a warning's, or an
// unknown one) gets the explanation of [CodeInvalidDocument], so a caller
// with an error that is not a [*ParseError] can still say
// CodeInvalidDocument.Message(lang).
func (c Code) Message(lang string) string {
	if key, ok := errorKeys.Key(string(c)); ok {
		return i18n.Text(lang, key)
	}
	return i18n.Text(lang, "docparse.error.invalid-document")
}

// errorKeys are the keys of the error codes' texts, docparse.error.<code>.
var errorKeys = i18n.Prefix("docparse.error.")
