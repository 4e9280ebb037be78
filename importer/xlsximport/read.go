package xlsximport

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jakelu/jakelu/importer"
)

// Default limits of [Options].
const (
	DefaultUnzipSizeLimit    = 512 << 20 // bytes, all parts together
	DefaultUnzipXMLSizeLimit = 256 << 20 // bytes, one part held in memory
)

// Limits that are not configurable.
const (
	maxEntries     = 10_000  // zip entries; a workbook has a few dozen
	maxRatio       = 100     // unpacked/packed size, checked above ratioFloor
	ratioFloor     = 8 << 20 // unpacked bytes below which the ratio is not checked
	maxColumns     = 16_384  // columns of an Excel sheet (XFD)
	maxStringItems = 1 << 24 // shared strings
)

// Options configures a [Decoder]. The zero value (or nil) means the
// defaults.
type Options struct {
	// Sheet is the name of the sheet to read (compared case-insensitively,
	// as Excel does). "" means the first visible worksheet.
	Sheet string
	// UnzipSizeLimit caps the size of all parts of the workbook together,
	// unpacked, as the archive declares them; 0 means
	// DefaultUnzipSizeLimit. A workbook above it is refused with
	// importer.CodeArchiveTooLarge before anything is unpacked, and so is one
	// that unpacks to more than 100 times its packed size (a zip bomb).
	UnzipSizeLimit int64
	// UnzipXMLSizeLimit caps, unpacked, each part that is held in memory:
	// the workbook, its relationships, the styles and the shared-string
	// table; 0 means DefaultUnzipXMLSizeLimit. The worksheet itself is
	// streamed and only bounded by UnzipSizeLimit.
	UnzipXMLSizeLimit int64
}

// Decoder reads XLSX import files (Office Open XML workbooks, transitional
// or strict, as Excel, LibreOffice and Google Sheets save them). It
// implements importer.Decoder and is safe for concurrent use.
type Decoder struct {
	sheet                string
	unzipLimit, xmlLimit int64
}

var _ importer.Decoder = (*Decoder)(nil)

// NewDecoder returns an XLSX decoder. opts may be nil.
func NewDecoder(opts *Options) *Decoder {
	d := &Decoder{unzipLimit: DefaultUnzipSizeLimit, xmlLimit: DefaultUnzipXMLSizeLimit}
	if opts != nil {
		d.sheet = opts.Sheet
		if opts.UnzipSizeLimit > 0 {
			d.unzipLimit = opts.UnzipSizeLimit
		}
		if opts.UnzipXMLSizeLimit > 0 {
			d.xmlLimit = opts.UnzipXMLSizeLimit
		}
	}
	return d
}

// Format returns importer.XLSX.
func (*Decoder) Format() importer.Format { return importer.XLSX }

// Decode reads a workbook from r and calls yield for each row of the
// chosen sheet that has a cell, with the cell kinds the sheet records; see
// importer.Decoder. Formulas are never evaluated: a formula cell gives its
// cached result, or importer.KindFormulaWithoutValue.
//
// A damaged workbook gives an *importer.ImportError with
// importer.CodeMalformedXLSX; one over the limits
// importer.CodeArchiveTooLarge; a zip archive that is not a workbook
// importer.CodeUnsupportedFileType; a missing sheet
// importer.CodeSheetNotFound or importer.CodeNoVisibleSheet.
//
// r is read to the end into memory (a zip archive is read from its end);
// importer.Read bounds it with Options.MaxFileSize. Most callers use
// importer.Read, which also validates the rows.
func (d *Decoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	if r == nil || yield == nil {
		return errors.New("xlsximport: Decode needs a reader and a yield function (one is nil)")
	}
	if d == nil || d.unzipLimit <= 0 || d.xmlLimit <= 0 {
		// A nil or zero Decoder decodes like NewDecoder(nil).
		var o Options
		if d != nil {
			o.Sheet = d.sheet
		}
		d = NewDecoder(&o)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return malformed("not a zip archive: %v", err)
	}
	p, err := d.open(zr, int64(len(data)))
	if err != nil {
		return err
	}
	sheetPath, err := p.chooseSheet(d.sheet)
	if err != nil {
		return err
	}
	if err := p.readStyles(); err != nil {
		return err
	}
	if err := p.readSharedStrings(); err != nil {
		return err
	}
	return p.readSheet(sheetPath, yield)
}

