package riveroutbox_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

var testVERP = &bounce.VERP{Key: []byte("0123456789abcdef-test-key"), Local: "bounces", Domain: "bounce.myyja.fi"}

// dsn returns an RFC 3464 report about rcpt sent back to envFrom,
// quoting the headers of the original message with Message-ID mid.
func dsn(envFrom, rcpt, action, status, diag, mid string) string {
	return strings.ReplaceAll(fmt.Sprintf(`Return-Path: <>
Delivered-To: %[1]s
From: Mail Delivery System <MAILER-DAEMON@mx.asiakas.fi>
To: %[1]s
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain

This is the mail system at host mx.asiakas.fi.

--BB
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.asiakas.fi

Final-Recipient: rfc822; %[2]s
Action: %[3]s
Status: %[4]s
Diagnostic-Code: smtp; %[5]s

--BB
Content-Type: text/rfc822-headers

Return-Path: <%[1]s>
From: Laskutus <laskutus@myyja.fi>
To: %[2]s
Message-ID: <%[6]s>
Subject: Lasku

--BB--
`, envFrom, rcpt, action, status, diag, mid), "\n", "\r\n")
}

func TestHandleBounce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := transporttest.NewServer(t, nil)
		db, _ := b.open(t)
		opts := testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil)
		opts.VERP = testVERP
		o := newOutbox(t, db, b.dialect, opts)
		ctx := t.Context()
		eo := &outbox.EnqueueOptions{Tenant: "myyja"}
		id, err := o.Enqueue(ctx, nil, invoice(1, "laskut@asiakas.fi", "gone@asiakas.fi"), eo)
		if err != nil {
			t.Fatal(err)
		}
		st := waitFor(t, o, id, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
		froms := map[string]string{}
		for _, m := range srv.Messages() {
			froms[m.To[0]] = m.From
		}
		verpFrom := froms["gone@asiakas.fi"]
		if want, _ := testVERP.Address(id.String(), "gone@asiakas.fi"); verpFrom != want || froms["laskut@asiakas.fi"] == verpFrom {
			t.Fatalf("envelope senders %v; want the VERP address %s per recipient", froms, want)
		}

		// An out-of-office is ignored.
		auto := "From: gone@asiakas.fi\r\nTo: laskutus@myyja.fi\r\nAuto-Submitted: auto-replied\r\nSubject: Automaattinen vastaus: Lasku\r\n\r\nOlen lomalla.\r\n"
		res, err := o.HandleBounce(ctx, strings.NewReader(auto))
		if err != nil || res.Kind != bounce.KindAutoReply || res.Matched {
			t.Fatalf("auto-reply: %+v, %v; want ignored", res, err)
		}
		// A forged token matches nothing, even with a right Message-ID.
		forged := strings.Replace(verpFrom, "+"+id.String()+".", "+"+id.String()+".aaaa", 1)
		forged = forged[:strings.IndexByte(forged, '@')-4] + forged[strings.IndexByte(forged, '@'):]
		res, err = o.HandleBounce(ctx, strings.NewReader(dsn(forged, "gone@asiakas.fi", "failed", "5.1.1", "550 5.1.1 user unknown", st.MessageID)))
		if err != nil || res.Matched {
			t.Fatalf("forged token: %+v, %v; want no match", res, err)
		}
		// The real bounce: bounced after delivered, suppressed.
		res, err = o.HandleBounce(ctx, strings.NewReader(dsn(verpFrom, "gone@asiakas.fi", "failed", "5.1.1", "550 5.1.1 user unknown", st.MessageID)))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Recipients) != 1 {
			t.Fatalf("result %+v; want one recipient", res)
		}
		got := res.Recipients[0]
		if !res.Matched || got.Action != outbox.ActionBounced || got.By != outbox.MatchVERP || got.From != outbox.Delivered ||
			got.To != outbox.Bounced || !got.Hard || !got.Suppressed || got.Code != 550 {
			t.Fatalf("outcome %+v; want bounced by VERP from delivered, hard, suppressed, 550", got)
		}
		st, _ = o.Status(ctx, id)
		if st.State != outbox.Bounced || st.Recipients[1].State != outbox.Bounced || st.Recipients[1].EnhancedCode != "5.1.1" || st.Recipients[0].State != outbox.Delivered {
			t.Fatalf("status %+v; want gone bounced 5.1.1, laskut delivered, message bounced", st)
		}
		sup := o.Suppressions()
		s, err := sup.Lookup(ctx, "myyja", "Gone@Asiakas.fi")
		if err != nil || s == nil || s.Source != outbox.SourceBounce || !s.Hard || s.Count != 1 {
			t.Fatalf("Lookup = %+v, %v; want a hard bounce", s, err)
		}
		if msg := s.Message("fi"); !strings.HasPrefix(msg, "gone@asiakas.fi jätettiin pois: viesti palautui ") || !strings.HasSuffix(msg, ", 550 5.1.1 user unknown") {
			t.Errorf("Message(fi) = %q", msg)
		}
		if other, _ := sup.Lookup(ctx, "toinen", "gone@asiakas.fi"); other != nil {
			t.Errorf("another tenant's lookup = %+v; want nil", other)
		}

		// Matching by the Message-ID and address when the VERP is lost.
		res, err = o.HandleBounce(ctx, strings.NewReader(dsn("laskutus@myyja.fi", "laskut@asiakas.fi", "delayed", "4.2.2", "452 4.2.2 mailbox full", st.MessageID)))
		if err != nil || !res.Matched || res.Recipients[0].By != outbox.MatchMessageID || res.Recipients[0].Action != outbox.ActionNoted {
			t.Fatalf("delay by Message-ID: %+v, %v; want noted", res, err)
		}

		// The next message to the address is not sent.
		id2, err := o.Enqueue(ctx, nil, invoice(2, "gone@asiakas.fi"), eo)
		if err != nil {
			t.Fatal(err)
		}
		st2 := waitFor(t, o, id2, "suppressed", func(st *outbox.Status) bool { return st.State == outbox.Suppressed })
		if n := len(srv.Messages()); n != 2 {
			t.Errorf("server stored %d messages; want 2 (the suppressed one not sent)", n)
		}
		if !strings.Contains(st2.Recipients[0].Text, "user unknown") {
			t.Errorf("suppressed text %q", st2.Recipients[0].Text)
		}

		// Removal is audited and puts the address back.
		if err := sup.Remove(ctx, "myyja", "gone@asiakas.fi", ""); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("Remove without by = %v; want ErrInvalid", err)
		}
		if err := sup.Remove(ctx, "myyja", "gone@asiakas.fi", "matti"); err != nil {
			t.Fatal(err)
		}
		if err := sup.Remove(ctx, "myyja", "gone@asiakas.fi", "matti"); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("second Remove = %v; want ErrNotFound", err)
		}
		all, err := sup.List(ctx, "myyja", true)
		if err != nil || len(all) != 1 || all[0].RemovedBy != "matti" || all[0].RemovedAt.IsZero() {
			t.Fatalf("List = %+v, %v; want the removed entry", all, err)
		}
		if live, _ := sup.List(ctx, "myyja", false); len(live) != 0 {
			t.Errorf("List without removed = %+v; want none", live)
		}
		id3, err := o.Enqueue(ctx, nil, invoice(3, "gone@asiakas.fi"), eo)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, o, id3, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
	})
}

