package riveroutbox_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// failFirst answers reply to RCPT TO addr the first n times.
func failFirst(addr string, n int, reply transporttest.Response) func(transporttest.Command) transporttest.Response {
	var seen atomic.Int32
	return func(c transporttest.Command) transporttest.Response {
		if c.Verb == "RCPT" && c.Address == addr && int(seen.Add(1)) <= n {
			return reply
		}
		return transporttest.Response{}
	}
}

// TestFaults drives the SMTP fault matrix through the outbox.
func TestFaults(t *testing.T) {
	cases := []struct {
		name    string
		respond func() func(transporttest.Command) transporttest.Response // a new script per run
		policy  outbox.Ambiguity
		want    outbox.State // of b@asiakas.fi; a@asiakas.fi is always delivered
		check   func(t *testing.T, r outbox.RecipientStatus, stored int)
	}{
		{name: "delivered", want: outbox.Delivered, check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
			if r.Attempts != 1 || r.Code != 250 || stored != 2 {
				t.Errorf("attempts %d, code %d, stored %d; want 1, 250, 2", r.Attempts, r.Code, stored)
			}
		}},
		{name: "4xx_then_recovery", respond: func() func(transporttest.Command) transporttest.Response {
			return failFirst("b@asiakas.fi", 2, transporttest.Response{Code: 451, Enhanced: "4.3.0", Text: "try later"})
		},
			want: outbox.Delivered, check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
				if r.Attempts != 3 || stored != 2 {
					t.Errorf("attempts %d, stored %d; want 3 and 2", r.Attempts, stored)
				}
			}},
		{name: "5xx", respond: func() func(transporttest.Command) transporttest.Response {
			return failFirst("b@asiakas.fi", 100, transporttest.Response{Code: 550, Enhanced: "5.1.1", Text: "no such user"})
		},
			want: outbox.Failed, check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
				if r.Attempts != 1 || r.Code != 550 || r.EnhancedCode != "5.1.1" || !strings.Contains(r.Text, "no such user") || stored != 1 {
					t.Errorf("got %+v, stored %d; want one attempt, 550 5.1.1 no such user, 1 stored", r, stored)
				}
			}},
		{name: "421_snoozes", respond: func() func(transporttest.Command) transporttest.Response {
			return failFirst("b@asiakas.fi", 3, transporttest.Response{Code: 421, Enhanced: "4.7.0", Text: "busy", CloseAfter: true})
		},
			want: outbox.Delivered, check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
				if r.Attempts != 1 || stored != 2 {
					t.Errorf("attempts %d, stored %d; want 1 (busy replies do not count) and 2", r.Attempts, stored)
				}
			}},
		{name: "lost_after_dot_held", respond: func() func(transporttest.Command) transporttest.Response { return dropDotFor("b@asiakas.fi", 1) }, want: outbox.Ambiguous,
			check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
				if r.Attempts != 1 || r.Ambiguities != 1 || stored != 2 {
					t.Errorf("got %+v, stored %d; want one attempt, one ambiguity, 2 stored", r, stored)
				}
			}},
		{name: "lost_after_dot_retried", respond: func() func(transporttest.Command) transporttest.Response { return dropDotFor("b@asiakas.fi", 1) }, policy: outbox.Retry, want: outbox.Delivered,
			check: func(t *testing.T, r outbox.RecipientStatus, stored int) {
				if r.Attempts != 2 || r.Ambiguities != 1 || stored != 3 {
					t.Errorf("got %+v, stored %d; want 2 attempts, one ambiguity, 3 stored (one duplicate)", r, stored)
				}
			}},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				script := &transporttest.Script{}
				if tc.respond != nil {
					script.Respond = tc.respond()
				}
				srv := transporttest.NewServer(t, script)
				db, _ := b.open(t)
				var log changeLog
				opts := testOptions(smtpTo(t, srv.Addr(), 2*time.Second), &log)
				opts.Ambiguity = tc.policy
				o := newOutbox(t, db, b.dialect, opts)
				id, err := o.Enqueue(t.Context(), nil, invoice(1, "a@asiakas.fi", "b@asiakas.fi"), &outbox.EnqueueOptions{Tenant: "t1", DocumentRef: "invoice 1"})
				if err != nil {
					t.Fatal(err)
				}
				st := waitFor(t, o, id, string(tc.want), func(st *outbox.Status) bool {
					return st.Recipients[0].State == outbox.Delivered && st.Recipients[1].State == tc.want
				})
				if due, err := o.Due(t.Context()); err != nil || due != 0 {
					t.Errorf("Due = %d, %v; want 0", due, err)
				}
				tc.check(t, st.Recipients[1], srv.Received())
				// One transaction per recipient, always the same Message-ID.
				for _, m := range srv.Messages() {
					if len(m.To) != 1 || !strings.Contains(string(m.Data), "Message-ID: <"+st.MessageID+">") {
						t.Errorf("stored message to %v does not carry Message-ID %s alone", m.To, st.MessageID)
					}
				}
				// The hook runs after the commit the status showed.
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					got := log.list()
					if slices.ContainsFunc(got, func(c outbox.Change) bool {
						return c.Address == "b@asiakas.fi" && c.From == outbox.Sending && c.To == tc.want && c.ID == id
					}) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("OnChange never saw b@asiakas.fi become %s: %+v", tc.want, got)
					}
				}
			})
		}
	})
}

