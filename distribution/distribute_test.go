package distribution_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// The quickstart's example documents double as this package's test data.
const docs = "../examples/quickstart/documents"

func readDoc(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(docs, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func directory(t testing.TB, lang string) *registry.Memory {
	t.Helper()
	m := registry.NewMemory(nil)
	for _, e := range []registry.Entry{
		{CustomerNumber: "30001", To: []string{"ap@kemin-kukka.example", "kirjanpito@tilitoimisto.example"}, Cc: []string{"arkisto@kemin-kukka.example"}, Language: lang},
		{CustomerNumber: "10202", To: []string{"laskut@vasatradgard.example"}},
	} {
		if err := m.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

var fixedNow = func() time.Time { return time.Date(2026, 12, 17, 9, 30, 0, 0, time.UTC) }

// TestDistribute_endToEnd sends through the SMTP transport over STARTTLS to
// the in-process test server and reads what the server stored as a mail
// program would.
func TestDistribute_endToEnd(t *testing.T) {
	ubl := readDoc(t, "ubl-invoice.xml")
	parsed, err := docparse.Parse(ubl, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pdf []byte
	for _, a := range parsed.Attachments {
		if a.IsPDF() {
			pdf = a.Data
		}
	}
	if pdf == nil {
		t.Fatal("the example invoice should embed a PDF")
	}

	subjects := map[string]string{
		"fi": "Lasku 2026-1001 – Pohjoisen Puutarha Oy",
		"sv": "Faktura 2026-1001 – Pohjoisen Puutarha Oy",
		"en": "Invoice 2026-1001 – Pohjoisen Puutarha Oy",
	}
	for lang, subject := range subjects {
		t.Run(lang, func(t *testing.T) {
			srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.StartTLS})
			tr, err := smtp.New(srv.Addr(), &smtp.Options{TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tr.Close() })
			r, err := distribution.NewRouter(directory(t, lang), tr, distribution.Settings{
				Company: "acme", Enabled: true, DocumentAddress: true, Directory: true,
				Precedence: distribution.DirectoryFirst, From: "laskut@operaattori.example",
			}, &distribution.Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Distribute(t.Context(), ubl)
			if err != nil || res.Outcome != distribution.Sent {
				t.Fatalf("Distribute = %s, %v", res.Outcome, err)
			}

			stored := srv.Messages()
			if len(stored) != 1 {
				t.Fatalf("server stored %d messages, want 1", len(stored))
			}
			wantRcpt := []string{"ap@kemin-kukka.example", "kirjanpito@tilitoimisto.example", "arkisto@kemin-kukka.example"}
			if !slices.Equal(stored[0].To, wantRcpt) || stored[0].From != "laskut@operaattori.example" || !stored[0].TLS {
				t.Errorf("envelope = %s → %q (TLS %v), want → %q over TLS", stored[0].From, stored[0].To, stored[0].TLS, wantRcpt)
			}
			msg, err := transporttest.ParseMessage(stored[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Subject != subject {
				t.Errorf("Subject = %q, want %q", msg.Subject, subject)
			}
			if msg.MessageID != res.MessageID {
				t.Errorf("Message-ID = %q, result says %q", msg.MessageID, res.MessageID)
			}
			if msg.From.Name != "Pohjoisen Puutarha Oy" || len(msg.ReplyTo) != 1 || msg.ReplyTo[0].Address != "laskutus@pohjoisenpuutarha.example" {
				t.Errorf("From %v, Reply-To %v: want the seller's name and e-mail", msg.From, msg.ReplyTo)
			}
			if len(msg.To) != 2 || len(msg.Cc) != 1 {
				t.Errorf("To %v Cc %v, want 2 + 1", msg.To, msg.Cc)
			}
			if !strings.Contains(msg.Text, "30001") || !strings.Contains(msg.HTML, "2026-1001") {
				t.Errorf("bodies lack the customer number or the document number:\n%s", msg.Text)
			}
			if len(msg.Attachments) != 2 {
				t.Fatalf("attachments = %d, want PDF and XML", len(msg.Attachments))
			}
			prefix := map[string]string{"fi": "lasku", "sv": "faktura", "en": "invoice"}[lang]
			if msg.Attachments[0].Filename != prefix+"-2026-1001.pdf" || msg.Attachments[1].Filename != prefix+"-2026-1001.xml" {
				t.Errorf("attachments %q, %q: want the PDF then the XML, named %s-2026-1001", msg.Attachments[0].Filename, msg.Attachments[1].Filename, prefix)
			}
			for _, a := range msg.Attachments {
				switch strings.TrimPrefix(a.Filename, prefix+"-") {
				case "2026-1001.pdf":
					if a.ContentType != "application/pdf" || !bytes.Equal(a.Data, pdf) {
						t.Errorf("PDF attachment differs from the embedded PDF (%s, %d bytes)", a.ContentType, len(a.Data))
					}
				case "2026-1001.xml":
					if !bytes.Equal(a.Data, ubl) {
						t.Errorf("XML attachment differs from the document (%d bytes)", len(a.Data))
					}
				default:
					t.Errorf("unexpected attachment %q", a.Filename)
				}
			}
			if res.Receipt == nil || len(res.Receipt.Recipients) != 3 {
				t.Fatalf("receipt = %+v, want 3 recipients", res.Receipt)
			}
		})
	}
}

func TestDistribute_outcomes(t *testing.T) {
	ubl := readDoc(t, "ubl-invoice.xml")
	settings := distribution.Settings{Company: "acme", Enabled: true, Directory: true, From: "laskut@operaattori.example"}
	tests := []struct {
		name     string
		settings func(*distribution.Settings)
		opts     *distribution.Options
		input    []byte
		outcome  func(*transport.Message, string) transport.Outcome
		want     distribution.Outcome
		err      error
		sent     int
	}{
		{name: "sent", input: ubl, want: distribution.Sent, sent: 1},
		{name: "disabled", settings: func(s *distribution.Settings) { s.Enabled = false }, input: ubl,
			want: distribution.NotRouted, err: distribution.ErrDistributionDisabled},
		{name: "not_a_document", input: []byte("%PDF-1.4 not an invoice"), want: distribution.Rejected, err: docparse.ErrPDFWithoutXML},
		{name: "no_recipient", settings: func(s *distribution.Settings) { s.Directory = false; s.DocumentAddress = false },
			input: ubl, want: distribution.NotRouted, err: distribution.ErrNoRecipient},
		{name: "one_recipient_refused", input: ubl, want: distribution.PartlySent, sent: 1,
			outcome: func(_ *transport.Message, a string) transport.Outcome {
				if a == "kirjanpito@tilitoimisto.example" {
					return transport.Failed
				}
				return transport.Delivered
			}},
		{name: "all_deferred", input: ubl, want: distribution.Deferred,
			outcome: func(*transport.Message, string) transport.Outcome { return transport.Deferred }},
		{name: "all_failed", input: ubl, want: distribution.Failed,
			outcome: func(*transport.Message, string) transport.Outcome { return transport.Failed }},
		{name: "ambiguous", input: ubl, want: distribution.Ambiguous, sent: 1,
			outcome: func(*transport.Message, string) transport.Outcome { return transport.Ambiguous }},
		{name: "too_many_recipients", opts: &distribution.Options{MaxRecipients: 2}, input: ubl,
			want: distribution.Rejected, err: distribution.ErrTooManyRecipients},
		{name: "recipients_at_the_limit", opts: &distribution.Options{MaxRecipients: 3}, input: ubl,
			want: distribution.Sent, sent: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings
			if tt.settings != nil {
				tt.settings(&s)
			}
			rec := &transporttest.Recorder{Outcome: tt.outcome}
			r, err := distribution.NewRouter(directory(t, "fi"), rec, s, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Distribute(t.Context(), tt.input)
			if res.Outcome != tt.want || tt.err != nil && !errors.Is(err, tt.err) || (tt.want == distribution.Sent) != (err == nil) {
				t.Fatalf("Distribute = %s, %v; want %s, %v", res.Outcome, err, tt.want, tt.err)
			}
			if res.Err != err {
				t.Errorf("Result.Err = %v, returned %v", res.Err, err)
			}
			if got := len(rec.Messages()); got != tt.sent {
				t.Errorf("recorded %d messages, want %d", got, tt.sent)
			}
		})
	}
}

// TestDistribute_sameMessageID checks that distributing the same document to
// the same recipients twice gives the same Message-ID, and that another
// company or other recipients give another.
func TestDistribute_sameMessageID(t *testing.T) {
	ubl := readDoc(t, "ubl-invoice.xml")
	id := func(company, lang string) string {
		r, err := distribution.NewRouter(directory(t, lang), &transporttest.Recorder{}, distribution.Settings{
			Company: company, Enabled: true, Directory: true, From: "laskut@operaattori.example"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Distribute(t.Context(), ubl)
		if err != nil {
			t.Fatal(err)
		}
		return res.MessageID
	}
	a, b := id("acme", "fi"), id("acme", "sv")
	if a != b || !strings.HasSuffix(a, "@operaattori.example") {
		t.Errorf("same document and recipients: %q and %q", a, b)
	}
	if c := id("other", "fi"); c == a {
		t.Errorf("another company got the same Message-ID %q", c)
	}
}

func TestDistributeAll(t *testing.T) {
	var inputs [][]byte
	for _, name := range []string{"ubl-invoice.xml", "cii-credit-note.xml", "finvoice-invoice.xml"} {
		inputs = append(inputs, readDoc(t, name))
	}
	inputs = append(inputs, []byte("not xml"))
	rec := &transporttest.Recorder{}
	r, err := distribution.NewRouter(directory(t, "fi"), rec, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, From: "laskut@operaattori.example"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var progress []int
	results := r.DistributeAll(t.Context(), inputs, &distribution.BatchOptions{
		Concurrency: 3,
		Progress: func(done, total int, res *distribution.Result) {
			mu.Lock()
			defer mu.Unlock()
			if total != 4 {
				t.Errorf("total = %d, want 4", total)
			}
			progress = append(progress, done)
		},
	})
	want := []distribution.Outcome{distribution.Sent, distribution.Sent, distribution.NotRouted, distribution.Rejected}
	for i, res := range results {
		if res.Outcome != want[i] {
			t.Errorf("input %d: %s (%v), want %s", i, res.Outcome, res.Err, want[i])
		}
	}
	if !slices.Equal(progress, []int{1, 2, 3, 4}) {
		t.Errorf("progress calls = %v", progress)
	}
	if n := len(rec.Messages()); n != 2 {
		t.Errorf("sent %d messages, want 2", n)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, res := range r.DistributeAll(ctx, inputs[:2], nil) {
		if res.Outcome != distribution.Deferred || !errors.Is(res.Err, context.Canceled) {
			t.Errorf("cancelled batch: %s, %v; want deferred", res.Outcome, res.Err)
		}
	}
}

func TestCompose_tooLarge(t *testing.T) {
	ubl := readDoc(t, "ubl-invoice.xml")
	doc, err := docparse.Parse(ubl, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := distribution.NewRouter(nil, &transporttest.Recorder{}, distribution.Settings{
		Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example"},
		&distribution.Options{MaxMessageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.DistributeDocument(t.Context(), doc)
	var tl *distribution.TooLargeError
	if !errors.As(err, &tl) || res.Outcome != distribution.Rejected || tl.Limit != 4096 {
		t.Fatalf("Distribute = %s, %v; want Rejected with *TooLargeError", res.Outcome, err)
	}
}

func TestNewRouter_customTemplates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("en.txt.tmpl", `{{define "subject"}}Your bill {{.Number}}{{end}}{{define "text"}}Pay {{.Amount}}.{{end}}`)
	write("en.html.tmpl", `{{define "html"}}<p>{{.Seller}}</p>{{end}}`)
	rec := &transporttest.Recorder{}
	r, err := distribution.NewRouter(nil, rec, distribution.Settings{Enabled: true, DocumentAddress: true, From: "a@operator.example"},
		&distribution.Options{Templates: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	doc := &docparse.Document{Number: "7", AmountDue: "10.00", Currency: "EUR", XML: []byte("<x/>"),
		Seller: docparse.Party{Name: "<Evil & Sons>"}, Emails: []docparse.Email{{Address: "b@buyer.example"}}}
	if _, err := r.DistributeDocument(t.Context(), doc); err != nil {
		t.Fatal(err)
	}
	m := rec.Messages()[0]
	if m.Subject != "Your bill 7" || m.Text != "Pay €10.00." || m.HTML != "<p>&lt;Evil &amp; Sons&gt;</p>" {
		t.Errorf("got %q / %q / %q", m.Subject, m.Text, m.HTML)
	}

	write("en.txt.tmpl", `{{define "subject"}}x{{end}}`)
	if _, err := distribution.NewRouter(nil, rec, distribution.Settings{From: "a@operator.example"},
		&distribution.Options{Templates: os.DirFS(dir)}); err == nil {
		t.Error("a template without \"text\" was accepted")
	}
}

func TestDistribute_logs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	r, err := distribution.NewRouter(directory(t, "fi"), &transporttest.Recorder{}, distribution.Settings{
		Company: "acme", Enabled: true, Directory: true, From: "laskut@operaattori.example"},
		&distribution.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Distribute(t.Context(), readDoc(t, "ubl-invoice.xml")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Distribute(t.Context(), readDoc(t, "finvoice-invoice.xml")); err == nil {
		t.Fatal("the Finvoice example should not be routed")
	}
	var recs []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
	}
	if len(recs) != 2 {
		t.Fatalf("%d log records, want one per document:\n%s", len(recs), buf.String())
	}
	want := []struct{ level, outcome, number string }{{"INFO", "sent", "2026-1001"}, {"WARN", "not-routed", "2026-1002"}}
	for i, w := range want {
		if recs[i]["level"] != w.level || recs[i]["outcome"] != w.outcome || recs[i]["number"] != w.number || recs[i]["company"] != "acme" {
			t.Errorf("record %d = %v, want %+v", i, recs[i], w)
		}
	}
	if recs[0]["message_id"] == "" || recs[1]["error"] == nil {
		t.Errorf("records lack the Message-ID or the error: %v", recs)
	}
}
