package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// countingSigner is a crypto.Signer that records how many of its Sign
// calls run at once, and panics when told to.
type countingSigner struct {
	ed25519.PrivateKey
	in, most atomic.Int64
	panics   bool
}

// Sign counts the call, gives the other goroutines a chance to run into
// the limiter meanwhile, and signs with the Ed25519 key (or panics).
func (s *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	n := s.in.Add(1)
	defer s.in.Add(-1)
	for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
	}
	if s.panics {
		panic("host app's signer failed")
	}
	for range 10 {
		runtime.Gosched()
	}
	return s.PrivateKey.Sign(r, digest, opts)
}

// newCountingSigner returns a countingSigner with a new Ed25519 key.
func newCountingSigner(t *testing.T) *countingSigner {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &countingSigner{PrivateKey: k}
}

// TestLimiterBound signs from many goroutines at once: never more than
// GOMAXPROCS operations run at once (GOMAXPROCS-1 unless a waiter
// borrows the free P), every signature is made and verifies, and the
// limiter ends empty.
func TestLimiterBound(t *testing.T) {
	var l limiter
	s := newCountingSigner(t)
	digest := make([]byte, 32)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 4 * runtime.GOMAXPROCS(0) * 4 {
		wg.Go(func() {
			for range 20 {
				sig, err := l.sign(s, digest, crypto.Hash(0))
				if err != nil || !ed25519.Verify(s.Public().(ed25519.PublicKey), digest, sig) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Errorf("%d signatures failed or do not verify", n)
	}
	if most, limit := s.most.Load(), int64(runtime.GOMAXPROCS(0)); most < 1 || most > limit {
		t.Errorf("at most %d ran at once, want 1 to GOMAXPROCS (%d)", most, limit)
	}
	if l.running != 0 || len(l.waiting) != 0 {
		t.Errorf("limiter not empty after: %d running, %d waiting", l.running, len(l.waiting))
	}
}

// TestLimiterPanic: a host app's crypto.Signer that panics gives its turn
// back, so that signing goes on.
func TestLimiterPanic(t *testing.T) {
	var l limiter
	s := newCountingSigner(t)
	s.panics = true
	for range signingLimit() + 1 {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the signer's panic did not reach the caller")
				}
			}()
			l.sign(s, make([]byte, 32), crypto.Hash(0))
		}()
	}
	s.panics = false
	if _, err := l.sign(s, make([]byte, 32), crypto.Hash(0)); err != nil {
		t.Fatal(err)
	}
	if l.running != 0 || len(l.waiting) != 0 {
		t.Errorf("limiter not empty after: %d running, %d waiting", l.running, len(l.waiting))
	}
}

// TestLimiterSignError: a Sign error of the host app's signer reaches the
// caller.
func TestLimiterSignError(t *testing.T) {
	var l limiter
	want := errors.New("HSM unreachable")
	_, err := l.sign(failingSigner{want}, make([]byte, 32), crypto.SHA256)
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}

// failingSigner is a crypto.Signer whose Sign fails with err.
type failingSigner struct{ err error }

// Public returns nil: the limiter does not look at the key.
func (f failingSigner) Public() crypto.PublicKey { return nil }

// Sign fails.
func (f failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, f.err }
