package dkim_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/dkim"
	"github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// pdf returns n octets of attachment data.
func pdf(n int) []byte {
	unit := []byte("%PDF-1.7 invoice \x00\xff\x10 data\n")
	return bytes.Repeat(unit, n/len(unit)+1)[:n]
}

// messages are the messages every signature test signs.
func messages() map[string]*transport.Message {
	base := func() *transport.Message {
		return &transport.Message{
			From:      mail.Address{Name: "Acme Oy", Address: "billing@example.fi"},
			To:        []mail.Address{{Name: "Buyer", Address: "buyer@example.com"}},
			Subject:   "Invoice 1001",
			Text:      "Hello,\n\nplease find the invoice attached.\n",
			MessageID: "1001.abc@example.fi",
			Date:      time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC),
		}
	}
	plain := base()
	att := base()
	att.Attachments = []transport.Attachment{
		{Filename: "lasku-1001.pdf", ContentType: "application/pdf", Data: pdf(20000)},
		{Filename: "lasku-1001.xml", ContentType: "application/xml", Data: []byte("<Invoice>1001</Invoice>")},
	}
	att.HTML = "<p>Hello</p>"
	intl := base()
	intl.From.Name = "Äänekosken Sähkö Oy"
	intl.To[0].Name = "Jörg Müller"
	intl.Cc = []mail.Address{{Name: "Åsa Ström", Address: "asa@exämple.se"}}
	intl.ReplyTo = []mail.Address{{Name: "Laskutus – Åbo", Address: "laskutus@example.fi"}}
	intl.Subject = "Lasku 1001 – eräpäivä 5.1.2027 ✓ “quoted” 請求書"
	intl.Text = "Hyvä asiakas,\n\nlasku on liitteenä. Maksathan sen eräpäivään mennessä. €\n"
	intl.Headers = map[string]string{"Auto-Submitted": "auto-generated", "X-Jakelu-Document": "1001"}
	long := base()
	long.Subject = strings.Repeat("Very long subject ", 30)
	long.Text = strings.Repeat("x", 5000) + "\n" + strings.Repeat("word ", 2000) + "\n  trailing spaces   \n\n\n"
	long.Headers = map[string]string{"X-Long": strings.Repeat("v", 900)}
	return map[string]*transport.Message{"plain": plain, "attachments": att, "non-ASCII headers": intl, "long lines": long}
}

// TestSignVerifies signs every message with RSA-2048 and Ed25519 keys,
// with one and two signatures, and checks every signature with
// go-msgauth's verifier and with python3-dkim.
func TestSignVerifies(t *testing.T) {
	op := func(kind string) dkim.Key { return key(t, kind, "operator.example", "jakelu") }
	seller := func(kind string) dkim.Key { return key(t, kind, "example.fi", "s2026") }
	signers := []struct {
		name   string
		static dkim.Static
		want   []string // signing domains, in the order of the fields
	}{
		{"rsa", dkim.Static{"example.fi": {seller("rsa")}}, []string{"example.fi"}},
		{"ed25519", dkim.Static{"example.fi": {seller("ed25519")}}, []string{"example.fi"}},
		{"seller rsa and operator ed25519", dkim.Static{"EXAMPLE.fi": {seller("rsa")}, "*": {op("ed25519")}}, []string{"example.fi", "operator.example"}},
		{"operator only, ed25519 and rsa", dkim.Static{"*": {op("ed25519"), key(t, "rsa", "operator.example", "rsa1")}}, []string{"operator.example", "operator.example"}},
	}
	for _, sg := range signers {
		var keys []dkim.Key
		for _, ks := range sg.static {
			keys = append(keys, ks...)
		}
		recs := records(t, keys...)
		for name, msg := range messages() {
			t.Run(sg.name+"/"+name, func(t *testing.T) {
				s := &sink{}
				tr, err := dkim.New(s, sg.static, nil)
				if err != nil {
					t.Fatal(err)
				}
				rc, err := tr.Send(t.Context(), msg)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(rc.Signed, " ") != strings.Join(sg.want, " ") {
					t.Errorf("receipt Signed %q, want %q", rc.Signed, sg.want)
				}
				data := s.last(t)
				if err := transport.CheckComposed(&transport.Composed{From: "a@b", Recipients: []string{"x"}, RcptTo: []string{"x"}, Data: data}); err != nil {
					t.Errorf("signed message is not well-formed: %v", err)
				}
				unsigned, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasSuffix(data, unsigned.Data) {
					t.Error("signing changed the composed message instead of only adding fields at the top")
				}
				errs := verifyGo(t, data, recs)
				if len(errs) != len(sg.want) {
					t.Fatalf("go-msgauth found %d signatures, want %d", len(errs), len(sg.want))
				}
				for i, err := range errs {
					if err != nil {
						t.Errorf("go-msgauth: signature %d does not verify: %v", i, err)
					}
				}
				if ok, out := verifyPython(t, data, recs); !ok || strings.Count(out, "ok") != len(sg.want) {
					t.Errorf("python3-dkim does not verify every signature:\n%s", out)
				}
			})
		}
	}
}