// malformed returns the ImportError for a damaged workbook.
func malformed(format string, args ...any) error {
	return importer.NewImportError(importer.Problem{Code: importer.CodeMalformedXLSX, Value: fmt.Sprintf(format, args...)})
}

// notWorkbook returns the ImportError for a zip archive that is not an
// Excel workbook.
func notWorkbook(what string) error {
	return importer.NewImportError(importer.Problem{Code: importer.CodeUnsupportedFileType, Value: what})
}

// pkg is an opened workbook package.
type pkg struct {
	d        *Decoder
	files    map[string]*zip.File // by lower-case name
	workbook string               // path of the workbook part
	rels     map[string]rel       // the workbook's relationships by Id
	date1904 bool
	dateXF   []bool // per cell style (xf) index: the number format is a date
	strings  []string
}

// rel is a package relationship: its type and resolved target.
type rel struct{ typ, target string }

// open checks the archive's limits and reads the package and workbook
// relationships.
func (d *Decoder) open(zr *zip.Reader, packed int64) (*pkg, error) {
	if len(zr.File) > maxEntries {
		return nil, malformed("the archive has %d entries", len(zr.File))
	}
	p := &pkg{d: d, files: make(map[string]*zip.File, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		p.files[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	if total > uint64(d.unzipLimit) || total > ratioFloor && total/uint64(max(packed, 1)) > maxRatio {
		return nil, importer.NewImportError(importer.Problem{Code: importer.CodeArchiveTooLarge, Limit: d.unzipLimit})
	}
	root, err := p.readRels("")
	if err != nil {
		return nil, err
	}
	for _, r := range root {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			p.workbook = r.target
		}
	}
	switch {
	case p.workbook == "":
		return nil, notWorkbook("a zip archive that is not an Excel workbook")
	case strings.HasSuffix(strings.ToLower(p.workbook), ".bin"):
		return nil, notWorkbook("an Excel binary workbook (.xlsb)")
	}
	if p.rels, err = p.readRels(p.workbook); err != nil {
		return nil, err
	}
	return p, nil
}

// part opens the named part, or fails with a malformed-workbook error.
func (p *pkg) part(name string, inMemory bool) (io.ReadCloser, error) {
	f := p.files[strings.ToLower(name)]
	if f == nil {
		return nil, malformed("part %s is missing", name)
	}
	if inMemory && f.UncompressedSize64 > uint64(p.d.xmlLimit) {
		return nil, importer.NewImportError(importer.Problem{Code: importer.CodeArchiveTooLarge, Value: name, Limit: p.d.xmlLimit})
	}
	rc, err := f.Open()
	if err != nil {
		return nil, malformed("part %s: %v", name, err)
	}
	return rc, nil
}

// scan calls fn with every start and end element and the character data
// of the part name, read as a stream. Names are local (prefixes dropped).
func (p *pkg) scan(name string, inMemory bool, fn func(tok xml.Token) error) error {
	rc, err := p.part(name, inMemory)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return malformed("part %s: %v", name, err)
		}
		if err := fn(tok); err != nil {
			if errors.Is(err, errDone) {
				return nil
			}
			return err
		}
	}
}

// errDone stops a scan early without an error.
var errDone = errors.New("done")

// readRels reads the relationships of the part source ("" for the
// package), with their targets resolved to part names. A package without
// them has none.
func (p *pkg) readRels(source string) (map[string]rel, error) {
	dir, file := path.Split(source)
	name := dir + "_rels/" + file + ".rels"
	rels := make(map[string]rel)
	if p.files[strings.ToLower(name)] == nil {
		return rels, nil
	}
	err := p.scan(name, true, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" || attr(se, "TargetMode") == "External" {
			return nil
		}
		target := attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			target = target[1:]
		} else {
			target = path.Join(dir, target)
		}
		rels[attr(se, "Id")] = rel{typ: attr(se, "Type"), target: target}
		return nil
	})
	return rels, err
}

