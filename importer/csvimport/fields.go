package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/jakelu/jakelu/importer"
)

// Limits of fieldReader.
const (
	// maxFields is the most fields of a record passed on: the columns of
	// an Excel sheet (A to XFD). Empty fields past it are dropped (trailing
	// empty cells need not be passed on); a field with anything in it
	// stops the reading with importer.CodeTooManyColumns.
	maxFields = 16_384
	// maxExtraField is how much of a field past column C is kept: enough
	// for the start of the value that a problem shows. Columns A to C keep
	// importer.MaxCellSize bytes.
	maxExtraField = 1 << 10
	// readBufferSize is the size of fieldReader's buffer.
	readBufferSize = 64 << 10
)

// errInvalidComma is returned for a delimiter that cannot separate fields.
var errInvalidComma = errors.New("csvimport: invalid delimiter in Options.Comma: use a character other than a quotation mark, a line break or NUL")

// fieldReader splits decoded text into records exactly as an encoding/csv
// Reader does with Comma set, FieldsPerRecord -1, LazyQuotes and
// TrimLeadingSpace false and no Comment: the same records, fields and line
// numbers, "\r\n" read as "\n" everywhere and a "\r" that ends the text
// dropped, the same quotation mark errors (csv.ErrBareQuote, csv.ErrQuote)
// for the same records. What differs is memory: encoding/csv holds a whole
// line (a 250 MB line twice over, and more while its buffer grows),
// whereas fieldReader keeps at most importer.MaxCellSize bytes of a field
// in columns A to C and maxExtraField bytes of one past them, and at most
// maxFields fields. The rest of a longer field is read past, its quotation
// marks still checked so that the record ends where it does; if anything
// but spaces was dropped the field is marked cut. A value padded with
// spaces past the limit is passed on as its start, which validation reads
// as it would the whole value.
type fieldReader struct {
	r        io.Reader
	comma    rune
	commaLen int
	commaStr []byte // comma in UTF-8
	single   bool   // comma is one byte

	buf      []byte // buf[pos:end] is read and not parsed yet
	pos, end int
	nl       int  // index in buf of the first '\n' at or after pos, or end if none; stale if below pos or !nlOK
	nlOK     bool //
	cr       bool // a '\r' ended what r gave so far: dropped if r ends or '\n' follows
	eof      bool // r has ended: buf[pos:end] is the rest of the text
	line     int  // the line of buf[pos], from 1

	// The record being read.
	text      []byte   // its fields, one after another
	ends      []int    // where each field ends in text
	cut       []bool   // whether each field was cut
	record    []string // the fields, as Read returns them
	start     int      // the line the record starts on
	endLine   int      // the line it ends on
	fieldCut  bool     // the current field was cut
	fieldSize int      // bytes of the current field read so far, up to its limit
}

// newFieldReader returns a fieldReader of r, or errInvalidComma.
func newFieldReader(r io.Reader, comma rune) (*fieldReader, error) {
	if comma == 0 || comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, errInvalidComma
	}
	return &fieldReader{r: r, comma: comma, commaLen: utf8.RuneLen(comma), commaStr: utf8.AppendRune(nil, comma), single: comma < utf8.RuneSelf,
		buf: make([]byte, readBufferSize), line: 1}, nil
}

