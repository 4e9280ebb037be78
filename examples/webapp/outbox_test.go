package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	jsmtp "github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// testVERP is the VERP of the tests with a bounce receiver.
var testVERP = &bounce.VERP{Key: []byte("testikäyttöön-avain-16+"), Local: "bounces", Domain: "palautukset.operaattori.example"}

// smtpEnv returns the app sending through an SMTP test server with the
// script, with VERP and the bounce receiver, its workers started.
func smtpEnv(t *testing.T, script *transporttest.Script, mode jsmtp.TLSMode) (*env, *transporttest.Server) {
	t.Helper()
	srv := transporttest.NewServer(t, script)
	tr, err := jsmtp.New(srv.Addr(), &jsmtp.Options{TLS: mode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	e := newEnv(t, sqlite, func(c *config) {
		c.Transport, c.VERP, c.BounceAddr = tr, testVERP, "127.0.0.1:0"
	})
	e.start(t)
	return e, srv
}

// TestBounce sends through an SMTP server that accepts an unknown
// recipient and reports it afterwards; the report, delivered to the app's
// bounce receiver, makes the recipient bounced and suppresses the address.
func TestBounce(t *testing.T) {
	const to, cc = "laskut@asiakas.example", "kopio@asiakas.example"
	e, srv := smtpEnv(t, &transporttest.Script{Unknown: []string{cc}}, jsmtp.NoTLS)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	enable(t, c)
	loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
	e.waitState(t, e.a, loc, outbox.Delivered)
	for _, m := range srv.Messages() {
		if !strings.HasPrefix(m.From, "bounces+") || !strings.HasSuffix(m.From, "@"+testVERP.Domain) {
			t.Fatalf("envelope sender %q is not a VERP address", m.From)
		}
	}

	// A report to an address the outbox did not make is refused at RCPT.
	receiver := e.app.mail.bounce.ln.Addr().String()
	if err := smtp.SendMail(receiver, nil, "", []string{"bounces+1.forged@" + testVERP.Domain}, []byte("Subject: x\r\n\r\nx\r\n")); err == nil ||
		!strings.Contains(err.Error(), "550") {
		t.Errorf("a forged VERP address: %v, want 550", err)
	}

	bounces := srv.Bounces()
	if len(bounces) != 1 {
		t.Fatalf("%d bounces from the server, want 1", len(bounces))
	}
	b := bounces[0]
	if err := smtp.SendMail(receiver, nil, "", b.To, b.Data); err != nil {
		t.Fatalf("delivering the report to the receiver: %v", err)
	}
	dl := e.waitState(t, e.a, loc, outbox.Bounced)
	if rcptState(dl, cc) != "bounced" || rcptState(dl, to) != "delivered" {
		t.Errorf("recipients %+v", dl.Recipients)
	}
	c.get(loc).want(t, http.StatusOK, `class="badge large bounced"`, "Bounced", "The mailbox does not exist", "Resend to the failed recipients")
	c.get("/log").want(t, http.StatusOK, "Bounced")
	supp := c.get("/suppressions")
	supp.want(t, http.StatusOK, "Suppressions", cc, "was left out: the message bounced", "Remove")
	supp.lacks(t, to)
	e.signIn(t, e.b).get("/suppressions").lacks(t, cc)

	// A suppressed address is left out of the next plan.
	c.get("/send")
	c.sendFile("hyvitys.xml", readFile(t, creditNote)).want(t, http.StatusOK, cc)
}

// TestReplyInWords checks that a server without STARTTLS is explained as
// the configuration problem it is, that a clerk sees the explanation and
// the codes but not the server's raw words (which may name internal
// hosts), and that an admin sees them.
func TestReplyInWords(t *testing.T) {
	e, _ := smtpEnv(t, &transporttest.Script{Hide: []string{"STARTTLS"}}, jsmtp.StartTLS)
	e.put(t, e.a, directoryEntry)
	admin := e.signIn(t, e.a)
	enable(t, admin)
	loc := send(t, admin, "hyvitys.xml", readFile(t, creditNote))
	var dl delivery
	waitFor(t, "an attempt", func() bool {
		dl = e.row(t, e.a, loc)
		return len(dl.Recipients) > 0 && dl.Recipients[0].Error != ""
	})
	raw := dl.Recipients[0].Error
	if !strings.Contains(raw, "STARTTLS") {
		t.Fatalf("the recipient's reply %q does not name STARTTLS", raw)
	}
	const words = "The mail server does not offer an encrypted connection (STARTTLS)"
	page := admin.get(loc)
	page.want(t, http.StatusOK, words, "configuration problem", "Details", raw)
	page.lacks(t, "try again later")

	clerk := account{company: e.a.company, email: "virkailija@kukka.example", password: "virkailijan-salasana"}
	if _, err := e.app.st.db.ExecContext(t.Context(), `INSERT INTO webapp_user (email, company_id, password_hash, role, created_at) VALUES ($1, $2, $3, $4, 0)`,
		clerk.email, clerk.company.ID, hashPassword(clerk.password, e.app.cfg.Hash), roleClerk); err != nil {
		t.Fatal(err)
	}
	cp := e.signIn(t, clerk).get(loc)
	cp.want(t, http.StatusOK, words)
	cp.lacks(t, raw)
	if strings.Contains(cp.body, "127.0.0.1") {
		t.Error("the clerk's page names the mail server's host")
	}
}

// TestReplyKey checks the explanation chosen for common replies.
func TestReplyKey(t *testing.T) {
	tests := []struct {
		state    outbox.State
		code     int
		enhanced string
		text     string
		want     string
	}{
		{outbox.Failed, 550, "5.1.1", "user unknown", "reply.mailboxUnknown"},
		{outbox.Failed, 550, "", "Recipient address rejected: User unknown in virtual mailbox table", "reply.mailboxUnknown"},
		{outbox.Deferred, 452, "4.2.2", "mailbox full", "reply.mailboxFull"},
		{outbox.Deferred, 421, "4.3.2", "Service not available, closing transmission channel", "reply.tryLater"},
		{outbox.Deferred, 451, "4.7.1", "Greylisted, please try again later", "reply.tryLater"},
		{outbox.Deferred, 0, "", "smtp: the server does not offer STARTTLS and TLS is required; fix the server or choose another TLS mode", "reply.tlsNotOffered"},
		{outbox.Failed, 530, "5.7.0", "Must issue a STARTTLS command first", "reply.tlsRequired"},
		{outbox.Failed, 554, "5.7.1", "Message rejected as spam", "reply.spam"},
		{outbox.Failed, 552, "5.3.4", "Message size exceeds fixed limit", "reply.tooLarge"},
		{outbox.Failed, 550, "5.1.2", "Host unknown", "reply.domainUnknown"},
		{outbox.Deferred, 0, "", "dial tcp 10.0.0.5:25: connect: connection refused", "reply.network"},
		{outbox.Ambiguous, 0, "", "connection lost after the final dot", "reply.ambiguous"},
		{outbox.Suppressed, 0, "", "", "reply.suppressed"},
		{outbox.Failed, 554, "5.0.0", "Transaction failed", "reply.permanent"},
		{outbox.Delivered, 250, "2.0.0", "OK", ""},
		{outbox.Failed, 599, "", "something new", "reply.permanent"},
		{outbox.Deferred, 0, "", "", ""},
		{outbox.Deferred, 0, "", "unexpected reply from the server", "reply.other"},
		{outbox.Pending, 0, "", "", ""},
	}
	for _, tt := range tests {
		if got := replyKey(tt.state, tt.code, tt.enhanced, tt.text); got != tt.want {
			t.Errorf("replyKey(%s, %d, %q, %q) = %q, want %q", tt.state, tt.code, tt.enhanced, tt.text, got, tt.want)
		}
	}
}

// TestSuppressions lists the company's suppressions and removes one, with
// the removal audited before → after; another company sees none of them.
func TestSuppressions(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	list := e.app.mail.ob.Suppressions()
	for _, s := range []outbox.Suppression{
		{Tenant: e.a.company.ID, Address: "poissa@asiakas.example", Reason: bounce.ReasonUserUnknown, Status: "5.1.1", Code: 550,
			Text: "user unknown", Source: outbox.SourceBounce, Hard: true},
		{Tenant: e.a.company.ID, Address: "valitti@asiakas.example", Reason: bounce.ReasonComplaint, Source: outbox.SourceComplaint},
		{Tenant: e.b.company.ID, Address: "ruusun@asiakas.example", Reason: bounce.ReasonUserUnknown, Source: outbox.SourceBounce, Hard: true},
	} {
		if err := list.Add(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(t, e.a)
	r := c.get("/suppressions")
	r.want(t, http.StatusOK, "poissa@asiakas.example", "valitti@asiakas.example", "Remove")
	r.lacks(t, "ruusun@asiakas.example", "Removed from the list")
	c.get("/suppressions?lang=fi")
	c.get("/suppressions").want(t, http.StatusOK, "Estolista", "poissa@asiakas.example")
	c.get("/suppressions?lang=en")

	// Company B cannot remove A's address, nor A B's.
	bob := e.signIn(t, e.b)
	bob.get("/suppressions")
	bob.post("/suppressions/remove", url.Values{"address": {"poissa@asiakas.example"}}).want(t, http.StatusNotFound)
	c.post("/suppressions/remove", url.Values{"address": {"ruusun@asiakas.example"}}).want(t, http.StatusNotFound)

	c.post("/suppressions/remove", url.Values{"address": {"Poissa@Asiakas.example"}}).wantRedirect(t, "/suppressions")
	r = c.get("/suppressions")
	r.want(t, http.StatusOK, "Removed from the list", "poissa@asiakas.example", e.a.email)
	if s, err := list.Lookup(t.Context(), e.a.company.ID, "poissa@asiakas.example"); err != nil || s != nil {
		t.Errorf("the removed address is still suppressed: %v %v", s, err)
	}
	var before, after, user string
	if err := e.app.st.db.QueryRowContext(t.Context(), `SELECT before, after, user_email FROM webapp_audit WHERE company_id = $1 AND action = 'suppression.remove'`,
		e.a.company.ID).Scan(&before, &after, &user); err != nil {
		t.Fatal(err)
	}
	if user != e.a.email || !strings.Contains(before, `"reason":"user-unknown"`) || strings.Contains(before, "removed_by") ||
		!strings.Contains(after, `"removed_by":"`+e.a.email+`"`) {
		t.Errorf("audit by %s: %s → %s", user, before, after)
	}
	c.post("/suppressions/remove", url.Values{"address": {"poissa@asiakas.example"}}).want(t, http.StatusNotFound)
}

// TestTwoInstances runs two app processes on one PostgreSQL database,
// sharing the queue: every document is delivered exactly once per
// recipient, whichever instance's workers take it.
func TestTwoInstances(t *testing.T) {
	dsn := postgresSchema(t) // skips without PostgreSQL
	rec := &countingTransport{Recorder: &transporttest.Recorder{}, by: map[string]int{}}
	open := func() *sql.DB {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	pg := testDB{"postgres", testDBs[1].dialect, func(testing.TB) *sql.DB { return open() }}
	e1 := newEnv(t, pg, func(c *config) { c.Transport = rec })
	// The second instance on the same schema, with the same companies.
	cfg := e1.app.cfg
	cfg.DB = open()
	app2, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app2.Close() })
	srv2 := httptest.NewServer(app2.Handler())
	t.Cleanup(srv2.Close)

	e1.put(t, e1.a, directoryEntry)
	c1 := e1.signIn(t, e1.a)
	enable(t, c1)
	c2 := newClient(t, srv2.URL)
	c2.get("/login")
	c2.post("/login", url.Values{"email": {e1.a.email}, "password": {e1.a.password}}).wantRedirect(t, "/directory")

	e1.start(t)
	if err := app2.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	doc := readFile(t, creditNote)
	const n = 12
	var locs []string
	for i := range n {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		d := bytes.ReplaceAll(doc, []byte("HL-2026-0042"), fmt.Appendf(nil, "HL-2026-%04d", 100+i))
		locs = append(locs, send(t, c, fmt.Sprintf("hyvitys-%d.xml", i), d))
	}
	for _, loc := range locs {
		e1.waitState(t, e1.a, loc, outbox.Delivered)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.by) != 2*n {
		t.Errorf("%d (message, recipient) pairs delivered, want %d", len(rec.by), 2*n)
	}
	for k, v := range rec.by {
		if v != 1 {
			t.Errorf("%s delivered %d times", k, v)
		}
	}
}

// countingTransport counts the deliveries per Message-ID and recipient.
type countingTransport struct {
	*transporttest.Recorder
	mu sync.Mutex
	by map[string]int
}

// SendComposed records c's recipients and delivers through the Recorder.
func (t *countingTransport) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	t.mu.Lock()
	for _, r := range c.Recipients {
		t.by[c.MessageID+" "+r]++
	}
	t.mu.Unlock()
	return t.Recorder.SendComposed(ctx, c)
}

// TestSMTPServerStates sends through a real SMTP conversation: a server
// that defers one recipient until it recovers, and loses the connection
// after the final dot for the other (stored, but no 250: ambiguous), which
// a person releases.
func TestSMTPServerStates(t *testing.T) {
	const to, cc = "laskut@asiakas.example", "kopio@asiakas.example"
	var (
		mu      sync.Mutex
		rcpt    = map[int]string{} // the connection's last recipient
		down    = true             // the server defers to
		dropped = false            // the connection was lost once after the dot for cc
	)
	script := &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
		mu.Lock()
		defer mu.Unlock()
		switch c.Verb {
		case "RCPT":
			rcpt[c.Conn] = c.Address
			if c.Address == to && down {
				return transporttest.Response{Code: 451, Enhanced: "4.3.0", Text: "Temporary local problem, try again later"}
			}
		case ".":
			if rcpt[c.Conn] == cc && !dropped {
				dropped = true
				return transporttest.Response{Drop: true}
			}
		}
		return transporttest.Response{}
	}}
	e, srv := smtpEnv(t, script, jsmtp.NoTLS)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	enable(t, c)
	loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))

	// Deferred comes first in the combined state; wait for both outcomes.
	waitFor(t, "to deferred and cc ambiguous", func() bool {
		dl := e.row(t, e.a, loc)
		return rcptState(dl, to) == "deferred" && rcptState(dl, cc) == "ambiguous"
	})
	// Between its retries (every 100 ms in the tests) the page shows the
	// deferral; during one, the recipient is sending.
	var page response
	waitFor(t, "the page to show the deferral", func() bool {
		page = c.get(loc)
		return strings.Contains(page.body, `class="badge large deferred"`)
	})
	page.want(t, http.StatusOK, "The recipient's server is busy or asked to try later",
		"it is not known whether it arrived", "451 4.3.0", `http-equiv="refresh"`)

	mu.Lock()
	down = false
	mu.Unlock()
	waitFor(t, "to delivered", func() bool { return rcptState(e.row(t, e.a, loc), to) == "delivered" })
	e.waitState(t, e.a, loc, outbox.Ambiguous)
	c.post(loc+"/release", url.Values{"address": {cc}}).wantRedirect(t, loc)
	e.waitState(t, e.a, loc, outbox.Delivered)

	got := map[string]int{}
	for _, m := range srv.Messages() {
		for _, a := range m.To {
			got[a]++
		}
	}
	if got[to] != 1 || got[cc] != 2 {
		t.Errorf("stored per recipient %v, want %s once and %s twice (before the lost 250, and released)", got, to, cc)
	}
}

