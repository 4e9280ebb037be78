package dkim

import (
	"crypto"
	"crypto/rand"
	"runtime"
	"slices"
	"sync"
	"time"
)

// signing bounds the private-key operations of the process (all
// Transports and Sign calls) running at once; see limiter.
var signing limiter

// borrowAfter is how long a private-key operation waits for its turn
// before it may use the P [signingLimit] keeps free: two RSA-2048
// signatures or so. A wait that long means that signing, not the network,
// is what the process is short of.
const borrowAfter = 2 * time.Millisecond

// limiter lets at most [signingLimit] private-key operations run at once;
// the others wait their turn, first come first served, and one that has
// waited [borrowAfter] may run on the P kept free.
//
// Why: an RSA-2048 signature is about a millisecond of CPU in one piece,
// and the Go scheduler runs a goroutine that the network woke (a sender
// whose SMTP reply arrived, an in-process server's connection) after
// the goroutines already queued on its P: with a signer on every P and
// more queued, each such wake-up waits for signatures to finish. In
// BenchmarkSMTPSigned c20-slow (20 senders, a server that takes 20 ms per
// message, 2 CPUs and the machine to itself) a network wake-up then
// waited 1.1 ms on average before it ran (36 µs with the limit), four
// times per message, and RSA signing cut the sending rate by 19 % (755
// instead of 935 msgs/s) while the process used one core of two. Keeping
// one P free of signing, so that woken goroutines run at once, brings it
// to 892 msgs/s (-5 %), about what the signatures' CPU time explains.
// When signing is what the process is short of (a waiter has waited
// [borrowAfter]), the free P signs too, so a CPU-bound sender keeps all
// cores (GOMAXPROCS-1 alone gave c20, a server that answers at once,
// 831 instead of 1372 msgs/s; with borrowing 1241).
type limiter struct {
	mu      sync.Mutex
	running int             // operations running
	waiting []chan struct{} // the waiters, oldest first; closed to let one run
}

// signingLimit returns how many private-key operations may run at once:
// GOMAXPROCS-1, so that one P stays free to poll the network, but at
// least 1. It is read at every acquire, as GOMAXPROCS may change.
func signingLimit() int {
	return max(1, runtime.GOMAXPROCS(0)-1)
}

// sign signs digest with key when the limit allows; it waits at most for
// the operations running and queued before it (each a millisecond or so),
// so it takes no context. The turn is given back also when a host app's
// crypto.Signer panics.
func (l *limiter) sign(key crypto.Signer, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	l.acquire()
	defer l.release()
	return key.Sign(rand.Reader, digest, opts)
}

// acquire waits until the caller may run a private-key operation; the
// caller calls release after it.
func (l *limiter) acquire() {
	l.mu.Lock()
	if len(l.waiting) == 0 && l.running < signingLimit() {
		l.running++
		l.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	l.waiting = append(l.waiting, ch)
	l.mu.Unlock()
	t := time.NewTimer(borrowAfter)
	defer t.Stop()
	select {
	case <-ch: // release counted us as running
		return
	case <-t.C:
	}
	l.mu.Lock()
	if i := slices.Index(l.waiting, ch); i >= 0 && l.running < runtime.GOMAXPROCS(0) {
		l.waiting = slices.Delete(l.waiting, i, i+1)
		l.running++ // on the P kept free
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	<-ch
}

// release ends an operation acquire allowed and lets as many waiters run
// as the limit allows.
func (l *limiter) release() {
	l.mu.Lock()
	l.running--
	for n := signingLimit(); l.running < n && len(l.waiting) > 0; {
		ch := l.waiting[0]
		l.waiting = slices.Delete(l.waiting, 0, 1)
		l.running++
		close(ch)
	}
	l.mu.Unlock()
}
