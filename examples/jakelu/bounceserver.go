package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// bounceReceiver is the inbound SMTP side of the bounce domain: it
// accepts reports only for VERP addresses the outbox made, up to
// maxBytes, and applies each with HandleBounce.
type bounceReceiver struct {
	o        *riveroutbox.Outbox
	maxBytes int64
	log      io.Writer
}

func (b *bounceReceiver) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &bounceSession{b: b}, nil
}

type bounceSession struct {
	b    *bounceReceiver
	rcpt string
}

func (s *bounceSession) Reset()        { s.rcpt = "" }
func (s *bounceSession) Logout() error { return nil }

func (s *bounceSession) Mail(string, *gosmtp.MailOptions) error { return nil }

func (s *bounceSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.rcpt != "" {
		return &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 5, 3}, Message: "one report per transaction"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.b.o.CheckVERP(ctx, to); err != nil {
		var ve *bounce.VERPError
		if errors.As(err, &ve) {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such address"}
		}
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.rcpt = to
	return nil
}

func (s *bounceSession) Data(r io.Reader) error {
	if s.rcpt == "" {
		return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 5, 1}, Message: "no valid recipient"}
	}
	var buf bytes.Buffer
	// The envelope recipient is the VERP address: written first, as an
	// MTA's Delivered-To, so HandleBounce matches by it.
	fmt.Fprintf(&buf, "Delivered-To: %s\r\n", s.rcpt)
	n, err := io.Copy(&buf, io.LimitReader(r, s.b.maxBytes+1))
	if err != nil {
		return err
	}
	if n > s.b.maxBytes {
		io.Copy(io.Discard, r)
		return &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "report too large"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.b.o.HandleBounce(ctx, &buf)
	if err != nil {
		fmt.Fprintf(s.b.log, "jakelu bounce-server: %s: %v\n", s.rcpt, err)
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	for _, o := range res.Recipients {
		fmt.Fprintf(s.b.log, "%s %s %s %s → %s\n", res.Kind, o.Address, o.Action, o.From, o.To)
	}
	return nil
}

// newBounceServer returns the SMTP server of the receiver for domain.
func newBounceServer(o *riveroutbox.Outbox, domain string, maxBytes int64, log io.Writer) *gosmtp.Server {
	srv := gosmtp.NewServer(&bounceReceiver{o: o, maxBytes: maxBytes, log: log})
	srv.Domain = domain
	srv.MaxMessageBytes = maxBytes
	srv.MaxRecipients = 1
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxLineLength = 4096
	return srv
}

// runBounceServer implements "jakelu bounce-server".
func runBounceServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bounce-server", "bounce-server -addr HOST:PORT --db DSN [-max-bytes N]\n\n"+
		"Receives the reports (bounces) for the bounce domain by SMTP and applies each to the outbox.\n"+
		"Only VERP addresses the outbox made are accepted at RCPT (others get 550); the VERP key\n"+
		"comes from JAKELU_VERP_KEY, JAKELU_VERP_DOMAIN and JAKELU_VERP_LOCAL. Point the bounce\n"+
		"domain's MX here (or relay it from the MTA). Stops on interrupt.", stderr)
	addr := fs.String("addr", "127.0.0.1:2525", "listen on this `HOST:PORT`")
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	maxBytes := fs.Int64("max-bytes", 10<<20, "refuse reports larger than this many bytes (552)")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil || len(pos) != 0 || *dsn == "" || *maxBytes < 1024 {
		fmt.Fprintln(stderr, "usage: jakelu bounce-server -addr HOST:PORT --db DSN [-max-bytes N (at least 1024)]")
		return exitUsage
	}
	v, err := verpFromEnv()
	if err == nil && v == nil {
		err = errors.New("set JAKELU_VERP_KEY and JAKELU_VERP_DOMAIN: the receiver accepts only VERP addresses")
	}
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce-server: %v\n", err)
		return exitConfig
	}
	o, db, err := openOutbox(ctx, *dsn, &riveroutbox.Options{VERP: v})
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce-server: %v\n", err)
		return exitConfig
	}
	defer db.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce-server: %v\n", err)
		return exitConfig
	}
	srv := newBounceServer(o, v.Domain, *maxBytes, stdout)
	fmt.Fprintf(stdout, "listening on %s for %s\n", ln.Addr(), v.Domain)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		return exitOK
	case err := <-done:
		fmt.Fprintf(stderr, "jakelu bounce-server: %v\n", err)
		return exitConfig
	}
}
