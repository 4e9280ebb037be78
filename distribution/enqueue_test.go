package distribution_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// queueRouter returns an enqueue-only router on a SQLite outbox.
func queueRouter(t *testing.T) (*distribution.Router, *riveroutbox.Outbox, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "outbox.db")+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := riveroutbox.Migrate(t.Context(), db, riveroutbox.SQLite); err != nil {
		t.Fatal(err)
	}
	ob, err := riveroutbox.New(t.Context(), db, riveroutbox.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := distribution.NewRouter(directory(t, ""), nil, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, From: "laskut@operaattori.example", Company: "acme",
	}, &distribution.Options{Outbox: ob, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return r, ob, db
}

func TestEnqueue(t *testing.T) {
	r, ob, db := queueRouter(t)
	ctx := t.Context()
	doc := readDoc(t, "ubl-invoice.xml")
	res, err := r.Enqueue(ctx, nil, doc, nil)
	if err != nil || res.Outcome != distribution.Queued || res.OutboxID == 0 {
		t.Fatalf("Enqueue: %v, %+v", err, res)
	}
	st, err := ob.Status(ctx, res.OutboxID)
	if err != nil || st.MessageID != res.MessageID || st.Tenant != "acme" || len(st.Recipients) == 0 || st.State != outbox.Pending {
		t.Fatalf("Status: %+v, %v", st, err)
	}
	js, _ := json.Marshal(res.Summary("en"))
	if !strings.Contains(string(js), `"outcome":"queued"`) || !strings.Contains(string(js), `"outbox_id":`) {
		t.Errorf("summary %s", js)
	}

	// The same document again: refused by the duplicate guard.
	res2, err := r.Enqueue(ctx, nil, doc, nil)
	var dup *distribution.DuplicateError
	if res2.Outcome != distribution.Duplicate || !errors.As(err, &dup) || !errors.Is(err, distribution.ErrDuplicateDocument) ||
		dup.Previous != res.OutboxID || !dup.SameContent {
		t.Fatalf("again: %v, %+v", err, res2)
	}
	// An explicit resend needs who asked, and gets a new Message-ID.
	if res3, _ := r.Enqueue(ctx, nil, doc, &distribution.EnqueueOptions{AllowDuplicate: true}); res3.Outcome != distribution.Rejected {
		t.Errorf("resend without RequestedBy: %+v", res3)
	}
	res4, err := r.Enqueue(ctx, nil, doc, &distribution.EnqueueOptions{AllowDuplicate: true, RequestedBy: "clerk@acme.example"})
	if err != nil || res4.Outcome != distribution.Queued || res4.MessageID == res.MessageID || !strings.HasSuffix(res4.MessageID, "@operaattori.example") {
		t.Fatalf("resend: %v, %+v (first Message-ID %s)", err, res4, res.MessageID)
	}
	// Nobody received them: the guard is released.
	for _, id := range []outbox.ID{res.OutboxID, res4.OutboxID} {
		if err := ob.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if res5, err := r.Enqueue(ctx, nil, doc, nil); err != nil || res5.Outcome != distribution.Queued {
		t.Errorf("after cancelling: %v, %+v", err, res5)
	}

	// In the caller's transaction: gone with a rollback.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	res6, err := r.Enqueue(ctx, tx, readDoc(t, "finvoice-invoice.xml"), &distribution.EnqueueOptions{IdempotencyKey: "k"})
	if err != nil && res6.Outcome != distribution.NotRouted {
		t.Fatal(err)
	}
	tx.Rollback()
	if res6.OutboxID != 0 {
		if _, err := ob.Status(ctx, res6.OutboxID); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("after rollback: %v", err)
		}
	}

	// Not a document: rejected, nothing stored.
	if res7, _ := r.Enqueue(ctx, nil, []byte("not xml"), nil); res7.Outcome != distribution.Rejected {
		t.Errorf("garbage: %+v", res7)
	}
	// Sending directly needs a transport.
	if res8, err := r.Distribute(ctx, doc); res8.Outcome != distribution.Deferred || !errors.Is(err, transport.ErrNoTransport) {
		t.Errorf("Distribute on an enqueue-only router: %v, %+v", err, res8)
	}
}

func TestEnqueueAll(t *testing.T) {
	r, ob, _ := queueRouter(t)
	ctx := t.Context()
	ubl, cii := readDoc(t, "ubl-invoice.xml"), readDoc(t, "cii-credit-note.xml")
	res := r.EnqueueAll(ctx, nil, [][]byte{ubl, cii, ubl, []byte("x")}, &distribution.EnqueueOptions{IdempotencyKey: "batch-1"})
	want := []distribution.Outcome{distribution.Queued, distribution.Queued, distribution.Duplicate, distribution.Rejected}
	for i, w := range want {
		if res[i].Outcome != w {
			t.Errorf("document %d: %s (%v); want %s", i, res[i].Outcome, res[i].Err, w)
		}
	}
	// The same batch again with the same key: the same IDs, nothing new.
	again := r.EnqueueAll(ctx, nil, [][]byte{ubl, cii}, &distribution.EnqueueOptions{IdempotencyKey: "batch-1"})
	if again[0].OutboxID != res[0].OutboxID || again[1].OutboxID != res[1].OutboxID {
		t.Errorf("repeated batch: %+v %+v", again[0], again[1])
	}
	page, err := ob.List(ctx, outbox.Query{})
	if err != nil || len(page.Messages) != 2 {
		t.Errorf("outbox holds %d messages, %v; want 2", len(page.Messages), err)
	}
	// Without an outbox nothing can be enqueued.
	plain, err := distribution.NewRouter(nil, &transporttest.Recorder{}, distribution.Settings{Enabled: true, DocumentAddress: true, From: "a@b.example"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := plain.Enqueue(ctx, nil, ubl, nil); res.Outcome != distribution.Deferred || !errors.Is(err, distribution.ErrNoOutbox) {
		t.Errorf("no outbox: %v, %+v", err, res)
	}
}

// TestEnqueueAll_mixedProfiles enqueues a batch whose first document has
// standard and scan-profile recipients: its two outbox messages sit beside
// the other documents' in the batch, the same document again in the batch
// is a duplicate, and a repeated batch with the same idempotency key gives
// the same IDs for both parts.
func TestEnqueueAll_mixedProfiles(t *testing.T) {
	_, ob, _ := queueRouter(t)
	ctx := t.Context()
	r, err := distribution.NewRouter(scanDirectory(t, ""), nil, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, Precedence: distribution.Both,
		From: "laskut@operaattori.example", Company: "acme",
	}, &distribution.Options{Outbox: ob, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ubl, cii := readDoc(t, "ubl-invoice.xml"), readDoc(t, "cii-credit-note.xml")
	opts := &distribution.EnqueueOptions{IdempotencyKey: "mixed-1"}
	res := r.EnqueueAll(ctx, nil, [][]byte{ubl, cii, ubl}, opts)
	want := []distribution.Outcome{distribution.Queued, distribution.Queued, distribution.Duplicate}
	for i, w := range want {
		if res[i].Outcome != w {
			t.Errorf("document %d: %s (%v); want %s", i, res[i].Outcome, res[i].Err, w)
		}
	}
	if res[0].OutboxID == 0 || res[0].ScanOutboxID == 0 || res[0].ScanMessageID == "" || res[1].ScanOutboxID != 0 {
		t.Fatalf("outbox IDs: mixed %d and %d (scan Message-ID %q), other scan %d", res[0].OutboxID, res[0].ScanOutboxID, res[0].ScanMessageID, res[1].ScanOutboxID)
	}
	for _, c := range []struct {
		id  outbox.ID
		mid string
	}{{res[0].OutboxID, res[0].MessageID}, {res[0].ScanOutboxID, res[0].ScanMessageID}} {
		st, err := ob.Status(ctx, c.id)
		if err != nil || st.MessageID != c.mid {
			t.Errorf("message %d: %+v, %v; want Message-ID %s", c.id, st, err, c.mid)
		}
	}
	again := r.EnqueueAll(ctx, nil, [][]byte{ubl, cii}, opts)
	if again[0].OutboxID != res[0].OutboxID || again[0].ScanOutboxID != res[0].ScanOutboxID || again[1].OutboxID != res[1].OutboxID {
		t.Errorf("repeated batch: %+v %+v", again[0], again[1])
	}
	page, err := ob.List(ctx, outbox.Query{})
	if err != nil || len(page.Messages) != 3 {
		t.Errorf("outbox holds %d messages, %v; want 3 (two parts and the credit note)", len(page.Messages), err)
	}
}

// TestEnqueue_mixedAfterStandard enqueues a document standard-only, then
// again after its customer got a scan-profile address: the duplicate guard
// refuses both parts, and neither is stored.
func TestEnqueue_mixedAfterStandard(t *testing.T) {
	standard, ob, _ := queueRouter(t)
	ctx := t.Context()
	ubl := readDoc(t, "ubl-invoice.xml")
	first, err := standard.Enqueue(ctx, nil, ubl, nil)
	if err != nil || first.Outcome != distribution.Queued || first.ScanOutboxID != 0 {
		t.Fatalf("standard-only Enqueue: %v, %+v", err, first)
	}
	mixed, err := distribution.NewRouter(scanDirectory(t, ""), nil, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, Precedence: distribution.Both,
		From: "laskut@operaattori.example", Company: "acme",
	}, &distribution.Options{Outbox: ob, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	res, err := mixed.Enqueue(ctx, nil, ubl, nil)
	var dup *distribution.DuplicateError
	if res.Outcome != distribution.Duplicate || !errors.As(err, &dup) || dup.Previous != first.OutboxID ||
		res.OutboxID != 0 || res.ScanOutboxID != 0 {
		t.Fatalf("mixed Enqueue after the standard one: %v, %+v", err, res)
	}
	page, err := ob.List(ctx, outbox.Query{})
	if err != nil || len(page.Messages) != 1 {
		t.Errorf("outbox holds %d messages, %v; want only the first", len(page.Messages), err)
	}
}

// numbered returns the UBL test invoice with document number n.
func numbered(t testing.TB, n int) []byte {
	t.Helper()
	doc := string(readDoc(t, "ubl-invoice.xml"))
	i := strings.Index(doc, "<cbc:ID>")
	j := strings.Index(doc[i:], "</cbc:ID>")
	if i < 0 || j < 0 {
		t.Fatal("ubl-invoice.xml has no cbc:ID")
	}
	return []byte(doc[:i+len("<cbc:ID>")] + fmt.Sprintf("PART-%d", n) + doc[i+j:])
}

// failSecond is an outbox whose second EnqueueBatch fails, as a database
// that went away in the middle of a batch.
type failSecond struct {
	*riveroutbox.Outbox
	calls int
}

func (f *failSecond) EnqueueBatch(ctx context.Context, tx *sql.Tx, items []outbox.Item) ([]outbox.ItemResult, error) {
	if f.calls++; f.calls == 2 {
		return nil, errors.New("the database went away")
	}
	return f.Outbox.EnqueueBatch(ctx, tx, items)
}

// TestEnqueueAll_large enqueues 250 inputs, which are composed and stored
// a hundred at a time in one transaction: every document is queued once,
// the duplicate guard sees a document of an earlier hundred, a repeated
// batch with the same key gives the same IDs, a failure in the second
// hundred stores nothing at all, and in the caller's transaction the
// batch is stored only when it commits.
func TestEnqueueAll_large(t *testing.T) {
	r, ob, db := queueRouter(t)
	ctx := t.Context()
	var inputs [][]byte
	for n := range 249 {
		inputs = append(inputs, numbered(t, n))
	}
	inputs[150] = numbered(t, 10) // a document of the first hundred again
	inputs = append(inputs, []byte("x"))
	res := r.EnqueueAll(ctx, nil, inputs, &distribution.EnqueueOptions{IdempotencyKey: "parts"})
	if len(res) != len(inputs) {
		t.Fatalf("%d results for %d inputs", len(res), len(inputs))
	}
	ids := map[outbox.ID]bool{}
	for i, rs := range res {
		want := distribution.Queued
		switch i {
		case 150:
			want = distribution.Duplicate
		case 249:
			want = distribution.Rejected
		}
		if rs.Outcome != want {
			t.Fatalf("document %d: %s (%v); want %s", i, rs.Outcome, rs.Err, want)
		}
		if want == distribution.Queued {
			if ids[rs.OutboxID] {
				t.Fatalf("document %d: outbox ID %d given twice", i, rs.OutboxID)
			}
			ids[rs.OutboxID] = true
		}
	}
	var dup *distribution.DuplicateError
	if !errors.As(res[150].Err, &dup) || dup.Previous != res[10].OutboxID {
		t.Errorf("document 150: %v; want a duplicate of %d", res[150].Err, res[10].OutboxID)
	}
	count := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM jakelu_outbox_message`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != len(ids) {
		t.Errorf("the outbox holds %d messages; want %d", n, len(ids))
	}
	again := r.EnqueueAll(ctx, nil, inputs, &distribution.EnqueueOptions{IdempotencyKey: "parts"})
	for i := range res {
		if again[i].Outcome != res[i].Outcome || again[i].OutboxID != res[i].OutboxID {
			t.Fatalf("document %d again: %s %d; want %s %d", i, again[i].Outcome, again[i].OutboxID, res[i].Outcome, res[i].OutboxID)
		}
	}

	// A failure in the second hundred: nothing of the batch is stored.
	f := &failSecond{Outbox: ob}
	fr, err := distribution.NewRouter(directory(t, ""), nil, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, From: "laskut@operaattori.example", Company: "acme",
	}, &distribution.Options{Outbox: f, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var fresh [][]byte
	for n := range 150 {
		fresh = append(fresh, numbered(t, 1000+n))
	}
	for i, rs := range fr.EnqueueAll(ctx, nil, fresh, nil) {
		if rs.Outcome != distribution.Deferred || rs.OutboxID != 0 || rs.Err == nil || !strings.Contains(rs.Err.Error(), "went away") {
			t.Fatalf("document %d of the failed batch: %s %d %v; want deferred", i, rs.Outcome, rs.OutboxID, rs.Err)
		}
	}
	if n := count(); n != len(ids) {
		t.Errorf("after the failed batch the outbox holds %d messages; want %d", n, len(ids))
	}

	// In the caller's transaction: stored when it commits, not before.
	for _, commit := range []bool{false, true} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		queued := 0
		for _, rs := range r.EnqueueAll(ctx, tx, fresh, nil) {
			if rs.Outcome == distribution.Queued {
				queued++
			}
		}
		if queued != len(fresh) {
			t.Fatalf("in the caller's transaction %d of %d queued", queued, len(fresh))
		}
		want := len(ids)
		if commit {
			err, want = tx.Commit(), len(ids)+len(fresh)
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := count(); n != want {
			t.Errorf("after the caller's transaction (commit %v) the outbox holds %d messages; want %d", commit, n, want)
		}
	}
}
