package main

import (
	"bufio"
	"io"
	"strings"

	"github.com/jakelu/jakelu/importer"
)

// writeCSV writes rows as a CSV file that spreadsheets open safely and in
// the right columns: a UTF-8 byte order mark first, CRLF line ends, and the
// separator Excel expects in lang's locales (';' in Finnish and Swedish,
// ',' in English; see importer.Separator). Every field that holds a ',', a
// ';', a tab, a quote, a CR or an LF is quoted, whichever the separator, so
// the file splits the same when opened with the other one; a field that
// starts with =, +, -, @, a tab or a CR gets a leading apostrophe, so that
// no spreadsheet takes it for a formula (OWASP's CSV injection rule).
func writeCSV(w io.Writer, lang string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	return writeCSVRows(w, lang, rows)
}

// writeCSVRows writes rows as writeCSV does, without the byte order mark:
// more rows of a file writeCSV started.
func writeCSVRows(w io.Writer, lang string, rows [][]string) error {
	sep := ','
	if s := importer.Separator(lang); s == ";" {
		sep = ';'
	}
	bw := bufio.NewWriter(w)
	for _, row := range rows {
		for i, field := range row {
			if i > 0 {
				bw.WriteRune(sep)
			}
			writeCSVField(bw, field)
		}
		bw.WriteString("\r\n")
	}
	return bw.Flush()
}

// writeCSVField writes one field of writeCSV: neutralised when it starts
// like a formula, quoted (with its quotes doubled) when it holds a
// separator, a quote or a line break.
func writeCSVField(bw *bufio.Writer, field string) {
	if field != "" && strings.IndexByte("=+-@\t\r", field[0]) >= 0 {
		field = "'" + field
	}
	if !strings.ContainsAny(field, ",;\t\"\r\n") {
		bw.WriteString(field)
		return
	}
	bw.WriteByte('"')
	bw.WriteString(strings.ReplaceAll(field, `"`, `""`))
	bw.WriteByte('"')
}
