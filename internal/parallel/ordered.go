package parallel

import "sync"

// Ordered runs f(0) … f(n-1) for a caller that takes the results in
// order while doing other work between them (EnqueueAll composes
// documents and stores each hundred while the next is composed): workers
// goroutines take the next index as they are free, and the caller, when
// it waits in Through, takes indexes too, so that no core idles while
// there is work. The workers run at most ahead indexes beyond the last
// Through, which bounds what waits in memory.
type Ordered struct {
	n, ahead int
	f        func(int)

	mu      sync.Mutex
	changed *sync.Cond
	next    int    // the next index to take
	limit   int    // the workers take indexes below it
	done    []bool // which calls have returned
	through int    // every call below it has returned
}

// NewOrdered starts workers goroutines (none for 0 or fewer) running f on
// the n indexes (none for 0 or fewer); see Ordered. Call Through(n) before dropping it, or the
// workers wait for ever.
func NewOrdered(n, workers, ahead int, f func(int)) *Ordered {
	n = max(n, 0)
	o := &Ordered{n: n, ahead: max(ahead, 1), f: f, done: make([]bool, n)}
	o.changed = sync.NewCond(&o.mu)
	for range min(workers, n-1) {
		go func() {
			o.mu.Lock()
			defer o.mu.Unlock()
			for {
				for o.next < o.n && o.next >= o.limit {
					o.changed.Wait()
				}
				if o.next >= o.n {
					return
				}
				o.run()
			}
		}()
	}
	return o
}

// run calls f on the next index, with o.mu held except during the call.
func (o *Ordered) run() {
	i := o.next
	o.next++
	o.call(i)
	o.done[i] = true
	for o.through < o.n && o.done[o.through] {
		o.through++
	}
	o.changed.Broadcast()
}

// Through returns when the calls on indexes below k have returned,
// making them itself while it waits and there are indexes left, and lets
// the workers run on up to k+ahead.
func (o *Ordered) Through(k int) {
	k = min(k, o.n)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limit < k+o.ahead {
		o.limit = k + o.ahead
		o.changed.Broadcast()
	}
	for o.through < k {
		if o.next < o.n && o.next < o.limit {
			o.run()
		} else {
			o.changed.Wait()
		}
	}
}

// call calls f(i) with o.mu unlocked, and locks it again even when f
// panics, so that the panic, not the unlock of an unlocked mutex, is what
// is reported.
func (o *Ordered) call(i int) {
	o.mu.Unlock()
	defer o.mu.Lock()
	o.f(i)
}