// TestSuppressedAtSend checks the list at send time, in one message: an
// active entry keeps its address from being sent to, a single soft bounce
// (an entry, not yet active) and a removed entry do not, and an address
// with no entry is sent to.
func TestSuppressedAtSend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		srv := transporttest.NewServer(t, nil)
		db, _ := b.open(t)
		o := newOutbox(t, db, b.dialect, testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil))
		ctx := t.Context()
		sup := o.Suppressions()
		for _, s := range []outbox.Suppression{
			{Tenant: "t", Address: "Gone@Asiakas.fi", Source: outbox.SourceBounce, Hard: true, Status: "5.1.1", Code: 550},
			{Tenant: "t", Address: "full@asiakas.fi", Source: outbox.SourceBounce, Reason: bounce.ReasonMailboxFull, Status: "4.2.2", Code: 452},
			{Tenant: "t", Address: "back@asiakas.fi", Source: outbox.SourceComplaint},
		} {
			if err := sup.Add(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := sup.Remove(ctx, "t", "back@asiakas.fi", "matti"); err != nil {
			t.Fatal(err)
		}
		id, err := o.Enqueue(ctx, nil, invoice(1, "gone@asiakas.fi", "full@asiakas.fi", "back@asiakas.fi", "new@asiakas.fi"), &outbox.EnqueueOptions{Tenant: "t"})
		if err != nil {
			t.Fatal(err)
		}
		st := waitFor(t, o, id, "settled", func(st *outbox.Status) bool {
			for _, r := range st.Recipients {
				if r.State != outbox.Delivered && r.State != outbox.Suppressed {
					return false
				}
			}
			return true
		})
		for _, r := range st.Recipients {
			if want := map[bool]outbox.State{true: outbox.Suppressed, false: outbox.Delivered}[r.Address == "gone@asiakas.fi"]; r.State != want {
				t.Errorf("%s: %s, want %s", r.Address, r.State, want)
			}
		}
		sent := map[string]bool{}
		for _, m := range srv.Messages() {
			sent[m.To[0]] = true
		}
		if len(sent) != 3 || sent["gone@asiakas.fi"] {
			t.Errorf("the server got %v; want all but gone@asiakas.fi", sent)
		}
	})
}

