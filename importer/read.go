package importer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/jakelu/jakelu/registry"
)

// Format names a file format the importer reads and writes.
type Format string

// The formats. Their readers and writers live in
// [github.com/jakelu/jakelu/importer/csvimport] and
// [github.com/jakelu/jakelu/importer/xlsximport].
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Default limits of [Options].
const (
	DefaultMaxFileSize = 256 << 20 // bytes
	DefaultMaxRows     = 1_000_000 // data rows
	DefaultMaxProblems = 1000      // problems listed in an ImportError
)

// Options configures [Read]. The zero value (or nil) means the defaults.
type Options struct {
	// Format, when set, is the format the file is read as; otherwise it is
	// detected from the file's first bytes (never from a file name).
	// Encrypted and legacy workbooks, OpenDocument and other non-CSV files
	// are recognised either way.
	Format Format
	// MaxFileSize is the largest file accepted, in bytes; 0 means
	// DefaultMaxFileSize. Read never reads more than this from the reader,
	// and refuses a file it knows to be larger (see Size) before reading
	// any of it.
	MaxFileSize int64
	// Size is the size of the file in bytes, when the caller knows it
	// (the length of an upload, say); 0 means unknown. A Size over
	// MaxFileSize is refused with CodeFileTooLarge before anything is
	// read. Read also takes the size from the reader when it tells it: a
	// Len() int method (bytes.Reader, strings.Reader, bytes.Buffer: the
	// bytes left), a Size() int64 method (io.SectionReader, what
	// multipart.FileHeader.Open returns for an upload kept in memory) or a
	// Stat() (fs.FileInfo, error) method of a regular file (os.File, also
	// an upload kept on disk), less what has been read already if it is an
	// io.Seeker; if it is an io.ReaderAt too, the byte past the limit is
	// read to confirm the size. A Size smaller than the file does not lift
	// the limit.
	Size int64
	// MaxRows is the most data rows accepted; 0 means DefaultMaxRows.
	MaxRows int
	// MaxProblems is how many problems an ImportError (and how many
	// warnings a Batch) lists; the total is always counted. 0 means
	// DefaultMaxProblems.
	MaxProblems int
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxFileSize <= 0 {
		r.MaxFileSize = DefaultMaxFileSize
	}
	if r.MaxRows <= 0 {
		r.MaxRows = DefaultMaxRows
	}
	if r.MaxProblems <= 0 {
		r.MaxProblems = DefaultMaxProblems
	}
	return r
}

// CellKind says what a spreadsheet cell held. CSV cells are always
// [KindText].
type CellKind uint8

// The cell kinds.
const (
	KindText                CellKind = iota // text, or the cached text result of a formula
	KindNumber                              // a number; Value is its decimal text as stored ("12345678901", "1.5")
	KindDate                                // a date or time; Value is its ISO 8601 text
	KindBool                                // a truth value; Value is "TRUE" or "FALSE"
	KindError                               // a formula error; Value is its text ("#N/A")
	KindFormulaWithoutValue                 // a formula whose result was not saved; Value is ""
)

// MaxCellSize is the most of a cell's value, in bytes, that a [Decoder]
// needs to pass on: every value validation accepts is shorter. A decoder
// may keep only the first MaxCellSize bytes of a longer value (ending at a
// character boundary) and set [Cell.Cut], so that a hostile file with a
// value of hundreds of megabytes costs no more than this.
const MaxCellSize = 64 << 10

// Cell is one cell of a [Row] as a [Decoder] reads it, before validation.
type Cell struct {
	Value string
	Kind  CellKind
	// Cut reports that Value is only the start of the cell's value, which
	// was longer than MaxCellSize. Validation refuses such a cell:
	// CodeValueTooLong in the columns the file uses, CodeTooManyColumns
	// past them, CodeWrongHeader in a header row; it is never blank and
	// never a heading. (A decoder that drops only spaces need not set it:
	// the start of such a value validates as the whole value would.)
	Cut bool
}

// Row is one row of a file as a [Decoder] reads it, before validation.
type Row struct {
	// Number is the row number as a spreadsheet program shows it
	// (1-based, empty rows counted).
	Number int
	// Cells holds the cells from column A on; trailing empty cells may be
	// missing.
	Cells []Cell
}

// Decoder turns the bytes of one file format into rows. The format packages
// provide one each: csvimport.NewDecoder and xlsximport.NewDecoder.
//
// Decode reads r to the end and calls yield for the rows of the file in
// order; rows without any cell may be left out, rows of empty cells are
// skipped by Read. The *Row and its Cells may be reused after
// yield returns, so yield must copy what it keeps (the strings themselves
// may be kept). If yield returns an error, Decode stops and returns it. A
// file the decoder cannot read gives an [*ImportError] (see
// [NewImportError]); an error from r is returned as it is (possibly
// wrapped). A Decoder must be safe for concurrent use.
type Decoder interface {
	Format() Format
	Decode(r io.Reader, yield func(*Row) error) error
}

