package registrytest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// recorder is a tb that records failures instead of failing the test, so
// that a rule can be run against a broken registry.
type recorder struct {
	ctx      context.Context
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper()                  {}
func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// check runs rule r against reg and returns its failures.
func check(t *testing.T, r rule, reg registry.Registry) []string {
	t.Helper()
	rec := &recorder{ctx: t.Context()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.check(&ruleT{tb: rec, rule: r.name}, reg)
	}()
	<-done
	return rec.failures
}

func newMemory(t *testing.T, seed []registry.Entry) *registry.Memory {
	t.Helper()
	m := registry.NewMemory(nil)
	if _, err := m.Apply(t.Context(), registry.Batch{Put: seed, ReplaceAll: true}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMemoryPassesEveryRule runs the rules through the recorder, to show
// that check reports nothing for a correct registry.
func TestMemoryPassesEveryRule(t *testing.T) {
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			if failures := check(t, r, newMemory(t, cloneEntries(r.seed))); len(failures) > 0 {
				t.Errorf("registry.Memory failed:\n%s", strings.Join(failures, "\n"))
			}
		})
	}
}

// mutant is a registry.Memory with one or two methods replaced by broken
// ones.
type mutant struct {
	*registry.Memory
	lookup func(ctx context.Context, customerNumber string) (registry.Entry, error)
	put    func(ctx context.Context, e registry.Entry) error
	delete func(ctx context.Context, customerNumber string) error
	list   func(ctx context.Context, q registry.Query) (registry.Page, error)
	apply  func(ctx context.Context, b registry.Batch) (registry.Summary, error)
}

func (m *mutant) Lookup(ctx context.Context, customerNumber string) (registry.Entry, error) {
	if m.lookup != nil {
		return m.lookup(ctx, customerNumber)
	}
	return m.Memory.Lookup(ctx, customerNumber)
}

func (m *mutant) Put(ctx context.Context, e registry.Entry) error {
	if m.put != nil {
		return m.put(ctx, e)
	}
	return m.Memory.Put(ctx, e)
}

func (m *mutant) Delete(ctx context.Context, customerNumber string) error {
	if m.delete != nil {
		return m.delete(ctx, customerNumber)
	}
	return m.Memory.Delete(ctx, customerNumber)
}

func (m *mutant) List(ctx context.Context, q registry.Query) (registry.Page, error) {
	if m.list != nil {
		return m.list(ctx, q)
	}
	return m.Memory.List(ctx, q)
}

func (m *mutant) Apply(ctx context.Context, b registry.Batch) (registry.Summary, error) {
	if m.apply != nil {
		return m.apply(ctx, b)
	}
	return m.Memory.Apply(ctx, b)
}

// entries returns every entry of m in order.
func entries(m *registry.Memory) []registry.Entry {
	var all []registry.Entry
	q := registry.Query{Limit: registry.MaxPageSize}
	for {
		p, err := m.List(context.Background(), q)
		if err != nil {
			panic(err) // Memory.List fails only for a cancelled context
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			return all
		}
		q.After = p.Next
	}
}

// page pages through all as sorted by cmp, taking q.After as a key.
func page(all []registry.Entry, q registry.Query, cmp func(a, b string) int) registry.Page {
	all = slices.SortedFunc(slices.Values(all), func(a, b registry.Entry) int { return cmp(a.CustomerNumber, b.CustomerNumber) })
	start := 0
	if q.After != "" {
		start = slices.IndexFunc(all, func(e registry.Entry) bool { return cmp(e.CustomerNumber, q.After) > 0 })
		if start < 0 {
			start = len(all)
		}
	}
	end := min(start+registry.PageSize(q.Limit), len(all))
	p := registry.Page{Entries: all[start:end], Total: len(all)}
	if end < len(all) {
		p.Next = all[end-1].CustomerNumber
	}
	return p
}

