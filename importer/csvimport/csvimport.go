package csvimport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gocarina/gocsv"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
)

// Options configures a [Decoder]. The zero value (or nil) means the
// defaults.
type Options struct {
	// Comma is the field delimiter. 0 means it is detected from the file:
	// ',', ';' or a tab. Any delimiter encoding/csv accepts may be set: a
	// character other than a quotation mark, a line break, NUL or U+FFFD.
	Comma rune
}

// Decoder reads CSV import files. It implements importer.Decoder and is
// safe for concurrent use.
type Decoder struct {
	comma rune
}

var _ importer.Decoder = (*Decoder)(nil)

// NewDecoder returns a CSV decoder. opts may be nil.
func NewDecoder(opts *Options) *Decoder {
	d := &Decoder{}
	if opts != nil {
		d.comma = opts.Comma
	}
	return d
}

// Format returns importer.CSV.
func (*Decoder) Format() importer.Format { return importer.CSV }

// Decode reads a CSV file from r and calls yield for each record (empty
// lines are no records); see importer.Decoder. Row numbers count lines as a
// spreadsheet shows them (a quoted field with a line break is still one
// row). A stray or unclosed quotation mark gives an *importer.ImportError
// with importer.CodeMalformedCSV, a value past column XFD one with
// importer.CodeTooManyColumns, and a delimiter that cannot be one
// (Options.Comma a quotation mark, a line break or NUL) an error that is
// not an *importer.ImportError.
//
// Records are split into fields as an encoding/csv Reader would split
// them, but no value longer than importer.MaxCellSize is kept whole (see
// the package documentation), and mapped onto importer.Record, columns A
// to E, by gocsv; cells past column E are passed on as they are, for
// validation to refuse.
//
// Most callers use importer.Read, which also validates the rows.
func (d *Decoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	if r == nil || yield == nil {
		return errors.New("csvimport: Decode needs a reader and a yield function (one is nil)")
	}
	t, err := newText(r)
	if err != nil {
		return err
	}
	var comma rune
	if d != nil { // a nil *Decoder decodes like NewDecoder(nil)
		comma = d.comma
	}
	if comma == 0 {
		comma = detectComma(t.head())
	}
	fr, err := newFieldReader(t, comma)
	if err != nil {
		return err
	}

	// The file is read on a goroutine of its own, a few groups of records
	// ahead of the mapping and yielding here, so that reading and what the
	// caller does with the rows use two processors. Decode returns only
	// once that goroutine has stopped reading r.
	rd := &reader{r: fr, groups: make(chan *records, readAhead), free: make(chan *records, readAhead+1), done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(rd.run)
	defer func() {
		close(rd.done)
		wg.Wait()
	}()
	var recs []importer.Record
	var row importer.Row
	for g := range rd.groups {
		if g.panicked != nil {
			panic(g.panicked) // from r, say: where it would have been without the goroutine
		}
		if len(g.rows) > 0 {
			// Positional mapping: no header matching, none of gocsv's
			// package-level settings apply, and strings stay strings.
			if err := gocsv.UnmarshalCSVWithoutHeaders(g, &recs); err != nil {
				return err
			}
			for i, rec := range recs[:len(g.meta)] {
				m := g.meta[i]
				row.Number = m.number
				row.Cells = append(row.Cells[:0],
					importer.Cell{Value: rec.CustomerNumber, Cut: m.cut&1 != 0},
					importer.Cell{Value: rec.To, Cut: m.cut&2 != 0},
					importer.Cell{Value: rec.Cc, Cut: m.cut&4 != 0},
					importer.Cell{Value: rec.Profile, Cut: m.cut&8 != 0},
					importer.Cell{Value: rec.Language, Cut: m.cut&16 != 0})
				row.Cells = row.Cells[:min(m.fields, mapped)]
				for i, f := range g.extra[m.extra:m.extraEnd] {
					row.Cells = append(row.Cells, importer.Cell{Value: f, Cut: g.extraCut[m.extra+i]})
				}
				if err := yield(&row); err != nil {
					return err
				}
			}
		}
		if g.err == io.EOF {
			return nil
		} else if g.err != nil {
			return g.err
		}
		rd.free <- g
	}
	return nil
}

// mapped is how many fields of a record gocsv maps onto importer.Record,
// columns A to E; the others are passed on as they are.
const mapped = 5

// Sizes of Decode's groups of records.
const (
	recordsPerCall = 1024    // records in a group, which gocsv maps in one call
	readAhead      = 4       // groups read ahead of the mapping
	groupText      = 4 << 20 // bytes of field text after which a group ends early
	groupExtra     = 1 << 15 // fields past column E after which a group ends early
)

// reader reads the records of a file in groups, on a goroutine of its own
// (run), for Decode.
type reader struct {
	r       *fieldReader
	endLine int // the line the last record read ended on
	number  int // the row number of the last record read

	groups chan *records // the groups read, in order; the last has err set
	free   chan *records // groups Decode is done with, to be reused
	done   chan struct{} // closed when Decode returns
}

// records is a group of records read from the file, columns A to E of
// each, with what gocsv does not map kept aside; it is the gocsv.CSVReader
// that Decode hands to gocsv.
type records struct {
	rows     [][]string // fields A to E of each record
	taken    int        // how many of rows gocsv has read
	fields   []string   // the backing array of rows
	meta     []recordMeta
	extra    []string // the fields past column E, of every record
	extraCut []bool   // whether each of extra was cut
	text     int      // bytes of field text in the group

	err      error // what ended the group early: io.EOF at the end of the file, or a reading error
	panicked any   // what reading panicked with, if it did
}

// recordMeta is what gocsv does not see of a record.
type recordMeta struct {
	number          int   // row number
	fields          int   // fields in the record
	cut             uint8 // which of fields A to E were cut: bit 0 for A, 1 for B, …, 4 for E
	extra, extraEnd int   // its fields past column E: extra[extra:extraEnd]
}

var _ gocsv.CSVReader = (*records)(nil)

// run reads groups of records and sends them to rd.groups until the end of
// the file, an error or rd.done. A panic is sent on as a group too.
func (rd *reader) run() {
	defer close(rd.groups)
	defer func() {
		if p := recover(); p != nil {
			select {
			case rd.groups <- &records{panicked: p}:
			case <-rd.done:
			}
		}
	}()
	made := 0 // groups allocated, at most cap(rd.free)
	for {
		var g *records
		select {
		case <-rd.done:
			return
		case g = <-rd.free:
		default:
			if made < cap(rd.free) {
				g, made = &records{}, made+1
			} else {
				select {
				case g = <-rd.free:
				case <-rd.done:
					return
				}
			}
		}
		rd.fill(g)
		select {
		case rd.groups <- g:
		case <-rd.done:
			return
		}
		if g.err != nil {
			return
		}
	}
}

// fill reads the next recordsPerCall records into g, or fewer at the end
// of the file or at an error, which it sets as g.err (io.EOF at the end;
// an *importer.ImportError for malformed CSV, numbered as the row it
// starts on).
func (rd *reader) fill(g *records) {
	g.rows, g.taken, g.fields, g.meta, g.extra, g.extraCut, g.text = g.rows[:0], 0, g.fields[:0], g.meta[:0], g.extra[:0], g.extraCut[:0], 0
	g.err = rd.read(g)
	off := 0
	for _, m := range g.meta {
		n := min(m.fields, mapped)
		g.rows = append(g.rows, g.fields[off:off+n:off+n])
		off += n
	}
}

// read reads the records of fill: recordsPerCall of them, or fewer if
// they are long or wide (see groupText and groupExtra).
func (rd *reader) read(g *records) error {
	for len(g.meta) < recordsPerCall && g.text < groupText && len(g.extra) < groupExtra {
		rec, cut, err := rd.r.Read()
		if err != nil {
			return rd.readError(err)
		}
		rd.number += rd.r.start - rd.endLine
		rd.endLine = rd.r.endLine
		m := recordMeta{number: rd.number, fields: len(rec), extra: len(g.extra)}
		for i, c := range cut[:min(len(cut), mapped)] {
			if c {
				m.cut |= 1 << i
			}
		}
		for _, f := range rec {
			g.text += len(f)
		}
		if len(rec) > mapped {
			g.extra = append(g.extra, rec[mapped:]...)
			g.extraCut = append(g.extraCut, cut[mapped:]...)
			rec = rec[:mapped]
		}
		m.extraEnd = len(g.extra)
		g.meta = append(g.meta, m)
		g.fields = append(g.fields, rec...)
	}
	return nil
}

// readError returns what read returns for an error of the field reader:
// io.EOF and reading errors as they are, an *importer.ImportError for the
// file's own, numbered as the row the record starts on.
func (rd *reader) readError(err error) error {
	var pe *parseError
	var tm *tooManyFields
	switch {
	case errors.As(err, &pe):
		return importer.NewImportError(importer.Problem{
			Row:   rd.number + max(pe.start-rd.endLine, 1),
			Value: pe.err.Error(),
			Code:  importer.CodeMalformedCSV,
		})
	case errors.As(err, &tm):
		return importer.NewImportError(importer.Problem{
			Row:    rd.number + max(tm.start-rd.endLine, 1),
			Column: columnName(tm.column),
			Value:  preview(tm.value),
			Code:   importer.CodeTooManyColumns,
		})
	}
	return err
}

// ReadAll returns the records of the group that gocsv has not taken yet.
func (s *records) ReadAll() ([][]string, error) {
	rows := s.rows[s.taken:]
	s.taken = len(s.rows)
	return rows, nil
}

// Read returns the next record of the group, or io.EOF.
func (s *records) Read() ([]string, error) {
	if s.taken == len(s.rows) {
		return nil, io.EOF
	}
	s.taken++
	return s.rows[s.taken-1], nil
}

// text is a file's content as UTF-8 without a byte order mark, read block
// by block as the CSV reader asks for it, so that the file need not be in
// memory as a whole. UTF-16 with a byte order mark is transcoded, UTF-8 kept
// and anything else read as Windows-1252 (what Excel writes as "CSV" on
// Finnish and Swedish Windows), which is assumed when the bytes are not
// valid UTF-8. Until the first byte that is not ASCII the two agree; if
// that byte starts text that is valid UTF-8, only the rest of the file can
// tell (one invalid byte makes the whole file Windows-1252), so text reads
// the rest before passing any of it on.
type text struct {
	r       io.Reader // nil at the end of the file
	size    int       // size of the next block
	carry   []byte    // the start of a character cut by the end of the last block
	enc     encoding
	blocks  [][]byte // decoded text not read yet, from blocks[0][off:]
	off     int
	pending [][]byte // Windows-1252 blocks read ahead, to decode after blocks
	decoded []byte   // the last of them decoded, a block that is reused
	spare   []byte   // a block that has been read, for next to reuse
}

// encoding is what text knows of a file's encoding.
type encoding uint8

const (
	asciiSoFar encoding = iota // only ASCII so far, where UTF-8 and Windows-1252 agree
	isUTF8
	isWindows1252
)

// Block sizes: the first block is the sample delimiter detection looks at;
// later ones grow to maxBlockSize.
const (
	sampleSize   = 64 << 10
	maxBlockSize = 1 << 20
)

// newText starts reading r and decodes the first block.
func newText(r io.Reader) (*text, error) {
	t := &text{r: r, size: sampleSize}
	b, err := t.next()
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		t.enc, b = isUTF8, b[3:]
	case bytes.HasPrefix(b, []byte("\xff\xfe")), bytes.HasPrefix(b, []byte("\xfe\xff")):
		// UTF-16, transcoded to UTF-8 as it is read. (The decoder fails
		// only without a byte order mark; invalid text becomes U+FFFD.)
		var src io.Reader = bytes.NewReader(append(b, t.carry...))
		if t.r != nil {
			src = io.MultiReader(src, t.r)
		}
		t.r, t.carry, t.enc, t.size = transform.NewReader(src, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), nil, isUTF8, sampleSize
		if b, err = t.next(); err != nil {
			return nil, err
		}
	}
	return t, t.add(b)
}

