package docparse

import (
	"bytes"
	"errors"
	"slices"
	"sort"
)

// xrefEntry says where an object is: kind 1 at byte offset off of the
// file, kind 2 as the idx-th object of object stream off, kind 0 deleted.
type xrefEntry struct {
	kind uint8
	off  int
	idx  int
}

// pdfFile reads the objects of a PDF the way PDF readers do: through the
// cross-reference tables and streams, newest revision first, with one
// linear reconstruction pass when they are missing or wrong.
type pdfFile struct {
	data    []byte
	base    int // offset of "%PDF-": offsets in the file count from it
	xref    map[int]xrefEntry
	trailer pdfDict
	cache   map[int]any
	loading map[int]bool
	objstms map[int]*objStm
	crypt   *pdfCrypt
	encRef  pdfRef // the encryption dictionary, whose strings are not encrypted
	// budget is what decoding streams may still produce in total, the
	// size limit; limit is that limit, for messages.
	budget, limit int64
	// err is the first fatal error (the decompression budget exceeded):
	// reading stops there.
	err           error
	reconstructed bool
	opening       bool  // reading the xref: no reconstruction yet
	endstreams    []int // offsets of every "endstream", found on first need
	// work counts the bytes the lexer has read: when it exceeds
	// workLimit, reading stops, so that objects that never end (an
	// unterminated string in each of 100,000 objects) cost linear time.
	work int
	// scanned lists, in file order, the objects the reconstruction pass
	// found (only after reconstruct).
	scanned []int
}

// objStm is a decoded object stream.
type objStm struct {
	data  []byte
	first int
	nums  []int       // object numbers, by index
	offs  []int       // offsets relative to first, by index
	index map[int]int // object number to index, made on first need
}

// maxXrefSections bounds how many /Prev links are followed.
const maxXrefSections = 10000

var errBudget = errors.New("decompression budget exceeded")

// pdfHeader returns the offset of "%PDF-" when the file starts with it
// or has it within its first 1024 bytes after bytes that are not XML, or
// -1.
func pdfHeader(data []byte) int {
	if bytes.HasPrefix(data, pdfMagic) {
		return 0
	}
	i := bytes.Index(data[:min(len(data), 1024+len(pdfMagic))], pdfMagic)
	if i < 0 {
		return -1
	}
	lead := bytes.TrimSpace(bytes.TrimPrefix(data[:i], bomUTF8))
	if len(lead) > 0 && lead[0] == '<' {
		return -1 // an XML document that mentions %PDF- early
	}
	return i
}

var pdfMagic = []byte("%PDF-")

// openPDF reads the cross-reference information of data.
func openPDF(data []byte, limit int64) (*pdfFile, error) {
	f := &pdfFile{
		data: data, base: max(pdfHeader(data), 0), budget: limit, limit: limit,
		xref: map[int]xrefEntry{}, cache: map[int]any{}, loading: map[int]bool{}, objstms: map[int]*objStm{},
	}
	f.opening = true
	f.readXref()
	f.opening = false
	clear(f.cache) // objects missed while the xref was incomplete
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.resolve(f.trailer["Root"]).(pdfDict); !ok {
		f.reconstruct()
	}
	if f.err != nil {
		return nil, f.err
	}
	if err := f.setupCrypt(); err != nil {
		return nil, err
	}
	return f, nil
}

// readXref follows startxref and /Prev through the cross-reference
// sections; the first definition of an object found wins (the newest).
func (f *pdfFile) readXref() {
	k := bytes.LastIndex(f.data, []byte("startxref"))
	if k < 0 {
		return
	}
	l := &pdfLexer{b: f.data, pos: k + len("startxref"), f: f}
	off, ok := l.value(0)
	n, isInt := off.(int)
	if ok != nil || !isInt {
		return
	}
	seen := map[int]bool{}
	for range maxXrefSections {
		pos, ok := f.locateXref(n)
		if !ok || seen[pos] {
			return
		}
		seen[pos] = true
		trailer, ok := f.readSection(pos)
		if !ok {
			return
		}
		if f.trailer == nil {
			f.trailer = trailer
		} else {
			for k, v := range trailer {
				if _, has := f.trailer[k]; !has {
					f.trailer[k] = v
				}
			}
		}
		if n, ok = trailer["Prev"].(int); !ok {
			return
		}
	}
}

