package sqlregistry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/registrytest"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

func TestConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, false)
		n := 0
		registrytest.Run(t, func(t *testing.T, seed []registry.Entry) registry.Registry {
			n++ // each subtest gets a company of its own
			reg := newRegistry(t, db, b.dialect, fmt.Sprintf("company-%d", n), nil)
			if _, err := reg.Apply(t.Context(), registry.Batch{Put: seed, ReplaceAll: true}); err != nil {
				t.Fatal(err)
			}
			return reg
		})
	})
}

// TestTenantIsolation gives two companies the same customer numbers and
// checks that nothing one does reaches the other.
func TestTenantIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, false)
		seed := func(domain string) []registry.Entry {
			var out []registry.Entry
			for _, cn := range []string{"001", "002", "003", "004", "005"} {
				out = append(out, registry.Entry{CustomerNumber: cn, To: []string{"c" + cn + "@" + domain}})
			}
			return out
		}
		acme, globex := newRegistry(t, db, b.dialect, "acme", nil), newRegistry(t, db, b.dialect, "globex", nil)
		globexSeed := seed("globex.example")
		for reg, entries := range map[*sqlregistry.Registry][]registry.Entry{acme: seed("acme.example"), globex: globexSeed} {
			if _, err := reg.Apply(t.Context(), registry.Batch{Put: entries, ReplaceAll: true}); err != nil {
				t.Fatal(err)
			}
		}
		// globexIntact checks that globex still holds exactly its seed.
		globexIntact := func(after string) {
			t.Helper()
			p, err := globex.List(t.Context(), registry.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != len(globexSeed) || len(p.Entries) != len(globexSeed) {
				t.Fatalf("after %s, globex lists %d of %d entries", after, len(p.Entries), p.Total)
			}
			for i, e := range p.Entries {
				if !e.Equal(globexSeed[i]) {
					t.Errorf("after %s, globex entry %d is %+v, want %+v", after, i, e, globexSeed[i])
				}
			}
		}

		if e, err := acme.Lookup(t.Context(), "001"); err != nil || e.To[0] != "c001@acme.example" {
			t.Errorf("acme Lookup(001) = %v, %v", e.To, err)
		}
		if p, err := acme.List(t.Context(), registry.Query{Search: "globex"}); err != nil || p.Total != 0 || len(p.Entries) != 0 {
			t.Errorf("acme List(Search globex) = %+v, %v; want nothing", p, err)
		}
		if p, err := acme.List(t.Context(), registry.Query{Limit: 2, After: "003"}); err != nil || p.Total != 5 || len(p.Entries) != 2 || p.Next != "" {
			t.Errorf("acme List(After 003) = %+v, %v", p, err)
		}

		steps := []struct {
			name string
			do   func() error
		}{
			{"acme Put", func() error {
				return acme.Put(t.Context(), registry.Entry{CustomerNumber: "002", To: []string{"new@acme.example"}})
			}},
			{"acme Delete", func() error { return acme.Delete(t.Context(), "003") }},
			{"acme Apply with deletes", func() error {
				s, err := acme.Apply(t.Context(), registry.Batch{Put: []registry.Entry{{CustomerNumber: "006", To: []string{"c006@acme.example"}}}, Delete: []string{"004", "005"}})
				if err == nil && s != (registry.Summary{Added: 1, Deleted: 2}) {
					err = fmt.Errorf("summary %+v counts other companies' entries", s)
				}
				return err
			}},
			{"acme Apply ReplaceAll", func() error {
				s, err := acme.Apply(t.Context(), registry.Batch{Put: []registry.Entry{{CustomerNumber: "001", To: []string{"c001@acme.example"}}}, ReplaceAll: true})
				if err == nil && s != (registry.Summary{Unchanged: 1, Deleted: 2}) {
					err = fmt.Errorf("summary %+v counts other companies' entries", s)
				}
				return err
			}},
		}
		for _, step := range steps {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			globexIntact(step.name)
		}
		// globex-only customer numbers are invisible to acme.
		if err := acme.Delete(t.Context(), "005"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("acme Delete(005) after acme deleted it: %v, want ErrNotFound", err)
		}
		if _, err := acme.Lookup(t.Context(), "005"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("acme Lookup(005): %v, want ErrNotFound", err)
		}
		globexIntact("acme's failed Delete")
	})
}

func TestMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, true)
		var se *sqlregistry.SchemaError
		if _, err := sqlregistry.New(t.Context(), db, b.dialect, "acme", nil); !errors.As(err, &se) || se.Found != 0 || !errors.Is(err, sqlregistry.ErrSchemaVersion) {
			t.Fatalf("New before Migrate: %v, want a *SchemaError with Found 0", err)
		} else if !strings.Contains(err.Error(), "call sqlregistry.Migrate") {
			t.Errorf("SchemaError does not say what to do: %v", err)
		}

		var wg sync.WaitGroup
		for range 4 { // app instances starting at once
			wg.Go(func() {
				if err := sqlregistry.Migrate(t.Context(), db, b.dialect); err != nil {
					t.Errorf("concurrent Migrate: %v", err)
				}
			})
		}
		wg.Wait()
		if err := sqlregistry.Migrate(t.Context(), db, b.dialect); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		var versions, maxVersion int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*), max(version) FROM jakelu_registry_schema`).Scan(&versions, &maxVersion); err != nil {
			t.Fatal(err)
		}
		if versions != 2 || maxVersion != 2 {
			t.Errorf("jakelu_registry_schema holds %d versions up to %d, want versions 1 and 2 once each", versions, maxVersion)
		}
		newRegistry(t, db, b.dialect, "acme", nil)

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := sqlregistry.Migrate(ctx, db, b.dialect); !errors.Is(err, context.Canceled) {
			t.Errorf("Migrate with a cancelled context: %v", err)
		}

		// A newer library version migrated the database.
		if _, err := db.ExecContext(t.Context(), `INSERT INTO jakelu_registry_schema (version, applied_at) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"Migrate": sqlregistry.Migrate(t.Context(), db, b.dialect),
			"New":     func() error { _, err := sqlregistry.New(t.Context(), db, b.dialect, "acme", nil); return err }(),
		} {
			if !errors.As(err, &se) || se.Found != 99 || se.Want != 2 || !strings.Contains(err.Error(), "upgrade") {
				t.Errorf("%s on a newer schema: %v, want a *SchemaError{Found: 99, Want: 2}", name, err)
			}
		}
	})
}

func TestNewErrors(t *testing.T) {
	db := openSQLite(t, false)
	for _, d := range []sqlregistry.Dialect{0, 3} {
		if _, err := sqlregistry.New(t.Context(), db, d, "acme", nil); !errors.Is(err, sqlregistry.ErrUnknownDialect) {
			t.Errorf("New with %v: %v, want ErrUnknownDialect", d, err)
		}
		if err := sqlregistry.Migrate(t.Context(), db, d); !errors.Is(err, sqlregistry.ErrUnknownDialect) {
			t.Errorf("Migrate with %v: %v, want ErrUnknownDialect", d, err)
		}
	}
	for _, tenant := range []string{"", " acme", "acme\n", "ac\x00me", strings.Repeat("x", 101)} {
		if _, err := sqlregistry.New(t.Context(), db, sqlregistry.SQLite, tenant, nil); !errors.Is(err, sqlregistry.ErrInvalidTenant) {
			t.Errorf("New with tenant %q: %v, want ErrInvalidTenant", tenant, err)
		}
	}
}

func TestDialectString(t *testing.T) {
	for d, want := range map[sqlregistry.Dialect]string{sqlregistry.SQLite: "sqlite", sqlregistry.Postgres: "postgres", 9: "Dialect(9)"} {
		if got := d.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestClose(t *testing.T) {
	db := openSQLite(t, false)
	reg, err := sqlregistry.New(t.Context(), db, sqlregistry.SQLite, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := reg.Lookup(t.Context(), "1"); err == nil || !strings.Contains(err.Error(), `tenant "acme"`) {
		t.Errorf("Lookup after Close: %v, want an error naming the tenant", err)
	}
	if err := db.PingContext(t.Context()); err != nil {
		t.Errorf("Close closed the *sql.DB: %v", err)
	}
}

func TestListInputs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		reg := newRegistry(t, b.open(t, false), b.dialect, "acme", nil)
		if err := reg.Put(t.Context(), registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}}); err != nil {
			t.Fatal(err)
		}
		for _, after := range []string{"\xff", "a\x00"} {
			if _, err := reg.List(t.Context(), registry.Query{After: after}); !errors.Is(err, sqlregistry.ErrInvalidCursor) {
				t.Errorf("List(After %q): %v, want ErrInvalidCursor", after, err)
			}
		}
		for _, search := range []string{"\x00", "1\n", "\xff"} {
			if p, err := reg.List(t.Context(), registry.Query{Search: search}); err != nil || p.Total != 0 || len(p.Entries) != 0 {
				t.Errorf("List(Search %q) = %+v, %v; want an empty page", search, p, err)
			}
		}
		if p, err := reg.List(t.Context(), registry.Query{After: "2"}); err != nil || p.Total != 1 || len(p.Entries) != 0 || p.Next != "" {
			t.Errorf("List past the end = %+v, %v; want no entries and Total 1", p, err)
		}
	})
}

