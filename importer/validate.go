package importer

import (
	"cmp"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
	c.ncols = len(columns)
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
	var a, b, cc, d, lang Cell
	switch {
	case len(cells) >= 5 && c.ncols >= 5:
		lang = cells[4]
		fallthrough
	case len(cells) >= 4 && c.ncols >= 4:
		d = cells[3]
		fallthrough
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
	return registry.Entry{CustomerNumber: cn, To: to, Cc: ccs, Profile: c.profile(r.Number, d), Language: c.language(r.Number, lang)}
}

// language reads the customer's language in column E: "" for an empty
// cell (the stored language is kept), else a language code such as fi or
// en-GB, its first part in any case ("FI" is "fi").
func (c *chunk) language(row int, e Cell) string {
	if blank(e) {
		return ""
	}
	primary, region, ok := strings.Cut(strings.TrimSpace(unquote(e.Value)), "-")
	lang := strings.ToLower(primary)
	if ok {
		lang += "-" + region
	}
	// The registry's rule, with a primary part of two or three letters
	// (ISO 639), so that a language's name ("Finnish") is not taken for
	// its code.
	probe := registry.Entry{CustomerNumber: "1", To: []string{"probe@example.fi"}, Language: lang}
	if e.Kind != KindText || e.Cut || len(primary) < 2 || len(primary) > 3 || probe.Validate() != nil {
		c.fail(Problem{Row: row, Column: "E", Value: shorten(e.Value), Code: CodeInvalidLanguage})
		return ""
	}
	return lang
}

// profile reads the delivery profile in column D: "" for an empty cell
// (the stored profile is kept), else standard or scan in any case.
func (c *chunk) profile(row int, d Cell) registry.Profile {
	if blank(d) {
		return ""
	}
	p, err := registry.ParseProfile(d.Value)
	if err != nil || d.Kind != KindText || d.Cut || p == "" {
		c.fail(Problem{Row: row, Column: "D", Value: shorten(d.Value), Code: CodeInvalidProfile})
		return ""
	}
	return p
}
