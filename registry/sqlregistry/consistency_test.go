package sqlregistry_test

// The replace-under-load test runs here for every implementation, Memory
// included, because this package's tests own the databases.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/registrytest"
)

// directory is what the replace-under-load test needs of an implementation.
type directory interface {
	registry.Batcher
	registry.Lister
}

// poison turns a batch and context into an Apply that fails after it has
// started writing.
type poison func(ctx context.Context, b registry.Batch) (context.Context, registry.Batch)

// Three directories of 400 customers: A (c0000-c0399) and B (c0200-c0599)
// alternate; F (c0100-c0499) is only ever applied by failing Applies. They
// differ in every address, so any entry read says which it came from.
const generationSize = 400

var generationStart = map[string]int{"a": 0, "b": 200, "f": 100}

func generationBatch(g string) registry.Batch {
	b := registry.Batch{ReplaceAll: true}
	for i := generationStart[g]; i < generationStart[g]+generationSize; i++ {
		cn := fmt.Sprintf("c%04d", i)
		b.Put = append(b.Put, registry.Entry{CustomerNumber: cn, To: []string{cn + "@" + g + ".example"}})
	}
	return b
}

// generationOf returns the generation an entry belongs to, or "" if it
// belongs to none that was ever applied successfully.
func generationOf(e registry.Entry) string {
	if len(e.To) != 1 || len(e.Cc) != 0 {
		return ""
	}
	local, domain, _ := strings.Cut(e.To[0], "@")
	g := strings.TrimSuffix(domain, ".example")
	start, ok := generationStart[g]
	var n int
	if !ok || g == "f" || local != e.CustomerNumber {
		return ""
	}
	if _, err := fmt.Sscanf(e.CustomerNumber, "c%04d", &n); err != nil || fmt.Sprintf("c%04d", n) != e.CustomerNumber || n < start || n >= start+generationSize {
		return ""
	}
	return g
}

// wholeGeneration returns the generation a page holds entirely and nothing
// else, or "".
func wholeGeneration(p registry.Page) string {
	if len(p.Entries) != generationSize || p.Total != generationSize || p.Next != "" {
		return ""
	}
	g := generationOf(p.Entries[0])
	for i, e := range p.Entries {
		if generationOf(e) != g || e.CustomerNumber != fmt.Sprintf("c%04d", generationStart[g]+i) {
			return ""
		}
	}
	return g
}

// replaceUnderLoad makes n Applies of A and B in turn, with every third
// Apply a failing F, while two readers list the whole directory (one statement,
// one snapshot) and look up single entries. A list read is consistent if it
// holds all of A or all of B and nothing else; a lookup is consistent if it
// finds nothing or an entry of A or B. After each Apply the writer also
// checks that the directory is the last one applied successfully, so that
// an Apply that fails half-way and leaves its writes behind is caught even
// when no reader looked at the right moment.
func replaceUnderLoad(t *testing.T, dir directory, fail poison, n int) (reads, inconsistent int64) {
	t.Helper()
	ctx := t.Context()
	if _, err := dir.Apply(ctx, generationBatch("a")); err != nil {
		t.Fatal(err)
	}
	var nReads, nBad atomic.Int64
	var mu sync.Mutex
	var examples []string
	bad := func(format string, args ...any) {
		if nBad.Add(1) <= 3 {
			mu.Lock()
			examples = append(examples, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
	}
	listed := func() (registry.Page, error) {
		nReads.Add(1)
		return dir.List(ctx, registry.Query{Limit: registry.MaxPageSize})
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 3))
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if i%4 == 0 {
					p, err := listed()
					if err != nil {
						bad("List: %v", err)
					} else if wholeGeneration(p) == "" {
						bad("a List read %d entries (Total %d) that are not one whole directory: %q…", len(p.Entries), p.Total, customerNumbers(p.Entries, 3))
					}
					continue
				}
				cn := fmt.Sprintf("c%04d", rng.IntN(600))
				nReads.Add(1)
				e, err := dir.Lookup(ctx, cn)
				switch {
				case errors.Is(err, registry.ErrNotFound):
				case err != nil:
					bad("Lookup(%q): %v", cn, err)
				case generationOf(e) == "":
					bad("Lookup(%q) = %q, from no directory applied successfully", cn, e.To)
				}
			}
		})
	}
	current := "a"
	for i := range n {
		if i%3 == 2 {
			fctx, fb := fail(ctx, generationBatch("f"))
			if _, err := dir.Apply(fctx, fb); err == nil {
				t.Errorf("Apply %d: the injected fault did not make it fail", i)
			}
		} else {
			current = map[string]string{"a": "b", "b": "a"}[current]
			if _, err := dir.Apply(ctx, generationBatch(current)); err != nil {
				t.Fatalf("Apply %d: %v", i, err)
			}
		}
		if p, err := listed(); err != nil || wholeGeneration(p) != current {
			bad("after Apply %d the directory holds %d entries (%q…), %v; want directory %s", i, len(p.Entries), customerNumbers(p.Entries, 3), err, current)
		}
	}
	close(done)
	wg.Wait()
	if len(examples) > 0 {
		t.Logf("inconsistent reads, for example:\n%s", strings.Join(examples, "\n"))
	}
	return nReads.Load(), nBad.Load()
}