// locateXref returns where the section an offset names starts: the
// offset counted from "%PDF-", or from the start of the file.
func (f *pdfFile) locateXref(off int) (int, bool) {
	for _, p := range []int{f.base + off, off} {
		if p < 0 || p >= len(f.data) {
			continue
		}
		p = skipPDFSpace(f.data, p)
		if hasPDFKeyword(f.data, p, "xref") {
			return p, true
		}
		if _, _, ok := objHeader(f.data, p); ok {
			return p, true
		}
	}
	return 0, false
}

// readSection reads the xref table or stream at pos and returns its
// trailer dictionary.
func (f *pdfFile) readSection(pos int) (pdfDict, bool) {
	if !hasPDFKeyword(f.data, pos, "xref") {
		return f.readXrefStream(pos)
	}
	l := &pdfLexer{b: f.data, pos: pos + len("xref"), f: f}
	var free []int
	for {
		if l.hasKeyword("trailer") {
			l.pos += len("trailer")
			v, err := l.value(0)
			d, ok := v.(pdfDict)
			if err != nil || !ok {
				return nil, false
			}
			// A hybrid file lists its compressed objects in an xref stream.
			if off, ok := d["XRefStm"].(int); ok {
				if p, ok := f.locateXref(off); ok {
					f.readXrefStream(p)
				}
			}
			for _, num := range free {
				f.define(num, xrefEntry{})
			}
			return d, true
		}
		start, e1, ok1 := pdfUint(f.data, l.pos)
		count, e2, ok2 := pdfUint(f.data, skipPDFSpace(f.data, e1))
		if !ok1 || !ok2 {
			return nil, false
		}
		l.pos = e2
		for i := range count {
			off, e1, ok1 := pdfUint(f.data, skipPDFSpace(f.data, l.pos))
			_, e2, ok2 := pdfUint(f.data, skipPDFSpace(f.data, e1))
			t := skipPDFSpace(f.data, e2)
			if !ok1 || !ok2 || t >= len(f.data) || f.data[t] != 'n' && f.data[t] != 'f' {
				return nil, false
			}
			l.pos = t + 1
			if f.data[t] == 'n' {
				f.define(start+i, xrefEntry{kind: 1, off: off})
			} else if start+i > 0 {
				free = append(free, start+i)
			}
		}
	}
}

// define records where object num is unless a newer section already did.
func (f *pdfFile) define(num int, e xrefEntry) {
	if _, ok := f.xref[num]; !ok && num > 0 {
		f.xref[num] = e
	}
}

// readXrefStream reads the cross-reference stream at pos.
func (f *pdfFile) readXrefStream(pos int) (pdfDict, bool) {
	_, v, _, ok := f.parseObjectAt(pos)
	s, isStream := v.(*pdfStream)
	if !ok || !isStream || s.dict.name("Type") != "XRef" {
		return nil, false
	}
	data, err := f.decodeStream(s, false)
	if err != nil {
		return nil, false
	}
	w, _ := s.dict["W"].(pdfArray)
	if len(w) != 3 {
		return nil, false
	}
	var widths [3]int
	row := 0
	for i, x := range w {
		n, ok := x.(int)
		if !ok || n < 0 || n > 8 {
			return nil, false
		}
		widths[i] = n
		row += n
	}
	if row == 0 {
		return nil, false
	}
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		size, _ := s.dict.int("Size")
		index = pdfArray{0, size}
	}
	p := 0
	for i := 0; i+1 < len(index); i += 2 {
		start, ok1 := index[i].(int)
		count, ok2 := index[i+1].(int)
		if !ok1 || !ok2 || start < 0 || count < 0 {
			return nil, false
		}
		for j := 0; j < count && p+row <= len(data); j++ {
			var field [3]int
			for k, wk := range widths {
				for range wk {
					field[k] = field[k]<<8 | int(data[p])
					p++
				}
			}
			if widths[0] == 0 {
				field[0] = 1
			}
			switch field[0] {
			case 0:
				f.define(start+j, xrefEntry{})
			case 1:
				f.define(start+j, xrefEntry{kind: 1, off: field[1]})
			case 2:
				f.define(start+j, xrefEntry{kind: 2, off: field[1], idx: field[2]})
			}
		}
	}
	return s.dict, true
}

