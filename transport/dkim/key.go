package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// MinRSABits is the smallest RSA key accepted: RFC 8301 requires
// verifiers to accept 1024-bit keys, but the large mailbox providers treat
// shorter than 2048 bits as weak.
const MinRSABits = 2048

// The reasons of a [*KeyError], matched with errors.Is.
var (
	// ErrKeyMissing: no private key where one was expected (no file, an
	// empty file, no PEM private key block).
	ErrKeyMissing = errors.New("dkim: no private key")
	// ErrKeyWeak: an RSA key shorter than [MinRSABits].
	ErrKeyWeak = errors.New("dkim: RSA key too short")
	// ErrKeyUnsupported: a key that is neither RSA nor Ed25519, an
	// encrypted PEM, or a block that does not parse as its type says.
	ErrKeyUnsupported = errors.New("dkim: unsupported private key")
	// ErrKeyMismatch: the private key does not belong to the public key
	// next to it (in the PEM file, or in the DNS record checked with
	// [CheckRecord]).
	ErrKeyMismatch = errors.New("dkim: private key does not match the public key")
)

// KeyError says which signing key is unusable and why. Reason is one of
// [ErrKeyMissing], [ErrKeyWeak], [ErrKeyUnsupported] and [ErrKeyMismatch];
// errors.Is matches it and Err.
type KeyError struct {
	Source   string // where the key came from: a file name, or "" for bytes
	Domain   string // the signing domain, when known
	Selector string // the selector, when known
	Reason   error  // ErrKeyMissing, ErrKeyWeak, ErrKeyUnsupported or ErrKeyMismatch
	Bits     int    // the RSA key size, for ErrKeyWeak
	Err      error  // the underlying cause, if any
}

// Error says which key, what is wrong, and what to do.
func (e *KeyError) Error() string {
	var b strings.Builder
	b.WriteString("dkim: signing key")
	if e.Domain != "" || e.Selector != "" {
		fmt.Fprintf(&b, " %s._domainkey.%s", e.Selector, e.Domain)
	}
	if e.Source != "" {
		fmt.Fprintf(&b, " from %q", e.Source)
	}
	switch {
	case errors.Is(e.Reason, ErrKeyMissing):
		b.WriteString(": no PEM private key found; give a PKCS#1 or PKCS#8 RSA key or a PKCS#8 Ed25519 key (jakelu dkim-keygen writes one)")
	case errors.Is(e.Reason, ErrKeyWeak):
		fmt.Fprintf(&b, ": the RSA key has %d bits, at least %d are needed; generate a new key and publish its record", e.Bits, MinRSABits)
	case errors.Is(e.Reason, ErrKeyUnsupported):
		b.WriteString(": unsupported key; use an unencrypted RSA (2048 bits and up) or Ed25519 private key in PEM")
	case errors.Is(e.Reason, ErrKeyMismatch):
		b.WriteString(": the private key does not match the public key published for it; publish the record of this key, or use the key of the published record")
	default:
		b.WriteString(": unusable")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Reason and Err.
func (e *KeyError) Unwrap() []error {
	var out []error
	if e.Reason != nil {
		out = append(out, e.Reason)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// ParseKey reads a PEM private key: PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY") RSA of at least [MinRSABits] bits, or PKCS#8 Ed25519.
// A "PUBLIC KEY" block in the same data must belong to the private key.
// Errors are [*KeyError]s with an empty Source.
func ParseKey(data []byte) (crypto.Signer, error) {
	var key crypto.Signer
	var pubs []crypto.PublicKey
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if _, enc := block.Headers["Proc-Type"]; enc || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, &KeyError{Reason: ErrKeyUnsupported, Err: errors.New("the PEM key is encrypted; decrypt it first (openssl pkey -in FILE -out PLAIN)")}
		}
		switch block.Type {
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			if key != nil {
				return nil, &KeyError{Reason: ErrKeyUnsupported, Err: errors.New("more than one private key; give one key per file")}
			}
			k, err := parsePrivate(block)
			if err != nil {
				return nil, err
			}
			key = k
		case "PUBLIC KEY":
			p, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("PUBLIC KEY block: %w", err)}
			}
			pubs = append(pubs, p)
		case "EC PRIVATE KEY":
			return nil, &KeyError{Reason: ErrKeyUnsupported, Err: errors.New("an EC (ECDSA) key; DKIM signs with RSA or Ed25519")}
		}
	}
	if key == nil {
		return nil, &KeyError{Reason: ErrKeyMissing}
	}
	if err := checkSigner(key); err != nil {
		return nil, err
	}
	for _, p := range pubs {
		if !samePublic(key.Public(), p) {
			return nil, &KeyError{Reason: ErrKeyMismatch, Err: errors.New("the PUBLIC KEY block in the same data belongs to another key")}
		}
	}
	return key, nil
}

