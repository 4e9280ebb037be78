package importer

import (
	"cmp"
	"errors"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// maxCellLength is the longest address cell accepted, in bytes: room for
// registry.MaxAddresses addresses of the longest kind and a separator each.
const maxCellLength = registry.MaxAddresses * (address.MaxLength + 1)

// validator turns decoded rows into a Batch, collecting every problem. It
// works in stages so that a large file uses every processor: dispatch, on
// the decoder's goroutine (Read's), skips empty rows, reads the header and
// groups the data rows into chunks; GOMAXPROCS workers check the chunks in
// parallel; collect, on a goroutine of its own, adds their entries and
// problems to the batch in file order. When the file has been read, duplicates
// finds the customer numbers that are on several rows, in parallel too. At
// most maxChunks chunks are under way at once, which bounds the memory the
// pipeline itself takes.
type validator struct {
	o    Options
	hash func(customerNumber string) uint64 // spreads customer numbers over the duplicate index's shards

	// presized is the array Batch.Entries starts in, allocated for the
	// expected rows; the workers write the entries of the chunks that fit
	// in it there at once.
	presized []registry.Entry

	// dispatch's, until the decoder returns.
	cur               *chunk // the chunk being filled, or nil
	chunks            int    // chunks allocated, at most maxChunks
	sent              int    // data rows sent to the workers
	work, free, order chan *chunk
	started           bool // a non-empty row has been seen
	headerCols        int  // columns the header row names; 0 without a header
	dataRows          int
	lastRow           int     // number of the last non-empty row
	content           int     // non-empty rows, header included
	tooMany           Problem // CodeTooManyRows at the row past Options.MaxRows, if any

	// collect's.
	batch    Batch               // Entries holds every data row's, even with problems, until finish
	rows     rowIndex            // the row number of each entry
	keys     [dupShards][]dupKey // the entries with a valid customer number, by shard
	problems []Problem
	total    int
}

// rowIndex gives the row numbers of the entries. Rows follow each other but
// where empty rows were skipped, so it keeps only where the numbering
// jumps.
type rowIndex struct {
	n     int       // entries indexed
	jumps []rowJump // in order of i
}

// rowJump says that entry i and those after it, up to the next jump, are
// on the rows that follow row.
type rowJump struct{ i, row int }

// add adds the next entry, on row row.
func (x *rowIndex) add(row int) {
	if k := len(x.jumps); k == 0 || x.jumps[k-1].row+x.n-x.jumps[k-1].i != row {
		x.jumps = append(x.jumps, rowJump{x.n, row})
	}
	x.n++
}

// row returns the row number of entry i.
func (x *rowIndex) row(i int32) int {
	k, found := slices.BinarySearchFunc(x.jumps, int(i), func(j rowJump, i int) int { return cmp.Compare(j.i, i) })
	if !found {
		k-- // the last jump before i
	}
	return x.jumps[k].row + int(i) - x.jumps[k].i
}

// dupKey is an entry in the duplicate index: the high half of the hash of
// its customer number (the low half picks the shard) and its index in
// Batch.Entries (which holds far fewer than 2^31 entries in any memory).
type dupKey struct {
	hash uint32
	i    int32
}

// Sizes of the pipeline.
const (
	chunkRows  = 2048          // data rows per chunk
	chunkCells = 8 * chunkRows // cells after which a chunk of wide rows is sent early
	maxChunks  = 16            // chunks under way at once
	slabSize   = 4096          // addresses per allocation of a chunk's address slab
	dupShards  = 32            // parts of the duplicate index, each small enough for the processor's caches
)

// newValidator returns a validator that expects about rows data rows (0 if
// unknown), to size the batch at once.
func newValidator(f Format, o Options, rows int) *validator {
	seed := maphash.MakeSeed()
	v := &validator{o: o, hash: func(cn string) uint64 { return maphash.String(seed, cn) }, batch: Batch{Format: f}}
	if rows > 0 {
		v.presized = make([]registry.Entry, 0, rows)
		v.batch.Entries = v.presized
		for s := range v.keys {
			v.keys[s] = make([]dupKey, 0, rows/dupShards+rows/dupShards/16)
		}
	}
	return v
}

// run calls decode with dispatch as its yield function and returns decode's
// error once every row has been checked and merged. decode runs on the
// caller's goroutine, so that a panic in a Decoder reaches the caller as it
// would without the pipeline (the other goroutines then end on their own).
func (v *validator) run(decode func(yield func(*Row) error) error) error {
	v.work = make(chan *chunk, maxChunks)
	v.free = make(chan *chunk, maxChunks)
	v.order = make(chan *chunk, maxChunks)
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for c := range v.work {
				c.check()
				c.done <- struct{}{}
			}
		})
	}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for c := range v.order {
			<-c.done
			v.collect(c)
			v.free <- c
		}
	}()
	var err error
	func() {
		defer close(v.order)
		defer close(v.work)
		err = decode(v.dispatch)
		v.send()
	}()
	<-collected
	workers.Wait()
	v.duplicates()
	if v.tooMany.Code != "" {
		v.stop(v.tooMany)
	}
	return err
}

