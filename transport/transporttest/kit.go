package transporttest

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
)

// NewFunc builds a fresh [transport.Transport] for one rule of [Run], with
// the [Inbox] that shows what it delivered. Release resources with
// t.Cleanup.
type NewFunc func(t *testing.T) (transport.Transport, Inbox)

// Inbox returns every message the transport under test has delivered so
// far, as a recipient's mail program reads it (for a backend that stores
// raw bytes: [ParseMessage] of each), with Bcc holding the recipients it
// was delivered to that To and Cc do not name.
type Inbox func() ([]*transport.Message, error)

// Run is the conformance kit for [transport.Transport] implementations. It
// runs one subtest per rule, each with a transport from newTransport:
//
//   - round-trip: addresses, display names, subject, text, HTML, extra
//     headers, Message-ID, Date and attachment names, types and bytes
//     arrive as sent, and the receipt lists every distinct recipient, in
//     To, Cc, Bcc order, as delivered;
//   - finnish-subject: Finnish and other non-ASCII subjects, long ones and
//     ones that look like encoded-words survive RFC 2047;
//   - generated-message-id: a message without Message-ID gets one, the
//     receipt reports it and the delivered message carries it;
//   - no-recipients: a message without recipients, or a nil one, gives
//     [transport.ErrNoRecipients] (no panic), nothing delivered;
//   - header-injection: a CR/LF in a header is an input error
//     ([transport.IsInput], [*transport.HeaderError]), nothing delivered;
//   - cancelled-context: a cancelled ctx gives an error matching
//     [context.Canceled], nothing delivered, no recipient reported delivered;
//   - message-unchanged: Send does not modify the message;
//   - concurrent-sends: 32 messages sent from 8 goroutines all arrive, once;
//   - raw-sender, for a transport that implements [transport.RawSender]
//     (what a durable outbox needs to send stored bytes): a message
//     composed with its ComposeOptions and sent with SendComposed to one
//     of its recipients arrives with its Message-ID and subject, with one
//     result, delivered, for that recipient only; a malformed Composed is
//     refused as input ([transport.ErrMalformed]) and nothing is delivered.
//
// Use it from the implementation's tests:
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) (transport.Transport, transporttest.Inbox) {
//			tr := newMyTransport(t)
//			return tr, tr.inbox
//		})
//	}
func Run(t *testing.T, newTransport NewFunc) {
	t.Helper()
	run(realT{t}, newTransport)
}

// tb is what the kit needs from a test, so that the kit's own tests can
// check that it catches broken transports.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Context() context.Context
	Run(name string, f func(tb)) bool
	std() *testing.T // the test handed to the factory
}

type realT struct{ *testing.T }

func (r realT) Run(name string, f func(tb)) bool {
	return r.T.Run(name, func(t *testing.T) { f(realT{t}) })
}
func (r realT) std() *testing.T { return r.T }

type rule struct {
	name string
	fn   func(t tb, tr transport.Transport, inbox Inbox)
}

var rules = []rule{
	{"round-trip", ruleRoundTrip},
	{"finnish-subject", ruleFinnishSubject},
	{"generated-message-id", ruleGeneratedID},
	{"no-recipients", ruleNoRecipients},
	{"header-injection", ruleHeaderInjection},
	{"cancelled-context", ruleCancelled},
	{"message-unchanged", ruleUnchanged},
	{"concurrent-sends", ruleConcurrent},
	{"raw-sender", ruleRawSender},
}

func run(t tb, newTransport NewFunc) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t tb) {
			tr, inbox := newTransport(t.std())
			r.fn(t, tr, inbox)
		})
	}
}

