// Package bouncesmtp is the SMTP side of a bounce domain for the example
// programs ("jakelu bounce-server" and the web app's bounce receiver): a
// server that accepts reports only to the VERP addresses an outbox made
// (550 for any other), one report per transaction, and applies each to the
// outbox with HandleBounce.
package bouncesmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

// Outbox is what the receiver needs of an outbox (a
// *riveroutbox.Outbox has it): checking a VERP address at RCPT and
// applying a report.
type Outbox interface {
	CheckVERP(ctx context.Context, addr string) (outbox.ID, error)
	outbox.BounceHandler
}

// Receiver says where reports go and who hears of them.
type Receiver struct {
	// Outbox checks the addresses and takes the reports.
	Outbox Outbox
	// MaxBytes bounds one report: a larger one is refused with 552.
	MaxBytes int64
	// CheckFailed, when set, is told why a VERP address could not be
	// checked (the RCPT was answered 451, try again later).
	CheckFailed func(addr string, err error)
	// ApplyFailed, when set, is told why a report to the VERP address
	// rcpt could not be applied (the DATA was answered 451).
	ApplyFailed func(rcpt string, err error)
	// Applied, when set, is given the outcome of each report applied,
	// with the context it was applied under.
	Applied func(ctx context.Context, res *outbox.BounceResult)
}

// NewServer returns the SMTP server of the receiver for the bounce
// domain; serve it with its Serve and stop it with its Shutdown.
func NewServer(r *Receiver, domain string) *gosmtp.Server {
	srv := gosmtp.NewServer(r)
	srv.Domain = domain
	srv.MaxMessageBytes = r.MaxBytes
	srv.MaxRecipients = 1
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxLineLength = 4096
	return srv
}

// NewSession implements gosmtp.Backend.
func (r *Receiver) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &session{r: r}, nil
}

// session is one connection: one report per transaction, to one VERP
// address.
type session struct {
	r    *Receiver
	rcpt string
}

// Reset implements gosmtp.Session.
func (s *session) Reset() { s.rcpt = "" }

// Logout implements gosmtp.Session.
func (s *session) Logout() error { return nil }

// Mail implements gosmtp.Session: reports come from anyone (often "<>").
func (s *session) Mail(string, *gosmtp.MailOptions) error { return nil }

// Rcpt accepts only a VERP address the outbox made for a message it holds.
func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.rcpt != "" {
		return &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 5, 3}, Message: "one report per transaction"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.r.Outbox.CheckVERP(ctx, to); err != nil {
		var ve *bounce.VERPError
		if errors.As(err, &ve) {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such address"}
		}
		if s.r.CheckFailed != nil {
			s.r.CheckFailed(to, err)
		}
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.rcpt = to
	return nil
}

// Data applies the report to the outbox.
func (s *session) Data(r io.Reader) error {
	if s.rcpt == "" {
		return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 5, 1}, Message: "no valid recipient"}
	}
	var buf bytes.Buffer
	// The envelope recipient is the VERP address: written first, as an
	// MTA's Delivered-To, so HandleBounce matches by it.
	fmt.Fprintf(&buf, "Delivered-To: %s\r\n", s.rcpt)
	n, err := io.Copy(&buf, io.LimitReader(r, s.r.MaxBytes+1))
	if err != nil {
		return err
	}
	if n > s.r.MaxBytes {
		io.Copy(io.Discard, r)
		return &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "report too large"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.r.Outbox.HandleBounce(ctx, &buf)
	if err != nil {
		if s.r.ApplyFailed != nil {
			s.r.ApplyFailed(s.rcpt, err)
		}
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	if s.r.Applied != nil {
		s.r.Applied(ctx, res)
	}
	return nil
}
