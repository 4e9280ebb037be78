package sqlregistry_test

// Opening test databases. Every test gets a database of its own: a SQLite
// file in a temporary directory, or a PostgreSQL schema that is dropped
// afterwards, so tests can run in parallel and leave nothing behind.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// postgresEnv names the variable holding the PostgreSQL URL for tests.
const postgresEnv = "JAKELU_TEST_POSTGRES"

// sqliteDSN is the DSN the package doc recommends, with a longer busy
// timeout for a machine loaded by the race detector.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// backend is one dialect and how to get an empty database for it.
type backend struct {
	name    string
	dialect sqlregistry.Dialect
	// open returns a database of its own, migrated unless raw is set.
	open func(tb testing.TB, raw bool) *sql.DB
	// fault makes every insert of a customer number containing "poison"
	// fail inside the database.
	fault []string
}

var backends = []backend{
	{
		name: "sqlite", dialect: sqlregistry.SQLite, open: openSQLite,
		fault: []string{`CREATE TRIGGER jakelu_test_fault BEFORE INSERT ON jakelu_registry
WHEN NEW.customer_number LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`},
	},
	{
		name: "postgres", dialect: sqlregistry.Postgres, open: openPostgres,
		fault: []string{`CREATE FUNCTION jakelu_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected fault at customer number %', NEW.customer_number; END $$`,
			`CREATE TRIGGER jakelu_test_fault BEFORE INSERT ON jakelu_registry FOR EACH ROW
WHEN (NEW.customer_number LIKE '%poison%') EXECUTE FUNCTION jakelu_test_fault()`},
	},
}

func openSQLite(tb testing.TB, raw bool) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(tb.TempDir(), "registry.db")))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if !raw {
		migrate(tb, db, sqlregistry.SQLite)
	}
	return db
}

func openPostgres(tb testing.TB, raw bool) *sql.DB {
	tb.Helper()
	db, drop, err := postgresSchema(context.WithoutCancel(tb.Context()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("drop the test schema: %v", err)
		}
	})
	if !raw {
		migrate(tb, db, sqlregistry.Postgres)
	}
	return db
}

func migrate(tb testing.TB, db *sql.DB, d sqlregistry.Dialect) {
	tb.Helper()
	if err := sqlregistry.Migrate(tb.Context(), db, d); err != nil {
		tb.Fatal(err)
	}
}

// errNoPostgres is returned by postgresSchema when postgresEnv is unset.
var errNoPostgres = fmt.Errorf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests and benchmarks", postgresEnv)

// postgresSchema creates a schema with a random name in the database named
// by postgresEnv and returns a *sql.DB whose connections use it, and a
// function that closes the *sql.DB and drops the schema.
func postgresSchema(ctx context.Context) (*sql.DB, func() error, error) {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		return nil, nil, errNoPostgres
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	schema := "jakelu_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("create a test schema in %s: %w", postgresEnv, err)
	}
	db, err := sql.Open("pgx", withSearchPath(dsn, schema))
	drop := func() error {
		if db != nil {
			db.Close()
		}
		defer admin.Close()
		_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		return err
	}
	if err != nil {
		drop()
		return nil, nil, err
	}
	return db, drop, nil
}

// withSearchPath adds search_path to a PostgreSQL URL or key=value DSN.
func withSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// forEachBackend runs f as a subtest per backend, skipping PostgreSQL when
// postgresEnv is unset.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.dialect == sqlregistry.Postgres && os.Getenv(postgresEnv) == "" {
				t.Skip(errNoPostgres)
			}
			f(t, b)
		})
	}
}

// newRegistry returns the registry of tenant in db, closed at cleanup.
func newRegistry(tb testing.TB, db *sql.DB, d sqlregistry.Dialect, tenant string, opts *sqlregistry.Options) *sqlregistry.Registry {
	tb.Helper()
	reg, err := sqlregistry.New(tb.Context(), db, d, tenant, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := reg.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return reg
}
