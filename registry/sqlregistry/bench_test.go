package sqlregistry_test

// Benchmarks for every implementation with their baselines, so that one run
//
//	go test -run '^$' -bench . -count 3 ./registry/sqlregistry
//
// prints the ratios the registry issue asks for: BenchmarkLookup/memory
// against /map (a bare Go map of the same entries), /sqlite and /postgres
// against /sqlite-bare and /postgres-bare (a bare prepared SELECT of the
// same row through the same driver), BenchmarkApply of the whole directory
// into an empty one and BenchmarkApplyReplace over a directory in which
// every entry changes. JAKELU_BENCH_ENTRIES sets the directory size
// (default 1,000,000); the PostgreSQL ones need JAKELU_TEST_POSTGRES.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// benchTenant is the company whose directory the lookup fixtures hold.
const benchTenant = "bench"

// cleanups release the fixtures shared by all benchmark runs; TestMain runs
// them at exit.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(cleanups) {
		f()
	}
	os.Exit(code)
}

// benchEntries is the directory the benchmarks use: JAKELU_BENCH_ENTRIES
// entries, already normalized. Customer numbers have leading zeros; every
// third entry has two To addresses, every tenth a Cc address.
var benchEntries = sync.OnceValues(func() ([]registry.Entry, error) {
	return generate(0)
})

// generate returns the benchmark directory with addresses of generation gen.
func generate(gen int) ([]registry.Entry, error) {
	n := 1_000_000
	if s := os.Getenv("JAKELU_BENCH_ENTRIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			return nil, fmt.Errorf("JAKELU_BENCH_ENTRIES=%q: want a positive number of entries", s)
		}
	}
	langs := []string{"fi", "sv", "en", ""}
	entries := make([]registry.Entry, n)
	for i := range entries {
		e := registry.Entry{
			CustomerNumber: fmt.Sprintf("%07d", i),
			To:             []string{fmt.Sprintf("asiakas%d.v%d@yritys%d.fi", i, gen, i%1000)},
			Language:       langs[i%len(langs)],
		}
		if i%3 == 0 {
			e.To = append(e.To, fmt.Sprintf("laskut%d@yritys%d.fi", i, i%1000))
		}
		if i%10 == 0 {
			e.Cc = []string{fmt.Sprintf("kirjanpito@yritys%d.fi", i%1000)}
		}
		entries[i] = e
	}
	return entries, nil
}

func mustEntries(b *testing.B) []registry.Entry {
	b.Helper()
	entries, err := benchEntries()
	if err != nil {
		b.Fatal(err)
	}
	return entries
}

// lookupKeys returns customer numbers of entries in a fixed random order.
func lookupKeys(entries []registry.Entry) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = entries[rng.IntN(len(entries))].CustomerNumber
	}
	return keys
}

// sqlFixture is a database holding the benchmark directory for benchTenant,
// built once per process.
type sqlFixture struct {
	db  *sql.DB
	reg *sqlregistry.Registry
}

var sqlFixtures = map[string]func() (*sqlFixture, error){
	"sqlite":   sync.OnceValues(func() (*sqlFixture, error) { return newSQLFixture(sqlregistry.SQLite) }),
	"postgres": sync.OnceValues(func() (*sqlFixture, error) { return newSQLFixture(sqlregistry.Postgres) }),
}

func newSQLFixture(d sqlregistry.Dialect) (*sqlFixture, error) {
	ctx := context.Background()
	entries, err := benchEntries()
	if err != nil {
		return nil, err
	}
	db, drop, err := openBenchDB(d)
	if err != nil {
		return nil, err
	}
	atExit(drop)
	reg, err := sqlregistry.New(ctx, db, d, benchTenant, nil)
	if err != nil {
		return nil, err
	}
	atExit(func() { reg.Close() })
	if _, err = reg.Apply(ctx, registry.Batch{Put: entries, ReplaceAll: true}); err != nil {
		return nil, err
	}
	// Bring the database to the state it settles in after an import, and
	// look every benchmark key up once, so that the first benchmark to read
	// it does not pay for either: SQLite moves the write-ahead log into the
	// database file, PostgreSQL's autovacuum marks the new rows visible and
	// gathers statistics, and the caches fill.
	settle := map[sqlregistry.Dialect]string{
		sqlregistry.SQLite:   "PRAGMA wal_checkpoint(TRUNCATE)",
		sqlregistry.Postgres: "VACUUM ANALYZE jakelu_registry",
	}[d]
	if _, err := db.ExecContext(ctx, settle); err != nil {
		return nil, err
	}
	for _, key := range lookupKeys(entries) {
		if _, err := reg.Lookup(ctx, key); err != nil {
			return nil, err
		}
	}
	return &sqlFixture{db: db, reg: reg}, nil
}

