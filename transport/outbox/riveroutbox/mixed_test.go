package riveroutbox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestEnqueueMixedProfiles enqueues a document whose own address gets the
// standard e-mail and whose directory entry has the scan profile: refused
// for both parts after a standard-only enqueue of it; two outbox messages
// in one transaction (gone together with a rollback), the
// document refused as a duplicate when enqueued again, and the workers
// deliver both: the scan one with exactly one PDF and no XML, the standard
// one with the XML.
func TestEnqueueMixedProfiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		db, _ := b.open(t)
		rec := &transporttest.Recorder{}
		ob := newOutbox(t, db, b.dialect, testOptions(rec, nil))
		dir := registry.NewMemory(nil)
		if err := dir.Put(ctx, registry.Entry{CustomerNumber: "30001", To: []string{"ap@kemin-kukka.example"},
			Cc: []string{"arkisto@kemin-kukka.example"}, Profile: registry.ProfileScan}); err != nil {
			t.Fatal(err)
		}
		r, err := distribution.NewRouter(dir, nil, distribution.Settings{Enabled: true, DocumentAddress: true, Directory: true,
			Precedence: distribution.Both, From: "laskut@operaattori.example", Company: "acme"}, &distribution.Options{Outbox: ob})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := os.ReadFile("../../../examples/quickstart/documents/ubl-invoice.xml")
		if err != nil {
			t.Fatal(err)
		}

		// In the caller's transaction after a standard-only enqueue of the
		// document: the guard refuses both parts. Then a rollback.
		standard, err := distribution.NewRouter(nil, nil, distribution.Settings{Enabled: true, DocumentAddress: true,
			From: "laskut@operaattori.example", Company: "acme"}, &distribution.Options{Outbox: ob})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		first, err := standard.Enqueue(ctx, tx, doc, nil)
		if err != nil || first.Outcome != distribution.Queued {
			tx.Rollback()
			t.Fatalf("standard-only Enqueue: %v, %+v", err, first)
		}
		if res, _ := r.Enqueue(ctx, tx, doc, nil); res.Outcome != distribution.Duplicate || res.OutboxID != 0 || res.ScanOutboxID != 0 {
			tx.Rollback()
			t.Fatalf("mixed Enqueue after a standard-only one: %+v", res)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}

		// In the caller's transaction: both parts are gone with a rollback.
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Enqueue(ctx, tx, doc, nil)
		if err != nil || res.Outcome != distribution.Queued || res.OutboxID == 0 || res.ScanOutboxID == 0 {
			tx.Rollback()
			t.Fatalf("Enqueue in tx: %v, %+v", err, res)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		for _, id := range []outbox.ID{res.OutboxID, res.ScanOutboxID} {
			if _, err := ob.Status(ctx, id); !errors.Is(err, outbox.ErrNotFound) {
				t.Errorf("message %d after rollback: %v, want ErrNotFound", id, err)
			}
		}

		res, err = r.Enqueue(ctx, nil, doc, nil)
		if err != nil || res.Outcome != distribution.Queued || res.OutboxID == 0 || res.ScanOutboxID == 0 || res.OutboxID == res.ScanOutboxID {
			t.Fatalf("Enqueue: %v, %+v", err, res)
		}
		if res.MessageID == "" || res.ScanMessageID == "" || res.MessageID == res.ScanMessageID {
			t.Errorf("Message-IDs %q and %q, want two distinct", res.MessageID, res.ScanMessageID)
		}
		js, _ := json.Marshal(res.Summary("en"))
		if !strings.Contains(string(js), `"scan_outbox_id":`+res.ScanOutboxID.String()) ||
			!strings.Contains(string(js), `"outbox_id":`+res.OutboxID.String()) {
			t.Errorf("summary %s", js)
		}

		// The same document again: refused by the guard, nothing stored.
		again, err := r.Enqueue(ctx, nil, doc, nil)
		var dup *distribution.DuplicateError
		if again.Outcome != distribution.Duplicate || !errors.As(err, &dup) || (dup.Previous != res.OutboxID && dup.Previous != res.ScanOutboxID) ||
			again.OutboxID != 0 || again.ScanOutboxID != 0 {
			t.Fatalf("again: %v, %+v", err, again)
		}
		page, err := ob.List(ctx, outbox.Query{Tenant: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 2 {
			t.Errorf("the outbox holds %d messages, want the two parts", len(page.Messages))
		}

		// The workers deliver both.
		want := map[outbox.ID]string{res.OutboxID: res.MessageID, res.ScanOutboxID: res.ScanMessageID}
		for id, mid := range want {
			st := waitFor(t, ob, id, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
			if st.MessageID != mid {
				t.Errorf("message %d has Message-ID %q, want %q", id, st.MessageID, mid)
			}
		}
		// The outbox sends each recipient its own SMTP transaction: the
		// Recorder holds one message per recipient, two Message-IDs.
		var std, scan *transport.Message
		ids := map[string]bool{}
		for _, m := range rec.Messages() {
			ids[m.MessageID] = true
			switch m.MessageID {
			case res.MessageID:
				std = m
			case res.ScanMessageID:
				scan = m
			}
		}
		if std == nil || scan == nil || len(ids) != 2 {
			t.Fatalf("delivered Message-IDs %v; standard %t, scan %t", ids, std != nil, scan != nil)
		}
		if len(scan.Attachments) != 1 || scan.Attachments[0].ContentType != "application/pdf" ||
			!bytes.HasPrefix(scan.Attachments[0].Data, []byte("%PDF-")) {
			t.Errorf("the scan e-mail has %d attachments, want exactly one PDF", len(scan.Attachments))
		}
		if len(scan.To)+len(scan.Cc) != 2 || len(std.To)+len(std.Cc) != 1 {
			t.Errorf("the scan e-mail names %v %v, the standard one %v %v; want the two scan-profile recipients and the document's address", scan.To, scan.Cc, std.To, std.Cc)
		}
		xml := false
		for _, a := range std.Attachments {
			xml = xml || strings.Contains(a.ContentType, "xml")
		}
		if !xml {
			t.Errorf("the standard e-mail has no XML attachment")
		}
	})
}
