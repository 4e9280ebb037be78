package transport

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jakelu/jakelu/internal/i18n"
)

// Message is one e-mail to send. Build addresses from [address.Parse] output;
// [Compose] validates every field again and refuses CR, LF, NUL and other
// control characters in any header value.
type Message struct {
	From    mail.Address   // sender; From.Address is required
	ReplyTo []mail.Address // optional Reply-To addresses
	To      []mail.Address // recipients shown in To
	Cc      []mail.Address // recipients shown in Cc
	Bcc     []mail.Address // recipients not shown in any header
	Subject string
	Text    string // plain-text body; any line-break convention
	HTML    string // optional HTML alternative of Text

	Attachments []Attachment
	// Headers are extra header fields, e.g. "X-Jakelu-Document". Names must
	// be RFC 5322 field names and must not repeat the ones the writer sets.
	Headers map[string]string

	// MessageID is the Message-ID without angle brackets
	// ("local@domain"). When set it is used as is, so that a retry of the
	// same message carries the same ID; when empty the writer generates one.
	MessageID string
	// Date is the Date header; zero means the time of writing.
	Date time.Time

	// EnvelopeFrom is the envelope sender (MAIL FROM, where reports such
	// as bounces go) when it differs from From.Address, e.g. an address of
	// a bounce domain; "" means From.Address. It is checked like From
	// and written nowhere in the message. (The outbox's per-recipient VERP
	// senders replace it for each transaction.)
	EnvelopeFrom string `json:",omitempty"` // omitempty keeps stored content hashes of older messages
}

// Attachment is a file attached to a [Message].
type Attachment struct {
	Filename    string // file name shown to the recipient (any Unicode); "" for none
	ContentType string // e.g. "application/pdf"; "" means application/octet-stream
	Data        []byte
}

// Recipients returns To, Cc and Bcc in that order, in one new slice.
func (m *Message) Recipients() []mail.Address {
	out := make([]mail.Address, 0, len(m.To)+len(m.Cc)+len(m.Bcc))
	out = append(out, m.To...)
	out = append(out, m.Cc...)
	return append(out, m.Bcc...)
}

// Clone returns a deep copy of m: changing the copy's slices, map or
// attachment bytes does not change m.
func (m *Message) Clone() *Message {
	c := *m
	c.ReplyTo = cloneSlice(m.ReplyTo)
	c.To = cloneSlice(m.To)
	c.Cc = cloneSlice(m.Cc)
	c.Bcc = cloneSlice(m.Bcc)
	if m.Attachments != nil {
		c.Attachments = make([]Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			a.Data = cloneSlice(a.Data)
			c.Attachments[i] = a
		}
	}
	if m.Headers != nil {
		c.Headers = make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			c.Headers[k] = v
		}
	}
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// Transport sends messages. It is the one method a mail backend implements;
// [SendFunc] adapts a function.
//
// Send delivers msg to every distinct recipient in To, Cc and Bcc and
// always returns a non-nil [Receipt]. The receipt has one result per
// recipient, also when Send returns an error: a rejected recipient does not
// stop delivery to the others, and an accepted recipient is never sent the
// same message twice in one call.
//
// The error is nil only when every recipient was delivered. Otherwise it is
// a [*SendError]: for an invalid message (see [IsInput]) at [StageCompose],
// with no recipient results because nothing was attempted; else the error
// [Receipt.Err] builds from the results.
//
// Send does not modify msg and keeps no reference to it. It honours ctx: a
// context cancelled before sending delivers nothing; one cancelled after the
// message was handed over makes the outcome [Ambiguous]. Implementations
// must be safe for concurrent use.
type Transport interface {
	Send(ctx context.Context, msg *Message) (*Receipt, error)
}

// SendFunc adapts a function to the [Transport] interface.
type SendFunc func(ctx context.Context, msg *Message) (*Receipt, error)

// Send calls f. A nil f delivers nothing: every recipient is [Deferred]
// with [ErrNoTransport].
func (f SendFunc) Send(ctx context.Context, msg *Message) (*Receipt, error) {
	if f == nil {
		c, err := Envelope(msg, &ComposeOptions{SMTPUTF8: true})
		if err != nil {
			return Refuse(msg, err)
		}
		rc := c.Receipt(RecipientResult{Outcome: Deferred, Stage: StageConnect, Err: ErrNoTransport})
		return rc, rc.Err()
	}
	return f(ctx, msg)
}

// Outcome is what happened to one recipient.
type Outcome int

// The outcomes, from best to worst news.
const (
	// Delivered: the server accepted the message for this recipient (a 2xx
	// reply after the final dot); responsibility has passed to it.
	Delivered Outcome = iota + 1
	// Ambiguous: the server may or may not have stored the message (the
	// connection was lost or timed out after the final dot). Retrying may
	// deliver a duplicate; retry with the same Message-ID, or hold for review.
	Ambiguous
	// Deferred: not delivered for now (a 4xx reply, a network error before
	// the message was complete, or a failure of the server or of the
	// connection set-up); retry later.
	Deferred
	// Failed: a permanent failure (5xx); do not retry without a change.
	Failed
)

