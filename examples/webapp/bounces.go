package main

// The bounce receiver: an SMTP server for the bounce domain that accepts
// reports only to the VERP addresses the outbox made (550 for any other),
// applies each report to the outbox (the recipient becomes bounced, a hard
// bounce suppresses the address) and updates the log rows at once. It is
// the command line's "jakelu bounce-server" inside the app (both are
// examples/internal/bouncesmtp).

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/jakelu/jakelu/examples/internal/bouncesmtp"
	"github.com/jakelu/jakelu/transport/outbox"
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
	srv := bouncesmtp.NewServer(&bouncesmtp.Receiver{
		Outbox:   a.mail.ob,
		MaxBytes: maxBounceBytes,
		CheckFailed: func(_ string, err error) {
			a.cfg.Logger.Error("bounce receiver: checking a VERP address", "err", err)
		},
		ApplyFailed: func(_ string, err error) {
			a.cfg.Logger.Error("bounce receiver: applying a report", "err", err)
		},
		Applied: a.bounceApplied,
	}, a.cfg.VERP.Domain)
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

// bounceApplied logs what a report did and updates the log rows of the
// messages it matched.
func (a *app) bounceApplied(ctx context.Context, res *outbox.BounceResult) {
	for _, o := range res.Recipients {
		a.cfg.Logger.Info("bounce", "kind", res.Kind, "address", o.Address, "action", o.Action, "outbox", o.ID,
			"from", o.From, "to", o.To, "suppressed", o.Suppressed)
		if o.ID != 0 {
			if err := a.refreshOutbox(ctx, o.ID); err != nil {
				a.cfg.Logger.Error("bounce receiver: updating the delivery log", "outbox", o.ID, "err", err)
			}
		}
	}
}
