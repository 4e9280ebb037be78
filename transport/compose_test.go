package transport_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/transporttest"
)

func invoice() *transport.Message {
	return &transport.Message{
		From:    mail.Address{Name: "Äijälä Oy", Address: "laskutus@äijälä.fi"},
		To:      []mail.Address{{Name: "Meikäläinen, Matti", Address: "Matti@Example.COM"}, {Address: "b@example.com"}},
		Cc:      []mail.Address{{Name: "Ann O'Brien", Address: "ann@example.net"}, {Address: "matti@example.com"}},
		Bcc:     []mail.Address{{Address: "arkisto@example.fi"}},
		Subject: "Lasku 2026-001 – Äijälä Oy, eräpäivä 14.3.2026",
		Text:    "Hyvä asiakas,\r\n\r\nlasku on liitteenä.\n.piste\rloppu",
		HTML:    "<p>Hyvä asiakas</p>",
		Attachments: []transport.Attachment{
			{Filename: "Lasku 2026-001 – Äijälä Oy.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7\r\n\x00\x01\xff\n.\r\n")},
			{Filename: "invoice.xml", ContentType: "application/xml; charset=utf-8", Data: []byte("<Invoice/>")},
		},
		Headers:   map[string]string{"X-Jakelu-Document": "2026-001"},
		MessageID: "2026-001.abc@example.fi",
		Date:      time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
	}
}

func compose(t *testing.T, m *transport.Message, opts *transport.ComposeOptions) *transport.Composed {
	t.Helper()
	c, err := transport.Compose(m, opts)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	checkLines(t, c.Data)
	return c
}

// checkLines asserts the line discipline: CRLF only, no line over 998
// octets, header lines within 78, a final CRLF.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	inHeader := true
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long", i+1, len(line))
		}
		if len(line) == 0 {
			inHeader = false
		}
		if inHeader && len(line) > 78 {
			t.Errorf("header line %d is %d octets long: %q", i+1, len(line), line)
		}
	}
}

