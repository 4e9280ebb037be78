package payment_test

import (
	"testing"

	"github.com/jakelu/jakelu/docparse/payment"
)

// FuzzTransfer checks that no input panics, that a barcode is always 54
// digits and reads back to the same transfer, and that an accepted
// reference parses again to itself.
func FuzzTransfer(f *testing.F) {
	for _, ex := range guideExamples {
		f.Add(ex.iban, ex.amount, ex.ref, ex.due)
	}
	f.Add("FI2112345600000785", "1e3", "RF", "2026-02-30")
	f.Fuzz(func(t *testing.T, iban, amount, ref, due string) {
		r, err := payment.ParseReference(ref)
		if err == nil {
			if again, err := payment.ParseReference(r.Value); err != nil || again != r {
				t.Fatalf("reference %q -> %q does not parse to itself: %v", ref, r.Value, err)
			}
		}
		tr := payment.Transfer{Name: "X", IBAN: iban, Amount: amount, Reference: ref, DueDate: due}
		code, err := tr.VirtualBarcode()
		if err != nil {
			return
		}
		if len(code) != 54 {
			t.Fatalf("barcode %q of %d digits", code, len(code))
		}
		back, err := payment.ParseVirtualBarcode(code)
		if err != nil {
			t.Fatalf("barcode %q does not read back: %v", code, err)
		}
		again, err := back.VirtualBarcode()
		if err != nil && back.Amount != "" {
			t.Fatalf("read-back transfer %+v gives no barcode: %v", back, err)
		}
		if err == nil && again != code {
			t.Fatalf("barcode %q read back and made again is %q", code, again)
		}
		if _, err := tr.EPCQR(); err != nil && r.Kind != "" {
			// EPC needs no more than the barcode does, except a name.
			t.Fatalf("barcode made but no EPC payload: %v", err)
		}
	})
}