// objHeader reads "num gen obj" at i and returns num and where the
// object's value starts.
//
// Only white space, never a comment, may separate the three: the
// reconstruction pass tries this at every number, and skipping a comment
// each time would make a line of "1 %1 %1 %…" cost quadratic time.
func objHeader(b []byte, i int) (num, start int, ok bool) {
	num, e, ok := pdfUint(b, i)
	if !ok {
		return 0, 0, false
	}
	_, e, ok = pdfUint(b, skipWhite(b, e))
	if !ok {
		return 0, 0, false
	}
	k := skipWhite(b, e)
	if !hasPDFKeyword(b, k, "obj") {
		return 0, 0, false
	}
	return num, k + 3, true
}

// skipWhite skips white space (not comments).
func skipWhite(b []byte, i int) int {
	for i < len(b) && isPDFSpace(b[i]) {
		i++
	}
	return i
}

// parseObjectAt reads the indirect object at pos: its number and value (a
// dictionary followed by "stream" becomes a *pdfStream).
func (f *pdfFile) parseObjectAt(pos int) (int, any, int, bool) {
	num, start, ok := objHeader(f.data, pos)
	if !ok {
		return 0, nil, pos, false
	}
	l := &pdfLexer{b: f.data, pos: start, f: f}
	v, err := l.value(0)
	if err != nil {
		return num, nil, l.pos, false
	}
	d, isDict := v.(pdfDict)
	if !isDict || !l.hasKeyword("stream") {
		return num, v, l.pos, true
	}
	i := l.pos + len("stream")
	switch {
	case bytes.HasPrefix(f.data[i:], []byte("\r\n")):
		i += 2
	case i < len(f.data) && (f.data[i] == '\n' || f.data[i] == '\r'):
		i++
	}
	s := &pdfStream{dict: d, ref: pdfRef{num: num}}
	was := f.loading[num]
	f.loading[num] = true // a /Length that refers to its own stream is null
	length, _ := f.resolve(d["Length"]).(int)
	if !was {
		delete(f.loading, num)
	}
	if length >= 0 && i+length <= len(f.data) && hasPDFKeyword(f.data, skipPDFSpace(f.data, i+length), "endstream") {
		s.raw, s.exact = f.data[i:i+length], true
		return num, s, i + length, true
	}
	e := f.nextEndstream(i)
	if e < 0 {
		return num, nil, len(f.data), false
	}
	s.raw = f.data[i:e]
	return num, s, e, true
}

// nextEndstream returns the offset of the first "endstream" at or after
// i, or -1. The offsets are found once, in one pass over the file, so that
// many streams without a usable /Length cost linear time.
func (f *pdfFile) nextEndstream(i int) int {
	if f.endstreams == nil {
		f.endstreams = []int{}
		for p := 0; ; {
			k := bytes.Index(f.data[p:], []byte("endstream"))
			if k < 0 {
				break
			}
			f.endstreams = append(f.endstreams, p+k)
			p += k + len("endstream")
		}
	}
	j := sort.SearchInts(f.endstreams, i)
	if j == len(f.endstreams) {
		return -1
	}
	return f.endstreams[j]
}