func customerNumbers(entries []registry.Entry, n int) []string {
	var out []string
	for _, e := range entries[:min(n, len(entries))] {
		out = append(out, e.CustomerNumber)
	}
	return out
}

func TestReplaceUnderLoad(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		// Memory checks its context as Apply starts, as it starts building
		// the new directory aside and before it swaps it in: the third
		// check fails after the whole new directory was built.
		reads, bad := replaceUnderLoad(t, registry.NewMemory(nil), func(ctx context.Context, b registry.Batch) (context.Context, registry.Batch) {
			return registrytest.CancelAtCheck(ctx, 3), b
		}, 30)
		report(t, "memory", reads, bad)
	})
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t, false)
		for _, q := range b.fault {
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		// The database refuses a poisoned entry in the middle of the
		// batch: Apply fails while it writes entries, after it deleted
		// those missing from the batch and (SQLite, with fewer rows per
		// statement) wrote the first entries.
		reads, bad := replaceUnderLoad(t, newRegistry(t, db, b.dialect, "acme", nil), func(ctx context.Context, batch registry.Batch) (context.Context, registry.Batch) {
			e := registry.Entry{CustomerNumber: "c0450-poison", To: []string{"poison@f.example"}}
			batch.Put = slices.Insert(batch.Put, len(batch.Put)/2, e)
			return ctx, batch
		}, 30)
		report(t, b.name, reads, bad)
	})
}

func report(t *testing.T, impl string, reads, bad int64) {
	t.Helper()
	fmt.Printf("CONSISTENCY impl=%s reads=%d inconsistent=%d\n", impl, reads, bad)
	if bad != 0 {
		t.Errorf("%d of %d reads were inconsistent", bad, reads)
	}
}

// nonAtomic is a broken Batcher that applies a batch entry by entry.
type nonAtomic struct{ *registry.Memory }

func (m nonAtomic) Apply(ctx context.Context, b registry.Batch) (registry.Summary, error) {
	keep := map[string]bool{}
	for _, e := range b.Put {
		keep[e.CustomerNumber] = true
	}
	p, err := m.List(ctx, registry.Query{Limit: registry.MaxPageSize})
	if err != nil {
		return registry.Summary{}, err
	}
	for _, e := range p.Entries {
		if !keep[e.CustomerNumber] {
			if err := m.Delete(ctx, e.CustomerNumber); err != nil {
				return registry.Summary{}, err
			}
		}
	}
	for _, e := range b.Put {
		if err := m.Put(ctx, e); err != nil {
			return registry.Summary{}, err
		}
	}
	return registry.Summary{}, nil
}

// TestReplaceUnderLoadCatchesNonAtomicApply shows that the test above
// would catch an implementation whose failed Apply leaves writes behind.
func TestReplaceUnderLoadCatchesNonAtomicApply(t *testing.T) {
	reads, bad := replaceUnderLoad(t, nonAtomic{registry.NewMemory(nil)}, func(ctx context.Context, b registry.Batch) (context.Context, registry.Batch) {
		return registrytest.CancelAtCheck(ctx, 200), b
	}, 3)
	t.Logf("a non-atomic Apply: reads=%d inconsistent=%d", reads, bad)
	if bad == 0 {
		t.Error("the replace-under-load test found no inconsistent read in an Apply that changes entries one by one")
	}
}
