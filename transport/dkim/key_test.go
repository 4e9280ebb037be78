package dkim_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/dkim"
)

// rsaKey returns a new RSA key of bits bits.
func rsaKey(bits int) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// TestParseKey reads the key formats the issue names and refuses the
// others with the right reason.
func TestParseKey(t *testing.T) {
	r, e := testKeys()
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	pub := func(k any) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("PUBLIC KEY", der)
	}
	weak, err := rsaKey(1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	encrypted := []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n")
	tests := []struct {
		name   string
		data   []byte
		algo   string // "rsa" or "ed25519" when accepted
		reason error
		bits   int
	}{
		{"PKCS#1 RSA", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(r)), "rsa", nil, 0},
		{"PKCS#8 RSA", pemOf("PRIVATE KEY", pkcs8(r)), "rsa", nil, 0},
		{"PKCS#8 Ed25519", pemOf("PRIVATE KEY", pkcs8(e)), "ed25519", nil, 0},
		{"with its public key", append(pemOf("PRIVATE KEY", pkcs8(e)), pub(e.Public())...), "ed25519", nil, 0},
		{"empty", nil, "", dkim.ErrKeyMissing, 0},
		{"not PEM", []byte("hello"), "", dkim.ErrKeyMissing, 0},
		{"public key only", pub(r.Public()), "", dkim.ErrKeyMissing, 0},
		{"weak RSA", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(weak)), "", dkim.ErrKeyWeak, 1024},
		{"EC key", pemOf("EC PRIVATE KEY", ecDER), "", dkim.ErrKeyUnsupported, 0},
		{"EC in PKCS#8", pemOf("PRIVATE KEY", pkcs8(ec)), "", dkim.ErrKeyUnsupported, 0},
		{"encrypted", encrypted, "", dkim.ErrKeyUnsupported, 0},
		{"corrupt", pemOf("PRIVATE KEY", []byte("garbage")), "", dkim.ErrKeyUnsupported, 0},
		{"PKCS#8 under PKCS#1 label", pemOf("RSA PRIVATE KEY", pkcs8(r)), "", dkim.ErrKeyUnsupported, 0},
		{"mismatched public key", append(pemOf("PRIVATE KEY", pkcs8(e)), pub(r.Public())...), "", dkim.ErrKeyMismatch, 0},
		{"two private keys", append(pemOf("PRIVATE KEY", pkcs8(e)), pemOf("PRIVATE KEY", pkcs8(r))...), "", dkim.ErrKeyUnsupported, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := dkim.ParseKey(tt.data)
			if tt.reason == nil {
				if err != nil {
					t.Fatal(err)
				}
				rec, err := dkim.Record(k.Public())
				if err != nil || !strings.Contains(rec, "k="+tt.algo+";") {
					t.Errorf("Record = %q, %v; want a %s record", rec, err, tt.algo)
				}
				// Precomputed once here, not at every signature (which
				// then costs about 40 % more CPU).
				if rk, ok := k.(*rsa.PrivateKey); ok && (rk.Precomputed.Dp == nil || rk.Precomputed.Qinv == nil) {
					t.Error("the RSA key is not precomputed")
				}
				return
			}
			var ke *dkim.KeyError
			if !errors.As(err, &ke) || !errors.Is(err, tt.reason) || ke.Bits != tt.bits {
				t.Fatalf("error %v, want a KeyError with %v (bits %d)", err, tt.reason, tt.bits)
			}
			if k != nil {
				t.Error("a key returned with the error")
			}
		})
	}
}

// TestReadKeyFile: a missing file is ErrKeyMissing naming the file; a
// good file reads.
func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, data, err := dkim.GenerateKey(true)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "k.pem")
	if err := os.WriteFile(good, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dkim.ReadKeyFile(good); err != nil {
		t.Errorf("ReadKeyFile(good) = %v", err)
	}
	missing := filepath.Join(dir, "none.pem")
	_, err = dkim.ReadKeyFile(missing)
	var ke *dkim.KeyError
	if !errors.As(err, &ke) || ke.Source != missing || !errors.Is(err, dkim.ErrKeyMissing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadKeyFile(missing) = %v, want ErrKeyMissing naming the file", err)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("message %q does not name the file", err)
	}
}

// TestCheckRecord compares keys with published records.
func TestCheckRecord(t *testing.T) {
	r, e := testKeys()
	rRec, err := dkim.Record(r.Public())
	if err != nil {
		t.Fatal(err)
	}
	eRec, err := dkim.Record(e.Public())
	if err != nil {
		t.Fatal(err)
	}
	// A record as DNS tools show it: split strings joined, spaces inside p=.
	p := rRec[strings.Index(rRec, "p=")+2:]
	spaced := "v=DKIM1; k=rsa; p=" + p[:100] + " " + p[100:]
	tests := []struct {
		name   string
		record string
		want   error
	}{
		{"rsa", rRec, nil},
		{"rsa split", spaced, nil},
		{"rsa without k=", "v=DKIM1; p=" + p, nil},
		{"other key type", eRec, dkim.ErrKeyMismatch},
		{"revoked", "v=DKIM1; k=rsa; p=", dkim.ErrKeyMismatch},
		{"not DKIM", "v=spf1 -all", dkim.ErrKeyUnsupported},
		{"empty", "", dkim.ErrKeyUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := dkim.CheckRecord(r, tt.record); !errors.Is(err, tt.want) {
				t.Errorf("CheckRecord = %v, want %v", err, tt.want)
			}
		})
	}
	if err := dkim.CheckRecord(e, rRec); !errors.Is(err, dkim.ErrKeyMismatch) {
		t.Errorf("Ed25519 key against an RSA record: %v, want ErrKeyMismatch", err)
	}
}
