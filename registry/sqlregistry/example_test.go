package sqlregistry_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// An embedded directory in a SQLite file, with the connection settings the
// package recommends.
func Example_sqlite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "jakelu-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The host app opens the database and owns it; the driver comes from
	// import _ "modernc.org/sqlite".
	dsn := "file:" + filepath.Join(dir, "jakelu.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Once at start-up: create or upgrade the tables.
	if err := sqlregistry.Migrate(ctx, db, sqlregistry.SQLite); err != nil {
		log.Fatal(err)
	}

	// One Registry per company; each sees only its own entries.
	reg, err := sqlregistry.New(ctx, db, sqlregistry.SQLite, "company-42", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()

	sum, err := reg.Apply(ctx, registry.Batch{ReplaceAll: true, Put: []registry.Entry{
		{CustomerNumber: "00123", To: []string{"Matti Meikäläinen <matti@Example.FI>"}},
		{CustomerNumber: "123", To: []string{"laskut@yritys.example"}, Cc: []string{"kirjanpito@yritys.example"}, Language: "sv"},
	}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", sum)

	e, err := reg.Lookup(ctx, "00123")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.CustomerNumber, e.To)

	other, err := sqlregistry.New(ctx, db, sqlregistry.SQLite, "company-7", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()
	_, err = other.Lookup(ctx, "00123")
	fmt.Println("company-7:", err)
	// Output:
	// {Added:2 Changed:0 Unchanged:0 Deleted:0}
	// 00123 [matti@example.fi]
	// company-7: registry: customer number not found
}

// PostgreSQL shared by several app instances, with the registry's tables in
// a schema of their own. (Not run: it needs a server.)
func Example_postgres() {
	ctx := context.Background()
	// The driver comes from import _ "github.com/jackc/pgx/v5/stdlib".
	db, err := sql.Open("pgx", "postgres://jakelu@db.internal:5432/app?search_path=jakelu")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := sqlregistry.Migrate(ctx, db, sqlregistry.Postgres); err != nil {
		log.Fatal(err)
	}
	reg, err := sqlregistry.New(ctx, db, sqlregistry.Postgres, "company-42", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	e, err := reg.Lookup(ctx, "00123")
	fmt.Println(e.To, err)
}