// openBenchDB returns an empty, migrated database and a function that
// closes and removes it.
func openBenchDB(d sqlregistry.Dialect) (*sql.DB, func(), error) {
	var db *sql.DB
	var drop func()
	switch d {
	case sqlregistry.SQLite:
		dir, err := os.MkdirTemp("", "jakelu-registry-bench-")
		if err != nil {
			return nil, nil, err
		}
		db, err = sql.Open("sqlite", sqliteDSN(filepath.Join(dir, "registry.db")))
		drop = func() {
			if db != nil {
				db.Close()
			}
			os.RemoveAll(dir)
		}
		if err != nil {
			drop()
			return nil, nil, err
		}
	default:
		var dropSchema func() error
		var err error
		if db, dropSchema, err = postgresSchema(context.Background()); err != nil {
			return nil, nil, err
		}
		drop = func() { dropSchema() }
	}
	if err := sqlregistry.Migrate(context.Background(), db, d); err != nil {
		drop()
		return nil, nil, err
	}
	return db, drop, nil
}

// benchSink receives every entry looked up. A benchmark that drops the
// entry lets the processor overlap the next lookups' memory accesses and
// measures less than any caller gets.
var benchSink registry.Entry

// BenchmarkLookup looks up random customer numbers among a million
// entries: in a registry.Memory against a bare Go map of the same entries
// (map), and through sqlregistry against a bare prepared SELECT on the same
// driver and database (sqlite-bare, postgres-bare).
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	entries := mustEntries(b)
	keys := lookupKeys(entries)
	mask := len(keys) - 1
	lookups := func(b *testing.B, lookup registry.LookupFunc) {
		for i := 0; b.Loop(); i++ {
			e, err := lookup(ctx, keys[i&mask])
			if err != nil {
				b.Fatal(err)
			}
			benchSink = e
		}
		b.ReportMetric(float64(len(entries)), "entries")
	}

	b.Run("memory", func(b *testing.B) {
		m := registry.NewMemory(nil)
		if _, err := m.Apply(ctx, registry.Batch{Put: entries, ReplaceAll: true}); err != nil {
			b.Fatal(err)
		}
		lookups(b, m.Lookup)
	})
	b.Run("map", func(b *testing.B) {
		m := make(map[string]registry.Entry, len(entries))
		for _, e := range entries {
			m[e.CustomerNumber] = e
		}
		lookups(b, func(_ context.Context, key string) (registry.Entry, error) {
			e, ok := m[key]
			if !ok {
				return e, registry.ErrNotFound
			}
			return e, nil
		})
	})
	// map-copy is the bare map keeping the contract Memory keeps (and
	// registrytest checks): the returned slices belong to the caller, so
	// they are copied. It shows what that copy costs on its own.
	b.Run("map-copy", func(b *testing.B) {
		m := make(map[string]registry.Entry, len(entries))
		for _, e := range entries {
			m[e.CustomerNumber] = e
		}
		lookups(b, func(_ context.Context, key string) (registry.Entry, error) {
			e, ok := m[key]
			if !ok {
				return e, registry.ErrNotFound
			}
			e.To, e.Cc = slices.Clone(e.To), slices.Clone(e.Cc)
			return e, nil
		})
	})
	for _, name := range []string{"sqlite", "postgres"} {
		fixture := func(b *testing.B) *sqlFixture {
			if name == "postgres" && os.Getenv(postgresEnv) == "" {
				b.Skip(errNoPostgres)
			}
			f, err := sqlFixtures[name]()
			if err != nil {
				b.Fatal(err)
			}
			return f
		}
		b.Run(name, func(b *testing.B) {
			lookups(b, fixture(b).reg.Lookup)
		})
		b.Run(name+"-bare", func(b *testing.B) {
			f := fixture(b)
			stmt, err := f.db.PrepareContext(ctx, `SELECT to_addrs, cc_addrs, language, updated_at FROM jakelu_registry WHERE tenant = $1 AND customer_number = $2`)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			lookups(b, func(ctx context.Context, key string) (registry.Entry, error) {
				var to, cc, lang string
				var updated int64
				err := stmt.QueryRowContext(ctx, benchTenant, key).Scan(&to, &cc, &lang, &updated)
				return registry.Entry{CustomerNumber: key}, err
			})
		})
	}
}

