package bounce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
)

// VERP builds and checks VERP envelope senders of the form
// <Local>+<id>.<mac>@<Domain>: one per recipient transaction, so a report
// that comes back to it names the outbox entry (id) even when the report
// itself is mangled, and the mac (an HMAC-SHA256 of id and recipient under
// Key, 80 bits) proves the address was made here for that recipient:
// forged or guessed tokens fail Verify.
//
//	v := bounce.VERP{Key: key, Local: "bounces", Domain: "bounce.example.com"}
//	from, err := v.Address("42", "laskut@asiakas.fi") // bounces+42.<mac>@bounce.example.com
//	id, err := v.Verify(report.VERP, report.Recipients[0].Address) // "42"
type VERP struct {
	// Key is the host's secret HMAC key, at least 16 bytes.
	Key []byte
	// Local is the local part before the "+" ("bounces").
	Local string
	// Domain is the bounce domain, whose mail reaches HandleBounce.
	Domain string
}

// Errors of VERP, wrapped in a *VERPError.
var (
	// ErrVERPConfig: Key shorter than 16 bytes, Local or Domain empty, or
	// an id that is not 1-40 lower-case letters, digits and "-".
	ErrVERPConfig = errors.New("bounce: VERP not configured")
	// ErrNotVERP: the address is not one of this VERP's (other local part
	// or domain, or no token).
	ErrNotVERP = errors.New("bounce: not a VERP address of ours")
	// ErrForged: the token's mac does not match the id and recipient.
	ErrForged = errors.New("bounce: VERP token does not verify")
)

// VERPError is why a VERP address could not be built or verified.
type VERPError struct {
	// Err is ErrVERPConfig, ErrNotVERP or ErrForged.
	Err error
	// Address is the address verified, or the id being encoded.
	Address string
}

// Error says what went wrong and what to do.
func (e *VERPError) Error() string {
	if e == nil || e.Err == nil {
		return "bounce: VERP error"
	}
	switch e.Err {
	case ErrVERPConfig:
		return "bounce: VERP: " + e.Err.Error() + " (" + e.Address + "): set Key (16+ bytes), Local and Domain; ids are 1-40 lower-case letters, digits and '-'"
	case ErrNotVERP:
		return "bounce: VERP: " + quote(e.Address) + " is not <Local>+<id>.<mac>@<Domain>: the report did not come back to a VERP address of ours"
	}
	return "bounce: VERP: the token of " + quote(e.Address) + " does not match its id and recipient: forged, or made with another key"
}

// Unwrap returns Err.
func (e *VERPError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Message says what went wrong in the reader's language ("fi", "sv",
// "en"; others get English).
func (e *VERPError) Message(lang string) string {
	return text(lang, "bounce.error.verp")
}

func quote(s string) string { return `"` + s + `"` }

// macLen is the mac's length in bytes (80 bits, 16 base32 characters).
const macLen = 10

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func (v VERP) ok() bool {
	return len(v.Key) >= 16 && v.Local != "" && v.Domain != "" && !strings.ContainsAny(v.Local, "+@ ") && !strings.ContainsAny(v.Domain, "@ ")
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (v VERP) mac(id, rcpt string) string {
	m := hmac.New(sha256.New, v.Key)
	m.Write([]byte("jakelu-verp\x00"))
	m.Write([]byte(id))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(strings.TrimSpace(rcpt))))
	return b32.EncodeToString(m.Sum(nil)[:macLen])
}

// Address returns the envelope sender for the recipient rcpt of outbox
// entry id. id is 1-40 lower-case letters, digits and "-" (mail servers
// may lower-case local parts); the local part stays within 64 octets.
func (v VERP) Address(id, rcpt string) (string, error) {
	if !v.ok() || !validID(id) || strings.TrimSpace(rcpt) == "" {
		return "", &VERPError{Err: ErrVERPConfig, Address: id}
	}
	local := v.Local + "+" + id + "." + v.mac(id, rcpt)
	if len(local) > 64 {
		return "", &VERPError{Err: ErrVERPConfig, Address: id}
	}
	return local + "@" + v.Domain, nil
}

// Verify checks that addr (Report.VERP) was made by Address for the
// recipient rcpt (the report's recipient) and returns the outbox entry
// id. Case is ignored. Errors are *VERPError wrapping ErrNotVERP or
// ErrForged (or ErrVERPConfig when v is not set up).
func (v VERP) Verify(addr, rcpt string) (string, error) {
	if !v.ok() {
		return "", &VERPError{Err: ErrVERPConfig, Address: addr}
	}
	a := strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(a, '@')
	prefix := strings.ToLower(v.Local) + "+"
	if at < 0 || a[at+1:] != strings.ToLower(v.Domain) || !strings.HasPrefix(a[:at], prefix) {
		return "", &VERPError{Err: ErrNotVERP, Address: addr}
	}
	token := a[len(prefix):at]
	dot := strings.LastIndexByte(token, '.')
	if dot <= 0 || !validID(token[:dot]) || len(token)-dot-1 != b32.EncodedLen(macLen) {
		return "", &VERPError{Err: ErrNotVERP, Address: addr}
	}
	id, mac := token[:dot], token[dot+1:]
	if strings.TrimSpace(rcpt) == "" || !hmac.Equal([]byte(mac), []byte(v.mac(id, rcpt))) {
		return "", &VERPError{Err: ErrForged, Address: addr}
	}
	return id, nil
}
