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
func For(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
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
