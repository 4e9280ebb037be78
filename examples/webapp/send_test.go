package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// The example documents: the credit note's customer number 10202 is in the
// fixture's directory; the Finvoice's 55555 is not, and it has no address.
const (
	creditNote = "../quickstart/documents/cii-credit-note.xml"
	finvoice   = "../quickstart/documents/finvoice-invoice.xml"
)

// directoryEntry is the fixture's entry for the credit note's customer.
var directoryEntry = registry.Entry{CustomerNumber: "10202", To: []string{"laskut@asiakas.example"}, Cc: []string{"kopio@asiakas.example"}, Language: "sv"}

// send uploads a document, checks that it can be sent and sends it; it
// returns the delivery page's path.
func send(t *testing.T, c *client, name string, data []byte) string {
	t.Helper()
	c.get("/send")
	form := c.sendFile(name, data).confirmation(t)
	r := c.post("/send/confirm", form)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/log/") {
		t.Fatalf("sending %s: %d %q\n%s", name, r.status, loc, r.body)
	}
	return loc
}

// row returns the log row of a delivery page's path, as company acc sees it.
func (e *env) row(t testing.TB, acc account, loc string) delivery {
	t.Helper()
	dl, err := (companyData{st: e.app.st, companyID: acc.company.ID}).delivery(t.Context(), strings.TrimPrefix(loc, "/log/"))
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

// waitState waits until the log row of a delivery has the state.
func (e *env) waitState(t testing.TB, acc account, loc string, state outbox.State) delivery {
	t.Helper()
	var dl delivery
	waitFor(t, fmt.Sprintf("%s to be %s", loc, state), func() bool {
		dl = e.row(t, acc, loc)
		return dl.State == string(state)
	})
	return dl
}

// rcptState returns a recipient's outcome in a log row.
func rcptState(dl delivery, address string) string {
	for _, r := range dl.Recipients {
		if r.Address == address {
			return r.Outcome
		}
	}
	return ""
}

func TestSend(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	doc := readFile(t, creditNote)

	t.Run("distribution off", func(t *testing.T) {
		c.get("/send").want(t, http.StatusOK, "Send a document", `name="document"`)
		r := c.sendFile("hyvitys.xml", doc)
		r.want(t, http.StatusOK, "Who receives document HL-2026-0042", "E-mail distribution is switched off for your company.", `href="/settings"`)
		r.lacks(t, "Send by e-mail", `name="upload"`)
	})

	enable(t, c)

	t.Run("plan, queue, deliver and log", func(t *testing.T) {
		c.get("/send")
		r := c.sendFile("hyvitys.xml", doc)
		r.want(t, http.StatusOK, "Who receives document HL-2026-0042", "Credit note", "laskut@asiakas.example",
			"from the directory, customer 10202", "kopio@asiakas.example", "Language of the e-mail: Swedish.",
			"Customer number 10202 is in the recipient directory", "Send by e-mail")
		form := r.confirmation(t)
		r = c.post("/send/confirm", form)
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/log/") {
			t.Fatalf("send: %d %q", r.status, loc)
		}
		// Send returns at once: the e-mail waits in the outbox.
		if n := len(e.sent.Messages()); n != 0 {
			t.Fatalf("%d messages sent before the workers started", n)
		}
		dl := e.row(t, e.a, loc)
		if dl.Outcome != distribution.Queued || dl.State != "pending" || dl.OutboxID == 0 || dl.Customer != "10202" || dl.Buyer == "" {
			t.Errorf("the queued row: %+v", dl)
		}
		page := c.get(loc)
		page.want(t, http.StatusOK, "Document HL-2026-0042", `class="badge large pending"`, "Queued", `<meta http-equiv="refresh" content="5">`,
			"Sending is under way; this page updates itself.")

		e.start(t)
		dl = e.waitState(t, e.a, loc, outbox.Delivered)
		if rcptState(dl, "laskut@asiakas.example") != "delivered" || rcptState(dl, "kopio@asiakas.example") != "delivered" {
			t.Errorf("recipients in the row: %+v", dl.Recipients)
		}
		// One SMTP transaction per recipient, the same e-mail.
		msgs := e.sent.Messages()
		if len(msgs) != 2 || msgs[0].MessageID != msgs[1].MessageID || msgs[0].MessageID != dl.MessageID {
			t.Fatalf("%d messages sent, want the same one twice", len(msgs))
		}
		m := msgs[0]
		if !strings.Contains(m.Subject, "HL-2026-0042") || m.From.Address != "laskut@operaattori.example" {
			t.Errorf("subject %q from %v", m.Subject, m.From)
		}
		page = c.get(loc)
		page.want(t, http.StatusOK, "Document HL-2026-0042", "Sent by anna@kukka.example", "hyvitys.xml", `class="badge large delivered"`,
			"laskut@asiakas.example", "kopio@asiakas.example", "Delivered", "Customer number 10202 is in the recipient directory", dl.MessageID)
		page.lacks(t, "http-equiv", "Resend to the failed recipients", "Cancel the unsent")
		c.get("/log").want(t, http.StatusOK, "HL-2026-0042", "<td>10202</td>", "Vasa Trädgård Ab", `class="badge delivered">Delivered`, "kopio@asiakas.example")

		// Pressing Send again queues nothing.
		c.post("/send/confirm", form).want(t, http.StatusNotFound, "already sent")

		// The send is audited.
		if n := auditCount(t, e, e.a, "delivery.send"); n != 1 {
			t.Errorf("%d delivery.send audit entries, want 1", n)
		}

		// Marked handled (by the log's action), the page says by whom.
		if _, err := e.app.st.db.ExecContext(t.Context(), `UPDATE webapp_delivery SET handled_by = $1, handled_at = $2 WHERE id = $3`,
			e.a.email, e.clock.Now().UnixMicro(), dl.ID); err != nil {
			t.Fatal(err)
		}
		c.get(loc).want(t, http.StatusOK, "Marked handled by anna@kukka.example on 17 Dec 2026, 10:00.")

		// The page explains in the reader's language.
		c.get("/log?lang=fi")
		fi := c.get(loc)
		fi.want(t, http.StatusOK, "Toimitettu", "17.12.2026 klo")
		for _, sentence := range explain("fi", dl.Plan) {
			fi.want(t, http.StatusOK, sentence)
		}
		fi.lacks(t, "is in the recipient directory")
		c.get("/log?lang=en")
	})

	t.Run("no recipient", func(t *testing.T) {
		c.get("/send")
		r := c.sendFile("finvoice.xml", readFile(t, finvoice))
		r.want(t, http.StatusOK, "Who receives document 2026-1002", "This document cannot be sent by e-mail: no recipient was found.",
			"Customer number 55555 is not in the recipient directory.")
		r.lacks(t, "Send by e-mail", `name="upload"`)
	})

	invalid := []struct {
		name, file string
		data       []byte
		message    string
	}{
		{"no file", "", nil, "Choose the document to send."},
		{"not XML", "lasku.xml", []byte("Hei, tässä lasku"), "The file is not an e-invoice: it is not well-formed XML."},
		{"unknown XML", "tilaus.xml", []byte(`<Order xmlns="urn:example:order"><ID>1</ID></Order>`), "not an e-invoice format this service reads"},
		{"entity", "xxe.xml", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`), "refused for security"},
		{"empty", "tyhjä.xml", []byte(" "), "The file is empty."},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			c.get("/send")
			r := c.sendFile(tt.file, tt.data)
			r.want(t, http.StatusUnprocessableEntity, tt.message, `id="document-error"`)
			if tt.file != "" {
				r.want(t, http.StatusUnprocessableEntity, "Technical detail")
			}
		})
	}
	if n := len(e.sent.Messages()); n != 2 {
		t.Errorf("%d transactions in all, want 2", n)
	}
}

// auditCount returns how many audit entries of company acc have the action.
func auditCount(t testing.TB, e *env, acc account, action string) int {
	t.Helper()
	var n int
	if err := e.app.st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM webapp_audit WHERE company_id = $1 AND action = $2`,
		acc.company.ID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSendPlanChanged proves that Send enqueues only the plan the user
// confirmed: when the directory changed since, the new plan is shown and
// nothing is queued until it is confirmed.
func TestSendPlanChanged(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	enable(t, c)
	c.get("/send")
	form := c.sendFile("hyvitys.xml", readFile(t, creditNote)).confirmation(t)

	changed := directoryEntry
	changed.To = []string{"uusi@asiakas.example"}
	e.put(t, e.a, changed)
	// The plan's page again, with the new recipients and a notice.
	plan := "/send/plan/" + form.Get("upload")
	c.post("/send/confirm", form).wantRedirect(t, plan)
	r := c.get(plan)
	r.want(t, http.StatusOK, "The recipient directory changed since you checked the recipients", "uusi@asiakas.example")
	r.lacks(t, "laskut@asiakas.example")
	c.get(plan).lacks(t, "changed since") // the notice is shown once
	if list, _, err := (companyData{st: e.app.st, companyID: e.a.company.ID}).deliveries(t.Context(), deliveryFilter{}, deliveryCursor{}, 10); err != nil || len(list) != 0 {
		t.Fatalf("%d deliveries after a changed plan (%v), want none", len(list), err)
	}
	// A forged fingerprint is refused the same way.
	c.post("/send/confirm", url.Values{"upload": form["upload"], "plan": {"0000"}}).wantRedirect(t, plan)
	c.get(plan).want(t, http.StatusOK, "changed since")

	loc := c.post("/send/confirm", r.confirmation(t)).header.Get("Location")
	if !strings.HasPrefix(loc, "/log/") {
		t.Fatalf("confirming the new plan: %q", loc)
	}
	dl := e.row(t, e.a, loc)
	if rcptState(dl, "uusi@asiakas.example") != "pending" || rcptState(dl, "laskut@asiakas.example") != "" {
		t.Errorf("queued recipients %+v", dl.Recipients)
	}
}

// switchable is a Recorder's outcome that a test changes while the workers
// run.
type switchable struct {
	mu       sync.Mutex
	outcomes map[string]transport.Outcome // by address; missing: delivered
	received map[string]int               // transactions that may have reached the address
}

// newSwitchable returns outcomes by address, delivered for the others.
func newSwitchable(outcomes map[string]transport.Outcome) *switchable {
	return &switchable{outcomes: outcomes, received: map[string]int{}}
}

// outcome is the Recorder's Outcome.
func (s *switchable) outcome(_ *transport.Message, address string) transport.Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outcomes[address]
	if o == transport.Delivered || o == transport.Ambiguous || o == 0 {
		s.received[address]++
	}
	return o
}

// got returns how many transactions may have reached the address.
func (s *switchable) got(address string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received[address]
}

// set changes the outcome of an address from the next attempt on.
func (s *switchable) set(address string, o transport.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[address] = o
}

// TestOutboxStates follows a document through the outbox's states on its
// page: deferred until the server recovers, ambiguous until released,
// failed until resent to the failed recipient only, and cancelled.
func TestOutboxStates(t *testing.T) {
	const to, cc = "laskut@asiakas.example", "kopio@asiakas.example"
	setup := func(t *testing.T, outcomes map[string]transport.Outcome, adjust ...func(*config)) (*env, *client, *switchable, *transporttest.Recorder) {
		sw := newSwitchable(outcomes)
		rec := &transporttest.Recorder{Outcome: sw.outcome}
		e := newEnv(t, sqlite, func(c *config) {
			c.Transport = rec
			for _, f := range adjust {
				f(c)
			}
		})
		e.put(t, e.a, directoryEntry)
		c := e.signIn(t, e.a)
		enable(t, c)
		e.start(t)
		return e, c, sw, rec
	}

	t.Run("deferred, then delivered", func(t *testing.T) {
		e, c, sw, _ := setup(t, map[string]transport.Outcome{to: transport.Deferred})
		loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
		// Deferred once both recipients had their turn (the copy's
		// delivery may come after the first recipient's deferral).
		waitFor(t, "the first recipient deferred and the copy delivered", func() bool {
			dl := e.row(t, e.a, loc)
			return dl.State == string(outbox.Deferred) && rcptState(dl, cc) == string(outbox.Delivered)
		})
		// Retried every 100 ms: between the retries the page shows the
		// deferral (during one, the recipient is sending).
		var page response
		waitFor(t, "the page to show the deferral", func() bool {
			page = c.get(loc)
			return strings.Contains(page.body, `class="badge large deferred">Deferred</span>`)
		})
		page.want(t, http.StatusOK, "Delivered", "The recipient's server is busy or asked to try later", `http-equiv="refresh"`, "450")
		sw.set(to, transport.Delivered)
		e.waitState(t, e.a, loc, outbox.Delivered)
		c.get(loc).want(t, http.StatusOK, `class="badge large delivered"`)
	})

	t.Run("ambiguous, released, delivered", func(t *testing.T) {
		e, c, sw, _ := setup(t, map[string]transport.Outcome{cc: transport.Ambiguous})
		loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
		e.waitState(t, e.a, loc, outbox.Ambiguous)
		page := c.get(loc)
		page.want(t, http.StatusOK, `class="badge large ambiguous">Uncertain</span>`, "it is not known whether it arrived",
			`action="/log/`+strings.TrimPrefix(loc, "/log/")+`/release"`, "Settled, do not send")
		page.lacks(t, `http-equiv="refresh"`)
		sw.set(cc, transport.Delivered)
		c.post(loc+"/release", url.Values{"address": {cc}}).wantRedirect(t, loc)
		e.waitState(t, e.a, loc, outbox.Delivered)
		if n := sw.got(cc); n != 2 {
			t.Errorf("%s got %d messages, want 2 (the ambiguous one and the release)", cc, n)
		}
		if n := sw.got(to); n != 1 {
			t.Errorf("%s got %d messages, want 1", to, n)
		}
		if n := auditCount(t, e, e.a, "delivery.release"); n != 1 {
			t.Errorf("%d delivery.release audit entries", n)
		}
		// Nothing is ambiguous any more.
		c.post(loc+"/release", url.Values{"address": {cc}}).want(t, http.StatusConflict, "no longer waiting")
	})

	t.Run("ambiguous, dismissed", func(t *testing.T) {
		e, c, sw, _ := setup(t, map[string]transport.Outcome{cc: transport.Ambiguous})
		loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
		e.waitState(t, e.a, loc, outbox.Ambiguous)
		c.post(loc+"/dismiss", url.Values{"address": {cc}}).wantRedirect(t, loc)
		c.get(loc).want(t, http.StatusOK, "settled without sending")
		if n := sw.got(cc); n != 1 {
			t.Errorf("%s got %d messages, want 1", cc, n)
		}
		if n := auditCount(t, e, e.a, "delivery.dismiss"); n != 1 {
			t.Errorf("%d delivery.dismiss audit entries", n)
		}
	})

	t.Run("failed, resent to the failed only", func(t *testing.T) {
		e, c, sw, _ := setup(t, map[string]transport.Outcome{cc: transport.Failed})
		loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
		dl := e.waitState(t, e.a, loc, outbox.Failed)
		if rcptState(dl, to) != "delivered" || rcptState(dl, cc) != "failed" {
			t.Fatalf("recipients %+v", dl.Recipients)
		}
		c.get(loc).want(t, http.StatusOK, `class="badge large failed"`, "Failed", "550", "Resend to the failed recipients")
		sw.set(cc, transport.Delivered)
		r := c.post(loc+"/resend", nil)
		again := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(again, "/log/") || again == loc {
			t.Fatalf("resend: %d %q", r.status, again)
		}
		nd := e.waitState(t, e.a, again, outbox.Delivered)
		if nd.ResendOf != dl.ID || len(nd.Recipients) != 1 || nd.Recipients[0].Address != cc {
			t.Errorf("the resend's row: %+v", nd)
		}
		if n := sw.got(to); n != 1 {
			t.Errorf("%s got %d messages, want 1: the resend went to a recipient that had it", to, n)
		}
		if n := sw.got(cc); n != 1 {
			t.Errorf("%s got %d messages, want 1 (the resend)", cc, n)
		}
		c.get(again).want(t, http.StatusOK, "A resend to the failed recipients", `href="`+loc+`"`)
		c.get(loc).want(t, http.StatusOK, "Sent again", `href="`+again+`"`)
		if n := auditCount(t, e, e.a, "delivery.resendFailed"); n != 1 {
			t.Errorf("%d delivery.resendFailed audit entries", n)
		}
		// The first row stays failed; nothing failed in the resend.
		c.post(again+"/resend", nil).want(t, http.StatusConflict, "nothing to send again")
	})

	t.Run("cancelled", func(t *testing.T) {
		// Retried only in an hour, so that no recipient is in the middle
		// of an attempt (which Cancel leaves alone) when Cancel comes.
		e, c, _, _ := setup(t, map[string]transport.Outcome{to: transport.Deferred, cc: transport.Deferred}, func(c *config) {
			c.Outbox.Schedule = outbox.Schedule{Delays: []time.Duration{time.Hour}, MaxAge: 2 * time.Hour}
		})
		loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
		waitFor(t, "both recipients deferred", func() bool {
			dl := e.row(t, e.a, loc)
			return rcptState(dl, to) == "deferred" && rcptState(dl, cc) == "deferred"
		})
		c.get(loc).want(t, http.StatusOK, "Cancel the unsent")
		c.post(loc+"/cancel", nil).wantRedirect(t, loc)
		dl := e.waitState(t, e.a, loc, outbox.Cancelled)
		if rcptState(dl, to) != "cancelled" {
			t.Errorf("recipients %+v", dl.Recipients)
		}
		if n := auditCount(t, e, e.a, "delivery.cancel"); n != 1 {
			t.Errorf("%d delivery.cancel audit entries", n)
		}
		c.post(loc+"/cancel", nil).want(t, http.StatusConflict, "Nothing is left to cancel")
	})
}

// TestDuplicate proves the duplicate guard: sending a document again shows
// a warning with the earlier delivery, and only an explicit confirmation
// sends it again, recorded as the user's resend.
func TestDuplicate(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, directoryEntry)
	c := e.signIn(t, e.a)
	enable(t, c)
	e.start(t)
	doc := readFile(t, creditNote)
	first := send(t, c, "hyvitys.xml", doc)
	e.waitState(t, e.a, first, outbox.Delivered)

	c.get("/send")
	form := c.sendFile("hyvitys.xml", doc).confirmation(t)
	r := c.post("/send/confirm", form)
	r.want(t, http.StatusConflict, "Document HL-2026-0042 was already sent", "laskut@asiakas.example", `href="`+first+`"`,
		"Send it again anyway?", `name="resend" value="1"`)
	if n := len(e.sent.Messages()); n != 2 {
		t.Fatalf("%d transactions after the warning, want 2 (one per recipient)", n)
	}
	form.Set("resend", "1")
	r = c.post("/send/confirm", form)
	again := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(again, "/log/") || again == first {
		t.Fatalf("explicit resend: %d %q", r.status, again)
	}
	e.waitState(t, e.a, again, outbox.Delivered)
	msgs := e.sent.Messages()
	if len(msgs) != 4 || msgs[0].MessageID == msgs[3].MessageID {
		t.Fatalf("%d transactions; want 4, and a resend needs a new Message-ID", len(msgs))
	}
	if n := auditCount(t, e, e.a, "delivery.resend"); n != 1 {
		t.Errorf("%d delivery.resend audit entries, want 1", n)
	}
}

func TestSendOversized(t *testing.T) {
	e := newEnv(t, sqlite, func(c *config) { c.MaxDocumentSize = 16 << 10 })
	c := e.signIn(t, e.a)
	enable(t, c)
	c.get("/send")
	big := bytes.Repeat([]byte("<!-- padding -->\n"), 4<<10) // 68 KiB
	c.sendFile("big.xml", big).want(t, http.StatusRequestEntityTooLarge, "The file is larger than 16 kB")
}

func TestLogPages(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	data := companyData{st: e.app.st, companyID: e.a.company.ID}
	total := logPageSize + 5
	for i := range total {
		// Deliveries 1 and 2, 3 and 4, … share a time stamp (the store keeps
		// microseconds), so the cursor must order them by ID too; the page
		// ends between 5 and 4, which do not.
		e.clock.Advance(1)
		if i%2 == 1 {
			e.clock.Advance(1000)
		}
		dl := delivery{Number: fmt.Sprintf("D-%03d", i), Outcome: distribution.NotRouted, State: stateNotRouted, User: e.a.email, File: "f.xml"}
		if err := data.addDelivery(t.Context(), &dl); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(t, e.a)
	r := c.get("/log")
	r.want(t, http.StatusOK, "D-054", "D-005", "Older")
	r.lacks(t, "D-004", "Most recent")
	next := regexpFind(t, r.body, `href="(/log\?after=[^"]+)"`)
	r = c.get(next)
	r.want(t, http.StatusOK, "D-004", "D-000", "Most recent", "No recipient")
	r.lacks(t, "D-005", "Older")
	e.signIn(t, e.b).get("/log").want(t, http.StatusOK, "Nothing has been sent yet.")
}