// head returns the start of the text, as much as delimiter detection
// needs, and whether it is all of the text.
func (t *text) head() ([]byte, bool) {
	if len(t.blocks) == 0 {
		return nil, true
	}
	return t.blocks[0], t.r == nil && len(t.blocks) == 1 && len(t.pending) == 0
}

// Read reads decoded text, reading and decoding the next block of the file
// when what was decoded has been read.
func (t *text) Read(p []byte) (int, error) {
	for {
		for len(t.blocks) > 0 && t.off == len(t.blocks[0]) {
			t.spare, t.blocks[0], t.off = t.blocks[0], nil, 0
			t.blocks = t.blocks[1:]
		}
		if len(t.blocks) > 0 {
			n := copy(p, t.blocks[0][t.off:])
			t.off += n
			return n, nil
		}
		if len(t.pending) > 0 {
			t.decodePending()
			continue
		}
		if t.r == nil {
			return 0, io.EOF
		}
		b, err := t.next()
		if err != nil {
			return 0, err
		}
		if err := t.add(b); err != nil {
			return 0, err
		}
	}
}

// next reads the next block of the file, which ends at a character
// boundary when the text is UTF-8, or returns nil and sets t.r to nil at
// the end of the file.
func (t *text) next() ([]byte, error) {
	if t.r == nil {
		return nil, nil
	}
	b := t.spare[:cap(t.spare)] // all read, but t.carry may be its end
	if len(b) < t.size {
		b = make([]byte, t.size)
	}
	t.spare, t.size = nil, min(2*t.size, maxBlockSize)
	n := copy(b, t.carry)
	m, err := io.ReadFull(t.r, b[n:])
	b = b[:n+m]
	switch err {
	case nil:
		cut := len(b) - partialRune(b)
		b, t.carry = b[:cut], b[cut:]
	case io.EOF, io.ErrUnexpectedEOF:
		t.r = nil
	default:
		return nil, err
	}
	return b, nil
}

