package exampledb

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/registry/sqlregistry"
)

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir.db")
	db, dialect, err := Open("sqlite:" + path)
	if err != nil || dialect != sqlregistry.SQLite {
		t.Fatalf("Open(sqlite) = %v, %v", dialect, err)
	}
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, dsn := range []string{"", "mysql://x", "sqlite:", "sqlite:a.db?mode=ro"} {
		if _, _, err := Open(dsn); err == nil {
			t.Errorf("Open(%q) accepted", dsn)
		}
	}
	if _, dialect, err := Open("postgres://u@127.0.0.1/x"); err != nil || dialect != sqlregistry.Postgres {
		t.Errorf("Open(postgres) = %v, %v", dialect, err)
	}
}

func TestDescribe(t *testing.T) {
	if got := Describe("postgres://app:salaisuus@db.example:5432/jakelu"); strings.Contains(got, "salaisuus") || !strings.HasPrefix(got, "PostgreSQL ") {
		t.Errorf("Describe = %s", got)
	}
	if got := Describe("sqlite:x.db"); got != "sqlite:x.db" {
		t.Errorf("Describe = %s", got)
	}
}