// Batch is the content of an import file, validated and ready for [Diff]
// and [Apply].
type Batch struct {
	// Format is the format the file was read as.
	Format Format
	// Entries holds one entry per customer number, in file order, in the
	// normalized form stores keep (see registry.Entry.Normalize). The file
	// has no language column: Language is "".
	Entries []registry.Entry
	// ReplaceAll makes Diff and Apply also delete every customer number that
	// is not in the file. Read leaves it false: in the default mode, each
	// customer number in the file gets exactly the file's addresses and the
	// others are kept.
	ReplaceAll bool
	// Warnings lists things that did not stop the import but deserve a
	// look (the first Options.MaxProblems of them), such as a customer
	// number that was a number cell. WarningTotal counts them all.
	Warnings     []Problem
	WarningTotal int
	// EmptyRows counts the rows skipped because every cell was empty.
	EmptyRows int
}

// errFileTooLarge is returned by the limited reader past Options.MaxFileSize.
var errFileTooLarge = errors.New("importer: file too large")

// errStop is what the validator returns from yield to stop a Decoder.
var errStop = errors.New("importer: stop reading")

// Read reads an import file: it detects the format from the first bytes (or
// takes Options.Format), decodes the file with the matching decoder from
// decoders and validates every row.
//
// On success it returns the [Batch]. If anything is wrong it returns an
// [*ImportError] that lists every problem (matching [ErrInvalidFile]) and
// no batch: nothing of such a file is ever imported. An error reading r is
// returned as it is. At most Options.MaxFileSize bytes are read from r.
//
// The host app passes the decoders it links in, typically both:
//
//	decoders := []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)}
//	batch, err := importer.Read(upload, decoders, nil)
//
// A file whose format has no decoder in decoders gets
// [CodeFormatNotAccepted]. A nil r is an error.
func Read(r io.Reader, decoders []Decoder, opts *Options) (*Batch, error) {
	if r == nil {
		return nil, errors.New("importer: no file to read (nil io.Reader); pass the uploaded file")
	}
	o := opts.withDefaults()
	size := sizeHint(r)
	if o.Size > o.MaxFileSize || size > o.MaxFileSize && hasByteAt(r, o.MaxFileSize) {
		return nil, NewImportError(Problem{Code: CodeFileTooLarge, Limit: o.MaxFileSize})
	}
	if size <= 0 {
		size = o.Size
	}
	br := bufio.NewReaderSize(&limitedReader{r: r, left: o.MaxFileSize}, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF {
		if errors.Is(err, errFileTooLarge) {
			return nil, NewImportError(Problem{Code: CodeFileTooLarge, Limit: o.MaxFileSize})
		}
		return nil, err
	}
	format, p := sniff(head)
	if p.Code == codeCFB {
		// Encrypted and legacy workbooks are both compound files: tell them
		// apart by the encrypted package's stream name.
		data, err := io.ReadAll(br)
		if errors.Is(err, errFileTooLarge) {
			return nil, NewImportError(Problem{Code: CodeFileTooLarge, Limit: o.MaxFileSize})
		} else if err != nil {
			return nil, err
		}
		p.Code = CodeLegacyXLS
		if bytes.Contains(data, encryptedPackage) {
			p.Code = CodeEncryptedWorkbook
		}
	}
	if p.Code != "" {
		return nil, NewImportError(p)
	}
	if o.Format != "" {
		format = o.Format
	}
	var dec Decoder
	for _, d := range decoders {
		if d != nil && d.Format() == format {
			dec = d
			break
		}
	}
	if dec == nil {
		return nil, NewImportError(Problem{Code: CodeFormatNotAccepted, Value: strings.ToUpper(string(format))})
	}
	rows := 0
	if format == CSV {
		rows = estimateRows(size, head, o)
	}
	v := newValidator(format, o, rows)
	err = v.run(func(yield func(*Row) error) error { return dec.Decode(br, yield) })
	var ie *ImportError
	switch {
	case err == nil, errors.Is(err, errStop):
	case errors.Is(err, errFileTooLarge):
		// The rows read so far are a part of a file that is refused as a
		// whole (and the last of them may be cut): their problems would
		// only distract.
		v.problems, v.total = nil, 0
		v.fail(Problem{Code: CodeFileTooLarge, Limit: o.MaxFileSize})
	case errors.As(err, &ie):
		v.stop(ie.Problems...)
	default:
		return nil, err
	}
	return v.finish()
}

// sizeHint returns how many bytes r holds if it tells (as bytes.Reader,
// strings.Reader, bytes.Buffer, io.SectionReader and regular files do; see
// Options.Size), else 0.
func sizeHint(r io.Reader) int64 {
	var size int64
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len()) // what is left to read
	case interface{ Size() int64 }:
		size = r.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0
		}
		size = fi.Size()
	default:
		return 0
	}
	return max(size-offset(r), 0)
}

