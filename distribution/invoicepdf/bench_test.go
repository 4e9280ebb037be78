package invoicepdf_test

import (
	"testing"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
)

// BenchmarkRender renders a one-page invoice with the bank transfer form,
// its Code 128 barcode and the EPC QR code, and an invoice of 200 lines,
// both in the 8-bit Nordic and Baltic font, and for comparison the
// one-page invoice with a Czech seller name, which needs the Unicode font
// ("one-page-unicode"), one document at a time on one goroutine, and
// reports documents per second per core (docs/s/core, wall time of the
// one goroutine) and per CPU second of the process (docs/cpu-s, which garbage collection on other
// cores counts in, and which a machine shared with other work does not
// distort as much). The target is at least 200 one-page invoices per
// second per core.
func BenchmarkRender(b *testing.B) {
	r, err := invoicepdf.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		lines  int
		seller string
	}{{"one-page", 0, ""}, {"200-lines", 200, ""}, {"one-page-unicode", 0, "Antonín Dvořák s.r.o."}} {
		d := parseFile(b, "testdata/finvoice-payable.xml")
		if bc.lines > 0 {
			d = manyLines(b, bc.lines)
		}
		if bc.seller != "" {
			d.Seller.Name = bc.seller
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var size, pages int
			cpu := cpuTime()
			for b.Loop() {
				out, err := r.Render(d, "fi")
				if err != nil {
					b.Fatal(err)
				}
				if out.VirtualBarcode == "" {
					b.Fatal("no bank barcode")
				}
				size, pages = len(out.PDF), out.Pages
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s/core")
			if used := cpuTime() - cpu; used > 0 {
				b.ReportMetric(float64(b.N)/used.Seconds(), "docs/cpu-s")
			}
			b.ReportMetric(float64(size), "pdf-bytes")
			b.ReportMetric(float64(pages), "pages")
		})
	}
}
