package smtp_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

func newTransport(t *testing.T, srv *transporttest.Server, opts *smtp.Options) *smtp.Transport {
	t.Helper()
	if opts == nil {
		opts = &smtp.Options{}
	}
	opts.TLS = smtp.NoTLS
	tr, err := smtp.New(srv.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func mustSend(t *testing.T, tr transport.Transport, name string) {
	t.Helper()
	if _, err := tr.Send(t.Context(), baseMessage(name)); err != nil {
		t.Fatalf("Send %s: %v", name, err)
	}
}

// verbs returns the commands a connection read, space-separated.
func verbs(srv *transporttest.Server, conn int) string {
	var v []string
	for _, c := range srv.Commands() {
		if c.Conn == conn {
			v = append(v, c.Verb)
		}
	}
	return strings.Join(v, " ")
}

func TestTransport_Reuse(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	tr := newTransport(t, srv, nil)
	for i := range 5 {
		mustSend(t, tr, "reuse "+string(rune('a'+i)))
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections for 5 sequential messages, want 1", n)
	}
	if got := verbs(srv, 1); strings.Contains(got, "RSET") || strings.Count(got, "MAIL") != 5 {
		t.Errorf("commands %q: want 5 transactions without RSET after complete ones", got)
	}
}

func TestTransport_MaxMessagesPerConnection(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	tr := newTransport(t, srv, &smtp.Options{MaxMessagesPerConnection: 3})
	for i := range 7 {
		mustSend(t, tr, "max "+string(rune('a'+i)))
	}
	if n := srv.Connections(); n != 3 {
		t.Errorf("%d connections for 7 messages at 3 per connection, want 3", n)
	}
	if got := verbs(srv, 1); !strings.HasSuffix(got, "QUIT") {
		t.Errorf("connection 1 was not ended with QUIT: %q", got)
	}
}

func TestTransport_MaxConnections(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	tr := newTransport(t, srv, &smtp.Options{MaxConnections: 2})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() { mustSend(t, tr, "concurrent "+string(rune('a'+i))) })
	}
	wg.Wait()
	if n := srv.Connections(); n > 2 {
		t.Errorf("%d connections, want at most 2", n)
	}
	if n := srv.Received(); n != 12 {
		t.Errorf("%d messages stored, want 12", n)
	}
}

func TestTransport_RsetAfterOpenTransaction(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
		if c.Verb == "RCPT" && strings.Contains(c.Address, "refused") {
			return transporttest.Response{Code: 550, Enhanced: "5.1.1", Text: "no such user"}
		}
		return transporttest.Response{}
	}})
	tr := newTransport(t, srv, nil)
	m := baseMessage("refused")
	m.To, m.Cc = nil, []mail.Address{{Address: "x@refused.example"}}
	if _, err := tr.Send(t.Context(), m); err == nil {
		t.Fatalf("Send to a refused recipient succeeded")
	}
	mustSend(t, tr, "after")
	if got := verbs(srv, 1); !strings.Contains(got, "RSET MAIL") {
		t.Errorf("commands %q: want RSET before the transaction after one left open", got)
	}
	if srv.Received() != 1 {
		t.Errorf("stored %d, want 1", srv.Received())
	}
}

func TestTransport_StalePooledConnection(t *testing.T) {
	// The server drops the pooled connection when it is used again; the
	// transport must notice at the first reply and resend on a new one.
	var used atomic.Bool
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
		if c.Conn == 1 && c.Verb == "MAIL" && used.Swap(true) {
			return transporttest.Response{Drop: true}
		}
		return transporttest.Response{}
	}})
	tr := newTransport(t, srv, nil)
	mustSend(t, tr, "first")
	mustSend(t, tr, "second")
	if srv.Connections() != 2 || srv.Received() != 2 {
		t.Errorf("%d connections, %d stored; want 2 and 2", srv.Connections(), srv.Received())
	}
}

func TestTransport_IdleTimeout(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	tr := newTransport(t, srv, &smtp.Options{IdleTimeout: 20 * time.Millisecond})
	mustSend(t, tr, "first")
	for !strings.HasSuffix(verbs(srv, 1), "QUIT") {
		select {
		case <-t.Context().Done():
			t.Fatal("the idle connection was never closed")
		case <-time.After(5 * time.Millisecond):
		}
	}
	mustSend(t, tr, "second")
	if n := srv.Connections(); n != 2 {
		t.Errorf("%d connections, want 2 (the idle one was closed)", n)
	}
}

