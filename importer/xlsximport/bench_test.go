package xlsximport_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"strconv"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/importer/xlsximport"
)

var benchXLSX = sync.OnceValue(func() []byte { return generateXLSX(importtest.Rows()) })

// generateXLSX writes the generated directory of n rows (and a header row)
// as a workbook the way Excel saves one: every text in the shared-string
// table.
func generateXLSX(n int) []byte {
	p := minimal("")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(p[name])); err != nil {
			panic(err)
		}
	}
	part := func(name, head, tail string, body func(w *bufio.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString(head)
		body(bw)
		bw.WriteString(tail)
		if err := bw.Flush(); err != nil {
			panic(err)
		}
	}
	part("xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, `</sst>`, func(w *bufio.Writer) {
		si := func(s string) {
			w.WriteString("<si><t>")
			xml.EscapeText(w, []byte(s))
			w.WriteString("</t></si>")
		}
		si("Customer number")
		si("E-mail")
		for i := range n {
			cn, to := importtest.Record(i)
			si(cn)
			si(to)
		}
	})
	part("xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`, `</sheetData></worksheet>`, func(w *bufio.Writer) {
		var b []byte
		for r := 1; r <= n+1; r++ {
			rs := strconv.Itoa(r)
			b = append(b[:0], `<row r="`...)
			b = append(b, rs...)
			b = append(b, `"><c r="A`...)
			b = append(b, rs...)
			b = append(b, `" t="s"><v>`...)
			b = strconv.AppendInt(b, int64(2*(r-1)), 10)
			b = append(b, `</v></c><c r="B`...)
			b = append(b, rs...)
			b = append(b, `" t="s"><v>`...)
			b = strconv.AppendInt(b, int64(2*(r-1)+1), 10)
			b = append(b, `</v></c></row>`...)
			w.Write(b)
		}
	})
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// BenchmarkImportXLSX reads the generated directory (importtest.Rows rows,
// 1–3 addresses each, shared strings as Excel writes them; set
// JAKELU_BENCH_ROWS for a quicker run) with Read, against excelize's own
// Rows() iteration over the same file with the same unzip limits. Both
// report rows/s, the peak heap and the process's CPU seconds per run;
// jakelu also reports x-baseline, its time relative to an excelize-rows run
// made just before each of its runs (see importtest.Compare).
func BenchmarkImportXLSX(b *testing.B) {
	data := benchXLSX()
	rows := importtest.Rows()
	excelizeRows := func() {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
			UnzipSizeLimit: xlsximport.DefaultUnzipSizeLimit, UnzipXMLSizeLimit: xlsximport.DefaultUnzipXMLSizeLimit,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		it, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			if _, err := it.Columns(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := it.Close(); err != nil {
			b.Fatal(err)
		}
		if n != rows+1 {
			b.Fatalf("excelize read %d rows, want %d", n, rows+1)
		}
	}
	b.Run("excelize-rows", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		importtest.Run(b, rows, excelizeRows)
	})
	b.Run("jakelu", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		decoders := []importer.Decoder{xlsximport.NewDecoder(nil)}
		importtest.Compare(b, rows, excelizeRows, func() {
			batch, err := importer.Read(bytes.NewReader(data), decoders, nil)
			if err != nil {
				b.Fatal(err)
			}
			if len(batch.Entries) != rows {
				b.Fatalf("read %d entries, want %d", len(batch.Entries), rows)
			}
		})
	})
}
