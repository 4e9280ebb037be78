//go:build unix

package smtp_test

import (
	"context"
	"fmt"
	netsmtp "net/smtp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/internal/testmsg"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// BenchmarkSMTP sends the same message with this package's transport
// ("jakelu") and with the standard library's net/smtp reusing one
// connection per worker ("netsmtp", the baseline; it is given the message
// already composed), with 1 and 20 concurrent senders. The server is
// transporttest.Server (in process, so CPU per message includes the
// server's work), or smtp-sink when JAKELU_SMTP_SINK names its binary.
func BenchmarkSMTP(b *testing.B) {
	addr := benchServer(b)
	msg := testmsg.Invoice()
	composed, err := transport.Compose(msg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("message: %d octets on the wire; server %s", len(composed.Data), addr)
	for _, c := range []int{1, 20} {
		b.Run(fmt.Sprintf("jakelu/c%d", c), func(b *testing.B) {
			tr, err := smtp.New(addr, &smtp.Options{TLS: smtp.NoTLS, MaxConnections: c})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			ctx := context.Background()
			runWorkers(b, c, len(composed.Data), func() (func() error, func()) {
				return func() error {
					_, err := tr.Send(ctx, msg)
					return err
				}, func() {}
			})
		})
		b.Run(fmt.Sprintf("netsmtp/c%d", c), func(b *testing.B) {
			runWorkers(b, c, len(composed.Data), func() (func() error, func()) {
				cl, err := netsmtp.Dial(addr)
				if err != nil {
					b.Fatal(err)
				}
				if err := cl.Hello("localhost"); err != nil {
					b.Fatal(err)
				}
				return func() error {
					if err := cl.Mail(composed.From); err != nil {
						return err
					}
					if err := cl.Rcpt(composed.RcptTo[0]); err != nil {
						return err
					}
					w, err := cl.Data()
					if err != nil {
						return err
					}
					if _, err := w.Write(composed.Data); err != nil {
						return err
					}
					return w.Close()
				}, func() { cl.Quit() }
			})
		})
	}
}

// runWorkers runs b.N sends spread over c workers, each set up by newWorker
// (which returns the send function and a cleanup), and reports messages
// per second and CPU time (user + system, of the whole process) per
// message.
func runWorkers(b *testing.B, c, size int, newWorker func() (send func() error, done func())) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	before := cpuTime()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range c {
		wg.Go(func() {
			send, done := newWorker()
			defer done()
			for left.Add(-1) >= 0 {
				if err := send(); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d sends failed, first: %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/msg")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServer returns the address of the server the benchmark sends to.
func benchServer(b *testing.B) string {
	if addr := sinkAddr(b); addr != "" {
		return addr
	}
	return transporttest.NewServer(b, &transporttest.Script{Discard: true}).Addr()
}
