package invoicepdf

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// qrByteCapacity is how many bytes version v holds at level M.
func qrByteCapacity(v int) int {
	b := qrBlocks[v]
	count := 8
	if v >= 10 {
		count = 16
	}
	return (8*(b.n1*b.d1+b.n2*b.d2) - 4 - count) / 8
}

// qrPayload returns n bytes of text with Finnish letters and digits,
// seeded so that versions differ in content.
func qrPayload(n, seed int) string {
	var sb strings.Builder
	words := []string{"Äänekoski ", "BCD ", "FI2112345600000785 ", "EUR4883.15 ", "Öljy ", "RF09868516259619897 "}
	for i := seed; sb.Len() < n; i++ {
		sb.WriteString(words[i%len(words)])
	}
	s := sb.String()
	for len(s) > n { // cut on a character boundary, pad with ASCII
		s = strings.ToValidUTF8(s[:n-1], "")
	}
	return s + strings.Repeat("x", n-len(s))
}

// TestEncodeQRTables checks the block table: each version's data and error
// correction codewords fill its data modules (all but the function
// patterns, ISO/IEC 18004 table 1) up to the remainder bits.
func TestEncodeQRTables(t *testing.T) {
	for v := 1; v <= 13; v++ {
		b := qrBlocks[v]
		raw := (16*v+128)*v + 64
		if v >= 2 {
			n := v/7 + 2
			raw -= (25*n-10)*n - 55
			if v >= 7 {
				raw -= 36
			}
		}
		if got := b.n1*b.d1 + b.n2*b.d2 + b.ec*(b.n1+b.n2); got != raw/8 {
			t.Errorf("version %d: %d codewords, the symbol has room for %d", v, got, raw/8)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestEncodeQRDecodes encodes the largest and a middle payload of every
// version and decodes them with zbarimg; a payload beyond version 13 is
// refused (page.qr then uses the general encoder).
func TestEncodeQRDecodes(t *testing.T) {
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools; .ci/run installs it)")
	}
	dir := t.TempDir()
	for v := 1; v <= 13; v++ {
		for _, n := range []int{qrByteCapacity(v), (qrByteCapacity(v-1+boolInt(v == 1)) + qrByteCapacity(v) + 1) / 2} {
			payload := qrPayload(n, v)
			t.Run(fmt.Sprintf("v%d-%dB", v, n), func(t *testing.T) {
				m, ok := encodeQR([]byte(payload))
				if !ok {
					t.Fatalf("encodeQR refused %d bytes", n)
				}
				if want := 17 + 4*v; n == qrByteCapacity(v) && m.size != want {
					t.Errorf("size %d, want %d (version %d)", m.size, want, v)
				}
				file := filepath.Join(dir, fmt.Sprintf("v%d-%d.png", v, n))
				writeQRPNG(t, m, file)
				// Binary: the bytes as encoded, not a guess at their character set
				// (zbar reads a short UTF-8 text with one Ö as Shift JIS).
				out, err := exec.CommandContext(t.Context(), "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sqrcode.binary", file).Output()
				if err != nil {
					t.Fatalf("zbarimg decoded nothing: %v", err)
				}
				if got := strings.TrimSuffix(string(out), "\n"); got != payload {
					t.Errorf("decoded %q, want %q", got, payload)
				}
			})
		}
	}
	if _, ok := encodeQR(make([]byte, qrByteCapacity(13)+1)); ok {
		t.Error("encodeQR accepted a payload beyond version 13")
	}
}

// writeQRPNG writes m at 4 pixels a module with a quiet zone of 4 modules.
func writeQRPNG(t *testing.T, m *qrMatrix, file string) {
	t.Helper()
	const scale = 4
	w := (m.size + 8) * scale
	img := image.NewGray(image.Rect(0, 0, w, w))
	for y := range w {
		for x := range w {
			mx, my := x/scale-4, y/scale-4
			c := color.Gray{255}
			if mx >= 0 && my >= 0 && mx < m.size && my < m.size && m.at(mx, my) {
				c = color.Gray{0}
			}
			img.SetGray(x, y, c)
		}
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestEncodeQRSameSize checks that the symbol has the version the general
// encoder chooses for the same payload.
func TestEncodeQRSameSize(t *testing.T) {
	for v := 1; v <= 13; v++ {
		payload := qrPayload(qrByteCapacity(v), v)
		m, ok := encodeQR([]byte(payload))
		if !ok {
			t.Fatalf("version %d refused", v)
		}
		ref, err := qr.Encode(payload, qr.M, qr.Unicode)
		if err != nil {
			t.Fatal(err)
		}
		if m.size != ref.Bounds().Dx() {
			t.Errorf("%d bytes: %d modules, the general encoder %d", len(payload), m.size, ref.Bounds().Dx())
		}
	}
}

// BenchmarkEncodeQR encodes an EPC payload.
func BenchmarkEncodeQR(b *testing.B) {
	payload := []byte("BCD\n002\n1\nSCT\nNDEAFIHH\nÄänekosken Sähkö ja Öljy Oy\nFI2112345600000785\nEUR4883.15\n\nRF09868516259619897\n\n")
	for b.Loop() {
		if _, ok := encodeQR(payload); !ok {
			b.Fatal("refused")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}
