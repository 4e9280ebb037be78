package transporttest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/transport"
)

// TLSMode is how a [Server] offers TLS.
type TLSMode int

// The TLS modes.
const (
	NoTLS       TLSMode = iota // plaintext only; STARTTLS is refused
	StartTLS                   // STARTTLS offered after EHLO
	ImplicitTLS                // TLS from the first byte (like port 465)
)

// Script tells a [Server] how to behave. The zero value is a well-behaved
// ESMTP server without TLS or AUTH that announces PIPELINING, 8BITMIME,
// ENHANCEDSTATUSCODES and SIZE (never CHUNKING: scripts see DATA only).
type Script struct {
	// Respond, if set, is called for the connection before the banner
	// (Verb "CONNECT"), for every command the server reads, and for the
	// end of each message's data (Verb "."), and decides the response; a
	// zero Response means normal behaviour. It is called from the
	// connection's goroutine and must be safe for concurrent use.
	Respond func(Command) Response

	TLS  TLSMode  // how TLS is offered; NoTLS by default
	Cert CertKind // the certificate presented when TLS is on

	// Hide lists EHLO keywords not to announce: "PIPELINING", "SIZE",
	// "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH", "SMTPUTF8",
	// "DSN", "LIMITS". A hidden STARTTLS is also refused.
	Hide []string

	// Auth lists the AUTH mechanisms offered ("PLAIN", "LOGIN"), which
	// accept Username and Password. RequireAuth refuses MAIL with 530
	// before a successful AUTH.
	Auth               []string
	Username, Password string
	RequireAuth        bool

	SMTPUTF8 bool // announce and accept SMTPUTF8
	DSN      bool // announce and accept DSN

	// MaxRecipients answers 452 to RCPTs beyond it in one transaction;
	// MaxMessageBytes announces SIZE and answers 552 to larger messages.
	// Zero means no limit.
	MaxRecipients   int
	MaxMessageBytes int64

	// DataReadDelay waits before the first read of a message's content
	// after the 354 reply (smtp-sink -H), so the client's writes block.
	DataReadDelay time.Duration

	// Discard keeps no message data and no command log, only the count
	// ([Server.Received]): for benchmarks.
	Discard bool

	// KeepFailedTransaction makes the server keep a failed transaction's
	// state, as Mailpit did: a transaction that an accepted MAIL opened
	// stays open until a 2xx reply after its data, RSET, EHLO or HELO, and
	// while it is open every MAIL gets "503 5.5.1 Bad sequence of
	// commands". A client that reuses the connection after a refusal (a
	// 4xx or 5xx reply to RCPT, DATA or the final dot) without RSET meets
	// that 503.
	KeepFailedTransaction bool

	// Unknown lists recipients the server accepts and afterwards reports
	// as unknown, as a relay does: for every stored message to one of
	// them [Server.Bounces] holds an RFC 3464 report ("550 5.1.1 user
	// unknown") addressed to the message's envelope sender.
	Unknown []string
}

// Command is what a [Script.Respond] function decides about.
type Command struct {
	Conn int // the connection, numbered from 1 in accept order
	// Verb is "CONNECT" before the banner, "." at the end of a message's
	// data, and otherwise the command in upper case ("EHLO", "MAIL", …).
	Verb    string
	Arg     string // the rest of the command line, e.g. "TO:<a@example.fi>"
	Address string // for MAIL and RCPT, the address between < and >
}

// Response is a scripted reaction to a [Command]; the zero value is the
// normal behaviour.
type Response struct {
	// Code, Enhanced and Text make a reply sent instead of executing the
	// command (use 4xx and 5xx codes to refuse it). Lines of Text separated
	// by "\n" make a multi-line reply; Enhanced "" sends no enhanced
	// status code. For "CONNECT" the reply replaces the banner and the
	// connection is closed. For "." a 4xx or 5xx code refuses the message,
	// which is then not stored.
	Code     int
	Enhanced string
	Text     string

	Delay time.Duration // wait this long before replying (or dropping)
	// Drop closes the connection instead of replying. For "." the message
	// is stored first: "store, then close before the 250".
	Drop bool
	// Hang never replies, until the client or the server closes the
	// connection. For "." the message is stored first.
	Hang bool
	// CloseAfter closes the connection after the reply (e.g. 421).
	CloseAfter bool
	// DropAfterBytes, for "DATA", closes the connection after reading
	// this many octets of the message content; nothing is stored.
	DropAfterBytes int
}

// Stored is a message the [Server] accepted, as received.
type Stored struct {
	ID   int      // 1, 2, … in the order stored, across connections
	Conn int      // the connection it came on
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO) accepted
	Data []byte   // the message content, dot-unstuffed, with CRLF line ends
	TLS  bool     // whether the connection was encrypted
	User string   // the authenticated user, "" without AUTH
}