func TestSuppressionsSoft(t *testing.T) {
	db, _ := backends[0].open(t)
	clock := &fakeClock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	o := newOutbox(t, db, backends[0].dialect, &riveroutbox.Options{Now: clock.Now})
	sup := o.Suppressions()
	ctx := t.Context()
	soft := outbox.Suppression{Tenant: "t", Address: "full@asiakas.fi", Source: outbox.SourceBounce, Reason: bounce.ReasonMailboxFull, Status: "4.2.2", Code: 452}
	if err := sup.Add(ctx, soft); err != nil {
		t.Fatal(err)
	}
	if s, _ := sup.Lookup(ctx, "t", "full@asiakas.fi"); s != nil {
		t.Fatalf("one soft bounce suppresses: %+v", s)
	}
	clock.Advance(24 * time.Hour)
	if err := sup.Add(ctx, soft); err != nil {
		t.Fatal(err)
	}
	s, _ := sup.Lookup(ctx, "t", "full@asiakas.fi")
	if s == nil || s.Count != 2 || !s.KeepUntil.Equal(clock.Now().Add(outbox.SoftKeep)) {
		t.Fatalf("two soft bounces: %+v; want suppressed for 30 days", s)
	}
	clock.Advance(outbox.SoftKeep + time.Second)
	if s, _ := sup.Lookup(ctx, "t", "full@asiakas.fi"); s != nil {
		t.Fatalf("after 30 days: %+v; want lapsed", s)
	}
	// A complaint stays until removed, and a soft bounce does not soften it.
	if err := sup.Add(ctx, outbox.Suppression{Tenant: "t", Address: "full@asiakas.fi", Source: outbox.SourceComplaint}); err != nil {
		t.Fatal(err)
	}
	if err := sup.Add(ctx, soft); err != nil {
		t.Fatal(err)
	}
	clock.Advance(365 * 24 * time.Hour)
	if s, _ := sup.Lookup(ctx, "t", "full@asiakas.fi"); s == nil || s.Source != outbox.SourceComplaint {
		t.Fatalf("complaint a year later: %+v; want still suppressed", s)
	}
	if err := sup.Add(ctx, outbox.Suppression{Tenant: "t", Address: "not an address"}); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("Add of a non-address = %v; want ErrInvalid", err)
	}
}

