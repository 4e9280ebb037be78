package riveroutbox

import (
	"net/mail"
	"reflect"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
)

func hashMessage() *transport.Message {
	return &transport.Message{
		From:        mail.Address{Name: "Seller", Address: "laskut@seller.example"},
		To:          []mail.Address{{Address: "ap@buyer.example"}},
		Subject:     "Invoice 1",
		Text:        "Hello",
		Attachments: []transport.Attachment{{Filename: "1.xml", ContentType: "application/xml", Data: []byte("<Invoice/>")}},
		Headers:     map[string]string{"X-Jakelu-Document": "1"},
		MessageID:   "a@seller.example",
		Date:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

// TestContentHashFields changes each field of transport.Message in turn:
// every one but the Message-ID and the Date changes the hash. A field
// added to Message fails here until contentHash writes it.
func TestContentHashFields(t *testing.T) {
	base := contentHash(hashMessage())
	changes := map[string]func(m *transport.Message){
		"From":         func(m *transport.Message) { m.From.Name = "Other" },
		"ReplyTo":      func(m *transport.Message) { m.ReplyTo = []mail.Address{{Address: "r@seller.example"}} },
		"To":           func(m *transport.Message) { m.To[0].Address = "x@buyer.example" },
		"Cc":           func(m *transport.Message) { m.Cc = []mail.Address{{Address: "ap@buyer.example"}} },
		"Bcc":          func(m *transport.Message) { m.Bcc = []mail.Address{{Address: "ap@buyer.example"}} },
		"Subject":      func(m *transport.Message) { m.Subject = "Invoice 2" },
		"Text":         func(m *transport.Message) { m.Text = "Hello!" },
		"HTML":         func(m *transport.Message) { m.HTML = "<p>Hello</p>" },
		"Attachments":  func(m *transport.Message) { m.Attachments[0].Data = []byte("<Invoice />") },
		"Headers":      func(m *transport.Message) { m.Headers["X-Jakelu-Document"] = "2" },
		"EnvelopeFrom": func(m *transport.Message) { m.EnvelopeFrom = "bounces@seller.example" },
	}
	same := map[string]func(m *transport.Message){
		"MessageID": func(m *transport.Message) { m.MessageID = "b@seller.example" },
		"Date":      func(m *transport.Message) { m.Date = m.Date.Add(time.Hour) },
	}
	typ := reflect.TypeFor[transport.Message]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		change, differs := changes[name]
		if !differs {
			if change = same[name]; change == nil {
				t.Fatalf("transport.Message.%s is new: make contentHash write it and add it here", name)
			}
		}
		m := hashMessage()
		change(m)
		if got := contentHash(m) != base; got != differs {
			t.Errorf("changing %s: hash changed = %v, want %v", name, got, differs)
		}
	}
	// An attachment is written field by field too.
	if n := reflect.TypeFor[transport.Attachment]().NumField(); n != 3 {
		t.Fatalf("transport.Attachment has %d fields, contentHash writes 3 (Filename, ContentType, Data): make it write the new one", n)
	}
	// Moving bytes from one field to the next is another message.
	a, b := hashMessage(), hashMessage()
	a.Subject, a.Text = "Invoice 1H", "ello"
	if contentHash(a) == contentHash(b) {
		t.Error("Subject+Text split differently: same hash")
	}
}

// TestSameContentLegacy: a hash stored by an earlier version (hex SHA-256
// of the message's JSON) still compares with a message of this version.
func TestSameContentLegacy(t *testing.T) {
	m := hashMessage()
	p := &prepared{msg: m, hash: contentHash(m)}
	other := hashMessage()
	other.Subject = "Invoice 2"
	tests := []struct {
		name   string
		stored string
		want   bool
	}{
		{"this version, same", contentHash(m), true},
		{"this version, other", contentHash(other), false},
		{"earlier version, same", legacyContentHash(m), true},
		{"earlier version, other", legacyContentHash(other), false},
		{"earlier version, same but the Message-ID", legacyContentHash(&transport.Message{From: m.From, To: m.To, Subject: m.Subject, Text: m.Text, Attachments: m.Attachments, Headers: m.Headers, MessageID: "z@seller.example"}), true},
	}
	for _, tc := range tests {
		if got := sameContent(tc.stored, p); got != tc.want {
			t.Errorf("%s: sameContent = %v, want %v", tc.name, got, tc.want)
		}
	}
}
