// Package bounce reads the reports mail servers send back about a message:
// non-delivery reports (bounces), delay warnings, delivery confirmations,
// out-of-office and other automatic replies, and spam complaints.
//
// Parse turns one raw report into a Report: what kind of report it is and,
// per recipient in the report's order, the address, the DSN action and
// status ("5.1.1"), the SMTP reply code, a Reason from a small stable
// vocabulary, whether the failure is Hard (the address or its domain does
// not exist or no longer accepts mail: stop mailing it), and the server's
// own words. It reads RFC 3464 delivery status notifications
// (multipart/report), RFC 3834 automatic replies (an out-of-office is never
// a bounce), RFC 5965 ARF complaints, and the plain-text reports of the
// common servers and providers that send no RFC 3464 part (qmail, Exim,
// Sendmail, Exchange, Gmail, Yahoo, Amazon SES, Japanese carriers and
// others), in any newline convention (LF, CRLF, CR), transfer encoding and
// charset.
//
// VERP builds and verifies the per-recipient envelope senders that let a
// report be matched to what was sent even when the report itself is
// mangled.
package bounce

import (
	"bytes"
	"errors"
	"io"
)

// Kind is what a report is about. The values are stable: they are stored
// and printed (examples/jakelu bounce --json).
type Kind string

// The kinds of report.
const (
	// KindBounce: delivery failed for at least one recipient.
	KindBounce Kind = "bounce"
	// KindDelay: a temporary (4.x.x) failure other than an expiry: the
	// server is still retrying (Action "delayed") or gave up on a
	// temporary error (Action "failed"; the message is lost all the
	// same: read Recipient.Action to know which).
	KindDelay Kind = "delay"
	// KindDelivered: a delivery (or relay) confirmation.
	KindDelivered Kind = "delivered"
	// KindAutoReply: an automatic reply such as an out-of-office (RFC 3834);
	// never a bounce.
	KindAutoReply Kind = "auto-reply"
	// KindComplaint: a recipient marked the message as spam (an RFC 5965
	// ARF feedback report or a provider's complaint notification).
	KindComplaint Kind = "complaint"
	// KindNotBounce: an ordinary message, none of the above.
	KindNotBounce Kind = "not-a-bounce"
)

// Reason says why delivery to a recipient failed (or what else happened
// to it), in a small vocabulary that stays stable.
type Reason string

// The reasons.
const (
	// ReasonUserUnknown: the mailbox does not exist. Hard.
	ReasonUserUnknown Reason = "user-unknown"
	// ReasonHostUnknown: the domain does not exist or has no mail server. Hard.
	ReasonHostUnknown Reason = "host-unknown"
	// ReasonHasMoved: the address has moved and no longer receives mail. Hard.
	ReasonHasMoved Reason = "has-moved"
	// ReasonNotAccepting: the domain accepts no mail at all (null MX). Hard
	// when the failure is permanent.
	ReasonNotAccepting Reason = "not-accepting"
	// ReasonMailboxFull: the mailbox is over its quota.
	ReasonMailboxFull Reason = "mailbox-full"
	// ReasonSuspended: the mailbox exists but is disabled or suspended.
	ReasonSuspended Reason = "suspended"
	// ReasonTooLarge: the message is larger than the server accepts.
	ReasonTooLarge Reason = "too-large"
	// ReasonBlocked: the sending server or its IP address was refused
	// (block list, reputation, missing reverse DNS, too many connections).
	ReasonBlocked Reason = "blocked"
	// ReasonSpam: the content was judged spam or carried a virus.
	ReasonSpam Reason = "spam"
	// ReasonPolicy: refused by a policy: authentication (SPF, DKIM, DMARC),
	// relaying, security, the sender's address, a non-compliant message.
	ReasonPolicy Reason = "policy"
	// ReasonExpired: the sending server gave up after retrying too long.
	ReasonExpired Reason = "expired"
	// ReasonNetwork: a network or DNS failure on the way.
	ReasonNetwork Reason = "network"
	// ReasonSystem: the receiving system failed (disk, configuration, loop).
	ReasonSystem Reason = "system"
	// ReasonOther: a failure the report does not explain in known terms.
	ReasonOther Reason = "other"
	// ReasonDelivered: delivered or relayed (Kind delivered).
	ReasonDelivered Reason = "delivered"
	// ReasonAutoReply: an automatic reply (Kind auto-reply).
	ReasonAutoReply Reason = "auto-reply"
	// ReasonComplaint: a spam complaint (Kind complaint).
	ReasonComplaint Reason = "complaint"
)

