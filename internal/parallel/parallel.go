// Package parallel runs the independent steps of a batch (parsing,
// composing) on every processor.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(0) … f(n-1) on up to GOMAXPROCS goroutines, each taking the
// next index when it is free, and returns when all calls have returned.
// With one processor, or n ≤ 1, it calls f in order on the calling
// goroutine.
func For(n int, f func(int)) { ForWorkers(runtime.GOMAXPROCS(0), n, f) }

// ForWorkers is For on up to workers goroutines (1 or fewer: in order on
// the calling goroutine), for a caller that keeps cores for other work.
func ForWorkers(workers, n int, f func(int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}