// workLimit is how many bytes the lexer may read in all: eight times the
// file and what was decompressed, and a megabyte.
func (f *pdfFile) workLimit() int {
	return 8*(len(f.data)+int(f.limit-f.budget)) + 1<<20
}

// overWork records and returns the error for a file whose objects cost
// more than linear time to read.
func (f *pdfFile) overWork() error {
	if f.err == nil {
		f.err = newError(CodePDFWithoutXML, nil, "the PDF's structure is too damaged to read (objects that never end, or overlap): no embedded invoice XML can be found in it; send the invoice XML itself")
	}
	return f.err
}

// maxRefHops bounds chains of references to references.
const maxRefHops = 32

// resolve follows references; a missing or unreadable object is null.
func (f *pdfFile) resolve(v any) any {
	for range maxRefHops {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = f.object(r.num)
	}
	return nil
}

// dict resolves v to a dictionary, or nil.
func (f *pdfFile) dict(v any) pdfDict {
	d, _ := f.resolve(v).(pdfDict)
	return d
}

// object returns object num, or nil when it is missing, deleted or
// unreadable, or a reference cycle reaches it.
func (f *pdfFile) object(num int) any {
	if v, ok := f.cache[num]; ok {
		return v
	}
	if f.loading[num] || f.err != nil {
		return nil
	}
	f.loading[num] = true
	v, ok := f.load(num)
	if !ok && !f.reconstructed && !f.opening && f.err == nil {
		f.reconstruct()
		v, _ = f.load(num)
	}
	delete(f.loading, num)
	f.cache[num] = v
	return v
}

// load reads object num from where the xref says it is.
func (f *pdfFile) load(num int) (any, bool) {
	e, ok := f.xref[num]
	if !ok {
		return nil, f.reconstructed
	}
	switch e.kind {
	case 1:
		for _, p := range []int{f.base + e.off, e.off} {
			if p < 0 || p >= len(f.data) {
				continue
			}
			if n, v, _, ok := f.parseObjectAt(p); ok && n == num {
				if f.crypt != nil && num != f.encRef.num {
					v = f.crypt.decryptStrings(v, num)
				}
				return v, true
			}
		}
		return nil, false
	case 2:
		return f.fromObjStm(num, e.off, e.idx)
	}
	return nil, true // deleted
}

// fromObjStm reads object num, the idx-th object of object stream sn.
func (f *pdfFile) fromObjStm(num, sn, idx int) (any, bool) {
	os, ok := f.objstms[sn]
	if !ok {
		os = f.readObjStm(sn)
		f.objstms[sn] = os
	}
	if os == nil {
		return nil, false
	}
	if idx < 0 || idx >= len(os.nums) || os.nums[idx] != num {
		if os.index == nil {
			os.index = make(map[int]int, len(os.nums))
			for i, n := range os.nums {
				if _, dup := os.index[n]; !dup {
					os.index[n] = i
				}
			}
		}
		var ok bool
		if idx, ok = os.index[num]; !ok {
			return nil, false
		}
	}
	l := &pdfLexer{b: os.data, pos: os.first + os.offs[idx], f: f}
	if l.pos < 0 || l.pos >= len(os.data) {
		return nil, false
	}
	v, err := l.value(0)
	if _, kw := v.(pdfKeyword); err != nil || kw {
		return nil, false
	}
	return v, true
}