func TestCompose_RoundTrip(t *testing.T) {
	m := invoice()
	c := compose(t, m, &transport.ComposeOptions{Bcc: true})
	got, err := transporttest.ParseMessage(c.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got.From.Name != "Äijälä Oy" || got.From.Address != "laskutus@xn--ijl-placb.fi" {
		t.Errorf("From = %v", got.From)
	}
	if got.To[0].Name != "Meikäläinen, Matti" || got.To[0].Address != "Matti@example.com" {
		t.Errorf("To[0] = %v", got.To[0])
	}
	if got.Cc[0].Name != "Ann O'Brien" || len(got.Bcc) != 1 {
		t.Errorf("Cc = %v, Bcc = %v", got.Cc, got.Bcc)
	}
	if got.Subject != m.Subject || got.MessageID != m.MessageID || !got.Date.Equal(m.Date) {
		t.Errorf("Subject %q, Message-ID %q, Date %v", got.Subject, got.MessageID, got.Date)
	}
	if want := "Hyvä asiakas,\n\nlasku on liitteenä.\n.piste\nloppu"; got.Text != want {
		t.Errorf("Text = %q, want %q (line breaks as LF)", got.Text, want)
	}
	if got.HTML != m.HTML || got.Headers["X-Jakelu-Document"] != "2026-001" {
		t.Errorf("HTML %q, headers %v", got.HTML, got.Headers)
	}
	for i, a := range m.Attachments {
		g := got.Attachments[i]
		if g.Filename != a.Filename || !bytes.Equal(g.Data, a.Data) {
			t.Errorf("attachment %d: %q %q, want %q %q", i, g.Filename, g.Data, a.Filename, a.Data)
		}
	}
	if got.Attachments[1].ContentType != "application/xml; charset=utf-8" {
		t.Errorf("content type %q", got.Attachments[1].ContentType)
	}
	// matti@example.com in Bcc is Matti@example.com of To (address.Equal):
	// one recipient, first spelling.
	wantRcpt := []string{"Matti@example.com", "b@example.com", "ann@example.net", "arkisto@example.fi"}
	if strings.Join(c.Recipients, " ") != strings.Join(wantRcpt, " ") {
		t.Errorf("Recipients = %q, want %q (distinct as address.Equal says, To Cc Bcc order)", c.Recipients, wantRcpt)
	}
	if c.From != "laskutus@xn--ijl-placb.fi" || c.SMTPUTF8 {
		t.Errorf("From %q, SMTPUTF8 %v", c.From, c.SMTPUTF8)
	}
}

// TestCompose_MIME reads the output with the standard library alone.
func TestCompose_MIME(t *testing.T) {
	c := compose(t, invoice(), nil)
	msg, err := mail.ReadMessage(bytes.NewReader(c.Data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || bytes.Contains(c.Data, []byte("arkisto@")) {
		t.Errorf("the Bcc recipient shows in the message")
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, names []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, strings.Fields(p.Header.Get("Content-Type"))[0])
		names = append(names, p.FileName())
	}
	if got := strings.Join(types, " "); got != "multipart/alternative; application/pdf; application/xml;" {
		t.Errorf("parts %q", got)
	}
	if names[1] != "Lasku 2026-001 – Äijälä Oy.pdf" {
		t.Errorf("Part.FileName = %q", names[1])
	}
}

func TestCompose_Structure(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*transport.Message)
		ctype string
	}{
		{"text only", func(m *transport.Message) { m.HTML, m.Attachments = "", nil }, "text/plain; charset=utf-8"},
		{"HTML only", func(m *transport.Message) { m.Text, m.Attachments = "", nil }, "text/html; charset=utf-8"},
		{"text and HTML", func(m *transport.Message) { m.Attachments = nil }, "multipart/alternative;"},
		{"nothing", func(m *transport.Message) { m.Text, m.HTML, m.Attachments = "", "", nil }, "text/plain; charset=utf-8"},
		{"attachment only", func(m *transport.Message) { m.Text, m.HTML = "", "" }, "multipart/mixed;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := invoice()
			tt.mod(m)
			c := compose(t, m, nil)
			msg, err := mail.ReadMessage(bytes.NewReader(c.Data))
			if err != nil {
				t.Fatal(err)
			}
			if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tt.ctype)
			}
			got, err := transporttest.ParseMessage(c.Data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Attachments) != len(m.Attachments) || got.HTML != m.HTML && got.HTML != m.HTML+"\n" {
				t.Errorf("parsed %d attachments, HTML %q", len(got.Attachments), got.HTML)
			}
		})
	}
}

func TestCompose_Deterministic(t *testing.T) {
	a := compose(t, invoice(), nil)
	b := compose(t, invoice(), nil)
	if !bytes.Equal(a.Data, b.Data) {
		t.Errorf("the same message with the same Message-ID and Date composed differently")
	}
	m := invoice()
	m.MessageID = ""
	c1, c2 := compose(t, m, nil), compose(t, m, nil)
	if c1.MessageID == c2.MessageID || !strings.HasSuffix(c1.MessageID, "@xn--ijl-placb.fi") {
		t.Errorf("generated Message-IDs %q and %q; want random ones in the sender's domain", c1.MessageID, c2.MessageID)
	}
}