// dropDotFor stores the message for addr and drops the connection
// before the reply, the first n times.
func dropDotFor(addr string, n int) func(transporttest.Command) transporttest.Response {
	var mu sync.Mutex
	conn, left := map[int]bool{}, n
	return func(c transporttest.Command) transporttest.Response {
		mu.Lock()
		defer mu.Unlock()
		if c.Verb == "RCPT" {
			conn[c.Conn] = c.Address == addr
		}
		if c.Verb == "." && conn[c.Conn] && left > 0 {
			left--
			return transporttest.Response{Drop: true}
		}
		return transporttest.Response{}
	}
}

// TestRelease: a held ambiguous recipient is sent again, same bytes and
// Message-ID, on Release; Dismiss closes one without sending.
func TestRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := transporttest.NewServer(t, &transporttest.Script{Respond: dropDotFor("b@asiakas.fi", 1)})
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil))
		ctx := t.Context()
		id, err := o.Enqueue(ctx, nil, invoice(2, "b@asiakas.fi"), nil)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, o, id, "ambiguous", func(st *outbox.Status) bool { return st.State == outbox.Ambiguous })
		if err := o.Release(ctx, id, []string{"other@asiakas.fi"}); !errors.Is(err, outbox.ErrNotAmbiguous) {
			t.Errorf("Release of another address = %v; want ErrNotAmbiguous", err)
		}
		if err := o.Release(ctx, id, []string{"B@asiakas.fi"}); err != nil {
			t.Fatal(err)
		}
		st := waitFor(t, o, id, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
		msgs := srv.Messages()
		if len(msgs) != 2 || string(msgs[0].Data) != string(msgs[1].Data) {
			t.Fatalf("server stored %d messages, want 2 with the same bytes", len(msgs))
		}
		if st.Recipients[0].Attempts != 2 {
			t.Errorf("attempts %d, want 2", st.Recipients[0].Attempts)
		}
		if err := o.Release(ctx, id, nil); !errors.Is(err, outbox.ErrNotAmbiguous) {
			t.Errorf("Release of a delivered message = %v; want ErrNotAmbiguous", err)
		}
	})
}

