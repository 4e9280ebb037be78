package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// deliver sends data to rcpt on the SMTP server at addr with the null
// sender.
func deliver(t *testing.T, addr, rcpt string, data []byte) error {
	t.Helper()
	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("", nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}

// TestBounceEndToEnd: a document goes through the outbox into a server
// that accepts it and then reports the recipient unknown; the report
// comes back through the bounce receiver; the recipient is bounced, the
// address suppressed, the next send of the document is not routed and
// says why; removing the suppression lets it through again.
func TestBounceEndToEnd(t *testing.T) {
	t.Setenv("JAKELU_VERP_KEY", "a-test-key-of-more-than-16-bytes")
	t.Setenv("JAKELU_VERP_DOMAIN", "bounce.example.fi")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "outbox.db")
	if code, out, stderr := jakelu(t, "outbox", "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: exit %d, %s %s", code, out, stderr)
	}
	if code, out, stderr := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL); code != 0 {
		t.Fatalf("send --outbox: exit %d, %s %s", code, out, stderr)
	}
	type status struct {
		ID         int64 `json:"id"`
		State      string
		Recipients []struct {
			Address, State string
		}
	}
	list := func() []status {
		_, out, _ := jakelu(t, "outbox", "list", "--db", dsn, "--json")
		var l []status
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("list: %s (%v)", out, err)
		}
		return l
	}
	rcpt := list()[0].Recipients[0].Address
	srv := transporttest.NewServer(t, &transporttest.Script{Unknown: []string{rcpt}})
	if code, out, stderr := jakelu(t, "outbox", "work", "--db", dsn, "--smtp", srv.Addr(), "--tls", "none", "--until-idle"); code != 0 {
		t.Fatalf("work: exit %d, %s %s", code, out, stderr)
	}
	bounces := srv.Bounces()
	if len(bounces) != 1 || !strings.HasPrefix(bounces[0].To[0], "bounces+") {
		t.Fatalf("server bounces %+v; want one report to the VERP sender", bounces)
	}

	// The receiver.
	v, err := verpFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	o, db, err := openOutbox(t.Context(), dsn, &riveroutbox.Options{VERP: v})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs := newBounceServer(o, v.Domain, 64<<10, io.Discard)
	go rs.Serve(ln)
	t.Cleanup(func() { rs.Close() })
	addr := ln.Addr().String()

	verpAddr := bounces[0].To[0]
	forged := verpAddr[:strings.IndexByte(verpAddr, '@')-2] + "aa" + verpAddr[strings.IndexByte(verpAddr, '@'):]
	for _, bad := range []string{forged, "bounces+999.aaaaaaaaaaaaaaaa@bounce.example.fi", "someone@bounce.example.fi"} {
		var se *gosmtp.SMTPError
		if err := deliver(t, addr, bad, bounces[0].Data); err == nil || !errors.As(err, &se) || se.Code != 550 {
			t.Errorf("RCPT %s: %v; want 550", bad, err)
		}
	}
	if err := deliver(t, addr, verpAddr, []byte(strings.Repeat("x", 100<<10))); err == nil {
		t.Errorf("a 100 KB report was accepted by a 64 KB receiver")
	}
	if l := list(); l[0].State != "delivered" {
		t.Fatalf("before the report: %+v", l)
	}
	if err := deliver(t, addr, verpAddr, bounces[0].Data); err != nil {
		t.Fatalf("report: %v", err)
	}
	if l := list(); l[0].State != "bounced" || l[0].Recipients[0].State != "bounced" {
		t.Fatalf("after the report: %+v; want bounced", l)
	}
	tenant := exampleCompany(t, dsn)
	if _, out, _ := jakelu(t, "suppress", "list", "--db", dsn, "--tenant", tenant); !strings.Contains(out, rcpt) || !strings.Contains(out, "user unknown") {
		t.Fatalf("suppress list: %s", out)
	}

	// The next send leaves the address out and says why.
	code, out, _ := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL)
	if code == 0 || !strings.Contains(out, `"outcome":"not-routed"`) || !strings.Contains(out, "user unknown") || !strings.Contains(out, rcpt) {
		t.Fatalf("send to a suppressed address: exit %d, %s", code, out)
	}
	if code, _, stderr := jakelu(t, "suppress", "remove", "--db", dsn, "--tenant", tenant, "--by", "tuki", rcpt); code != 0 {
		t.Fatalf("remove: %s", stderr)
	}
	if code, out, _ := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL); code != 0 || !strings.Contains(out, `"outcome":"queued"`) {
		t.Fatalf("send after removal: exit %d, %s", code, out)
	}
}
