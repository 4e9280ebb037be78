package riveroutbox_test

import (
	"testing"

	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// TestCombinedStateSQL stores every pair of recipient states and checks
// that the SQL computing a message's combined state agrees with
// outbox.Combine: updateState on both dialects, and on PostgreSQL the
// function committing an outcome.
func TestCombinedStateSQL(t *testing.T) {
	order := outbox.CombineOrder()
	forEachBackend(t, func(t *testing.T, be backend) {
		db, _ := be.open(t)
		ctx := t.Context()
		exec := func(q string, args ...any) { t.Helper(); mustExec(t, db, q, args...) }
		state := func(id int64) outbox.State {
			t.Helper()
			var s string
			if err := db.QueryRowContext(ctx, `SELECT state FROM jakelu_outbox_message WHERE id = $1`, id).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return outbox.State(s)
		}
		// Recipients of other messages in every state: the statements
		// must look at their own message's only.
		exec(`INSERT INTO jakelu_outbox_message (id, tenant, content_hash, message_id, env_from, smtputf8, data, doc_ref, doc_key, requested_by, search, state, created_at, updated_at)
VALUES (1, '', '', 'other@x', 'f@x', 0, NULL, '', '', '', '', 'pending', 0, 0)`)
		for i, s := range order {
			exec(`INSERT INTO jakelu_outbox_rcpt (msg, idx, address, rcpt_to, state, attempts, ambiguities, dismissed, code, enhanced, reply, next_at, lease, lease_until, updated_at)
VALUES (1, $1, 'a@x', 'a@x', $2, 0, 0, 0, 0, '', '', 0, 0, 0, 0)`, i, string(s))
		}
		id := int64(1)
		for _, a := range order {
			for _, b := range order {
				id++
				exec(`INSERT INTO jakelu_outbox_message (id, tenant, content_hash, message_id, env_from, smtputf8, data, doc_ref, doc_key, requested_by, search, state, created_at, updated_at)
VALUES ($1, '', '', 'm@x', 'f@x', 0, NULL, '', '', '', '', 'pending', 0, 0)`, id)
				for i, s := range []outbox.State{a, b} {
					exec(`INSERT INTO jakelu_outbox_rcpt (msg, idx, address, rcpt_to, state, attempts, ambiguities, dismissed, code, enhanced, reply, next_at, lease, lease_until, updated_at)
VALUES ($1, $2, 'a@x', 'a@x', $3, 0, 0, 0, 0, '', '', 0, 7, 0, 0)`, id, i, string(s))
				}
				exec(riveroutbox.UpdateStateSQL, id, 1)
				if got, want := state(id), outbox.Combine(a, b); got != want {
					t.Errorf("updateState with recipients %s, %s: %s, want %s", a, b, got, want)
				}
				if be.dialect != riveroutbox.Postgres {
					continue
				}
				// Recipient 0, sending, gets the outcome a again; recipient 1 stays b.
				exec(`UPDATE jakelu_outbox_rcpt SET state = 'sending' WHERE msg = $1 AND idx = 0`, id)
				exec(`SELECT jakelu_outbox_outcome($1, 0, 7, $2, 1, 0, 0, '', '', 0, 2)`, id, string(a))
				if got, want := state(id), outbox.Combine(a, b); got != want {
					t.Errorf("outcome %s beside a recipient %s: %s, want %s", a, b, got, want)
				}
			}
		}
		if be.dialect != riveroutbox.Postgres {
			return
		}
		// The function's other answers: a stale lease changes nothing,
		// and a message that is gone is -1 (outbox.ErrNotFound).
		for _, tc := range []struct {
			msg, lease int64
			want       int
		}{{2, 8, 0}, {1 << 40, 7, -1}} {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT jakelu_outbox_outcome($1, 0, $2, 'failed', 1, 0, 550, '5.1.1', 'no', 0, 3)`, tc.msg, tc.lease).Scan(&n); err != nil || n != tc.want {
				t.Errorf("outcome for message %d lease %d: %d, %v; want %d", tc.msg, tc.lease, n, err, tc.want)
			}
		}
		var rs string
		var code int
		if err := db.QueryRowContext(ctx, `SELECT state, code FROM jakelu_outbox_rcpt WHERE msg = 2 AND idx = 0`).Scan(&rs, &code); err != nil || rs != string(order[0]) || code != 0 {
			t.Errorf("a stale lease changed the recipient: %s %d %v", rs, code, err)
		}
	})
}
