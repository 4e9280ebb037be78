package docparse_test

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/docparse"
)

// The scale inputs of issue 12: a document with very many buyer e-mail
// addresses and a TEAPPSXML batch with very many invoices. Parsing must
// cost the same per address and per invoice at any size.

// manyEmails returns a UBL invoice whose buyer contact lists n distinct
// e-mail addresses, about 21 bytes each ("b0000001@example.fi, "), so
// that 1,000,000 addresses are about 21 MB, under the 32 MiB limit.
func manyEmails(n int) []byte {
	var b strings.Builder
	b.Grow(n*21 + 1024)
	b.WriteString(ublOpen + `<cbc:ID>SCALE-1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:Contact><cbc:ElectronicMail>`)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "b%07d@example.fi", i)
	}
	b.WriteString(`</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>` + ublClose)
	return []byte(b.String())
}

// teappsInvoice is one INVOICE of teappsBatch, about 330 bytes, with the
// fields a delivery needs: number, receiver, customer number, e-mail
// address and total.
const teappsInvoice = `<INVOICE>
<HEADER><INVOICE_ID>T-%07d</INVOICE_ID><INVOICE_TYPE>00</INVOICE_TYPE></HEADER>
<RECEIVER><CUSTOMER_INFORMATION><CUSTOMER_ID>%[1]d</CUSTOMER_ID></CUSTOMER_INFORMATION><MAIL_ID>c%[1]d@example.fi</MAIL_ID></RECEIVER>
<SUMMARY><INVOICE_TOTAL><AMOUNT VAT="INCLUDED">12.50</AMOUNT></INVOICE_TOTAL></SUMMARY>
</INVOICE>
`

