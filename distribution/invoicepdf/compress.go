package invoicepdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// The PDF library creates a new zlib writer for every stream it
// compresses, and each allocates and clears about 1 MB: for a page of
// text that costs more than the compression. So the library writes the
// page contents uncompressed and compressPDF compresses them afterwards
// with writers kept for reuse, rebuilding the cross-reference table.

// zlibWriters are zlib writers (BestSpeed, as the library uses) kept for
// reuse, at most one per processor: a list of their own rather than a
// sync.Pool, which each garbage collection may empty, and a rendering
// allocates enough for a collection every few documents.
var zlibWriters struct {
	sync.Mutex
	free []*zlib.Writer
}

// getZlib returns a zlib writer from zlibWriters or a new one.
func getZlib() *zlib.Writer {
	zlibWriters.Lock()
	defer zlibWriters.Unlock()
	if n := len(zlibWriters.free); n > 0 {
		w := zlibWriters.free[n-1]
		zlibWriters.free = zlibWriters.free[:n-1]
		return w
	}
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}

// putZlib keeps w for reuse.
func putZlib(w *zlib.Writer) {
	w.Reset(nil)
	zlibWriters.Lock()
	defer zlibWriters.Unlock()
	if len(zlibWriters.free) < runtime.GOMAXPROCS(0) {
		zlibWriters.free = append(zlibWriters.free, w)
	}
}

// scratchBuffers are compressPDF's buffers: for the PDF it writes, copied
// at the end to a slice of its size, and for a compressed stream until
// its length is written.
var scratchBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// errLayout: the PDF is not laid out as the PDF library writes it.
var errLayout = errors.New("unexpected PDF layout")

// fontSwap is a font file to embed instead of another: the subset of the
// 8-bit font a document needs instead of the placeholder the PDF library
// wrote.
type fontSwap struct{ old, new fontFile }

// compressPDF returns pdf, as the PDF library writes it (objects, then a
// classic cross-reference table and trailer), with every unfiltered stream
// whose dictionary is only its length flate-compressed, the embedded font
// file swap.old (when swap is not nil; an error when it is missing)
// replaced by swap.new, and the cross-reference table made to match.
func compressPDF(pdf []byte, swap *fontSwap) ([]byte, error) {
	// The trailer: startxref, the table, its entries.
	sx := bytes.LastIndex(pdf, []byte("\nstartxref\n"))
	if sx < 0 {
		return nil, fmt.Errorf("%w: no startxref", errLayout)
	}
	rest := pdf[sx+len("\nstartxref\n"):]
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		return nil, fmt.Errorf("%w: startxref without offset", errLayout)
	}
	xref, err := strconv.Atoi(string(rest[:end]))
	if err != nil || xref <= 0 || xref >= sx || !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		return nil, fmt.Errorf("%w: startxref does not point at a table", errLayout)
	}
	head := pdf[xref+len("xref\n0 "):]
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("%w: table without size", errLayout)
	}
	size, err := strconv.Atoi(string(head[:nl]))
	entries := head[nl+1:]
	if err != nil || size < 1 || len(entries) < 20*size {
		return nil, fmt.Errorf("%w: table size", errLayout)
	}
	trailer := entries[20*size:] // "trailer\n<<...>>\n" up to startxref
	if !bytes.HasPrefix(trailer, []byte("trailer\n")) {
		return nil, fmt.Errorf("%w: no trailer after the table", errLayout)
	}
	trailer = pdf[len(pdf)-len(trailer) : sx+1]
	type object struct{ num, off int }
	objs := make([]object, 0, size-1)
	for i := 1; i < size; i++ {
		e := entries[20*i : 20*i+20]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || string(e[10:]) != " 00000 n \n" || off <= 0 || off >= xref {
			return nil, fmt.Errorf("%w: table entry %d", errLayout, i)
		}
		objs = append(objs, object{i, off})
	}
	slices.SortFunc(objs, func(a, b object) int { return a.off - b.off })

	out := scratchBuffers.Get().(*bytes.Buffer)
	defer scratchBuffers.Put(out)
	out.Reset()
	out.Write(pdf[:objs[0].off])
	offsets := make([]int, size)
	zw := getZlib()
	defer putZlib(zw)
	z := scratchBuffers.Get().(*bytes.Buffer)
	defer scratchBuffers.Put(z)
	for i, o := range objs {
		next := xref
		if i+1 < len(objs) {
			next = objs[i+1].off
		}
		body := pdf[o.off:next]
		offsets[o.num] = out.Len()
		if swap != nil && len(body) > len(swap.old.data) && len(body)-len(swap.old.data) < 100 {
			head, end := fontHead(o.num, swap.old), "\nendstream\nendobj\n"
			if len(body) == len(head)+len(swap.old.data)+len(end) && bytes.HasPrefix(body, head) && bytes.HasSuffix(body, []byte(end)) &&
				bytes.Equal(body[len(head):len(body)-len(end)], swap.old.data) {
				out.Write(fontHead(o.num, swap.new))
				out.Write(swap.new.data)
				out.WriteString(end)
				swap = nil
				continue
			}
		}
		prefix := strconv.Itoa(o.num) + " 0 obj\n<</Length "
		if !bytes.HasPrefix(body, []byte(prefix)) {
			if !bytes.HasPrefix(body, []byte(strconv.Itoa(o.num)+" 0 obj\n")) {
				return nil, fmt.Errorf("%w: object %d is not at its offset", errLayout, o.num)
			}
			out.Write(body)
			continue
		}
		s := body[len(prefix):]
		gt := bytes.Index(s, []byte(">>\nstream\n"))
		n, err := strconv.Atoi(string(s[:max(gt, 0)]))
		data := s[max(gt, 0)+len(">>\nstream\n"):]
		if gt < 0 || err != nil || n < 0 || n > len(data) || !bytes.HasPrefix(data[n:], []byte("\nendstream\nendobj\n")) {
			out.Write(body) // another dictionary: left as it is
			continue
		}
		z.Reset()
		zw.Reset(z)
		zw.Write(data[:n])
		if err := zw.Close(); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", o.num, z.Len())
		out.Write(z.Bytes())
		out.Write(data[n:])
	}
	if swap != nil {
		return nil, fmt.Errorf("%w: no font file to swap", errLayout)
	}
	start := out.Len()
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", size)
	for _, off := range offsets[1:] {
		fmt.Fprintf(out, "%010d 00000 n \n", off)
	}
	out.Write(trailer)
	fmt.Fprintf(out, "startxref\n%d\n%%%%EOF\n", start)
	return bytes.Clone(out.Bytes()), nil
}

// fontHead is the start of object num, the font file f, as the PDF library
// writes it, up to its data.
func fontHead(num int, f fontFile) []byte {
	return fmt.Appendf(nil, "%d 0 obj\n<</Length %d\n/Filter /FlateDecode\n/Length1 %d\n>>\nstream\n", num, len(f.data), f.size)
}
