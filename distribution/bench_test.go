package distribution_test

import (
	"context"
	"crypto/tls"
	"os"
	"runtime"
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// BenchmarkDistribute measures documents per second through Distribute for a
// 10 KB PEPPOL invoice: with the Recorder transport against docparse alone
// on the same bytes, and through the SMTP transport into the test server
// with 20 documents in flight. docs/s/core divides by GOMAXPROCS.
//
// The invoice has no embedded PDF, so "recorder" and "smtp-c20" render its
// invoice image (the largest cost of such a document, see BenchmarkRender
// in distribution/invoicepdf); "recorder-no-image" switches the image off and
// keeps the routing target: routing and composition add at most 30 % to
// parsing.
func BenchmarkDistribute(b *testing.B) {
	data, err := os.ReadFile("../docparse/testdata/ubl-peppol.xml")
	if err != nil {
		b.Fatal(err)
	}
	dir := registry.NewMemory(nil)
	if err := dir.Put(context.Background(), registry.Entry{CustomerNumber: "0004711", To: []string{"ap@haminalogistics.example"}, Cc: []string{"archive@haminalogistics.example"}}); err != nil {
		b.Fatal(err)
	}
	settings := distribution.Settings{Company: "bench", Enabled: true, Directory: true, From: "laskut@operaattori.example"}
	report := func(b *testing.B) {
		docs := float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(docs, "docs/s")
		b.ReportMetric(docs/float64(runtime.GOMAXPROCS(0)), "docs/s/core")
		b.SetBytes(int64(len(data)))
	}

	b.Run("parse-only", func(b *testing.B) {
		for b.Loop() {
			if _, err := docparse.Parse(data, nil); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})

	b.Run("recorder", func(b *testing.B) {
		var r *distribution.Router
		for i := 0; b.Loop(); i++ {
			if i%1000 == 0 { // a fresh Recorder now and then keeps its record small
				if r, err = distribution.NewRouter(dir, &transporttest.Recorder{}, settings, nil); err != nil {
					b.Fatal(err)
				}
			}
			if res, err := r.Distribute(b.Context(), data); err != nil {
				b.Fatal(res.Outcome, err)
			}
		}
		report(b)
	})

	b.Run("recorder-no-image", func(b *testing.B) {
		off := settings
		off.InvoiceImage = distribution.InvoiceImageOff
		r, err := distribution.NewRouter(dir, &transporttest.Recorder{}, off, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			if i%1000 == 0 {
				if r, err = distribution.NewRouter(dir, &transporttest.Recorder{}, off, nil); err != nil {
					b.Fatal(err)
				}
			}
			if res, err := r.Distribute(b.Context(), data); err != nil {
				b.Fatal(res.Outcome, err)
			}
		}
		report(b)
	})

	b.Run("smtp-c20", func(b *testing.B) {
		srv := transporttest.NewServer(b, &transporttest.Script{TLS: transporttest.StartTLS, Discard: true})
		tr, err := smtp.New(srv.Addr(), &smtp.Options{TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}, MaxConnections: 20})
		if err != nil {
			b.Fatal(err)
		}
		defer tr.Close()
		r, err := distribution.NewRouter(dir, tr, settings, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.SetParallelism((20 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if res, err := r.Distribute(context.Background(), data); err != nil {
					b.Error(res.Outcome, err)
					return
				}
			}
		})
		report(b)
	})
}