var outcomeNames = [...]string{"", "delivered", "ambiguous", "deferred", "failed"}

// String returns "delivered", "ambiguous", "deferred" or "failed".
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Receipt reports what a [Transport.Send] did for every recipient.
type Receipt struct {
	MessageID string // the Message-ID sent, without angle brackets
	// Recipients has one result per distinct recipient of the message, in
	// To, Cc, Bcc order; empty when the message was refused as invalid.
	Recipients []RecipientResult
	// Signed lists the signing domains (DKIM d=) of the signatures the
	// message was sent with, in the order of its DKIM-Signature fields;
	// nil when it was sent unsigned (see package transport/dkim).
	Signed []string
}

// RecipientResult is the outcome for one recipient.
type RecipientResult struct {
	Address string  // the recipient address, as [address.Parse] returns it
	Outcome Outcome // what happened
	// Stage is where the outcome was decided: [StageFinal] for a delivered
	// recipient, the stage of the failure otherwise.
	Stage Stage
	// Code and EnhancedCode are the server's reply that decided the
	// outcome (e.g. 550 and "5.1.1"), 0 and "" when there was none.
	Code         int
	EnhancedCode string
	Err          error // nil when Delivered
}

// Err returns nil when every recipient in r was delivered, and otherwise a
// [*SendError] summarising the results: Stage, Code, EnhancedCode and Err of
// the first recipient not delivered, Temporary when any recipient is
// [Deferred], Ambiguous when any is [Ambiguous], Config when any
// result's Err is a [*ConfigError], and every address not delivered.
// Transport implementations return it from Send. A nil Receipt (nothing
// was sent) has no error of its own: nil.
func (r *Receipt) Err() error {
	if r == nil {
		return nil
	}
	var se *SendError
	for _, res := range r.Recipients {
		if res.Outcome == Delivered {
			continue
		}
		if se == nil {
			se = &SendError{Stage: res.Stage, Code: res.Code, EnhancedCode: res.EnhancedCode, Err: res.Err}
		}
		se.Recipients = append(se.Recipients, res.Address)
		se.Config = se.Config || isConfigErr(res.Err)
		se.Temporary = se.Temporary || res.Outcome == Deferred
		se.Ambiguous = se.Ambiguous || res.Outcome == Ambiguous
	}
	if se == nil {
		return nil
	}
	return se
}

// Refuse returns what [Transport.Send] returns for a message that
// [Compose] refused with err: a receipt without recipient results (nothing
// was attempted) and a [*SendError] at [StageCompose] wrapping err.
func Refuse(msg *Message, err error) (*Receipt, error) {
	rc := &Receipt{}
	if msg != nil {
		rc.MessageID = msg.MessageID
	}
	return rc, &SendError{Stage: StageCompose, Err: err}
}

// Stage is the point of sending where a failure happened.
type Stage string

// The stages, in session order. Failures up to [StageAuth] concern the
// server, the network or the configuration, not the message: every other
// message will meet them too, so a caller should pause sending rather than
// retry each message.
const (
	StageCompose  Stage = "compose"  // building the message: an input error, nothing was sent
	StageConnect  Stage = "connect"  // dialling the server
	StageGreeting Stage = "greeting" // the server's banner
	StageHello    Stage = "hello"    // EHLO / HELO
	StageTLS      Stage = "tls"      // STARTTLS or the TLS handshake, certificate checks
	StageAuth     Stage = "auth"     // AUTH
	StageMail     Stage = "mail"     // MAIL FROM, and checks of the message against the server's limits
	StageRcpt     Stage = "rcpt"     // RCPT TO
	StageData     Stage = "data"     // DATA and the message content, or writing it elsewhere
	StageFinal    Stage = "final"    // the reply to the final dot
)

// ErrNoRecipients is returned when a message has no recipient at all.
var ErrNoRecipients = errors.New("transport: message has no recipients")

// ErrNoTransport is the error of a nil transport, or of one not created by
// its package's constructor (such as smtp.Transport{}): nothing is sent and
// every recipient is [Deferred], since the same message can be sent once the
// transport is set up.
var ErrNoTransport = errors.New("transport: no usable transport (nil or not created by its constructor); create it with its package's New")