// Hard reports whether the reason means the address should no longer be
// mailed, whatever the status class. ReasonNotAccepting is hard only with
// a permanent (5.x.x) status: see Recipient.Hard.
func (r Reason) Hard() bool {
	return r == ReasonUserUnknown || r == ReasonHostUnknown || r == ReasonHasMoved
}

// Recipient is what a report says about one recipient.
type Recipient struct {
	// Address is the recipient's address as the report names it (the
	// final recipient; the original recipient when only that is given).
	Address string `json:"address"`
	// Status is the RFC 3463 status ("5.1.1"); "" when the report gives
	// none and none can be inferred.
	Status string `json:"status"`
	// Code is the SMTP reply code (550); 0 when none.
	Code int `json:"code"`
	// Action is the RFC 3464 action: "failed", "delayed", "delivered",
	// "relayed" or "expanded"; "" for auto-replies and complaints. It is
	// the report's own word when it has one (a DSN), else inferred from
	// the status. "failed" means the reporting server gave up: the
	// message did not arrive, whatever the Kind.
	Action string `json:"action"`
	// Hard is true when the address or its domain does not exist or no
	// longer accepts mail: the addresses to stop mailing. A block, a spam
	// rejection or a full mailbox is never hard.
	Hard bool `json:"hard"`
	// Reason is why, in the package's vocabulary.
	Reason Reason `json:"reason"`
	// Diagnostic is the server's own words (the Diagnostic-Code or the
	// text of a plain-text report), whitespace collapsed.
	Diagnostic string `json:"diagnostic"`
	// Kind is this recipient's kind: a report can fail one recipient and
	// delay another. It follows the status: 2.x.x (or a delivered,
	// relayed or expanded action) is KindDelivered, 4.x.x is KindDelay
	// unless the reason is ReasonExpired, anything else KindBounce. For
	// auto-replies and complaints it is the report's.
	Kind Kind `json:"-"`
}

// Report is one parsed report.
type Report struct {
	// Kind is the report's kind: KindBounce when any recipient failed,
	// else KindDelay when any is delayed, else KindDelivered; or
	// KindAutoReply, KindComplaint or KindNotBounce.
	Kind Kind `json:"kind"`
	// Recipients are in the report's order. Empty for KindNotBounce; for
	// an auto-reply it is the replying address.
	Recipients []Recipient `json:"recipients"`
	// OriginalMessageID is the Message-ID of the message the report is
	// about (from the returned message or headers), without angle
	// brackets; "" when not returned.
	OriginalMessageID string `json:"original_message_id"`
	// EnvelopeID is the RFC 3461 ENVID the message was sent with
	// (Original-Envelope-Id); "" when absent.
	EnvelopeID string `json:"envelope_id"`
	// VERP is the address the report was sent to when it carries a VERP
	// token (a local part with "+"), taken from the report's envelope
	// headers (Delivered-To, X-Original-To, Envelope-To, To) or the
	// returned message's Return-Path; check it with VERP.Verify.
	VERP string `json:"-"`
	// Truncated is true when the report named more recipients than
	// Limits.MaxRecipients: only the first ones are in Recipients.
	Truncated bool `json:"-"`
}

// Limits bounds the work Parse does on one report. The zero value of a
// field means its default.
type Limits struct {
	// MaxBytes is the largest report read (default 16 MiB); a longer one
	// is refused with a *ParseError wrapping ErrTooLarge.
	MaxBytes int64
	// MaxDepth is how deep multiparts are followed (default 16); deeper
	// parts are ignored.
	MaxDepth int
	// MaxParts is how many MIME parts are read in all (default 512); the
	// rest are ignored.
	MaxParts int
	// MaxRecipients is how many recipients are kept (default 1000); the
	// report is then marked Truncated.
	MaxRecipients int
}

