package dkim_test

import (
	"context"
	"fmt"
	"net/mail"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/dkim"
	"github.com/jakelu/jakelu/transport/internal/testmsg"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// composedOfSize returns a composed invoice message of about size octets
// (a PDF attachment fills it up).
func composedOfSize(b *testing.B, size int) []byte {
	m := &transport.Message{
		From: mail.Address{Name: "Acme Oy", Address: "billing@example.fi"}, To: []mail.Address{{Address: "buyer@example.com"}},
		Subject: "Invoice 1001", Text: "Hello,\n\nthe invoice is attached.\n", MessageID: "1001@example.fi",
		Date: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC),
	}
	c, err := transport.Compose(m, nil)
	if err != nil {
		b.Fatal(err)
	}
	if rest := size - len(c.Data) - 200; rest > 0 {
		m.Attachments = []transport.Attachment{{Filename: "invoice.pdf", ContentType: "application/pdf", Data: pdf(rest * 3 / 4)}}
		if c, err = transport.Compose(m, nil); err != nil {
			b.Fatal(err)
		}
	}
	return c.Data
}

// BenchmarkSign signs a 20 KB and a 150 KB composed message with one
// RSA-2048 or Ed25519 key and reports µs per message (and the process's
// CPU time per message, cpu-µs/msg).
func BenchmarkSign(b *testing.B) {
	for _, size := range []int{20 << 10, 150 << 10} {
		data := composedOfSize(b, size)
		for _, kind := range []string{"rsa", "ed25519"} {
			keys := []dkim.Key{key(b, kind, "example.fi", "sel")}
			b.Run(fmt.Sprintf("%s/%dKB", kind, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				cpu0, cpuOK := processCPU()
				for b.Loop() {
					if _, err := dkim.Sign(data, keys, time.Time{}); err != nil {
						b.Fatal(err)
					}
				}
				cpu1, _ := processCPU()
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/msg")
				if cpuOK { // CPU time, less disturbed by other work on the machine
					b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
				}
			})
		}
	}
}

// BenchmarkSMTPSigned sends the SMTP benchmark's message (testmsg.Invoice)
// to the in-process test server, which keeps no messages as in the SMTP
// benchmark (kept, they grew the heap the collector marks with every
// message sent), with 1 and 20 concurrent senders, unsigned and through
// a dkim.Transport (RSA-2048, Ed25519), and reports messages per second:
// the cost of signing on the sending rate. c20-slow sends to a server
// that takes 20 ms to accept a message: then the senders wait and the
// CPU is free for signing, as with a relay across a network. It also reports
// the process's CPU time per message (cpu-µs/msg) and the cores it kept
// busy (cores), which show whether a run is CPU-bound and what signing
// costs when the machine is shared, and on Linux the cores' worth of time
// its threads waited for a CPU (wait-cores), mostly one other processes
// held.
func BenchmarkSMTPSigned(b *testing.B) {
	fast := transporttest.NewServer(b, &transporttest.Script{Discard: true}) // as BenchmarkSMTP
	// slow takes 20 ms to accept each message, as a relay that writes it
	// to disk and scans it may: senders wait, and signing can use the CPU
	// meanwhile.
	slow := transporttest.NewServer(b, &transporttest.Script{Discard: true, Respond: func(c transporttest.Command) transporttest.Response {
		if c.Verb == "." {
			return transporttest.Response{Delay: 20 * time.Millisecond}
		}
		return transporttest.Response{}
	}})
	msg := testmsg.Invoice()
	runs := []struct {
		name string
		c    int
		srv  *transporttest.Server
	}{{"c1", 1, fast}, {"c20", 20, fast}, {"c20-slow", 20, slow}}
	for _, run := range runs {
		c := run.c
		for _, mode := range []string{"unsigned", "rsa", "ed25519"} {
			b.Run(run.name+"/"+mode, func(b *testing.B) {
				st, err := smtp.New(run.srv.Addr(), &smtp.Options{TLS: smtp.NoTLS, MaxConnections: c})
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				var tr transport.Transport = st
				if mode != "unsigned" {
					k := key(b, mode, "example.fi", "sel")
					if tr, err = dkim.New(st, dkim.Static{"*": {k}}, nil); err != nil {
						b.Fatal(err)
					}
				}
				var left, failed atomic.Int64
				left.Store(int64(b.N))
				var wg sync.WaitGroup
				b.ResetTimer()
				cpu0, cpuOK := processCPU()
				wait0, waitOK := processWait()
				for range c {
					wg.Go(func() {
						for left.Add(-1) >= 0 {
							if _, err := tr.Send(context.Background(), msg); err != nil {
								failed.Add(1)
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				cpu1, _ := processCPU()
				wait1, _ := processWait()
				if n := failed.Load(); n > 0 {
					b.Fatalf("%d of %d sends failed", n, b.N)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				if cpuOK {
					// The CPU the process (senders and the in-process
					// server) used per message, and the cores it kept
					// busy: unlike msgs/s, cpu-µs/msg hardly depends on
					// what else the machine runs, and on a machine of
					// its own a CPU-bound run sends cores/cpu-µs/msg.
					b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
					b.ReportMetric((cpu1-cpu0).Seconds()/b.Elapsed().Seconds(), "cores")
				}
				if waitOK {
					// The cores' worth of time the process's threads
					// were ready to run but waited for a CPU, held by
					// other processes (or by its own threads when more
					// were ready than there are CPUs): when it is not
					// near zero the run was short of CPU, and msgs/s
					// (always 10⁶·cores / cpu-µs/msg) says more about
					// the machine's load than about signing.
					b.ReportMetric((wait1-wait0).Seconds()/b.Elapsed().Seconds(), "wait-cores")
				}
			})
		}
	}
}
