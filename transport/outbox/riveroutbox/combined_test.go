package riveroutbox_test

import (
	"testing"

	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// TestCombinedStateSQL stores every pair of recipient states and checks
// that the statements computing a message's combined state agree with
// outbox.Combine: updateState on both dialects, and on PostgreSQL the
// outcome statement, which counts the recipient it changes in its new
// state.
func TestCombinedStateSQL(t *testing.T) {
	order := outbox.CombineOrder()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db, _ := be.open(t)
			ctx := t.Context()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
			}
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
					exec(riveroutbox.OutcomeStatementSQL, id, 0, 7, string(a), 1, 0, 0, "", "", 0, 2)
					if got, want := state(id), outbox.Combine(a, b); got != want {
						t.Errorf("outcome %s beside a recipient %s: %s, want %s", a, b, got, want)
					}
				}
			}
		})
	}
}
