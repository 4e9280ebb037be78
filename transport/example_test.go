package transport_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/mail"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

func ExampleCompose() {
	msg := &transport.Message{
		From:        mail.Address{Name: "Äijälä Oy", Address: "laskutus@example.fi"},
		To:          []mail.Address{{Name: "Matti Meikäläinen", Address: "matti@example.com"}},
		Subject:     "Lasku 2026-001",
		Text:        "Hyvä asiakas,\nlasku on liitteenä.\n",
		Attachments: []transport.Attachment{{Filename: "lasku.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7")}},
		MessageID:   "2026-001@example.fi",
		Date:        time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
	}
	c, err := transport.Compose(msg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("envelope:", c.From, "→", c.RcptTo)
	fmt.Print(strings.ReplaceAll(string(c.Data), "\r\n", "\n"))
	// Output:
	// envelope: laskutus@example.fi → [matti@example.com]
	// Date: Sun, 01 Mar 2026 09:30:00 +0000
	// From: =?utf-8?q?=C3=84ij=C3=A4l=C3=A4_Oy?= <laskutus@example.fi>
	// To: =?utf-8?q?Matti_Meik=C3=A4l=C3=A4inen?= <matti@example.com>
	// Subject: Lasku 2026-001
	// Message-ID: <2026-001@example.fi>
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary="=_e3c6f3ebbe2d178f466c908f.m"
	//
	// --=_e3c6f3ebbe2d178f466c908f.m
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	//
	// Hyv=C3=A4 asiakas,
	// lasku on liitteen=C3=A4.
	//
	// --=_e3c6f3ebbe2d178f466c908f.m
	// Content-Type: application/pdf; name="lasku.pdf"
	// Content-Disposition: attachment; filename="lasku.pdf"
	// Content-Transfer-Encoding: base64
	//
	// JVBERi0xLjc=
	//
	// --=_e3c6f3ebbe2d178f466c908f.m--
}

func ExampleCompose_headerInjection() {
	msg := &transport.Message{
		From:    mail.Address{Address: "laskutus@example.fi"},
		To:      []mail.Address{{Address: "matti@example.com"}},
		Subject: "Lasku\r\nBcc: victim@example.org",
	}
	_, err := transport.Compose(msg, nil)
	var he *transport.HeaderError
	if errors.As(err, &he) {
		fmt.Println(he.Field, he.Reason == transport.HeaderControlCharacter, transport.IsInput(err))
	}
	fmt.Println(err)
	// Output:
	// Subject true true
	// transport: cannot write Subject "Lasku\r\nBcc: victim@example.org": it contains a line break or another control character; remove it
}

func ExampleSendFunc() {
	// A Transport that fails every recipient, e.g. for a test.
	var tr transport.Transport = transport.SendFunc(func(ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
		c, err := transport.Compose(m, nil)
		if err != nil {
			return transport.Refuse(m, err)
		}
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect, Err: errors.New("mail server down")})
		return rc, rc.Err()
	})
	rc, err := tr.Send(context.Background(), &transport.Message{
		From: mail.Address{Address: "laskutus@example.fi"},
		To:   []mail.Address{{Address: "matti@example.com"}},
	})
	fmt.Println(rc.Recipients[0].Address, rc.Recipients[0].Outcome, transport.IsTemporary(err))
	fmt.Println(err)
	// Output:
	// matti@example.com deferred true
	// transport: send failed at connect [temporary: retry the deferred recipients later] for 1 recipient(s) ["matti@example.com"]: mail server down
}
