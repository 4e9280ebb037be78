package main

import (
	"bufio"
	"io"
	"strings"
)

// writeCSV writes rows as a CSV file that spreadsheet programs of the
// language open as columns: UTF-8 with a byte order mark, CRLF line ends,
// ';' between fields for Finnish and Swedish (whose spreadsheets use the
// decimal comma) and ',' otherwise. A field is quoted when it holds a
// separator of either kind, a tab, a quote or a line break, so the file
// reads right whichever separator the program assumes. A field starting
// with = + - @, a tab or CR is prefixed with an apostrophe, so that no
// spreadsheet evaluates it as a formula.
func writeCSV(w io.Writer, lang string, rows [][]string) error {
	sep := ","
	if lang == "fi" || lang == "sv" {
		sep = ";"
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff")
	for _, row := range rows {
		for i, field := range row {
			if i > 0 {
				bw.WriteString(sep)
			}
			bw.WriteString(csvField(field))
		}
		bw.WriteString("\r\n")
	}
	return bw.Flush()
}

// csvField neutralises and quotes one field for writeCSV.
func csvField(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	if strings.ContainsAny(s, ",;\t\"\r\n") {
		s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
