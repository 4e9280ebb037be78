package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
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
	id := c.sendFile(name, data).uploadID(t)
	r := c.post("/send/confirm", url.Values{"upload": {id}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/log/") {
		t.Fatalf("sending %s: %d %q", name, r.status, loc)
	}
	return loc
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

	t.Run("plan, send and log", func(t *testing.T) {
		c.get("/send")
		r := c.sendFile("hyvitys.xml", doc)
		r.want(t, http.StatusOK, "Who receives document HL-2026-0042", "Credit note", "laskut@asiakas.example",
			"from the directory, customer 10202", "kopio@asiakas.example", "Language of the e-mail: Swedish.",
			"Customer number 10202 is in the recipient directory", "Send by e-mail")
		if n := len(e.sent.Messages()); n != 0 {
			t.Fatalf("planning sent %d messages", n)
		}
		id := r.uploadID(t)
		r = c.post("/send/confirm", url.Values{"upload": {id}})
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/log/") {
			t.Fatalf("send: %d %q", r.status, loc)
		}
		msgs := e.sent.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages sent, want 1", len(msgs))
		}
		m := msgs[0]
		if len(m.To) != 1 || m.To[0].Address != "laskut@asiakas.example" || len(m.Cc) != 1 || m.Cc[0].Address != "kopio@asiakas.example" {
			t.Errorf("sent to %v, copy %v", m.To, m.Cc)
		}
		if !strings.Contains(m.Subject, "HL-2026-0042") || m.From.Address != "laskut@operaattori.example" {
			t.Errorf("subject %q from %v", m.Subject, m.From)
		}

		c.get(loc).want(t, http.StatusOK, "Document HL-2026-0042", "Sent by anna@kukka.example", "hyvitys.xml", `class="badge large sent"`,
			"laskut@asiakas.example", "kopio@asiakas.example", "Delivered", "Customer number 10202 is in the recipient directory", m.MessageID)
		c.get("/log").want(t, http.StatusOK, "HL-2026-0042", "<td>10202</td>", "Vasa Trädgård Ab", `class="badge delivered">Delivered`, "kopio@asiakas.example")

		// Pressing Send again sends nothing.
		c.post("/send/confirm", url.Values{"upload": {id}}).want(t, http.StatusNotFound, "already sent")
		if n := len(e.sent.Messages()); n != 1 {
			t.Errorf("%d messages after a second Send, want 1", n)
		}

		// The log explains in the reader's language, from the stored steps.
		dl, err := (companyData{st: e.app.st, companyID: e.a.company.ID}).delivery(t.Context(), strings.TrimPrefix(loc, "/log/"))
		if err != nil {
			t.Fatal(err)
		}
		c.get("/log?lang=fi")
		fi := c.get(loc)
		fi.want(t, http.StatusOK, "Lähetetty", "Toimitettu")
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
	if n := len(e.sent.Messages()); n != 1 {
		t.Errorf("%d messages in all, want 1", n)
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

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		outcome func(string) transport.Outcome
		want    distribution.Outcome
		texts   []string
	}{
		{"partly sent", func(a string) transport.Outcome {
			if a == "kopio@asiakas.example" {
				return transport.Failed
			}
			return transport.Delivered
		}, distribution.PartlySent, []string{"Partly sent", "Delivered", "Failed", "550"}},
		{"deferred", func(string) transport.Outcome { return transport.Deferred }, distribution.Deferred,
			[]string{"Deferred: try again later", "450", "Technical detail"}},
		{"ambiguous", func(string) transport.Outcome { return transport.Ambiguous }, distribution.Ambiguous,
			[]string{"Uncertain: may have been delivered", "Uncertain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &transporttest.Recorder{Outcome: func(_ *transport.Message, a string) transport.Outcome { return tt.outcome(a) }}
			e := newEnv(t, sqlite, func(c *config) { c.Transport = rec })
			e.put(t, e.a, directoryEntry)
			c := e.signIn(t, e.a)
			enable(t, c)
			loc := send(t, c, "hyvitys.xml", readFile(t, creditNote))
			r := c.get(loc)
			r.want(t, http.StatusOK, append(tt.texts, fmt.Sprintf(`class="badge large %s"`, tt.want))...)
		})
	}
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
