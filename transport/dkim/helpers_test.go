package dkim_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	msgdkim "github.com/emersion/go-msgauth/dkim"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/dkim"
)

// testKeys are generated once: an RSA key of 2048 bits, an Ed25519 key.
var testKeys = sync.OnceValues(func() (*rsa.PrivateKey, ed25519.PrivateKey) {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	_, e, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return r, e
})

// key returns a Key of the given kind ("rsa" or "ed25519").
func key(t testing.TB, kind, domain, selector string) dkim.Key {
	t.Helper()
	r, e := testKeys()
	var s crypto.Signer = r
	if kind == "ed25519" {
		s = e
	}
	return dkim.Key{Domain: domain, Selector: selector, Private: s}
}

// records returns the DNS stub's records of keys, by
// "selector._domainkey.domain".
func records(t testing.TB, keys ...dkim.Key) map[string]string {
	t.Helper()
	m := make(map[string]string)
	for _, k := range keys {
		rec, err := dkim.Record(k.Private.Public())
		if err != nil {
			t.Fatal(err)
		}
		m[k.Selector+"._domainkey."+k.Domain] = rec
	}
	return m
}

// verifyGo verifies data with go-msgauth's verifier against the DNS stub
// recs and returns the result of every signature (nil: verified).
func verifyGo(t testing.TB, data []byte, recs map[string]string) []error {
	t.Helper()
	vs, err := msgdkim.VerifyWithOptions(bytes.NewReader(data), &msgdkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if r, ok := recs[strings.TrimSuffix(name, ".")]; ok {
				return []string{r}, nil
			}
			return nil, fmt.Errorf("no record for %s", name)
		},
	})
	if err != nil {
		t.Fatalf("go-msgauth cannot read the message: %v", err)
	}
	out := make([]error, len(vs))
	for i, v := range vs {
		out[i] = v.Err
	}
	return out
}

// python returns an interpreter that has python3-dkim, or skips t.
var python = sync.OnceValue(func() string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import dkim, nacl").Run() == nil {
			return p
		}
	}
	return ""
})

// verifyPython verifies data with python3-dkim against the DNS stub recs:
// true when every signature verified. It skips t when python3-dkim is
// missing.
func verifyPython(t testing.TB, data []byte, recs map[string]string) (bool, string) {
	t.Helper()
	p := python()
	if p == "" {
		t.Skip("python3-dkim is not installed: apt-get install python3-dkim (the .ci/run script does) to verify with an independent implementation")
	}
	j, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), p, "testdata/verify.py", string(j))
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("running python3-dkim: %v", err)
	}
	return err == nil, string(out)
}

// sink is a transport.RawSender that keeps the bytes it is given.
type sink struct {
	mu   sync.Mutex
	data [][]byte
}

func (s *sink) ComposeOptions() transport.ComposeOptions {
	return transport.ComposeOptions{SMTPUTF8: true}
}

func (s *sink) Send(ctx context.Context, msg *transport.Message) (*transport.Receipt, error) {
	c, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true})
	if err != nil {
		return transport.Refuse(msg, err)
	}
	return s.SendComposed(ctx, c)
}

func (s *sink) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	s.mu.Lock()
	s.data = append(s.data, bytes.Clone(c.Data))
	s.mu.Unlock()
	rc := c.Receipt(transport.RecipientResult{Outcome: transport.Delivered, Stage: transport.StageFinal})
	return rc, nil
}

// last returns the last message sent.
func (s *sink) last(t testing.TB) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.data) == 0 {
		t.Fatal("nothing was sent")
	}
	return s.data[len(s.data)-1]
}