// parsePrivate parses one private key block.
func parsePrivate(block *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	if block.Type == "RSA PRIVATE KEY" {
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	} else {
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("%s block: %w", block.Type, err)}
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		// x509 has precomputed the CRT values (TestParseKey checks it);
		// without them every signature would derive them again (40 % more
		// CPU per message).
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("a %T key; DKIM signs with RSA or Ed25519", k)}
}

// checkSigner checks that s is a usable signing key: RSA of at least
// MinRSABits bits, or Ed25519.
func checkSigner(s crypto.Signer) error {
	if s == nil {
		return &KeyError{Reason: ErrKeyMissing}
	}
	switch p := publicOf(s).(type) {
	case nil:
		return &KeyError{Reason: ErrKeyMissing}
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return &KeyError{Reason: ErrKeyMissing}
		}
		if bits := p.N.BitLen(); bits < MinRSABits {
			return &KeyError{Reason: ErrKeyWeak, Bits: bits}
		}
		return nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("an Ed25519 public key of %d octets", len(p))}
		}
		return nil
	default:
		return &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("a %T key; DKIM signs with RSA or Ed25519", p)}
	}
}

// publicOf returns s.Public(), nil when s is nil or its Public panics.
func publicOf(s crypto.Signer) (p crypto.PublicKey) {
	if s == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			p = nil
		}
	}()
	return s.Public()
}

// samePublic reports whether a and b are the same RSA or Ed25519 key.
func samePublic(a, b crypto.PublicKey) bool {
	switch a := a.(type) {
	case *rsa.PublicKey:
		return a != nil && a.Equal(b)
	case ed25519.PublicKey:
		return a.Equal(b)
	}
	return false
}

// ReadKeyFile reads a PEM private key file as [ParseKey] does; its errors
// are [*KeyError]s with Source set to name ([ErrKeyMissing] also when the
// file does not exist).
func ReadKeyFile(name string) (crypto.Signer, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, &KeyError{Source: name, Reason: ErrKeyMissing, Err: err}
	}
	k, err := ParseKey(data)
	if ke, ok := err.(*KeyError); ok {
		ke.Source = name
	}
	return k, err
}

// GenerateKey returns a new signing key: Ed25519 when ed is set, else RSA
// of [MinRSABits] bits, and its PKCS#8 PEM encoding.
func GenerateKey(ed bool) (crypto.Signer, []byte, error) {
	var k crypto.Signer
	var err error
	if ed {
		_, k, err = ed25519.GenerateKey(rand.Reader)
	} else {
		k, err = rsa.GenerateKey(rand.Reader, MinRSABits)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("dkim: generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, nil, fmt.Errorf("dkim: encoding the key: %w", err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Record returns the DNS TXT record (RFC 6376 section 3.6.1) publishing
// pub, e.g. "v=DKIM1; k=rsa; p=MIIB…", to be published at
// selector._domainkey.domain. pub is an *rsa.PublicKey or an
// ed25519.PublicKey (RFC 8463: p= is the raw 32-octet key).
func Record(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return "", &KeyError{Reason: ErrKeyMissing}
		}
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			return "", &KeyError{Reason: ErrKeyUnsupported, Err: err}
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return "", &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("an Ed25519 public key of %d octets", len(p))}
		}
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(p), nil
	case nil:
		return "", &KeyError{Reason: ErrKeyMissing}
	}
	return "", &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("a %T key; DKIM signs with RSA or Ed25519", pub)}
}

// CheckRecord reports whether the DNS TXT record txt (as published, the
// strings of a multi-string record joined) publishes the public key of
// key: nil when it does, a [*KeyError] with [ErrKeyMismatch] when it
// publishes another key (or a revoked one, "p="), [ErrKeyUnsupported] when
// txt is not a DKIM key record.
func CheckRecord(key crypto.Signer, txt string) error {
	if err := checkSigner(key); err != nil {
		return err
	}
	want, err := Record(publicOf(key))
	if err != nil {
		return err
	}
	tags := parseTags(want)
	got := parseTags(txt)
	if got == nil || got["v"] != "" && got["v"] != "DKIM1" {
		return &KeyError{Reason: ErrKeyUnsupported, Err: fmt.Errorf("the record %q is not a DKIM key record", txt)}
	}
	k := got["k"]
	if k == "" {
		k = "rsa"
	}
	if k != tags["k"] {
		return &KeyError{Reason: ErrKeyMismatch, Err: fmt.Errorf("the record is for a %s key, this is a %s key", k, tags["k"])}
	}
	if got["p"] != tags["p"] {
		return &KeyError{Reason: ErrKeyMismatch}
	}
	return nil
}

// parseTags splits a tag=value list; whitespace inside values (folding in
// DNS records) is dropped. It returns nil for text without any tag.
func parseTags(s string) map[string]string {
	var m map[string]string
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		v = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, v)
		m[strings.TrimSpace(k)] = v
	}
	return m
}
