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
		for _, w := range []int{-1, 0, 1, 3} {
			ForWorkers(w, n, func(i int) { calls[i].Add(1) })
		}
		for i := range calls {
			if got := calls[i].Load(); got != 5 {
				t.Errorf("n=%d: index %d called %d times, want 5 (For and four ForWorkers)", n, i, got)
			}
		}
	}
}