// rest reads the file to the end, in blocks.
func (t *text) rest() ([][]byte, error) {
	var blocks [][]byte
	for t.r != nil {
		b, err := t.next()
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// add decodes the block b of the file into t.blocks, deciding the
// encoding at its first byte that is not ASCII.
func (t *text) add(b []byte) error {
	if t.enc == asciiSoFar {
		i := 0
		for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
			i += 8 // eight ASCII bytes
		}
		for i < len(b) && b[i] < utf8.RuneSelf {
			i++
		}
		switch {
		case i == len(b):
			t.blocks = append(t.blocks, b)
			return nil
		case utf8.Valid(b[i:]):
			// UTF-8 unless the rest of the file says otherwise.
			rest, err := t.rest()
			if err != nil {
				return err
			}
			if rest = append([][]byte{b}, rest...); !slices.ContainsFunc(rest, func(b []byte) bool { return !utf8.Valid(b) }) {
				t.enc = isUTF8
				t.blocks = append(t.blocks, rest...)
				return nil
			}
			// Windows-1252, a byte a character: each block is decoded
			// when it is read, so that the file is not in memory twice.
			t.enc, t.pending = isWindows1252, rest
			t.decodePending()
			return nil
		}
		t.enc = isWindows1252
	}
	if t.enc == isWindows1252 {
		t.spare, b = b, windows1252(b)
	}
	t.blocks = append(t.blocks, b)
	return nil
}

// decodePending decodes the first of the pending blocks into blocks,
// reusing the block of decoded text read last, so that decoding a file
// read ahead allocates nothing while its blocks are dropped.
func (t *text) decodePending() {
	out := t.decoded[:0]
	for _, c := range t.pending[0] {
		if c < utf8.RuneSelf {
			out = append(out, c)
		} else {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(c))
		}
	}
	t.decoded = out
	t.blocks = append(t.blocks, out)
	t.pending[0], t.pending = nil, t.pending[1:]
}

