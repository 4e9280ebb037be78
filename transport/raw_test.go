package transport_test

import (
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/smtp"
)

// TestCheckComposed: what Compose writes passes; broken bytes and
// envelopes are refused as input errors saying what is wrong.
func TestCheckComposed(t *testing.T) {
	good, err := transport.Compose(&transport.Message{
		From: mail.Address{Address: "billing@example.fi"}, To: []mail.Address{{Address: "buyer@example.com"}},
		Subject: "x", Text: "hello\n" + strings.Repeat("y", 3000),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(c *transport.Composed)) *transport.Composed {
		c := *good
		c.Data = append([]byte(nil), good.Data...)
		f(&c)
		return &c
	}
	tests := []struct {
		name string
		c    *transport.Composed
		want error
		says string
	}{
		{"composed", good, nil, ""},
		{"signed field added", with(func(c *transport.Composed) { c.Data = append([]byte("DKIM-Signature: v=1;\r\n b=x\r\n"), c.Data...) }), nil, ""},
		{"nil", nil, transport.ErrNoRecipients, ""},
		{"no recipients", with(func(c *transport.Composed) { c.Recipients, c.RcptTo = nil, nil }), transport.ErrNoRecipients, ""},
		{"RcptTo short", with(func(c *transport.Composed) { c.RcptTo = nil }), transport.ErrMalformed, "RcptTo"},
		{"no sender", with(func(c *transport.Composed) { c.From = "" }), transport.ErrMalformed, "sender"},
		{"empty data", with(func(c *transport.Composed) { c.Data = nil }), transport.ErrMalformed, "CRLF"},
		{"no body separator", with(func(c *transport.Composed) { c.Data = []byte("Subject: x\r\n") }), transport.ErrMalformed, "blank line"},
		{"bare LF", with(func(c *transport.Composed) { c.Data = append([]byte("X: y\n"), c.Data...) }), transport.ErrMalformed, "bare LF at octet 4"},
		{"bare CR", with(func(c *transport.Composed) { c.Data = append([]byte("X: y\r"), c.Data...) }), transport.ErrMalformed, "bare CR"},
		{"NUL", with(func(c *transport.Composed) { c.Data = append([]byte("X: \x00\r\n"), c.Data...) }), transport.ErrMalformed, "NUL"},
		{"long line", with(func(c *transport.Composed) { c.Data = append([]byte("X: "+strings.Repeat("a", 996)+"\r\n"), c.Data...) }), transport.ErrMalformed, "998"},
		{"line of 998", with(func(c *transport.Composed) { c.Data = append([]byte("X: "+strings.Repeat("a", 995)+"\r\n"), c.Data...) }), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := transport.CheckComposed(tt.c)
			if !errors.Is(err, tt.want) || tt.want == nil && err != nil {
				t.Fatalf("CheckComposed = %v, want %v", err, tt.want)
			}
			if err != nil && (!transport.IsInput(err) || !strings.Contains(err.Error(), tt.says)) {
				t.Errorf("error %q: want an input error saying %q", err, tt.says)
			}
		})
	}
}

// TestSendComposedRefuses: the smtp and file transports refuse a
// malformed Composed at StageCompose without sending.
func TestSendComposedRefuses(t *testing.T) {
	ft, err := file.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := smtp.New("127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, tr := range map[string]transport.RawSender{"file": ft, "smtp": st} {
		t.Run(name, func(t *testing.T) {
			c := &transport.Composed{MessageID: "a@b", From: "a@b", Recipients: []string{"x@y"}, RcptTo: []string{"x@y"}, Data: []byte("Subject: x\n\nbody\n")}
			rc, err := tr.SendComposed(t.Context(), c)
			var se *transport.SendError
			if !errors.As(err, &se) || se.Stage != transport.StageCompose || !errors.Is(err, transport.ErrMalformed) {
				t.Fatalf("SendComposed = %v, want a SendError at compose with ErrMalformed", err)
			}
			if rc == nil || rc.MessageID != "a@b" || len(rc.Recipients) != 0 {
				t.Errorf("receipt %+v, want the Message-ID and no results", rc)
			}
		})
	}
}