func TestDismissAndCancel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := transporttest.NewServer(t, &transporttest.Script{Respond: dropDotFor("b@asiakas.fi", 1)})
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil))
		ctx := t.Context()
		amb, _ := o.Enqueue(ctx, nil, invoice(3, "b@asiakas.fi"), nil)
		later, err := o.Enqueue(ctx, nil, invoice(4, "c@asiakas.fi", "d@asiakas.fi"), &outbox.EnqueueOptions{NotBefore: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, o, amb, "ambiguous", func(st *outbox.Status) bool { return st.State == outbox.Ambiguous })
		if err := o.Dismiss(ctx, amb, nil); err != nil {
			t.Fatal(err)
		}
		if st, _ := o.Status(ctx, amb); !st.Recipients[0].Dismissed || st.State != outbox.Ambiguous {
			t.Errorf("after Dismiss: %+v", st)
		}
		if err := o.Dismiss(ctx, amb, nil); !errors.Is(err, outbox.ErrNotAmbiguous) {
			t.Errorf("second Dismiss = %v; want ErrNotAmbiguous", err)
		}
		st, _ := o.Status(ctx, later)
		if st.State != outbox.Pending || st.Recipients[0].NextAttempt.Before(time.Now().Add(50*time.Minute)) {
			t.Fatalf("not-before message: %+v", st)
		}
		if err := o.Cancel(ctx, later); err != nil {
			t.Fatal(err)
		}
		if st, _ := o.Status(ctx, later); !slices.Equal(states(st), []outbox.State{outbox.Cancelled, outbox.Cancelled}) || st.State != outbox.Cancelled {
			t.Errorf("after Cancel: %+v", st)
		}
		if err := o.Cancel(ctx, later); !errors.Is(err, outbox.ErrNotCancellable) {
			t.Errorf("second Cancel = %v; want ErrNotCancellable", err)
		}
		if err := o.Cancel(ctx, 999999); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("Cancel of an unknown ID = %v; want ErrNotFound", err)
		}
		if _, err := o.Status(ctx, 999999); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("Status of an unknown ID = %v; want ErrNotFound", err)
		}
		if srv.Received() != 1 {
			t.Errorf("server received %d, want only the ambiguous one", srv.Received())
		}
	})
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestExpiry: a recipient still deferred after MaxAge expires with the
// last reply; the clock is moved by six days between attempts.
func TestExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := transporttest.NewServer(t, &transporttest.Script{Respond: failFirst("b@asiakas.fi", 1000,
			transporttest.Response{Code: 450, Enhanced: "4.2.1", Text: "mailbox busy"})})
		db, _ := b.open(t)
		clock := &fakeClock{t: time.Now()}
		opts := testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil)
		opts.Now = clock.Now
		opts.Schedule = outbox.Schedule{Delays: []time.Duration{100 * time.Millisecond}, Every: 100 * time.Millisecond, MaxAge: 5 * 24 * time.Hour}
		o := newOutbox(t, db, b.dialect, opts)
		id, err := o.Enqueue(t.Context(), nil, invoice(5, "b@asiakas.fi"), nil)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, o, id, "deferred", func(st *outbox.Status) bool { return st.State == outbox.Deferred })
		clock.Advance(6 * 24 * time.Hour)
		st := waitFor(t, o, id, "expired", func(st *outbox.Status) bool { return st.State == outbox.Expired })
		r := st.Recipients[0]
		if r.Code != 450 || r.EnhancedCode != "4.2.1" || r.Attempts < 2 || !r.NextAttempt.IsZero() {
			t.Errorf("expired recipient %+v; want the last reply 450 4.2.1 after at least 2 attempts", r)
		}
	})
}

// TestEnqueue covers idempotency, the caller's transaction and input
// errors.
func TestEnqueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, nil)
		ctx := t.Context()
		opts := &outbox.EnqueueOptions{Tenant: "t1", IdempotencyKey: "k1"}
		id1, err := o.Enqueue(ctx, nil, invoice(6, "a@asiakas.fi"), opts)
		if err != nil {
			t.Fatal(err)
		}
		id2, err := o.Enqueue(ctx, nil, invoice(6, "a@asiakas.fi"), opts)
		if err != nil || id2 != id1 {
			t.Errorf("same key and content: %d, %v; want %d", id2, err, id1)
		}
		if _, err := o.Enqueue(ctx, nil, invoice(7, "a@asiakas.fi"), opts); !errors.Is(err, outbox.ErrIdempotencyConflict) {
			t.Errorf("same key, other content: %v; want ErrIdempotencyConflict", err)
		}
		if id3, err := o.Enqueue(ctx, nil, invoice(6, "a@asiakas.fi"), &outbox.EnqueueOptions{Tenant: "t2", IdempotencyKey: "k1"}); err != nil || id3 == id1 {
			t.Errorf("same key in another tenant: %d, %v; want a new ID", id3, err)
		}
		// In the caller's transaction: gone with a rollback.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		idTx, err := o.Enqueue(ctx, tx, invoice(8, "a@asiakas.fi"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Status(ctx, idTx); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("Status after rollback: %v; want ErrNotFound", err)
		}
		// Input errors store nothing.
		bad := invoice(9, "a@asiakas.fi")
		bad.Subject = "x\r\nBcc: evil@example.com"
		if _, err := o.Enqueue(ctx, nil, bad, nil); err == nil {
			t.Error("Enqueue of a message with a header injection: no error")
		}
		if _, err := o.Enqueue(ctx, nil, invoice(10), nil); err == nil {
			t.Error("Enqueue of a message without recipients: no error")
		}
		if _, err := o.Enqueue(ctx, nil, nil, nil); err == nil {
			t.Error("Enqueue of nil: no error")
		}
		page, err := o.List(ctx, outbox.Query{})
		if err != nil || len(page.Messages) != 2 || page.Counts[outbox.Pending] != 2 {
			t.Errorf("List: %+v, %v; want the 2 messages pending", page, err)
		}
		if err := o.Start(ctx); !errors.Is(err, outbox.ErrNoTransport) {
			t.Errorf("Start without transport: %v; want ErrNoTransport", err)
		}
	})
}

