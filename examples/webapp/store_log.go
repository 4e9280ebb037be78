package main

// The delivery log's follow-up queries: documents searched, filtered by
// state and date and counted per state, and marking one handled.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport/outbox"
)

// The combined states of a document that never reached the outbox; the
// others are the outbox's (outbox.States).
const (
	stateRejected  = "rejected"   // it could not be read
	stateNotRouted = "not-routed" // nobody to send it to
	stateDuplicate = "duplicate"  // the duplicate guard stopped it
)

// stateAttention is the filter of the documents that need attention: a
// state of attentionStates, not marked handled.
const stateAttention = "attention"

// deliveryStates returns every combined state of a document, in the order
// the log's filter shows them: the outbox's, then the ones of documents
// that never reached it.
func deliveryStates() []string {
	var out []string
	for _, s := range outbox.States() {
		out = append(out, string(s))
	}
	return append(out, stateRejected, stateNotRouted, stateDuplicate)
}

// attentionStates are the states in which a document needs someone to
// look at it (until it is marked handled).
var attentionStates = []string{
	string(outbox.Failed), string(outbox.Ambiguous), string(outbox.Expired),
	string(outbox.Bounced), string(outbox.Suppressed),
}

// needsAttention reports whether a delivery needs someone to look at it:
// its state is one of attentionStates and nobody marked it handled.
func needsAttention(dl delivery) bool {
	return dl.HandledAt.IsZero() && slices.Contains(attentionStates, dl.State)
}

// stateOf gives a synchronously sent document's combined state from the
// summary of its result: the recipients' (transport) outcomes are outbox
// states already; a partly sent document takes the state of the recipients
// that need attention first.
func stateOf(sum distribution.Summary) string {
	switch sum.Outcome {
	case distribution.Sent:
		return string(outbox.Delivered)
	case distribution.Failed:
		return string(outbox.Failed)
	case distribution.Deferred:
		return string(outbox.Deferred)
	case distribution.Ambiguous:
		return string(outbox.Ambiguous)
	case distribution.Queued:
		return string(outbox.Pending)
	case distribution.Rejected:
		return stateRejected
	case distribution.NotRouted:
		return stateNotRouted
	case distribution.Duplicate:
		return stateDuplicate
	}
	// Partly sent: the worst recipient's state.
	for _, s := range []outbox.State{outbox.Failed, outbox.Ambiguous, outbox.Deferred} {
		if slices.ContainsFunc(sum.Recipients, func(r distribution.RecipientSummary) bool { return r.Outcome == string(s) }) {
			return string(s)
		}
	}
	return string(outbox.Delivered)
}

// deliveryFilter selects documents of the log. Its zero value selects all.
type deliveryFilter struct {
	// Search is found, ignoring case, in the document number, the
	// customer number or a recipient's address.
	Search string
	// State is "" for every state, stateAttention, or one of
	// deliveryStates.
	State string
	// From and To bound the time it was sent: From ≤ time < To; a zero
	// time leaves that side open.
	From, To time.Time
}

// likePattern makes a LIKE pattern (with ESCAPE '\') that finds s, in
// lower case, anywhere in a value.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// where returns the WHERE clause (company, search, dates and, with
// byState, the state) and its arguments, whose first is the company.
func (d companyData) where(f deliveryFilter, byState bool) (string, []any) {
	args := []any{d.companyID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	q := `company_id = $1`
	if f.Search != "" {
		p := arg(likePattern(f.Search))
		addresses := `json_each(recipients) r WHERE lower(json_extract(r.value, '$.address'))`
		if d.st.dialect == sqlregistry.Postgres {
			addresses = `jsonb_array_elements(CASE WHEN jsonb_typeof(recipients::jsonb) = 'array' THEN recipients::jsonb ELSE '[]'::jsonb END) r
	WHERE lower(r->>'address')`
		}
		q += ` AND (lower(number) LIKE ` + p + ` ESCAPE '\' OR lower(customer) LIKE ` + p + ` ESCAPE '\'
	OR EXISTS (SELECT 1 FROM ` + addresses + ` LIKE ` + p + ` ESCAPE '\'))`
	}
	if !f.From.IsZero() {
		q += ` AND created_at >= ` + arg(f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		q += ` AND created_at < ` + arg(f.To.UnixMicro())
	}
	switch {
	case !byState || f.State == "":
	case f.State == stateAttention:
		var in []string
		for _, s := range attentionStates {
			in = append(in, arg(s))
		}
		q += ` AND handled_at = 0 AND state IN (` + strings.Join(in, ", ") + `)`
	default:
		q += ` AND state = ` + arg(f.State)
	}
	return q, args
}

// deliveries returns up to limit of the company's deliveries that f
// selects, most recent first, starting after the cursor, and the cursor of
// the next page (zero when there is none). A limit of 0 returns them all.
func (d companyData) deliveries(ctx context.Context, f deliveryFilter, after deliveryCursor, limit int) ([]delivery, deliveryCursor, error) {
	where, args := d.where(f, true)
	q := `SELECT ` + deliveryColumns + ` FROM webapp_delivery WHERE ` + where
	if after.ID != "" {
		n := len(args)
		q += fmt.Sprintf(` AND (created_at < $%d OR (created_at = $%d AND id < $%d))`, n+1, n+1, n+2)
		args = append(args, after.At, after.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit+1)
	}
	rows, err := d.st.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, deliveryCursor{}, err
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, deliveryCursor{}, err
		}
		out = append(out, dl)
	}
	if err := rows.Err(); err != nil {
		return nil, deliveryCursor{}, err
	}
	var next deliveryCursor
	if limit > 0 && len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = deliveryCursor{At: last.At.UnixMicro(), ID: last.ID}
	}
	return out, next, nil
}