// windows1252 decodes Windows-1252 text.
func windows1252(b []byte) []byte {
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b) // never fails: every byte maps
	return out
}

// partialRune returns the length of the incomplete UTF-8 sequence at the
// end of b (the start of a character whose other bytes come next), or 0.
func partialRune(b []byte) int {
	for i := len(b) - 1; i >= max(0, len(b)-utf8.UTFMax+1); i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return 0
			}
			return len(b) - i
		}
	}
	return 0
}

// detectComma picks the delimiter (',', ';' or tab) that splits the first
// records of the text into a customer number without an @ followed by a
// field with one, the shape of an import file. head is the start of the
// text (all of it if whole), of which it looks at sampleSize bytes. Among
// equals, the one that splits more records wins, then tab before ';' before
// ',': a line that such a split leaves in the right shape with either ';'
// or ',' is a Finnish or Swedish Excel file with a comma in a cell
// ("Meikäläinen, Matti <m@x.fi>"), since an address before the ';' would
// break the shape.
func detectComma(head []byte, whole bool) rune {
	sample := head[:min(len(head), sampleSize)]
	if len(sample) < len(head) || !whole {
		if i := bytes.LastIndexByte(sample, '\n'); i > 0 {
			sample = sample[:i]
		}
	}
	best, bestShape, bestSplit := '\t', -1, -1
	for _, c := range []rune{'\t', ';', ','} {
		cr := csv.NewReader(bytes.NewReader(sample))
		cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = c, -1, true, true
		shape, split := 0, 0
		for range 100 {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			if len(rec) < 2 {
				continue
			}
			split++
			if !strings.Contains(rec[0], "@") && strings.Contains(rec[1], "@") {
				shape++
			}
		}
		if shape > bestShape || shape == bestShape && split > bestSplit {
			best, bestShape, bestSplit = c, shape, split
		}
	}
	return best
}

