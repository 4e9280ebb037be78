package riveroutbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
)

// leaseGrace is added to JobTimeout for the lease of a recipient being
// sent: the time after which a later attempt takes it for abandoned.
const leaseGrace = time.Second

// rcptRow is one stored recipient.
type rcptRow struct {
	idx                   int
	address, rcptTo       string
	state                 outbox.State
	attempts, ambiguities int
	nextAt                int64
	lease, leaseUntil     int64
}

// msgRow is what a worker needs of a stored message.
type msgRow struct {
	id                outbox.ID
	tenant, messageID string
	docRef, from      string
	smtputf8          bool
	data              []byte
	created           time.Time
}

// work delivers one message: every recipient that is due, one SMTP
// transaction each. It snoozes the job until the next recipient is due,
// and completes it when none is open.
func (o *Outbox) work(ctx context.Context, job *river.Job[deliverArgs]) error {
	id := outbox.ID(job.Args.Message)
	var m *msgRow
	var rcpts []rcptRow
	err := o.slot(ctx, func() (err error) {
		m, rcpts, err = o.load(ctx, id)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted by the host: nothing to deliver
	}
	if err != nil {
		return err
	}
	var next time.Time
	due := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, r := range rcpts {
		if ctx.Err() != nil {
			break
		}
		now := o.now()
		switch r.state {
		case outbox.Pending, outbox.Deferred:
			if at := fromMicros(r.nextAt); at.After(now) {
				due(at)
				continue
			}
		case outbox.Sending:
			if until := fromMicros(r.leaseUntil); until.After(now) {
				due(until) // another worker may still be at it
				continue
			}
			// Its worker died between the intent and the outcome.
			if o.opts.Ambiguity == outbox.Hold {
				if err := o.slot(ctx, func() error { return o.abandon(ctx, m, r, now) }); err != nil {
					return err
				}
				continue
			}
		default:
			continue
		}
		if m.data == nil {
			return fmt.Errorf("message %d has open recipients but its content was pruned", id)
		}
		var skip bool
		err := o.slot(ctx, func() (err error) {
			skip, err = o.suppressAtSend(ctx, m, r)
			return err
		})
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		at, err := o.attempt(ctx, m, r)
		if err != nil {
			return err
		}
		if !at.IsZero() {
			due(at)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if next.IsZero() {
		return nil
	}
	return river.JobSnooze(max(next.Sub(o.now()), 0))
}

// load reads the message and its recipients in one query; it returns
// sql.ErrNoRows when there is no such message.
func (o *Outbox) load(ctx context.Context, id outbox.ID) (*msgRow, []rcptRow, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT m.tenant, m.message_id, m.doc_ref, m.env_from, m.smtputf8, m.data, m.created_at,
	r.idx, r.address, r.rcpt_to, r.state, r.attempts, r.ambiguities, r.next_at, r.lease, r.lease_until
FROM jakelu_outbox_message m JOIN jakelu_outbox_rcpt r ON r.msg = m.id WHERE m.id = $1 ORDER BY r.idx`, int64(id))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	m := &msgRow{id: id}
	var out []rcptRow
	for rows.Next() {
		var r rcptRow
		var st string
		var utf8 int
		var created int64
		var data []byte
		if err := rows.Scan(&m.tenant, &m.messageID, &m.docRef, &m.from, &utf8, &data, &created,
			&r.idx, &r.address, &r.rcptTo, &st, &r.attempts, &r.ambiguities, &r.nextAt, &r.lease, &r.leaseUntil); err != nil {
			return nil, nil, err
		}
		if len(out) == 0 {
			if data != nil {
				if m.data, err = unpackData(data); err != nil {
					return nil, nil, fmt.Errorf("message %d: %w", id, err)
				}
			}
			m.smtputf8, m.created = utf8 != 0, fromMicros(created)
		}
		r.state = outbox.State(st)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		return nil, nil, sql.ErrNoRows
	}
	return m, out, nil
}

// lockMessage takes message id's lock in tx, as the first statement of
// every transaction changing a message: on SQLite a write, so that SQLite
// takes its write lock at once; on PostgreSQL a row lock, which serializes
// changes to one message. It returns outbox.ErrNotFound when there is no
// such message.
func (o *Outbox) lockMessage(ctx context.Context, tx *sql.Tx, id outbox.ID) error {
	if o.d == Postgres {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM jakelu_outbox_message WHERE id = $1 FOR UPDATE`, int64(id)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return outbox.ErrNotFound
		}
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_message SET updated_at = updated_at WHERE id = $1`, int64(id))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return outbox.ErrNotFound
	}
	return nil
}

// inTx runs f in a transaction locking message id, and afterwards reports
// the changes f collected.
func (o *Outbox) inTx(ctx context.Context, id outbox.ID, f func(tx *sql.Tx, changes *[]outbox.Change) error) ([]outbox.Change, error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := o.lockMessage(ctx, tx, id); err != nil {
		return nil, err
	}
	var changes []outbox.Change
	if err := f(tx, &changes); err != nil {
		return nil, err
	}
	if len(changes) > 0 {
		if err := o.updateMessageState(ctx, tx, id, changes[len(changes)-1].At); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	for _, c := range changes {
		o.report(ctx, c)
	}
	return changes, nil
}

// updateMessageState stores the combined state of the recipients (see
// outbox.Combine) in one statement.
func (o *Outbox) updateMessageState(ctx context.Context, tx *sql.Tx, id outbox.ID, at time.Time) error {
	_, err := tx.ExecContext(ctx, updateState, int64(id), micros(at))
	return err
}

// updateState sets a message's state to the combined state of its
// recipients.
var updateState = `UPDATE jakelu_outbox_message SET updated_at = $2, state = ` + combinedStateOf("$1") + ` WHERE id = $1`

// combinedStateOf returns an SQL expression of the combined state (see
// outbox.Combine) of the recipients of message msg (an SQL expression):
// the first state of outbox.CombineOrder a recipient is in, delivered
// when none is. Each recipient is read once, by the primary key: a test
// of each state in turn (EXISTS … AND state = …) let the planner scan the
// state index, every recipient of the outbox in that state.
func combinedStateOf(msg string) string {
	order := outbox.CombineOrder()
	var b strings.Builder
	b.WriteString("CASE (SELECT min(CASE state")
	for i, s := range order {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", s, i)
	}
	b.WriteString(" END) FROM jakelu_outbox_rcpt WHERE msg = " + msg + ")")
	for i, s := range order[:len(order)-1] {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", i, s)
	}
	fmt.Fprintf(&b, " ELSE '%s' END", order[len(order)-1])
	return b.String()
}

// report logs c and calls the OnChange hook.
func (o *Outbox) report(ctx context.Context, c outbox.Change) {
	if l := o.opts.Logger; l != nil {
		l.LogAttrs(ctx, slog.LevelInfo, "outbox: recipient "+string(c.To),
			slog.Int64("id", int64(c.ID)), slog.String("tenant", c.Tenant), slog.String("message_id", c.MessageID),
			slog.String("address", c.Address), slog.String("from", string(c.From)), slog.String("to", string(c.To)),
			slog.Int("attempts", c.Attempts), slog.Int("code", c.Code), slog.String("enhanced_code", c.EnhancedCode),
			slog.String("text", c.Text))
	}
	if o.opts.OnChange != nil {
		o.opts.OnChange(c)
	}
}

func (o *Outbox) change(m *msgRow, r rcptRow, to outbox.State, at time.Time) outbox.Change {
	return outbox.Change{ID: m.id, Tenant: m.tenant, MessageID: m.messageID, DocumentRef: m.docRef,
		Address: r.address, From: r.state, To: to, Attempts: r.attempts, At: at}
}

// abandon marks a recipient whose worker died while sending as ambiguous
// (the Hold policy).
func (o *Outbox) abandon(ctx context.Context, m *msgRow, r rcptRow, now time.Time) error {
	_, err := o.inTx(ctx, m.id, func(tx *sql.Tx, changes *[]outbox.Change) error {
		res, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET state = $3, ambiguities = ambiguities + 1, next_at = 0,
code = 0, enhanced = '', reply = $4, updated_at = $5 WHERE msg = $1 AND idx = $2 AND state = 'sending' AND lease = $6`,
			int64(m.id), r.idx, string(outbox.Ambiguous), abandonedText, micros(now), r.lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			c := o.change(m, r, outbox.Ambiguous, now)
			c.Text = abandonedText
			*changes = append(*changes, c)
		}
		return nil
	})
	return err
}