// deliveryTotals counts the deliveries f selects (its State ignored) per
// state, and under stateAttention those that need attention.
func (d companyData) deliveryTotals(ctx context.Context, f deliveryFilter) (map[string]int, error) {
	where, args := d.where(f, false)
	rows, err := d.st.db.QueryContext(ctx, `SELECT state, CASE WHEN handled_at = 0 THEN 0 ELSE 1 END, count(*)
FROM webapp_delivery WHERE `+where+` GROUP BY state, CASE WHEN handled_at = 0 THEN 0 ELSE 1 END`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]int)
	for rows.Next() {
		var (
			state      string
			handled, n int
		)
		if err := rows.Scan(&state, &handled, &n); err != nil {
			return nil, err
		}
		out[state] += n
		if handled == 0 && slices.Contains(attentionStates, state) {
			out[stateAttention] += n
		}
	}
	return out, rows.Err()
}

// errNoAttention is returned by markHandled for a delivery that does not
// need attention (any more).
var errNoAttention = errors.New("webapp: the delivery does not need attention")

// handledRecord is a delivery's handling as the audit trail keeps it.
type handledRecord struct {
	Delivery  string `json:"delivery"`
	State     string `json:"state"`
	HandledBy string `json:"handled_by"`
	HandledAt string `json:"handled_at,omitempty"` // RFC 3339, UTC
}

// markHandled records that user has handled a delivery that needs
// attention, with its audit entry, in one transaction, and returns the
// delivery as it is now. A delivery of another company is errNotFound;
// one that does not need attention (also one someone else has just marked)
// errNoAttention, and nothing changes.
func (d companyData) markHandled(ctx context.Context, id, user string) (delivery, error) {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return delivery{}, err
	}
	defer tx.Rollback()
	dl, err := scanDelivery(tx.QueryRowContext(ctx,
		`SELECT `+deliveryColumns+` FROM webapp_delivery WHERE company_id = $1 AND id = $2`, d.companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return dl, errNotFound
	} else if err != nil {
		return dl, err
	}
	if !needsAttention(dl) {
		return dl, errNoAttention
	}
	now := d.st.now()
	res, err := tx.ExecContext(ctx, `UPDATE webapp_delivery SET handled_by = $1, handled_at = $2, updated_at = $2
WHERE company_id = $3 AND id = $4 AND handled_at = 0`, user, now.UnixMicro(), d.companyID, id)
	if err != nil {
		return dl, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return dl, err
	} else if n == 0 {
		return dl, errNoAttention
	}
	before := handledRecord{Delivery: dl.ID, State: dl.State}
	dl.HandledBy, dl.HandledAt, dl.UpdatedAt = user, time.UnixMicro(now.UnixMicro()), time.UnixMicro(now.UnixMicro())
	after := handledRecord{Delivery: dl.ID, State: dl.State, HandledBy: user, HandledAt: dl.HandledAt.UTC().Format(time.RFC3339)}
	subject := dl.Number
	if subject == "" {
		subject = dl.ID
	}
	if err := d.auditIn(ctx, tx, user, "delivery.handled", subject, before, after); err != nil {
		return dl, err
	}
	return dl, tx.Commit()
}

// backfillDeliveries gives the deliveries logged before the log kept states
// (state "") their state and customer number, from the outcome, the
// recipients and the plan stored with them, so that they are counted and
// filtered like the others. The buyer's name was not stored; it stays "".
// Rows that have a state are left alone, so it runs once per row.
func backfillDeliveries(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT company_id, `+deliveryColumns+` FROM webapp_delivery WHERE state = ''`)
	if err != nil {
		return err
	}
	type fill struct{ company, id, state, customer string }
	var fills []fill
	for rows.Next() {
		var company string
		dl, err := scanDelivery(scanFunc(func(dest ...any) error { return rows.Scan(append([]any{&company}, dest...)...) }))
		if err != nil {
			rows.Close()
			return err
		}
		state := stateOf(distribution.Summary{Outcome: dl.Outcome, Recipients: dl.Recipients})
		fills = append(fills, fill{company, dl.ID, state, customerOf(nil, dl.Plan)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range fills {
		if _, err := tx.ExecContext(ctx, `UPDATE webapp_delivery SET state = $1, customer = $2 WHERE company_id = $3 AND id = $4 AND state = ''`,
			f.state, f.customer, f.company, f.id); err != nil {
			return fmt.Errorf("filling in the state of delivery %s: %w", f.id, err)
		}
	}
	return nil
}

// scanFunc adapts a function to the Scan method scanDelivery reads rows
// with.
type scanFunc func(dest ...any) error

// Scan calls f.
func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
