package riveroutbox

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport/outbox"
)

// insertBatch stores the items batch (indexes into preps, none with an
// idempotency key) on PostgreSQL with a few statements for all of them
// instead of four per message: the duplicate guard's locks and check,
// the IDs from the sequence, and multi-row inserts. It sets results[i].ID,
// or results[i].Err for a document the guard refuses.
func (o *Outbox) insertBatch(ctx context.Context, tx *sql.Tx, preps []*prepared, batch []int, results []outbox.ItemResult, now time.Time) error {
	// The duplicate guard: lock every document key (sorted, so two
	// batches cannot deadlock), then find the latest live message of each.
	guarded := map[string][2]string{} // tenant \n doc key → tenant, doc key
	var window time.Duration
	for _, i := range batch {
		p := preps[i]
		if p.opts.DocumentKey == "" || p.opts.AllowDuplicate {
			continue
		}
		k := p.opts.Tenant + "\n" + p.opts.DocumentKey
		guarded[k] = [2]string{p.opts.Tenant, p.opts.DocumentKey}
		window = max(window, cmpOr(p.opts.DuplicateWindow, outbox.DefaultDuplicateWindow))
	}
	type previous struct {
		id      int64
		created time.Time
		hash    string
	}
	prev := map[string]previous{}
	if len(guarded) > 0 {
		keys := make([]string, 0, len(guarded))
		for k := range guarded {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7382617, hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k`, textArray(keys)); err != nil {
			return err
		}
		tenants, docKeys := make([]string, len(keys)), make([]string, len(keys))
		for n, k := range keys {
			tenants[n], docKeys[n] = guarded[k][0], guarded[k][1]
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT ON (m.tenant, m.doc_key) m.tenant, m.doc_key, m.id, m.created_at, m.content_hash
FROM unnest($1::text[], $2::text[]) AS k(tenant, doc_key)
JOIN jakelu_outbox_message m ON m.tenant = k.tenant AND m.doc_key = k.doc_key
WHERE m.created_at >= $3 AND EXISTS (SELECT 1 FROM jakelu_outbox_rcpt r
	WHERE r.msg = m.id AND r.state NOT IN ('failed', 'cancelled', 'expired', 'bounced', 'suppressed'))
ORDER BY m.tenant, m.doc_key, m.id DESC`, textArray(tenants), textArray(docKeys), micros(now.Add(-window)))
		if err != nil {
			return err
		}
		for rows.Next() {
			var tenant, key string
			var pr previous
			var created int64
			if err := rows.Scan(&tenant, &key, &pr.id, &created, &pr.hash); err != nil {
				rows.Close()
				return err
			}
			pr.created = fromMicros(created)
			prev[tenant+"\n"+key] = pr
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}

	// IDs for all, then the refusals: an earlier live message within the
	// item's window, or an earlier item of this batch.
	ids := make([]int64, 0, len(batch))
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('jakelu_outbox_message', 'id')) FROM generate_series(1, $1)`, len(batch))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.Sort(ids)
	var keep []int
	for n, i := range batch {
		results[i].ID = outbox.ID(ids[n])
		p := preps[i]
		if p.opts.DocumentKey == "" || p.opts.AllowDuplicate {
			keep = append(keep, i)
			continue
		}
		k := p.opts.Tenant + "\n" + p.opts.DocumentKey
		if pr, ok := prev[k]; ok && !pr.created.Before(now.Add(-cmpOr(p.opts.DuplicateWindow, outbox.DefaultDuplicateWindow))) {
			results[i] = outbox.ItemResult{Err: &outbox.DuplicateError{Previous: outbox.ID(pr.id), SentAt: pr.created, SameContent: sameContent(pr.hash, p)}}
			continue
		}
		prev[k] = previous{id: ids[n], created: now, hash: p.hash}
		keep = append(keep, i)
	}

	// The messages and their recipients, in multi-row inserts of at most
	// 100 messages (of at most 50 recipients, distribution's limit; more
	// are rare: far below PostgreSQL's 65,535 parameters) and about
	// chunkBytes of content. The driver copies the parameters into
	// buffers it grows as it goes: statements of 100 invoices with their
	// PDFs (6 MB) cost 7 % more CPU per document in those copies than
	// statements of 256 KB.
	const msgCols = 13
	for start := 0; start < len(keep); {
		end, size := start, 0
		for end < len(keep) && end-start < 100 && (end == start || size+len(preps[keep[end]].c.Data) <= chunkBytes) {
			size += len(preps[keep[end]].c.Data)
			end++
		}
		chunk := keep[start:end]
		start = end
		var b strings.Builder
		b.WriteString(`INSERT INTO jakelu_outbox_message (id, tenant, content_hash, message_id, env_from, smtputf8, data, doc_ref, doc_key,
requested_by, search, state, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(chunk)*msgCols+1)
		args = append(args, micros(now))
		for n, i := range chunk {
			p := preps[i]
			if n > 0 {
				b.WriteByte(',')
			}
			base := len(args)
			fmt.Fprintf(&b, "($%d", base+1)
			for c := 2; c <= msgCols-1; c++ {
				fmt.Fprintf(&b, ", $%d", base+c)
			}
			b.WriteString(", $1, $1)") // created_at, updated_at
			smtputf8 := 0
			if p.c.SMTPUTF8 {
				smtputf8 = 1
			}
			args = append(args, int64(results[i].ID), p.opts.Tenant, p.hash, p.c.MessageID, p.c.From, smtputf8, p.c.Data,
				p.opts.DocumentRef, p.opts.DocumentKey, p.opts.RequestedBy, searchText(p), string(outbox.Pending))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		b.Reset()
		b.WriteString(`INSERT INTO jakelu_outbox_rcpt (msg, idx, address, rcpt_to, state, attempts, ambiguities, dismissed, code, enhanced, reply, next_at, lease, lease_until, updated_at) VALUES `)
		args = append(args[:0], micros(now), string(outbox.Pending))
		first := true
		for _, i := range chunk {
			p := preps[i]
			for r := range p.c.Recipients {
				if !first {
					b.WriteByte(',')
				}
				first = false
				base := len(args)
				fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $2, 0, 0, 0, 0, '', '', $%d, 0, 0, $1)", base+1, base+2, base+3, base+4, base+5)
				args = append(args, int64(results[i].ID), r, p.c.Recipients[r], p.c.RcptTo[r], micros(later(now, p.opts.NotBefore)))
			}
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// chunkBytes bounds the content of one multi-row insert (see insertBatch).
const chunkBytes = 256 << 10

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// searchText is what List's Search looks in.
func searchText(p *prepared) string {
	return strings.ToLower(p.c.MessageID + "\n" + p.opts.DocumentRef + "\n" + strings.Join(p.c.Recipients, "\n"))
}

// textArray writes a PostgreSQL text array literal, a plain text
// parameter for any driver.
func textArray(values []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
