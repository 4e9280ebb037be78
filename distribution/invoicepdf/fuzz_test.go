package invoicepdf_test

import (
	"bytes"
	"testing"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse/payment"
)

// FuzzRender renders the payable test invoice with fuzzed texts and
// payment data: no input may panic or fail the rendering, and a bank
// transfer form is drawn exactly when package payment makes a barcode of
// the same data.
func FuzzRender(f *testing.F) {
	f.Add("Äänekosken Sähkö ja Öljy Oy", "Sähköenergia", "12500.000", "FI2112345600000785", "86851 62596 19897", "4883.15", "2026-02-14", "fi")
	f.Add("\x00\u202e漢字😀", "\uFFFD\t\n", "-1e9", "FI21 1234 5600 0007 86", "RF18539007547034", "0.00", "2026-02-30", "sv")
	f.Add("", "", "", "", "", "", "", "")
	r, err := invoicepdf.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, seller, desc, qty, iban, ref, amount, due, lang string) {
		d := parseFile(t, "testdata/finvoice-payable.xml")
		d.Seller.Name, d.Lines[0].Description, d.Lines[0].Quantity = seller, desc, qty
		d.IBAN, d.PaymentReference, d.AmountDue, d.DueDate = iban, ref, amount, due
		d.Notes = append(d.Notes, desc)
		out, err := r.Render(d, lang)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		if !bytes.HasPrefix(out.PDF, []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		want, _ := payment.Transfer{IBAN: iban, Amount: amount, Reference: ref, DueDate: due, Currency: d.Currency}.VirtualBarcode()
		if out.VirtualBarcode != "" && out.VirtualBarcode != want {
			t.Errorf("form with barcode %q, payment makes %q", out.VirtualBarcode, want)
		}
	})
}