// BenchmarkApply imports the whole directory into an empty one (the first
// import of a company), each run into a database of its own.
func BenchmarkApply(b *testing.B) {
	benchmarkApply(b, nil)
}

// BenchmarkApplyReplace replaces a whole directory with one in which every
// entry's addresses changed: the most work a re-import can cause.
func BenchmarkApplyReplace(b *testing.B) {
	benchmarkApply(b, func(b *testing.B) []registry.Entry {
		previous, err := generate(1)
		if err != nil {
			b.Fatal(err)
		}
		return previous
	})
}

// benchmarkApply times Apply of the benchmark directory as a ReplaceAll,
// into an empty directory or one holding the entries before returns. It
// reports seconds per Apply; the CPU seconds this process spent in it (on a
// loaded machine a steadier figure than the wall clock; PostgreSQL's work is
// not included); entries per second; the process's peak resident memory
// during the Apply (peak-rss-MB, which includes the input batch the caller
// holds, but not PostgreSQL's memory); and what Apply allocated (B/op).
func benchmarkApply(b *testing.B, before func(b *testing.B) []registry.Entry) {
	ctx := context.Background()
	entries := mustEntries(b)
	var previous []registry.Entry
	if before != nil {
		previous = before(b)
	}
	// Each target returns an empty directory and a function that removes it.
	type target struct {
		name string
		open func(b *testing.B) (registry.Batcher, func())
	}
	targets := []target{
		{"memory", func(*testing.B) (registry.Batcher, func()) { return registry.NewMemory(nil), func() {} }},
	}
	for _, d := range []sqlregistry.Dialect{sqlregistry.SQLite, sqlregistry.Postgres} {
		targets = append(targets, target{d.String(), func(b *testing.B) (registry.Batcher, func()) {
			if d == sqlregistry.Postgres && os.Getenv(postgresEnv) == "" {
				b.Skip(errNoPostgres)
			}
			db, drop, err := openBenchDB(d)
			if err != nil {
				b.Fatal(err)
			}
			reg, err := sqlregistry.New(ctx, db, d, benchTenant, nil)
			if err != nil {
				drop()
				b.Fatal(err)
			}
			return reg, func() { reg.Close(); drop() }
		}})
	}
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) {
			b.ReportAllocs()
			var peak, cpu float64
			for range b.N {
				b.StopTimer()
				reg, drop := target.open(b)
				if previous != nil {
					if _, err := reg.Apply(ctx, registry.Batch{Put: previous, ReplaceAll: true}); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				resetPeakRSS(b)
				cpu0 := cpuSeconds(b)
				b.StartTimer()
				s, err := reg.Apply(ctx, registry.Batch{Put: entries, ReplaceAll: true})
				b.StopTimer()
				cpu += cpuSeconds(b) - cpu0
				drop()
				if err != nil {
					b.Fatal(err)
				}
				if previous == nil && s.Added != len(entries) || previous != nil && s.Changed != len(entries) {
					b.Fatalf("Apply: %+v", s)
				}
				peak = max(peak, peakRSS(b))
			}
			seconds := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(seconds, "s/apply")
			b.ReportMetric(cpu/float64(b.N), "cpu-s/apply")
			b.ReportMetric(float64(len(entries))/seconds, "entries/s")
			b.ReportMetric(peak, "peak-rss-MB")
		})
	}
}

// cpuSeconds returns the CPU time the process has used, all threads.
func cpuSeconds(b *testing.B) float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// resetPeakRSS resets the kernel's record of the process's peak resident
// memory (Linux: writing 5 to /proc/self/clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot measure peak memory: %v", err)
	}
}

// peakRSS returns the peak resident memory since resetPeakRSS, in MB.
func peakRSS(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("cannot measure peak memory: %v", err)
	}
	s := bufio.NewScanner(bytes.NewReader(status))
	for s.Scan() {
		var kB float64
		if _, err := fmt.Sscanf(s.Text(), "VmHWM: %f kB", &kB); err == nil {
			return kB / 1024
		}
	}
	b.Skip("cannot measure peak memory: no VmHWM in /proc/self/status")
	return 0
}
