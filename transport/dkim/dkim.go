package dkim

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// SignedHeaders are the header fields every signature covers (its h=
// tag), in that order: From twice (over-signed, so a second From cannot
// be added), and the fields a verifier and a reader rely on. A field the
// message lacks is still listed, so it cannot be added later either.
var SignedHeaders = []string{
	"From", "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"MIME-Version", "Content-Type", "Auto-Submitted",
}

// MinExpiry is the shortest signature lifetime [Options.Expiry] accepts: a
// message kept by an outbox may be retried days after it was signed, and
// must still verify then.
const MinExpiry = 7 * 24 * time.Hour

// Key is one signing key: the signing domain and selector it is
// published under (at Selector._domainkey.Domain, see [Record]) and the
// private key. An *rsa.PrivateKey should be precomputed
// (rsa.PrivateKey.Precompute, done by [ParseKey], [ReadKeyFile] and
// [GenerateKey]): otherwise each signature derives the CRT values again,
// about 40 % more CPU.
type Key struct {
	Domain   string        // signing domain (d=), an ASCII DNS name (A-labels)
	Selector string        // selector (s=)
	Private  crypto.Signer // *rsa.PrivateKey of 2048 bits and up, or ed25519.PrivateKey
}

// ErrKeyName is the [KeyError.Reason] of a [Key] whose Domain or Selector
// is not a DNS name.
var ErrKeyName = errors.New("dkim: invalid signing domain or selector")

// Check reports whether k can sign: a DNS name as Domain, a selector of
// DNS labels, and a private key [ParseKey] would accept. Errors are
// [*KeyError]s.
func (k Key) Check() error {
	if !dnsName(k.Domain, false) || !strings.Contains(k.Domain, ".") {
		return &KeyError{Domain: k.Domain, Selector: k.Selector, Reason: ErrKeyName, Err: fmt.Errorf("the domain %q is not a DNS name of A-labels (e.g. example.fi)", k.Domain)}
	}
	if !dnsName(k.Selector, true) {
		return &KeyError{Domain: k.Domain, Selector: k.Selector, Reason: ErrKeyName, Err: fmt.Errorf("the selector %q is not a DNS name (letters, digits, '-', '_' and dots)", k.Selector)}
	}
	if err := checkSigner(k.Private); err != nil {
		ke := err.(*KeyError)
		ke.Domain, ke.Selector = k.Domain, k.Selector
		return ke
	}
	return nil
}

// dnsName reports whether s is a dot-separated list of labels of ASCII
// letters, digits and '-' (and '_' when underscore), each 1 to 63 octets.
func dnsName(s string, underscore bool) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || underscore && c == '_') {
				return false
			}
		}
	}
	return true
}

// Signer chooses the keys a message is signed with. A host app implements
// it (e.g. from its database of sellers' delegated keys) or uses
// [Static]. Implementations must be safe for concurrent use.
type Signer interface {
	// Keys returns the keys to sign a message from fromDomain (the From
	// address's domain, lower-case A-labels) with, one signature each;
	// none means the message has no key. An error means the keys cannot
	// be looked up now: the message is not sent and its recipients are
	// Deferred.
	Keys(ctx context.Context, fromDomain string) ([]Key, error)
}

// Static is a [Signer] with a fixed set of keys by From domain. The keys
// under "*" sign every message, after the keys of its own domain: e.g.
// the operator's domain under "*" and a seller's delegated key under the
// seller's domain give that seller's messages two signatures.
type Static map[string][]Key

// Keys returns s[fromDomain] (compared without regard to case) followed
// by s["*"].
func (s Static) Keys(ctx context.Context, fromDomain string) ([]Key, error) {
	var out []Key
	for d, keys := range s {
		if d != "*" && strings.EqualFold(d, fromDomain) {
			out = append(out, keys...)
		}
	}
	return append(out, s["*"]...), nil
}

// ErrNoKey is matched by a [*NoKeyError].
var ErrNoKey = errors.New("dkim: no signing key for the sender's domain")

// NoKeyError is the error of a message whose From domain has no key when
// unsigned messages are not allowed ([Options.AllowUnsigned]). The
// transport puts it, inside a [transport.ConfigError], into every
// recipient's result: Deferred, so the message can be sent once a key is
// configured.
type NoKeyError struct {
	Domain string // the From domain
}

// Error says which domain lacks a key and what to do.
func (e *NoKeyError) Error() string {
	return fmt.Sprintf("dkim: no signing key for the sender's domain %q; configure a key for it (jakelu dkim-keygen makes one), or allow unsigned messages", e.Domain)
}

