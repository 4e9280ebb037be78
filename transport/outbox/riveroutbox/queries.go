package riveroutbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/outbox"
)

// Status implements [outbox.Outbox.Status].
func (o *Outbox) Status(ctx context.Context, id outbox.ID) (*outbox.Status, error) {
	if err := o.ok("status"); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	page, err := o.query(ctx, `m.id = $1`, []any{int64(id)}, 1)
	if err != nil {
		return nil, &outbox.Error{Op: "status", ID: id, Err: err}
	}
	if len(page) == 0 {
		return nil, &outbox.Error{Op: "status", ID: id, Err: outbox.ErrNotFound}
	}
	return &page[0], nil
}

// List implements [outbox.Outbox.List].
func (o *Outbox) List(ctx context.Context, q outbox.Query) (*outbox.Page, error) {
	if err := o.ok("list"); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Tenant != "" {
		add("m.tenant = $%d", q.Tenant)
	}
	if !q.Since.IsZero() {
		add("m.created_at >= $%d", micros(q.Since))
	}
	if q.Search != "" {
		add(o.dl.strpos+"(m.search, $%d) > 0", strings.ToLower(q.Search))
	}
	base := strings.Join(append([]string{"1 = 1"}, where...), " AND ")
	counts := map[outbox.State]int{}
	rows, err := o.db.QueryContext(ctx, `SELECT m.state, count(*) FROM jakelu_outbox_message m WHERE `+base+` GROUP BY m.state`, args...)
	if err != nil {
		return nil, &outbox.Error{Op: "list", Err: err}
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return nil, &outbox.Error{Op: "list", Err: err}
		}
		counts[outbox.State(s)] = n
	}
	rows.Close()
	if q.State != "" {
		add("m.state = $%d", string(q.State))
	}
	if q.After > 0 {
		add("m.id < $%d", int64(q.After))
	}
	msgs, err := o.query(ctx, strings.Join(append([]string{"1 = 1"}, where...), " AND "), args, limit+1)
	if err != nil {
		return nil, &outbox.Error{Op: "list", Err: err}
	}
	page := &outbox.Page{Messages: msgs, Counts: counts}
	if len(msgs) > limit {
		page.Messages = msgs[:limit]
		page.Next = msgs[limit-1].ID
	}
	return page, nil
}