// attr returns the value of the attribute with the local name local.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// chooseSheet reads the workbook and returns the part name of the sheet to
// import: the one named, else the first visible worksheet.
func (p *pkg) chooseSheet(want string) (string, error) {
	type sheet struct {
		name, target string
		hidden       bool
	}
	var sheets []sheet
	isWorkbook := false
	err := p.scan(p.workbook, true, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch se.Name.Local {
		case "workbook":
			isWorkbook = true
		case "workbookPr":
			v := attr(se, "date1904")
			p.date1904 = v == "1" || v == "true"
		case "sheet":
			r, ok := p.rels[attr(se, "id")]
			if ok && strings.HasSuffix(r.typ, "/worksheet") {
				state := attr(se, "state")
				sheets = append(sheets, sheet{name: attr(se, "name"), target: r.target, hidden: state == "hidden" || state == "veryHidden"})
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case !isWorkbook:
		return "", notWorkbook("a zip archive that is not an Excel workbook")
	}
	for _, s := range sheets {
		if want == "" && !s.hidden || want != "" && strings.EqualFold(s.name, want) {
			return s.target, nil
		}
	}
	if want != "" {
		return "", importer.NewImportError(importer.Problem{Code: importer.CodeSheetNotFound, Value: want})
	}
	return "", importer.NewImportError(importer.Problem{Code: importer.CodeNoVisibleSheet})
}

// readStyles records which cell styles have a date or time number format.
func (p *pkg) readStyles() error {
	name := p.relTarget("/styles")
	if name == "" {
		return nil
	}
	custom := make(map[string]string) // numFmtId → format code
	inXfs := false
	return p.scan(name, true, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				custom[attr(t, "numFmtId")] = attr(t, "formatCode")
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id := attr(t, "numFmtId")
					code, ok := custom[id]
					n, _ := strconv.Atoi(id)
					p.dateXF = append(p.dateXF, ok && isDateFormat(code) || !ok && isBuiltinDate(n))
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				return errDone
			}
		}
		return nil
	})
}

// relTarget returns the target of the workbook relationship whose type
// ends with suffix, or "".
func (p *pkg) relTarget(suffix string) string {
	for _, r := range p.rels {
		if strings.HasSuffix(r.typ, suffix) {
			return r.target
		}
	}
	return ""
}

// isBuiltinDate reports whether a built-in number format id is a date or
// time format (ECMA-376 §18.8.30, with the East Asian ones).
func isBuiltinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58 || id >= 71 && id <= 81
}

// isDateFormat reports whether a custom number format code shows a date
// or time: it has a d, m, y, h or s outside quoted text, escapes and
// bracketed sections such as [Red] or [$€-40B] (but [h], [m] and [s],
// elapsed time, count).
func isDateFormat(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false
			}
			if s := strings.ToLower(code[i+1 : i+j]); s != "" && strings.Trim(s, "hms") == "" {
				return true
			}
			i += j
		case ';':
			return false // only the format for positive numbers matters
		default:
			if strings.IndexByte("dmyhsDMYHS", c) >= 0 {
				return true
			}
		}
	}
	return false
}

// readSharedStrings reads the shared-string table, if the workbook has one.
func (p *pkg) readSharedStrings() error {
	name := p.relTarget("/sharedStrings")
	if name == "" {
		return nil
	}
	var text []byte
	depthRPh, inT := 0, false
	return p.scan(name, true, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				text = text[:0]
			case "rPh":
				depthRPh++
			case "t":
				inT = depthRPh == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if len(p.strings) >= maxStringItems {
					return malformed("more than %d shared strings", maxStringItems)
				}
				p.strings = append(p.strings, unescapeXString(string(text)))
			case "rPh":
				depthRPh--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				text = append(text, t...)
			}
		}
		return nil
	})
}

