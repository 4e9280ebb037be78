package riveroutbox

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strings"

	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

var _ outbox.BounceHandler = (*Outbox)(nil)

// envelopeFrom is the envelope sender of r's transaction: the VERP
// address when Options.VERP is set, else the message's.
func (o *Outbox) envelopeFrom(m *msgRow, r rcptRow) string {
	if o.opts.VERP == nil {
		return m.from
	}
	a, err := o.opts.VERP.Address(m.id.String(), r.rcptTo)
	if err != nil { // New checked the configuration; an odd address keeps the sender
		return m.from
	}
	return a
}

// verpID returns the outbox ID a VERP address claims (unverified).
func verpID(addr string) (outbox.ID, bool) {
	at := strings.LastIndexByte(addr, '@')
	plus := strings.IndexByte(addr, '+')
	if at < 0 || plus < 0 || plus > at {
		return 0, false
	}
	tok := addr[plus+1 : at]
	dot := strings.LastIndexByte(tok, '.')
	if dot <= 0 {
		return 0, false
	}
	id, err := outbox.ParseID(tok[:dot])
	return id, err == nil
}

// target is the stored recipient a report's recipient matched.
type target struct {
	id  outbox.ID
	idx int
	by  outbox.MatchedBy
}

// storedRcpt is a stored recipient's address, for matching.
type storedRcpt struct {
	idx             int
	address, rcptTo string
}

