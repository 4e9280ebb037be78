package invoicepdf

import (
	"math/bits"
	"sync"
)

// A QR code encoder for the EPC payload: byte mode, error correction
// level M (what EPC069-12 requires), versions 1 to 13 (up to 331 bytes,
// the most an EPC payload may have). It exists because the general
// encoder of github.com/boombuler/barcode spent a third of a rendering on
// its mask search; this one evaluates the same four penalty rules of ISO/IEC
// 18004 on whole rows and columns of bits. Any mask decodes, the penalty only keeps
// the symbol easy to scan. A payload it does not cover is left to the
// general encoder (see page.qr).

// qrBlocks is, for each version 1–13 at level M, the error correction
// codewords per block and the blocks of the two groups with their data
// codewords (ISO/IEC 18004 table 9).
var qrBlocks = [14]struct{ ec, n1, d1, n2, d2 int }{
	1: {10, 1, 16, 0, 0}, 2: {16, 1, 28, 0, 0}, 3: {26, 1, 44, 0, 0}, 4: {18, 2, 32, 0, 0},
	5: {24, 2, 43, 0, 0}, 6: {16, 4, 27, 0, 0}, 7: {18, 4, 31, 0, 0}, 8: {22, 2, 38, 2, 39},
	9: {22, 3, 36, 2, 37}, 10: {26, 4, 43, 1, 44}, 11: {30, 1, 50, 4, 51}, 12: {22, 6, 36, 2, 37},
	13: {22, 8, 37, 1, 38},
}

// qrMatrix is a QR symbol without its quiet zone: size × size modules,
// row by row, true for dark.
type qrMatrix struct {
	size int
	dark []bool
}

func (m *qrMatrix) at(x, y int) bool { return m.dark[y*m.size+x] }

// encodeQR encodes data in byte mode at level M in the smallest version
// that holds it; ok is false when it needs a version above 13.
func encodeQR(data []byte) (m *qrMatrix, ok bool) {
	base, fn, size, ok := qrBase(data)
	if !ok {
		return nil, false
	}
	b, d := qrPlanes(size, base, fn)
	var sym qrBits
	// The mask with the lowest penalty (the first of equals).
	best, bestScore := 0, -1
	for mask := range 8 {
		qrMask(&sym, &b, &d, mask)
		if s := qrPenalty(&sym); bestScore < 0 || s < bestScore {
			best, bestScore = mask, s
		}
	}
	qrMask(&sym, &b, &d, best)
	m = &qrMatrix{size: size, dark: make([]bool, size*size)}
	for y := range size {
		for x := range size {
			m.dark[y*size+x] = sym.at(x, y)
		}
	}
	return m, true
}

// qrPlanes packs the unmasked symbol base and its data modules (those
// that are not function modules in fn), the two inputs of qrMask.
func qrPlanes(size int, base, fn []byte) (b, d qrBits) {
	b.pack(size, base)
	d.pack(size, fn)
	for i := range size {
		d.rows[i] = d.rows[i].not().and(d.valid)
		d.cols[i] = d.cols[i].not().and(d.valid)
	}
	return b, d
}

