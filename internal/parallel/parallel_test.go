package parallel

import (
	"sync/atomic"
	"testing"
)

// TestFor checks that every index is called exactly once, for batches
// smaller and larger than the number of processors.
func TestFor(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 1000} {
		calls := make([]atomic.Int32, n)
		For(n, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Errorf("n=%d: index %d called %d times", n, i, got)
			}
		}
	}
}

// TestOrdered checks that every index runs once, that Through returns
// only when every index below it has, and that the workers stay within
// ahead of the last Through.
func TestOrdered(t *testing.T) {
	for _, tt := range []struct{ n, workers, ahead, step int }{
		{0, 3, 10, 5}, {1, 3, 10, 5}, {7, 0, 1, 2}, {100, 1, 10, 10}, {1000, 3, 200, 100}, {1000, 8, 1, 7}, {250, 2, 0, 100},
	} {
		calls := make([]atomic.Int32, tt.n)
		var through atomic.Int64 // the last k passed to Through
		o := NewOrdered(tt.n, tt.workers, tt.ahead, func(i int) {
			if limit := int(through.Load()) + max(tt.ahead, 1); i >= limit && tt.n > 1 {
				t.Errorf("%+v: index %d run beyond %d", tt, i, limit)
			}
			calls[i].Add(1)
		})
		for k := tt.step; ; k += tt.step {
			through.Store(int64(min(k, tt.n)))
			o.Through(k)
			for i := range min(k, tt.n) {
				if calls[i].Load() != 1 {
					t.Fatalf("%+v: Through(%d) returned before index %d ran", tt, k, i)
				}
			}
			if k >= tt.n {
				break
			}
		}
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Errorf("%+v: index %d ran %d times", tt, i, got)
			}
		}
	}
}

// TestOrderedPanic checks that a panic of f on the caller's goroutine
// reaches the caller as that panic.
func TestOrderedPanic(t *testing.T) {
	o := NewOrdered(1, 0, 1, func(int) { panic("boom") })
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want the panic of f", v)
		}
	}()
	o.Through(1)
}
