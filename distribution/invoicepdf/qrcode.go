package invoicepdf

// A QR code encoder for the EPC payload: byte mode, error correction
// level M (what EPC069-12 requires), versions 1 to 13 (up to 331 bytes,
// the most an EPC payload may have). It exists because the general
// encoder of github.com/boombuler/barcode spent a third of a rendering on
// its mask search; this one evaluates the same four penalty rules of ISO/IEC
// 18004 on a plain byte matrix. Any mask decodes, the penalty only keeps
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
		return nil, false
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

	size := 17 + 4*ver
	base := &qrMatrix{size: size, dark: make([]bool, size*size)}
	fn := make([]bool, size*size) // function modules, not data
	set := func(x, y int, d bool) {
		base.dark[y*size+x] = d
		fn[y*size+x] = true
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
	base.drawFormat(0, fn)
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
				if !fn[y*size+x] && i < len(final)*8 {
					base.dark[y*size+x] = final[i>>3]>>(7-i&7)&1 == 1
					i++
				}
			}
		}
	}

	// The mask with the lowest penalty.
	best, bestScore := (*qrMatrix)(nil), -1
	for mask := range 8 {
		c := &qrMatrix{size: size, dark: make([]bool, len(base.dark))}
		copy(c.dark, base.dark)
		for y := range size {
			for x := range size {
				if !fn[y*size+x] && masked(mask, x, y) {
					c.dark[y*size+x] = !c.dark[y*size+x]
				}
			}
		}
		c.drawFormat(mask, nil)
		if s := c.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = c, s
		}
	}
	return best, true
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

// drawFormat draws both copies of the format information of level M and
// mask, and the dark module; fn, when not nil, marks them as function
// modules.
func (m *qrMatrix) drawFormat(mask int, fn []bool) {
	data := 0b00<<3 | mask // level M is 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ rem>>9*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	size := m.size
	set := func(x, y int, d bool) {
		m.dark[y*size+x] = d
		if fn != nil {
			fn[y*size+x] = true
		}
	}
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

// penalty scores the symbol by the four rules of ISO/IEC 18004 7.8.3:
// runs of one colour, 2 × 2 blocks, finder-like patterns, and the balance
// of dark and light.
func (m *qrMatrix) penalty() int {
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
		for i, d := range div {
			res[i] ^= gfMul(d, factor)
		}
	}
	return res
}

func gfMul(x, y byte) byte {
	var z int
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ z>>7*0x11D
		z ^= int(y>>i&1) * int(x)
	}
	return byte(z)
}
