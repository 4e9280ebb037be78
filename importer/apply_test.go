package importer_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver, for the SQLite atomicity test

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// seeded returns a Memory holding entries.
func seeded(t *testing.T, entries ...registry.Entry) *registry.Memory {
	t.Helper()
	m := registry.NewMemory(nil)
	for _, e := range entries {
		if err := m.Put(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// snapshot returns every entry of l, UpdatedAt cleared.
func snapshot(t *testing.T, l registry.Lister) []registry.Entry {
	t.Helper()
	var all []registry.Entry
	q := registry.Query{Limit: registry.MaxPageSize}
	for {
		p, err := l.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			all = append(all, registry.Entry{CustomerNumber: e.CustomerNumber, To: e.To, Cc: e.Cc, Language: e.Language})
		}
		if p.Next == "" {
			return all
		}
		q.After = p.Next
	}
}

// customerNumbers returns the customer numbers of entries.
func customerNumbers(entries []registry.Entry) []string {
	var cns []string
	for _, e := range entries {
		cns = append(cns, e.CustomerNumber)
	}
	return cns
}

func TestDiffAndApply(t *testing.T) {
	seed := []registry.Entry{
		{CustomerNumber: "1", To: []string{"a@x.fi"}},
		{CustomerNumber: "2", To: []string{"b@x.fi"}, Language: "sv"},
		{CustomerNumber: "3", To: []string{"c@x.fi"}},
		{CustomerNumber: "5", To: []string{"e@x.fi"}, Cc: []string{"f@x.fi"}, Language: "fi"},
	}
	rows := []importer.Row{
		text(1, "Asiakasnumero", "Sähköposti", "Kopio (CC)"),
		text(2, "1", "a@x.fi"),
		text(3, "2", "b@x.fi"),
		text(4, "4", "d@x.fi"),
		text(5, "5", "e@x.fi", "g@x.fi"),
	}
	for _, replaceAll := range []bool{false, true} {
		t.Run(map[bool]string{false: "default mode", true: "replace all"}[replaceAll], func(t *testing.T) {
			reg := seeded(t, seed...)
			b, err := readRows(t, nil, rows...)
			if err != nil {
				t.Fatal(err)
			}
			b.ReplaceAll = replaceAll
			c, err := importer.Diff(t.Context(), reg, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := customerNumbers(c.Added); !reflect.DeepEqual(got, []string{"4"}) {
				t.Errorf("Added = %v", got)
			}
			// The file has no language: "5" keeps its language, and "2",
			// whose addresses are the same, is unchanged.
			if len(c.Changed) != 1 || c.Changed[0].Old.Language != "fi" || c.Changed[0].New.Language != "fi" ||
				!reflect.DeepEqual(c.Changed[0].Old.Cc, []string{"f@x.fi"}) || !reflect.DeepEqual(c.Changed[0].New.Cc, []string{"g@x.fi"}) {
				t.Errorf("Changed = %+v", c.Changed)
			}
			if got := customerNumbers(c.Unchanged); !reflect.DeepEqual(got, []string{"1", "2"}) || c.Unchanged[1].Language != "sv" {
				t.Errorf("Unchanged = %+v", c.Unchanged)
			}
			var wantDeleted []string
			if replaceAll {
				wantDeleted = []string{"3"}
			}
			if got := customerNumbers(c.Deleted); !reflect.DeepEqual(got, wantDeleted) {
				t.Errorf("Deleted = %v, want %v", got, wantDeleted)
			}
			if got := snapshot(t, reg); !sameEntries(got, seed) {
				t.Errorf("Diff changed the registry: %+v", got)
			}

			s, err := importer.Apply(t.Context(), reg, b)
			if err != nil {
				t.Fatal(err)
			}
			if s != c.Summary() {
				t.Errorf("Apply = %+v, Diff predicted %+v", s, c.Summary())
			}
			want := []registry.Entry{
				{CustomerNumber: "1", To: []string{"a@x.fi"}},
				{CustomerNumber: "2", To: []string{"b@x.fi"}, Language: "sv"},
				{CustomerNumber: "3", To: []string{"c@x.fi"}},
				{CustomerNumber: "4", To: []string{"d@x.fi"}},
				{CustomerNumber: "5", To: []string{"e@x.fi"}, Cc: []string{"g@x.fi"}, Language: "fi"},
			}
			if replaceAll {
				want = append(want[:2], want[3:]...)
			}
			if got := snapshot(t, reg); !sameEntries(got, want) {
				t.Errorf("after Apply:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// lookupOnly is a registry with nothing but Lookup.
var lookupOnly = registry.LookupFunc(func(ctx context.Context, cn string) (registry.Entry, error) {
	return registry.Entry{}, registry.ErrNotFound
})

func TestDiffAndApply_errors(t *testing.T) {
	b, err := readRows(t, nil, text(1, "1", "a@x.fi"))
	if err != nil {
		t.Fatal(err)
	}
	replace := *b
	replace.ReplaceAll = true
	boom := errors.New("boom")
	failing := registry.LookupFunc(func(ctx context.Context, cn string) (registry.Entry, error) { return registry.Entry{}, boom })
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name  string
		run   func() error
		want  error
		state *registry.Memory // must be left unchanged, if set
	}{
		{"Apply needs a Batcher", func() error { _, err := importer.Apply(t.Context(), lookupOnly, b); return err }, importer.ErrNotBatcher, nil},
		{"replace-all Diff needs a Lister", func() error { _, err := importer.Diff(t.Context(), lookupOnly, &replace); return err }, importer.ErrNotLister, nil},
		{"Apply refuses nil", func() error { _, err := importer.Apply(t.Context(), registry.NewMemory(nil), nil); return err }, importer.ErrEmptyBatch, nil},
		{"Diff refuses an empty batch", func() error { _, err := importer.Diff(t.Context(), lookupOnly, &importer.Batch{}); return err }, importer.ErrEmptyBatch, nil},
		{"Diff returns registry errors", func() error { _, err := importer.Diff(t.Context(), failing, b); return err }, boom, nil},
		{"Export needs a Lister", func() error {
			return importer.ExportRecords(t.Context(), lookupOnly, func([]importer.Record) error { return nil })
		}, importer.ErrNotLister, nil},
	}
	m := seeded(t, registry.Entry{CustomerNumber: "9", To: []string{"z@x.fi"}})
	tests = append(tests, struct {
		name  string
		run   func() error
		want  error
		state *registry.Memory
	}{"Apply with a cancelled context changes nothing", func() error {
		_, err := importer.Apply(cancelled, m, &replace)
		return err
	}, context.Canceled, m})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []registry.Entry
			if tt.state != nil {
				before = snapshot(t, tt.state)
			}
			if err := tt.run(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if tt.state != nil && !sameEntries(snapshot(t, tt.state), before) {
				t.Errorf("registry changed")
			}
		})
	}
}

// batchSpy is a Batcher that records the batch it is given.
type batchSpy struct {
	*registry.Memory
	got registry.Batch
}

func (s *batchSpy) Apply(ctx context.Context, b registry.Batch) (registry.Summary, error) {
	s.got = b
	return s.Memory.Apply(ctx, b)
}

// TestApply_checksEveryBatch checks that the registry checks the entries
// of every batch, also of one Read returned whose entries a caller then
// changed: no batch can carry an invalid address past the registry.
func TestApply_checksEveryBatch(t *testing.T) {
	read := func(t *testing.T) *importer.Batch {
		b, err := readRows(t, nil, text(1, "1", "a@x.fi"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		change func(b *importer.Batch)
		err    error
	}{
		{"read", func(*importer.Batch) {}, nil},
		{"read, then an invalid address put in", func(b *importer.Batch) { b.Entries[0].To = []string{"not an address"} }, registry.ErrInvalidBatch},
		{"read, then a duplicate put in", func(b *importer.Batch) { b.Entries[0].Cc = []string{"A@X.FI"} }, nil},
		{"hand-made", func(b *importer.Batch) {
			*b = importer.Batch{Entries: []registry.Entry{{CustomerNumber: "1", To: []string{"not an address"}}}}
		}, registry.ErrInvalidBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := read(t)
			tt.change(b)
			spy := &batchSpy{Memory: registry.NewMemory(nil)}
			if _, err := importer.Apply(t.Context(), spy, b); !errors.Is(err, tt.err) {
				t.Fatalf("Apply = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			e, err := spy.Lookup(t.Context(), "1")
			if err != nil || len(e.To) != 1 || len(e.Cc) != 0 {
				t.Errorf("stored %+v, %v; want To a@x.fi and no copy of it", e, err)
			}
		})
	}
}

// TestApply_atomicMemory checks that an import failing on its last row
// leaves a Memory unchanged, both when the file is refused by Read and when
// the registry refuses the last entry of a batch.
func TestApply_atomicMemory(t *testing.T) {
	testAtomic(t, func(t *testing.T, seed []registry.Entry) registry.Registry { return seeded(t, seed...) })
}

// TestApply_atomicSQLite does the same on SQLite through sqlregistry, and
// makes the database itself fail on the last row, after the earlier rows
// of the transaction were written.
func TestApply_atomicSQLite(t *testing.T) {
	newReg := func(t *testing.T, seed []registry.Entry) (*sql.DB, *sqlregistry.Registry) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "registry.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := sqlregistry.Migrate(t.Context(), db, sqlregistry.SQLite); err != nil {
			t.Fatal(err)
		}
		reg, err := sqlregistry.New(t.Context(), db, sqlregistry.SQLite, "company", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Close() })
		for _, e := range seed {
			if err := reg.Put(t.Context(), e); err != nil {
				t.Fatal(err)
			}
		}
		return db, reg
	}
	testAtomic(t, func(t *testing.T, seed []registry.Entry) registry.Registry {
		_, reg := newReg(t, seed)
		return reg
	})
	t.Run("database fails on the last row", func(t *testing.T) {
		seed := []registry.Entry{{CustomerNumber: "1", To: []string{"old@x.fi"}}, {CustomerNumber: "2", To: []string{"old@x.fi"}}}
		db, reg := newReg(t, seed)
		// jakelu_registry and customer_number are the table and column
		// sqlregistry documents.
		if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER fail_last BEFORE INSERT ON jakelu_registry
			WHEN NEW.customer_number = 'zzz' BEGIN SELECT RAISE(ABORT, 'the last row fails'); END`); err != nil {
			t.Fatal(err)
		}
		b, err := readRows(t, nil, text(1, "1", "new@x.fi"), text(2, "3", "new@x.fi"), text(3, "zzz", "new@x.fi"))
		if err != nil {
			t.Fatal(err)
		}
		b.ReplaceAll = true
		if _, err := importer.Apply(t.Context(), reg, b); err == nil || !strings.Contains(err.Error(), "the last row fails") {
			t.Fatalf("Apply error = %v, want the trigger's", err)
		}
		if got := snapshot(t, reg); !sameEntries(got, seed) {
			t.Errorf("registry changed: %+v", got)
		}
	})
}

// testAtomic runs the atomicity checks against registries made by newReg,
// which must implement registry.Lister and registry.Batcher.
func testAtomic(t *testing.T, newReg func(t *testing.T, seed []registry.Entry) registry.Registry) {
	seed := []registry.Entry{
		{CustomerNumber: "1", To: []string{"old@x.fi"}},
		{CustomerNumber: "2", To: []string{"old@x.fi"}},
	}
	var rows []importer.Row
	for i := 1; i <= 500; i++ {
		rows = append(rows, text(i, string(rune('0'+i%10))+string(rune('a'+i%26))+string(rune('A'+i/26)), "new@x.fi"))
	}
	t.Run("Read refuses a file whose last row is bad", func(t *testing.T) {
		reg := newReg(t, seed)
		bad := append(append([]importer.Row(nil), rows...), text(501, "1", "new@x.fi, other@x.fi"))
		b, err := readRows(t, nil, bad...)
		if err == nil {
			_, err = importer.Apply(t.Context(), reg, b)
		}
		if !errors.Is(err, importer.ErrInvalidFile) {
			t.Fatalf("err = %v, want ErrInvalidFile", err)
		}
		if got := snapshot(t, reg.(registry.Lister)); !sameEntries(got, seed) {
			t.Errorf("registry changed: %+v", got)
		}
	})
	for _, replaceAll := range []bool{false, true} {
		t.Run(map[bool]string{false: "registry refuses the last entry", true: "registry refuses the last entry of a replace-all"}[replaceAll], func(t *testing.T) {
			reg := newReg(t, seed)
			b, err := readRows(t, nil, rows...)
			if err != nil {
				t.Fatal(err)
			}
			b.ReplaceAll = replaceAll
			b.Entries = append(b.Entries, registry.Entry{CustomerNumber: "1\x00", To: []string{"a@x.fi"}})
			if _, err := importer.Apply(t.Context(), reg, b); !errors.Is(err, registry.ErrInvalidBatch) {
				t.Fatalf("Apply error = %v, want registry.ErrInvalidBatch", err)
			}
			if got := snapshot(t, reg.(registry.Lister)); !sameEntries(got, seed) {
				t.Errorf("registry changed: %+v", got)
			}
		})
	}
}

func TestExportRecords(t *testing.T) {
	reg := seeded(t,
		registry.Entry{CustomerNumber: "-1", To: []string{"=a@x.fi", "b@x.fi"}, Cc: []string{"+c@x.fi"}},
		registry.Entry{CustomerNumber: "'2", To: []string{"d@x.fi"}},
		registry.Entry{CustomerNumber: "@4", To: []string{"'f@x.fi"}},
		registry.Entry{CustomerNumber: "3", To: []string{"e@x.fi"}},
	)
	var got []importer.Record
	err := importer.ExportRecords(t.Context(), reg, func(recs []importer.Record) error {
		got = append(got, recs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []importer.Record{
		{CustomerNumber: "''2", To: "d@x.fi"},
		{CustomerNumber: "'-1", To: "'=a@x.fi b@x.fi", Cc: "'+c@x.fi"},
		{CustomerNumber: "3", To: "e@x.fi"},
		{CustomerNumber: "'@4", To: "''f@x.fi"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records:\n got %q\nwant %q", got, want)
	}
	boom := errors.New("boom")
	if err := importer.ExportRecords(t.Context(), reg, func([]importer.Record) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("error from fn = %v, want boom", err)
	}
}

// TestDiff_pagingAgreesWithLookups diffs a batch larger than a page both
// ways: through Lister pages (Memory) and one Lookup per entry (the same
// Memory behind a LookupFunc).
func TestDiff_pagingAgreesWithLookups(t *testing.T) {
	var seed []registry.Entry
	for i := range 1500 {
		seed = append(seed, registry.Entry{CustomerNumber: fmt.Sprintf("c%05d", i), To: []string{fmt.Sprintf("a%d@x.fi", i%7)}})
	}
	m := seeded(t, seed...)
	var rows []importer.Row
	for i := 500; i < 2600; i++ {
		rows = append(rows, text(i, fmt.Sprintf("c%05d", i), fmt.Sprintf("a%d@x.fi", i%5)))
	}
	b, err := readRows(t, nil, rows...)
	if err != nil {
		t.Fatal(err)
	}
	paged, err := importer.Diff(t.Context(), m, b)
	if err != nil {
		t.Fatal(err)
	}
	looked, err := importer.Diff(t.Context(), registry.LookupFunc(m.Lookup), b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paged, looked) {
		t.Errorf("paging gave %+v, lookups %+v", paged.Summary(), looked.Summary())
	}
	if s := paged.Summary(); s.Added != 1100 || s.Changed+s.Unchanged != 1000 || s.Deleted != 0 {
		t.Errorf("Summary = %+v", s)
	}
}
