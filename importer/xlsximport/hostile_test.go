package xlsximport_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/importer/xlsximport"
)

// outcome is what reading a file gave; see importtest.Outcome.
type outcome = importtest.Outcome

// read reads data with the CSV and XLSX decoders.
func read(t *testing.T, data []byte, opts *importer.Options, xopts *xlsximport.Options) outcome {
	t.Helper()
	return importtest.ReadOutcome(t, data, []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(xopts)}, opts)
}

// parts are the parts of a hand-made workbook package, by name.
type parts map[string]string

// minimal returns the parts of a workbook with one sheet holding
// sheetData, shared strings sst, and styles: 0 General, 1 a built-in date
// (14), 2 a custom date, 3 the custom number format 000000, 4 a custom
// format with a quoted "d" (not a date).
func minimal(sheetData string, sst ...string) parts {
	var si strings.Builder
	for _, s := range sst {
		si.WriteString("<si>" + s + "</si>")
	}
	return parts{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/></Relationships>`,
		"xl/styles.xml": `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<numFmts><numFmt numFmtId="164" formatCode="[$-40B]d\.m\.yyyy"/><numFmt numFmtId="165" formatCode="000000"/><numFmt numFmtId="166" formatCode="&quot;day&quot; 0"/></numFmts>` +
			`<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>` +
			`<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/></cellXfs></styleSheet>`,
		"xl/sharedStrings.xml":     `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + si.String() + `</sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheetData + `</sheetData></worksheet>`,
	}
}

// with returns a copy of p with some parts replaced ("" removes one).
func (p parts) with(more parts) parts {
	out := parts{}
	for k, v := range p {
		out[k] = v
	}
	for k, v := range more {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// zip packs the parts, deflated, in name order.
func (p parts) zip(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(p))
	for name := range p {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(p[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withRaw packs the parts and one more entry written raw, with a header
// that may lie about its size.
func (p parts) withRaw(t testing.TB, h zip.FileHeader, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, content := range p {
		if name == h.Name {
			continue
		}
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := w.CreateRaw(&h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// book builds a workbook with excelize; build gets the file with its one
// sheet "Sheet1".
func book(t testing.TB, build func(f *excelize.File) error, opts ...excelize.Options) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := build(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// row returns a <row> with inline-string cells A, B, C … holding values.
func row(n int, values ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, n)
	for i, v := range values {
		fmt.Fprintf(&b, `<c r="%c%d" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, n, v)
	}
	return b.String() + "</row>"
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// hostileXLSX holds the inputs of HOSTILE.md §2.3 and more, and what the
// importer must make of them.
func hostileXLSX(t testing.TB) []struct {
	name  string
	data  []byte
	opts  *importer.Options
	xopts *xlsximport.Options
	want  outcome
} {
	ok := minimal(row(1, "00123", "a@x.fi"))
	sheet := "xl/worksheets/sheet1.xml"
	bigSheet := `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		strings.Repeat(" ", 20<<20) + row(1, "1", "a@x.fi") + `</sheetData></worksheet>`
	realSheet := ok[sheet]
	crc := crc32.ChecksumIEEE([]byte(realSheet))
	a := func(n int, cell string) string {
		return fmt.Sprintf(`<row r="%d">%s<c r="B%d" t="inlineStr"><is><t>a@x.fi</t></is></c></row>`, n, cell, n)
	}
	return []struct {
		name  string
		data  []byte
		opts  *importer.Options
		xopts *xlsximport.Options
		want  outcome
	}{
		{name: "zip bomb: an entry declaring 1 GiB", data: ok.withRaw(t, zip.FileHeader{Name: "xl/media/blob.bin", Method: zip.Deflate, UncompressedSize64: 1 << 30, CompressedSize64: 10}, deflate(t, make([]byte, 10))),
			want: outcome{Problems: []string{"0::archive-too-large"}}},
		{name: "zip bomb: 20 MB of spaces packed 1000 to 1", data: minimal("").with(parts{sheet: bigSheet}).zip(t),
			want: outcome{Problems: []string{"0::archive-too-large"}}},
		{name: "explicit unzip size limit", data: ok.zip(t), xopts: &xlsximport.Options{UnzipSizeLimit: 1000},
			want: outcome{Problems: []string{"0::archive-too-large"}}},
		{name: "explicit XML part limit", data: ok.zip(t), xopts: &xlsximport.Options{UnzipXMLSizeLimit: 100},
			want: outcome{Problems: []string{"0::archive-too-large"}}},
		{name: "lying zip header: sheet declares 100 bytes, inflates to more", data: ok.withRaw(t, zip.FileHeader{Name: sheet, Method: zip.Deflate, UncompressedSize64: 100, CRC32: crc}, deflate(t, []byte(realSheet))),
			want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "file larger than MaxFileSize", data: ok.zip(t), opts: &importer.Options{MaxFileSize: 100},
			want: outcome{Problems: []string{"0::file-too-large"}}},
		{name: "a megabyte cell", data: minimal(row(1, "1", strings.Repeat("a", 1<<20)) + row(2, strings.Repeat("7", 1<<20), "b@x.fi")).zip(t),
			want: outcome{Problems: []string{"1:B:value-too-long", "2:A:value-too-long"}}},
		{name: "text cell 00123", data: ok.zip(t), want: outcome{Entries: []string{"00123=a@x.fi|"}}},
		{name: "number 123 with format 000000 warns", data: minimal(a(1, `<c r="A1" s="3"><v>123</v></c>`)).zip(t),
			want: outcome{Entries: []string{"123=a@x.fi|"}, Warnings: []string{"1:A:numeric-cell"}}},
		{name: "number 12345678901234 (General) is integer text", data: minimal(a(1, `<c r="A1"><v>12345678901234</v></c>`)).zip(t),
			want: outcome{Entries: []string{"12345678901234=a@x.fi|"}, Warnings: []string{"1:A:numeric-cell"}}},
		{name: "number stored in E notation", data: minimal(a(1, `<c r="A1" t="n"><v>1.2345678901E+10</v></c>`)).zip(t),
			want: outcome{Entries: []string{"12345678901=a@x.fi|"}, Warnings: []string{"1:A:numeric-cell"}}},
		{name: "a quoted d in a number format is not a date", data: minimal(a(1, `<c r="A1" s="4"><v>7</v></c>`)).zip(t),
			want: outcome{Entries: []string{"7=a@x.fi|"}, Warnings: []string{"1:A:numeric-cell"}}},
		{name: "non-integral and too long numbers", data: minimal(a(1, `<c r="A1"><v>1.5</v></c>`) + a(2, `<c r="A2"><v>1E+16</v></c>`)).zip(t),
			want: outcome{Problems: []string{"1:A:inexact-number", "2:A:inexact-number"}}},
		{name: "date cells", data: minimal(a(1, `<c r="A1" s="1"><v>45688</v></c>`) + a(2, `<c r="A2" s="2"><v>45688.5</v></c>`) + a(3, `<c r="A3" t="d"><v>2025-01-31</v></c>`)).zip(t),
			want: outcome{Problems: []string{"1:A:date-cell", "2:A:date-cell", "3:A:date-cell"}}},
		{name: "formula without a cached value", data: minimal(a(1, `<c r="A1"><f>"00"&amp;"7"</f></c>`)).zip(t),
			want: outcome{Problems: []string{"1:A:formula-without-value"}}},
		{name: "formulas give their cached values, never evaluated", data: minimal(a(1, `<c r="A1" t="str"><f>"00"&amp;"7"</f><v>007</v></c>`) + row(2, "8", "b@x.fi")).zip(t),
			want: outcome{Entries: []string{"007=a@x.fi|", "8=b@x.fi|"}}},
		{name: "bool cell", data: minimal(a(1, `<c r="A1" t="b"><v>1</v></c>`)).zip(t),
			want: outcome{Problems: []string{"1:A:boolean-cell"}}},
		{name: "error cell", data: minimal(`<row r="1"><c r="A1" t="inlineStr"><is><t>1</t></is></c><c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>`).zip(t),
			want: outcome{Problems: []string{"1:B:error-cell"}}},
		{name: "CR/LF inside a cell, escaped and literal", data: minimal(row(1, "1", "a@b.fi_x000D__x000A_Bcc: x@y.fi") + row(2, "2", "a@b.fi&#13;&#10;Bcc: x@y.fi")).zip(t),
			want: outcome{Problems: []string{"1:B:control-character", "2:B:control-character"}}},
		{name: "escaped underscore is text", data: minimal(row(1, "a_x005F_x0041_", "a@x.fi")).zip(t),
			want: outcome{Entries: []string{"a_x0041_=a@x.fi|"}}},
		{name: "empty rows in the middle are skipped", data: minimal(row(1, "1", "a@x.fi") + `<row r="2"/>` + `<row r="3"><c r="A3" s="1"/></row>` + row(5, "5", "b@x.fi")).zip(t),
			want: outcome{Entries: []string{"1=a@x.fi|", "5=b@x.fi|"}}},
		{name: "shared strings, rich text and phonetic runs", data: minimal(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`,
			`<t>00</t>`, `<r><t>a@</t></r><r><rPr><b/></rPr><t>x.fi</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh>`).zip(t),
			want: outcome{Entries: []string{"00=a@x.fi|"}}},
		{name: "shared-string index -1", data: minimal(`<row r="1"><c r="A1" t="s"><v>-1</v></c></row>`, `<t>x</t>`).zip(t),
			want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "shared-string index out of range", data: minimal(`<row r="1"><c r="A1" t="s"><v>1</v></c></row>`, `<t>x</t>`).zip(t),
			want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "cells and rows without references", data: minimal(`<row><c t="inlineStr"><is><t>1</t></is></c><c t="inlineStr"><is><t>a@x.fi</t></is></c></row><row><c t="inlineStr"><is><t>2</t></is></c><c/><c t="inlineStr"><is><t>c@x.fi</t></is></c></row>`).zip(t),
			want: outcome{Problems: []string{"2:B:missing-address"}}},
		{name: "cell beyond column XFD", data: minimal(`<row r="1"><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row>`).zip(t),
			want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "entity declarations are never expanded", data: minimal("").with(parts{sheet: `<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet><sheetData>` + row(1, "&b;", "a@x.fi") + `</sheetData></worksheet>`}).zip(t),
			want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "strict OOXML namespaces and prefixes", data: minimal("").with(parts{
			sheet: `<?xml version="1.0"?><x:worksheet xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main"><x:sheetData>` +
				`<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>1</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>a@x.fi</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
		}).zip(t), want: outcome{Entries: []string{"1=a@x.fi|"}}},
		{name: "first visible sheet; hidden ones skipped", data: sheets(t, `state="hidden"`, ``, ``), want: outcome{Entries: []string{"2=b@x.fi|"}}},
		{name: "named sheet, even hidden", data: sheets(t, `state="hidden"`, ``, ``), xopts: &xlsximport.Options{Sheet: "SHEET1"}, want: outcome{Entries: []string{"1=a@x.fi|"}}},
		{name: "named sheet missing", data: sheets(t, "", ``, ``), xopts: &xlsximport.Options{Sheet: "Asiakkaat"}, want: outcome{Problems: []string{"0::sheet-not-found"}}},
		{name: "no visible sheet", data: sheets(t, `state="hidden"`, `state="hidden"`, `state="veryHidden"`), want: outcome{Problems: []string{"0::no-visible-sheet"}}},
		{name: "password-protected workbook", data: book(t, func(f *excelize.File) error { return f.SetCellStr("Sheet1", "A1", "1") }, excelize.Options{Password: "secret"}),
			want: outcome{Problems: []string{"0::encrypted-workbook"}}},
		{name: "legacy .xls saved by LibreOffice", data: testdata(t, "libreoffice.xls"), want: outcome{Problems: []string{"0::legacy-xls"}}},
		{name: ".ods saved by LibreOffice", data: testdata(t, "libreoffice.ods"), want: outcome{Problems: []string{"0::ods"}}},
		{name: "CSV renamed .xlsx is read as CSV", data: []byte("1;a@x.fi\n"), want: outcome{Entries: []string{"1=a@x.fi|"}}},
		{name: "CSV forced to be read as XLSX", data: []byte("1;a@x.fi\n"), opts: &importer.Options{Format: importer.XLSX}, want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "empty file", data: nil, want: outcome{Problems: []string{"0::empty-file"}}},
		{name: "workbook without rows", data: minimal("").zip(t), want: outcome{Problems: []string{"0::empty-file"}}},
		{name: "truncated workbook", data: ok.zip(t)[:200], want: outcome{Problems: []string{"0::malformed-xlsx"}}},
		{name: "zip that is not a workbook", data: parts{"word/document.xml": "<document/>", "_rels/.rels": strings.Replace(ok["_rels/.rels"], "xl/workbook.xml", "word/document.xml", 1)}.zip(t),
			want: outcome{Problems: []string{"0::unsupported-file-type"}}},
		{name: "zip without package relationships", data: parts{"hello.txt": "hi"}.zip(t), want: outcome{Problems: []string{"0::unsupported-file-type"}}},
		{name: "binary workbook (.xlsb)", data: ok.with(parts{"_rels/.rels": strings.Replace(ok["_rels/.rels"], "workbook.xml", "workbook.bin", 1)}).zip(t),
			want: outcome{Problems: []string{"0::unsupported-file-type"}}},
		{name: "workbook saved by LibreOffice", data: testdata(t, "libreoffice.xlsx"), want: outcome{
			Entries:  []string{"00123=matti.meikalainen@example.com maija@example.com|kirjanpito@example.org", "12345678901=Äijälä@example.com|", "00125=laskut@example.org|", "00126=laskut@example.org|"},
			Warnings: []string{"3:A:numeric-cell"},
		}},
		{name: "problems in a workbook saved by LibreOffice", data: testdata(t, "libreoffice-problems.xlsx"), want: outcome{
			Problems: []string{"1:A:inexact-number", "2:A:date-cell", "4:B:comma-between-addresses", "5:B:error-cell"},
		}},
		{name: "workbook written by excelize, numbers and dates in column A", data: book(t, func(f *excelize.File) error {
			date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
			if err != nil {
				return err
			}
			for _, err := range []error{
				f.SetSheetRow("Sheet1", "A1", &[]any{"Asiakasnumero", "Sähköposti"}),
				f.SetSheetRow("Sheet1", "A2", &[]any{12345678901, "a@x.fi"}),
				f.SetSheetRow("Sheet1", "A3", &[]any{"00124", "b@x.fi"}),
				f.SetSheetRow("Sheet1", "A4", &[]any{45688, "c@x.fi"}),
				f.SetCellStyle("Sheet1", "A4", "A4", date),
				f.SetSheetRow("Sheet1", "A5", &[]any{true, "d@x.fi"}),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		}), want: outcome{Problems: []string{"4:A:date-cell", "5:A:boolean-cell"}}},
	}
}

// sheets returns a workbook with three sheets (Sheet1 … Sheet3, with the
// given extra attributes), sheet n holding customer n.
func sheets(t testing.TB, attrs ...string) []byte {
	t.Helper()
	p := minimal("")
	var list, rels strings.Builder
	for i, a := range attrs {
		n := i + 1
		fmt.Fprintf(&list, `<sheet name="Sheet%d" sheetId="%d" %s r:id="rId%d"/>`, n, n, a, 10+n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s%d.xml"/>`, 10+n, n)
		p[fmt.Sprintf("xl/worksheets/s%d.xml", n)] = `<worksheet><sheetData>` + row(1, fmt.Sprint(n), string(rune('a'+i))+"@x.fi") + `</sheetData></worksheet>`
	}
	p["xl/workbook.xml"] = `<workbook xmlns:r="r"><sheets>` + list.String() + `</sheets></workbook>`
	p["xl/_rels/workbook.xml.rels"] = `<Relationships>` + rels.String() + `</Relationships>`
	return p.zip(t)
}

