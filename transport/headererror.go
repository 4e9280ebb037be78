package transport

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/transport/address"
)

// MaxHeaderValueLength is the longest header value [Compose] accepts (a
// subject, a display name, a file name, an extra header's value), in octets
// before encoding. It is the RFC 5322 line limit: longer values are almost
// certainly a mistake.
const MaxHeaderValueLength = 998

// HeaderReason says why [Compose] refused a field. The values are stable.
type HeaderReason string

// The reasons a field is refused.
const (
	HeaderMissing            HeaderReason = "missing"              // a required field is empty (From)
	HeaderControlCharacter   HeaderReason = "control-character"    // CR, LF, NUL or another control character
	HeaderInvalidEncoding    HeaderReason = "invalid-encoding"     // not valid UTF-8
	HeaderTooLong            HeaderReason = "too-long"             // over MaxHeaderValueLength octets
	HeaderInvalidAddress     HeaderReason = "invalid-address"      // address.Parse refused it; Err is the *address.Error
	HeaderNeedsSMTPUTF8      HeaderReason = "needs-smtputf8"       // a non-ASCII local part without ComposeOptions.SMTPUTF8
	HeaderInvalidName        HeaderReason = "invalid-field-name"   // an extra header name that is not an RFC 5322 field name
	HeaderReserved           HeaderReason = "reserved-field"       // an extra header the writer sets itself
	HeaderInvalidMessageID   HeaderReason = "invalid-message-id"   // not "local@domain" in RFC 5322 dot-atom form
	HeaderInvalidContentType HeaderReason = "invalid-content-type" // not a "type/subtype" media type
)

var headerReasonText = map[HeaderReason]string{
	HeaderMissing:            "it is required; set it",
	HeaderControlCharacter:   "it contains a line break or another control character; remove it",
	HeaderInvalidEncoding:    "it is not valid UTF-8 text; convert it to UTF-8",
	HeaderTooLong:            fmt.Sprintf("it is longer than %d octets; shorten it", MaxHeaderValueLength),
	HeaderInvalidAddress:     "it is not a valid e-mail address",
	HeaderNeedsSMTPUTF8:      "the part before the @ is not ASCII, which needs a server with SMTPUTF8; use another address or allow SMTPUTF8",
	HeaderInvalidName:        "it is not a header field name (printable ASCII without spaces or colons, at most 76 characters)",
	HeaderReserved:           "the writer sets this header itself; use the Message field instead",
	HeaderInvalidMessageID:   `it is not of the form "local@domain" (without angle brackets, no spaces)`,
	HeaderInvalidContentType: `it is not a media type such as "application/pdf"`,
}

// String returns a short English description of the reason, with what to do.
func (r HeaderReason) String() string {
	if s, ok := headerReasonText[r]; ok {
		return s
	}
	return string(r)
}

// HeaderError reports a field of a [Message] that [Compose] cannot write
// safely: a header value, an address, an attachment's name or type, or a
// body that is not UTF-8. Nothing is written or sent. It unwraps to Err
// (an [*address.Error] or [address.ErrNeedsSMTPUTF8]) when there is one.
type HeaderError struct {
	// Field names the field: "Subject", "From", "To[1]", "Cc[0].Name",
	// "Headers[X-Foo]", "Attachments[0].Filename", "Text", "MessageID".
	Field  string
	Reason HeaderReason
	Value  string // the refused value, shortened to 100 characters
	Err    error  // the underlying error, if any
}

// Error says which field was refused, its value and what to do.
func (e *HeaderError) Error() string {
	s := fmt.Sprintf("transport: cannot write %s %q: %s", e.Field, e.Value, e.Reason)
	if e.Err != nil && e.Reason == HeaderInvalidAddress {
		s += ": " + e.Err.Error()
	}
	return s
}

// ErrInvalidMessage is matched by every [*HeaderError]: a field of the
// Message cannot be written safely, and nothing was written or sent.
var ErrInvalidMessage = errors.New("transport: message cannot be written")

// Unwrap returns [ErrInvalidMessage] and the underlying error, if any.
func (e *HeaderError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidMessage}
	}
	return []error{ErrInvalidMessage, e.Err}
}

// Message explains the refused field in lang ("fi", "sv" or "en"; anything
// else gives English) for the person who set it up: which field, its value
// and what is wrong with it.
func (e *HeaderError) Message(lang string) string {
	reason := e.Reason.Message(lang)
	var ae *address.Error
	if e.Reason == HeaderInvalidAddress && errors.As(e.Err, &ae) {
		reason += ": " + ae.Reason.Message(lang)
	}
	return i18n.Text(lang, "transport.header.error", e.Field, e.Value, reason)
}

// Message describes the reason in lang ("fi", "sv" or "en"; anything else
// gives English). An unknown reason is returned as its code.
func (r HeaderReason) Message(lang string) string {
	switch r {
	case HeaderTooLong:
		return i18n.Text(lang, "transport.header.reason.too-long", MaxHeaderValueLength)
	}
	if key, ok := headerReasonKeys.Key(string(r)); ok {
		return i18n.Text(lang, key)
	}
	return string(r)
}

// headerReasonKeys are the keys of the reasons' texts,
// transport.header.reason.<reason>.
var headerReasonKeys = i18n.Prefix("transport.header.reason.")

func headerErr(field string, r HeaderReason, value string, err error) *HeaderError {
	if utf8.RuneCountInString(value) > 100 {
		value = string([]rune(value)[:100]) + "…"
	}
	return &HeaderError{Field: field, Reason: r, Value: value, Err: err}
}
