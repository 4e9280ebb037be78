package registrytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jakelu/jakelu/registry"
)

// Seeds. Every entry is already normalized and has addresses of its own, so
// that a lookup that finds the wrong entry shows.
var (
	basicSeed = []registry.Entry{
		{CustomerNumber: "123", To: []string{"matti.meikalainen@example.fi"}, Language: "fi"},
		{CustomerNumber: "00123", To: []string{"laskut@yritys.example", "kirjanpito@yritys.example"}, Cc: []string{"arkisto@yritys.example"}},
		{CustomerNumber: "A1", To: []string{"ostot@example.com"}, Language: "sv"},
	}

	// exactSeed has customer numbers that differ only in leading zeros,
	// case or Unicode normalization, and characters that quoting, LIKE
	// patterns or separators may trip over.
	exactSeed = numbered("asiakas", "@example.fi", []string{
		"123", "0123", "00123", "A1", "a1", "B2",
		"Äijälä", "A\u0308ija\u0308la\u0308", "ÄIJÄLÄ", "日本-1",
		"NULL", `quote"s`, `back\slash`, "{brace},comma;semi", "inner  space", "50%_like", "o'brien",
	}, registry.Entry{CustomerNumber: "Ääkkönen", To: []string{"åsa.öberg@exämple.fi"}, Cc: []string{"Kirjanpito@äijälä.fi"}})

	searchSeed = []registry.Entry{
		{CustomerNumber: "AB-100", To: []string{"ville@firma.example"}},
		{CustomerNumber: "ab-200", To: []string{"Anna@firma.example"}},
		{CustomerNumber: "XY-300", To: []string{"Info@äijälä.fi"}, Cc: []string{"kirjanpito@firma.example"}},
		{CustomerNumber: "Äijälä-1", To: []string{"posti@koti.example"}},
		{CustomerNumber: "Z-ab", To: []string{"z@zeta.example"}},
		{CustomerNumber: "ZZ 1", To: []string{"zz@zeta.example"}},
	}

	pagingSeed = generation("k", 0, 10, "@example.fi")

	// generationA and generationB overlap in half their customer numbers
	// and differ in every address.
	generationA = generation("m", 0, 40, "@a.example")
	generationB = generation("m", 20, 60, "@b.example")
)

// numbered returns one entry per customer number, with the address
// prefix<i>suffix, followed by extra.
func numbered(prefix, suffix string, numbers []string, extra ...registry.Entry) []registry.Entry {
	out := make([]registry.Entry, 0, len(numbers)+len(extra))
	for i, cn := range numbers {
		out = append(out, registry.Entry{CustomerNumber: cn, To: []string{fmt.Sprintf("%s%d%s", prefix, i, suffix)}})
	}
	return append(out, extra...)
}

// generation returns entries prefix<from> … prefix<to-1> (two digits at
// least), each mailed to the customer number at domain.
func generation(prefix string, from, to int, domain string) []registry.Entry {
	out := make([]registry.Entry, 0, to-from)
	for i := from; i < to; i++ {
		cn := fmt.Sprintf("%s%02d", prefix, i)
		out = append(out, registry.Entry{CustomerNumber: cn, To: []string{cn + domain}})
	}
	return out
}

func customerNumbers(entries []registry.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.CustomerNumber
	}
	return out
}

