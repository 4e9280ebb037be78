package transporttest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// client is a raw SMTP conversation with the server.
type client struct {
	t  *testing.T
	tc *textproto.Conn
}

func dial(t *testing.T, srv *transporttest.Server) *client {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, tc: textproto.NewConn(c)}
}

// expect reads a reply and checks its code; it returns the text.
func (c *client) expect(code int) string {
	c.t.Helper()
	got, text, err := c.tc.ReadResponse(0)
	if err != nil && got == 0 {
		c.t.Fatalf("reading a reply (want %d): %v", code, err)
	}
	if got != code {
		c.t.Fatalf("reply %d %q, want %d", got, text, code)
	}
	return text
}

func (c *client) cmd(code int, line string) string {
	c.t.Helper()
	if err := c.tc.PrintfLine("%s", line); err != nil {
		c.t.Fatal(err)
	}
	return c.expect(code)
}

func (c *client) closed() {
	c.t.Helper()
	if _, err := c.tc.ReadLine(); err == nil {
		c.t.Errorf("connection still open, want it closed")
	}
}

// send runs one transaction up to the end of the data.
func (c *client) send(rcpts ...string) {
	c.t.Helper()
	c.cmd(250, "MAIL FROM:<a@example.fi>")
	for _, r := range rcpts {
		c.cmd(250, "RCPT TO:<"+r+">")
	}
	c.cmd(354, "DATA")
	w := c.tc.DotWriter()
	w.Write([]byte("Subject: x\r\n\r\n.line\r\n"))
	w.Close()
}

func respond(verb string, r transporttest.Response) func(transporttest.Command) transporttest.Response {
	return func(c transporttest.Command) transporttest.Response {
		if c.Verb == verb {
			return r
		}
		return transporttest.Response{}
	}
}

func TestServer_Banner(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: respond("CONNECT", transporttest.Response{Code: 554, Enhanced: "5.3.2", Text: "go away"})})
	c := dial(t, srv)
	if text := c.expect(554); text != "5.3.2 go away" {
		t.Errorf("banner text %q", text)
	}
	c.closed()
	if srv.Connections() != 1 {
		t.Errorf("Connections() = %d", srv.Connections())
	}
}

func TestServer_Capabilities(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.StartTLS, Hide: []string{"PIPELINING", "8BITMIME"}, Auth: []string{"PLAIN"}, SMTPUTF8: true, MaxMessageBytes: 1000})
	c := dial(t, srv)
	c.expect(220)
	text := c.cmd(250, "EHLO test")
	for _, want := range []string{"STARTTLS", "AUTH PLAIN", "SMTPUTF8", "SIZE 1000", "ENHANCEDSTATUSCODES"} {
		if !strings.Contains(text, want) {
			t.Errorf("EHLO reply %q lacks %s", text, want)
		}
	}
	for _, hidden := range []string{"PIPELINING", "8BITMIME", "CHUNKING"} {
		if strings.Contains(text, hidden) {
			t.Errorf("EHLO reply %q announces hidden %s", text, hidden)
		}
	}
}

func TestServer_TranscriptAndStore(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
		if c.Verb == "RCPT" && c.Address == "bad@example.com" {
			return transporttest.Response{Code: 550, Enhanced: "5.1.1", Text: "no such user\nreally"}
		}
		return transporttest.Response{}
	}})
	c := dial(t, srv)
	c.expect(220)
	c.cmd(250, "EHLO test")
	c.cmd(250, "MAIL FROM:<a@example.fi>")
	c.cmd(250, "RCPT TO:<ok@example.com>")
	if text := c.cmd(550, "RCPT TO:<bad@example.com>"); text != "5.1.1 no such user\n5.1.1 really" {
		t.Errorf("multi-line reply %q", text)
	}
	c.cmd(354, "DATA")
	w := c.tc.DotWriter()
	w.Write([]byte("Subject: x\r\n\r\n.line\r\n"))
	w.Close()
	c.expect(250)
	msgs := srv.Messages()
	if len(msgs) != 1 || srv.Received() != 1 {
		t.Fatalf("%d messages stored", len(msgs))
	}
	m := msgs[0]
	if m.ID != 1 || m.Conn != 1 || m.From != "a@example.fi" || strings.Join(m.To, ",") != "ok@example.com" || string(m.Data) != "Subject: x\r\n\r\n.line\r\n" {
		t.Errorf("stored %+v", m)
	}
	var verbs []string
	for _, cmd := range srv.Commands() {
		verbs = append(verbs, cmd.Verb)
	}
	if got := strings.Join(verbs, " "); got != "CONNECT EHLO MAIL RCPT RCPT DATA ." {
		t.Errorf("commands %q", got)
	}
}

func TestServer_StoreThenDrop(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: respond(".", transporttest.Response{Drop: true})})
	c := dial(t, srv)
	c.expect(220)
	c.cmd(250, "HELO test")
	c.send("x@example.com")
	c.closed()
	if srv.Received() != 1 {
		t.Errorf("stored %d messages, want 1 before the drop", srv.Received())
	}
}

func TestServer_RefuseFinal(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: respond(".", transporttest.Response{Code: 451, Enhanced: "4.3.0", Text: "later"})})
	c := dial(t, srv)
	c.expect(220)
	c.cmd(250, "HELO test")
	c.send("x@example.com")
	c.expect(451)
	if srv.Received() != 0 {
		t.Errorf("stored %d messages after a 451, want 0", srv.Received())
	}
}