// fail records a problem. A file with a problem imports nothing.
func (v *validator) fail(p Problem) {
	v.total++
	if len(v.problems) < v.o.MaxProblems {
		v.problems = append(v.problems, p)
	}
}

// stop records the problems that stopped the reading, after every other:
// they are listed even when Options.MaxProblems others were, in place of
// the last of those.
func (v *validator) stop(ps ...Problem) {
	v.total += len(ps)
	ps = ps[:min(len(ps), v.o.MaxProblems)]
	v.problems = append(v.problems[:min(len(v.problems), v.o.MaxProblems-len(ps))], ps...)
}

func (v *validator) warn(p Problem) {
	v.batch.WarningTotal++
	if len(v.batch.Warnings) < v.o.MaxProblems {
		v.batch.Warnings = append(v.batch.Warnings, p)
	}
}

// finish returns the batch, or an *ImportError listing every problem.
func (v *validator) finish() (*Batch, error) {
	if v.dataRows == 0 && v.total == 0 {
		v.fail(Problem{Code: CodeEmptyFile})
	}
	if v.total > 0 {
		return nil, &ImportError{Problems: v.problems, Total: v.total}
	}
	v.batch.EmptyRows = v.lastRow - v.content
	b := v.batch // not &v.batch, which would keep the validator
	return &b, nil
}

