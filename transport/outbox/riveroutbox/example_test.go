package riveroutbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/mail"
	"os"
	"path/filepath"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// Example enqueues an invoice e-mail in an SQLite outbox and lets a
// worker deliver it (here into a folder; smtp.Transport in production).
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "outbox-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "outbox.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // as River recommends for SQLite
	if err := riveroutbox.Migrate(ctx, db, riveroutbox.SQLite); err != nil {
		log.Fatal(err)
	}

	mailDir := filepath.Join(dir, "mail")
	os.Mkdir(mailDir, 0o700)
	tr, err := file.New(mailDir, nil)
	if err != nil {
		log.Fatal(err)
	}
	ob, err := riveroutbox.New(ctx, db, riveroutbox.SQLite, &riveroutbox.Options{Transport: tr, PollInterval: 50 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	id, err := ob.Enqueue(ctx, nil, &transport.Message{
		From:    mail.Address{Name: "Myyjä Oy", Address: "laskutus@myyja.fi"},
		To:      []mail.Address{{Address: "ostoreskontra@asiakas.fi"}},
		Subject: "Lasku 2024-001",
		Text:    "Liitteenä lasku 2024-001.",
	}, &outbox.EnqueueOptions{Tenant: "myyja", IdempotencyKey: "invoice 2024-001", DocumentRef: "invoice 2024-001"})
	if err != nil {
		log.Fatal(err)
	}

	if err := ob.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer ob.Stop(ctx)
	for {
		st, err := ob.Status(ctx, id)
		if err != nil {
			log.Fatal(err)
		}
		if st.State != outbox.Pending && st.State != outbox.Sending {
			for _, r := range st.Recipients {
				fmt.Println(r.Address, r.State, r.Attempts)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Output:
	// ostoreskontra@asiakas.fi delivered 1
}
