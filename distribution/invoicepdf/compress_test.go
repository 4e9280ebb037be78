package invoicepdf

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// samplePDF writes pages of text with the 8-bit font, compressed by the
// PDF library or not.
func samplePDF(t testing.TB, pages int, compress bool) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	at := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at) // else the library writes the clock's second, and two samples may differ
	pdf.SetCatalogSort(true)
	pdf.AddFontFromBytes("go", "", fast8().def, fast8().file.data)
	pdf.AliasNbPages("{nb}")
	for i := range pages {
		pdf.AddPage()
		pdf.SetFont("go", "", 10)
		for j := range 40 {
			pdf.CellFormat(0, 5, fmt.Sprintf("Sivu %d/{nb}, rivi %d: (sulut) ja \\kenoviiva", i+1, j+1), "", 1, "L", false, 0, "")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressPDF checks that compressing the pages afterwards gives the
// very bytes the PDF library writes when it compresses them itself.
func TestCompressPDF(t *testing.T) {
	for _, pages := range []int{1, 3, 12} {
		plain, want := samplePDF(t, pages, false), samplePDF(t, pages, true)
		got, err := compressPDF(plain, nil)
		if err != nil {
			t.Fatalf("%d pages: %v", pages, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d pages: %d bytes, the library's own compression %d", pages, len(got), len(want))
		}
		if again, err := compressPDF(got, nil); err != nil || !bytes.Equal(again, got) {
			t.Errorf("%d pages: compressing again changed it (%v)", pages, err)
		}
	}
}

// TestCompressPDFRefuses checks that other layouts are refused, not
// mangled.
func TestCompressPDFRefuses(t *testing.T) {
	good := samplePDF(t, 1, false)
	for name, pdf := range map[string][]byte{
		"empty":         nil,
		"no trailer":    good[:len(good)-40],
		"cut":           good[:len(good)/2],
		"bad startxref": bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n9"), 1),
		"shifted":       append([]byte("%"), good...),
	} {
		if _, err := compressPDF(pdf, nil); !errors.Is(err, errLayout) {
			t.Errorf("%s: %v, want errLayout", name, err)
		}
	}
	// A font file to swap that is not there.
	swap := &fontSwap{old: fast8().placeholder(), new: fast8().file}
	if _, err := compressPDF(good, swap); !errors.Is(err, errLayout) {
		t.Errorf("no placeholder: %v, want errLayout", err)
	}
}

// FuzzCompressPDF: any input is refused or compressed, never a panic,
// and what it returns can be compressed again to the same bytes.
func FuzzCompressPDF(f *testing.F) {
	f.Add(samplePDF(f, 1, false))
	f.Add(samplePDF(f, 2, true))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		out, err := compressPDF(pdf, nil)
		if err != nil {
			return
		}
		if again, err := compressPDF(out, nil); err != nil || !bytes.Equal(again, out) {
			t.Errorf("compressing again changed it (%v)", err)
		}
	})
}
