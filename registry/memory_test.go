package registry_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/registrytest"
)

func newMemory(t *testing.T, seed []registry.Entry) registry.Registry {
	t.Helper()
	m := registry.NewMemory(nil)
	if _, err := m.Apply(t.Context(), registry.Batch{Put: seed, ReplaceAll: true}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMemoryConformance(t *testing.T) {
	registrytest.Run(t, newMemory)
}

func TestMemoryNow(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := registry.NewMemory(&registry.MemoryOptions{Now: func() time.Time { return clock }})
	e := registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}}
	if err := m.Put(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	first := clock
	clock = clock.Add(time.Hour)
	for _, step := range []struct {
		name string
		do   func() error
		want time.Time
	}{
		{"Put of an equal entry", func() error { return m.Put(t.Context(), e) }, first},
		{"Apply of an equal entry", func() error {
			_, err := m.Apply(t.Context(), registry.Batch{Put: []registry.Entry{e}})
			return err
		}, first},
		{"Apply of a changed entry", func() error {
			_, err := m.Apply(t.Context(), registry.Batch{Put: []registry.Entry{{CustomerNumber: "1", To: []string{"b@example.fi"}}}})
			return err
		}, clock},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got, err := m.Lookup(t.Context(), "1")
		if err != nil || !got.UpdatedAt.Equal(step.want) {
			t.Errorf("after %s: UpdatedAt %v, %v; want %v", step.name, got.UpdatedAt, err, step.want)
		}
	}
}

// TestMemoryListEmpty lists a directory that is empty, new and emptied.
func TestMemoryListEmpty(t *testing.T) {
	m := registry.NewMemory(nil)
	for _, b := range []registry.Batch{
		{}, // nothing: a new directory
		{Put: []registry.Entry{{CustomerNumber: "1", To: []string{"a@example.fi"}}}},
		{ReplaceAll: true}, // deletes everything
	} {
		if _, err := m.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		p, err := m.List(t.Context(), registry.Query{})
		if want := len(b.Put); err != nil || p.Total != want || len(p.Entries) != want || p.Next != "" {
			t.Errorf("after Apply(%+v): List = %+v, %v; want %d entries", b, p, err, want)
		}
	}
}

// model is the contract of registry.Memory written the simplest way, for
// TestMemoryAgreesWithModel.
type model map[string]registry.Entry

func (md model) apply(b registry.Batch) (registry.Summary, error) {
	nb, err := b.Normalize()
	if err != nil {
		return registry.Summary{}, err
	}
	var s registry.Summary
	next := model{}
	if !nb.ReplaceAll {
		maps.Copy(next, md)
	}
	for _, e := range nb.Put {
		old, ok := md[e.CustomerNumber]
		if e.Language == "" && ok {
			e.Language = old.Language
		}
		switch {
		case !ok:
			s.Added++
		case old.Equal(e):
			s.Unchanged++
		default:
			s.Changed++
		}
		next[e.CustomerNumber] = e
	}
	for _, cn := range nb.Delete {
		if _, ok := next[cn]; ok {
			delete(next, cn)
			s.Deleted++
		}
	}
	if nb.ReplaceAll {
		s.Deleted = len(md) - s.Changed - s.Unchanged
	}
	clear(md)
	maps.Copy(md, next)
	return s, nil
}

// randomEntry returns an entry for one of n customer numbers, sometimes
// with a language, a copy address, two spellings of one address or an
// address Normalize must rewrite.
func randomEntry(rng *rand.Rand, n int) registry.Entry {
	cn := fmt.Sprintf("%06d", rng.IntN(n))
	e := registry.Entry{CustomerNumber: cn, To: []string{fmt.Sprintf("a%d@x%d.example", rng.IntN(3), rng.IntN(2))}}
	switch rng.IntN(8) {
	case 0:
		e.Language = []string{"fi", "sv"}[rng.IntN(2)]
	case 1:
		e.Cc = []string{"kopio@x.example"}
	case 2:
		e.To = append(e.To, strings.ToUpper(e.To[0][:2])+e.To[0][2:])
	case 3:
		e.To[0] = "Name <" + e.To[0] + ">"
	}
	return e
}

// TestMemoryAgreesWithModel applies random batches, large enough to be
// checked in several chunks and spread over every shard, with and without
// ReplaceAll, deletes, languages and entries to normalize, and random Puts
// and Deletes, and compares Memory with the model after each step.
func TestMemoryAgreesWithModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, md := registry.NewMemory(nil), model{}
	const numbers = 20_000
	for step := range 40 {
		var b registry.Batch
		seen := map[string]bool{}
		for range rng.IntN(12_000) {
			if e := randomEntry(rng, numbers); !seen[e.CustomerNumber] {
				seen[e.CustomerNumber] = true
				b.Put = append(b.Put, e)
			}
		}
		if b.ReplaceAll = step%5 == 4; !b.ReplaceAll {
			for range rng.IntN(50) {
				if cn := fmt.Sprintf("%06d", rng.IntN(numbers)); !seen[cn] {
					seen[cn] = true
					b.Delete = append(b.Delete, cn)
				}
			}
		}
		got, err := m.Apply(t.Context(), b)
		want, wantErr := md.apply(b)
		if err != nil || wantErr != nil || got != want {
			t.Fatalf("step %d: Apply = %+v, %v; the model says %+v, %v", step, got, err, want, wantErr)
		}
		for range 2000 {
			e := randomEntry(rng, numbers)
			if rng.IntN(4) == 0 {
				err, wantErr := m.Delete(t.Context(), e.CustomerNumber), error(nil)
				if _, ok := md[e.CustomerNumber]; ok {
					delete(md, e.CustomerNumber)
				} else {
					wantErr = registry.ErrNotFound
				}
				if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
					t.Fatalf("step %d: Delete(%q) = %v, want %v", step, e.CustomerNumber, err, wantErr)
				}
				continue
			}
			if err := m.Put(t.Context(), e); err != nil {
				t.Fatalf("step %d: Put: %v", step, err)
			}
			md[e.CustomerNumber], _ = e.Normalize()
		}
		checkAgainstModel(t, m, md)
	}
}