const abandonedText = "the worker stopped during the SMTP transaction: the message may or may not have been delivered"

// newLease returns a random lease token.
func newLease() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])>>1) | 1
}

// attempt claims recipient r (commits it as sending), sends the stored
// bytes to it in one SMTP transaction and commits the outcome. It
// returns when r is due again (zero when it is not open any more).
func (o *Outbox) attempt(ctx context.Context, m *msgRow, r rcptRow) (time.Time, error) {
	lease := newLease()
	start := o.now()
	claimed := false
	amb := 0
	if r.state == outbox.Sending { // abandoned, and the policy is Retry
		amb = 1
	}
	err := o.slot(ctx, func() (err error) {
		if o.d == Postgres {
			claimed, err = o.claimOne(ctx, m, r, lease, start, amb)
		} else {
			claimed, err = o.claimTx(ctx, m, r, lease, start, amb)
		}
		return err
	})
	if err != nil || !claimed {
		return time.Time{}, err // another worker has it
	}
	r.attempts++
	c := &transport.Composed{MessageID: m.messageID, From: o.envelopeFrom(m, r), EnvelopeID: envelopeID(m.id), Recipients: []string{r.address},
		RcptTo: []string{r.rcptTo}, SMTPUTF8: m.smtputf8, Data: m.data}
	rc, serr := o.opts.Transport.SendComposed(ctx, c)
	res := transport.RecipientResult{Address: r.address, Outcome: transport.Deferred, Err: serr}
	if rc != nil && len(rc.Recipients) == 1 {
		res = rc.Recipients[0]
	} else if serr != nil && transport.IsInput(serr) {
		res.Outcome = transport.Failed // the stored message cannot be sent at all
	} else if serr == nil {
		res.Err = errors.New("the transport returned no result for the recipient")
	}
	// The outcome is committed even when the job's context ended: the
	// transaction is over, and what it said must not be lost.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var next time.Time
	err = o.slot(cctx, func() (err error) {
		next, err = o.outcome(cctx, m, r, lease, res)
		return err
	})
	return next, err
}

