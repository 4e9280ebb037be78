package riveroutbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

// SuppressionList is the outbox's suppression list, per tenant, in its
// tables: an [outbox.Suppressions] for the Router (distribution.Options)
// and the CLI. Get it with [Outbox.Suppressions].
type SuppressionList struct{ o *Outbox }

var _ outbox.Suppressions = (*SuppressionList)(nil)

// Suppressions returns the outbox's suppression list. The worker checks
// it at send time (see Options.IgnoreSuppressions) and HandleBounce adds
// to it.
func (o *Outbox) Suppressions() *SuppressionList { return &SuppressionList{o: o} }

func (l *SuppressionList) outbox() *Outbox {
	if l == nil {
		return nil
	}
	return l.o
}

// normAddr is the form addresses are stored in on the suppression list.
func normAddr(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

const suppressionColumns = `tenant, address, reason, status, code, text, source, hard, first_seen, last_seen, count, keep_until, removed_by, removed_at`

func scanSuppression(sc interface{ Scan(...any) error }) (*outbox.Suppression, error) {
	var s outbox.Suppression
	var reason, source string
	var hard int
	var first, last, keep, removed int64
	if err := sc.Scan(&s.Tenant, &s.Address, &reason, &s.Status, &s.Code, &s.Text, &source, &hard,
		&first, &last, &s.Count, &keep, &s.RemovedBy, &removed); err != nil {
		return nil, err
	}
	s.Reason, s.Source, s.Hard = bounce.Reason(reason), outbox.Source(source), hard != 0
	s.FirstSeen, s.LastSeen, s.KeepUntil, s.RemovedAt = fromMicros(first), fromMicros(last), fromMicros(keep), fromMicros(removed)
	return &s, nil
}

// lookupSuppression returns the active suppression of address, or nil.
func (o *Outbox) lookupSuppression(ctx context.Context, q queryer, tenant, address string) (*outbox.Suppression, error) {
	s, err := scanSuppression(q.QueryRowContext(ctx, `SELECT `+suppressionColumns+` FROM jakelu_outbox_suppression
WHERE tenant = $1 AND address = $2`, tenant, normAddr(address)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !s.Active(o.now()) {
		return nil, nil
	}
	return s, nil
}

// Lookup implements [outbox.Suppressions.Lookup].
func (l *SuppressionList) Lookup(ctx context.Context, tenant, address string) (*outbox.Suppression, error) {
	o := l.outbox()
	if err := o.ok("lookup suppression"); err != nil {
		return nil, err
	}
	s, err := o.lookupSuppression(ctx, o.db, tenant, address)
	if err != nil {
		return nil, &outbox.Error{Op: "lookup suppression", Err: err}
	}
	return s, nil
}

// execer is a *sql.DB or *sql.Tx.
type execer interface {
	queryer
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Add implements [outbox.Suppressions.Add]: a new entry, or one more
// report for an existing one (a removed entry starts again). A hard
// bounce or a complaint makes the entry permanent until removed.
func (l *SuppressionList) Add(ctx context.Context, s outbox.Suppression) error {
	o := l.outbox()
	if err := o.ok("add suppression"); err != nil {
		return err
	}
	if s.Source == "" {
		s.Source = outbox.SourceManual
	}
	if err := o.addSuppression(ctx, o.db, s, "", 0, 0); err != nil {
		var oe *outbox.Error
		if errors.As(err, &oe) {
			return err
		}
		return &outbox.Error{Op: "add suppression", Err: err}
	}
	return nil
}

// addSuppression stores s in q and records the event (message id and
// recipient idx, 0 and -1 for none).
func (o *Outbox) addSuppression(ctx context.Context, q execer, s outbox.Suppression, actor string, id outbox.ID, idx int) error {
	s.Address = normAddr(s.Address)
	if s.Address == "" || !strings.Contains(s.Address, "@") {
		return &outbox.Error{Op: "add suppression", Err: outbox.ErrInvalid, Detail: "the address " + quote(s.Address) + " is not an e-mail address"}
	}
	switch s.Source {
	case outbox.SourceBounce, outbox.SourceComplaint, outbox.SourceManual:
	default:
		return &outbox.Error{Op: "add suppression", Err: outbox.ErrInvalid, Detail: "unknown source " + quote(string(s.Source)) + "; use bounce, complaint or manual"}
	}
	now := s.LastSeen
	if now.IsZero() {
		now = o.now()
	}
	hard := 0
	if s.Hard {
		hard = 1
	}
	keep := int64(0)
	if s.Source == outbox.SourceBounce && !s.Hard {
		keep = micros(now.Add(outbox.SoftKeep))
	}
	if len(s.Text) > 1000 {
		s.Text = s.Text[:1000]
	}
	// A removed entry starts again; a live one counts one more, keeps its
	// first_seen, and only ever becomes harder (a soft bounce does not
	// lift a hard one or a complaint).
	_, err := q.ExecContext(ctx, `INSERT INTO jakelu_outbox_suppression (`+suppressionColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1, $10, '', 0)
ON CONFLICT (tenant, address) DO UPDATE SET
	count = CASE WHEN jakelu_outbox_suppression.removed_at = 0 THEN jakelu_outbox_suppression.count + 1 ELSE 1 END,
	first_seen = CASE WHEN jakelu_outbox_suppression.removed_at = 0 THEN jakelu_outbox_suppression.first_seen ELSE excluded.first_seen END,
	last_seen = excluded.last_seen,
	reason = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') AND excluded.hard = 0 AND excluded.source = 'bounce' THEN jakelu_outbox_suppression.reason ELSE excluded.reason END,
	status = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') AND excluded.hard = 0 AND excluded.source = 'bounce' THEN jakelu_outbox_suppression.status ELSE excluded.status END,
	code = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') AND excluded.hard = 0 AND excluded.source = 'bounce' THEN jakelu_outbox_suppression.code ELSE excluded.code END,
	text = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') AND excluded.hard = 0 AND excluded.source = 'bounce' THEN jakelu_outbox_suppression.text ELSE excluded.text END,
	source = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') AND excluded.hard = 0 AND excluded.source = 'bounce' THEN jakelu_outbox_suppression.source ELSE excluded.source END,
	hard = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND jakelu_outbox_suppression.hard = 1 THEN 1 ELSE excluded.hard END,
	keep_until = CASE WHEN jakelu_outbox_suppression.removed_at = 0 AND (jakelu_outbox_suppression.hard = 1 OR jakelu_outbox_suppression.source <> 'bounce') THEN 0 ELSE excluded.keep_until END,
	removed_by = '', removed_at = 0`,
		s.Tenant, s.Address, string(s.Reason), s.Status, s.Code, s.Text, string(s.Source), hard, micros(now), keep)
	if err != nil {
		return err
	}
	return o.event(ctx, q, s.Tenant, id, idx, s.Address, "suppression", "add-"+string(s.Source), s.Reason, s.Status, s.Code, s.Text, actor, now)
}

// event records one report or suppression change.
func (o *Outbox) event(ctx context.Context, q execer, tenant string, id outbox.ID, idx int, address, kind, action string,
	reason bounce.Reason, status string, code int, text, actor string, at time.Time) error {
	if len(text) > 1000 {
		text = text[:1000]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO jakelu_outbox_event (tenant, msg, idx, address, kind, action, reason, status, code, text, actor, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		tenant, int64(id), idx, normAddr(address), kind, action, string(reason), status, code, text, actor, micros(at))
	return err
}

// Remove implements [outbox.Suppressions.Remove]: the entry stays,
// marked removed by by, for the audit.
func (l *SuppressionList) Remove(ctx context.Context, tenant, address, by string) error {
	o := l.outbox()
	if err := o.ok("remove suppression"); err != nil {
		return err
	}
	if strings.TrimSpace(by) == "" {
		return &outbox.Error{Op: "remove suppression", Err: outbox.ErrInvalid, Detail: "say who removes the suppression (by): it is audited"}
	}
	now := o.now()
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return &outbox.Error{Op: "remove suppression", Err: err}
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_suppression SET removed_by = $3, removed_at = $4
WHERE tenant = $1 AND address = $2 AND removed_at = 0`, tenant, normAddr(address), by, micros(now))
	if err != nil {
		return &outbox.Error{Op: "remove suppression", Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &outbox.Error{Op: "remove suppression", Err: outbox.ErrNotFound, Detail: quote(address) + " is not suppressed for tenant " + quote(tenant)}
	}
	if err := o.event(ctx, tx, tenant, 0, -1, address, "suppression", "remove", "", "", 0, "", by, now); err != nil {
		return &outbox.Error{Op: "remove suppression", Err: err}
	}
	if err := tx.Commit(); err != nil {
		return &outbox.Error{Op: "remove suppression", Err: err}
	}
	return nil
}

// List implements [outbox.Suppressions.List]: active entries first, then
// lapsed and (withRemoved) removed ones, each group by address.
func (l *SuppressionList) List(ctx context.Context, tenant string, withRemoved bool) ([]outbox.Suppression, error) {
	o := l.outbox()
	if err := o.ok("list suppressions"); err != nil {
		return nil, err
	}
	q := `SELECT ` + suppressionColumns + ` FROM jakelu_outbox_suppression WHERE tenant = $1`
	if !withRemoved {
		q += ` AND removed_at = 0`
	}
	rows, err := o.db.QueryContext(ctx, q+` ORDER BY address`, tenant)
	if err != nil {
		return nil, &outbox.Error{Op: "list suppressions", Err: err}
	}
	defer rows.Close()
	var active, rest []outbox.Suppression
	now := o.now()
	for rows.Next() {
		s, err := scanSuppression(rows)
		if err != nil {
			return nil, &outbox.Error{Op: "list suppressions", Err: err}
		}
		if s.Active(now) {
			active = append(active, *s)
		} else {
			rest = append(rest, *s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, &outbox.Error{Op: "list suppressions", Err: err}
	}
	return append(active, rest...), nil
}

// suppressAtSend makes a due recipient whose address is suppressed
// suppressed instead of sending to it; skip reports that it did (or that
// another worker changed the recipient meanwhile).
func (o *Outbox) suppressAtSend(ctx context.Context, m *msgRow, r rcptRow) (skip bool, err error) {
	if o.opts.IgnoreSuppressions || (r.state != outbox.Pending && r.state != outbox.Deferred) {
		return false, nil
	}
	s, err := o.lookupSuppression(ctx, o.db, m.tenant, r.address)
	if err != nil || s == nil {
		return false, err
	}
	now := o.now()
	text := s.Message("en")
	_, err = o.inTx(ctx, m.id, func(tx *sql.Tx, changes *[]outbox.Change) error {
		res, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET state = 'suppressed', code = $3, enhanced = $4, reply = $5,
next_at = 0, updated_at = $6 WHERE msg = $1 AND idx = $2 AND state = $7 AND lease = $8`,
			int64(m.id), r.idx, s.Code, s.Status, text, micros(now), string(r.state), r.lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			c := o.change(m, r, outbox.Suppressed, now)
			c.Code, c.EnhancedCode, c.Text = s.Code, s.Status, text
			*changes = append(*changes, c)
		}
		return nil
	})
	return true, err
}

func quote(s string) string { return `"` + s + `"` }
