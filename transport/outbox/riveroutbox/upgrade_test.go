package riveroutbox_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestUpgradeFromVersion2 takes a message stored by version 2 (its bytes
// deflated, its content hash of its JSON) through Migrate: its
// idempotency key and the duplicate guard still know its content, and a
// worker delivers its bytes.
func TestUpgradeFromVersion2(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		ctx := t.Context()
		exec := func(q string, args ...any) { t.Helper(); mustExec(t, db, q, args...) }
		o := newOutbox(t, db, b.dialect, nil)
		msg := invoice(7, "a@asiakas.fi")
		opts := &outbox.EnqueueOptions{Tenant: "t1", IdempotencyKey: "k1", DocumentKey: "Myyjä Oy\ninvoice\n7"}
		id, err := o.Enqueue(ctx, nil, msg, opts)
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		if err := db.QueryRowContext(ctx, `SELECT data FROM jakelu_outbox_message WHERE id = $1`, int64(id)).Scan(&data); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE jakelu_outbox_message SET data = $2, content_hash = $3 WHERE id = $1`, int64(id), riveroutbox.Deflated(t, data), riveroutbox.LegacyContentHash(msg))
		exec(`DELETE FROM jakelu_outbox_schema WHERE version = 3`)
		if b.dialect == riveroutbox.Postgres {
			exec(`DROP FUNCTION jakelu_outbox_outcome`)
		}
		if _, err := riveroutbox.New(ctx, db, b.dialect, nil); !errors.Is(err, outbox.ErrInvalid) {
			t.Fatalf("New on version 2 tables: %v; want ErrInvalid (run Migrate)", err)
		}
		migrate(t, db, b.dialect)

		o = newOutbox(t, db, b.dialect, nil)
		if again, err := o.Enqueue(ctx, nil, invoice(7, "a@asiakas.fi"), opts); err != nil || again != id {
			t.Errorf("the same key and content after the upgrade: %d, %v; want %d", again, err, id)
		}
		if _, err := o.Enqueue(ctx, nil, invoice(8, "a@asiakas.fi"), opts); !errors.Is(err, outbox.ErrIdempotencyConflict) {
			t.Errorf("the same key, other content: %v; want ErrIdempotencyConflict", err)
		}
		other := *opts
		other.IdempotencyKey = "k2"
		var dup *outbox.DuplicateError
		if _, err := o.Enqueue(ctx, nil, invoice(7, "a@asiakas.fi"), &other); !errors.As(err, &dup) || dup.Previous != id || !dup.SameContent {
			t.Errorf("the same document again: %v; want a DuplicateError for %d with the same content", err, id)
		}

		rec := &transporttest.Recorder{}
		w := newOutbox(t, db, b.dialect, testOptions(rec, nil))
		waitFor(t, w, id, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
		got := rec.Messages()
		if len(got) != 1 || len(got[0].Attachments) != 1 || !bytes.Equal(got[0].Attachments[0].Data, msg.Attachments[0].Data) || got[0].Subject != msg.Subject {
			t.Fatalf("delivered %+v; want the stored invoice 7", got)
		}
	})
}