// Unwrap returns [ErrNoKey].
func (e *NoKeyError) Unwrap() error { return ErrNoKey }

// Sign signs the message data (CRLF line ends, as [transport.Compose]
// writes it) with every key, relaxed/relaxed, covering [SignedHeaders],
// and returns it with one DKIM-Signature field per key at the top, in the
// order of keys. The rest of data is not changed. expires, when not zero,
// is the signatures' expiry (x=); it must be after now. No keys returns a
// copy of data. A key that fails [Key.Check] gives its [*KeyError].
func Sign(data []byte, keys []Key, expires time.Time) ([]byte, error) {
	return sign(data, keys, expires, false)
}

// sign is Sign; when owned, data is the caller's to change and, when its
// array has room for the fields, the signed message is written there
// instead of to a new array (in the SMTP benchmark the copy made signing
// allocate 60 % more per message, and the collector run that much more).
func sign(data []byte, keys []Key, expires time.Time, owned bool) ([]byte, error) {
	for _, k := range keys {
		if err := k.Check(); err != nil {
			return nil, err
		}
	}
	if len(keys) == 0 {
		return append([]byte(nil), data...), nil
	}
	m, err := parse(data)
	if err != nil {
		return nil, err
	}
	sigs, err := m.signatures(keys, expires)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, s := range sigs {
		n += len(s)
	}
	if owned && cap(data)-len(data) >= n {
		out := data[:len(data)+n]
		copy(out[n:], data) // copy moves overlapping octets correctly
		at := 0
		for _, s := range sigs {
			at += copy(out[at:], s)
		}
		return out, nil
	}
	// One allocation for the fields and data; append (unlike make)
	// does not clear the octets it then overwrites.
	return append([]byte(strings.Join(sigs, "")), data...), nil
}

// SignerFunc adapts a function to the [Signer] interface.
type SignerFunc func(ctx context.Context, fromDomain string) ([]Key, error)

// Keys calls f; a nil f gives no keys.
func (f SignerFunc) Keys(ctx context.Context, fromDomain string) ([]Key, error) {
	if f == nil {
		return nil, nil
	}
	return f(ctx, fromDomain)
}

// Options configures a [Transport]. A nil *Options means the defaults.
type Options struct {
	// AllowUnsigned sends a message whose From domain has no key
	// unsigned (its receipt's Signed is nil). Without it such a message
	// is not sent: every recipient is Deferred with a [*NoKeyError]
	// inside a [transport.ConfigError].
	AllowUnsigned bool
	// Expiry, when not zero, gives the signatures an expiry (x=) that
	// long after signing; at least [MinExpiry]. Zero (the default and the
	// advice) sets none, so a message retried late still verifies.
	Expiry time.Duration
}

// The errors of [New].
var (
	// ErrNotRaw: the wrapped transport cannot send composed bytes (it
	// does not implement [transport.RawSender]).
	ErrNotRaw = errors.New("dkim: the wrapped transport cannot send signed bytes (it does not implement transport.RawSender); wrap an smtp or file transport")
	// ErrNoSigner: the Signer is nil.
	ErrNoSigner = errors.New("dkim: no Signer; give the keys, e.g. dkim.Static")
	// ErrExpiry: Options.Expiry is negative or shorter than MinExpiry.
	ErrExpiry = errors.New("dkim: signature expiry too short; an outbox may retry a message for days: use 0 (none) or at least dkim.MinExpiry")
)

// Transport is a [transport.Transport] that signs every message it sends
// and hands the signed bytes to the transport it wraps. Create it with
// [New]; a zero Transport sends nothing (every recipient Deferred with
// [transport.ErrNoTransport]). It is safe for concurrent use when its
// Signer is.
type Transport struct {
	next          transport.RawSender
	signer        Signer
	allowUnsigned bool
	expiry        time.Duration
}

var _ transport.RawSender = (*Transport)(nil)

// New returns a Transport that signs messages with the keys signer gives
// and sends them through next, which must implement [transport.RawSender]
// (smtp.Transport and file.Transport do; so does a Transport of this
// package). Errors: [ErrNotRaw], [ErrNoSigner], [ErrExpiry].
func New(next transport.Transport, signer Signer, opts *Options) (*Transport, error) {
	raw, ok := next.(transport.RawSender)
	if !ok || raw == nil {
		return nil, ErrNotRaw
	}
	if signer == nil {
		return nil, ErrNoSigner
	}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Expiry < 0 || opts.Expiry > 0 && opts.Expiry < MinExpiry {
		return nil, fmt.Errorf("%w (got %v)", ErrExpiry, opts.Expiry)
	}
	return &Transport{next: raw, signer: signer, allowUnsigned: opts.AllowUnsigned, expiry: opts.Expiry}, nil
}