// slot runs f, a worker's database work, once fewer than
// Options.MaxStatements others are running.
func (o *Outbox) slot(ctx context.Context, f func() error) error {
	select {
	case o.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-o.slots }()
	return f()
}

// outcome commits what one SMTP transaction for r said.
func (o *Outbox) outcome(ctx context.Context, m *msgRow, r rcptRow, lease int64, res transport.RecipientResult) (time.Time, error) {
	now := o.now()
	to, attempts, amb := outbox.Failed, r.attempts, 0
	var next time.Time
	switch res.Outcome {
	case transport.Delivered:
		to = outbox.Delivered
	case transport.Failed:
		to = outbox.Failed
	case transport.Ambiguous:
		amb = 1
		to = outbox.Ambiguous
		if o.opts.Ambiguity == outbox.Retry {
			to, next = outbox.Deferred, now.Add(o.sched.Delay(attempts))
		}
	default: // Deferred
		to = outbox.Deferred
		if res.Code == 421 || res.Code == 452 {
			attempts-- // a busy server: the attempt does not count
			next = now.Add(o.sched.Snooze)
		} else {
			next = now.Add(o.sched.Delay(attempts))
		}
		if !now.Before(m.created.Add(o.sched.MaxAge)) {
			to, next = outbox.Expired, time.Time{}
		}
	}
	text := ""
	if res.Err != nil {
		text = res.Err.Error()
	}
	if len(text) > 2000 {
		text = text[:2000]
	}
	if o.d == Postgres {
		// This commit does not wait for the disk: losing it in a database
		// crash leaves the recipient sending, which becomes ambiguous:
		// never lost, never sent twice.
		return next, o.outcomePG(ctx, m, r, lease, res, to, attempts, amb, text, next, now)
	}
	_, err := o.inTx(ctx, m.id, func(tx *sql.Tx, ch *[]outbox.Change) error {
		res2, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET state = $4, attempts = $5, ambiguities = ambiguities + $6,
code = $7, enhanced = $8, reply = $9, next_at = $10, lease_until = 0, updated_at = $11
WHERE msg = $1 AND idx = $2 AND lease = $3 AND state IN ('sending', 'ambiguous')`,
			int64(m.id), r.idx, lease, string(to), attempts, amb, res.Code, res.EnhancedCode, text, micros(next), micros(now))
		if err != nil {
			return err
		}
		if n, _ := res2.RowsAffected(); n == 1 {
			from := r
			from.state = outbox.Sending
			c := o.change(m, from, to, now)
			c.Attempts, c.Code, c.EnhancedCode, c.Text = attempts, res.Code, res.EnhancedCode, text
			*ch = append(*ch, c)
		}
		return nil
	})
	return next, err
}

// claimTx commits recipient r as sending in a transaction locking its
// message; claimed is false when another worker (or a change by the host)
// got there first.
func (o *Outbox) claimTx(ctx context.Context, m *msgRow, r rcptRow, lease int64, start time.Time, amb int) (claimed bool, err error) {
	_, err = o.inTx(ctx, m.id, func(tx *sql.Tx, changes *[]outbox.Change) error {
		res, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET state = 'sending', attempts = attempts + 1,
ambiguities = ambiguities + $7, lease = $3, lease_until = $4, updated_at = $5
WHERE msg = $1 AND idx = $2 AND state = $6 AND lease = $8`,
			int64(m.id), r.idx, lease, micros(start.Add(o.opts.JobTimeout+leaseGrace)), micros(start), string(r.state), amb, r.lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = true
			c := o.change(m, r, outbox.Sending, start)
			c.Attempts++
			*changes = append(*changes, c)
		}
		return nil
	})
	return claimed, err
}