// TestList pages newest first and counts per state.
func TestList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, nil)
		ctx := t.Context()
		var ids []outbox.ID
		for i := range 7 {
			tenant := "t1"
			if i%3 == 2 {
				tenant = "t2"
			}
			id, err := o.Enqueue(ctx, nil, invoice(i, fmt.Sprintf("r%d@asiakas.fi", i)), &outbox.EnqueueOptions{Tenant: tenant, DocumentRef: fmt.Sprintf("INV-%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := o.Cancel(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		var got []outbox.ID
		q := outbox.Query{Tenant: "t1", Limit: 2}
		for {
			page, err := o.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Counts[outbox.Pending] != 4 || page.Counts[outbox.Cancelled] != 1 {
				t.Errorf("counts %v; want pending 4, cancelled 1", page.Counts)
			}
			for _, m := range page.Messages {
				got = append(got, m.ID)
			}
			if page.Next == 0 {
				break
			}
			q.After = page.Next
		}
		want := []outbox.ID{ids[6], ids[4], ids[3], ids[1], ids[0]}
		if !slices.Equal(got, want) {
			t.Errorf("paged IDs %v; want %v", got, want)
		}
		for _, tc := range []struct {
			q    outbox.Query
			want []outbox.ID
		}{
			{outbox.Query{Search: "inv-5"}, []outbox.ID{ids[5]}},
			{outbox.Query{Search: "R3@ASIAKAS"}, []outbox.ID{ids[3]}},
			{outbox.Query{State: outbox.Cancelled}, []outbox.ID{ids[0]}},
			{outbox.Query{Tenant: "t2", State: outbox.Pending}, []outbox.ID{ids[5], ids[2]}},
			{outbox.Query{Since: time.Now().Add(time.Hour)}, nil},
		} {
			page, err := o.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []outbox.ID
			for _, m := range page.Messages {
				got = append(got, m.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("List(%+v) = %v; want %v", tc.q, got, tc.want)
			}
		}
	})
}

// TestPrune removes the bytes of old final messages only.
func TestPrune(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		clock := &fakeClock{t: time.Now()}
		o := newOutbox(t, db, b.dialect, &riveroutbox.Options{Now: clock.Now, Retention: 24 * time.Hour})
		ctx := t.Context()
		done, _ := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), nil)
		open, _ := o.Enqueue(ctx, nil, invoice(2, "a@asiakas.fi"), nil)
		if err := o.Cancel(ctx, done); err != nil {
			t.Fatal(err)
		}
		clock.Advance(25 * time.Hour)
		n, err := o.Prune(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v; want 1", n, err)
		}
		if st, _ := o.Status(ctx, done); !st.Pruned || st.State != outbox.Cancelled {
			t.Errorf("pruned message: %+v", st)
		}
		if st, _ := o.Status(ctx, open); st.Pruned {
			t.Errorf("open message pruned: %+v", st)
		}
	})
}