// parseError is a quotation mark error of the record that starts on line
// start.
type parseError struct {
	start int
	err   error // csv.ErrBareQuote or csv.ErrQuote
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %v", e.start, e.err) }

// tooManyFields is a field with something in it past maxFields.
type tooManyFields struct {
	start  int    // the line the record starts on
	column int    // the field's column, from 0
	value  string // the start of the field
}

func (e *tooManyFields) Error() string {
	return fmt.Sprintf("line %d: a value in column %s, past column %s", e.start, columnName(e.column), columnName(maxFields-1))
}

// preview returns the first 100 characters of s, with "…" if there are
// more, as importer shortens the values of problems.
func preview(s string) string {
	n := 0
	for i := range s {
		if n == 100 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// columnName returns the spreadsheet letter of the 0-based column i.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// Read returns the next record, io.EOF at the end of the text, a
// *parseError, a *tooManyFields or an error reading r. The record and cut,
// which says which of its fields were cut, are valid until the next call.
func (f *fieldReader) Read() (record []string, cut []bool, err error) {
	// Skip empty lines.
	for {
		if f.pos == f.end {
			if err := f.fill(); err != nil {
				return nil, nil, err
			}
			if f.pos == f.end {
				return nil, nil, io.EOF
			}
		}
		if f.buf[f.pos] != '\n' {
			break
		}
		f.pos++
		f.line++
	}
	f.text, f.ends, f.cut = f.text[:0], f.ends[:0], f.cut[:0]
	f.start = f.line
	dropped := 0 // empty fields past maxFields
	for more := true; more; {
		f.fieldCut, f.fieldSize = false, 0
		if f.pos == f.end {
			if err := f.fill(); err != nil {
				return nil, nil, err
			}
		}
		if f.pos < f.end && f.buf[f.pos] == '"' {
			f.pos++
			more, err = f.quoted()
		} else {
			more, err = f.unquoted()
		}
		if err != nil {
			return nil, nil, err
		}
		if len(f.ends) < maxFields {
			f.ends = append(f.ends, len(f.text))
			f.cut = append(f.cut, f.fieldCut)
			continue
		}
		if f.fieldSize > 0 {
			return nil, nil, &tooManyFields{start: f.start, column: maxFields + dropped, value: string(f.text[f.fieldStart():])}
		}
		dropped++
	}
	s := string(f.text)
	f.record = f.record[:0]
	from := 0
	for _, to := range f.ends {
		f.record = append(f.record, s[from:to])
		from = to
	}
	return f.record, f.cut, nil
}

// fieldStart returns where the current field starts in text.
func (f *fieldReader) fieldStart() int {
	if len(f.ends) == 0 {
		return 0
	}
	return f.ends[len(f.ends)-1]
}

// recordEnds notes that the record ends on the current line.
func (f *fieldReader) recordEnds() { f.endLine = f.line }

// keep adds b to the current field, up to its limit (importer.MaxCellSize
// in columns A to C, maxExtraField past them); what does not fit is
// dropped, and cuts the field unless it is only spaces.
func (f *fieldReader) keep(b []byte) {
	limit := importer.MaxCellSize
	if len(f.ends) >= 3 {
		limit = maxExtraField
	}
	if len(b) <= limit-f.fieldSize {
		f.text = append(f.text, b...)
		f.fieldSize += len(b)
		return
	}
	n := limit - f.fieldSize
	f.text = append(f.text, b[:n]...)
	f.fieldSize = limit // even if the end of a character is dropped below
	if k := partialRune(f.text[f.fieldStart():]); k > 0 {
		f.text = f.text[:len(f.text)-k]
		f.fieldCut = true // the rest of a character is not a space
	}
	if !f.fieldCut && !onlySpaces(b[n:]) {
		f.fieldCut = true
	}
}

// onlySpaces reports whether b is nothing but ' '.
func onlySpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

// unquoted reads a field that does not start with a quotation mark, up to
// the delimiter or the end of the line, and reports whether another field
// of the record follows.
func (f *fieldReader) unquoted() (more bool, err error) {
	for {
		nl := f.lineEnd()
		w := f.buf[f.pos:nl]
		var i int
		if f.single {
			i = bytes.IndexByte(w, byte(f.comma))
		} else {
			i = bytes.IndexRune(w, f.comma)
		}
		switch {
		case i >= 0:
			if err := f.keepUnquoted(w[:i]); err != nil {
				return false, err
			}
			f.pos += i + f.commaLen
			return true, nil
		case nl < f.end: // the end of the line
			if err := f.keepUnquoted(w); err != nil {
				return false, err
			}
			f.pos = nl + 1
			f.recordEnds()
			f.line++
			return false, nil
		case f.eof: // the end of the text
			if err := f.keepUnquoted(w); err != nil {
				return false, err
			}
			f.pos = f.end
			f.recordEnds()
			return false, nil
		}
		// The field goes on past what has been read. Keep back what may
		// be the start of a delimiter of several bytes.
		n := len(w)
		if !f.single {
			n -= min(n, f.commaLen-1)
		}
		if err := f.keepUnquoted(w[:n]); err != nil {
			return false, err
		}
		f.pos += n
		if err := f.fill(); err != nil {
			return false, err
		}
	}
}

// keepUnquoted keeps b, part of a field without quotation marks, after
// checking that it has none.
func (f *fieldReader) keepUnquoted(b []byte) error {
	if bytes.IndexByte(b, '"') >= 0 {
		return &parseError{start: f.start, err: csv.ErrBareQuote}
	}
	f.keep(b)
	return nil
}

// quoted reads a quoted field after its opening quotation mark and
// reports whether another field of the record follows.
func (f *fieldReader) quoted() (more bool, err error) {
	for {
		w := f.buf[f.pos:f.end]
		i := bytes.IndexByte(w, '"')
		if i < 0 {
			f.keep(w)
			f.line += bytes.Count(w, []byte{'\n'})
			f.pos = f.end
			if f.eof {
				return false, &parseError{start: f.start, err: csv.ErrQuote}
			}
			if err := f.fill(); err != nil {
				return false, err
			}
			continue
		}
		f.keep(w[:i])
		f.line += bytes.Count(w[:i], []byte{'\n'})
		f.pos += i + 1
		if err := f.ensure(utf8.UTFMax); err != nil {
			return false, err
		}
		w = f.buf[f.pos:f.end]
		switch {
		case len(w) == 0: // `"` at the end of the text
			f.recordEnds()
			return false, nil
		case w[0] == '"': // `""`
			f.keep(w[:1])
			f.pos++
		case w[0] == '\n': // `"` at the end of the line
			f.pos++
			f.recordEnds()
			f.line++
			return false, nil
		case f.single && w[0] == byte(f.comma):
			f.pos++
			return true, nil
		case !f.single && bytes.HasPrefix(w, f.commaStr):
			f.pos += f.commaLen
			return true, nil
		default:
			return false, &parseError{start: f.start, err: csv.ErrQuote}
		}
	}
}

// lineEnd returns the index in buf of the first '\n' at or after pos, or
// end if what has been read has none.
func (f *fieldReader) lineEnd() int {
	if !f.nlOK || f.nl < f.pos {
		f.nl, f.nlOK = f.end, true
		if i := bytes.IndexByte(f.buf[f.pos:f.end], '\n'); i >= 0 {
			f.nl = f.pos + i
		}
	}
	return f.nl
}

// ensure reads until at least n bytes are unparsed or the text ends.
func (f *fieldReader) ensure(n int) error {
	for f.end-f.pos < n && !f.eof {
		if err := f.fill(); err != nil {
			return err
		}
	}
	return nil
}

// fill moves what is unparsed to the start of buf and reads more after
// it, reading "\r\n" as "\n", until there is more to parse or the text
// ends; at the end of r it sets eof and drops a final '\r'. It returns r's
// errors other than io.EOF.
func (f *fieldReader) fill() error {
	if f.pos > 0 {
		f.end = copy(f.buf, f.buf[f.pos:f.end])
		f.pos = 0
	}
	f.nlOK = false
	for from := f.end; f.end == from && !f.eof; {
		if err := f.read(); err != nil {
			return err
		}
	}
	return nil
}

// read reads once from r after buf[:end], with a '\r' held back before.
func (f *fieldReader) read() error {
	from := f.end
	if f.cr {
		f.buf[f.end] = '\r'
		f.end++
		f.cr = false
	}
	n, err := f.r.Read(f.buf[f.end:])
	f.end += n
	if err == io.EOF {
		f.eof = true
	} else if err != nil {
		return err
	}
	// "\r\n" → "\n", in one pass.
	w := from
	for r := from; r < f.end; {
		i := bytes.IndexByte(f.buf[r:f.end], '\r')
		if i < 0 {
			w += copy(f.buf[w:], f.buf[r:f.end])
			break
		}
		w += copy(f.buf[w:], f.buf[r:r+i])
		r += i
		switch {
		case r+1 < f.end && f.buf[r+1] == '\n':
			r++ // the '\n' is copied next
		case r+1 == f.end:
			// What follows is not read yet; at the end of r a final '\r'
			// is dropped.
			f.cr = !f.eof
			r++
		default:
			f.buf[w] = '\r'
			w++
			r++
		}
	}
	f.end = w
	return nil
}