// The default limits.
const (
	DefaultMaxBytes      = 16 << 20
	DefaultMaxDepth      = 16
	DefaultMaxParts      = 512
	DefaultMaxRecipients = 1000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxRecipients <= 0 {
		l.MaxRecipients = DefaultMaxRecipients
	}
	return l
}

// Parse reads one raw report (a whole message, headers and body) from r
// with the default Limits. It returns a Report for any readable message,
// KindNotBounce for an ordinary one; an error only when r fails
// (*ParseError wrapping the read error), the message is larger than the
// limit (ErrTooLarge) or empty (ErrEmpty).
func Parse(r io.Reader) (*Report, error) {
	return Limits{}.Parse(r)
}

// Parse is the package's Parse with these limits.
func (l Limits) Parse(r io.Reader) (*Report, error) {
	if r == nil {
		return nil, &ParseError{Err: ErrEmpty}
	}
	l = l.withDefaults()
	var data []byte
	if lr, ok := r.(interface{ Len() int }); ok { // bytes and strings readers, bytes.Buffer
		if int64(lr.Len()) > l.MaxBytes {
			return nil, &ParseError{Err: ErrTooLarge, Limit: l.MaxBytes} // refused unread
		}
		data = make([]byte, 0, lr.Len()+1) // one allocation
	}
	data, err := readAll(data, io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return nil, &ParseError{Err: err}
	}
	if int64(len(data)) > l.MaxBytes {
		return nil, &ParseError{Err: ErrTooLarge, Limit: l.MaxBytes}
	}
	return l.ParseBytes(data)
}

// ParseBytes is Parse over a message already in memory. data is not
// modified or kept.
func (l Limits) ParseBytes(data []byte) (*Report, error) {
	l = l.withDefaults()
	if int64(len(data)) > l.MaxBytes {
		return nil, &ParseError{Err: ErrTooLarge, Limit: l.MaxBytes}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{Err: ErrEmpty}
	}
	data = normalizeNewlines(data)
	s := scanner{limits: l}
	s.scan(data)
	rep := s.report()
	return rep, nil
}

// readAll appends everything r yields to data.
func readAll(data []byte, r io.Reader) ([]byte, error) {
	if cap(data) == 0 {
		data = make([]byte, 0, 8<<10)
	}
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grow
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// normalizeNewlines returns data with CRLF and lone CR turned into LF (a
// copy when any was found).
func normalizeNewlines(data []byte) []byte {
	i := bytes.IndexByte(data, '\r')
	if i < 0 {
		return data
	}
	out := make([]byte, i, len(data))
	copy(out, data[:i])
	for ; i < len(data); i++ {
		c := data[i]
		if c == '\r' {
			out = append(out, '\n')
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// Errors Parse returns, wrapped in a *ParseError.
var (
	// ErrTooLarge: the report is larger than Limits.MaxBytes.
	ErrTooLarge = errors.New("bounce: report too large")
	// ErrEmpty: the input is empty or only whitespace.
	ErrEmpty = errors.New("bounce: empty report")
)

// ParseError is why a report could not be read at all.
type ParseError struct {
	// Err is ErrTooLarge, ErrEmpty or the reader's error.
	Err error
	// Limit is the size limit in bytes, for ErrTooLarge.
	Limit int64
}

// Error says what went wrong and what to do.
func (e *ParseError) Error() string {
	if e == nil || e.Err == nil {
		return "bounce: cannot read the report"
	}
	switch e.Err {
	case ErrTooLarge:
		return "bounce: report larger than " + itoa(e.Limit) + " bytes: a bounce is small; raise Limits.MaxBytes if such reports are real"
	case ErrEmpty:
		return "bounce: empty report: pass the whole message, headers and body"
	}
	return "bounce: reading the report: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Message says what went wrong in the reader's language ("fi", "sv",
// "en"; others get English).
func (e *ParseError) Message(lang string) string {
	if e == nil {
		return text(lang, "bounce.error.read")
	}
	switch e.Err {
	case ErrTooLarge:
		return text(lang, "bounce.error.too-large", e.Limit)
	case ErrEmpty:
		return text(lang, "bounce.error.empty")
	}
	return text(lang, "bounce.error.read")
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
