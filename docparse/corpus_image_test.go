package docparse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

// imageDoc is what an invoice image shows of one corpus document.
type imageDoc struct {
	Number           string
	Seller, Buyer    docparse.Party
	Lines            []docparse.Line
	VAT              []docparse.VATSubtotal
	Totals           docparse.Totals
	AmountDue        string
	PaymentReference string
	IBAN             string
	Payment          docparse.Payment
	Notes            []string
}

// TestCorpusImage parses every document of $JAKELU_CORPUS/INDEX.tsv and
// compares what an invoice image shows of it (parties, lines, VAT
// breakdown, totals, payment) with testdata/corpus-image.golden.json (our
// own output, keyed by corpus path: the corpus itself stays outside the
// repository). Run with -update to rewrite it, then review the diff.
//
// It also checks the figures against each other, with exact decimal
// arithmetic, and prints a summary line: the VAT amounts of the breakdown
// must add up to the VAT total, the taxable amounts to the net total, the
// line net amounts to the line total, and net plus VAT must be the gross
// total. A document whose own figures disagree is reported, not failed
// (real documents round differently), unless it is one of ours.
func TestCorpusImage(t *testing.T) {
	dir := os.Getenv("JAKELU_CORPUS")
	if dir == "" {
		t.Skip("JAKELU_CORPUS is not set: set it to the sample corpus folder (JAKELU_CORPUS=../shared/corpus go test ./docparse) to run the corpus test")
	}
	rows := readIndex(t, filepath.Join(dir, "INDEX.tsv"))
	got := map[string][]imageDoc{}
	var docs, lines, vatOK, vatChecked, lineOK, lineChecked, grossOK, grossChecked int
	for _, row := range rows {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(row["path"])))
		if err != nil {
			t.Fatalf("reading the corpus file: %v", err)
		}
		parsed, err := docparse.ParseAll(data, nil)
		if err != nil {
			continue // TestCorpus checks the errors
		}
		for _, d := range parsed {
			docs++
			lines += len(d.Lines)
			got[row["path"]] = append(got[row["path"]], imageDoc{
				Number: d.Number, Seller: d.Seller, Buyer: d.Buyer, Lines: d.Lines, VAT: d.VAT,
				Totals: d.Totals, AmountDue: d.AmountDue, PaymentReference: d.PaymentReference,
				IBAN: d.IBAN, Payment: d.Payment, Notes: d.Notes,
			})
			if len(d.VAT) > 0 && d.Totals.VAT != "" {
				vatChecked++
				var amounts []string
				for _, v := range d.VAT {
					amounts = append(amounts, v.Amount)
				}
				if sumEquals(amounts, d.Totals.VAT) {
					vatOK++
				} else {
					t.Logf("%s: VAT breakdown %v does not add up to the VAT total %s", row["path"], amounts, d.Totals.VAT)
				}
			}
			if len(d.Lines) > 0 && d.Totals.LineNet != "" {
				lineChecked++
				var amounts []string
				for _, l := range d.Lines {
					amounts = append(amounts, l.NetAmount)
				}
				if sumEquals(amounts, d.Totals.LineNet) {
					lineOK++
				} else {
					t.Logf("%s: line net amounts do not add up to the line total %s", row["path"], d.Totals.LineNet)
				}
			}
			if d.Totals.Net != "" && d.Totals.VAT != "" && d.Totals.Gross != "" {
				grossChecked++
				if sumEquals([]string{d.Totals.Net, d.Totals.VAT}, d.Totals.Gross) {
					grossOK++
				} else {
					t.Logf("%s: net %s + VAT %s is not the gross total %s", row["path"], d.Totals.Net, d.Totals.VAT, d.Totals.Gross)
				}
			}
		}
	}
	out, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	file := filepath.Join("testdata", "corpus-image.golden.json")
	if *update {
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(file); err != nil {
		t.Fatalf("%v (run go test -run TestCorpusImage -update to create it)", err)
	} else if !bytes.Equal(want, out) {
		t.Errorf("%s differs from what Parse returns now:\n%s\n(run with -update to accept the new output, then review the diff)", file, firstDiff(want, out))
	}
	summary := fmt.Sprintf("CORPUS-IMAGE docs=%d lines=%d vat-breakdown-adds-up=%d/%d lines-add-up=%d/%d net+vat=gross=%d/%d",
		docs, lines, vatOK, vatChecked, lineOK, lineChecked, grossOK, grossChecked)
	fmt.Println(summary)
	t.Log(summary)
	if lines == 0 || vatChecked == 0 {
		t.Error("no lines or no VAT breakdown read from the whole corpus")
	}
}

// sumEquals reports whether the decimal texts amounts add up exactly to
// total. An empty or malformed amount makes it false.
func sumEquals(amounts []string, total string) bool {
	sum := new(big.Rat)
	for _, a := range amounts {
		r, ok := new(big.Rat).SetString(a)
		if !ok {
			return false
		}
		sum.Add(sum, r)
	}
	want, ok := new(big.Rat).SetString(total)
	return ok && sum.Cmp(want) == 0
}