func (o *Outbox) rcptsOf(ctx context.Context, id outbox.ID) ([]storedRcpt, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT idx, address, rcpt_to FROM jakelu_outbox_rcpt WHERE msg = $1 ORDER BY idx`, int64(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedRcpt
	for rows.Next() {
		var r storedRcpt
		if err := rows.Scan(&r.idx, &r.address, &r.rcptTo); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func sameAddress(a, b string) bool {
	return address.Equal(a, b) || strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// byAddress finds addr among rcpts.
func byAddress(rcpts []storedRcpt, addr string) (int, bool) {
	for _, r := range rcpts {
		if sameAddress(r.address, addr) || sameAddress(r.rcptTo, addr) {
			return r.idx, true
		}
	}
	return 0, false
}

// match finds the stored recipient of rr: by the verified VERP token,
// then ENVID and address, then the original Message-ID and address. A
// VERP address of ours whose token does not verify matches nothing
// (forged).
func (o *Outbox) match(ctx context.Context, rep *bounce.Report, rr bounce.Recipient, single bool) (*target, error) {
	if v := o.opts.VERP; v != nil && rep.VERP != "" {
		if id, ok := verpID(rep.VERP); ok {
			rcpts, err := o.rcptsOf(ctx, id)
			if err != nil {
				return nil, err
			}
			for _, r := range rcpts {
				if _, err := v.Verify(rep.VERP, r.rcptTo); err == nil {
					if single || sameAddress(r.address, rr.Address) || sameAddress(r.rcptTo, rr.Address) {
						return &target{id: id, idx: r.idx, by: outbox.MatchVERP}, nil
					}
				}
			}
		}
		var ve *bounce.VERPError
		if _, err := v.Verify(rep.VERP, rr.Address); errors.As(err, &ve) && ve.Err == bounce.ErrForged {
			return nil, nil
		}
	}
	if rr.Address == "" {
		return nil, nil
	}
	if rep.EnvelopeID != "" {
		if id, err := outbox.ParseID(strings.TrimPrefix(rep.EnvelopeID, envidPrefix)); err == nil {
			rcpts, err := o.rcptsOf(ctx, id)
			if err != nil {
				return nil, err
			}
			if idx, ok := byAddress(rcpts, rr.Address); ok {
				return &target{id: id, idx: idx, by: outbox.MatchEnvelope}, nil
			}
		}
	}
	if rep.OriginalMessageID != "" {
		rows, err := o.db.QueryContext(ctx, `SELECT id FROM jakelu_outbox_message WHERE message_id = $1 ORDER BY id DESC LIMIT 10`, rep.OriginalMessageID)
		if err != nil {
			return nil, err
		}
		var ids []outbox.ID
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, outbox.ID(id))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range ids {
			rcpts, err := o.rcptsOf(ctx, id)
			if err != nil {
				return nil, err
			}
			if idx, ok := byAddress(rcpts, rr.Address); ok {
				return &target{id: id, idx: idx, by: outbox.MatchMessageID}, nil
			}
		}
	}
	return nil, nil
}

// envidPrefix starts the ENVID the outbox would send: "jakelu-<id>".
// A bare decimal ID is accepted too.
const envidPrefix = "jakelu-"

// HandleBounce implements [outbox.BounceHandler]: it parses the report
// in r and applies it to the matched recipients, each in a transaction
// of its own; every report about a matched recipient is recorded.
func (o *Outbox) HandleBounce(ctx context.Context, r io.Reader) (*outbox.BounceResult, error) {
	const op = "handle bounce"
	if err := o.ok(op); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if r == nil {
		return nil, &outbox.Error{Op: op, Err: outbox.ErrInvalid, Detail: "nil reader: pass the raw report"}
	}
	rep, err := bounce.Parse(r)
	if err != nil {
		return nil, &outbox.Error{Op: op, Err: outbox.ErrInvalid, Detail: "the report cannot be read: " + err.Error()}
	}
	res := &outbox.BounceResult{Kind: rep.Kind}
	ignore := rep.Kind == bounce.KindAutoReply || rep.Kind == bounce.KindNotBounce
	for _, rr := range rep.Recipients {
		out := outbox.BounceOutcome{Address: rr.Address, Action: outbox.ActionIgnored, Reason: rr.Reason,
			Status: rr.Status, Code: rr.Code, Hard: rr.Hard}
		if !ignore && rr.Kind != bounce.KindAutoReply {
			t, err := o.match(ctx, rep, rr, len(rep.Recipients) == 1)
			if err != nil {
				return nil, &outbox.Error{Op: op, Err: err}
			}
			if t != nil {
				if err := o.apply(ctx, rep, rr, t, &out); err != nil {
					var oe *outbox.Error
					if errors.As(err, &oe) {
						return nil, err
					}
					return nil, &outbox.Error{Op: op, ID: t.id, Err: err}
				}
				res.Matched = true
			}
		}
		res.Recipients = append(res.Recipients, out)
	}
	return res, nil
}

// bounceable are the states a failure report turns into bounced: the
// server had accepted the message (or may have), or an earlier verdict
// is superseded by the later report.
func bounceable(s outbox.State) bool {
	return s == outbox.Delivered || s == outbox.Ambiguous || s == outbox.Failed || s == outbox.Expired || s == outbox.Bounced
}

// apply applies one recipient of a report to the matched recipient t.
func (o *Outbox) apply(ctx context.Context, rep *bounce.Report, rr bounce.Recipient, t *target, out *outbox.BounceOutcome) error {
	now := o.now()
	out.ID, out.By = t.id, t.by
	changes, err := o.inTx(ctx, t.id, func(tx *sql.Tx, changes *[]outbox.Change) error {
		var tenant, mid, ref, addr, st string
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT m.tenant, m.message_id, m.doc_ref, r.address, r.state, r.attempts
FROM jakelu_outbox_message m JOIN jakelu_outbox_rcpt r ON r.msg = m.id WHERE m.id = $1 AND r.idx = $2`,
			int64(t.id), t.idx).Scan(&tenant, &mid, &ref, &addr, &st, &attempts); err != nil {
			return err
		}
		from := outbox.State(st)
		out.From, out.To = from, from
		to := from
		kind := rr.Kind
		if rep.Kind == bounce.KindComplaint {
			kind = bounce.KindComplaint
		}
		switch {
		case kind == bounce.KindComplaint:
			out.Action = outbox.ActionComplaint
		case rr.Action == "failed" && bounceable(from):
			to, out.Action = outbox.Bounced, outbox.ActionBounced
		case from == outbox.Ambiguous && rr.Action != "failed" && rr.Action != "":
			// delivered, relayed, expanded or delayed: the server had the message
			to, out.Action = outbox.Delivered, outbox.ActionResolved
		default:
			out.Action = outbox.ActionNoted
		}
		text := rr.Diagnostic
		if len(text) > 2000 {
			text = text[:2000]
		}
		if to != from {
			// dismissed is set on a resolved ambiguity: a person need not look at it.
			if _, err := tx.ExecContext(ctx, `UPDATE jakelu_outbox_rcpt SET state = $3, code = $4, enhanced = $5, reply = $6,
next_at = 0, lease_until = 0, updated_at = $7 WHERE msg = $1 AND idx = $2`,
				int64(t.id), t.idx, string(to), rr.Code, rr.Status, text, micros(now)); err != nil {
				return err
			}
			out.To = to
			*changes = append(*changes, outbox.Change{ID: t.id, Tenant: tenant, MessageID: mid, DocumentRef: ref,
				Address: addr, From: from, To: to, Attempts: attempts, Code: rr.Code, EnhancedCode: rr.Status, Text: text, At: now})
		}
		if err := o.event(ctx, tx, tenant, t.id, t.idx, addr, string(kind), string(out.Action), rr.Reason, rr.Status, rr.Code, text, "", now); err != nil {
			return err
		}
		var sup *outbox.Suppression
		switch {
		case kind == bounce.KindComplaint:
			sup = &outbox.Suppression{Source: outbox.SourceComplaint, Reason: bounce.ReasonComplaint}
		case rr.Action == "failed" && (rr.Hard || strings.HasPrefix(rr.Status, "5") || strings.HasPrefix(rr.Status, "4")):
			sup = &outbox.Suppression{Source: outbox.SourceBounce, Hard: rr.Hard, Reason: rr.Reason}
		}
		if sup != nil {
			sup.Tenant, sup.Address, sup.Status, sup.Code, sup.Text, sup.LastSeen = tenant, addr, rr.Status, rr.Code, text, now
			if err := o.addSuppression(ctx, tx, *sup, "", t.id, t.idx); err != nil {
				return err
			}
			s, err := o.lookupSuppression(ctx, tx, tenant, addr)
			if err != nil {
				return err
			}
			out.Suppressed = s != nil
		}
		return nil
	})
	_ = changes
	return err
}