// Server is an in-process SMTP server on 127.0.0.1 for tests, built on
// github.com/emersion/go-smtp and driven by a [Script] that injects the
// faults real servers show: refused banners and hangs, per-command and
// per-recipient replies, missing capabilities, bad certificates, delays,
// dropped connections at any stage (including after storing a message but
// before the 250 reply) and recipient and size limits. It records every
// message it stores and every command it reads.
//
// Its methods are safe for concurrent use.
type Server struct {
	script  Script
	pki     *testPKI
	tlsConf *tls.Config
	ln      net.Listener
	smtp    *gosmtp.Server
	ready   chan net.Conn
	done    chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	nconn    int
	open     map[net.Conn]bool // TCP connections not yet closed
	stored   []Stored
	bounces  []Stored // reports about Script.Unknown recipients
	received int
	commands []Command
	closed   bool
}

// NewServer starts a Server on 127.0.0.1 with a random port and closes it
// when the test ends. A nil script means the zero Script.
func NewServer(tb testing.TB, script *Script) *Server {
	tb.Helper()
	s := &Server{ready: make(chan net.Conn), done: make(chan struct{}), open: make(map[net.Conn]bool)}
	if script != nil {
		s.script = *script
	}
	pki, err := newTestPKI(s.script.Cert)
	if err != nil {
		tb.Fatalf("transporttest: generate test certificates: %v", err)
	}
	s.pki = pki
	s.tlsConf = &tls.Config{Certificates: []tls.Certificate{pki.cert}, MinVersion: tls.VersionTLS12}
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		tb.Fatalf("transporttest: listen on 127.0.0.1: %v", err)
	}
	s.smtp = gosmtp.NewServer(gosmtp.BackendFunc(s.newSession))
	s.smtp.Domain = "transporttest.invalid"
	s.smtp.AllowInsecureAuth = true
	s.smtp.MaxRecipients = s.script.MaxRecipients
	s.smtp.MaxMessageBytes = s.script.MaxMessageBytes
	s.smtp.EnableSMTPUTF8 = s.script.SMTPUTF8
	s.smtp.EnableDSN = s.script.DSN
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.smtp.Serve(chanListener{s})
	}()
	go s.accept()
	tb.Cleanup(func() { s.Close() })
	return s
}

// Addr returns the server's address, "127.0.0.1:port", or "" for a Server
// not made by NewServer.
func (s *Server) Addr() string {
	if s == nil || s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// RootCAs returns a pool holding the test CA that issued the server's
// certificate (unless [CertSelfSigned]): put it in the client's
// tls.Config.RootCAs. It is nil for a Server not made by NewServer.
func (s *Server) RootCAs() *x509.CertPool {
	if s == nil || s.pki == nil {
		return nil
	}
	return s.pki.roots
}

// RootCAPEM returns the test CA of [Server.RootCAs] as a PEM file's
// content, for a client that reads its roots from a file (a CA bundle
// flag, SSL_CERT_FILE). It is nil for a Server not made by NewServer.
func (s *Server) RootCAPEM() []byte {
	if s == nil || s.pki == nil {
		return nil
	}
	return slices.Clone(s.pki.caPEM)
}

// Messages returns copies of the messages stored so far, in order.
func (s *Server) Messages() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stored, len(s.stored))
	for i, m := range s.stored {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Received returns the number of messages stored so far, also with
// [Script.Discard].
func (s *Server) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// Commands returns the commands read so far on every connection, in
// order ("CONNECT" and "." included).
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// Connections returns the number of connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconn
}