func TestCompose_LongValues(t *testing.T) {
	m := invoice()
	m.Subject = strings.Repeat("Lämpöpumppu ", 60)
	m.To[0].Name = strings.Repeat("Pitkä Nimi ", 40)
	m.Attachments[0].Filename = strings.Repeat("ä", 400) + ".pdf"
	m.Headers["X-Long"] = strings.Repeat("x", 300)
	c := compose(t, m, nil)
	got, err := transporttest.ParseMessage(c.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != m.Subject || got.To[0].Name != m.To[0].Name || got.Attachments[0].Filename != m.Attachments[0].Filename || got.Headers["X-Long"] != m.Headers["X-Long"] {
		t.Errorf("long values did not survive folding")
	}
}

// TestCompose_LongFirstWord writes ASCII words that fit a line of their own
// but not after the field name: they must be encoded, not overflow.
func TestCompose_LongFirstWord(t *testing.T) {
	for _, n := range []int{68, 69, 70, 74, 76, 77, 90} {
		m := invoice()
		m.Subject = strings.Repeat("0", n)
		m.To = []mail.Address{{Name: strings.Repeat("N", n), Address: "matti@example.com"}}
		c := compose(t, m, nil) // checkLines: no header line over 78 octets
		got, err := transporttest.ParseMessage(c.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != m.Subject || got.To[0].Name != m.To[0].Name {
			t.Errorf("%d characters: Subject %q, To name %q", n, got.Subject, got.To[0].Name)
		}
	}
}

func TestCompose_Errors(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*transport.Message)
		field  string
		reason transport.HeaderReason
		is     error
	}{
		{"subject with CRLF", func(m *transport.Message) { m.Subject = "Lasku\r\nBcc: x@example.org" }, "Subject", transport.HeaderControlCharacter, nil},
		{"subject with NUL", func(m *transport.Message) { m.Subject = "a\x00b" }, "Subject", transport.HeaderControlCharacter, nil},
		{"subject not UTF-8", func(m *transport.Message) { m.Subject = "\xff" }, "Subject", transport.HeaderInvalidEncoding, nil},
		{"subject too long", func(m *transport.Message) { m.Subject = strings.Repeat("a", 999) }, "Subject", transport.HeaderTooLong, nil},
		{"name with LF", func(m *transport.Message) { m.To[1].Name = "Evil\nBcc: x@example.org" }, "To[1].Name", transport.HeaderControlCharacter, nil},
		{"address with CRLF", func(m *transport.Message) { m.Cc[0].Address = "a@b.fi>\r\nBcc: x@y.fi" }, "Cc[0]", transport.HeaderInvalidAddress, address.ErrInvalid},
		{"invalid address", func(m *transport.Message) { m.Bcc[0].Address = "a@b" }, "Bcc[0]", transport.HeaderInvalidAddress, address.ErrInvalid},
		{"missing From", func(m *transport.Message) { m.From = mail.Address{} }, "From", transport.HeaderMissing, nil},
		{"non-ASCII local part", func(m *transport.Message) { m.To[0].Address = "jörg@example.com" }, "To[0]", transport.HeaderNeedsSMTPUTF8, address.ErrNeedsSMTPUTF8},
		{"file name with CR", func(m *transport.Message) { m.Attachments[0].Filename = "a\rb.pdf" }, "Attachments[0].Filename", transport.HeaderControlCharacter, nil},
		{"bad content type", func(m *transport.Message) { m.Attachments[1].ContentType = "pdf" }, "Attachments[1].ContentType", transport.HeaderInvalidContentType, nil},
		{"multipart content type", func(m *transport.Message) { m.Attachments[1].ContentType = "multipart/mixed" }, "Attachments[1].ContentType", transport.HeaderInvalidContentType, nil},
		{"header value with LF", func(m *transport.Message) { m.Headers["X-A"] = "1\nBcc: x@y.fi" }, "Headers[X-A]", transport.HeaderControlCharacter, nil},
		{"header name with colon", func(m *transport.Message) { m.Headers["X-A: b"] = "1" }, "Headers[X-A: b]", transport.HeaderInvalidName, nil},
		{"reserved header", func(m *transport.Message) { m.Headers["bcc"] = "x@y.fi" }, "Headers[bcc]", transport.HeaderReserved, nil},
		{"Message-ID with brackets", func(m *transport.Message) { m.MessageID = "<a@b>" }, "MessageID", transport.HeaderInvalidMessageID, nil},
		{"Message-ID without @", func(m *transport.Message) { m.MessageID = "abc" }, "MessageID", transport.HeaderInvalidMessageID, nil},
		{"text not UTF-8", func(m *transport.Message) { m.Text = "a\xffb" }, "Text", transport.HeaderInvalidEncoding, nil},
	}
	// Envelope checks exactly as Compose does.
	for _, fn := range []struct {
		name string
		fn   func(*transport.Message, *transport.ComposeOptions) (*transport.Composed, error)
	}{{"Compose", transport.Compose}, {"Envelope", transport.Envelope}} {
		for _, tt := range tests {
			t.Run(fn.name+"/"+tt.name, func(t *testing.T) {
				m := invoice()
				tt.mod(m)
				_, err := fn.fn(m, nil)
				var he *transport.HeaderError
				if !errors.As(err, &he) {
					t.Fatalf("error %v, want a *HeaderError", err)
				}
				if he.Field != tt.field || he.Reason != tt.reason {
					t.Errorf("field %q reason %q, want %q %q", he.Field, he.Reason, tt.field, tt.reason)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v does not match %v", err, tt.is)
				}
				if !transport.IsInput(err) || !strings.Contains(err.Error(), tt.field) {
					t.Errorf("error %q: want an input error naming %s", err, tt.field)
				}
			})
		}
		t.Run(fn.name+"/no recipients", func(t *testing.T) {
			m := invoice()
			m.To, m.Cc, m.Bcc = nil, nil, nil
			if _, err := fn.fn(m, nil); !errors.Is(err, transport.ErrNoRecipients) || !transport.IsInput(err) {
				t.Errorf("error %v, want ErrNoRecipients", err)
			}
		})
	}
	t.Run("SMTPUTF8 allowed", func(t *testing.T) {
		m := invoice()
		m.To[0].Address = "jörg@example.com"
		c := compose(t, m, &transport.ComposeOptions{SMTPUTF8: true})
		if !c.SMTPUTF8 || c.RcptTo[0] != "jörg@example.com" {
			t.Errorf("SMTPUTF8 %v, RcptTo %q", c.SMTPUTF8, c.RcptTo)
		}
	})
}