// dispatch takes one decoded row; it is the yield function given to a
// Decoder.
func (v *validator) dispatch(r *Row) error {
	empty := true
	for _, c := range r.Cells {
		if !blank(c) {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	v.lastRow = max(v.lastRow, r.Number)
	v.content++
	if !v.started {
		v.started = true
		if v.header(r) {
			return nil
		}
	}
	v.dataRows++
	if v.dataRows > v.o.MaxRows {
		v.tooMany = Problem{Row: r.Number, Code: CodeTooManyRows, Limit: int64(v.o.MaxRows)}
		return errStop
	}
	c := v.chunk()
	start := len(c.cells)
	c.cells = append(c.cells, r.Cells...)
	c.rows = append(c.rows, Row{Number: r.Number, Cells: c.cells[start:len(c.cells):len(c.cells)]})
	if len(c.rows) == chunkRows || len(c.cells) >= chunkCells {
		v.send()
	}
	return nil
}

// chunk returns the chunk being filled, starting one if there is none.
func (v *validator) chunk() *chunk {
	if v.cur == nil {
		if v.chunks < maxChunks {
			v.chunks++
			v.cur = &chunk{hash: v.hash, done: make(chan struct{}, 1),
				rows: make([]Row, 0, chunkRows), cells: make([]Cell, 0, 3*chunkRows), hashes: make([]uint64, 0, chunkRows)}
		} else {
			v.cur = <-v.free
		}
		c := v.cur
		c.rows, c.cells, c.hashes, c.problems, c.warnings = c.rows[:0], c.cells[:0], c.hashes[:0], c.problems[:0], c.warnings[:0]
	}
	return v.cur
}

// send hands the chunk being filled, if any, to the workers and to collect.
func (v *validator) send() {
	c := v.cur
	if c == nil {
		return
	}
	c.ncols = 3
	if v.headerCols > 0 {
		c.ncols = v.headerCols
	}
	if n := v.sent + len(c.rows); n <= cap(v.presized) {
		c.entries, c.direct = v.presized[v.sent:v.sent:n], true
	} else {
		c.entries, c.direct = c.own[:0], false
	}
	v.sent += len(c.rows)
	v.work <- c
	v.order <- c
	v.cur = nil
}

// collect adds a checked chunk to the batch: its entries and, in order, its
// problems.
func (v *validator) collect(c *chunk) {
	for _, p := range c.problems {
		v.fail(p)
	}
	for _, w := range c.warnings {
		v.warn(w)
	}
	for i, r := range c.rows {
		if c.entries[i].CustomerNumber != "" {
			h := c.hashes[i]
			v.keys[h%dupShards] = append(v.keys[h%dupShards], dupKey{hash: uint32(h >> 32), i: int32(v.rows.n)})
		}
		v.rows.add(r.Number)
	}
	if c.direct {
		v.batch.Entries = v.batch.Entries[:v.rows.n] // still in v.presized: chunks come in order
	} else {
		v.batch.Entries = append(v.batch.Entries, c.entries...)
		c.own = c.entries
	}
}

// duplicates reports every row whose customer number an earlier row has,
// naming that row. GOMAXPROCS goroutines go through the shards of the
// duplicate index, each shard's entries in file order, comparing the
// hashes of the customer numbers (and the numbers themselves only when the
// hashes are equal) in a map small enough to stay in the processor's
// caches, which each goroutine reuses from shard to shard. The problems
// are then merged, in row order, into those already found, after the
// other problems of their row.
func (v *validator) duplicates() {
	type found struct {
		problems []Problem // the first Options.MaxProblems
		total    int
	}
	shards := make([]found, dupShards)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range min(dupShards, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			first := map[uint32]int32{}   // hash → the first entry with it
			var collided map[string]int32 // customer number → its first entry, for numbers whose hash an earlier, different one has
			for s := next.Add(1) - 1; s < dupShards; s = next.Add(1) - 1 {
				f := &shards[s]
				clear(first)
				clear(collided)
				for _, k := range v.keys[s] {
					j, seen := first[k.hash]
					if !seen {
						first[k.hash] = k.i
						continue
					}
					if cn := v.batch.Entries[k.i].CustomerNumber; cn != v.batch.Entries[j].CustomerNumber {
						if j, seen = collided[cn]; !seen {
							if collided == nil {
								collided = map[string]int32{}
							}
							collided[cn] = k.i
							continue
						}
					}
					if f.total++; len(f.problems) < v.o.MaxProblems {
						cn := v.batch.Entries[k.i].CustomerNumber
						f.problems = append(f.problems, Problem{Row: v.rows.row(k.i), Column: "A", Value: shorten(cn), Code: CodeDuplicateCustomerNumber, OtherRow: v.rows.row(j)})
					}
				}
			}
		})
	}
	wg.Wait()

	var dups []Problem
	for _, f := range shards {
		dups = append(dups, f.problems...)
		v.total += f.total
	}
	if len(dups) == 0 {
		return
	}
	slices.SortFunc(dups, func(a, b Problem) int { return cmp.Compare(a.Row, b.Row) })
	merged := make([]Problem, 0, min(len(v.problems)+len(dups), v.o.MaxProblems))
	rest := v.problems
	for _, d := range dups {
		for len(rest) > 0 && rest[0].Row <= d.Row && len(merged) < cap(merged) {
			merged, rest = append(merged, rest[0]), rest[1:]
		}
		if len(merged) < cap(merged) {
			merged = append(merged, d)
		}
	}
	v.problems = append(merged, rest[:min(len(rest), cap(merged)-len(merged))]...)
}

// chunk is a group of data rows on their way through the validator.
type chunk struct {
	hash  func(customerNumber string) uint64
	ncols int   // columns a row may use
	rows  []Row // their Cells are in cells
	cells []Cell

	// What check found.
	entries  []registry.Entry // one per row; CustomerNumber is "" for a row without a valid one
	direct   bool             // entries is the chunk's place in validator.presized
	own      []registry.Entry // the chunk's own space for entries, when they do not fit there
	hashes   []uint64         // one per row: the hash of its customer number
	problems []Problem        // in row order; the header's first
	warnings []Problem
	done     chan struct{} // receives a value when check has returned

	parts []string // scratch for splitting an address cell
	// addrs is the slab the entries' addresses are allocated from: they
	// keep its first len(addrs) elements (in slices whose capacity ends
	// there); the rest is free for the next rows.
	addrs []string
}

func (c *chunk) fail(p Problem) { c.problems = append(c.problems, p) }

// check checks every row of the chunk.
func (c *chunk) check() {
	for i := range c.rows {
		e := c.row(&c.rows[i])
		c.entries = append(c.entries, e)
		c.hashes = append(c.hashes, c.hash(e.CustomerNumber))
	}
}

