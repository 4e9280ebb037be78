package smtp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"net/mail"
	"os"
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

// This example needs an SMTP relay, so it is compiled but not run. The
// relay's certificate was issued by a private CA, read from a PEM file;
// Verify finds a wrong configuration before anything is sent.
func ExampleTransport_Verify() {
	pem, err := os.ReadFile("/etc/jakelu/relay-ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		log.Fatal("relay-ca.pem holds no PEM certificate")
	}
	tr, err := smtp.New("relay.internal.example:587", &smtp.Options{
		TLSConfig: &tls.Config{RootCAs: roots},
		Username:  "laskutus",
		Password:  os.Getenv("SMTP_PASSWORD"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch err := tr.Verify(ctx); {
	case transport.IsConfig(err):
		log.Fatalf("the mail server's setup is wrong: %v", err)
	case err != nil:
		log.Printf("the mail server is not available now; sending will defer: %v", err)
	}
	// ... tr.Send(ctx, msg) for each message
}