// WriteTemplate writes the CSV import template in lang ("fi", "sv" or "en";
// anything else means English) to w: the header row and example rows. It
// starts with a UTF-8 byte order mark and uses ';' for Finnish and Swedish
// and ',' for English, what Excel expects in those locales.
func WriteTemplate(w io.Writer, lang string) error {
	if w == nil {
		return errNilWriter
	}
	cw, err := start(w, lang)
	if err != nil {
		return err
	}
	return write(cw, importer.Examples(lang))
}

// Export writes the directory in reg to w as CSV, in the layout of
// [WriteTemplate] (header in lang), one row per customer number in
// customer-number order, so that the file re-imports unchanged. Values a
// spreadsheet would take for a formula are neutralised (see
// importer.ExportRecords), and every value that holds a ',', a ';', a tab,
// a quote or a line break is quoted, so that a spreadsheet that splits the
// file at the other separator (an English export opened in Finnish Excel)
// still sees one cell, not a formula after the separator. reg must
// implement registry.Lister
// (importer.ErrNotLister otherwise).
func Export(ctx context.Context, w io.Writer, reg registry.Registry, lang string) error {
	switch {
	case w == nil:
		return errNilWriter
	case reg == nil:
		return registry.ErrNoRegistry
	}
	if _, ok := reg.(registry.Lister); !ok {
		return importer.ErrNotLister
	}
	cw, err := start(w, lang)
	if err != nil {
		return err
	}
	if err := importer.ExportRecords(ctx, reg, func(recs []importer.Record) error {
		return write(cw, recs)
	}); err != nil {
		return err
	}
	cw.Flush() // the header of an empty directory
	return cw.Error()
}

// errNilWriter is the error of WriteTemplate and Export for a nil writer.
var errNilWriter = errors.New("csvimport: nowhere to write (nil io.Writer); pass the file or response to write to")

// start writes the byte order mark and the header row and returns the
// writer for the records.
func start(w io.Writer, lang string) (*recordWriter, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := &recordWriter{w: bufio.NewWriter(w), comma: ','}
	if sep := []rune(importer.Separator(lang)); len(sep) == 1 {
		cw.comma = sep[0]
	}
	if err := cw.Write(importer.Header(lang).Values()); err != nil {
		return nil, err
	}
	return cw, nil
}

// write writes records with gocsv's struct mapping, through our own
// writer (gocsv's package-level writer settings are never used) and
// without gocsv's header (ours is localised).
func write(cw *recordWriter, recs []importer.Record) error {
	return gocsv.MarshalCSVWithoutHeaders(recs, cw)
}

// recordWriter writes CSV records as encoding/csv's Writer does (CRLF line
// ends, quotes doubled inside quoted fields), but quotes every field that
// holds a ',', a ';', a tab, a quote or a line break, whichever its
// separator is: encoding/csv quotes only its own separator, so a value
// like X;=1+1; in a comma file splits into cells, the second a formula,
// when a Finnish or Swedish spreadsheet opens it with ';'. Quoted, the
// value stays one cell, whose first character importer.ExportRecords has
// neutralised. A field that starts with a space is quoted too, as
// encoding/csv does. It implements gocsv.CSVWriter.
type recordWriter struct {
	w     *bufio.Writer
	comma rune
	err   error // the first write error
}

// Write writes one record.
func (cw *recordWriter) Write(rec []string) error {
	if cw.err != nil {
		return cw.err
	}
	for i, field := range rec {
		if i > 0 {
			cw.w.WriteRune(cw.comma)
		}
		if field == "" || !strings.ContainsAny(field, ",;\t\"\r\n") && field[0] != ' ' {
			cw.w.WriteString(field)
			continue
		}
		cw.w.WriteByte('"')
		cw.w.WriteString(strings.ReplaceAll(field, `"`, `""`))
		cw.w.WriteByte('"')
	}
	_, cw.err = cw.w.WriteString("\r\n")
	return cw.err
}

// Flush writes what is buffered to the underlying writer.
func (cw *recordWriter) Flush() {
	if err := cw.w.Flush(); cw.err == nil {
		cw.err = err
	}
}

// Error returns the first error of a Write or Flush.
func (cw *recordWriter) Error() error { return cw.err }
