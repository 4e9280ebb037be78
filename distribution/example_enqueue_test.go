package distribution_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// Enqueue stores the e-mail in a durable outbox instead of sending it;
// workers (riveroutbox.Outbox.Start, or jakelu outbox work) deliver it.
// Enqueueing the same invoice again is refused by the duplicate guard.
func ExampleRouter_Enqueue() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "enqueue-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "outbox.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := riveroutbox.Migrate(ctx, db, riveroutbox.SQLite); err != nil {
		log.Fatal(err)
	}
	ob, err := riveroutbox.New(ctx, db, riveroutbox.SQLite, nil) // enqueue only: no transport
	if err != nil {
		log.Fatal(err)
	}
	router, err := distribution.NewRouter(nil, nil, distribution.Settings{
		Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example", Company: "acme",
	}, &distribution.Options{Outbox: ob})
	if err != nil {
		log.Fatal(err)
	}
	invoice, err := os.ReadFile("../examples/quickstart/documents/ubl-invoice.xml")
	if err != nil {
		log.Fatal(err)
	}
	res, err := router.Enqueue(ctx, nil, invoice, nil)
	if err != nil {
		log.Fatal(err)
	}
	st, err := ob.Status(ctx, res.OutboxID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, st.State, st.Recipients[0].Address)

	res, err = router.Enqueue(ctx, nil, invoice, nil)
	var dup *distribution.DuplicateError
	fmt.Println(res.Outcome, errors.As(err, &dup) && dup.SameContent)
	// Output:
	// queued pending ostolaskut@kemin-kukka.example
	// duplicate true
}