// teappsBatch returns a TEAPPSXML file with n invoices, so that 100,000
// invoices are 32.7 MB, just under the 32 MiB (33.5 MB) limit.
func teappsBatch(n int) []byte {
	var b strings.Builder
	b.Grow(n*(len(teappsInvoice)+8) + 1024)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<INVOICE_CENTER>
<CONTENT_FRAME>
<CF_CODE>CF01</CF_CODE>
<BLOCK_RULES><BLOCK_FORMAT>TEAPPSXML</BLOCK_FORMAT><FORMAT_VERSION>3.0</FORMAT_VERSION></BLOCK_RULES>
<INVOICES>
`)
	for i := range n {
		fmt.Fprintf(&b, teappsInvoice, i)
	}
	b.WriteString("</INVOICES>\n</CONTENT_FRAME>\n</INVOICE_CENTER>\n")
	return []byte(b.String())
}

// scaleInput is one input of BenchmarkParseScale.
type scaleInput struct {
	name  string
	unit  string // what n counts, for the per-unit metric
	n     int
	input func(n int) []byte
}

var scaleInputs = []scaleInput{
	{"emails-10k", "address", 10_000, manyEmails},
	{"emails-100k", "address", 100_000, manyEmails},
	{"emails-1M", "address", 1_000_000, manyEmails},
	{"teapps-10k", "invoice", 10_000, teappsBatch},
	{"teapps-100k", "invoice", 100_000, teappsBatch},
}

// scalePairs are the sub-benchmarks whose ratio of time per operation
// BenchmarkParseScale prints: ten times the input must take at most
// twelve times as long. Each pair's names start with the same family.
var scalePairs = [][2]string{{"emails-10k", "emails-100k"}, {"teapps-10k", "teapps-100k"}}

// BenchmarkParseScale measures ParseAll on the scale inputs, reporting the
// wall time and the process's CPU time per address or invoice, and prints
// the ratio of the 100k and 10k times of each pair in a line
//
//	SCALE emails 100k/10k=11.0 (cpu 10.6) teapps 100k/10k=10.9 (cpu 10.0) target<=12
//
// (10 is linear; the target is at most 12). The CPU ratio is the one to
// trust on a machine shared with other work. The inputs are built once,
// before the timer starts, and every parse starts from a heap given back
// to the system, as in a new process. emails-1M is the 21 MB document the
// issue names, which must parse in under 3 s. Run them all with
//
//	go test ./docparse -run '^$' -bench ParseScale -benchtime=3x
func BenchmarkParseScale(b *testing.B) {
	type times struct{ wall, cpu float64 }
	results := map[string]times{} // the sub-benchmarks run one after another
	for _, in := range scaleInputs {
		b.Run(in.name, func(b *testing.B) {
			data := in.input(in.n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				// Each parse starts as in a new process, from a heap given
				// back to the system: otherwise the small inputs reuse the
				// memory their earlier iterations touched while the large
				// ones pay for fresh pages, and the ratios measure that.
				b.StopTimer()
				debug.FreeOSMemory()
				b.StartTimer()
				start := cpuTime()
				docs, err := docparse.ParseAll(data, nil)
				cpu += cpuTime() - start
				if err != nil {
					b.Fatal(err)
				}
				if in.unit == "invoice" && len(docs) != in.n || in.unit == "address" && len(docs[0].Emails) != in.n {
					b.Fatalf("%d documents, %d addresses in the first; want %d %ss", len(docs), len(docs[0].Emails), in.n, in.unit)
				}
			}
			t := times{float64(b.Elapsed().Nanoseconds()) / float64(b.N), float64(cpu.Nanoseconds()) / float64(b.N)}
			b.ReportMetric(t.wall/float64(in.n), "ns/"+in.unit)
			b.ReportMetric(t.cpu/float64(in.n), "cpu-ns/"+in.unit)
			results[in.name] = t
		})
	}
	line := "SCALE"
	for _, p := range scalePairs {
		small, large := results[p[0]], results[p[1]]
		if small.wall > 0 && large.wall > 0 {
			family, _, _ := strings.Cut(p[0], "-")
			line += fmt.Sprintf(" %s 100k/10k=%.1f (cpu %.1f)", family, large.wall/small.wall, large.cpu/max(small.cpu, 1))
		}
	}
	if line != "SCALE" {
		fmt.Println(line + " target<=12")
	}
}

// TestParseScale parses large inputs of each kind the issue names and
// checks what comes out: 200,000 addresses of which half repeat others in
// another case, 200,000 invalid addresses, a batch of 20,000 invoices. The
// old quadratic code took minutes on each; as a guard against that coming
// back (not a benchmark: see BenchmarkParseScale), each must finish within
// a generous minute, even under the race detector on a busy machine.
func TestParseScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs; skipped with -short")
	}
	const guard = time.Minute
	emails := func(n int, upper bool) string {
		var b strings.Builder
		for i := range n {
			s := fmt.Sprintf("b%d@example.fi, ", i)
			if upper {
				s = strings.ToUpper(s)
			}
			b.WriteString(s)
		}
		return b.String()
	}
	contact := func(s string) []byte {
		return []byte(ubl(`<cbc:ID>S-1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:Contact><cbc:ElectronicMail>` + s + `</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>`))
	}
	tests := []struct {
		name  string
		input []byte
		check func(t *testing.T, docs []*docparse.Document)
	}{
		{"100,000 addresses, each twice", contact(emails(100_000, false) + emails(100_000, true)), func(t *testing.T, docs []*docparse.Document) {
			d := docs[0]
			if len(d.Emails) != 100_000 || d.Emails[99_999].Address != "b99999@example.fi" || len(d.Warnings) != 0 {
				t.Errorf("%d addresses, %d warnings; want 100000 (de-duplicated case-insensitively) and none", len(d.Emails), len(d.Warnings))
			}
		}},
		{"200,000 invalid addresses", contact(strings.Repeat("x@ ", 200_000)), func(t *testing.T, docs []*docparse.Document) {
			d := docs[0]
			if len(d.Warnings) != docparse.MaxWarnings || d.WarningsOmitted != 200_000-docparse.MaxWarnings {
				t.Errorf("%d warnings, %d omitted; want %d and %d", len(d.Warnings), d.WarningsOmitted, docparse.MaxWarnings, 200_000-docparse.MaxWarnings)
			}
		}},
		{"20,000 invoices", teappsBatch(20_000), func(t *testing.T, docs []*docparse.Document) {
			if len(docs) != 20_000 {
				t.Fatalf("%d documents, want 20000", len(docs))
			}
			for _, i := range []int{0, 9_999, 19_999} {
				d := docs[i]
				alone, err := docparse.Parse(d.XML, nil)
				if err != nil || alone.Number != d.Number || d.Number != fmt.Sprintf("T-%07d", i) {
					t.Errorf("document %d (%s): its XML parses alone to %v, %v", i, d.Number, alone, err)
				}
				if n := bytes.Count(d.XML, []byte("<INVOICE>")); n != 1 {
					t.Errorf("the XML of document %d holds %d invoices", i, n)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			docs, err := docparse.ParseAll(tt.input, nil)
			if took := time.Since(start); took > guard {
				t.Errorf("parsing %d bytes took %v, more than %v: is parsing quadratic again?", len(tt.input), took, guard)
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, docs)
		})
	}
}