// TestTamperFails changes the body, a signed header or adds a second From
// after signing: both verifiers must then reject the signature, while an
// added unsigned header field leaves it valid.
func TestTamperFails(t *testing.T) {
	for _, kind := range []string{"rsa", "ed25519"} {
		k := key(t, kind, "example.fi", "sel")
		recs := records(t, k)
		s := &sink{}
		tr, err := dkim.New(s, dkim.Static{"example.fi": {k}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Send(t.Context(), messages()["attachments"]); err != nil {
			t.Fatal(err)
		}
		signed := s.last(t)
		tests := []struct {
			name  string
			edit  func(string) string
			valid bool
		}{
			{"unchanged", func(m string) string { return m }, true},
			{"unsigned header added", func(m string) string { return "Received: from relay by mx; Sat, 5 Dec 2026 10:00:01 +0000\r\n" + m }, true},
			{"body changed", func(m string) string { return strings.Replace(m, "please find", "please pay", 1) }, false},
			{"body line added", func(m string) string { return strings.TrimSuffix(m, "\r\n") + "\r\nPS. pay to FI00 1234\r\n" }, false},
			{"subject changed", func(m string) string { return strings.Replace(m, "Subject: Invoice 1001", "Subject: Invoice 1002", 1) }, false},
			{"To changed", func(m string) string { return strings.Replace(m, "buyer@example.com", "thief@example.com", 1) }, false},
			{"second From added", func(m string) string { return "From: Evil <evil@example.net>\r\n" + m }, false},
			{"Cc added", func(m string) string { return "Cc: evil@example.net\r\n" + m }, false},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				data := []byte(tt.edit(string(signed)))
				if tt.valid != (string(data) == string(signed)) && tt.name != "unsigned header added" {
					t.Fatal("the edit did not change the message")
				}
				errs := verifyGo(t, data, recs)
				if len(errs) != 1 {
					t.Fatalf("go-msgauth found %d signatures, want 1", len(errs))
				}
				if (errs[0] == nil) != tt.valid {
					t.Errorf("go-msgauth: verification error %v, want valid=%v", errs[0], tt.valid)
				}
				if ok, out := verifyPython(t, data, recs); ok != tt.valid {
					t.Errorf("python3-dkim: verified=%v, want %v:\n%s", ok, tt.valid, out)
				}
			})
		}
	}
}

