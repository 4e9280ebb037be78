package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/examples/internal/bouncesmtp"
	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// newBounceServer returns the SMTP server of the receiver for domain: it
// accepts reports only for VERP addresses the outbox made, up to maxBytes,
// applies each with HandleBounce and writes what it did to log.
func newBounceServer(o *riveroutbox.Outbox, domain string, maxBytes int64, log io.Writer) *gosmtp.Server {
	return bouncesmtp.NewServer(&bouncesmtp.Receiver{
		Outbox:   o,
		MaxBytes: maxBytes,
		ApplyFailed: func(rcpt string, err error) {
			fmt.Fprintf(log, "jakelu bounce-server: %s: %v\n", rcpt, err)
		},
		Applied: func(_ context.Context, res *outbox.BounceResult) {
			for _, o := range res.Recipients {
				fmt.Fprintf(log, "%s %s %s %s → %s\n", res.Kind, o.Address, o.Action, o.From, o.To)
			}
		},
	}, domain)
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