// CheckVERP reports whether addr is a VERP address this outbox (with
// Options.VERP) made for a recipient of a message it holds, and returns
// that message: what an inbound receiver for the bounce domain checks at
// RCPT, before accepting a report. Errors wrap [bounce.ErrVERPConfig]
// (no VERP configured), [bounce.ErrNotVERP] (not one of ours, or no such
// message) or [bounce.ErrForged].
func (o *Outbox) CheckVERP(ctx context.Context, addr string) (outbox.ID, error) {
	if err := o.ok("check verp"); err != nil {
		return 0, err
	}
	v := o.opts.VERP
	if v == nil {
		return 0, &bounce.VERPError{Err: bounce.ErrVERPConfig, Address: addr}
	}
	if _, err := v.Verify(addr, "-"); err != nil && !errors.Is(err, bounce.ErrForged) {
		return 0, err // not of our form
	}
	id, ok := verpID(strings.ToLower(addr))
	if !ok {
		return 0, &bounce.VERPError{Err: bounce.ErrNotVERP, Address: addr}
	}
	rcpts, err := o.rcptsOf(ctx, id)
	if err != nil {
		return 0, &outbox.Error{Op: "check verp", ID: id, Err: err}
	}
	if len(rcpts) == 0 {
		return 0, &bounce.VERPError{Err: bounce.ErrNotVERP, Address: addr}
	}
	for _, r := range rcpts {
		if _, err := v.Verify(addr, r.rcptTo); err == nil {
			return id, nil
		}
	}
	return 0, &bounce.VERPError{Err: bounce.ErrForged, Address: addr}
}

// envelopeID is the ENVID of id's transactions (see envidPrefix).
func envelopeID(id outbox.ID) string { return envidPrefix + id.String() }
