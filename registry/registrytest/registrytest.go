package registrytest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jakelu/jakelu/registry"
)

// NewFunc returns a registry that holds exactly the entries in seed and
// nothing else, for one subtest. The entries are valid and normalized (see
// [registry.Entry.Normalize]); seed belongs to the function. It should
// release what it creates with t.Cleanup and call t.Fatal if it cannot
// create the registry.
type NewFunc func(t *testing.T, seed []registry.Entry) registry.Registry

// Run checks the registry that newRegistry returns against every rule of the
// [registry.Registry] contract, and of [registry.Store], [registry.Lister]
// and [registry.Batcher] if it implements them, each rule as a subtest
// named after it ("Lookup/NotFound", "Batcher/CancelDuringApply", …).
// Rules for an interface the registry does not implement are skipped. Each
// subtest calls newRegistry once; subtests do not run in parallel.
func Run(t *testing.T, newRegistry NewFunc) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			reg := newRegistry(t, cloneEntries(r.seed))
			if reg == nil {
				t.Fatal("registrytest: NewFunc returned a nil registry")
			}
			if missing := r.needs.missing(reg); missing != "" {
				t.Skipf("registrytest: the registry does not implement %s", missing)
			}
			r.check(&ruleT{tb: t, rule: r.name}, reg)
		})
	}
}

// Failing returns a registry whose Lookup always returns err and the zero
// Entry, for testing how code that uses a registry handles its failures.
// A nil err is replaced by an error saying so, so that the registry still
// fails.
func Failing(err error) registry.Registry {
	if err == nil {
		err = errors.New("registrytest: Failing(nil): this registry fails every lookup")
	}
	return registry.LookupFunc(func(context.Context, string) (registry.Entry, error) {
		return registry.Entry{}, err
	})
}

// CancelAtCheck returns a context, derived from parent for its values and
// deadline, that reports itself cancelled from the n-th call of its Err
// method on, closing its Done channel at that call. Its Done channel is not
// closed when parent is done.
//
// Passing it to an operation that checks its context makes the operation
// fail at exactly the n-th check, the same way on every run: a way to test
// that a [registry.Batcher] interrupted at any point leaves the directory as
// it was. Run uses it for the rule Batcher/CancelDuringApply. A nil parent
// means context.Background().
func CancelAtCheck(parent context.Context, n int) context.Context {
	if parent == nil {
		parent = context.Background()
	}
	return &checkCounter{Context: parent, left: max(n, 1), done: make(chan struct{})}
}

type checkCounter struct {
	context.Context
	mu   sync.Mutex
	left int // calls of Err until cancellation; 0 once cancelled
	done chan struct{}
}

// Done returns the channel that Err closes.
func (c *checkCounter) Done() <-chan struct{} { return c.done }

// Err counts the check and reports context.Canceled from the n-th on.
func (c *checkCounter) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left > 0 {
		if c.left--; c.left == 0 {
			close(c.done)
		}
	}
	if c.left == 0 {
		return context.Canceled
	}
	return nil
}

// tb is the part of *testing.T the rules use. The kit's own tests pass a
// recorder, to check that every rule catches the implementation it should.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Context() context.Context
}

// ruleT prefixes every failure with the rule's name.
type ruleT struct {
	tb
	rule string
}

// Errorf reports a failure of the rule.
func (t *ruleT) Errorf(format string, args ...any) {
	t.tb.Helper()
	t.tb.Errorf("registrytest: rule %s: "+format, append([]any{t.rule}, args...)...)
}

// Fatalf reports a failure of the rule and stops it.
func (t *ruleT) Fatalf(format string, args ...any) {
	t.tb.Helper()
	t.tb.Fatalf("registrytest: rule %s: "+format, append([]any{t.rule}, args...)...)
}

// interfaces is the set of optional interfaces a rule needs.
type interfaces uint8

const (
	store interfaces = 1 << iota
	lister
	batcher
)

// missing names the first interface in i that reg lacks, or returns "".
func (i interfaces) missing(reg registry.Registry) string {
	if _, ok := reg.(registry.Store); i&store != 0 && !ok {
		return "registry.Store"
	}
	if _, ok := reg.(registry.Lister); i&lister != 0 && !ok {
		return "registry.Lister"
	}
	if _, ok := reg.(registry.Batcher); i&batcher != 0 && !ok {
		return "registry.Batcher"
	}
	return ""
}

// rule is one checked property of the contract.
type rule struct {
	name  string
	needs interfaces
	seed  []registry.Entry
	check func(t tb, reg registry.Registry)
}

func cloneEntries(in []registry.Entry) []registry.Entry {
	out := make([]registry.Entry, len(in))
	for i, e := range in {
		out[i] = e.Clone()
	}
	return out
}