// offset returns how much of r has been read already if it tells (as an
// io.Seeker), else 0.
func offset(r io.Reader) int64 {
	if s, ok := r.(io.Seeker); ok {
		if at, err := s.Seek(0, io.SeekCurrent); err == nil {
			return at
		}
	}
	return 0
}

// hasByteAt reports whether r, whose size says it is larger than the
// limit, holds a byte at offset n from where reading would start, as far
// as it can tell without reading: an io.ReaderAt is asked for that byte
// (so that a reader whose Size claims more than it holds is read as any
// other), any other reader is taken at its word.
func hasByteAt(r io.Reader, n int64) bool {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		return true
	}
	var b [1]byte
	k, _ := ra.ReadAt(b[:], offset(r)+n)
	return k == 1
}

// estimateRows guesses, a little generously, how many rows a CSV file of
// size bytes has from the lines in head, its first bytes, so that Read can
// size what it builds at once; 0 if it cannot tell. The guess is at most
// Options.MaxRows+1, which bounds what a reader that claims more than it
// holds costs.
func estimateRows(size int64, head []byte, o Options) int {
	lines := int64(bytes.Count(head, []byte("\n")))
	if size <= 0 || lines == 0 {
		return 0
	}
	n := min(size, o.MaxFileSize) / max(int64(len(head))/lines, 1) // bytes / bytes per line
	return int(min(n+n/16+1, int64(o.MaxRows)+1))
}

// limitedReader reads at most left bytes from r and then, if r has more,
// fails with errFileTooLarge.
type limitedReader struct {
	r    io.Reader
	left int64
}

// Read reads from r while the limit allows.
func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			return 0, errFileTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// sniffLen is how many leading bytes format detection looks at.
const sniffLen = 4096

// codeCFB marks a compound file (encrypted or legacy workbook) until Read
// has looked inside.
const codeCFB Code = "cfb"

// encryptedPackage is the stream name, in UTF-16LE, that an encrypted
// Office document's compound file holds.
var encryptedPackage = []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00")

// signatures of files that are certainly neither CSV nor XLSX, with the
// name shown to the user.
var signatures = []struct {
	magic, name string
}{
	{"%PDF-", "a PDF document"},
	{"\x89PNG", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF8", "a GIF image"},
	{"\x1f\x8b", "a gzip archive"},
	{"Rar!", "a RAR archive"},
	{"7z\xbc\xaf", "a 7-Zip archive"},
	{"{\\rtf", "an RTF document"},
}

// sniff tells the format from a file's first bytes, or returns the problem
// that makes the file unreadable (Code codeCFB for a compound file).
func sniff(head []byte) (Format, Problem) {
	switch {
	case len(head) == 0:
		return "", Problem{Code: CodeEmptyFile}
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "", Problem{Code: codeCFB}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		switch mt := odfMimetype(head); {
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.spreadsheet"):
			return "", Problem{Code: CodeODS}
		case mt != "":
			return "", Problem{Code: CodeUnsupportedFileType, Value: "an OpenDocument file"}
		}
		return XLSX, Problem{}
	case bytes.HasPrefix(head, []byte("PK\x05\x06")), bytes.HasPrefix(head, []byte("PK\x07\x08")):
		return XLSX, Problem{}
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")), bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		return CSV, Problem{}
	}
	for _, s := range signatures {
		if bytes.HasPrefix(head, []byte(s.magic)) {
			return "", Problem{Code: CodeUnsupportedFileType, Value: s.name}
		}
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return "", Problem{Code: CodeUnsupportedFileType, Value: "an XML or HTML document"}
	}
	if isBinary(head) {
		return "", Problem{Code: CodeUnsupportedFileType, Value: "a binary file"}
	}
	return CSV, Problem{}
}

// isBinary reports whether more than a tenth of head are control bytes
// other than tab, line feed, form feed and carriage return. (A stray NUL in
// a CSV file is left to validation, which names its cell.)
func isBinary(head []byte) bool {
	n := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' {
			n++
		}
	}
	return n > len(head)/10
}

// odfMimetype returns the content of a zip's first entry if it is the
// OpenDocument "mimetype" file (which the standard stores first and
// uncompressed) naming an OpenDocument type, else "".
func odfMimetype(head []byte) string {
	const fixed = 30 // size of a zip local file header before the name
	if len(head) < fixed {
		return ""
	}
	nameLen := int(head[26]) | int(head[27])<<8
	extraLen := int(head[28]) | int(head[29])<<8
	if len(head) < fixed+nameLen || string(head[fixed:fixed+nameLen]) != "mimetype" {
		return ""
	}
	content := string(head[min(fixed+nameLen+extraLen, len(head)):])
	if !strings.HasPrefix(content, "application/vnd.oasis.opendocument") {
		return ""
	}
	return content
}