// TestRulesCatchBrokenRegistries runs each rule against registries broken
// in the way the rule exists to catch.
func TestRulesCatchBrokenRegistries(t *testing.T) {
	mutants := []struct {
		name, rule string
		mutate     func(m *mutant, seed []registry.Entry)
	}{
		{"Lookup drops Cc", "Lookup/SeededEntriesFound", func(m *mutant, _ []registry.Entry) {
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				e, err := m.Memory.Lookup(ctx, cn)
				e.Cc = nil
				return e, err
			}
		}},
		{"unknown gives no error", "Lookup/NotFound", func(m *mutant, _ []registry.Entry) {
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				e, err := m.Memory.Lookup(ctx, cn)
				if errors.Is(err, registry.ErrNotFound) {
					err = nil
				}
				return e, err
			}
		}},
		{"keys compared case-insensitively", "Lookup/KeysKeptExactly", func(m *mutant, seed []registry.Entry) {
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				for _, e := range seed {
					if strings.EqualFold(e.CustomerNumber, cn) {
						return e.Clone(), nil
					}
				}
				return registry.Entry{}, registry.ErrNotFound
			}
		}},
		{"leading zeros dropped", "Lookup/KeysKeptExactly", func(m *mutant, _ []registry.Entry) {
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				return m.Memory.Lookup(ctx, strings.TrimLeft(cn, "0"))
			}
		}},
		{"Lookup shares the stored slices", "Lookup/ResultBelongsToCaller", func(m *mutant, seed []registry.Entry) {
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				for _, e := range seed {
					if e.CustomerNumber == cn {
						return e, nil
					}
				}
				return registry.Entry{}, registry.ErrNotFound
			}
		}},
		{"Lookup ignores the context", "Lookup/CancelledContext", func(m *mutant, _ []registry.Entry) {
			m.lookup = func(_ context.Context, cn string) (registry.Entry, error) {
				return m.Memory.Lookup(context.Background(), cn)
			}
		}},
		{"Put never replaces", "Store/PutAddsAndReplaces", func(m *mutant, _ []registry.Entry) {
			m.put = func(ctx context.Context, e registry.Entry) error {
				if _, err := m.Memory.Lookup(ctx, e.CustomerNumber); err == nil {
					return nil
				}
				return m.Memory.Put(ctx, e)
			}
		}},
		{"Put lower-cases local parts", "Store/PutNormalizes", func(m *mutant, _ []registry.Entry) {
			m.put = func(ctx context.Context, e registry.Entry) error {
				e = e.Clone()
				for i := range e.To {
					e.To[i] = strings.ToLower(e.To[i])
				}
				return m.Memory.Put(ctx, e)
			}
		}},
		{"Put does not validate", "Store/PutInvalidChangesNothing", func(m *mutant, _ []registry.Entry) {
			m.put = func(ctx context.Context, e registry.Entry) error {
				if err := m.Memory.Put(ctx, e); err != nil && e.CustomerNumber != "" {
					return m.Memory.Put(ctx, registry.Entry{CustomerNumber: strings.TrimSpace(e.CustomerNumber), To: []string{"fallback@example.fi"}})
				}
				return nil
			}
		}},
		{"Put keeps the caller's slices", "Store/PutKeepsNoReference", func(m *mutant, _ []registry.Entry) {
			kept := map[string]registry.Entry{}
			m.put = func(ctx context.Context, e registry.Entry) error {
				kept[e.CustomerNumber] = e
				return m.Memory.Put(ctx, e)
			}
			m.lookup = func(ctx context.Context, cn string) (registry.Entry, error) {
				if e, ok := kept[cn]; ok {
					return e.Clone(), nil
				}
				return m.Memory.Lookup(ctx, cn)
			}
		}},
		{"Delete of a missing entry succeeds", "Store/Delete", func(m *mutant, _ []registry.Entry) {
			m.delete = func(ctx context.Context, cn string) error {
				if err := m.Memory.Delete(ctx, cn); !errors.Is(err, registry.ErrNotFound) {
					return err
				}
				return nil
			}
		}},
		{"Delete ignores the context", "Store/CancelledContext", func(m *mutant, _ []registry.Entry) {
			m.delete = func(_ context.Context, cn string) error { return m.Memory.Delete(context.Background(), cn) }
		}},
		{"List orders case-insensitively", "Lister/OrderAndPages", func(m *mutant, _ []registry.Entry) {
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				return page(entries(m.Memory), q, func(a, b string) int {
					return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
				}), nil
			}
		}},
		{"List ignores the maximum page size", "Lister/PageSize", func(m *mutant, _ []registry.Entry) {
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				if q.Limit > registry.MaxPageSize {
					return registry.Page{Entries: entries(m.Memory), Total: registry.MaxPageSize + 1}, nil
				}
				return m.Memory.List(context.Background(), q)
			}
		}},
		{"search is case-sensitive", "Lister/Search", func(m *mutant, _ []registry.Entry) {
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				var found []registry.Entry
				for _, e := range entries(m.Memory) {
					if strings.HasPrefix(e.CustomerNumber, q.Search) || slices.ContainsFunc(append(e.To, e.Cc...), func(a string) bool { return strings.Contains(a, q.Search) }) {
						found = append(found, e)
					}
				}
				return page(found, q, strings.Compare), nil
			}
		}},
		{"List pages by offset", "Lister/StableUnderWrites", func(m *mutant, _ []registry.Entry) {
			offsets := map[string]int{}
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				all := entries(m.Memory)
				start := offsets[q.After]
				end := min(start+registry.PageSize(q.Limit), len(all))
				p := registry.Page{Entries: all[start:end], Total: len(all)}
				if end < len(all) {
					p.Next = all[end-1].CustomerNumber
					offsets[p.Next] = end
				}
				return p, nil
			}
		}},
		{"List shares the stored slices", "Lister/ResultBelongsToCaller", func(m *mutant, seed []registry.Entry) {
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				return page(seed, q, strings.Compare), nil
			}
		}},
		{"List ignores the context", "Lister/CancelledContext", func(m *mutant, _ []registry.Entry) {
			m.list = func(_ context.Context, q registry.Query) (registry.Page, error) {
				return m.Memory.List(context.Background(), q)
			}
		}},
		{"Apply counts unchanged entries as changed", "Batcher/PutAndDelete", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				s, err := m.Memory.Apply(ctx, b)
				s.Changed, s.Unchanged = s.Changed+s.Unchanged, 0
				return s, err
			}
		}},
		{"ReplaceAll keeps other entries", "Batcher/ReplaceAll", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				b.ReplaceAll = false
				return m.Memory.Apply(ctx, b)
			}
		}},
		{"Apply skips the Cc of a batch that is normalized already", "Batcher/NormalizedBatch", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				if addressesNormalized(b) {
					b.Put = slices.Clone(b.Put)
					for i := range b.Put {
						b.Put[i].Cc = nil
					}
				}
				return m.Memory.Apply(ctx, b)
			}
		}},
		{"Apply trusts a batch whose addresses are normalized", "Batcher/InvalidBatchChangesNothing", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				if addressesNormalized(b) {
					for _, e := range b.Put {
						if e.CustomerNumber == "" || len(e.To) == 0 {
							return registry.Summary{}, nil
						}
					}
				}
				return m.Memory.Apply(ctx, b)
			}
		}},
		{"Put drops the profile", "Store/PutProfile", func(m *mutant, _ []registry.Entry) {
			m.put = func(ctx context.Context, e registry.Entry) error {
				if e.Profile.Valid() {
					e.Profile = ""
				}
				return m.Memory.Put(ctx, e)
			}
		}},
		{"Apply erases profiles", "Batcher/KeepsProfile", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				s, err := m.Memory.Apply(ctx, b)
				for _, e := range b.Put {
					if err == nil && e.Profile == "" {
						err = m.Memory.Put(ctx, e) // replaces the whole entry, profile included
					}
				}
				return s, err
			}
		}},
		{"Apply erases languages", "Batcher/KeepsLanguage", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				s, err := m.Memory.Apply(ctx, b)
				for _, e := range b.Put {
					if err == nil {
						err = m.Memory.Put(ctx, e) // replaces the whole entry, language included
					}
				}
				return s, err
			}
		}},
		{"Apply writes before validating", "Batcher/InvalidBatchChangesNothing", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				for i, e := range b.Put {
					if err := m.Memory.Put(ctx, e); err != nil {
						return registry.Summary{}, &registry.BatchError{Index: i, CustomerNumber: e.CustomerNumber, Err: err}
					}
				}
				return m.Memory.Apply(ctx, b)
			}
		}},
		{"Apply ignores a cancelled context", "Batcher/CancelledContext", func(m *mutant, _ []registry.Entry) {
			m.apply = func(_ context.Context, b registry.Batch) (registry.Summary, error) {
				return m.Memory.Apply(context.Background(), b)
			}
		}},
		{"Apply changes entries one by one", "Batcher/CancelDuringApply", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				for _, e := range entries(m.Memory) {
					if err := ctx.Err(); err != nil {
						return registry.Summary{}, err
					}
					if err := m.Memory.Delete(ctx, e.CustomerNumber); err != nil {
						return registry.Summary{}, err
					}
				}
				for _, e := range b.Put {
					if err := ctx.Err(); err != nil {
						return registry.Summary{}, err
					}
					if err := m.Memory.Put(ctx, e); err != nil {
						return registry.Summary{}, err
					}
				}
				return registry.Summary{Added: len(b.Put)}, nil
			}
		}},
		{"Apply fails after applying", "Batcher/CancelDuringApply", func(m *mutant, _ []registry.Entry) {
			m.apply = func(ctx context.Context, b registry.Batch) (registry.Summary, error) {
				s, err := m.Memory.Apply(context.Background(), b)
				if err == nil {
					err = ctx.Err()
				}
				return s, err
			}
		}},
	}
	caught := map[string]bool{}
	for _, mt := range mutants {
		t.Run(mt.name, func(t *testing.T) {
			i := slices.IndexFunc(rules, func(r rule) bool { return r.name == mt.rule })
			if i < 0 {
				t.Fatalf("no rule %q", mt.rule)
			}
			r := rules[i]
			m := &mutant{Memory: newMemory(t, cloneEntries(r.seed))}
			mt.mutate(m, cloneEntries(r.seed))
			failures := check(t, r, m)
			if len(failures) == 0 {
				t.Fatalf("rule %s passed a registry where %s", r.name, mt.name)
			}
			if !strings.HasPrefix(failures[0], "registrytest: rule "+r.name+": ") {
				t.Errorf("failure does not name its rule: %q", failures[0])
			}
			t.Logf("caught: %s", failures[0])
			caught[r.name] = true
		})
	}
	for _, r := range rules {
		// A data race is caught by the race detector, not by the rule.
		if !caught[r.name] && r.name != "Lookup/Concurrent" {
			t.Errorf("no broken registry shows that rule %s catches anything", r.name)
		}
	}
}

