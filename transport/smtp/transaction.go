package smtp

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// dataBlock is the size of each write of message content, each under its
// own DataBlock deadline.
const dataBlock = 64 << 10

// txEnd is what a transaction leaves to do.
type txEnd struct {
	// next are the recipients the server refused as too many (452), to
	// send in a new transaction after this one delivered to others.
	next []int
	// stale: the pooled connection proved dead at its first reply. No
	// result is recorded; the message should go on a new connection.
	stale bool
	// session are the transaction's recipients when a reply before the
	// final dot blamed the session ([sessionReply]): recorded as Deferred
	// with [ErrSessionState], and to send again on a new connection if
	// that is still allowed. The connection is closed.
	session []int
}

// transaction sends one mail transaction on c for the recipients idx (of
// m.RcptTo) and records their results in rc. mayRetry allows the end
// "stale" (see [txEnd]). The caller has reset the connection with RSET
// if its last transaction did not end with a 2xx after the final dot.
func (c *conn) transaction(ctx context.Context, m *transport.Composed, rc *transport.Receipt, idx []int, mayRetry bool) txEnd {
	o := &c.t.opts
	_, pipelining := c.ext["PIPELINING"]
	fail := func(idx []int, e *stageError) {
		for _, i := range idx {
			rc.Recipients[i] = e.result(rc.Recipients[i].Address)
		}
	}
	// session ends the transaction after a reply that blames the
	// session: the connection is not to be trusted any more.
	session := func(stage transport.Stage, cmd string, r reply) txEnd {
		c.broken = true
		fail(idx, &stageError{stage: stage, reply: r, out: transport.Deferred,
			err: fmt.Errorf("%w: %w", ErrSessionState, replyErr(cmd, r))})
		return txEnd{session: idx}
	}

	mail := "MAIL FROM:<" + m.From + ">"
	if _, ok := c.ext["SIZE"]; ok {
		mail += " SIZE=" + strconv.Itoa(len(m.Data))
	}
	if m.SMTPUTF8 {
		mail += " SMTPUTF8"
		if _, ok := c.ext["8BITMIME"]; ok {
			mail += " BODY=8BITMIME"
		}
	}
	_, dsn := c.ext["DSN"]
	dsn = dsn && m.EnvelopeID != ""
	if dsn {
		mail += " RET=HDRS ENVID=" + xtext(m.EnvelopeID)
	}
	lines := make([]string, 0, len(idx)+2)
	lines = append(lines, mail)
	for _, i := range idx {
		rcpt := "RCPT TO:<" + m.RcptTo[i] + ">"
		if dsn {
			rcpt += " NOTIFY=FAILURE,DELAY"
			if ascii(m.RcptTo[i]) {
				rcpt += " ORCPT=rfc822;" + xtext(m.RcptTo[i])
			}
		}
		lines = append(lines, rcpt)
	}
	lines = append(lines, "DATA")
	// Until a 2xx after the final dot, the server may hold some state of
	// this transaction: the next one on c starts with RSET.
	c.dirty = true
	c.used++

	// With PIPELINING all commands go in one write and the replies are
	// read in order; without, each command waits for its reply.
	k := 0 // the line whose reply comes next
	await := func(stage transport.Stage, d time.Duration) (reply, error) {
		if !pipelining || k == 0 {
			c.deadline(ctx, o.Timeouts.Command)
			if pipelining {
				for _, l := range lines {
					c.bw.WriteString(l + "\r\n")
				}
			} else {
				c.bw.WriteString(lines[k] + "\r\n")
			}
			if err := c.bw.Flush(); err != nil {
				return reply{}, c.fail(ctx, stage, err)
			}
		}
		k++
		return c.read(ctx, stage, d)
	}
	// drain reads the replies to commands already pipelined after a
	// failure. A server that accepts DATA all the same (354) would take
	// whatever comes next as content: the connection is closed instead,
	// so that nothing is stored.
	drain := func() {
		if !pipelining || c.broken {
			return
		}
		for range lines[k:] {
			r, err := c.read(ctx, transport.StageData, o.Timeouts.Command)
			if err != nil {
				return
			}
			if r.code == 354 {
				c.broken = true
				return
			}
		}
	}

	// The first reply on a pooled connection shows whether it is still
	// alive; nothing can have been delivered yet, so a dead one (or one
	// the server is closing with 421, e.g. for being idle) is replaced.
	r, err := await(transport.StageMail, o.Timeouts.Command)
	if mayRetry && (err != nil || r.code == 421) {
		c.broken = true
		return txEnd{stale: true}
	}
	if err != nil {
		fail(idx, err.(*stageError))
		return txEnd{}
	}
	if r.code != 250 {
		if sessionReply(r) {
			return session(transport.StageMail, "MAIL FROM", r)
		}
		fail(idx, &stageError{stage: transport.StageMail, reply: r, err: replyErr("MAIL FROM", r)})
		drain()
		return txEnd{}
	}
	var accepted, tooMany []int
	for j, i := range idx {
		line := lines[k]
		r, err := await(transport.StageRcpt, o.Timeouts.Command)
		if err != nil {
			fail(append(accepted, idx[j:]...), err.(*stageError))
			return txEnd{}
		}
		switch {
		case r.code == 250 || r.code == 251:
			accepted = append(accepted, i)
			continue
		case sessionReply(r):
			return session(transport.StageRcpt, line, r)
		case r.code == 452 || strings.HasSuffix(r.enhanced, ".5.3"):
			tooMany = append(tooMany, i)
		}
		fail([]int{i}, &stageError{stage: transport.StageRcpt, reply: r, err: replyErr(line, r)})
	}
	if len(accepted) == 0 {
		drain()
		return txEnd{}
	}
	r, err = await(transport.StageData, o.Timeouts.DataInit)
	if err != nil {
		fail(accepted, err.(*stageError))
		return txEnd{}
	}
	if r.code != 354 {
		if sessionReply(r) {
			return session(transport.StageData, "DATA", r)
		}
		fail(accepted, &stageError{stage: transport.StageData, reply: r, err: replyErr("DATA", r)})
		return txEnd{}
	}
	c.buf = stuff(c.buf[:0], m.Data)
	for b := c.buf; len(b) > 0; {
		n := min(len(b), dataBlock)
		c.deadline(ctx, o.Timeouts.DataBlock)
		if _, err := c.nc.Write(b[:n]); err != nil {
			fail(accepted, c.fail(ctx, transport.StageData, err))
			return txEnd{}
		}
		b = b[n:]
	}
	if cap(c.buf) > 4<<20 {
		c.buf = nil // do not keep a huge buffer in the pool
	}
	r, err = c.read(ctx, transport.StageFinal, o.Timeouts.DataEnd)
	switch {
	case err != nil:
		fail(accepted, err.(*stageError)) // no reply after the dot: Ambiguous
		return txEnd{}
	case r.code/100 == 2:
		c.dirty = false
		for _, i := range accepted {
			rc.Recipients[i] = transport.RecipientResult{
				Address: rc.Recipients[i].Address, Outcome: transport.Delivered, Stage: transport.StageFinal,
				Code: r.code, EnhancedCode: r.enhanced,
			}
		}
	case sessionReply(r):
		// The message was refused, not stored, but the dot is too late
		// to try again here: the recipients are Deferred, and the
		// connection is closed.
		c.broken = true
		fail(accepted, &stageError{stage: transport.StageFinal, reply: r, out: transport.Deferred,
			err: fmt.Errorf("%w: %w", ErrSessionState, replyErr("end of data", r))})
	default:
		fail(accepted, &stageError{stage: transport.StageFinal, reply: r, err: replyErr("end of data", r)})
	}
	if c.broken {
		return txEnd{}
	}
	return txEnd{next: tooMany}
}