func TestTransport_CloseDrains(t *testing.T) {
	reading := make(chan struct{})
	srv := transporttest.NewServer(t, &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
		if c.Verb == "." {
			close(reading)
			return transporttest.Response{Delay: 100 * time.Millisecond}
		}
		return transporttest.Response{}
	}})
	tr := newTransport(t, srv, nil)
	sent := make(chan error, 1)
	go func() {
		_, err := tr.Send(context.Background(), baseMessage("draining"))
		sent <- err
	}()
	<-reading
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// The send in progress ends its session with QUIT (the transport is
	// closed) before it returns, so Close, which waits for it, returns
	// after the server has read QUIT.
	if got := verbs(srv, 1); !strings.HasSuffix(got, ". QUIT") {
		t.Errorf("Close returned before the send in progress finished: commands %q", got)
	}
	if err := <-sent; err != nil {
		t.Errorf("the send in progress failed: %v", err)
	}
	rc, err := tr.Send(t.Context(), baseMessage("after close"))
	if !errors.Is(err, smtp.ErrClosed) || rc.Recipients[0].Outcome != transport.Deferred {
		t.Errorf("Send after Close: %v", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		addr string
		opts *smtp.Options
		is   error
	}{
		{"smtp.example.com", nil, nil},
		{"smtp.example.com:25", &smtp.Options{TLS: smtp.NoTLS}, smtp.ErrPlaintextNotLoopback},
		{"192.0.2.1:25", &smtp.Options{TLS: smtp.NoTLS}, smtp.ErrPlaintextNotLoopback},
		{"smtp.example.com:25", &smtp.Options{MaxConnections: -1}, nil},
		{"smtp.example.com:25", &smtp.Options{TLS: 9}, nil},
	}
	for _, tt := range tests {
		_, err := smtp.New(tt.addr, tt.opts)
		if err == nil || tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("New(%q, %+v) = %v; want an error matching %v", tt.addr, tt.opts, err, tt.is)
		}
	}
	for _, addr := range []string{"127.0.0.1:25", "localhost:2525", "[::1]:25"} {
		if _, err := smtp.New(addr, &smtp.Options{TLS: smtp.NoTLS}); err != nil {
			t.Errorf("New(%q, NoTLS): %v", addr, err)
		}
	}
}

// TestTransport_ResetBeforeReuse sends a message that fails in some way,
// then another on the same transport: the pooled connection must be reset
// with RSET (and replaced when RSET is refused), or not reused at all,
// before the second message, against a server that keeps a failed
// transaction's state as Mailpit did.
func TestTransport_ResetBeforeReuse(t *testing.T) {
	r := func(code int, enh string) transporttest.Response {
		return transporttest.Response{Code: code, Enhanced: enh, Text: "scripted"}
	}
	tests := []struct {
		name string
		// fail answers the first message's commands; the second message
		// gets normal replies.
		fail func(transporttest.Command) transporttest.Response
		rset transporttest.Response // the reply to RSET; zero for 250
		opts *smtp.Options
		// conn1 is how connection 1's commands must end (the second
		// message's part), conns the connections opened.
		conn1 string
		conns int
		// pipelined: commands written with the refused one (RCPT, DATA)
		// may or may not have been read before the close; not compared.
		pipelined bool
	}{
		{name: "451 at the dot", fail: onVerb(".", r(451, "4.3.0")), conn1: ". RSET MAIL RCPT RCPT RCPT DATA .", conns: 1},
		{name: "451 at MAIL", fail: onVerb("MAIL", r(451, "4.3.0")), conn1: "DATA RSET MAIL RCPT RCPT RCPT DATA .", conns: 1},
		{name: "every RCPT refused", fail: onVerb("RCPT", r(550, "5.1.1")), conn1: "DATA RSET MAIL RCPT RCPT RCPT DATA .", conns: 1},
		{name: "451 at DATA", fail: onVerb("DATA", r(451, "4.3.0")), conn1: "DATA RSET MAIL RCPT RCPT RCPT DATA .", conns: 1},
		{name: "554 at the dot", fail: onVerb(".", r(554, "5.7.1")), conn1: ". RSET MAIL RCPT RCPT RCPT DATA .", conns: 1},
		{name: "RSET refused: a new connection", fail: onVerb(".", r(451, "4.3.0")), rset: r(502, "5.5.1"), conn1: ". RSET", conns: 2},
		{name: "RSET dropped: a new connection", fail: onVerb(".", r(451, "4.3.0")), rset: transporttest.Response{Drop: true}, conn1: ". RSET", conns: 2},
		{name: "RCPT timeout: not reused", fail: onVerb("RCPT", transporttest.Response{Delay: 2 * time.Second}),
			opts: &smtp.Options{Timeouts: smtp.Timeouts{Command: 300 * time.Millisecond}}, conn1: "MAIL RCPT", conns: 2},
		// The RCPTs and DATA went in the same write as MAIL (PIPELINING);
		// whether the server read them before the client closed the
		// connection is up to the scheduler, so they are not compared.
		{name: "503 at MAIL: closed", fail: onVerb("MAIL", r(503, "5.5.1")), conn1: "EHLO MAIL", pipelined: true, conns: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var second atomic.Bool
			srv := transporttest.NewServer(t, &transporttest.Script{KeepFailedTransaction: true, Respond: func(c transporttest.Command) transporttest.Response {
				switch {
				case c.Verb == "RSET":
					return tt.rset
				case !second.Load():
					return tt.fail(c)
				}
				return transporttest.Response{}
			}})
			tr := newTransport(t, srv, tt.opts)
			if _, err := tr.Send(t.Context(), baseMessage("fails")); err == nil {
				t.Fatal("the first message was delivered; the script should refuse it")
			}
			second.Store(true)
			mustSend(t, tr, "after the failure")
			got := verbs(srv, 1)
			if tt.pipelined {
				for _, v := range []string{" DATA", " RCPT", " RCPT", " RCPT"} {
					got = strings.TrimSuffix(got, v)
				}
			}
			if !strings.HasSuffix(got, tt.conn1) {
				t.Errorf("connection 1 read %q, want it to end %q", got, tt.conn1)
			}
			if n := srv.Connections(); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
			if n := srv.Received(); n != 1 {
				t.Errorf("stored %d messages, want 1", n)
			}
		})
	}
}

func onVerb(verb string, r transporttest.Response) func(transporttest.Command) transporttest.Response {
	return func(c transporttest.Command) transporttest.Response {
		if c.Verb == verb {
			return r
		}
		return transporttest.Response{}
	}
}
