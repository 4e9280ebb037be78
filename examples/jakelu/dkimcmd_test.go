package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	msgdkim "github.com/emersion/go-msgauth/dkim"

	"github.com/jakelu/jakelu/transport/dkim"
)

// keygenRecord runs dkim-keygen and returns the key file and the record it
// printed, its strings joined.
func keygenRecord(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "dkim.pem")
	code, stdout, stderr := jakelu(t, append([]string{"dkim-keygen", "--domain", "Example.fi", "--selector", "s1", "--out", key}, extra...)...)
	if code != 0 {
		t.Fatalf("dkim-keygen exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "s1._domainkey.example.fi. IN TXT ( \"v=DKIM1;") {
		t.Fatalf("dkim-keygen printed %q, want the record of s1._domainkey.example.fi", stdout)
	}
	var rec strings.Builder
	for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(stdout, -1) {
		if len(m[1]) > 255 {
			t.Errorf("a TXT string of %d octets, over 255", len(m[1]))
		}
		rec.WriteString(m[1])
	}
	return key, rec.String()
}

// TestDKIMKeygen: the key written matches the record printed; the file is
// private and never overwritten.
func TestDKIMKeygen(t *testing.T) {
	for _, tt := range []struct {
		name  string
		flags []string
		algo  string
	}{{"rsa", nil, "k=rsa"}, {"ed25519", []string{"--ed25519"}, "k=ed25519"}} {
		t.Run(tt.name, func(t *testing.T) {
			key, rec := keygenRecord(t, tt.flags...)
			if !strings.Contains(rec, tt.algo) {
				t.Errorf("record %q, want %s", rec, tt.algo)
			}
			priv, err := dkim.ReadKeyFile(key)
			if err != nil {
				t.Fatal(err)
			}
			if err := dkim.CheckRecord(priv, rec); err != nil {
				t.Errorf("the printed record does not publish the written key: %v", err)
			}
			if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %v, %v; want 0600", fi.Mode(), err)
			}
			before, _ := os.ReadFile(key)
			code, _, stderr := jakelu(t, "dkim-keygen", "--domain", "example.fi", "--selector", "s1", "--out", key)
			after, _ := os.ReadFile(key)
			if code != 1 || !strings.Contains(stderr, "file exists") || !bytes.Equal(before, after) {
				t.Errorf("second keygen into the same file: exit %d, stderr %q; want 1 and the key kept", code, stderr)
			}
		})
	}
}

// TestDKIMKeygen_usage: missing flags and a bad domain are usage errors.
func TestDKIMKeygen_usage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "k.pem")
	for _, args := range [][]string{
		{"--domain", "example.fi", "--selector", "s1"},
		{"--selector", "s1", "--out", out},
		{"--domain", "example.fi", "--out", out},
		{"--domain", "not a domain", "--selector", "s1", "--out", out},
		{"--domain", "example.fi", "--selector", "s1", "--out", out, "extra"},
	} {
		code, _, stderr := jakelu(t, append([]string{"dkim-keygen"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "jakelu dkim-keygen: ") {
			t.Errorf("%q: exit %d, stderr %q; want 2", args, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: a key was written", args)
		}
	}
}

// TestSend_dkim: send --dkim-* signs every .eml; the signatures verify
// against the record dkim-keygen printed.
func TestSend_dkim(t *testing.T) {
	for _, algo := range []string{"rsa", "ed25519"} {
		t.Run(algo, func(t *testing.T) {
			var extra []string
			if algo == "ed25519" {
				extra = []string{"--ed25519"}
			}
			key, rec := keygenRecord(t, extra...)
			out := t.TempDir()
			code, stdout, stderr := jakelu(t, "send", "--json", "--document-address", "--from", "laskutus@example.fi", "--out", out,
				"--dkim-domain", "example.fi", "--dkim-selector", "s1", "--dkim-key", key, exampleUBL)
			if code != 0 {
				t.Fatalf("send exit %d: %s", code, stderr)
			}
			var reports []struct{ Signed []string }
			if err := json.Unmarshal([]byte(stdout), &reports); err != nil || len(reports) != 1 || !slices.Equal(reports[0].Signed, []string{"example.fi"}) {
				t.Errorf("send --json: %v, %q; want one result with \"signed\":[\"example.fi\"]", err, stdout)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*.eml"))
			if len(files) != 1 {
				t.Fatalf("%d .eml files, want 1", len(files))
			}
			raw, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			vs, err := msgdkim.VerifyWithOptions(bytes.NewReader(raw), &msgdkim.VerifyOptions{
				LookupTXT: func(name string) ([]string, error) {
					if name != "s1._domainkey.example.fi" {
						t.Errorf("looked up %q", name)
					}
					return []string{rec}, nil
				},
			})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("verification %v, %+v; want one valid signature", err, vs)
			}
		})
	}
}

// TestSend_dkimConfig: a partial flag set is a usage error, an unusable
// key a configuration error; nothing is sent.
func TestSend_dkimConfig(t *testing.T) {
	dir := t.TempDir()
	notKey := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notKey, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		flags []string
		code  int
		says  string
	}{
		{"no key flag", []string{"--dkim-domain", "example.fi", "--dkim-selector", "s1"}, 2, "give all of --dkim-domain"},
		{"missing key file", []string{"--dkim-domain", "example.fi", "--dkim-selector", "s1", "--dkim-key", filepath.Join(dir, "none.pem")}, 3, "no PEM private key found"},
		{"not a key", []string{"--dkim-domain", "example.fi", "--dkim-selector", "s1", "--dkim-key", notKey}, 3, "no PEM private key found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := jakelu(t, append([]string{"send", "--document-address", "--out", out}, append(tt.flags, exampleUBL)...)...)
			if code != tt.code || !strings.Contains(stderr, tt.says) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.says)
			}
			if files, _ := os.ReadDir(out); len(files) != 0 {
				t.Errorf("%d files written", len(files))
			}
		})
	}
}
