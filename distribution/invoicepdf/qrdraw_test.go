package invoicepdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// TestQRDrawsBothEncoders draws a payload of this package's encoder and
// one beyond version 13 (the general encoder's) with page.qr and reads
// them back with pdftoppm and zbarimg.
func TestQRDrawsBothEncoders(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: install Debian's poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools) to read rendered invoices back", tool)
		}
	}
	for _, n := range []int{120, qrByteCapacity(13) + 40} {
		payload := qrPayload(n, n)
		if _, ok := encodeQR([]byte(payload)); ok != (n <= qrByteCapacity(13)) {
			t.Fatalf("%d bytes: encodeQR ok %v", n, ok)
		}
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.AddPage()
		p := &page{pdf: pdf, epc: payload}
		if !p.qr(20, 20, 60) {
			t.Fatalf("%d bytes: page.qr drew nothing", n)
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "qr.pdf")
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		img := filepath.Join(dir, fmt.Sprintf("%d-bytes", n)) // zbarQR's message names it
		if out, err := exec.CommandContext(t.Context(), "pdftoppm", "-png", "-r", "200", "-singlefile", file, img).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		if got := zbarQR(t, img+".png"); got != payload {
			t.Errorf("%d bytes: decoded %q, want %q", n, got, payload)
		}
	}
}