// rules is the contract, in the order Run checks it.
var rules = []rule{
	{name: "Lookup/SeededEntriesFound", seed: basicSeed, check: checkSeededFound},
	{name: "Lookup/NotFound", seed: basicSeed, check: checkNotFound},
	{name: "Lookup/KeysKeptExactly", seed: exactSeed, check: checkKeysExact},
	{name: "Lookup/ResultBelongsToCaller", seed: basicSeed, check: checkLookupOwnership},
	{name: "Lookup/CancelledContext", seed: basicSeed, check: checkLookupCancelled},
	{name: "Lookup/Concurrent", seed: basicSeed, check: checkConcurrentLookups},

	{name: "Store/PutAddsAndReplaces", needs: store, seed: basicSeed, check: checkPut},
	{name: "Store/PutNormalizes", needs: store, seed: basicSeed, check: checkPutNormalizes},
	{name: "Store/PutInvalidChangesNothing", needs: store, seed: basicSeed, check: checkPutInvalid},
	{name: "Store/PutKeepsNoReference", needs: store, seed: basicSeed, check: checkPutReference},
	{name: "Store/PutProfile", needs: store, seed: basicSeed, check: checkPutProfile},
	{name: "Store/Delete", needs: store, seed: basicSeed, check: checkDelete},
	{name: "Store/CancelledContext", needs: store, seed: basicSeed, check: checkStoreCancelled},

	{name: "Lister/OrderAndPages", needs: lister, seed: exactSeed, check: checkListOrder},
	{name: "Lister/PageSize", needs: lister, seed: generation("c", 0, registry.MaxPageSize+1, "@example.fi"), check: checkPageSize},
	{name: "Lister/Search", needs: lister, seed: searchSeed, check: checkSearch},
	{name: "Lister/StableUnderWrites", needs: lister | store, seed: pagingSeed, check: checkListUnderWrites},
	{name: "Lister/ResultBelongsToCaller", needs: lister, seed: basicSeed, check: checkListOwnership},
	{name: "Lister/CancelledContext", needs: lister, seed: basicSeed, check: checkListCancelled},

	{name: "Batcher/PutAndDelete", needs: batcher, seed: basicSeed, check: checkApply},
	{name: "Batcher/ReplaceAll", needs: batcher, seed: basicSeed, check: checkReplaceAll},
	{name: "Batcher/NormalizedBatch", needs: batcher, seed: basicSeed, check: checkNormalizedBatch},
	{name: "Batcher/KeepsLanguage", needs: batcher, seed: basicSeed, check: checkKeepsLanguage},
	{name: "Batcher/KeepsProfile", needs: batcher, seed: basicSeed, check: checkKeepsProfile},
	{name: "Batcher/InvalidBatchChangesNothing", needs: batcher, seed: basicSeed, check: checkInvalidBatch},
	{name: "Batcher/CancelledContext", needs: batcher, seed: basicSeed, check: checkApplyCancelled},
	{name: "Batcher/CancelDuringApply", needs: batcher, seed: generationA, check: checkCancelDuringApply},
}

// entryDiff says how got differs from want, comparing addresses as sets, or
// returns "".
func entryDiff(got, want registry.Entry) string {
	var diffs []string
	if got.CustomerNumber != want.CustomerNumber {
		diffs = append(diffs, fmt.Sprintf("customer number %q, want %q", got.CustomerNumber, want.CustomerNumber))
	}
	if !sameSet(got.To, want.To) {
		diffs = append(diffs, fmt.Sprintf("To %q, want %q", got.To, want.To))
	}
	if !sameSet(got.Cc, want.Cc) {
		diffs = append(diffs, fmt.Sprintf("Cc %q, want %q", got.Cc, want.Cc))
	}
	if got.Language != want.Language {
		diffs = append(diffs, fmt.Sprintf("Language %q, want %q", got.Language, want.Language))
	}
	if got.Profile.Effective() != want.Profile.Effective() {
		diffs = append(diffs, fmt.Sprintf("Profile %q, want %q", got.Profile, want.Profile))
	}
	return strings.Join(diffs, "; ")
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// expectLookup checks that Lookup finds want.
func expectLookup(t tb, reg registry.Registry, want registry.Entry) registry.Entry {
	t.Helper()
	got, err := reg.Lookup(t.Context(), want.CustomerNumber)
	if err != nil {
		t.Errorf("Lookup(%q): %v, want the entry", want.CustomerNumber, err)
		return got
	}
	if len(got.To) == 0 {
		t.Errorf("Lookup(%q) returned no error and no To address", want.CustomerNumber)
	}
	if d := entryDiff(got, want); d != "" {
		t.Errorf("Lookup(%q): %s", want.CustomerNumber, d)
	}
	return got
}

// expectNotFound checks that Lookup gives ErrNotFound and the zero Entry.
func expectNotFound(t tb, reg registry.Registry, customerNumber string) {
	t.Helper()
	got, err := reg.Lookup(t.Context(), customerNumber)
	if !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Lookup(%q) = %q, %v; want an error matching registry.ErrNotFound", customerNumber, got.To, err)
	} else if got.To != nil || got.Cc != nil || got.CustomerNumber != "" {
		t.Errorf("Lookup(%q) returned ErrNotFound with a non-zero Entry %+v", customerNumber, got)
	}
}