func TestUpdatedAt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("EET", 2*3600))
		reg := newRegistry(t, b.open(t, false), b.dialect, "acme", &sqlregistry.Options{Now: func() time.Time { return clock }})
		if err := reg.Put(t.Context(), registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}}); err != nil {
			t.Fatal(err)
		}
		e, err := reg.Lookup(t.Context(), "1")
		if want := clock.Truncate(time.Microsecond).UTC(); err != nil || !e.UpdatedAt.Equal(want) || e.UpdatedAt.Location() != time.UTC {
			t.Errorf("UpdatedAt = %v, %v; want %v", e.UpdatedAt, err, want)
		}
	})
}

// TestApplyMatchesMemory applies the same large batches to a registry and to
// a registry.Memory and compares summaries and contents. The batches are
// larger than one loading statement, hold customer numbers that need quoting,
// and change, keep, add and delete entries.
func TestApplyMatchesMemory(t *testing.T) {
	const n = 10_001
	odd := []string{"NULL", `quo"te`, `back\slash`, "{a,b}", "with space", "Äijälä", "", "semi;colon"}
	entry := func(i, gen int) registry.Entry {
		cn := fmt.Sprintf("%06d%s", i, odd[i%len(odd)])
		e := registry.Entry{CustomerNumber: cn, To: []string{fmt.Sprintf("c%d.g%d@example.fi", i, gen%3)}}
		if i%7 == 0 {
			e.Cc = []string{fmt.Sprintf("kopio%d@Example.FI", i)}
		}
		return e
	}
	batches := []func() registry.Batch{
		func() registry.Batch { // initial import
			var b registry.Batch
			for i := range n {
				b.Put = append(b.Put, entry(i, 0))
			}
			return b
		},
		func() registry.Batch { // re-import: a third changed, every 5th gone, new ones
			b := registry.Batch{ReplaceAll: true}
			for i := range n + 500 {
				if i%5 != 4 {
					b.Put = append(b.Put, entry(i, i%3))
				}
			}
			return b
		},
		func() registry.Batch { // edits and deletes, some of missing entries
			var b registry.Batch
			for i := 0; i < n; i += 11 {
				b.Put = append(b.Put, entry(i, 2))
			}
			for i := 1; i < n; i += 13 {
				if i%11 != 0 {
					b.Delete = append(b.Delete, entry(i, 0).CustomerNumber)
				}
			}
			return b
		},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		reg := newRegistry(t, b.open(t, false), b.dialect, "acme", nil)
		oracle := registry.NewMemory(nil)
		for i, batch := range batches {
			bt := batch()
			want, err := oracle.Apply(t.Context(), bt)
			if err != nil {
				t.Fatalf("batch %d: Memory: %v", i, err)
			}
			got, err := reg.Apply(t.Context(), bt)
			if err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
			if got != want {
				t.Errorf("batch %d: summary %+v, Memory says %+v", i, got, want)
			}
			gotAll, wantAll := listAll(t, reg), listAll(t, oracle)
			if !slices.EqualFunc(gotAll, wantAll, registry.Entry.Equal) {
				t.Fatalf("batch %d: %d entries differ from Memory's %d", i, len(gotAll), len(wantAll))
			}
		}
	})
}

func listAll(t *testing.T, l registry.Lister) []registry.Entry {
	t.Helper()
	var all []registry.Entry
	q := registry.Query{Limit: registry.MaxPageSize}
	for {
		p, err := l.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			return all
		}
		q.After = p.Next
	}
}

