package transport

import (
	"bytes"
	"cmp"
	"time"
)

// ComposeOptions configures [Compose]. A nil *ComposeOptions means the
// defaults.
type ComposeOptions struct {
	// SMTPUTF8 allows addresses whose local part is not ASCII (RFC 6531).
	// The message then carries them as UTF-8 (RFC 6532) and
	// [Composed.SMTPUTF8] is set: it can only go to a server that offers
	// SMTPUTF8. Without it such an address is a [*HeaderError] wrapping
	// [address.ErrNeedsSMTPUTF8].
	SMTPUTF8 bool
	// Bcc writes a Bcc header field listing the Bcc recipients: for files
	// and drafts, never for a message handed to a mail server.
	Bcc bool
}

// Composed is a [Message] written as an RFC 5322 / MIME message, with its
// envelope.
type Composed struct {
	MessageID string // the Message-ID written, without angle brackets
	From      string // envelope sender in wire form (A-label domain)
	// Recipients are the distinct recipients (see [address.Equal]) of To,
	// Cc and Bcc in that
	// order, as [address.Parse] returns them; RcptTo holds the same
	// recipients in wire form (A-label domains), for RCPT TO.
	Recipients []string
	RcptTo     []string
	// SMTPUTF8 is set when an address has a non-ASCII local part: the
	// message can only go through a server that offers SMTPUTF8.
	SMTPUTF8 bool
	// EnvelopeID, when set, asks for delivery status notifications (RFC
	// 3461) where the server offers DSN: MAIL carries RET=HDRS and
	// ENVID=<EnvelopeID>, each RCPT NOTIFY=FAILURE,DELAY and its ORCPT, so
	// a report names what was sent. The outbox sets it; Compose does not.
	EnvelopeID string
	// Data is the message: CRLF line ends only (no bare CR or LF), no line
	// over 998 octets, ending with CRLF. It is not dot-stuffed.
	Data []byte
}

// Receipt returns a receipt giving every recipient of c the result res
// (with Address set): a helper for transports that deliver or fail a
// message as a whole.
func (c *Composed) Receipt(res RecipientResult) *Receipt {
	r := &Receipt{MessageID: c.MessageID, Recipients: make([]RecipientResult, len(c.Recipients))}
	for i, a := range c.Recipients {
		res.Address = a
		r.Recipients[i] = res
	}
	return r
}

// Compose validates m and writes it as a MIME message: RFC 5322 headers
// with RFC 2047 encoded-words for non-ASCII text, folded to 78 octets where
// practical and never over 998; a quoted-printable text part, an HTML
// alternative in multipart/alternative when m.HTML is set, and base64
// attachments (lines of 76) with RFC 2231 file names (plus RFC 2047 for old
// mail programs) in multipart/mixed. Addresses are checked with
// [address.Parse]; internationalised domains are written as A-labels.
//
// Compose does not modify m. A message without recipients (or a nil m)
// gives [ErrNoRecipients]; a field that cannot be written safely (control
// characters, invalid UTF-8, over-long values, invalid addresses, header
// names or Message-ID) gives a [*HeaderError]: header injection is
// impossible through any field. When m.MessageID is empty a random one is
// generated with the sender's domain; when m.Date is zero the current time
// is used. The MIME boundaries derive from the Message-ID, so the same
// message with the same Message-ID and Date composes to the same bytes.
func Compose(m *Message, opts *ComposeOptions) (*Composed, error) {
	c, err := check(m, opts)
	if err != nil {
		return nil, err
	}
	c.write(m)
	e := c.envelope()
	e.Data = c.buf.Bytes()
	return e, nil
}

// Envelope checks m exactly as [Compose] does and returns what Compose
// would, without writing the message: Data is nil. It is for transports
// and test doubles that need the Message-ID and the recipients but not the
// bytes.
func Envelope(m *Message, opts *ComposeOptions) (*Composed, error) {
	c, err := check(m, opts)
	if err != nil {
		return nil, err
	}
	return c.envelope(), nil
}

// check returns a composer that has checked m.
func check(m *Message, opts *ComposeOptions) (*composer, error) {
	if opts == nil {
		opts = &ComposeOptions{}
	}
	c := &composer{opts: opts, seen: make(map[string]bool)}
	if err := c.check(m); err != nil {
		return nil, err
	}
	return c, nil
}

// envelope returns the envelope of the checked message.
func (c *composer) envelope() *Composed {
	return &Composed{
		MessageID:  c.id,
		From:       cmp.Or(c.envFrom, c.from.wire),
		Recipients: c.rcpt,
		RcptTo:     c.rcptWire,
		SMTPUTF8:   c.utf8,
	}
}

// addr is a checked address: its display name and wire form.
type addr struct{ name, wire string }

// composer checks a Message and writes it; one per Compose call.
type composer struct {
	opts *ComposeOptions

	from                 addr
	envFrom              string // the envelope sender's wire form, "" for from's
	replyTo, to, cc, bcc []addr
	rcpt, rcptWire       []string
	seen                 map[string]bool
	utf8                 bool
	id                   string
	date                 time.Time
	headerNames          []string
	contentTypes         []string // per attachment, with parameters
	buf                  bytes.Buffer
	line                 int  // length of the header line being written
	lineHasToken         bool // the line holds a token after the field name
}
