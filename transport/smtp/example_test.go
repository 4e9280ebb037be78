package smtp_test

import (
	"context"
	"fmt"
	"log"
	"net/mail"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
)

// This example needs an SMTP server, so it is compiled but not run.
func ExampleNew() {
	tr, err := smtp.New("smtp.example.com:587", &smtp.Options{
		Username:  "laskutus@example.fi",
		Password:  "secret",
		LocalName: "app.example.fi",
		Timeouts:  smtp.Timeouts{DataEnd: 5 * time.Minute},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	receipt, err := tr.Send(context.Background(), &transport.Message{
		From:    mail.Address{Name: "Äijälä Oy", Address: "laskutus@example.fi"},
		To:      []mail.Address{{Address: "matti@example.com"}},
		Subject: "Lasku 2026-001",
		Text:    "Hyvä asiakas, lasku on liitteenä.",
	})
	for _, r := range receipt.Recipients {
		fmt.Println(r.Address, r.Outcome)
	}
	switch {
	case err == nil:
	case transport.IsAmbiguous(err):
		log.Printf("may have been delivered; retry only with Message-ID %s: %v", receipt.MessageID, err)
	case transport.IsTemporary(err):
		log.Printf("retry the deferred recipients later: %v", err)
	default:
		log.Printf("failed: %v", err)
	}
}
