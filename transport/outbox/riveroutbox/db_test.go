package riveroutbox_test

// Test databases: a SQLite file in a temporary directory, or a PostgreSQL
// schema of its own that is dropped afterwards (River's schema with it).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/smtp"
)

const postgresEnv = "JAKELU_TEST_POSTGRES"

var errNoPostgres = fmt.Errorf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests", postgresEnv)

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
}

// openSQLiteFile opens the SQLite database at path with one connection, as
// River recommends.
func openSQLiteFile(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	return db
}

// backend is one dialect and how to get an empty migrated database.
type backend struct {
	name    string
	dialect riveroutbox.Dialect
	// open returns a migrated database of its own and a DSN reaching it
	// (for child processes).
	open func(tb testing.TB) (*sql.DB, string)
}

var backends = []backend{
	{name: "sqlite", dialect: riveroutbox.SQLite, open: func(tb testing.TB) (*sql.DB, string) {
		path := filepath.Join(tb.TempDir(), "outbox.db")
		db := openSQLiteFile(tb, path)
		migrate(tb, db, riveroutbox.SQLite)
		return db, path
	}},
	{name: "postgres", dialect: riveroutbox.Postgres, open: func(tb testing.TB) (*sql.DB, string) {
		db, dsn := openPostgres(tb)
		migrate(tb, db, riveroutbox.Postgres)
		return db, dsn
	}},
}

func migrate(tb testing.TB, db *sql.DB, d riveroutbox.Dialect) {
	tb.Helper()
	if err := riveroutbox.Migrate(tb.Context(), db, d); err != nil {
		tb.Fatal(err)
	}
}

// openPostgres creates a schema with a random name and returns a *sql.DB
// using it and its DSN; the schema and River's are dropped at cleanup.
func openPostgres(tb testing.TB) (*sql.DB, string) {
	tb.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		tb.Skip(errNoPostgres)
	}
	ctx := context.WithoutCancel(tb.Context())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	schema := "jakelu_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create a test schema in %s: %v", postgresEnv, err)
	}
	sdsn := withSearchPath(dsn, schema)
	db, err := sql.Open("pgx", sdsn)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxIdleConns(20) // database/sql keeps 2 by default: busy workers would reconnect all the time
	tb.Cleanup(func() {
		db.Close()
		defer admin.Close()
		for _, s := range []string{schema + "_jakelu_river", schema} {
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+s+" CASCADE"); err != nil {
				tb.Errorf("drop the test schema: %v", err)
			}
		}
	})
	return db, sdsn
}

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

// mustExec runs statement q on db, failing the test with the statement
// when it fails.
func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// forEachBackend runs f as a parallel subtest per backend.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// fastSchedule retries after 50 ms, for tests.
var fastSchedule = outbox.Schedule{Delays: []time.Duration{50 * time.Millisecond}, Every: 50 * time.Millisecond,
	MaxAge: time.Hour, Snooze: 50 * time.Millisecond}

// smtpTo returns an SMTP transport to a test server at addr with every
// timeout set to timeout.
func smtpTo(tb testing.TB, addr string, timeout time.Duration) *smtp.Transport {
	tb.Helper()
	tr, err := smtp.New(addr, &smtp.Options{TLS: smtp.NoTLS, Timeouts: smtp.Timeouts{
		Connect: timeout, Greeting: timeout, Command: timeout,
		DataInit: timeout, DataBlock: timeout, DataEnd: timeout}})
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// testOptions returns options with short timings for tests; changes
// records every change.
func testOptions(tr transport.RawSender, changes *changeLog) *riveroutbox.Options {
	o := &riveroutbox.Options{Transport: tr, Schedule: fastSchedule, JobTimeout: 3 * time.Second,
		RescueAfter: 4 * time.Second, PollInterval: 20 * time.Millisecond}
	if changes != nil {
		o.OnChange = changes.add
	}
	return o
}

// newOutbox returns a started outbox, stopped at cleanup.
func newOutbox(tb testing.TB, db *sql.DB, d riveroutbox.Dialect, opts *riveroutbox.Options) *riveroutbox.Outbox {
	tb.Helper()
	o, err := riveroutbox.New(tb.Context(), db, d, opts)
	if err != nil {
		tb.Fatal(err)
	}
	if opts != nil && opts.Transport != nil {
		if err := o.Start(tb.Context()); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := o.Stop(ctx); err != nil {
				tb.Errorf("Stop: %v", err)
			}
		})
	}
	return o
}

type changeLog struct {
	mu  sync.Mutex
	all []outbox.Change
}

func (l *changeLog) add(c outbox.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, c)
}

func (l *changeLog) list() []outbox.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]outbox.Change(nil), l.all...)
}

// invoice returns a test message to rcpts.
func invoice(n int, rcpts ...string) *transport.Message {
	m := &transport.Message{From: mail.Address{Name: "Laskutus", Address: "laskutus@myyja.fi"},
		Subject: fmt.Sprintf("Lasku %d", n), Text: fmt.Sprintf("Hei,\n\nliitteenä lasku %d.\n", n),
		Attachments: []transport.Attachment{{Filename: fmt.Sprintf("lasku-%d.xml", n), ContentType: "application/xml",
			Data: []byte(fmt.Sprintf("<Invoice><ID>%d</ID></Invoice>", n))}}}
	for _, r := range rcpts {
		m.To = append(m.To, mail.Address{Address: r})
	}
	return m
}

// waitFor polls the status of id until cond holds, or fails after 30 s.
func waitFor(tb testing.TB, o *riveroutbox.Outbox, id outbox.ID, what string, cond func(*outbox.Status) bool) *outbox.Status {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := o.Status(tb.Context(), id)
		if err != nil {
			tb.Fatal(err)
		}
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			tb.Fatalf("message %d: not %s after 30 s: %+v", id, what, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func states(st *outbox.Status) []outbox.State {
	var out []outbox.State
	for _, r := range st.Recipients {
		out = append(out, r.State)
	}
	return out
}