// expectState checks that reg holds every entry of want and none of absent.
func expectState(t tb, reg registry.Registry, want []registry.Entry, absent ...string) {
	t.Helper()
	for _, e := range want {
		expectLookup(t, reg, e)
	}
	for _, cn := range absent {
		expectNotFound(t, reg, cn)
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(t tb) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func checkSeededFound(t tb, reg registry.Registry) {
	expectState(t, reg, basicSeed)
}

func checkNotFound(t tb, reg registry.Registry) {
	for _, cn := range []string{"", "999", "0123", "12", "1234", "a1", " 123", "123 ", "123\x00", "\xff"} {
		expectNotFound(t, reg, cn)
	}
}

func checkKeysExact(t tb, reg registry.Registry) {
	expectState(t, reg, exactSeed, "0000123", "b2", "äijälä", "A\u0308IJA\u0308LA\u0308", "null", "quote", `back\\slash`, "inner space")
}

func checkLookupOwnership(t tb, reg registry.Registry) {
	want := basicSeed[1]
	first := expectLookup(t, reg, want)
	second := expectLookup(t, reg, want)
	if len(first.To) == 0 || len(first.Cc) == 0 {
		t.Fatalf("Lookup(%q) did not return the seeded To and Cc addresses", want.CustomerNumber)
	}
	first.To[0], first.Cc[0] = "changed@example.com", "changed@example.com"
	_ = append(first.To[:1], "appended@example.com")
	if d := entryDiff(second, want); d != "" {
		t.Errorf("changing one Lookup result changed another: %s", d)
	}
	if third, err := reg.Lookup(t.Context(), want.CustomerNumber); err != nil || entryDiff(third, want) != "" {
		t.Errorf("changing a Lookup result changed the directory: Lookup(%q) = %+v, %v", want.CustomerNumber, third, err)
	}
}

func checkLookupCancelled(t tb, reg registry.Registry) {
	expired, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{cancelled(t), context.Canceled}, {expired, context.DeadlineExceeded}} {
		if _, err := reg.Lookup(c.ctx, basicSeed[0].CustomerNumber); !errors.Is(err, c.want) {
			t.Errorf("Lookup with a context that is done: %v, want an error matching %v", err, c.want)
		}
	}
}

func checkConcurrentLookups(t tb, reg registry.Registry) {
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 20 {
				for _, want := range basicSeed {
					got, err := reg.Lookup(t.Context(), want.CustomerNumber)
					if err != nil {
						t.Errorf("concurrent Lookup(%q): %v", want.CustomerNumber, err)
						return
					}
					if d := entryDiff(got, want); d != "" {
						t.Errorf("concurrent Lookup(%q): %s", want.CustomerNumber, d)
						return
					}
				}
				if _, err := reg.Lookup(t.Context(), "999"); !errors.Is(err, registry.ErrNotFound) {
					t.Errorf("concurrent Lookup(%q): %v, want registry.ErrNotFound", "999", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func checkPut(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	added := registry.Entry{CustomerNumber: "N1", To: []string{"uusi@example.fi"}, Language: "en"}
	replaced := registry.Entry{CustomerNumber: "123", To: []string{"toinen@example.fi", "kolmas@example.fi"}, Cc: []string{"kopio@example.fi"}}
	for _, e := range []registry.Entry{added, replaced} {
		if err := s.Put(t.Context(), e.Clone()); err != nil {
			t.Fatalf("Put(%q): %v", e.CustomerNumber, err)
		}
		if got := expectLookup(t, reg, e); got.UpdatedAt.IsZero() {
			t.Errorf("Lookup(%q) after Put: UpdatedAt is zero, want the time of the Put", e.CustomerNumber)
		}
	}
	expectState(t, reg, basicSeed[1:])
}

func checkPutNormalizes(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	in := registry.Entry{
		CustomerNumber: "N1",
		To:             []string{" Matti <Matti@EXAMPLE.fi> ", "mailto:Matti@example.fi", "liisa@example.fi"},
		Cc:             []string{"LIISA@example.fi", "kopio@Example.FI"},
	}
	want := registry.Entry{CustomerNumber: "N1", To: []string{"Matti@example.fi", "liisa@example.fi"}, Cc: []string{"kopio@example.fi"}}
	if err := s.Put(t.Context(), in); err != nil {
		t.Fatalf("Put(%+v): %v", in, err)
	}
	expectLookup(t, reg, want)
}

func checkPutInvalid(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	for _, e := range []registry.Entry{
		{CustomerNumber: "", To: []string{"a@example.fi"}},
		{CustomerNumber: " 123", To: []string{"a@example.fi"}},
		{CustomerNumber: "123", To: nil},
		{CustomerNumber: "123", To: []string{"matti@"}},
		{CustomerNumber: "123", To: []string{"a@example.fi"}, Cc: []string{"a@example.fi; b@example.fi"}},
		{CustomerNumber: "N1", To: []string{"a@example.fi"}, Language: "FI"},
	} {
		err := s.Put(t.Context(), e)
		var ee *registry.EntryError
		if !errors.Is(err, registry.ErrInvalidEntry) || !errors.As(err, &ee) {
			t.Errorf("Put(%+v): %v, want a *registry.EntryError", e, err)
		}
	}
	expectState(t, reg, basicSeed, "N1")
}

func checkPutReference(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	e := registry.Entry{CustomerNumber: "N1", To: []string{"uusi@example.fi"}, Cc: []string{"kopio@example.fi"}}
	want := e.Clone()
	if err := s.Put(t.Context(), e); err != nil {
		t.Fatalf("Put: %v", err)
	}
	e.To[0], e.Cc[0] = "changed@example.com", "changed@example.com"
	expectLookup(t, reg, want)
}

func checkDelete(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	if err := s.Delete(t.Context(), "123"); err != nil {
		t.Fatalf("Delete(%q) of a seeded entry: %v", "123", err)
	}
	expectState(t, reg, basicSeed[1:], "123")
	for _, cn := range []string{"123", "999", "", "a1"} {
		if err := s.Delete(t.Context(), cn); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Delete(%q) of a missing entry: %v, want registry.ErrNotFound", cn, err)
		}
	}
	expectState(t, reg, basicSeed[1:])
}

func checkStoreCancelled(t tb, reg registry.Registry) {
	s := reg.(registry.Store)
	ctx := cancelled(t)
	if err := s.Put(ctx, registry.Entry{CustomerNumber: "123", To: []string{"uusi@example.fi"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, "00123"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a cancelled context: %v, want context.Canceled", err)
	}
	expectState(t, reg, basicSeed)
}

// listAll pages through q and checks that every Next is the page's last
// customer number and comes after the cursor. Unless between changes the
// directory after each page, it also checks that Total is the same on every
// page and counts the entries listed.
func listAll(t tb, l registry.Lister, q registry.Query, between func(page int)) []registry.Entry {
	t.Helper()
	var all []registry.Entry
	total := -1
	for page := 0; ; page++ {
		p, err := l.List(t.Context(), q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		if total >= 0 && p.Total != total && between == nil {
			t.Errorf("List(%+v): Total %d, was %d on the first page", q, p.Total, total)
		}
		total = p.Total
		if len(p.Entries) > registry.PageSize(q.Limit) {
			t.Fatalf("List(%+v) returned %d entries, more than the page size %d", q, len(p.Entries), registry.PageSize(q.Limit))
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			if total != len(all) && between == nil {
				t.Errorf("List(%+v): Total %d, but the pages held %d entries", q, total, len(all))
			}
			return all
		}
		if len(p.Entries) == 0 || p.Next != p.Entries[len(p.Entries)-1].CustomerNumber {
			t.Fatalf("List(%+v): Next %q is not the last customer number of the page %q", q, p.Next, customerNumbers(p.Entries))
		}
		if q.After != "" && p.Next <= q.After {
			t.Fatalf("List(%+v): Next %q does not come after the cursor", q, p.Next)
		}
		if between != nil {
			between(page)
		}
		q.After = p.Next
	}
}

func checkListOrder(t tb, reg registry.Registry) {
	l := reg.(registry.Lister)
	want := slices.SortedFunc(slices.Values(exactSeed), func(a, b registry.Entry) int {
		return strings.Compare(a.CustomerNumber, b.CustomerNumber)
	})
	for _, limit := range []int{3, len(want), 0} {
		got := listAll(t, l, registry.Query{Limit: limit}, nil)
		if !slices.Equal(customerNumbers(got), customerNumbers(want)) {
			t.Errorf("List with Limit %d: customer numbers %q, want %q (byte-wise order)", limit, customerNumbers(got), customerNumbers(want))
			continue
		}
		for i := range got {
			if d := entryDiff(got[i], want[i]); d != "" {
				t.Errorf("List with Limit %d, entry %d: %s", limit, i, d)
			}
		}
	}
}

func checkPageSize(t tb, reg registry.Registry) {
	l := reg.(registry.Lister)
	for _, c := range []struct{ limit, want int }{
		{0, registry.DefaultPageSize}, {-1, registry.DefaultPageSize}, {7, 7},
		{registry.MaxPageSize + 1000, registry.MaxPageSize},
	} {
		p, err := l.List(t.Context(), registry.Query{Limit: c.limit})
		if err != nil {
			t.Fatalf("List(Limit %d): %v", c.limit, err)
		}
		if len(p.Entries) != c.want || p.Total != registry.MaxPageSize+1 || p.Next == "" {
			t.Errorf("List(Limit %d): %d entries, Total %d, Next %q; want %d entries, Total %d and a Next cursor",
				c.limit, len(p.Entries), p.Total, p.Next, c.want, registry.MaxPageSize+1)
		}
	}
}

func checkSearch(t tb, reg registry.Registry) {
	l := reg.(registry.Lister)
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"ab", []string{"AB-100", "ab-200"}},
		{"AB-1", []string{"AB-100"}},
		{"FIRMA.EXAMPLE", []string{"AB-100", "XY-300", "ab-200"}},
		{"anna@", []string{"ab-200"}},
		{"ÄIJ", []string{"XY-300", "Äijälä-1"}},
		{"zz 1", []string{"ZZ 1"}},
		{"-100", nil},
		{"fi kirjanpito", nil},
		{"nomatch", nil},
	} {
		for _, limit := range []int{1, 0} {
			got := customerNumbers(listAll(t, l, registry.Query{Search: c.search, Limit: limit}, nil))
			if !slices.Equal(got, c.want) {
				t.Errorf("List(Search %q, Limit %d): %q, want %q", c.search, limit, got, c.want)
			}
		}
	}
}

func checkListUnderWrites(t tb, reg registry.Registry) {
	l, s := reg.(registry.Lister), reg.(registry.Store)
	got := listAll(t, l, registry.Query{Limit: 3}, func(page int) {
		if page != 0 {
			return
		}
		// After the first page (k00 k01 k02): add entries before and after
		// the cursor, delete one already seen and one not yet seen.
		for _, cn := range []string{"k005", "k015", "k99"} {
			if err := s.Put(t.Context(), registry.Entry{CustomerNumber: cn, To: []string{cn + "@example.fi"}}); err != nil {
				t.Fatalf("Put(%q): %v", cn, err)
			}
		}
		for _, cn := range []string{"k00", "k08"} {
			if err := s.Delete(t.Context(), cn); err != nil {
				t.Fatalf("Delete(%q): %v", cn, err)
			}
		}
	})
	cns := customerNumbers(got)
	if !slices.IsSorted(cns) || len(slices.Compact(slices.Clone(cns))) != len(cns) {
		t.Errorf("pages across writes are out of order or repeat entries: %q", cns)
	}
	for _, e := range pagingSeed {
		n := 0
		for _, cn := range cns {
			if cn == e.CustomerNumber {
				n++
			}
		}
		switch {
		case e.CustomerNumber == "k08" && n != 0:
			t.Errorf("pages across writes: %q, deleted before its page was read, was listed", e.CustomerNumber)
		case e.CustomerNumber != "k08" && e.CustomerNumber != "k00" && n != 1:
			t.Errorf("pages across writes: %q, present throughout, was listed %d times: %q", e.CustomerNumber, n, cns)
		}
	}
}

func checkListOwnership(t tb, reg registry.Registry) {
	l := reg.(registry.Lister)
	first, err := l.List(t.Context(), registry.Query{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, e := range first.Entries {
		e.To[0] = "changed@example.com"
		if len(e.Cc) > 0 {
			e.Cc[0] = "changed@example.com"
		}
	}
	expectState(t, reg, basicSeed)
	got := listAll(t, l, registry.Query{}, nil)
	for _, want := range basicSeed {
		for _, e := range got {
			if e.CustomerNumber == want.CustomerNumber {
				if d := entryDiff(e, want); d != "" {
					t.Errorf("changing a List result changed the directory: %s", d)
				}
			}
		}
	}
}

func checkListCancelled(t tb, reg registry.Registry) {
	if _, err := reg.(registry.Lister).List(cancelled(t), registry.Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: %v, want context.Canceled", err)
	}
}

// applyCase is a batch over basicSeed that exercises every count of a
// Summary: "123" unchanged, "00123" changed, "N1" added (written in a form
// Apply must normalize), "A1" deleted.
func applyCase(replaceAll bool) (registry.Batch, registry.Summary, []registry.Entry) {
	changed := registry.Entry{CustomerNumber: "00123", To: []string{"uusi@yritys.example"}}
	added := registry.Entry{CustomerNumber: "N1", To: []string{"Uusi Asiakas <Uusi@EXAMPLE.fi>"}, Cc: []string{"kopio@example.fi"}, Language: "en"}
	b := registry.Batch{Put: []registry.Entry{basicSeed[0].Clone(), changed.Clone(), added}, ReplaceAll: replaceAll}
	if !replaceAll {
		b.Delete = []string{"A1", "999"}
	}
	addedWant := registry.Entry{CustomerNumber: "N1", To: []string{"Uusi@example.fi"}, Cc: []string{"kopio@example.fi"}, Language: "en"}
	return b, registry.Summary{Added: 1, Changed: 1, Unchanged: 1, Deleted: 1}, []registry.Entry{basicSeed[0], changed, addedWant}
}

func checkApplyCase(t tb, reg registry.Registry, replaceAll, normalized bool) {
	b, wantSummary, want := applyCase(replaceAll)
	if normalized {
		var err error
		if b, err = b.Normalize(); err != nil {
			t.Fatalf("Batch.Normalize = %+v, %v", b, err)
		}
	}
	before, err := reg.Lookup(t.Context(), basicSeed[0].CustomerNumber)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", basicSeed[0].CustomerNumber, err)
	}
	s, err := reg.(registry.Batcher).Apply(t.Context(), b)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if s != wantSummary {
		t.Errorf("Apply returned %+v, want %+v", s, wantSummary)
	}
	b.Put[1].To[0], b.Put[2].To[0] = "changed@example.com", "changed@example.com"
	expectState(t, reg, want, "A1")
	if after := expectLookup(t, reg, want[0]); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("Apply changed UpdatedAt of the unchanged entry %q from %v to %v", want[0].CustomerNumber, before.UpdatedAt, after.UpdatedAt)
	}
	for _, e := range want[1:] {
		if got := expectLookup(t, reg, e); got.UpdatedAt.IsZero() {
			t.Errorf("Lookup(%q) after Apply: UpdatedAt is zero, want the time of the Apply", e.CustomerNumber)
		}
	}
}

// checkKeepsLanguage applies entries without a language over basicSeed,
// whose "123" is Finnish and "A1" Swedish: they keep their languages, "123"
// (same addresses) is unchanged and keeps its UpdatedAt, "A1" (a new
// address) is changed; "00123" gets the language its entry has. A
// ReplaceAll keeps the language in the same way.
func checkKeepsLanguage(t tb, reg registry.Registry) {
	bt := reg.(registry.Batcher)
	before, err := reg.Lookup(t.Context(), "123")
	if err != nil {
		t.Fatalf("Lookup(%q): %v", "123", err)
	}
	a1 := registry.Entry{CustomerNumber: "A1", To: []string{"uusi@example.com"}}
	b := registry.Batch{Put: []registry.Entry{
		{CustomerNumber: "123", To: slices.Clone(basicSeed[0].To)},
		a1,
		{CustomerNumber: "00123", To: slices.Clone(basicSeed[1].To), Cc: slices.Clone(basicSeed[1].Cc), Language: "en"},
	}}
	s, err := bt.Apply(t.Context(), b)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if want := (registry.Summary{Changed: 2, Unchanged: 1}); s != want {
		t.Errorf("Apply of entries without a language returned %+v, want %+v (an entry that differs only in the language it keeps is unchanged)", s, want)
	}
	a1.Language = "sv"
	kept := []registry.Entry{basicSeed[0], a1}
	enEntry := basicSeed[1].Clone()
	enEntry.Language = "en"
	expectState(t, reg, append(kept, enEntry))
	if after := expectLookup(t, reg, basicSeed[0]); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("Apply changed UpdatedAt of %q, which only kept its language, from %v to %v", "123", before.UpdatedAt, after.UpdatedAt)
	}

	b = registry.Batch{Put: []registry.Entry{{CustomerNumber: "A1", To: slices.Clone(a1.To)}}, ReplaceAll: true}
	if s, err = bt.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply with ReplaceAll: %v", err)
	}
	if want := (registry.Summary{Unchanged: 1, Deleted: 2}); s != want {
		t.Errorf("Apply with ReplaceAll of an entry without a language returned %+v, want %+v", s, want)
	}
	expectState(t, reg, []registry.Entry{a1}, "123", "00123")
}

// checkPutProfile puts "A1" with the scan profile, then with the standard
// one, then with an invalid one: Lookup and List show each valid profile,
// and the invalid one changes nothing.
func checkPutProfile(t tb, reg registry.Registry) {
	st := reg.(registry.Store)
	e := basicSeed[2].Clone()
	for _, p := range []registry.Profile{registry.ProfileScan, registry.ProfileStandard, registry.ProfileScan, ""} {
		e.Profile = p
		if err := st.Put(t.Context(), e); err != nil {
			t.Fatalf("Put(%q with profile %q): %v", e.CustomerNumber, p, err)
		}
		if got := expectLookup(t, reg, e); got.Profile != p && got.Profile.Effective() != p {
			t.Errorf("Lookup(%q) after Put with profile %q: profile %q", e.CustomerNumber, p, got.Profile)
		}
		if l, ok := reg.(registry.Lister); ok {
			page, err := l.List(t.Context(), registry.Query{Search: "A1"})
			if err != nil || len(page.Entries) != 1 || page.Entries[0].Profile.Effective() != p.Effective() {
				t.Errorf("List(A1) after Put with profile %q: %+v, %v; want one entry with that profile", p, page.Entries, err)
			}
		}
	}
	e.Profile = registry.ProfileScan
	if err := st.Put(t.Context(), e); err != nil {
		t.Fatalf("Put: %v", err)
	}
	bad := e.Clone()
	bad.Profile = "fax"
	if err := st.Put(t.Context(), bad); !errors.Is(err, registry.ErrInvalidProfile) {
		t.Errorf("Put with profile %q: %v, want ErrInvalidProfile", bad.Profile, err)
	}
	expectLookup(t, reg, e)
}

// checkKeepsProfile applies entries over basicSeed: a scan profile is set
// (changed), kept by an entry without a profile (unchanged, UpdatedAt
// kept, also under ReplaceAll), and set back by [registry.ProfileStandard]
// (changed); a new entry without a profile gets the standard one.
func checkKeepsProfile(t tb, reg registry.Registry) {
	bt := reg.(registry.Batcher)
	apply := func(what string, b registry.Batch, want registry.Summary) {
		t.Helper()
		s, err := bt.Apply(t.Context(), b)
		if err != nil {
			t.Fatalf("Apply %s: %v", what, err)
		}
		if s != want {
			t.Errorf("Apply %s returned %+v, want %+v", what, s, want)
		}
	}
	scan := basicSeed[2].Clone()
	scan.Profile = registry.ProfileScan
	apply("setting the scan profile", registry.Batch{Put: []registry.Entry{scan}}, registry.Summary{Changed: 1})
	before := expectLookup(t, reg, scan)
	if before.Profile != registry.ProfileScan {
		t.Errorf("Lookup(%q) after Apply of the scan profile: profile %q, want %q", scan.CustomerNumber, before.Profile, registry.ProfileScan)
	}
	apply("of an entry without a profile", registry.Batch{Put: []registry.Entry{basicSeed[2].Clone(), {CustomerNumber: "N1", To: []string{"uusi@example.fi"}}}}, registry.Summary{Added: 1, Unchanged: 1})
	if after := expectLookup(t, reg, scan); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("Apply changed UpdatedAt of %q, which only kept its profile, from %v to %v", scan.CustomerNumber, before.UpdatedAt, after.UpdatedAt)
	}
	expectLookup(t, reg, registry.Entry{CustomerNumber: "N1", To: []string{"uusi@example.fi"}})
	apply("with ReplaceAll of an entry without a profile", registry.Batch{Put: []registry.Entry{basicSeed[2].Clone()}, ReplaceAll: true}, registry.Summary{Unchanged: 1, Deleted: 3})
	expectLookup(t, reg, scan)
	std := basicSeed[2].Clone()
	std.Profile = registry.ProfileStandard
	apply("setting the standard profile", registry.Batch{Put: []registry.Entry{std}}, registry.Summary{Changed: 1})
	expectLookup(t, reg, basicSeed[2])
}

func checkApply(t tb, reg registry.Registry)      { checkApplyCase(t, reg, false, false) }
func checkReplaceAll(t tb, reg registry.Registry) { checkApplyCase(t, reg, true, false) }

// checkNormalizedBatch applies checkApply's batch already normalized (as
// importer.Read's batches are): the result is the same.
func checkNormalizedBatch(t tb, reg registry.Registry) { checkApplyCase(t, reg, false, true) }

func checkInvalidBatch(t tb, reg registry.Registry) {
	bt := reg.(registry.Batcher)
	valid := registry.Entry{CustomerNumber: "N1", To: []string{"uusi@example.fi"}}
	changed := registry.Entry{CustomerNumber: "123", To: []string{"toinen@example.fi"}}
	for _, c := range []struct {
		name  string
		b     registry.Batch
		index int
	}{
		{"invalid address", registry.Batch{Put: []registry.Entry{valid, changed, {CustomerNumber: "N2", To: []string{"not an address"}}}, Delete: []string{"A1"}}, 2},
		{"duplicate customer number", registry.Batch{Put: []registry.Entry{valid, changed, valid}}, 2},
		{"an empty customer number", registry.Batch{Put: []registry.Entry{valid, changed, {To: []string{"uusi@example.fi"}}}}, 2},
		{"an entry without addresses", registry.Batch{Put: []registry.Entry{valid, changed, {CustomerNumber: "N2"}}}, 2},
		{"an address that is not normalized in a batch that is otherwise", registry.Batch{Put: []registry.Entry{valid, changed, {CustomerNumber: "N2", To: []string{"a@b.fi", "A@B.FI", "bad@"}}}}, 2},
		{"put and delete of one customer number", registry.Batch{Put: []registry.Entry{valid, changed}, Delete: []string{"00123", "N1"}}, 1},
		{"ReplaceAll with deletes", registry.Batch{Put: []registry.Entry{valid}, Delete: []string{"A1"}, ReplaceAll: true}, -1},
	} {
		_, err := bt.Apply(t.Context(), c.b)
		var be *registry.BatchError
		if !errors.Is(err, registry.ErrInvalidBatch) || !errors.As(err, &be) {
			t.Errorf("Apply of a batch with %s: %v, want a *registry.BatchError", c.name, err)
		} else if be.Index != c.index {
			t.Errorf("Apply of a batch with %s: BatchError.Index %d, want %d", c.name, be.Index, c.index)
		}
		expectState(t, reg, basicSeed, "N1")
	}
}

func checkApplyCancelled(t tb, reg registry.Registry) {
	b, _, _ := applyCase(true)
	if _, err := reg.(registry.Batcher).Apply(cancelled(t), b); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply with a cancelled context: %v, want context.Canceled", err)
	}
	expectState(t, reg, basicSeed, "N1")
}

// checkCancelDuringApply cancels a ReplaceAll from generation A to B at the
// first, second, third … time Apply checks its context, until an Apply
// succeeds. Each failed Apply must leave A whole, each success B whole.
func checkCancelDuringApply(t tb, reg registry.Registry) {
	bt := reg.(registry.Batcher)
	b := registry.Batch{Put: cloneEntries(generationB), ReplaceAll: true}
	const maxChecks = 1_000_000
	for n := 1; ; n += max(1, n/4) {
		if n > maxChecks {
			t.Fatalf("Apply still fails after its context returned nil from Err %d times", maxChecks)
		}
		_, err := bt.Apply(CancelAtCheck(t.Context(), n), b)
		if err == nil {
			expectState(t, reg, generationB, customerNumbers(generationA[:20])...)
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Apply cancelled at context check %d: %v, want context.Canceled", n, err)
		}
		expectState(t, reg, generationA, customerNumbers(generationB[20:])...)
	}
}