// TestMigrate is idempotent and refuses an outbox without tables.
func TestMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		migrate(t, db, b.dialect)
		if _, err := riveroutbox.New(t.Context(), db, b.dialect, nil); err != nil {
			t.Fatal(err)
		}
	})
	var nilSMTP *smtp.Transport
	if _, err := riveroutbox.New(t.Context(), openSQLiteFile(t, t.TempDir()+"/x.db"), riveroutbox.SQLite, &riveroutbox.Options{Transport: nilSMTP}); !errors.Is(err, outbox.ErrNoTransport) {
		t.Errorf("New with a nil *smtp.Transport: %v; want ErrNoTransport", err)
	}
	path := t.TempDir() + "/empty.db"
	if _, err := riveroutbox.New(t.Context(), openSQLiteFile(t, path), riveroutbox.SQLite, nil); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("New on an empty database: %v; want ErrInvalid", err)
	}
}

// TestDuplicateGuard refuses the same document while the first may have
// reached someone, lets an explicit resend through and is released when
// nobody received the first.
func TestDuplicateGuard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, nil)
		ctx := t.Context()
		doc := func(extra string) *outbox.EnqueueOptions {
			return &outbox.EnqueueOptions{Tenant: "t1", DocumentKey: "Myyjä Oy\ninvoice\n2024-001" + extra}
		}
		first, err := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), doc(""))
		if err != nil {
			t.Fatal(err)
		}
		var dup *outbox.DuplicateError
		_, err = o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), doc(""))
		if !errors.As(err, &dup) || !errors.Is(err, outbox.ErrDuplicateDocument) || dup.Previous != first || !dup.SameContent || dup.SentAt.IsZero() {
			t.Fatalf("same document again: %v (%+v); want a DuplicateError for %d with the same content", err, dup, first)
		}
		if _, err := o.Enqueue(ctx, nil, invoice(2, "a@asiakas.fi"), doc("")); !errors.As(err, &dup) || dup.SameContent {
			t.Errorf("same document, other content: %v; want a DuplicateError with SameContent false", err)
		}
		if _, err := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), doc("-other")); err != nil {
			t.Errorf("another document: %v", err)
		}
		resend := doc("")
		resend.AllowDuplicate = true
		if _, err := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), resend); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("AllowDuplicate without RequestedBy: %v; want ErrInvalid", err)
		}
		resend.RequestedBy = "clerk@myyja.fi"
		second, err := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), resend)
		if err != nil || second == first {
			t.Fatalf("explicit resend: %d, %v", second, err)
		}
		// Nobody received either: the guard is released.
		for _, id := range []outbox.ID{first, second} {
			if err := o.Cancel(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := o.Enqueue(ctx, nil, invoice(1, "a@asiakas.fi"), doc("")); err != nil {
			t.Errorf("after the earlier ones were cancelled: %v", err)
		}
		// Outside the window the guard does not look.
		short := doc("-window")
		short.DuplicateWindow = time.Nanosecond
		o.Enqueue(ctx, nil, invoice(3, "a@asiakas.fi"), short)
		time.Sleep(time.Millisecond)
		if _, err := o.Enqueue(ctx, nil, invoice(3, "a@asiakas.fi"), short); err != nil {
			t.Errorf("outside the window: %v", err)
		}
	})
}

// TestEnqueueBatch stores the good items and reports the refused ones.
func TestEnqueueBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, nil)
		ctx := t.Context()
		key := &outbox.EnqueueOptions{DocumentKey: "k"}
		res, err := o.EnqueueBatch(ctx, nil, []outbox.Item{
			{Msg: invoice(1, "a@asiakas.fi"), Opts: key},
			{Msg: invoice(2)},
			{Msg: invoice(1, "a@asiakas.fi"), Opts: key},
			{Msg: invoice(3, "b@asiakas.fi")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil || res[0].ID == 0 || res[1].Err == nil || !errors.Is(res[2].Err, outbox.ErrDuplicateDocument) || res[3].Err != nil || res[3].ID == 0 {
			t.Fatalf("results %+v", res)
		}
		page, err := o.List(ctx, outbox.Query{})
		if err != nil || len(page.Messages) != 2 {
			t.Errorf("stored %d messages, %v; want 2", len(page.Messages), err)
		}
	})
}