// TestHostileXLSX runs the XLSX rows of HOSTILE.md §2.3 and prints a
// summary line (visible with -v).
func TestHostileXLSX(t *testing.T) {
	tried, handled := 0, 0
	for _, tc := range hostileXLSX(t) {
		tried++
		ok := t.Run(tc.name, func(t *testing.T) {
			got := read(t, tc.data, tc.opts, tc.xopts)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
		if ok {
			handled++
		}
	}
	fmt.Printf("HOSTILE area=xlsx tried=%d handled=%d unexpected=%d\n", tried, handled, tried-handled)
}

// TestRead_tooLargeBeforeUnzipping checks that a workbook whose reader
// tells a size over the limit is refused before any of it is read.
func TestRead_tooLargeBeforeUnzipping(t *testing.T) {
	data := minimal(row(1, "1", "a@x.fi")).zip(t)
	r := &lenReader{r: bytes.NewReader(data)}
	_, err := importer.Read(r, []importer.Decoder{xlsximport.NewDecoder(nil)}, &importer.Options{MaxFileSize: int64(len(data) - 1)})
	if got := importtest.ProblemStrings(t, err); len(got) != 1 || got[0] != "0::file-too-large" || r.read > 0 {
		t.Errorf("problems %q after reading %d bytes, want file-too-large before reading", got, r.read)
	}
}

// lenReader tells the bytes left of a bytes.Reader and counts those read.
type lenReader struct {
	r    *bytes.Reader
	read int
}

func (l *lenReader) Len() int { return l.r.Len() }

func (l *lenReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.read += n
	return n, err
}
