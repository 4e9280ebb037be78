package transporttest

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sync"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
)

// Recorder is a [transport.Transport] that records messages instead of
// sending them: the [net/http/httptest.ResponseRecorder] of this library,
// for host apps' unit tests. The zero value delivers every message.
//
// Send behaves like a real transport: it refuses invalid messages with the
// same errors as [transport.Compose] (allowing SMTPUTF8; it checks with
// [transport.Envelope], so it writes no bytes), delivers nothing
// when ctx is already cancelled, and reports one result per distinct
// recipient. Fail and Outcome simulate failures. A Recorder is safe for
// concurrent use; set Fail and Outcome before the first Send.
type Recorder struct {
	// Fail, if set, is called with every valid message; a non-nil error
	// fails the whole message. A [*transport.SendError] decides every
	// recipient's outcome from its Temporary and Ambiguous fields and its
	// Stage; any other error is a permanent failure at
	// [transport.StageData].
	Fail func(*transport.Message) error
	// Outcome, if set, decides each recipient's outcome (the address as
	// [address.Parse] returns it); nil, or a zero or Delivered
	// result, delivers. Deferred recipients get a simulated 450 reply at
	// RCPT, Failed ones a 550, Ambiguous ones a lost connection after the
	// final dot.
	Outcome func(msg *transport.Message, address string) transport.Outcome

	mu   sync.Mutex
	msgs []*transport.Message
}

var _ transport.RawSender = (*Recorder)(nil)

// ErrSimulated is the error in the results of recipients that
// [Recorder.Outcome] did not deliver.
var ErrSimulated = errors.New("transporttest: failure simulated by Recorder.Outcome")

// Send records a deep copy of msg (with the Message-ID it was given or
// generated) when at least one recipient is delivered or ambiguous, and
// returns the receipt.
func (r *Recorder) Send(ctx context.Context, msg *transport.Message) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := transport.Envelope(msg, &transport.ComposeOptions{SMTPUTF8: true})
	if err != nil {
		return transport.Refuse(msg, err)
	}
	return r.deliver(ctx, msg, c)
}

// ComposeOptions returns SMTPUTF8 allowed, as Send composes.
func (r *Recorder) ComposeOptions() transport.ComposeOptions {
	return transport.ComposeOptions{SMTPUTF8: true}
}

// SendComposed records the message c.Data holds (read back with
// [ParseMessage]) as delivered to c.RcptTo, and otherwise behaves like
// Send: Fail and Outcome apply, and a c that [transport.CheckComposed]
// refuses, or whose bytes do not parse, is refused as input. The recorded
// message's Bcc holds the envelope recipients that To and Cc do not name.
func (r *Recorder) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := transport.CheckComposed(c); err != nil {
		return transport.RefuseComposed(c, err)
	}
	msg, err := ParseMessage(c.Data)
	if err != nil {
		return transport.RefuseComposed(c, fmt.Errorf("%w: %v", transport.ErrMalformed, err))
	}
	if msg.MessageID == "" {
		msg.MessageID = c.MessageID
	}
	msg.Bcc = nil
	for _, a := range c.Recipients {
		named := false
		for _, h := range append(slices.Clone(msg.To), msg.Cc...) {
			named = named || address.Equal(h.Address, a)
		}
		if !named {
			msg.Bcc = append(msg.Bcc, mail.Address{Address: a})
		}
	}
	return r.deliver(ctx, msg, c)
}

// deliver is Send after the message was checked: c is its envelope.
func (r *Recorder) deliver(ctx context.Context, msg *transport.Message, c *transport.Composed) (*transport.Receipt, error) {
	if r == nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect,
			Err: fmt.Errorf("transporttest: nil *Recorder: %w", transport.ErrNoTransport)})
		return rc, rc.Err()
	}
	if err := ctx.Err(); err != nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect, Err: err})
		return rc, rc.Err()
	}
	var rc *transport.Receipt
	if err := r.failure(msg); err != nil {
		res := transport.RecipientResult{Outcome: transport.Failed, Stage: transport.StageData, Err: err}
		var se *transport.SendError
		if errors.As(err, &se) {
			res.Stage, res.Code, res.EnhancedCode = se.Stage, se.Code, se.EnhancedCode
			switch {
			case se.Stage == transport.StageCompose:
				return &transport.Receipt{MessageID: c.MessageID}, se
			case se.Ambiguous:
				res.Outcome = transport.Ambiguous
			case se.Temporary:
				res.Outcome = transport.Deferred
			}
		}
		rc = c.Receipt(res)
	} else {
		rc = c.Receipt(transport.RecipientResult{Outcome: transport.Delivered, Stage: transport.StageFinal})
		for i := range rc.Recipients {
			r.simulate(msg, &rc.Recipients[i])
		}
	}
	for _, res := range rc.Recipients {
		if res.Outcome == transport.Delivered || res.Outcome == transport.Ambiguous {
			cp := msg.Clone()
			cp.MessageID = c.MessageID
			r.mu.Lock()
			r.msgs = append(r.msgs, cp)
			r.mu.Unlock()
			break
		}
	}
	return rc, rc.Err()
}

// failure returns Fail's verdict on msg, nil without Fail.
func (r *Recorder) failure(msg *transport.Message) error {
	if r.Fail == nil {
		return nil
	}
	return r.Fail(msg)
}

// simulate applies Outcome to one recipient result.
func (r *Recorder) simulate(msg *transport.Message, res *transport.RecipientResult) {
	if r.Outcome == nil {
		return
	}
	switch o := r.Outcome(msg, res.Address); o {
	case transport.Deferred:
		*res = transport.RecipientResult{Address: res.Address, Outcome: o, Stage: transport.StageRcpt, Code: 450, EnhancedCode: "4.0.0", Err: ErrSimulated}
	case transport.Failed:
		*res = transport.RecipientResult{Address: res.Address, Outcome: o, Stage: transport.StageRcpt, Code: 550, EnhancedCode: "5.0.0", Err: ErrSimulated}
	case transport.Ambiguous:
		*res = transport.RecipientResult{Address: res.Address, Outcome: o, Stage: transport.StageFinal, Err: ErrSimulated}
	}
}

// Messages returns deep copies of the recorded messages in the order Send
// recorded them; the caller owns the slice and the messages.
func (r *Recorder) Messages() []*transport.Message {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*transport.Message, len(r.msgs))
	for i, m := range r.msgs {
		out[i] = m.Clone()
	}
	return out
}