// TestBounceByEnvelopeID: without VERP, a server offering DSN gets
// RET=HDRS ENVID and NOTIFY, and its report is matched by the ENVID.
func TestBounceByEnvelopeID(t *testing.T) {
	srv := transporttest.NewServer(t, &transporttest.Script{DSN: true, Unknown: []string{"gone@asiakas.fi"}})
	db, _ := backends[0].open(t)
	o := newOutbox(t, db, backends[0].dialect, testOptions(smtpTo(t, srv.Addr(), 2*time.Second), nil))
	ctx := t.Context()
	id, err := o.Enqueue(ctx, nil, invoice(1, "gone@asiakas.fi"), &outbox.EnqueueOptions{Tenant: "myyja"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, o, id, "delivered", func(st *outbox.Status) bool { return st.State == outbox.Delivered })
	var mail, rcpt string
	for _, c := range srv.Commands() {
		switch c.Verb {
		case "MAIL":
			mail = c.Arg
		case "RCPT":
			rcpt = c.Arg
		}
	}
	if !strings.Contains(mail, "RET=HDRS") || !strings.Contains(mail, "ENVID=jakelu-"+id.String()) ||
		!strings.Contains(rcpt, "NOTIFY=FAILURE,DELAY") || !strings.Contains(rcpt, "ORCPT=rfc822;gone@asiakas.fi") {
		t.Fatalf("MAIL %q, RCPT %q; want the DSN parameters", mail, rcpt)
	}
	b := srv.Bounces()
	if len(b) != 1 {
		t.Fatalf("bounces %d; want 1", len(b))
	}
	// Without the original header the Message-ID cannot match: only the ENVID can.
	data := string(b[0].Data)
	data = data[:strings.Index(data, "Content-Type: text/rfc822-headers")] + "--transporttest-dsn--\r\n"
	res, err := o.HandleBounce(ctx, strings.NewReader(data))
	if err != nil || !res.Matched || res.Recipients[0].By != outbox.MatchEnvelope || res.Recipients[0].To != outbox.Bounced {
		t.Fatalf("HandleBounce: %+v, %v; want bounced by envid", res, err)
	}
}

func TestNewRefusesBadVERP(t *testing.T) {
	db, _ := backends[0].open(t)
	_, err := riveroutbox.New(t.Context(), db, riveroutbox.SQLite, &riveroutbox.Options{VERP: &bounce.VERP{Key: []byte("short"), Local: "b", Domain: "d.fi"}})
	if !errors.Is(err, outbox.ErrInvalid) || !strings.Contains(err.Error(), "VERP") {
		t.Errorf("New with a short VERP key = %v; want ErrInvalid naming VERP", err)
	}
}

// TestHandleBounceHostile: oversized, empty and many-recipient reports
// are handled within limits and change nothing they should not.
func TestHandleBounceHostile(t *testing.T) {
	db, _ := backends[0].open(t)
	o := newOutbox(t, db, backends[0].dialect, &riveroutbox.Options{VERP: testVERP})
	ctx := t.Context()
	if _, err := o.HandleBounce(ctx, strings.NewReader(strings.Repeat("x", 17<<20))); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("17 MiB report: %v; want ErrInvalid", err)
	}
	if _, err := o.HandleBounce(ctx, strings.NewReader("")); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("empty report: %v; want ErrInvalid", err)
	}
	if _, err := o.HandleBounce(ctx, nil); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("nil reader: %v; want ErrInvalid", err)
	}
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.fi\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.fi\r\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "\r\nFinal-Recipient: rfc822; u%d@asiakas.fi\r\nAction: failed\r\nStatus: 5.1.1\r\n", i)
	}
	b.WriteString("\r\n--B--\r\n")
	res, err := o.HandleBounce(ctx, strings.NewReader(b.String()))
	if err != nil || res.Matched || len(res.Recipients) == 0 || len(res.Recipients) > 10000 {
		t.Fatalf("10k recipients: %v, matched %v, %d outcomes", err, res != nil && res.Matched, len(res.Recipients))
	}
	if _, err := o.CheckVERP(ctx, "bounces+1.aaaaaaaaaaaaaaaa@bounce.myyja.fi"); !errors.Is(err, bounce.ErrNotVERP) {
		t.Errorf("CheckVERP of an unknown message: %v; want ErrNotVERP", err)
	}
	if _, err := o.CheckVERP(ctx, "someone@bounce.myyja.fi"); !errors.Is(err, bounce.ErrNotVERP) {
		t.Errorf("CheckVERP of a plain address: %v; want ErrNotVERP", err)
	}
}