// SendError is the error [Transport.Send] returns when not every recipient
// was delivered. It says at which stage sending failed, how, and which
// recipients are affected; the [Receipt] has the per-recipient detail.
type SendError struct {
	Stage        Stage
	Code         int    // SMTP reply code, 0 for network and input errors
	EnhancedCode string // RFC 3463 enhanced status code, if any
	// Temporary is true when retrying later may succeed for at least one
	// recipient: the receipt lists those as [Deferred].
	Temporary bool
	// Ambiguous is true when the message may have been stored although no
	// reply confirmed it (failure after the final dot).
	Ambiguous bool
	// Config is true when the failure shows that the sending set-up is
	// wrong rather than the message or the moment: a TLS certificate that
	// does not verify, STARTTLS required but not offered, authentication
	// refused or impossible, a server that cannot be reached when checked
	// before sending. Every message will meet it until someone fixes the
	// configuration (of this side or the server's); the recipients are
	// [Deferred], so no mail is lost. [IsConfig] tests for it.
	Config bool
	// Recipients lists the addresses not delivered.
	Recipients []string
	Err        error // the underlying error
}

// ErrNotDelivered is matched by every [*SendError]: not every recipient
// was delivered.
var ErrNotDelivered = errors.New("transport: not every recipient was delivered")

// ErrConfig is matched by every [*ConfigError]: the sending set-up is
// wrong (see [IsConfig]).
var ErrConfig = errors.New("transport: the sending configuration is wrong")

// ConfigError marks an error as a configuration problem (see
// [SendError.Config]): a backend wraps such a cause in it before putting
// it into a [RecipientResult], and [Receipt.Err] then sets Config. It adds
// nothing to the message and unwraps to Err, so errors.Is and errors.As
// still find the cause.
type ConfigError struct {
	Err error // the cause, e.g. a *tls.CertificateVerificationError
}

// Error returns the cause's message.
func (e *ConfigError) Error() string {
	if e.Err == nil {
		return "transport: configuration error"
	}
	return e.Err.Error()
}

// Unwrap returns [ErrConfig] and the cause.
func (e *ConfigError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrConfig}
	}
	return []error{ErrConfig, e.Err}
}

// IsConfig reports whether err says the sending configuration is wrong (a
// [*SendError] with Config set, or a [*ConfigError] anywhere in its
// chain): the mail was kept (the recipients are [Deferred]), but retrying
// will not help until the configuration or the server's set-up is fixed.
// A caller should stop sending and tell whoever configures it, e.g. "the
// mail server's TLS setup is wrong: …".
func IsConfig(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Config || isConfigErr(err)
}

func isConfigErr(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// IsTemporary reports whether err is a [*SendError] after which retrying
// later may succeed for some recipients (those the receipt lists as
// [Deferred]).
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// IsAmbiguous reports whether err is a [*SendError] after which the message
// may or may not have been delivered to some recipients.
func IsAmbiguous(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Ambiguous
}

// IsInput reports whether err says the message itself is invalid (a
// [*HeaderError], [ErrNoRecipients] or [ErrMalformed], as such or inside a
// [*SendError]): nothing was sent, and only a changed message can succeed.
func IsInput(err error) bool {
	var he *HeaderError
	return errors.As(err, &he) || errors.Is(err, ErrNoRecipients) || errors.Is(err, ErrMalformed)
}

// Error describes the failure: stage, reply, class, recipients and cause.
func (e *SendError) Error() string {
	var b strings.Builder
	if e.Stage == StageCompose {
		b.WriteString("transport: message not sent: it is invalid; fix it, retrying will not help")
	} else {
		b.WriteString("transport: send failed at " + string(e.Stage))
		if e.Code != 0 {
			fmt.Fprintf(&b, " (%d", e.Code)
			if e.EnhancedCode != "" {
				b.WriteString(" " + e.EnhancedCode)
			}
			b.WriteString(")")
		}
		switch {
		case e.Ambiguous:
			b.WriteString(" [ambiguous: the message may have been delivered; retry only with the same Message-ID, or hold for review]")
		case e.Config && e.Temporary:
			b.WriteString(" [configuration: the sending set-up or the server's is wrong; the mail was kept: fix the configuration, then retry]")
		case e.Config:
			b.WriteString(" [configuration: the sending set-up or the server's is wrong: fix the configuration]")
		case e.Temporary:
			b.WriteString(" [temporary: retry the deferred recipients later]")
		default:
			b.WriteString(" [permanent: do not retry without a change]")
		}
		if len(e.Recipients) > 0 {
			fmt.Fprintf(&b, " for %d recipient(s) %q", len(e.Recipients), e.Recipients)
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns [ErrNotDelivered] and the underlying error.
func (e *SendError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrNotDelivered}
	}
	return []error{ErrNotDelivered, e.Err}
}

// Message explains the failure in lang ("fi", "sv" or "en"; anything else
// gives English) for the person who sent the e-mail: whether it will be
// retried, may have been delivered, needs the configuration fixed or was
// refused.
func (e *SendError) Message(lang string) string {
	switch {
	case e.Config:
		return i18n.Text(lang, "transport.send.config")
	case e.Ambiguous:
		return i18n.Text(lang, "transport.send.ambiguous")
	case e.Temporary:
		return i18n.Text(lang, "transport.send.temporary")
	}
	return i18n.Text(lang, "transport.send.refused")
}