// row checks one data row and returns its entry.
func (c *chunk) row(r *Row) registry.Entry {
	cells := r.Cells
	for i := c.ncols; i < len(cells); i++ {
		if !blank(cells[i]) {
			c.fail(Problem{Row: r.Number, Column: columnName(i), Value: shorten(cells[i].Value), Code: CodeTooManyColumns})
			break
		}
	}
	var a, b, cc Cell
	switch {
	case len(cells) >= 3 && c.ncols >= 3:
		cc = cells[2]
		fallthrough
	case len(cells) >= 2:
		b = cells[1]
	}
	a = cells[0]

	cn := c.customerNumber(r.Number, a)
	to := c.addresses(r.Number, "B", b, nil)
	if blank(b) && !blank(a) {
		c.fail(Problem{Row: r.Number, Column: "B", Code: CodeMissingAddress})
	}
	ccs := c.addresses(r.Number, "C", cc, to)
	if n := len(to) + len(ccs); n > registry.MaxAddresses {
		c.fail(Problem{Row: r.Number, Code: CodeTooManyAddresses, Limit: registry.MaxAddresses})
	}
	return registry.Entry{CustomerNumber: cn, To: to, Cc: ccs}
}

// Header words, compared after headerKey.
const (
	headNone = iota
	headCustomer
	headTo
	headCc
)

var headerWords = map[string]int{
	"asiakasnumero": headCustomer, "asiakasnro": headCustomer, "asiakas": headCustomer, "asiakastunnus": headCustomer,
	"kundnummer": headCustomer, "kundnr": headCustomer, "kund": headCustomer,
	"customernumber": headCustomer, "customerno": headCustomer, "customernr": headCustomer, "customer": headCustomer, "customerid": headCustomer,

	"sähköposti": headTo, "sähköpostiosoite": headTo, "sähköpostiosoitteet": headTo, "sposti": headTo, "vastaanottaja": headTo,
	"epost": headTo, "epostadress": headTo, "epostadresser": headTo, "mottagare": headTo,
	"email": headTo, "emails": headTo, "emailaddress": headTo, "emailaddresses": headTo, "mail": headTo, "to": headTo, "recipient": headTo, "recipients": headTo,

	"cc": headCc, "kopio": headCc, "kopiocc": headCc, "kopiot": headCc, "kopioosoitteet": headCc,
	"kopia": headCc, "kopiacc": headCc, "kopieadresser": headCc, "copy": headCc, "copycc": headCc, "copies": headCc,
}

// headerKey reduces a heading to lower-case letters and digits, so that
// "E-mail", "e mail" and "EMAIL" compare equal. A key longer than every
// header word is cut short (it matches none), so that a long value costs
// nothing.
func headerKey(s string) string {
	var b [4 * maxHeaderKey]byte
	k := b[:0]
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if n++; n > maxHeaderKey {
				break
			}
			k = utf8.AppendRune(k, unicode.ToLower(r))
		}
	}
	return string(k)
}

// maxHeaderKey is one more than the letters of the longest header word.
const maxHeaderKey = 20