func TestRunSkipsMissingInterfaces(t *testing.T) {
	mem := registry.NewMemory(nil)
	for _, c := range []struct {
		needs interfaces
		reg   registry.Registry
		want  string
	}{
		{store | lister | batcher, registry.LookupFunc(nil), "registry.Store"},
		{store | lister | batcher, struct{ registry.Registry }{mem}, "registry.Store"},
		{store | lister | batcher, struct{ registry.Store }{mem}, "registry.Lister"},
		{lister | batcher, struct{ registry.Lister }{mem}, "registry.Batcher"},
		{store | lister | batcher, mem, ""},
		{0, registry.LookupFunc(nil), ""},
	} {
		if got := c.needs.missing(c.reg); got != c.want {
			t.Errorf("missing(%T) = %q, want %q", c.reg, got, c.want)
		}
	}
}

// TestSeedsAreNormalized guards the kit's own data: the rules compare
// lookups with the seeds, so the seeds must be what a registry stores.
func TestSeedsAreNormalized(t *testing.T) {
	for _, r := range rules {
		seen := map[string]bool{}
		for _, e := range r.seed {
			n, err := e.Normalize()
			if err != nil || !n.Equal(e) {
				t.Errorf("rule %s: seed entry %+v is not normalized: %+v, %v", r.name, e, n, err)
			}
			if seen[e.CustomerNumber] {
				t.Errorf("rule %s: seed customer number %q appears twice", r.name, e.CustomerNumber)
			}
			seen[e.CustomerNumber] = true
		}
	}
}

func TestCancelAtCheck(t *testing.T) {
	ctx := CancelAtCheck(t.Context(), 3)
	for i := 1; i <= 4; i++ {
		err := ctx.Err()
		select {
		case <-ctx.Done():
			if i < 3 {
				t.Errorf("Done closed before check %d", i)
			}
		default:
			if i >= 3 {
				t.Errorf("Done open after check %d", i)
			}
		}
		if want := i >= 3; (err != nil) != want || err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("check %d: Err() = %v", i, err)
		}
	}
}

func TestFailing(t *testing.T) {
	want := errors.New("directory offline")
	e, err := Failing(want).Lookup(t.Context(), basicSeed[0].CustomerNumber)
	if err != want || e.To != nil {
		t.Errorf("Lookup = %+v, %v; want the zero Entry and %v", e, err, want)
	}
}

// addressesNormalized reports whether every address of b's entries is as
// address.Parse returns it: what a registry that trusted normalized
// batches would skip checking.
func addressesNormalized(b registry.Batch) bool {
	for _, e := range b.Put {
		for _, a := range append(slices.Clone(e.To), e.Cc...) {
			if p, err := address.Parse(a); err != nil || p != a {
				return false
			}
		}
	}
	return true
}
