package transport_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// FuzzCompose composes messages with arbitrary subjects, display names,
// file names, text and attachment bytes (seeds in
// testdata/fuzz/FuzzCompose). Either Compose refuses the message as input,
// or its output keeps the line discipline, carries exactly the header
// fields the writer sets (nothing injected), and reads back with the
// standard library to the same values.
func FuzzCompose(f *testing.F) {
	f.Fuzz(func(t *testing.T, subject, name, filename, text string, data []byte) {
		m := &transport.Message{
			From:        mail.Address{Name: name, Address: "laskutus@example.fi"},
			To:          []mail.Address{{Name: name, Address: "matti@example.com"}},
			Subject:     subject,
			Text:        text,
			Attachments: []transport.Attachment{{Filename: filename, ContentType: "application/pdf", Data: data}},
			MessageID:   "fuzz@example.fi",
			Date:        time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		}
		c, err := transport.Compose(m, nil)
		if _, eerr := transport.Envelope(m, nil); fmt.Sprint(eerr) != fmt.Sprint(err) {
			t.Fatalf("Envelope error %v, Compose error %v: want the same", eerr, err)
		}
		if err != nil {
			var he *transport.HeaderError
			if !errors.As(err, &he) || !transport.IsInput(err) {
				t.Fatalf("Compose error %v is not a *HeaderError", err)
			}
			return
		}
		checkLines(t, c.Data)
		header := c.Data[:bytes.Index(c.Data, []byte("\r\n\r\n"))+2]
		var fields []string
		for _, line := range strings.Split(string(header), "\r\n") {
			if line != "" && line[0] != ' ' && line[0] != '\t' {
				k, _, _ := strings.Cut(line, ":")
				fields = append(fields, k)
			}
		}
		want := []string{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type"}
		if subject == "" {
			want = slices.Delete(want, 3, 4)
		}
		if !slices.Equal(fields, want) {
			t.Fatalf("header fields %q, want %q", fields, want)
		}
		got, err := transporttest.ParseMessage(c.Data)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, c.Data)
		}
		if got.Subject != subject {
			t.Errorf("Subject %q, want %q", got.Subject, subject)
		}
		if got.From.Name != name || len(got.To) != 1 || got.To[0].Name != name || got.To[0].Address != "matti@example.com" {
			t.Errorf("From %q, To %q; want the name %q", got.From, got.To, name)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Filename != filename || !bytes.Equal(got.Attachments[0].Data, data) {
			t.Fatalf("attachment %+v; want %q with %d bytes", got.Attachments, filename, len(data))
		}
		norm := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
		if got.Text != norm {
			t.Errorf("Text %q, want %q", got.Text, norm)
		}
	})
}