// TestDatabaseErrors checks that a failing database gives an error naming
// the company and the operation, and changes nothing.
func TestDatabaseErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, false)
		reg := newRegistry(t, db, b.dialect, "acme", nil)
		seed := []registry.Entry{{CustomerNumber: "1", To: []string{"a@example.fi"}}}
		if _, err := reg.Apply(t.Context(), registry.Batch{Put: seed}); err != nil {
			t.Fatal(err)
		}
		for _, q := range b.fault {
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		batch := registry.Batch{ReplaceAll: true, Put: []registry.Entry{{CustomerNumber: "2", To: []string{"b@example.fi"}}, {CustomerNumber: "3-poison", To: []string{"c@example.fi"}}}}
		_, err := reg.Apply(t.Context(), batch)
		if err == nil || !strings.Contains(err.Error(), `tenant "acme": apply`) || !strings.Contains(err.Error(), "insert new entries") || !strings.Contains(err.Error(), "injected fault") {
			t.Errorf("Apply into a failing database: %v, want an error naming the tenant, the step and the cause", err)
		}
		if err := reg.Put(t.Context(), registry.Entry{CustomerNumber: "4-poison", To: []string{"d@example.fi"}}); err == nil || !strings.Contains(err.Error(), `put customer number "4-poison"`) {
			t.Errorf("Put into a failing database: %v", err)
		}
		if got := listAll(t, reg); !slices.EqualFunc(got, seed, registry.Entry.Equal) {
			t.Errorf("after failed writes the directory holds %+v, want %+v", got, seed)
		}
		var n int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM jakelu_registry`).Scan(&n); err != nil || n != 1 {
			t.Errorf("jakelu_registry holds %d rows, %v; want 1", n, err)
		}
	})
}

// TestSQLiteWriters checks that Apply waits for another writer under
// busy_timeout instead of failing with SQLITE_BUSY: Applies from several
// goroutines, each on its own connection, all succeed.
func TestSQLiteWriters(t *testing.T) {
	db := openSQLite(t, false)
	var wg sync.WaitGroup
	for w := range 4 {
		reg := newRegistry(t, db, sqlregistry.SQLite, fmt.Sprintf("company-%d", w%2), nil)
		wg.Go(func() {
			for i := range 10 {
				var b registry.Batch
				for j := range 200 {
					b.Put = append(b.Put, registry.Entry{CustomerNumber: fmt.Sprint(j), To: []string{fmt.Sprintf("w%d.i%d@example.fi", w, i)}})
				}
				if _, err := reg.Apply(t.Context(), b); err != nil {
					t.Errorf("writer %d, Apply %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestMigrateAddsProfile migrates a database that version 1 of the schema
// (before delivery profiles) holds an entry in: the entry is kept with the
// standard profile, and a scan profile can be stored afterwards.
func TestMigrateAddsProfile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, true)
		for _, q := range []string{`
CREATE TABLE jakelu_registry (
	tenant          TEXT NOT NULL,
	customer_number TEXT NOT NULL,
	to_addrs        TEXT NOT NULL,
	cc_addrs        TEXT NOT NULL,
	language        TEXT NOT NULL,
	updated_at      BIGINT NOT NULL,
	cn_fold         TEXT NOT NULL,
	addr_fold       TEXT NOT NULL,
	PRIMARY KEY (tenant, customer_number)
)`, `CREATE TABLE jakelu_registry_tenant (tenant TEXT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`,
			`CREATE TABLE jakelu_registry_schema (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`,
			`INSERT INTO jakelu_registry_schema (version, applied_at) VALUES (1, 0)`,
			`INSERT INTO jakelu_registry VALUES ('acme', '123', 'a@example.fi', '', 'fi', 0, '123', 'a@example.fi')`,
		} {
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("set up a version 1 schema: %v", err)
			}
		}
		var se *sqlregistry.SchemaError
		if _, err := sqlregistry.New(t.Context(), db, b.dialect, "acme", nil); !errors.As(err, &se) || se.Found != 1 || se.Want != 2 {
			t.Fatalf("New on a version 1 schema: %v, want a *SchemaError{Found: 1, Want: 2}", err)
		}
		if err := sqlregistry.Migrate(t.Context(), db, b.dialect); err != nil {
			t.Fatalf("Migrate from version 1: %v", err)
		}
		reg := newRegistry(t, db, b.dialect, "acme", nil)
		e, err := reg.Lookup(t.Context(), "123")
		if err != nil || e.Profile != "" || e.Language != "fi" || !slices.Equal(e.To, []string{"a@example.fi"}) {
			t.Fatalf("Lookup after Migrate: %+v, %v; want the entry with the standard profile", e, err)
		}
		e.Profile = registry.ProfileScan
		if err := reg.Put(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if got, err := reg.Lookup(t.Context(), "123"); err != nil || got.Profile != registry.ProfileScan {
			t.Errorf("Lookup after Put with the scan profile: %+v, %v", got, err)
		}
	})
}