// readObjStm decodes object stream sn, or returns nil. It must be an
// object of its own (kind 1), never inside another object stream.
func (f *pdfFile) readObjStm(sn int) *objStm {
	if e := f.xref[sn]; e.kind != 1 {
		return nil
	}
	s, ok := f.object(sn).(*pdfStream)
	if !ok || s.dict.name("Type") != "ObjStm" {
		return nil
	}
	n, _ := s.dict.int("N")
	first, _ := s.dict.int("First")
	data, err := f.decodeStream(s, true)
	if err != nil || n <= 0 || first < 0 || first > len(data) || n > first/4+1 {
		return nil
	}
	os := &objStm{data: data, first: first}
	p := 0
	for range n {
		num, e1, ok1 := pdfUint(data[:first], skipPDFSpace(data[:first], p))
		off, e2, ok2 := pdfUint(data[:first], skipPDFSpace(data[:first], e1))
		if !ok1 || !ok2 {
			break
		}
		os.nums, os.offs, p = append(os.nums, num), append(os.offs, off), e2
	}
	return os
}

// reconstruct rebuilds the cross-reference information in one linear pass
// over the file, as PDF readers do for a broken file: every "num gen obj"
// is an object (a later definition replaces an earlier one), stream data
// is skipped up to "endstream", and the trailers (and cross-reference
// stream dictionaries) give the catalog and the encryption dictionary.
// Objects in object streams keep the locations the xref gave, and those of
// the object streams found.
func (f *pdfFile) reconstruct() {
	f.reconstructed = true
	old := f.xref
	f.xref = map[int]xrefEntry{}
	clear(f.cache)
	clear(f.objstms)
	var trailers []pdfDict
	b := f.data
	for p := f.base; p < len(b); {
		c := b[p]
		switch {
		case c >= '0' && c <= '9' && (p == 0 || isPDFDelim(b[p-1])):
			num, start, ok := objHeader(b, p)
			if !ok {
				_, e, _ := pdfUint(b, p)
				p = max(e, p+1)
				continue
			}
			if _, seen := f.xref[num]; !seen {
				f.scanned = append(f.scanned, num)
			}
			f.xref[num] = xrefEntry{kind: 1, off: p - f.base}
			p = start
		case c == 's' && hasPDFKeyword(b, p, "stream") && p > 0 && (isPDFSpace(b[p-1]) || b[p-1] == '>'):
			e := f.nextEndstream(p)
			if e < 0 {
				p = len(b)
				continue
			}
			p = e + len("endstream")
		case c == 't' && hasPDFKeyword(b, p, "trailer"):
			l := &pdfLexer{b: b, pos: p + len("trailer"), f: f}
			v, _ := l.value(0)
			if d, ok := v.(pdfDict); ok {
				trailers = append(trailers, d)
			}
			p = max(l.pos, p+1)
		default:
			p++
		}
	}
	for num, e := range old {
		if _, ok := f.xref[num]; !ok && e.kind == 2 {
			f.xref[num] = e
		}
	}
	// Objects in the object streams found, unless defined directly.
	for _, num := range f.scanned {
		s, ok := f.object(num).(*pdfStream)
		if !ok {
			continue
		}
		switch s.dict.name("Type") {
		case "ObjStm":
			if os := f.readObjStm(num); os != nil {
				f.objstms[num] = os
				for i, n := range os.nums {
					if _, ok := f.xref[n]; !ok {
						f.xref[n] = xrefEntry{kind: 2, off: num, idx: i}
						f.scanned = append(f.scanned, n)
					}
				}
			}
		case "XRef":
			trailers = append(trailers, s.dict)
		}
	}
	// The newest trailer wins, key by key.
	merged := pdfDict{}
	for _, t := range slices.Backward(trailers) {
		for k, v := range t {
			if _, has := merged[k]; !has {
				merged[k] = v
			}
		}
	}
	if _, ok := f.resolve(merged["Root"]).(pdfDict); !ok {
		for _, num := range slices.Backward(f.scanned) {
			if d, ok := f.object(num).(pdfDict); ok && d.name("Type") == "Catalog" {
				merged["Root"] = pdfRef{num: num}
				break
			}
		}
	}
	if f.trailer != nil && merged["Encrypt"] == nil {
		merged["Encrypt"], merged["ID"] = f.trailer["Encrypt"], f.trailer["ID"]
	}
	f.trailer = merged
}