// Inbox returns the stored messages as [ParseMessage] reads them, with
// Bcc set to the envelope recipients that To and Cc do not name: the
// [Inbox] of an SMTP transport under [Run].
func (s *Server) Inbox() ([]*transport.Message, error) {
	var out []*transport.Message
	for _, st := range s.Messages() {
		m, err := ParseMessage(st.Data)
		if err != nil {
			return nil, fmt.Errorf("stored message %d: %w", st.ID, err)
		}
		named := make(map[string]bool)
		for _, a := range append(slices.Clone(m.To), m.Cc...) {
			named[strings.ToLower(a.Address)] = true
		}
		m.Bcc = nil
		for _, rcpt := range st.To {
			if !named[strings.ToLower(rcpt)] {
				m.Bcc = append(m.Bcc, mail.Address{Address: rcpt})
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Close stops the server, closes every connection (hung ones too) and
// waits for their goroutines, so that what [Server.Messages] returns after
// Close is final.
func (s *Server) Close() error {
	if s == nil || s.ln == nil {
		return nil // not started by NewServer: nothing to stop
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.smtp.Shutdown(context.Background()) // every connection is closed: this returns when their handlers have
	s.wg.Wait()
	return err
}

func (s *Server) respond(c Command) Response {
	if !s.script.Discard {
		s.mu.Lock()
		s.commands = append(s.commands, c)
		s.mu.Unlock()
	}
	if s.script.Respond == nil {
		return Response{}
	}
	return s.script.Respond(c)
}

func (s *Server) hidden(keyword string) bool { return slices.Contains(s.script.Hide, keyword) }

// sleep waits d, or less if the server closes; it reports whether the
// server is still open.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// accept takes connections and prepares each in its own goroutine.
func (s *Server) accept() {
	defer s.wg.Done()
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			raw.Close()
			return
		}
		s.nconn++
		n := s.nconn
		s.open[raw] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.prepare(raw, n)
		}()
	}
}

// prepare does what comes before go-smtp's banner (implicit TLS, scripted
// banners) and hands the connection to go-smtp.
func (s *Server) prepare(raw net.Conn, n int) {
	c := newScriptConn(s, raw, n)
	if s.script.TLS == ImplicitTLS {
		if err := c.startTLS(); err != nil {
			c.Close()
			return
		}
	}
	r := s.respond(Command{Conn: n, Verb: "CONNECT"})
	if !s.sleep(r.Delay) {
		c.Close()
		return
	}
	switch {
	case r.Hang:
		c.hang()
		return
	case r.Drop:
		c.Close()
		return
	case r.Code != 0:
		c.writeReply(r)
		c.Close()
		return
	}
	select {
	case s.ready <- c:
	case <-s.done:
		c.Close()
	}
}

// chanListener hands prepared connections to go-smtp.
type chanListener struct{ s *Server }

func (l chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.s.ready:
		return c, nil
	case <-l.s.done:
		return nil, net.ErrClosed
	}
}
func (l chanListener) Close() error   { return nil }
func (l chanListener) Addr() net.Addr { return l.s.ln.Addr() }

// session is the go-smtp backend session: it records envelopes and stores
// messages.
type session struct {
	s     *Server
	c     *scriptConn
	from  string
	envid string
	to    []string
}

func (s *Server) newSession(gc *gosmtp.Conn) (gosmtp.Session, error) {
	c, ok := gc.Conn().(*scriptConn)
	if !ok {
		return nil, errors.New("transporttest: unexpected connection type")
	}
	return &session{s: s, c: c}, nil
}

func (ss *session) Reset()        { ss.from, ss.envid, ss.to = "", "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, opts *gosmtp.MailOptions) error {
	if ss.s.script.RequireAuth && ss.c.user == "" {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	if opts != nil {
		ss.envid = opts.EnvelopeID
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var data []byte
	var err error
	if ss.s.script.Discard {
		_, err = io.Copy(io.Discard, r)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	resp := ss.s.respond(Command{Conn: ss.c.n, Verb: "."})
	if resp.Code >= 400 {
		ss.s.sleep(resp.Delay)
		ss.c.closeNext = ss.c.closeNext || resp.CloseAfter
		return &gosmtp.SMTPError{Code: resp.Code, EnhancedCode: enhanced(resp), Message: replyText(resp)}
	}
	ss.s.mu.Lock()
	ss.s.received++
	if !ss.s.script.Discard {
		ss.s.stored = append(ss.s.stored, Stored{
			ID: ss.s.received, Conn: ss.c.n, From: ss.from, To: slices.Clone(ss.to),
			Data: data, TLS: ss.c.tls, User: ss.c.user,
		})
		ss.s.bounce(ss.from, ss.envid, ss.to, data)
	}
	ss.s.mu.Unlock()
	if resp != (Response{}) {
		ss.c.final = &resp
	}
	return nil
}

func (ss *session) AuthMechanisms() []string { return ss.s.script.Auth }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(ss.s.script.Auth, mech) {
		return nil, gosmtp.ErrAuthUnknownMechanism
	}
	check := func(user, pass string) error {
		if user != ss.s.script.Username || pass != ss.s.script.Password {
			return gosmtp.ErrAuthFailed
		}
		ss.c.user = user
		return nil
	}
	if mech == "LOGIN" {
		return &loginServer{check: check}, nil
	}
	return newPlainServer(check), nil
}

func enhanced(r Response) gosmtp.EnhancedCode {
	var e gosmtp.EnhancedCode
	if _, err := fmt.Sscanf(r.Enhanced, "%d.%d.%d", &e[0], &e[1], &e[2]); err != nil {
		return gosmtp.NoEnhancedCode
	}
	return e
}

func replyText(r Response) string {
	if r.Text != "" {
		return r.Text
	}
	return "scripted reply"
}