// qrBase lays out data in byte mode at level M in the smallest version
// that holds it, unmasked and without format information: base has size ×
// size modules, row by row, 1 for dark, and fn has 1 for the function
// modules (the mask leaves them as they are). ok is false when data needs
// a version above 13.
func qrBase(data []byte) (base, fn []byte, size int, ok bool) {
	ver := 0
	for v := 1; v <= 13; v++ {
		b := qrBlocks[v]
		countBits := 8
		if v >= 10 {
			countBits = 16
		}
		if 4+countBits+8*len(data) <= 8*(b.n1*b.d1+b.n2*b.d2) {
			ver = v
			break
		}
	}
	if ver == 0 {
		return nil, nil, 0, false
	}
	b := qrBlocks[ver]
	capacity := b.n1*b.d1 + b.n2*b.d2

	// The bit stream: mode, count, bytes, terminator, padding.
	var bits []byte // one bit per byte, appended then packed
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, byte(v>>i&1))
		}
	}
	put(0b0100, 4)
	if ver >= 10 {
		put(len(data), 16)
	} else {
		put(len(data), 8)
	}
	for _, c := range data {
		put(int(c), 8)
	}
	put(0, min(4, 8*capacity-len(bits)))
	put(0, (8-len(bits)%8)%8)
	codewords := make([]byte, 0, capacity)
	for i := 0; i < len(bits); i += 8 {
		var c byte
		for _, bit := range bits[i : i+8] {
			c = c<<1 | bit
		}
		codewords = append(codewords, c)
	}
	for pad := byte(0xEC); len(codewords) < capacity; pad ^= 0xEC ^ 0x11 {
		codewords = append(codewords, pad)
	}

	// Blocks with their error correction, interleaved.
	div := rsDivisor(b.ec)
	var blocks, ecs [][]byte
	for i, off := 0, 0; i < b.n1+b.n2; i++ {
		n := b.d1
		if i >= b.n1 {
			n = b.d2
		}
		blocks = append(blocks, codewords[off:off+n])
		ecs = append(ecs, rsRemainder(codewords[off:off+n], div))
		off += n
	}
	final := make([]byte, 0, capacity+b.ec*len(blocks))
	for i := range max(b.d1, b.d2) {
		for _, blk := range blocks {
			if i < len(blk) {
				final = append(final, blk[i])
			}
		}
	}
	for i := range b.ec {
		for _, e := range ecs {
			final = append(final, e[i])
		}
	}

	size = 17 + 4*ver
	base, fn = make([]byte, size*size), make([]byte, size*size)
	set := func(x, y int, d bool) {
		base[y*size+x] = b2u(d)
		fn[y*size+x] = 1
	}
	// Timing patterns, then finders (with separators) over their ends.
	for i := range size {
		set(6, i, i%2 == 0)
		set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {size - 4, 3}, {3, size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				dist := max(abs(dx), abs(dy))
				set(x, y, dist != 2 && dist != 4)
			}
		}
	}
	// Alignment patterns.
	if ver >= 2 {
		num := ver/7 + 2
		step := (ver*4 + num*2 + 1) / (num*2 - 2) * 2
		pos := []int{6}
		for i, p := 0, size-7; i < num-1; i, p = i+1, p-step {
			pos = append(pos[:1], append([]int{p}, pos[1:]...)...)
		}
		for i, cx := range pos {
			for j, cy := range pos {
				if i == 0 && j == 0 || i == 0 && j == num-1 || i == num-1 && j == 0 {
					continue // a finder is there
				}
				for dy := -2; dy <= 2; dy++ {
					for dx := -2; dx <= 2; dx++ {
						set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
					}
				}
			}
		}
	}
	// Reserve the format areas (drawn per mask) and draw the version.
	qrFormat(size, 0, set)
	if ver >= 7 {
		rem := ver
		for range 12 {
			rem = rem<<1 ^ rem>>11*0x1F25
		}
		vbits := ver<<12 | rem
		for i := range 18 {
			d := vbits>>i&1 == 1
			a, c := size-11+i%3, i/3
			set(a, c, d)
			set(c, a, d)
		}
	}
	// Data, in the two-column zigzag from the bottom right.
	i := 0
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := range size {
			for j := range 2 {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = size - 1 - vert
				}
				if fn[y*size+x] == 0 && i < len(final)*8 {
					base[y*size+x] = final[i>>3] >> (7 - i&7) & 1
					i++
				}
			}
		}
	}

	return base, fn, size, true
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// masked reports whether mask inverts the module at column x, row y.
func masked(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

// qrFormat calls set for every module of both copies of the format
// information of level M and mask, and for the dark module.
func qrFormat(size, mask int, set func(x, y int, d bool)) {
	data := 0b00<<3 | mask // level M is 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ rem>>9*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>i&1 == 1 }
	for i := range 6 {
		set(8, i, bit(i))
	}
	set(8, 7, bit(6))
	set(8, 8, bit(7))
	set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		set(14-i, 8, bit(i))
	}
	for i := range 8 {
		set(size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		set(8, size-15+i, bit(i))
	}
	set(8, size-8, true)
}

// qrMaxSize is the width of a version 13 symbol.
const qrMaxSize = 17 + 4*13

// u128 is a line of a symbol, bit i for module i.
type u128 struct{ lo, hi uint64 }

func (a u128) and(b u128) u128    { return u128{a.lo & b.lo, a.hi & b.hi} }
func (a u128) andNot(b u128) u128 { return u128{a.lo &^ b.lo, a.hi &^ b.hi} }
func (a u128) or(b u128) u128     { return u128{a.lo | b.lo, a.hi | b.hi} }
func (a u128) xor(b u128) u128    { return u128{a.lo ^ b.lo, a.hi ^ b.hi} }
func (a u128) not() u128          { return u128{^a.lo, ^a.hi} }
func (a u128) count() int         { return bits.OnesCount64(a.lo) + bits.OnesCount64(a.hi) }

// shr moves module i+n to i (0 < n < 64).
func (a u128) shr(n uint) u128 { return u128{a.lo>>n | a.hi<<(64-n), a.hi >> n} }

// shl moves module i to i+n (0 < n < 64).
func (a u128) shl(n uint) u128 { return u128{a.lo << n, a.hi<<n | a.lo>>(64-n)} }

func (a u128) bit(i int) bool { return [2]uint64{a.lo, a.hi}[i>>6]>>(i&63)&1 == 1 }

func (a *u128) set(i int, d bool) {
	w := &a.lo
	if i >= 64 {
		w = &a.hi
	}
	if d {
		*w |= 1 << (i & 63)
	} else {
		*w &^= 1 << (i & 63)
	}
}

// ones returns a line of n modules, all set.
func ones(n int) u128 {
	if n <= 64 {
		return u128{lo: 1<<n - 1}
	}
	return u128{lo: ^uint64(0), hi: 1<<(n-64) - 1}
}

// qrBits is a symbol as bits, both by rows (bit x of rows[y] is the
// module at column x, row y) and by columns (bit y of cols[x]); bits
// beyond size are 0.
type qrBits struct {
	size       int
	valid      u128 // the size bits of a line
	rows, cols [qrMaxSize]u128
}

func (s *qrBits) at(x, y int) bool { return s.rows[y].bit(x) }

func (s *qrBits) set(x, y int, d bool) {
	s.rows[y].set(x, d)
	s.cols[x].set(y, d)
}

// pack sets s to the size × size modules of mods (row by row, 1 for set).
func (s *qrBits) pack(size int, mods []byte) {
	*s = qrBits{size: size, valid: ones(size)}
	for y := range size {
		var row u128
		col := &s.cols
		shift := uint(y & 63)
		for x, d := range mods[y*size : (y+1)*size] {
			v := uint64(d & 1)
			if x < 64 {
				row.lo |= v << x
			} else {
				row.hi |= v << (x - 64)
			}
			if y < 64 {
				col[x].lo |= v << shift
			} else {
				col[x].hi |= v << shift
			}
		}
		s.rows[y] = row
	}
}

// qrMaskLines is, for each mask, the modules it inverts in row y by y mod
// 12 (bit x for column x) and in column x by x mod 12 (bit y for row y):
// every mask repeats after 12 modules both ways.
var qrMaskLines = sync.OnceValue(func() (t *[8][2][12]u128) {
	t = new([8][2][12]u128)
	for mask := range 8 {
		for a := range 12 {
			for b := range 128 {
				t[mask][0][a].set(b, masked(mask, b, a))
				t[mask][1][a].set(b, masked(mask, a, b))
			}
		}
	}
	return t
})

// qrMask sets sym to the symbol base with mask applied to its data
// modules (those set in data) and the format information of mask drawn.
func qrMask(sym, base, data *qrBits, mask int) {
	lines := &qrMaskLines()[mask]
	size := base.size
	sym.size, sym.valid = size, base.valid
	for i := range size {
		sym.rows[i] = base.rows[i].xor(lines[0][i%12].and(data.rows[i]))
		sym.cols[i] = base.cols[i].xor(lines[1][i%12].and(data.cols[i]))
	}
	qrFormat(size, mask, sym.set)
}

// qrPenalty scores sym by the four rules of ISO/IEC 18004 7.8.3: runs of
// one colour, 2 × 2 blocks, finder-like patterns, and the balance of dark
// and light. It works on whole lines of bits; penaltyRef in the tests is
// the same count module by module.
func qrPenalty(sym *qrBits) int {
	size := sym.size
	pairs := ones(size - 1) // bit i: modules i and i+1 are both in the line
	score := 0
	for _, lines := range [2]*[qrMaxSize]u128{&sym.rows, &sym.cols} {
		for _, l := range lines[:size] {
			// Rule 1: a run of r ≥ 5 modules of one colour scores r − 2.
			// same has r − 1 bits for it, run4 (four of same in a row)
			// r − 4 in one group; the groups are the runs.
			same := l.xor(l.shr(1)).not().and(pairs)
			run4 := same.and(same.shr(1)).and(same.shr(2)).and(same.shr(3))
			score += run4.count() + 2*run4.andNot(run4.shl(1)).count()
			// Rule 3: 1:1:3:1:1 at b with four light modules on either
			// side (outside the symbol counts as light) scores 40.
			finder := l.andNot(l.shr(1)).and(l.shr(2)).and(l.shr(3)).and(l.shr(4)).andNot(l.shr(5)).and(l.shr(6))
			before := l.shl(1).or(l.shl(2)).or(l.shl(3)).or(l.shl(4))
			after := l.shr(7).or(l.shr(8)).or(l.shr(9)).or(l.shr(10))
			score += 40 * finder.andNot(before.and(after)).count()
		}
	}
	// Rule 2: each 2 × 2 block of one colour scores 3; rule 4 counts the
	// dark modules.
	darkCount := 0
	for y, a := range sym.rows[:size] {
		darkCount += a.count()
		if y+1 < size {
			b := sym.rows[y+1]
			differs := a.xor(a.shr(1)).or(b.xor(b.shr(1))).or(a.xor(b))
			score += 3 * pairs.andNot(differs).count()
		}
	}
	total := size * size
	k := (abs(darkCount*20-total*10) + total - 1) / total // steps of 5 % away from 50 %
	return score + max(0, k-1)*10
}

// rsDivisor returns the Reed–Solomon generator polynomial of degree n
// over GF(256) (x⁸+x⁴+x³+x²+1), highest coefficient first and omitted.
func rsDivisor(n int) []byte {
	res := make([]byte, n)
	res[n-1] = 1
	root := byte(1)
	for range n {
		for j := range n {
			res[j] = gfMul(res[j], root)
			if j+1 < n {
				res[j] ^= res[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return res
}

// rsRemainder returns the error correction codewords of data.
func rsRemainder(data, div []byte) []byte {
	res := make([]byte, len(div))
	for _, b := range data {
		factor := b ^ res[0]
		copy(res, res[1:])
		res[len(res)-1] = 0
		if factor == 0 {
			continue
		}
		lf := int(gf.log[factor])
		for i, d := range div {
			if d != 0 {
				res[i] ^= gf.exp[lf+int(gf.log[d])]
			}
		}
	}
	return res
}

// gf holds the powers of 2 in GF(256) (x⁸+x⁴+x³+x²+1), twice over so that
// a sum of two logarithms needs no reduction, and their logarithms.
var gf = func() (t struct {
	exp [510]byte
	log [256]byte
}) {
	p := byte(1)
	for i := range 255 {
		t.exp[i], t.exp[i+255] = p, p
		t.log[p] = byte(i)
		p = gfMul(p, 2)
	}
	return t
}()

func gfMul(x, y byte) byte {
	var z int
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ z>>7*0x11D
		z ^= int(y>>i&1) * int(x)
	}
	return byte(z)
}