// checkAgainstModel checks that m holds exactly the entries of md.
func checkAgainstModel(t *testing.T, m *registry.Memory, md model) {
	t.Helper()
	var got []registry.Entry
	for q := (registry.Query{Limit: registry.MaxPageSize}); ; {
		p, err := m.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Entries...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if len(got) != len(md) {
		t.Fatalf("Memory holds %d entries, the model %d", len(got), len(md))
	}
	for _, e := range got {
		want, ok := md[e.CustomerNumber]
		if !ok || !want.Equal(e) || e.UpdatedAt.IsZero() {
			t.Fatalf("Memory holds %+v, the model %+v", e, want)
		}
		if l, err := m.Lookup(t.Context(), e.CustomerNumber); err != nil || !l.Equal(e) {
			t.Fatalf("Lookup(%q) = %+v, %v; List gave %+v", e.CustomerNumber, l, err, e)
		}
	}
}

// TestMemoryApplyReportsFirstProblem checks that Apply refuses a batch with
// the problem Batch.Normalize reports first, wherever the problems are in a
// batch checked in parallel chunks, and changes nothing.
func TestMemoryApplyReportsFirstProblem(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := registry.NewMemory(nil)
	seed := registry.Batch{Put: []registry.Entry{{CustomerNumber: "000001", To: []string{"seed@example.fi"}}}}
	if _, err := m.Apply(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	for range 30 {
		b := registry.Batch{Put: make([]registry.Entry, 10_000)}
		for i := range b.Put {
			b.Put[i] = registry.Entry{CustomerNumber: fmt.Sprintf("%06d", i), To: []string{fmt.Sprintf("a%d@example.fi", i)}}
		}
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b.Put))
			switch rng.IntN(4) {
			case 0:
				b.Put[i].To = []string{"not an address"}
			case 1:
				b.Put[i].CustomerNumber = b.Put[rng.IntN(len(b.Put))].CustomerNumber
			case 2:
				b.Put[i].CustomerNumber = " padded"
			default:
				b.Delete = append(b.Delete, b.Put[rng.IntN(len(b.Put))].CustomerNumber)
			}
		}
		_, want := b.Normalize()
		_, err := m.Apply(t.Context(), b)
		var got, wantBE *registry.BatchError
		if !errors.As(want, &wantBE) {
			continue // the changes happened to make a valid batch
		}
		if !errors.As(err, &got) || got.Index != wantBE.Index || got.CustomerNumber != wantBE.CustomerNumber || got.Error() != wantBE.Error() {
			t.Fatalf("Apply = %v, want %v", err, want)
		}
		checkAgainstModel(t, m, model{"000001": seed.Put[0]})
	}
}

// TestMemoryCancelDuringLargeApply cancels an Apply of a batch checked in
// several chunks and built in every shard at each of its context checks in
// turn: each failed Apply leaves the directory as it was.
func TestMemoryCancelDuringLargeApply(t *testing.T) {
	m, md := registry.NewMemory(nil), model{}
	rng := rand.New(rand.NewPCG(5, 6))
	first := registry.Batch{}
	for i := range 9000 {
		first.Put = append(first.Put, registry.Entry{CustomerNumber: fmt.Sprintf("%06d", i), To: []string{fmt.Sprintf("a%d@example.fi", i)}, Language: "fi"})
	}
	if _, err := m.Apply(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	md.apply(first)
	second := registry.Batch{Delete: []string{"000003"}}
	for range 9000 {
		second.Put = append(second.Put, randomEntry(rng, 12_000))
	}
	second.Put = slices.CompactFunc(slices.SortedFunc(slices.Values(second.Put), func(a, b registry.Entry) int {
		return strings.Compare(a.CustomerNumber, b.CustomerNumber)
	}), func(a, b registry.Entry) bool { return a.CustomerNumber == b.CustomerNumber })
	second.Put = slices.DeleteFunc(second.Put, func(e registry.Entry) bool { return e.CustomerNumber == "000003" })
	for n := 1; ; n++ {
		_, err := m.Apply(registrytest.CancelAtCheck(t.Context(), n), second)
		if err == nil {
			md.apply(second)
			checkAgainstModel(t, m, md)
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Apply cancelled at check %d: %v", n, err)
		}
		checkAgainstModel(t, m, md)
	}
}