// sample returns the message the rules send, with a unique subject.
func sample(subject string) *transport.Message {
	pdf := make([]byte, 3000)
	for i := range pdf {
		pdf[i] = byte(i * 7) // every byte value, CR, LF and dots included
	}
	return &transport.Message{
		From:    mail.Address{Name: "Äijälä Oy – Laskutus", Address: "laskutus@example.fi"},
		ReplyTo: []mail.Address{{Name: "Asiakaspalvelu", Address: "asiakaspalvelu@example.fi"}},
		To:      []mail.Address{{Name: "Meikäläinen, Matti", Address: "matti.meikalainen@example.com"}, {Address: "kirjanpito@example.com"}},
		Cc:      []mail.Address{{Name: "Ann O'Brien", Address: "ann@example.net"}},
		Bcc:     []mail.Address{{Address: "arkisto@example.fi"}},
		Subject: subject,
		Text: "Hyvä asiakas,\n\nliitteenä lasku 2026-001, eräpäivä 14.3.2026.\n" +
			".rivi joka alkaa pisteellä\n..\nFrom here\n" + strings.Repeat("pitkä rivi ", 40) + "\n",
		HTML: "<p>Hyvä asiakas,</p>\n<p>liitteenä lasku 2026-001.</p>\n",
		Attachments: []transport.Attachment{
			{Filename: "Lasku 2026-001 – Äijälä Oy.pdf", ContentType: "application/pdf", Data: pdf},
			{Filename: "invoice.xml", ContentType: "application/xml", Data: []byte("<?xml version=\"1.0\"?>\r\n<Invoice>Äijälä</Invoice>\n")},
		},
		Headers:   map[string]string{"X-Jakelu-Document": "2026-001 Äijälä"},
		MessageID: "lasku-2026-001.4f2a@example.fi",
		Date:      time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("EET", 2*3600)),
	}
}