func TestServer_CloseAfterReply(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: respond("MAIL", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "bye", CloseAfter: true})})
	c := dial(t, srv)
	c.expect(220)
	c.cmd(250, "HELO test")
	c.cmd(421, "MAIL FROM:<a@example.fi>")
	c.closed()
}

func TestServer_Certificates(t *testing.T) {
	tests := []struct {
		kind transporttest.CertKind
		want func(error) bool
	}{
		{transporttest.CertValid, func(err error) bool { return err == nil }},
		{transporttest.CertSelfSigned, func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{transporttest.CertWrongName, func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
		{transporttest.CertExpired, func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
	}
	for _, tt := range tests {
		srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.ImplicitTLS, Cert: tt.kind})
		conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"})
		if !tt.want(err) {
			t.Errorf("certificate %d: handshake error %v", tt.kind, err)
		}
		if err == nil {
			c := &client{t: t, tc: textproto.NewConn(conn)}
			c.expect(220)
			c.cmd(250, "EHLO test")
			c.send("x@example.com")
			c.expect(250)
			if m := srv.Messages(); len(m) != 1 || !m[0].TLS {
				t.Errorf("over implicit TLS: stored %+v", m)
			}
			conn.Close()
		}
	}
}

func TestServer_KeepFailedTransaction(t *testing.T) {
	atDot := func(c *client) { c.send("x@example.com"); c.expect(451) }
	atRcpt := func(c *client) {
		c.cmd(250, "MAIL FROM:<a@example.fi>")
		c.cmd(451, "RCPT TO:<refused@example.com>")
	}
	tests := []struct {
		name string
		keep bool
		// first runs the first transaction; the server refuses
		// refused@example.com at RCPT and refused@example.fi at MAIL.
		first func(c *client)
		reset string // the command sent before the next MAIL, "" for none
		mail  int    // the reply the next MAIL must get
		// refuseDot refuses the first message at the dot.
		refuseDot bool
	}{
		{"refused at the dot, kept", true, atDot, "", 503, true},
		{"refused at the dot, RSET", true, atDot, "RSET", 250, true},
		{"refused at the dot, EHLO", true, atDot, "EHLO again", 250, true},
		{"refused at the dot, not kept", false, atDot, "", 250, true},
		{"RCPT refused, kept", true, atRcpt, "", 503, false},
		{"RCPT refused, RSET", true, atRcpt, "RSET", 250, false},
		{"MAIL refused, nothing kept", true, func(c *client) { c.cmd(550, "MAIL FROM:<refused@example.fi>") }, "", 250, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dots atomic.Int32
			srv := transporttest.NewServer(t, &transporttest.Script{KeepFailedTransaction: tt.keep, Respond: func(c transporttest.Command) transporttest.Response {
				switch {
				case c.Verb == "." && dots.Add(1) == 1 && tt.refuseDot,
					c.Verb == "RCPT" && c.Address == "refused@example.com":
					return transporttest.Response{Code: 451, Enhanced: "4.3.0", Text: "later"}
				case c.Verb == "MAIL" && c.Address == "refused@example.fi":
					return transporttest.Response{Code: 550, Enhanced: "5.1.8", Text: "bad sender"}
				}
				return transporttest.Response{}
			}})
			c := dial(t, srv)
			c.expect(220)
			c.cmd(250, "EHLO test")
			tt.first(c)
			if tt.reset != "" {
				c.cmd(250, tt.reset)
			}
			if text := c.cmd(tt.mail, "MAIL FROM:<a@example.fi>"); tt.mail == 503 && text != "5.5.1 Bad sequence of commands" {
				t.Errorf("MAIL refused with %q", text)
			}
			if tt.mail == 503 {
				// Still refused: only RSET (or EHLO) ends the old state.
				c.cmd(503, "MAIL FROM:<a@example.fi>")
				c.cmd(250, "RSET")
				c.cmd(250, "MAIL FROM:<a@example.fi>")
			}
			c.cmd(250, "RCPT TO:<ok@example.com>")
			c.cmd(354, "DATA")
			w := c.tc.DotWriter()
			w.Write([]byte("Subject: y\r\n\r\nbody\r\n"))
			w.Close()
			c.expect(250)
			// A delivered transaction leaves nothing open.
			c.cmd(250, "MAIL FROM:<a@example.fi>")
			if srv.Received() != 1 {
				t.Errorf("stored %d messages, want 1", srv.Received())
			}
		})
	}
}

func TestServer_RefuseFinalAndClose(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: respond(".", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "shutting down", CloseAfter: true})})
	c := dial(t, srv)
	c.expect(220)
	c.cmd(250, "HELO test")
	c.send("x@example.com")
	c.expect(421)
	c.closed()
	if srv.Received() != 0 {
		t.Errorf("stored %d messages after a 421, want 0", srv.Received())
	}
}

func TestServer_RootCAPEM(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.ImplicitTLS})
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(srv.RootCAPEM()) {
		t.Fatalf("RootCAPEM is not a PEM certificate: %q", srv.RootCAPEM())
	}
	conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("handshake with the roots from RootCAPEM: %v", err)
	}
	conn.Close()
}
