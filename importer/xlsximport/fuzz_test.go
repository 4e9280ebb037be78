package xlsximport_test

import (
	"bytes"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/importer/xlsximport"
)

// fuzzOptions keep fuzzed inputs small.
var (
	fuzzOptions  = &importer.Options{MaxFileSize: 1 << 20, MaxRows: 10_000, MaxProblems: 50}
	fuzzDecoders = []importer.Decoder{xlsximport.NewDecoder(&xlsximport.Options{UnzipSizeLimit: 16 << 20, UnzipXMLSizeLimit: 4 << 20})}
)

// FuzzXLSXImport reads any bytes as an XLSX import file: it must never
// panic, stay within the limits and give either a valid batch or an
// *importer.ImportError. Seeded from testdata and the HOSTILE cases.
func FuzzXLSXImport(f *testing.F) {
	importtest.AddSeeds(f, "testdata/*.xlsx")
	for _, tc := range hostileXLSX(f) {
		if len(tc.data) < 8<<10 {
			f.Add(tc.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := importer.Read(bytes.NewReader(data), fuzzDecoders, &importer.Options{Format: importer.XLSX, MaxFileSize: fuzzOptions.MaxFileSize, MaxRows: fuzzOptions.MaxRows, MaxProblems: fuzzOptions.MaxProblems})
		importtest.CheckRead(t, b, err, fuzzOptions.MaxProblems)
	})
}

// FuzzXLSXSheet puts any worksheet and shared-string XML into a valid
// workbook package, so that the fuzzer works on the XML the reader parses
// rather than on the zip archive around it.
func FuzzXLSXSheet(f *testing.F) {
	p := minimal("")
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>a@x.fi b@y.fi</t></is></c></row>`, `<si><t>00123</t></si>`)
	f.Add(`<row r="1"><c r="A1" s="1"><v>45688</v></c><c r="B1" t="str"><f>A1</f><v>x</v></c></row><row r="3"><c r="A3"><v>1.5E+3</v></c></row>`, `<si><r><t>a</t></r><rPh><t>b</t></rPh></si>`)
	f.Add(`<row><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c><f>1+1</f></c><c r="D1" t="s"><v>-1</v></c></row>`, ``)
	f.Fuzz(func(t *testing.T, sheet, sst string) {
		data := p.with(parts{
			"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheet + `</sheetData></worksheet>`,
			"xl/sharedStrings.xml":     `<sst>` + sst + `</sst>`,
		}).zip(t)
		b, err := importer.Read(bytes.NewReader(data), fuzzDecoders, fuzzOptions)
		importtest.CheckRead(t, b, err, fuzzOptions.MaxProblems)
	})
}
