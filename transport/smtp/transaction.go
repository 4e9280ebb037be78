package smtp

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// dataBlock is the size of each write of message content, each under its
// own DataBlock deadline.
const dataBlock = 64 << 10

// transaction sends one mail transaction on c for the recipients idx (of
// m.RcptTo) and records their results in rc. It returns the recipients the
// server refused as too many (452), to send in a new transaction after
// this one delivered to others, and whether the connection proved dead at
// its first reply while mayRetry: then no result is recorded and the
// message should go on a new connection.
func (c *conn) transaction(ctx context.Context, m *transport.Composed, rc *transport.Receipt, idx []int, mayRetry bool) (next []int, stale bool) {
	o := &c.t.opts
	_, pipelining := c.ext["PIPELINING"]
	fail := func(idx []int, e *stageError) {
		for _, i := range idx {
			rc.Recipients[i] = e.result(rc.Recipients[i].Address)
		}
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
	lines := make([]string, 0, len(idx)+3)
	reset := c.dirty // RSET only when an earlier transaction was left open
	if reset {
		lines = append(lines, "RSET")
	}
	c.used++
	lines = append(lines, mail)
	for _, i := range idx {
		lines = append(lines, "RCPT TO:<"+m.RcptTo[i]+">")
	}
	lines = append(lines, "DATA")

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
	// failure, ending a DATA the server accepted with an empty message.
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
				c.deadline(ctx, o.Timeouts.DataBlock)
				c.bw.WriteString(".\r\n")
				if c.bw.Flush() != nil {
					c.broken = true
					return
				}
				c.read(ctx, transport.StageData, o.Timeouts.DataEnd)
				c.dirty = false
			}
		}
	}

	// The first reply on a pooled connection shows whether it is still
	// alive; nothing can have been delivered yet, so a dead one is
	// replaced.
	r, err := await(transport.StageMail, o.Timeouts.Command)
	if mayRetry && (err != nil || r.code == 421) {
		c.broken = true
		return nil, true
	}
	if reset && err == nil {
		if r.code != 250 {
			c.broken = true
			fail(idx, &stageError{stage: transport.StageMail, reply: r, err: replyErr("RSET", r)})
			return nil, false
		}
		c.dirty = false
		r, err = await(transport.StageMail, o.Timeouts.Command)
	}
	if err != nil {
		fail(idx, err.(*stageError))
		return nil, false
	}
	if r.code != 250 {
		fail(idx, &stageError{stage: transport.StageMail, reply: r, err: replyErr("MAIL FROM", r)})
		drain()
		return nil, false
	}
	c.dirty = true
	var accepted, tooMany []int
	for j, i := range idx {
		line := lines[k]
		r, err := await(transport.StageRcpt, o.Timeouts.Command)
		if err != nil {
			fail(append(accepted, idx[j:]...), err.(*stageError))
			return nil, false
		}
		switch {
		case r.code == 250 || r.code == 251:
			accepted = append(accepted, i)
			continue
		case r.code == 452 || strings.HasSuffix(r.enhanced, ".5.3"):
			tooMany = append(tooMany, i)
		}
		fail([]int{i}, &stageError{stage: transport.StageRcpt, reply: r, err: replyErr(line, r)})
	}
	if len(accepted) == 0 {
		drain()
		return nil, false
	}
	r, err = await(transport.StageData, o.Timeouts.DataInit)
	if err != nil {
		fail(accepted, err.(*stageError))
		return nil, false
	}
	if r.code != 354 {
		fail(accepted, &stageError{stage: transport.StageData, reply: r, err: replyErr("DATA", r)})
		return nil, false
	}
	c.buf = stuff(c.buf[:0], m.Data)
	for b := c.buf; len(b) > 0; {
		n := min(len(b), dataBlock)
		c.deadline(ctx, o.Timeouts.DataBlock)
		if _, err := c.nc.Write(b[:n]); err != nil {
			fail(accepted, c.fail(ctx, transport.StageData, err))
			return nil, false
		}
		b = b[n:]
	}
	if cap(c.buf) > 4<<20 {
		c.buf = nil // do not keep a huge buffer in the pool
	}
	r, err = c.read(ctx, transport.StageFinal, o.Timeouts.DataEnd)
	c.dirty = false
	if err != nil {
		fail(accepted, err.(*stageError)) // no reply after the dot: Ambiguous
		return nil, false
	}
	if r.code/100 == 2 {
		for _, i := range accepted {
			rc.Recipients[i] = transport.RecipientResult{
				Address: rc.Recipients[i].Address, Outcome: transport.Delivered, Stage: transport.StageFinal,
				Code: r.code, EnhancedCode: r.enhanced,
			}
		}
	} else {
		fail(accepted, &stageError{stage: transport.StageFinal, reply: r, err: replyErr("end of data", r)})
	}
	if c.broken {
		return nil, false
	}
	return tooMany, false
}
