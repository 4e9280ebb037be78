package dkim_test

import (
	"crypto/x509"
	"errors"
	"testing"

	"github.com/jakelu/jakelu/transport/dkim"
)

// FuzzParseKey: any input gives a usable key or a KeyError with a known
// reason, never a panic.
func FuzzParseKey(f *testing.F) {
	r, e := testKeys()
	der, err := x509.MarshalPKCS8PrivateKey(e)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pemOf("PRIVATE KEY", der))
	f.Add(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(r)))
	f.Add(pemOf("PRIVATE KEY", der[:len(der)/2]))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := dkim.ParseKey(data)
		if err != nil {
			var ke *dkim.KeyError
			if k != nil || !errors.As(err, &ke) || !(errors.Is(err, dkim.ErrKeyMissing) || errors.Is(err, dkim.ErrKeyWeak) ||
				errors.Is(err, dkim.ErrKeyUnsupported) || errors.Is(err, dkim.ErrKeyMismatch)) {
				t.Fatalf("ParseKey = %v, %v: want nil and a KeyError with a reason", k, err)
			}
			return
		}
		rec, err := dkim.Record(k.Public())
		if err != nil {
			t.Fatalf("a parsed key has no record: %v", err)
		}
		if err := dkim.CheckRecord(k, rec); err != nil {
			t.Fatalf("a key does not match its own record: %v", err)
		}
	})
}

// FuzzCheckRecord: any record text is accepted or refused with a
// KeyError, never a panic; the key's own record always matches.
func FuzzCheckRecord(f *testing.F) {
	r, _ := testKeys()
	rec, err := dkim.Record(r.Public())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Add("v=DKIM1; k=ed25519; p=")
	f.Add(";;==;v=;")
	f.Fuzz(func(t *testing.T, txt string) {
		err := dkim.CheckRecord(r, txt)
		var ke *dkim.KeyError
		if err != nil && !errors.As(err, &ke) {
			t.Fatalf("CheckRecord(%q) = %v, want a KeyError", txt, err)
		}
		if txt == rec && err != nil {
			t.Fatalf("the key's own record does not match: %v", err)
		}
	})
}