// header reports whether r, the first non-empty row, is a header row: one
// with a recognised heading. A header row's headings must be in their
// columns (A customer number, B addresses, C copy addresses); any that is
// not gives CodeWrongHeader.
func (v *validator) header(r *Row) bool {
	found := false
	for _, c := range r.Cells {
		if c.Kind == KindText && !c.Cut && headerWords[headerKey(c.Value)] != headNone {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	v.headerCols = 2
	for i, c := range r.Cells {
		if blank(c) {
			continue
		}
		want := headNone
		if i < 3 {
			want = []int{headCustomer, headTo, headCc}[i]
		}
		if c.Kind != KindText || c.Cut || want == headNone || headerWords[headerKey(c.Value)] != want {
			v.chunk().fail(Problem{Row: r.Number, Column: columnName(i), Value: shorten(c.Value), Code: CodeWrongHeader})
			continue
		}
		v.headerCols = max(v.headerCols, i+1)
	}
	return true
}

// kindCodes maps the cell kinds that are never valid to their codes.
var kindCodes = [...]Code{
	KindDate:                CodeDateCell,
	KindBool:                CodeBooleanCell,
	KindError:               CodeErrorCell,
	KindFormulaWithoutValue: CodeFormulaWithoutValue,
}

// kindProblem reports a cell of a kind that is never valid and returns
// true, or returns false.
func (c *chunk) kindProblem(row int, col string, cell Cell) bool {
	if int(cell.Kind) >= len(kindCodes) || kindCodes[cell.Kind] == "" {
		return false
	}
	c.fail(Problem{Row: row, Column: col, Value: shorten(cell.Value), Code: kindCodes[cell.Kind]})
	return true
}

// customerNumber validates column A of a row that is not empty and returns
// the customer number, or "" with the problem recorded.
func (c *chunk) customerNumber(row int, cell Cell) string {
	if c.kindProblem(row, "A", cell) {
		return ""
	}
	if cell.Cut {
		c.fail(Problem{Row: row, Column: "A", Value: shorten(cell.Value), Code: CodeValueTooLong, Limit: registry.MaxCustomerNumberLength})
		return ""
	}
	s := unquote(cell.Value)
	if cell.Kind == KindText && plainCustomerNumber(s) {
		return s
	}
	return c.anyCustomerNumber(row, cell, s)
}

// anyCustomerNumber is customerNumber for a cell of any kind, s its text
// without the apostrophe: it looks for every problem.
func (c *chunk) anyCustomerNumber(row int, cell Cell, s string) string {
	fail := func(code Code, limit int64) string {
		c.fail(Problem{Row: row, Column: "A", Value: shorten(cell.Value), Code: code, Limit: limit})
		return ""
	}
	if hasControl(s) {
		return fail(CodeControlCharacter, 0)
	}
	if s = trimSpace(s); s == "" {
		return fail(CodeEmptyCustomerNumber, 0)
	}
	if cell.Kind == KindNumber {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1e15 {
			return fail(CodeInexactNumber, 0)
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
		c.warnings = append(c.warnings, Problem{Row: row, Column: "A", Value: s, Code: CodeNumericCell})
	}
	switch {
	case len(s) > registry.MaxCustomerNumberLength && utf8.RuneCountInString(s) > registry.MaxCustomerNumberLength:
		return fail(CodeValueTooLong, registry.MaxCustomerNumberLength)
	case cell.Kind == KindText && isScientific(s):
		return fail(CodeScientificNotation, 0)
	case registry.CheckCustomerNumber(s) != nil:
		// Not reached after the checks above; kept so that nothing the
		// registry would refuse ever gets into a batch.
		return fail(CodeControlCharacter, 0)
	}
	// The decoder's string, kept as it is: the addresses of the row keep
	// the rest of it anyway.
	return s
}

// addresses validates an address cell and returns its addresses, parsed and
// without duplicates (nor any already in to; see address.Equal), or
// nil if the cell is empty or has a problem (recorded). The result is
// allocated from the chunk's address slab.
func (c *chunk) addresses(row int, col string, cell Cell, to []string) []string {
	if c.kindProblem(row, col, cell) {
		return nil
	}
	s := unquote(cell.Value)
	if !cell.Cut && isBlank(s) {
		return nil
	}
	if len(s) > maxCellLength || cell.Cut {
		c.fail(Problem{Row: row, Column: col, Value: shorten(s), Code: CodeValueTooLong, Limit: maxCellLength})
		return nil
	}
	if list, ok := c.plainAddresses(s, to); ok {
		return list
	}
	return c.anyAddresses(row, col, s, to)
}

// anyAddresses is addresses for a cell of any kind, s its text (without the
// apostrophe, not blank and not too long): it looks for every problem.
func (c *chunk) anyAddresses(row int, col string, s string, to []string) []string {
	fail := func(p Problem) []string {
		p.Row, p.Column = row, col
		c.fail(p)
		return nil
	}
	if hasControl(s) {
		return fail(Problem{Value: shorten(s), Code: CodeControlCharacter})
	}
	switch separatorAfterAddress(s) {
	case ',':
		return fail(Problem{Value: shorten(s), Code: CodeCommaBetweenAddresses})
	case ';':
		return fail(Problem{Value: shorten(s), Code: CodeSemicolonBetweenAddresses})
	}
	if c.parts = append(c.parts[:0], address.SplitList(s)...); len(c.parts) == 0 {
		c.parts = append(c.parts, s) // only separators, such as ","
	}
	if cap(c.addrs)-len(c.addrs) < len(c.parts) {
		c.addrs = make([]string, 0, max(slabSize, len(c.parts)))
	}
	start := len(c.addrs)
	ok := true
	for _, part := range c.parts {
		a, err := address.Parse(part)
		if err != nil {
			var ae *address.Error
			p := Problem{Value: shorten(part), Code: CodeInvalidAddress}
			if errors.As(err, &ae) {
				p.Reason = ae.Reason
			}
			fail(p)
			ok = false
			continue
		}
		if !address.Contains(to, a) && !address.Contains(c.addrs[start:], a) {
			c.addrs = append(c.addrs, a)
		}
	}
	if !ok || len(c.addrs) == start {
		c.addrs = c.addrs[:start]
		return nil
	}
	return c.addrs[start:len(c.addrs):len(c.addrs)]
}

// plainAddresses returns the addresses of an address cell of the common
// kind, allocated from the chunk's slab and without duplicates (nor any
// already in to): addresses separated by spaces that address.Parse
// returns as they are. For any other cell it returns false, having kept
// nothing, and the cell needs the careful checks, which give the same
// addresses for a cell of this kind: reading such a cell once is most of
// what validating a large file takes.
func (c *chunk) plainAddresses(s string, to []string) ([]string, bool) {
	start := len(c.addrs)
	for rest := s; rest != ""; {
		part := rest
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if part == "" {
			continue
		}
		if a, err := address.Parse(part); err != nil || a != part {
			c.addrs = c.addrs[:start]
			return nil, false
		}
		if address.Contains(to, part) || address.Contains(c.addrs[start:], part) {
			continue
		}
		if len(c.addrs) == cap(c.addrs) { // a new slab, with the addresses so far
			c.addrs = append(make([]string, 0, max(slabSize, 2*(len(c.addrs)-start))), c.addrs[start:]...)
			start = 0
		}
		c.addrs = append(c.addrs, part)
	}
	return c.addrs[start:len(c.addrs):len(c.addrs)], len(c.addrs) > start
}

// separatorAfterAddress returns the first ',' or ';' that follows an
// address ("a@x.fi, b@y.fi"), or 0. A comma inside a display name
// ("Meikäläinen, Matti <m@x.fi>") does not count. s has no control
// characters.
func separatorAfterAddress(s string) rune {
	prevSep, at, angle := true, false, false
	for _, r := range s {
		if !angle {
			if r == ',' || r == ';' {
				if at {
					return r
				}
				prevSep = true
				continue
			}
			if r == ' ' || r >= utf8.RuneSelf && unicode.IsSpace(r) { // no control characters get here
				prevSep = true
				continue
			}
		}
		if prevSep {
			at, prevSep = false, false
		}
		switch r {
		case '<':
			angle = true
		case '>':
			angle = false
		case '@':
			at = true
		}
	}
	return 0
}

// blank reports whether c holds nothing but spaces (or a lone apostrophe).
func blank(c Cell) bool {
	return c.Kind == KindText && !c.Cut && isBlank(unquote(c.Value))
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' {
			if c < utf8.RuneSelf {
				return false
			}
			return strings.TrimFunc(s[i:], unicode.IsSpace) == ""
		}
	}
	return true
}

// trimSpace is strings.TrimFunc(s, unicode.IsSpace), without a call per
// character when s starts and ends with a character of ASCII that is not a
// space, as nearly every value does.
func trimSpace(s string) string {
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimFunc(s, unicode.IsSpace)
}

// unquote drops the apostrophe that marks a value as text in a spreadsheet
// (and that Export adds before values a spreadsheet would take for a
// formula).
func unquote(s string) string {
	if len(s) > 0 && s[0] == '\'' {
		return s[1:]
	}
	return s
}

// hasControl reports whether s holds a control character (C0, DEL, C1), a
// format character (zero-width space, BOM, bidi marks, …) or invalid UTF-8.
func hasControl(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
		i += size
	}
	return false
}

// plainCustomerNumber reports whether s is a customer number of the
// common kind, which every check below would pass as it is: not too long,
// and only printable ASCII other than space and '+' (without which it
// cannot be in scientific notation).
func plainCustomerNumber(s string) bool {
	if s == "" || len(s) > registry.MaxCustomerNumberLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '+' {
			return false
		}
	}
	return true
}

// isScientific reports whether s looks like a number in the scientific
// notation Excel writes for long numbers: 1.23457E+10, 1E+15.
func isScientific(s string) bool {
	for i := 0; ; i++ { // the common case, without a copy
		if i == len(s) {
			return false
		}
		if c := s[i]; c == 'E' || c == 'e' {
			break
		} else if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	if !ok || exp == "" || mant == "" || !allDigits(exp) {
		return false
	}
	whole, frac, dot := strings.Cut(mant, ".")
	return allDigits(whole) && whole != "" && (!dot || frac != "" && allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// columnName returns the spreadsheet letter of the 0-based column i: A, B,
// …, Z, AA, …
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}
