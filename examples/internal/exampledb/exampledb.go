// Package exampledb opens the database the example programs' -db flag
// names. It is where the examples import database drivers; the library
// itself never does (see registry/sqlregistry).
package exampledb

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// Usage describes the values Open takes, for flag help texts.
const Usage = "sqlite:PATH (a SQLite file, created if missing) or a postgres:// URL"

// Open opens the database dsn names: "sqlite:PATH" a SQLite file (its
// folder created if missing; WAL journal and a busy timeout, the settings
// sqlregistry recommends, and foreign keys enforced) or a "postgres://" or
// "postgresql://" URL. It
// returns the sqlregistry dialect to use with it. The caller closes the
// database.
func Open(dsn string) (*sql.DB, sqlregistry.Dialect, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, 0, fmt.Errorf("database %q: give the SQLite file as sqlite:PATH, without ? or #", dsn)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, 0, err
		}
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)")
		return db, sqlregistry.SQLite, err
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, sqlregistry.Postgres, err
	}
	return nil, 0, fmt.Errorf("database %q: use %s", dsn, Usage)
}

// Describe returns dsn fit for printing: a URL's password is hidden.
func Describe(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	return "PostgreSQL " + u.Redacted()
}
