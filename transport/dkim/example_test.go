package dkim_test

import (
	"context"
	"fmt"
	"log"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/dkim"
	"github.com/jakelu/jakelu/transport/file"
)

// Example signs the messages a file transport writes with an Ed25519
// key of example.fi, and prints the DNS record to publish.
func Example() {
	dir, err := os.MkdirTemp("", "signed")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	next, err := file.New(dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	// In production: priv, err := dkim.ReadKeyFile("/etc/jakelu/dkim.pem")
	priv, _, err := dkim.GenerateKey(true)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := dkim.Record(priv.Public())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("publish at jakelu._domainkey.example.fi:", rec[:len("v=DKIM1; k=ed25519; p=")]+"…")

	tr, err := dkim.New(next, dkim.Static{
		"example.fi": {{Domain: "example.fi", Selector: "jakelu", Private: priv}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	rc, err := tr.Send(context.Background(), &transport.Message{
		From:    mail.Address{Name: "Acme Oy", Address: "laskutus@example.fi"},
		To:      []mail.Address{{Address: "matti@example.com"}},
		Subject: "Lasku 2026-001",
		Text:    "Hyvä asiakas, lasku on liitteenä.",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed by", rc.Signed)

	names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	data, err := os.ReadFile(names[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(string(data), "DKIM-Signature: "))
	// Output:
	// publish at jakelu._domainkey.example.fi: v=DKIM1; k=ed25519; p=…
	// signed by [example.fi]
	// true
}