// ComposeOptions returns the options of the wrapped transport; a zero
// Transport's are SMTPUTF8 allowed.
func (t *Transport) ComposeOptions() transport.ComposeOptions {
	if t == nil || t.next == nil {
		return transport.ComposeOptions{SMTPUTF8: true}
	}
	return t.next.ComposeOptions()
}

// Send composes msg as the wrapped transport would, signs it (see
// [Transport.Sign]) and sends it through the wrapped transport; the
// receipt's Signed lists the signing domains.
func (t *Transport) Send(ctx context.Context, msg *transport.Message) (*transport.Receipt, error) {
	opts := t.ComposeOptions()
	c, err := transport.Compose(msg, &opts)
	if err != nil {
		return transport.Refuse(msg, err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return t.sendComposed(ctx, c, true) // the wrapped transport checks the signed bytes
}

// SendComposed signs c (see [Transport.Sign]) and sends it through the
// wrapped transport. A c that [transport.CheckComposed] refuses is refused
// at [transport.StageCompose]; when signing fails nothing is sent and
// every recipient is Deferred at [transport.StageMail] with the error
// (inside a [transport.ConfigError] for a key problem or a missing key).
func (t *Transport) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := transport.CheckComposed(c); err != nil {
		return transport.RefuseComposed(c, err)
	}
	return t.sendComposed(ctx, c, false)
}

// sendComposed is SendComposed without checking c; owned means c.Data
// may be changed (Send composed it).
func (t *Transport) sendComposed(ctx context.Context, c *transport.Composed, owned bool) (*transport.Receipt, error) {
	if t == nil || t.next == nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect,
			Err: fmt.Errorf("dkim: the Transport was not created by New: %w", transport.ErrNoTransport)})
		return rc, rc.Err()
	}
	signed, domains, err := t.sign(ctx, c, owned)
	if err != nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageMail, Err: err})
		return rc, rc.Err()
	}
	rc, err := t.next.SendComposed(ctx, signed)
	if rc != nil {
		rc.Signed = append(rc.Signed, domains...) // a wrapped signer's fields are above ours
	}
	return rc, err
}

// Sign returns a copy of c whose Data carries a DKIM-Signature for each
// key the Signer gives for c's From domain, and the signing domains in
// order. Without keys it returns c itself and no domains when unsigned
// messages are allowed, else a [transport.ConfigError] wrapping a
// [*NoKeyError]. A key that fails [Key.Check] gives a
// [transport.ConfigError] wrapping its [*KeyError]; the Signer's error is
// returned wrapped.
func (t *Transport) Sign(ctx context.Context, c *transport.Composed) (*transport.Composed, []string, error) {
	if err := transport.CheckComposed(c); err != nil {
		return nil, nil, err
	}
	if t == nil || t.signer == nil {
		return nil, nil, fmt.Errorf("dkim: the Transport was not created by New: %w", transport.ErrNoTransport)
	}
	return t.sign(ctx, c, false)
}

// sign is Sign for a c that CheckComposed accepted, t made by New; owned
// means c.Data may be changed.
func (t *Transport) sign(ctx context.Context, c *transport.Composed, owned bool) (*transport.Composed, []string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	domain := c.From[strings.LastIndexByte(c.From, '@')+1:]
	domain = strings.ToLower(domain)
	keys, err := t.signer.Keys(ctx, domain)
	if err != nil {
		return nil, nil, fmt.Errorf("dkim: looking up the signing keys of %q: %w", domain, err)
	}
	if len(keys) == 0 {
		if t.allowUnsigned {
			return c, nil, nil
		}
		return nil, nil, &transport.ConfigError{Err: &NoKeyError{Domain: domain}}
	}
	var exp time.Time
	if t.expiry > 0 {
		exp = time.Now().Add(t.expiry)
	}
	data, err := sign(c.Data, keys, exp, owned)
	if err != nil {
		var ke *KeyError
		if errors.As(err, &ke) {
			return nil, nil, &transport.ConfigError{Err: err}
		}
		return nil, nil, err
	}
	out := *c
	out.Data = data
	domains := make([]string, len(keys))
	for i, k := range keys {
		domains[i] = k.Domain
	}
	return &out, domains, nil
}