// TestEnvelope checks that Envelope returns what Compose does, without the
// bytes.
func TestEnvelope(t *testing.T) {
	m := invoice()
	m.To[0].Address = "jörg@example.com"
	m.Cc = append(m.Cc, mail.Address{Address: "kopio@ääkköset.example"})
	opts := &transport.ComposeOptions{SMTPUTF8: true}
	c := compose(t, m, opts)
	e, err := transport.Envelope(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Data != nil {
		t.Errorf("Envelope wrote %d bytes", len(e.Data))
	}
	c.Data = nil
	if !reflect.DeepEqual(e, c) {
		t.Errorf("Envelope = %+v\nCompose  = %+v", e, c)
	}
}

func TestReceipt_Err(t *testing.T) {
	rc := &transport.Receipt{Recipients: []transport.RecipientResult{
		{Address: "a@x.fi", Outcome: transport.Delivered, Stage: transport.StageFinal},
		{Address: "b@x.fi", Outcome: transport.Failed, Stage: transport.StageRcpt, Code: 550, EnhancedCode: "5.1.1", Err: errors.New("no such user")},
		{Address: "c@x.fi", Outcome: transport.Deferred, Stage: transport.StageRcpt, Code: 450},
	}}
	err := rc.Err()
	var se *transport.SendError
	if !errors.As(err, &se) {
		t.Fatalf("Err() = %v", err)
	}
	if se.Stage != transport.StageRcpt || se.Code != 550 || se.EnhancedCode != "5.1.1" || !se.Temporary || se.Ambiguous ||
		strings.Join(se.Recipients, ",") != "b@x.fi,c@x.fi" {
		t.Errorf("SendError %+v", se)
	}
	if !transport.IsTemporary(err) || transport.IsAmbiguous(err) || transport.IsInput(err) {
		t.Errorf("classes of %v", err)
	}
	want := `transport: send failed at rcpt (550 5.1.1) [temporary: retry the deferred recipients later] for 2 recipient(s) ["b@x.fi" "c@x.fi"]: no such user`
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
	rc.Recipients = rc.Recipients[:1]
	if err := rc.Err(); err != nil {
		t.Errorf("all delivered: Err() = %v", err)
	}
}

func TestOutcome_String(t *testing.T) {
	for o, s := range map[transport.Outcome]string{transport.Delivered: "delivered", transport.Ambiguous: "ambiguous",
		transport.Deferred: "deferred", transport.Failed: "failed", 0: "unknown"} {
		if o.String() != s {
			t.Errorf("%d.String() = %q, want %q", o, o.String(), s)
		}
	}
}