// claimOne is claimTx in one PostgreSQL statement, one round trip and one
// commit instead of five: it locks the message row first (the order of
// every transaction changing a message), claims the recipient, and sets
// the message sending, which is its combined state whenever a recipient
// is sending (see outbox.Combine). The commit waits for the disk: the
// intent is durable before DATA.
func (o *Outbox) claimOne(ctx context.Context, m *msgRow, r rcptRow, lease int64, start time.Time, amb int) (bool, error) {
	res, err := o.db.ExecContext(ctx, claimStatement,
		int64(m.id), r.idx, lease, micros(start.Add(o.opts.JobTimeout+leaseGrace)), micros(start), string(r.state), amb, r.lease)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	c := o.change(m, r, outbox.Sending, start)
	c.Attempts++
	o.report(ctx, c)
	return true, nil
}

const claimStatement = `WITH lk AS (SELECT id FROM jakelu_outbox_message WHERE id = $1 FOR UPDATE),
r AS (UPDATE jakelu_outbox_rcpt SET state = 'sending', attempts = attempts + 1,
	ambiguities = ambiguities + $7, lease = $3, lease_until = $4, updated_at = $5
	WHERE msg = (SELECT id FROM lk) AND idx = $2 AND state = $6 AND lease = $8 RETURNING msg)
UPDATE jakelu_outbox_message SET state = 'sending', updated_at = $5 WHERE id = (SELECT msg FROM r)`

// outcomePG is outcome's transaction on PostgreSQL in one round trip, a
// call of the function jakelu_outbox_outcome (see outcomeFunction)
// instead of four statements: Begin, the lock, the change and Commit.
func (o *Outbox) outcomePG(ctx context.Context, m *msgRow, r rcptRow, lease int64, res transport.RecipientResult,
	to outbox.State, attempts, amb int, text string, next, now time.Time) error {
	var n int
	if err := o.db.QueryRowContext(ctx, `SELECT jakelu_outbox_outcome($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		int64(m.id), r.idx, lease, string(to), attempts, amb, res.Code, res.EnhancedCode, text, micros(next), micros(now)).Scan(&n); err != nil {
		return err
	}
	if n < 0 {
		return outbox.ErrNotFound
	}
	if n == 1 {
		from := r
		from.state = outbox.Sending
		c := o.change(m, from, to, now)
		c.Attempts, c.Code, c.EnhancedCode, c.Text = attempts, res.Code, res.EnhancedCode, text
		o.report(ctx, c)
	}
	return nil
}
