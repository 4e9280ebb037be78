package main

// The bounce receiver: an SMTP server for the bounce domain that accepts
// reports only to the VERP addresses the outbox made (550 for any other),
// applies each report to the outbox (the recipient becomes bounced, a hard
// bounce suppresses the address) and updates the log rows at once. It is
// the command line's "jakelu bounce-server" inside the app.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/transport/bounce"
)

// maxBounceBytes bounds one report.
const maxBounceBytes = 10 << 20

// bounceServer is a running bounce receiver.
type bounceServer struct {
	srv  *gosmtp.Server
	ln   net.Listener
	done sync.WaitGroup
}

// close stops the receiver and waits for it.
func (b *bounceServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.srv.Shutdown(ctx)
	b.done.Wait()
}

// serveBounces serves the bounce receiver on ln until close.
func (a *app) serveBounces(ln net.Listener) *bounceServer {
	srv := gosmtp.NewServer(&bounceBackend{a: a})
	srv.Domain = a.cfg.VERP.Domain
	srv.MaxMessageBytes = maxBounceBytes
	srv.MaxRecipients = 1
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxLineLength = 4096
	b := &bounceServer{srv: srv, ln: ln}
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, gosmtp.ErrServerClosed) {
			a.cfg.Logger.Error("the bounce receiver stopped", "err", err)
		}
	}()
	a.cfg.Logger.Info("bounce receiver listening", "addr", ln.Addr().String(), "domain", srv.Domain)
	return b
}

// bounceBackend makes the sessions of the bounce receiver.
type bounceBackend struct{ a *app }

// NewSession implements gosmtp.Backend.
func (b *bounceBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &bounceSession{a: b.a}, nil
}

// bounceSession is one connection: one report per transaction, to one
// VERP address.
type bounceSession struct {
	a    *app
	rcpt string
}

// Reset implements gosmtp.Session.
func (s *bounceSession) Reset() { s.rcpt = "" }

// Logout implements gosmtp.Session.
func (s *bounceSession) Logout() error { return nil }

// Mail implements gosmtp.Session: reports come from anyone (often "<>").
func (s *bounceSession) Mail(string, *gosmtp.MailOptions) error { return nil }

// Rcpt accepts only a VERP address the outbox made for a message it holds.
func (s *bounceSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.rcpt != "" {
		return &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 5, 3}, Message: "one report per transaction"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.a.mail.ob.CheckVERP(ctx, to); err != nil {
		var ve *bounce.VERPError
		if errors.As(err, &ve) || errors.Is(err, bounce.ErrNotVERP) || errors.Is(err, bounce.ErrForged) {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such address"}
		}
		s.a.cfg.Logger.Error("bounce receiver: checking a VERP address", "err", err)
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.rcpt = to
	return nil
}

// Data applies the report to the outbox and updates the log rows of the
// messages it matched.
func (s *bounceSession) Data(r io.Reader) error {
	if s.rcpt == "" {
		return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 5, 1}, Message: "no valid recipient"}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Delivered-To: %s\r\n", s.rcpt)
	n, err := io.Copy(&buf, io.LimitReader(r, maxBounceBytes+1))
	if err != nil {
		return err
	}
	if n > maxBounceBytes {
		io.Copy(io.Discard, r)
		return &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "report too large"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.a.mail.ob.HandleBounce(ctx, &buf)
	if err != nil {
		s.a.cfg.Logger.Error("bounce receiver: applying a report", "err", err)
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	for _, o := range res.Recipients {
		s.a.cfg.Logger.Info("bounce", "kind", res.Kind, "address", o.Address, "action", o.Action, "outbox", o.ID,
			"from", o.From, "to", o.To, "suppressed", o.Suppressed)
		if o.ID != 0 {
			if err := s.a.refreshOutbox(ctx, o.ID); err != nil {
				s.a.cfg.Logger.Error("bounce receiver: updating the delivery log", "outbox", o.ID, "err", err)
			}
		}
	}
	return nil
}
