package file_test

import (
	"context"
	"fmt"
	"log"
	"net/mail"
	"os"
	"path/filepath"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/file"
)

func Example() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	tr, err := file.New(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	msg := &transport.Message{
		From:      mail.Address{Name: "Äijälä Oy", Address: "laskutus@example.fi"},
		To:        []mail.Address{{Address: "matti@example.com"}},
		Bcc:       []mail.Address{{Address: "arkisto@example.fi"}},
		Subject:   "Lasku 2026-001",
		Text:      "Hyvä asiakas, lasku on liitteenä.",
		MessageID: "2026-001@example.fi",
	}
	for range 2 { // the same Message-ID twice: the second file gets a new name
		rc, err := tr.Send(context.Background(), msg)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range rc.Recipients {
			fmt.Println(r.Address, r.Outcome)
		}
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, n := range names {
		fmt.Println(filepath.Base(n))
	}
	// Output:
	// matti@example.com delivered
	// arkisto@example.fi delivered
	// matti@example.com delivered
	// arkisto@example.fi delivered
	// 2026-001@example.fi-2.eml
	// 2026-001@example.fi.eml
}