// TestReconcile changes a message through another outbox instance (as
// another process would: no OnChange reaches this app) and checks that the
// periodic reconcile brings the log row up to date.
func TestReconcile(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	enable(t, c)
	loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
	dl := e.row(t, e.a, loc)
	other, err := riveroutbox.New(t.Context(), e.app.mail.db, riveroutbox.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Cancel(t.Context(), outbox.ID(dl.OutboxID)); err != nil {
		t.Fatal(err)
	}
	if got := e.row(t, e.a, loc).State; got != "pending" {
		t.Fatalf("the row changed to %q before the app followed the outbox", got)
	}
	e.start(t) // the workers and the reconcile
	dl = e.waitState(t, e.a, loc, outbox.Cancelled)
	if rcptState(dl, "kopio@asiakas.example") != "cancelled" {
		t.Errorf("recipients %+v", dl.Recipients)
	}
	if n := len(e.sent.Messages()); n != 0 {
		t.Errorf("%d messages sent after the cancel", n)
	}
}

// TestScanProfile sends a document whose plan has a standard recipient
// (the document's address) and a scanning service (the directory's entry
// with the scan profile): two outbox messages, one log row following both.
func TestScanProfile(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, registry.Entry{CustomerNumber: "30001", To: []string{"skannaus@palvelu.example"}, Profile: registry.ProfileScan})
	c := e.signIn(t, e.a)
	c.get("/settings")
	c.post("/settings", url.Values{"enabled": {"on"}, "document-address": {"on"}, "directory": {"on"},
		"precedence": {"both"}, "language": {"fi"}}).wantRedirect(t, "/settings")
	e.start(t)
	loc := send(t, c, "lasku.xml", readFile(t, "../quickstart/documents/ubl-invoice.xml"))
	dl := e.waitState(t, e.a, loc, outbox.Delivered)
	if dl.OutboxID == 0 || dl.ScanOutboxID == 0 || len(dl.Recipients) != 2 {
		t.Fatalf("the row: %+v", dl)
	}
	for _, r := range dl.Recipients {
		if (r.Address == "skannaus@palvelu.example") != (r.Profile == "scan") {
			t.Errorf("recipient %s has the profile %q", r.Address, r.Profile)
		}
	}
	c.get(loc).want(t, http.StatusOK, `skannaus@palvelu.example <span class="muted small">(scanning service)</span>`, "<td>ostolaskut@kemin-kukka.example</td>")
}