// send sends msg and checks that the receipt says every recipient was
// delivered.
func send(t tb, tr transport.Transport, msg *transport.Message) *transport.Receipt {
	t.Helper()
	rc, err := tr.Send(t.Context(), msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rc == nil {
		t.Fatalf("Send returned a nil receipt")
	}
	return rc
}

// delivered returns the inbox, failing the rule when it cannot be read.
func delivered(t tb, inbox Inbox) []*transport.Message {
	t.Helper()
	msgs, err := inbox()
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	return msgs
}

func ruleRoundTrip(t tb, tr transport.Transport, inbox Inbox) {
	want := sample("Lasku 2026-001 – Äijälä Oy")
	// The same address twice must be one recipient.
	want.Cc = append(want.Cc, mail.Address{Address: "matti.meikalainen@example.com"})
	rc := send(t, tr, want)
	if rc.MessageID != want.MessageID {
		t.Errorf("receipt MessageID = %q, want %q", rc.MessageID, want.MessageID)
	}
	wantRcpt := []string{"matti.meikalainen@example.com", "kirjanpito@example.com", "ann@example.net", "arkisto@example.fi"}
	var got []string
	for _, r := range rc.Recipients {
		got = append(got, r.Address)
		if r.Outcome != transport.Delivered || r.Err != nil {
			t.Errorf("receipt for %s: outcome %v, err %v; want delivered, nil", r.Address, r.Outcome, r.Err)
		}
	}
	if !slices.Equal(got, wantRcpt) {
		t.Errorf("receipt recipients = %q, want %q (distinct, in To, Cc, Bcc order)", got, wantRcpt)
	}
	msgs := delivered(t, inbox)
	if len(msgs) != 1 {
		t.Fatalf("inbox has %d messages, want 1", len(msgs))
	}
	compare(t, msgs[0], want)
}

// compare reports every difference between a delivered message and the
// one sent.
func compare(t tb, got, want *transport.Message) {
	t.Helper()
	addrs := func(field string, g, w []mail.Address) {
		if len(g) != len(w) {
			t.Errorf("%s = %v, want %v", field, g, w)
			return
		}
		for i := range w {
			if wireForm(g[i].Address) != wireForm(w[i].Address) || g[i].Name != w[i].Name {
				t.Errorf("%s[%d] = %q <%s>, want %q <%s>", field, i, g[i].Name, g[i].Address, w[i].Name, w[i].Address)
			}
		}
	}
	addrs("From", []mail.Address{got.From}, []mail.Address{want.From})
	addrs("ReplyTo", got.ReplyTo, want.ReplyTo)
	addrs("To", got.To, want.To)
	addrs("Cc", got.Cc, want.Cc)
	var gb, wb []string
	for _, a := range got.Bcc {
		gb = append(gb, wireForm(a.Address))
	}
	for _, a := range want.Bcc {
		wb = append(wb, wireForm(a.Address))
	}
	if slices.Sort(gb); !slices.Equal(gb, wb) {
		t.Errorf("Bcc recipients delivered = %q, want %q", gb, wb)
	}
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if got.MessageID != want.MessageID {
		t.Errorf("MessageID = %q, want %q", got.MessageID, want.MessageID)
	}
	if !got.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	if text(got.Text) != text(want.Text) {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if text(got.HTML) != text(want.HTML) {
		t.Errorf("HTML = %q, want %q", got.HTML, want.HTML)
	}
	for k, v := range want.Headers {
		if g := got.Headers[k]; g != v {
			t.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	if len(got.Attachments) != len(want.Attachments) {
		t.Fatalf("%d attachments, want %d", len(got.Attachments), len(want.Attachments))
	}
	for i, w := range want.Attachments {
		g := got.Attachments[i]
		if g.Filename != w.Filename {
			t.Errorf("attachment %d file name = %q, want %q", i, g.Filename, w.Filename)
		}
		if mediaType(g.ContentType) != mediaType(w.ContentType) {
			t.Errorf("attachment %d content type = %q, want %q", i, g.ContentType, w.ContentType)
		}
		if !slices.Equal(g.Data, w.Data) {
			t.Errorf("attachment %d bytes differ: %d bytes, want %d", i, len(g.Data), len(w.Data))
		}
	}
}

// wireForm is the form of an address to compare: validated, A-label domain.
func wireForm(a string) string {
	n, err := address.Parse(a)
	if err != nil {
		return a
	}
	w, _ := address.ToASCII(n)
	return w
}

// text normalises line breaks and the final one, which MIME may add.
func text(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.TrimRight(s, "\n")
}

func mediaType(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func ruleFinnishSubject(t tb, tr transport.Transport, inbox Inbox) {
	subjects := []string{
		"Lasku 2026-001: Äijälä Oy – eräpäivä 14.3.2026",
		"ÅÄÖ åäö € 😀 " + strings.Repeat("Lämpöpumppujen huoltosopimus ", 8),
		"=?utf-8?q?this_is_not_an_encoded_word?=",
		"  välilyöntejä  ympärillä  ",
		"Sarkain\tsisällä",
	}
	for _, s := range subjects {
		m := sample(s)
		m.MessageID = ""
		send(t, tr, m)
	}
	msgs := delivered(t, inbox)
	var got []string
	for _, m := range msgs {
		got = append(got, m.Subject)
	}
	for _, s := range subjects {
		if !slices.Contains(got, s) {
			t.Errorf("subject %q did not arrive intact; delivered subjects: %q", s, got)
		}
	}
}

func ruleGeneratedID(t tb, tr transport.Transport, inbox Inbox) {
	m := sample("generated Message-ID")
	m.MessageID = ""
	rc := send(t, tr, m)
	if rc.MessageID == "" || strings.ContainsAny(rc.MessageID, "<> ") || !strings.Contains(rc.MessageID, "@") {
		t.Errorf("receipt MessageID = %q, want a generated local@domain", rc.MessageID)
	}
	msgs := delivered(t, inbox)
	if len(msgs) != 1 || msgs[0].MessageID != rc.MessageID {
		t.Errorf("delivered %d messages; want 1 with Message-ID %q", len(msgs), rc.MessageID)
	}
}

// refused sends msg and checks that it is refused as input and that nothing
// is delivered.
func refused(t tb, tr transport.Transport, inbox Inbox, msg *transport.Message) error {
	t.Helper()
	rc, err := tr.Send(t.Context(), msg)
	if rc == nil {
		t.Errorf("Send returned a nil receipt")
	}
	if !transport.IsInput(err) {
		t.Errorf("Send error = %v; want an input error (transport.IsInput)", err)
	}
	if msgs := delivered(t, inbox); len(msgs) != 0 {
		t.Errorf("inbox has %d messages, want none", len(msgs))
	}
	return err
}

func ruleNoRecipients(t tb, tr transport.Transport, inbox Inbox) {
	m := sample("no recipients")
	m.To, m.Cc, m.Bcc = nil, nil, nil
	for _, m := range []*transport.Message{m, nil} {
		if err := refused(t, tr, inbox, m); !errors.Is(err, transport.ErrNoRecipients) {
			t.Errorf("Send error = %v; want transport.ErrNoRecipients", err)
		}
	}
}

func ruleHeaderInjection(t tb, tr transport.Transport, inbox Inbox) {
	for _, mod := range []func(*transport.Message){
		func(m *transport.Message) { m.Subject = "Lasku\r\nBcc: victim@example.org" },
		func(m *transport.Message) { m.To[0].Name = "Evil\nBcc: victim@example.org" },
		func(m *transport.Message) { m.Attachments[0].Filename = "a.pdf\r\nContent-Type: text/html" },
		func(m *transport.Message) { m.Headers["X-Jakelu-Document"] = "x\x00y" },
	} {
		m := sample("injection")
		mod(m)
		var he *transport.HeaderError
		if err := refused(t, tr, inbox, m); !errors.As(err, &he) {
			t.Errorf("Send error = %v; want a *transport.HeaderError", err)
		}
	}
}

func ruleCancelled(t tb, tr transport.Transport, inbox Inbox) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rc, err := tr.Send(ctx, sample("cancelled"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: error = %v, want one matching context.Canceled", err)
	}
	if rc == nil {
		t.Fatalf("Send returned a nil receipt")
	}
	for _, r := range rc.Recipients {
		if r.Outcome == transport.Delivered {
			t.Errorf("receipt says %s was delivered despite the cancelled context", r.Address)
		}
	}
	if msgs := delivered(t, inbox); len(msgs) != 0 {
		t.Errorf("inbox has %d messages after a cancelled send, want none", len(msgs))
	}
}

func ruleUnchanged(t tb, tr transport.Transport, inbox Inbox) {
	m := sample("unchanged")
	m.MessageID, m.Date = "", time.Time{}
	before := m.Clone()
	send(t, tr, m)
	if !reflect.DeepEqual(m, before) {
		var changed []string
		a, b := reflect.ValueOf(m).Elem(), reflect.ValueOf(before).Elem()
		for i := range a.NumField() {
			if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
				changed = append(changed, a.Type().Field(i).Name)
			}
		}
		t.Errorf("Send modified the message's %s", strings.Join(changed, ", "))
	}
}

func ruleConcurrent(t tb, tr transport.Transport, inbox Inbox) {
	const workers, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m := sample(fmt.Sprintf("concurrent %d-%d", w, i))
				m.MessageID = fmt.Sprintf("c%d-%d@example.fi", w, i)
				if _, err := tr.Send(t.Context(), m); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Send: %v", err)
	}
	count := make(map[string]int)
	for _, m := range delivered(t, inbox) {
		count[m.MessageID]++
	}
	for w := range workers {
		for i := range each {
			if id := fmt.Sprintf("c%d-%d@example.fi", w, i); count[id] != 1 {
				t.Errorf("message %s arrived %d times, want once", id, count[id])
			}
		}
	}
}

func ruleRawSender(t tb, tr transport.Transport, inbox Inbox) {
	raw, ok := tr.(transport.RawSender)
	if !ok {
		return // optional
	}
	opts := raw.ComposeOptions()
	c, err := transport.Compose(sample("Lasku 2026-002 – tallennetut tavut"), &opts)
	if err != nil {
		t.Fatalf("Compose with the transport's ComposeOptions: %v", err)
	}
	bad := *c
	bad.Data = []byte("no header end")
	rc, err := raw.SendComposed(t.Context(), &bad)
	if rc == nil || !transport.IsInput(err) || !errors.Is(err, transport.ErrMalformed) {
		t.Errorf("SendComposed of malformed data: receipt %v, error %v; want an input error matching transport.ErrMalformed", rc, err)
	}
	if msgs := delivered(t, inbox); len(msgs) != 0 {
		t.Fatalf("inbox has %d messages after a malformed SendComposed, want none", len(msgs))
	}
	// One recipient of several, as an outbox sends: one transaction each.
	one := *c
	one.Recipients, one.RcptTo = c.Recipients[1:2], c.RcptTo[1:2]
	rc, err = raw.SendComposed(t.Context(), &one)
	if err != nil || rc == nil {
		t.Fatalf("SendComposed: %v", err)
	}
	if len(rc.Recipients) != 1 || rc.Recipients[0].Outcome != transport.Delivered || !address.Equal(rc.Recipients[0].Address, c.Recipients[1]) {
		t.Errorf("SendComposed receipt %+v; want one result, delivered, for %s", rc.Recipients, c.Recipients[1])
	}
	if rc.MessageID != c.MessageID {
		t.Errorf("SendComposed receipt Message-ID %q; want %q", rc.MessageID, c.MessageID)
	}
	msgs := delivered(t, inbox)
	if len(msgs) != 1 || msgs[0].MessageID != c.MessageID || msgs[0].Subject != "Lasku 2026-002 – tallennetut tavut" {
		t.Errorf("inbox has %d messages; want the one sent, with Message-ID %q", len(msgs), c.MessageID)
	}
}
