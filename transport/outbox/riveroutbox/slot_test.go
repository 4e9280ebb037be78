package riveroutbox

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlot checks the bound on the workers' statements: at most
// MaxStatements run at once, each one's error is its own, and a worker
// whose job ends while it waits for a slot gives up without running.
func TestSlot(t *testing.T) {
	o := &Outbox{slots: make(chan struct{}, 2)}
	var running, most atomic.Int32
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			errs[i] = o.slot(t.Context(), func() error {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				running.Add(-1)
				if i%2 == 1 {
					return errors.New("odd")
				}
				return nil
			})
		})
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("%d statements at once, want 2", m)
	}
	for i, err := range errs {
		if (err != nil) != (i%2 == 1) {
			t.Errorf("call %d: %v", i, err)
		}
	}

	// Both slots taken: a job that ends while waiting does not run.
	hold := make(chan struct{})
	for range 2 {
		wg.Go(func() { o.slot(t.Context(), func() error { <-hold; return nil }) })
	}
	for len(o.slots) < 2 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	ran := false
	if err := o.slot(ctx, func() error { ran = true; return nil }); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("waiting past the job's end: %v, ran %v", err, ran)
	}
	close(hold)
	wg.Wait()
}