// query returns up to limit messages matching where, newest first, with
// their recipients.
func (o *Outbox) query(ctx context.Context, where string, args []any, limit int) ([]outbox.Status, error) {
	rows, err := o.db.QueryContext(ctx, fmt.Sprintf(`SELECT m.id, m.tenant, m.message_id, m.doc_ref, m.state, m.created_at, m.updated_at,
CASE WHEN m.data IS NULL THEN 1 ELSE 0 END FROM jakelu_outbox_message m WHERE %s ORDER BY m.id DESC LIMIT %d`, where, limit), args...)
	if err != nil {
		return nil, err
	}
	var out []outbox.Status
	index := map[outbox.ID]int{}
	for rows.Next() {
		var s outbox.Status
		var id, created, updated int64
		var state string
		var pruned int
		if err := rows.Scan(&id, &s.Tenant, &s.MessageID, &s.DocumentRef, &state, &created, &updated, &pruned); err != nil {
			rows.Close()
			return nil, err
		}
		s.ID, s.State, s.Enqueued, s.Updated, s.Pruned = outbox.ID(id), outbox.State(state), fromMicros(created), fromMicros(updated), pruned != 0
		index[s.ID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, len(out))
	for i, s := range out {
		ids[i] = s.ID.String()
	}
	rows, err = o.db.QueryContext(ctx, `SELECT msg, address, state, attempts, code, enhanced, reply, next_at, ambiguities, dismissed
FROM jakelu_outbox_rcpt WHERE msg IN (`+strings.Join(ids, ",")+`) ORDER BY msg, idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r outbox.RecipientStatus
		var msg, next int64
		var state string
		var dismissed int
		if err := rows.Scan(&msg, &r.Address, &state, &r.Attempts, &r.Code, &r.EnhancedCode, &r.Text, &next, &r.Ambiguities, &dismissed); err != nil {
			return nil, err
		}
		r.State, r.Dismissed = outbox.State(state), dismissed != 0
		if r.State == outbox.Pending || r.State == outbox.Deferred {
			r.NextAttempt = fromMicros(next)
		}
		s := &out[index[outbox.ID(msg)]]
		s.Recipients = append(s.Recipients, r)
	}
	return out, rows.Err()
}

// selected reports whether address a is among rcpts (all when empty).
func selected(rcpts []string, a string) bool {
	if len(rcpts) == 0 {
		return true
	}
	return slices.ContainsFunc(rcpts, func(r string) bool { return address.Equal(r, a) })
}

// changeRcpts runs one transaction changing the recipients of id that
// pick selects to state to with the SQL set, and reports them.
func (o *Outbox) changeRcpts(ctx context.Context, op string, id outbox.ID, none error,
	pick func(r rcptRow, dismissed bool) bool, to outbox.State, set string, after func(tx *sql.Tx) error) error {
	if err := o.ok(op); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	_, err := o.inTx(ctx, id, func(tx *sql.Tx, changes *[]outbox.Change) error {
		m, err := o.loadMessageTx(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT idx, address, state, attempts, dismissed, lease FROM jakelu_outbox_rcpt WHERE msg = $1 ORDER BY idx`, int64(id))
		if err != nil {
			return err
		}
		type pickRow struct {
			r         rcptRow
			dismissed bool
		}
		var all []pickRow
		for rows.Next() {
			var p pickRow
			var st string
			var d int
			if err := rows.Scan(&p.r.idx, &p.r.address, &st, &p.r.attempts, &d, &p.r.lease); err != nil {
				rows.Close()
				return err
			}
			p.r.state, p.dismissed = outbox.State(st), d != 0
			all = append(all, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := o.now()
		for _, p := range all {
			if !pick(p.r, p.dismissed) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET `+set+`, updated_at = $3 WHERE msg = $1 AND idx = $2`,
				int64(id), p.r.idx, micros(now)); err != nil {
				return err
			}
			*changes = append(*changes, o.change(m, p.r, to, now))
		}
		if len(*changes) == 0 {
			return none
		}
		if m.data == nil && to == outbox.Pending {
			return outbox.ErrPruned
		}
		if after != nil {
			return after(tx)
		}
		return nil
	})
	if err != nil {
		return &outbox.Error{Op: op, ID: id, Err: err}
	}
	return nil
}

func (o *Outbox) loadMessageTx(ctx context.Context, tx *sql.Tx, id outbox.ID) (*msgRow, error) {
	m := &msgRow{id: id}
	var pruned int
	err := tx.QueryRowContext(ctx, `SELECT tenant, message_id, doc_ref, CASE WHEN data IS NULL THEN 1 ELSE 0 END FROM jakelu_outbox_message WHERE id = $1`,
		int64(id)).Scan(&m.tenant, &m.messageID, &m.docRef, &pruned)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outbox.ErrNotFound
	}
	if pruned == 0 {
		m.data = []byte{} // not nil: present
	}
	return m, err
}

// Cancel implements [outbox.Outbox.Cancel].
func (o *Outbox) Cancel(ctx context.Context, id outbox.ID) error {
	return o.changeRcpts(ctx, "cancel", id, outbox.ErrNotCancellable, func(r rcptRow, _ bool) bool {
		return r.state == outbox.Pending || r.state == outbox.Deferred || r.state == outbox.Ambiguous
	}, outbox.Cancelled, `state = 'cancelled', next_at = 0`, nil)
}

// Release implements [outbox.Outbox.Release]: the recipients become
// pending and a new job sends them the stored bytes.
func (o *Outbox) Release(ctx context.Context, id outbox.ID, rcpts []string) error {
	return o.changeRcpts(ctx, "release", id, outbox.ErrNotAmbiguous, func(r rcptRow, _ bool) bool {
		return r.state == outbox.Ambiguous && selected(rcpts, r.address)
	}, outbox.Pending, `state = 'pending', next_at = 0, dismissed = 0`, func(tx *sql.Tx) error {
		_, err := o.client.InsertTx(ctx, tx, deliverArgs{Message: int64(id)}, &river.InsertOpts{Queue: queue})
		return err
	})
}

// Dismiss implements [outbox.Outbox.Dismiss].
func (o *Outbox) Dismiss(ctx context.Context, id outbox.ID, rcpts []string) error {
	return o.changeRcpts(ctx, "dismiss", id, outbox.ErrNotAmbiguous, func(r rcptRow, dismissed bool) bool {
		return r.state == outbox.Ambiguous && !dismissed && selected(rcpts, r.address)
	}, outbox.Ambiguous, `dismissed = 1`, nil)
}

// Prune removes the bytes of messages whose recipients are all final (or
// dismissed) and that changed last more than Retention ago; their records
// stay. Workers run it every hour; it returns how many it pruned.
func (o *Outbox) Prune(ctx context.Context) (int64, error) {
	if err := o.ok("prune"); err != nil {
		return 0, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := o.db.ExecContext(ctx, `UPDATE jakelu_outbox_message SET data = NULL
WHERE data IS NOT NULL AND updated_at < $1 AND NOT EXISTS (SELECT 1 FROM jakelu_outbox_rcpt r
	WHERE r.msg = jakelu_outbox_message.id AND r.state NOT IN ('delivered', 'failed', 'expired', 'cancelled') AND r.dismissed = 0)`,
		micros(o.now().Add(-o.opts.Retention)))
	if err != nil {
		return 0, &outbox.Error{Op: "prune", Err: err}
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Due returns how many recipients are pending, being sent, or deferred
// with their next attempt due: zero means a worker has nothing to do now
// (a held ambiguous recipient is not due).
func (o *Outbox) Due(ctx context.Context) (int, error) {
	if err := o.ok("due"); err != nil {
		return 0, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var n int
	err := o.db.QueryRowContext(ctx, `SELECT count(*) FROM jakelu_outbox_rcpt
WHERE state IN ('pending', 'sending') OR (state = 'deferred' AND next_at <= $1)`, micros(o.now())).Scan(&n)
	if err != nil {
		return 0, &outbox.Error{Op: "due", Err: err}
	}
	return n, nil
}