// TestWrappedTransports signs through the smtp and file transports: what
// the SMTP server receives and what the file holds verify.
func TestWrappedTransports(t *testing.T) {
	k := key(t, "ed25519", "example.fi", "sel")
	recs := records(t, k)
	signer := dkim.Static{"example.fi": {k}}
	opts := &dkim.Options{Expiry: 30 * 24 * time.Hour}

	srv := transporttest.NewServer(t, nil)
	st, err := smtp.New(srv.Addr(), &smtp.Options{TLS: smtp.NoTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	ft, err := file.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]func() []byte{
		"smtp": func() []byte {
			m := srv.Messages()
			if len(m) != 1 {
				t.Fatalf("server stored %d messages, want 1", len(m))
			}
			return m[0].Data
		},
		"file": func() []byte {
			names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
			if len(names) != 1 {
				t.Fatalf("%d files, want 1", len(names))
			}
			b, err := os.ReadFile(names[0])
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
	for name, next := range map[string]transport.Transport{"smtp": st, "file": ft} {
		t.Run(name, func(t *testing.T) {
			tr, err := dkim.New(next, signer, opts)
			if err != nil {
				t.Fatal(err)
			}
			msg := messages()["non-ASCII headers"]
			msg.Bcc = []mail.Address{{Address: "archive@example.fi"}}
			rc, err := tr.Send(t.Context(), msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(rc.Recipients) != 3 || len(rc.Signed) != 1 {
				t.Errorf("receipt %+v: want 3 recipients (To, Cc, Bcc), 1 signature", rc)
			}
			data := read[name]()
			if !bytes.Contains(data, []byte(" x=")) {
				t.Error("no expiry tag x= although Options.Expiry is set")
			}
			for i, err := range verifyGo(t, data, recs) {
				if err != nil {
					t.Errorf("go-msgauth: signature %d: %v", i, err)
				}
			}
			if ok, out := verifyPython(t, data, recs); !ok {
				t.Errorf("python3-dkim does not verify:\n%s", out)
			}
		})
	}
}

// TestUnsignedPolicy: a From domain without a key is refused (Deferred,
// configuration error) unless AllowUnsigned, and then sent unsigned.
func TestUnsignedPolicy(t *testing.T) {
	keys := dkim.Static{"other.example": {key(t, "rsa", "other.example", "sel")}}
	tests := []struct {
		name  string
		allow bool
	}{{"refused", false}, {"allowed", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			tr, err := dkim.New(s, keys, &dkim.Options{AllowUnsigned: tt.allow})
			if err != nil {
				t.Fatal(err)
			}
			rc, err := tr.Send(t.Context(), messages()["plain"])
			if tt.allow {
				if err != nil || rc.Signed != nil {
					t.Fatalf("Send = %v, Signed %q; want sent unsigned", err, rc.Signed)
				}
				if bytes.Contains(s.last(t), []byte("DKIM-Signature")) {
					t.Error("message signed although there is no key")
				}
				return
			}
			var nk *dkim.NoKeyError
			if !errors.As(err, &nk) || nk.Domain != "example.fi" || !errors.Is(err, dkim.ErrNoKey) || !transport.IsConfig(err) || !transport.IsTemporary(err) {
				t.Fatalf("error %v, want a configuration error with NoKeyError{example.fi}", err)
			}
			if len(rc.Recipients) != 1 || rc.Recipients[0].Outcome != transport.Deferred {
				t.Errorf("recipients %+v, want one Deferred", rc.Recipients)
			}
			if len(s.data) != 0 {
				t.Error("message sent although it has no key")
			}
		})
	}
}

// TestBadKeys: a weak, missing or misnamed key configured in the Signer
// stops sending with a configuration error naming the key.
func TestBadKeys(t *testing.T) {
	weak, err := rsaKey(1024)
	if err != nil {
		t.Fatal(err)
	}
	good := key(t, "rsa", "example.fi", "sel")
	tests := []struct {
		name   string
		key    dkim.Key
		reason error
	}{
		{"weak", dkim.Key{Domain: "example.fi", Selector: "sel", Private: weak}, dkim.ErrKeyWeak},
		{"nil key", dkim.Key{Domain: "example.fi", Selector: "sel"}, dkim.ErrKeyMissing},
		{"bad domain", dkim.Key{Domain: "exa mple.fi", Selector: "sel", Private: good.Private}, dkim.ErrKeyName},
		{"bad selector", dkim.Key{Domain: "example.fi", Selector: "a;b", Private: good.Private}, dkim.ErrKeyName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			tr, err := dkim.New(s, dkim.Static{"example.fi": {tt.key}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tr.Send(t.Context(), messages()["plain"])
			var ke *dkim.KeyError
			if !errors.As(err, &ke) || !errors.Is(err, tt.reason) || !transport.IsConfig(err) {
				t.Fatalf("error %v, want a configuration KeyError with %v", err, tt.reason)
			}
			if ke.Domain != tt.key.Domain || ke.Selector != tt.key.Selector {
				t.Errorf("KeyError names %q/%q, want %q/%q", ke.Domain, ke.Selector, tt.key.Domain, tt.key.Selector)
			}
			if len(s.data) != 0 {
				t.Error("message sent with an unusable key")
			}
		})
	}
}

// TestNew checks New's refusals.
func TestNew(t *testing.T) {
	keys := dkim.Static{}
	tests := []struct {
		name   string
		next   transport.Transport
		signer dkim.Signer
		opts   *dkim.Options
		want   error
	}{
		{"nil transport", nil, keys, nil, dkim.ErrNotRaw},
		{"not raw", transport.SendFunc(func(context.Context, *transport.Message) (*transport.Receipt, error) { return nil, nil }), keys, nil, dkim.ErrNotRaw},
		{"typed nil raw", (*file.Transport)(nil), keys, nil, nil},
		{"nil signer", &sink{}, nil, nil, dkim.ErrNoSigner},
		{"nil options", &sink{}, keys, nil, nil},
		{"short expiry", &sink{}, keys, &dkim.Options{Expiry: time.Hour}, dkim.ErrExpiry},
		{"negative expiry", &sink{}, keys, &dkim.Options{Expiry: -time.Hour}, dkim.ErrExpiry},
		{"minimum expiry", &sink{}, keys, &dkim.Options{Expiry: dkim.MinExpiry}, nil},
		{"signer func", &sink{}, dkim.SignerFunc(nil), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := dkim.New(tt.next, tt.signer, tt.opts)
			if !errors.Is(err, tt.want) || (err == nil) != (tr != nil) {
				t.Errorf("New = %v, %v; want %v", tr, err, tt.want)
			}
		})
	}
}

// TestZeroTransport: a Transport not made by New sends nothing.
func TestZeroTransport(t *testing.T) {
	rc, err := new(dkim.Transport).Send(t.Context(), messages()["plain"])
	if !errors.Is(err, transport.ErrNoTransport) || len(rc.Recipients) != 1 || rc.Recipients[0].Outcome != transport.Deferred {
		t.Errorf("Send = %+v, %v; want Deferred with ErrNoTransport", rc, err)
	}
}

// TestSendComposedLeavesData: SendComposed signs a copy of the caller's
// Data and writes nothing into its array, not even into the room after
// it (Send signs in place the bytes it composed itself).
func TestSendComposedLeavesData(t *testing.T) {
	k := key(t, "ed25519", "example.fi", "sel")
	s := &sink{}
	tr, err := dkim.New(s, dkim.Static{"example.fi": {k}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := transport.Compose(messages()["plain"], &transport.ComposeOptions{SMTPUTF8: true})
	if err != nil {
		t.Fatal(err)
	}
	data := append(make([]byte, 0, len(c.Data)+4096), c.Data...)
	array := data[:cap(data)]
	before := bytes.Clone(array)
	c.Data = data
	if _, err := tr.SendComposed(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(array, before) {
		t.Error("SendComposed wrote into the caller's Data")
	}
	signed := s.last(t)
	if !bytes.HasSuffix(signed, data) {
		t.Error("the signed message does not end with the composed one")
	}
	for i, err := range verifyGo(t, signed, records(t, k)) {
		if err != nil {
			t.Errorf("go-msgauth: signature %d: %v", i, err)
		}
	}
}
