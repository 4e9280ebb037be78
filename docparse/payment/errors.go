package payment

import (
	"errors"
	"fmt"
)

// The reasons a value cannot be used for payment. Every error the package
// returns is an [*Error] whose Err is one of them.
var (
	// ErrMissing: the value is empty.
	ErrMissing = errors.New("payment: value missing")
	// ErrSyntax: the value has characters or a length its kind does not
	// allow.
	ErrSyntax = errors.New("payment: malformed value")
	// ErrCheckDigit: the value is well-formed but its check digits are
	// wrong: it was mistyped or made up.
	ErrCheckDigit = errors.New("payment: wrong check digits")
	// ErrUnsupported: the value is valid but the code cannot carry it (a
	// non-Finnish IBAN or a non-euro amount in a Finnish bank barcode, an RF
	// reference with letters in version 5, a negative amount).
	ErrUnsupported = errors.New("payment: value not supported by this code")
)

// Field names the value an [Error] is about.
type Field string

// The fields.
const (
	FieldIBAN      Field = "iban"
	FieldBIC       Field = "bic"
	FieldReference Field = "reference"
	FieldAmount    Field = "amount"
	FieldCurrency  Field = "currency"
	FieldDueDate   Field = "due-date"
	FieldName      Field = "name"
)

// Error says which value cannot be used and why.
type Error struct {
	Field  Field  // the value concerned
	Value  string // the value as given ("" when missing)
	Err    error  // ErrMissing, ErrSyntax, ErrCheckDigit or ErrUnsupported
	Detail string // English detail, e.g. "a Finnish IBAN has 18 characters"
}

// Error returns an English message naming the field, the value and what to do.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	msg := fmt.Sprintf("payment: %s %q: %v", e.Field, e.Value, e.Err)
	if e.Value == "" {
		msg = fmt.Sprintf("payment: %s: %v", e.Field, e.Err)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the reason, for errors.Is.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Message returns the error for a person in lang (fi, sv or en; others
// read English): which value, and that the payment code was left out.
func (e *Error) Message(lang string) string {
	if e == nil {
		return ""
	}
	reason := "reason.syntax"
	switch {
	case errors.Is(e.Err, ErrMissing):
		reason = "reason.missing"
	case errors.Is(e.Err, ErrCheckDigit):
		reason = "reason.check-digit"
	case errors.Is(e.Err, ErrUnsupported):
		reason = "reason.unsupported"
	}
	return fmt.Sprintf(text(lang, "error.format"), text(lang, "field."+string(e.Field)), text(lang, reason))
}

func fail(f Field, value string, err error, detail string) *Error {
	return &Error{Field: f, Value: value, Err: err, Detail: detail}
}