// readSheet streams the worksheet and calls yield for each row with a cell.
func (p *pkg) readSheet(name string, yield func(*importer.Row) error) error {
	var (
		row      importer.Row
		c        cellState
		text     []byte
		collect  bool // character data goes to text
		depthRPh int
		inRow    bool
		inSheet  bool
		col      int // 1-based column of the current or last cell
	)
	return p.scan(name, false, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				inSheet = true
			case "row":
				if !inSheet {
					return nil
				}
				n := row.Number + 1
				if r := attr(t, "r"); r != "" {
					v, err := strconv.Atoi(r)
					if err != nil || v <= row.Number || v > 1<<20 {
						return malformed("%s: bad row number %q", name, r)
					}
					n = v
				}
				row.Number, row.Cells, col, inRow = n, row.Cells[:0], 0, true
			case "c":
				if !inRow {
					return nil
				}
				c = cellState{typ: attr(t, "t")}
				col++
				if ref := attr(t, "r"); ref != "" {
					v := columnNumber(ref)
					if v < col {
						return malformed("%s: bad cell reference %q", name, ref)
					}
					col = v
				}
				if col > maxColumns {
					return malformed("%s: column beyond %d", name, maxColumns)
				}
				if s := attr(t, "s"); s != "" {
					c.style, _ = strconv.Atoi(s)
				}
				text = text[:0]
			case "v":
				c.hasV, collect = true, true
			case "f":
				c.hasF = true
			case "is":
				c.inline = true
			case "rPh":
				depthRPh++
			case "t":
				collect = c.inline && depthRPh == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				collect = false
			case "rPh":
				depthRPh--
			case "c":
				if !inRow {
					return nil
				}
				cell, err := p.cell(&c, text)
				if err != nil {
					ref, _ := excelize.CoordinatesToCellName(col, row.Number)
					return malformed("%s, cell %s: %v", name, ref, err)
				}
				if cell.Value != "" || cell.Kind != importer.KindText {
					for len(row.Cells) < col-1 {
						row.Cells = append(row.Cells, importer.Cell{})
					}
					row.Cells = append(row.Cells, cell)
				}
			case "row":
				inRow = false
				if len(row.Cells) > 0 {
					return yield(&row)
				}
			case "sheetData":
				return errDone
			}
		case xml.CharData:
			if collect {
				text = append(text, t...)
			}
		}
		return nil
	})
}

// cellState is what readSheet gathers about a cell.
type cellState struct {
	typ        string // the t attribute
	style      int    // the s attribute
	hasV, hasF bool
	inline     bool // an inline string (<is>)
}

// cell turns a gathered cell into an importer.Cell.
func (p *pkg) cell(c *cellState, text []byte) (importer.Cell, error) {
	v := string(text)
	if c.hasF && !c.hasV && !c.inline {
		return importer.Cell{Kind: importer.KindFormulaWithoutValue}, nil
	}
	switch c.typ {
	case "s":
		if !c.hasV {
			return importer.Cell{}, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(p.strings) {
			return importer.Cell{}, fmt.Errorf("shared string index %q out of range", v)
		}
		return importer.Cell{Value: p.strings[i]}, nil
	case "inlineStr", "str":
		return importer.Cell{Value: unescapeXString(v)}, nil
	case "b":
		if v = strings.TrimSpace(v); v == "1" || strings.EqualFold(v, "true") {
			return importer.Cell{Value: "TRUE", Kind: importer.KindBool}, nil
		}
		return importer.Cell{Value: "FALSE", Kind: importer.KindBool}, nil
	case "e":
		return importer.Cell{Value: v, Kind: importer.KindError}, nil
	case "d":
		return importer.Cell{Value: v, Kind: importer.KindDate}, nil
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return importer.Cell{}, nil
	}
	if c.style >= 0 && c.style < len(p.dateXF) && p.dateXF[c.style] {
		return importer.Cell{Value: serialDate(v, p.date1904), Kind: importer.KindDate}, nil
	}
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		return importer.Cell{}, fmt.Errorf("number %q: %w", v, errors.Unwrap(err))
	}
	return importer.Cell{Value: v, Kind: importer.KindNumber}, nil
}

// serialDate turns a spreadsheet date serial number into ISO 8601 text,
// for messages; a value that is not a number is returned as it is.
func serialDate(v string, date1904 bool) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 3e6 {
		return v
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	t := base.Add(time.Duration(math.Round(f * 86400 * float64(time.Second))))
	if f == math.Trunc(f) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02T15:04:05")
}

// columnNumber returns the 1-based column of a cell reference such as
// "AB12", or 0 if it has no letters.
func columnNumber(ref string) int {
	n := 0
	for i := 0; i < len(ref) && n <= maxColumns; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a') + 1
	}
	return n
}

// unescapeXString decodes the _xHHHH_ escapes OOXML uses for characters
// XML cannot hold (ECMA-376 ST_Xstring): "_x000D_" is a carriage return,
// "_x005F_" an underscore.
func unescapeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+6 < len(s) && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 6
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
