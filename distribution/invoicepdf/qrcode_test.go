package invoicepdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestEncodeQRDecodes encodes the largest and a middle payload of every
// version and decodes them with zbarimg; a payload beyond version 13 is
// refused (page.qr then uses the general encoder).
func TestEncodeQRDecodes(t *testing.T) {
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools; .ci/run installs it)")
	}
	dir := t.TempDir()
	for v := 1; v <= 13; v++ {
		for _, n := range []int{qrByteCapacity(v), (qrByteCapacity(max(v-1, 1)) + qrByteCapacity(v) + 1) / 2} {
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
				if got := zbarQR(t, file); got != payload {
					t.Errorf("decoded %q, want %q", got, payload)
				}
			})
		}
	}
	if _, ok := encodeQR(make([]byte, qrByteCapacity(13)+1)); ok {
		t.Error("encodeQR accepted a payload beyond version 13")
	}
}

// zbarQR returns the QR code zbarimg reads from the image file, as
// binary: the bytes as encoded, not a guess at their character set (zbar
// reads a short UTF-8 text with one Ö as Shift JIS).
func zbarQR(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sqrcode.binary", file).Output()
	if err != nil {
		t.Fatalf("zbarimg decoded nothing from %s: %v", filepath.Base(file), err)
	}
	return strings.TrimSuffix(string(out), "\n")
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

// penaltyRef is the straightforward form of the penalty that qrPenalty
// computes (ISO/IEC 18004 7.8.3, as qrPenalty counts it), module by module
// with at: the reference the tests hold qrPenalty to.
func penaltyRef(m *qrMatrix) int {
	size, score, darkCount := m.size, 0, 0
	line := make([]bool, size)
	for pass := range 2 { // rows, then columns
		for a := range size {
			for b := range size {
				if pass == 0 {
					line[b] = m.at(b, a)
				} else {
					line[b] = m.at(a, b)
				}
			}
			run := 1
			for b := 1; b <= size; b++ {
				if b < size && line[b] == line[b-1] {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			// 1:1:3:1:1 with four light modules on either side (outside
			// the symbol counts as light).
			light := func(from, to int) bool {
				for k := from; k < to; k++ {
					if k >= 0 && k < size && line[k] {
						return false
					}
				}
				return true
			}
			for b := 0; b+7 <= size; b++ {
				if line[b] && !line[b+1] && line[b+2] && line[b+3] && line[b+4] && !line[b+5] && line[b+6] &&
					(light(b-4, b) || light(b+7, b+11)) {
					score += 40
				}
			}
		}
	}
	for y := range size {
		for x := range size {
			d := m.at(x, y)
			if d {
				darkCount++
			}
			if x+1 < size && y+1 < size && d == m.at(x+1, y) && d == m.at(x, y+1) && d == m.at(x+1, y+1) {
				score += 3
			}
		}
	}
	total := size * size
	k := (abs(darkCount*20-total*10) + total - 1) / total // steps of 5 % away from 50 %
	return score + max(0, k-1)*10
}

// maskRef applies mask to base the straightforward way: a copy of base
// with each data module (0 in fn) that masked selects inverted and the
// format information drawn.
func maskRef(base, fn []byte, size, mask int) *qrMatrix {
	m := &qrMatrix{size: size, dark: make([]bool, len(base))}
	for y := range size {
		for x := range size {
			m.dark[y*size+x] = base[y*size+x] == 1
			if fn[y*size+x] == 0 && masked(mask, x, y) {
				m.dark[y*size+x] = !m.dark[y*size+x]
			}
		}
	}
	qrFormat(size, mask, func(x, y int, d bool) { m.dark[y*size+x] = d })
	return m
}

// sameBits reports where sym, by rows and by columns, differs from m.
func sameBits(sym *qrBits, m *qrMatrix) error {
	if sym.size != m.size {
		return fmt.Errorf("size %d, want %d", sym.size, m.size)
	}
	dark := func(x, y int) bool { return x < m.size && y < m.size && m.at(x, y) }
	for a := range qrMaxSize {
		for b := range 128 {
			if want := dark(b, a); sym.rows[a].bit(b) != want {
				return fmt.Errorf("row %d, module %d is %v, want %v", a, b, !want, want)
			}
			if want := dark(a, b); sym.cols[a].bit(b) != want {
				return fmt.Errorf("column %d, module %d is %v, want %v", a, b, !want, want)
			}
		}
	}
	return nil
}

// checkQRAgainstRef checks, for data, that every mask makes the same
// symbol and penalty as the reference and that encodeQR returns the symbol
// of the reference's best mask.
func checkQRAgainstRef(t *testing.T, data []byte) {
	t.Helper()
	base, fn, size, ok := qrBase(data)
	m, encOK := encodeQR(data)
	if ok != encOK {
		t.Fatalf("%d bytes: qrBase ok %v, encodeQR ok %v", len(data), ok, encOK)
	}
	if !ok {
		return
	}
	b, d := qrPlanes(size, base, fn)
	var sym qrBits
	var best *qrMatrix
	bestScore := -1
	for mask := range 8 {
		ref := maskRef(base, fn, size, mask)
		qrMask(&sym, &b, &d, mask)
		if err := sameBits(&sym, ref); err != nil {
			t.Fatalf("%d bytes, mask %d: %v", len(data), mask, err)
		}
		want := penaltyRef(ref)
		if got := qrPenalty(&sym); got != want {
			t.Errorf("%d bytes (version %d), mask %d: penalty %d, the reference %d", len(data), (size-17)/4, mask, got, want)
		}
		if bestScore < 0 || want < bestScore {
			best, bestScore = ref, want
		}
	}
	if !slices.Equal(m.dark, best.dark) {
		t.Errorf("%d bytes (version %d): encodeQR chose another mask than the reference", len(data), (size-17)/4)
	}
}

// TestQRPenaltyMatchesReference compares qrPenalty and the mask choice
// with the straightforward reference over payloads of every version 1–13:
// texts of lengths from 1 byte to the most version 13 holds, and random
// bytes.
func TestQRPenaltyMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= qrByteCapacity(13); n += 1 + n/40 {
		checkQRAgainstRef(t, []byte(qrPayload(n, n)))
		random := make([]byte, n)
		for i := range random {
			random[i] = byte(rng.Uint32())
		}
		checkQRAgainstRef(t, random)
	}
	for v := 1; v <= 13; v++ { // each version full, and one byte into it
		checkQRAgainstRef(t, []byte(qrPayload(qrByteCapacity(v), v+7)))
		checkQRAgainstRef(t, bytes.Repeat([]byte{0}, qrByteCapacity(max(v-1, 1))+1))
	}
}

// TestQRPenaltyRandomMatrices compares qrPenalty with the reference on
// random matrices of every symbol size, sparse, dense and even, which hold
// runs and finder-like patterns at the edges more often than symbols do.
func TestQRPenaltyRandomMatrices(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for v := 1; v <= 13; v++ {
		size := 17 + 4*v
		for _, p := range []float64{0.1, 0.3, 0.5, 0.7, 0.9} {
			for range 20 {
				mods := make([]byte, size*size)
				m := &qrMatrix{size: size, dark: make([]bool, size*size)}
				for i := range mods {
					m.dark[i] = rng.Float64() < p
					mods[i] = b2u(m.dark[i])
				}
				var sym qrBits
				sym.pack(size, mods)
				if err := sameBits(&sym, m); err != nil {
					t.Fatal(err)
				}
				if got, want := qrPenalty(&sym), penaltyRef(m); got != want {
					t.Fatalf("size %d, density %.1f: penalty %d, the reference %d", size, p, got, want)
				}
			}
		}
	}
}

// FuzzQRPenalty compares the mask choice and penalties with the reference
// for any payload.
func FuzzQRPenalty(f *testing.F) {
	f.Add([]byte("BCD\n002\n1\nSCT\nNDEAFIHH\nÄänekosken Sähkö ja Öljy Oy\nFI2112345600000785\nEUR4883.15\n\nRF09868516259619897\n\n"))
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xFF}, 100))
	f.Fuzz(func(t *testing.T, data []byte) { checkQRAgainstRef(t, data) })
}
