package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// message is a message being signed, with what its signatures share,
// computed once: the relaxed canonical form of its signed header fields
// and the hash of its body.
type message struct {
	hTag    string // the h= tag: SignedHeaders when parse ran
	headers []byte // the signed fields, canonical, in the order of hTag
	bh      string // base64 of the relaxed body's SHA-256
}

// parse splits data into header and body, canonicalizes the signed
// header fields and hashes the body.
func parse(data []byte) (*message, error) {
	fields, body, err := splitMessage(data)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = fieldName(f)
	}
	signed := SignedHeaders
	headers := make([]byte, 0, 1024)
	for j, name := range signed {
		// RFC 6376 §5.4.2: a name listed again signs the field of that
		// name above the one its previous listing signed.
		skip := 0
		for _, prev := range signed[:j] {
			if strings.EqualFold(prev, name) {
				skip++
			}
		}
		for i := len(fields) - 1; i >= 0; i-- {
			if !strings.EqualFold(names[i], name) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			headers = relaxedHeader(headers, fields[i])
			break
		}
	}
	return &message{hTag: "h=" + strings.Join(signed, ":"), headers: headers, bh: base64.StdEncoding.EncodeToString(bodyHash(data[body:]))}, nil
}

// signature returns the DKIM-Signature field of m (CRLF-ended) signed
// with k at now, relaxed/relaxed, covering SignedHeaders; expires, when
// not zero, is its x= tag. k must have passed Check.
func (m *message) signature(k Key, now, expires time.Time) (string, error) {
	var algo string
	var opts crypto.SignerOpts = crypto.SHA256
	switch publicOf(k.Private).(type) {
	case *rsa.PublicKey:
		algo = "rsa-sha256"
	case ed25519.PublicKey:
		algo = "ed25519-sha256"
		opts = crypto.Hash(0) // Ed25519 signs the SHA-256 digest itself (RFC 8463)
	default:
		return "", checkSigner(k.Private)
	}
	tags := []string{"v=1", "a=" + algo, "c=relaxed/relaxed", "d=" + k.Domain, "s=" + k.Selector,
		"t=" + strconv.FormatInt(now.Unix(), 10)}
	if !expires.IsZero() {
		tags = append(tags, "x="+strconv.FormatInt(expires.Unix(), 10))
	}
	tags = append(tags, m.hTag, "bh="+m.bh)

	// The field up to the empty b= tag, folded before a tag that would
	// make its line longer than 78 octets (h= and bh= may still be).
	var f strings.Builder
	f.Grow(1024)
	f.WriteString("DKIM-Signature:")
	line := f.Len()
	for _, t := range tags {
		if line+1+len(t)+1 > 78 && line > len("DKIM-Signature:") {
			f.WriteString("\r\n")
			line = 0
		}
		f.WriteString(" " + t + ";")
		line += len(t) + 2
	}
	f.WriteString("\r\n b=")

	// RFC 6376 §3.7: the hash of the signed header fields, then of this
	// field with an empty b= and without its final CRLF.
	h := sha256.New()
	h.Write(m.headers)
	field := relaxedHeader(make([]byte, 0, f.Len()), f.String())
	h.Write(field[:len(field)-2])
	sig, err := signing.sign(k.Private, h.Sum(nil), opts)
	if err != nil {
		return "", fmt.Errorf("dkim: signing with %s._domainkey.%s: %w", k.Selector, k.Domain, err)
	}
	b := base64.StdEncoding.EncodeToString(sig)
	for len(b) > 72 {
		f.WriteString(b[:72])
		f.WriteString("\r\n ")
		b = b[72:]
	}
	f.WriteString(b)
	f.WriteString("\r\n")
	return f.String(), nil
}

// signatures returns m's DKIM-Signature fields, one per key in the order
// of keys; several keys sign at once.
func (m *message) signatures(keys []Key, expires time.Time) ([]string, error) {
	now := time.Now()
	sigs := make([]string, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys[1:] {
		wg.Go(func() { sigs[i+1], errs[i+1] = m.signature(k, now, expires) })
	}
	sigs[0], errs[0] = m.signature(keys[0], now, expires)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return sigs, nil
}
