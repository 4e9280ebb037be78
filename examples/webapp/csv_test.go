package main

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// TestWriteCSV checks writeCSV's separators per language, its quoting and
// its neutralising of formulas, and that encoding/csv reads every file
// back into the (neutralised) fields.
func TestWriteCSV(t *testing.T) {
	tests := []struct {
		name, lang string
		rows       [][]string
		want       string   // the file after the byte order mark
		read       []string // the first row as a CSV reader gives it back; nil: rows[0]
	}{
		{"finnish separator", "fi", [][]string{{"a", "b"}, {"c", ""}}, "a;b\r\nc;\r\n", nil},
		{"swedish separator", "sv", [][]string{{"a", "b"}}, "a;b\r\n", nil},
		{"english separator", "en", [][]string{{"a", "b"}}, "a,b\r\n", nil},
		{"comma quoted with semicolons", "fi", [][]string{{"Oy Ab, Helsinki", "x"}}, "\"Oy Ab, Helsinki\";x\r\n", nil},
		{"semicolon quoted with commas", "en", [][]string{{"a;b", "x"}}, "\"a;b\",x\r\n", nil},
		{"quote doubled", "en", [][]string{{`say "hi"`}}, "\"say \"\"hi\"\"\"\r\n", nil},
		{"line breaks quoted", "fi", [][]string{{"one\r\ntwo", "three\nfour"}}, "\"one\r\ntwo\";\"three\nfour\"\r\n", nil},
		{"tab inside quoted", "en", [][]string{{"a\tb"}}, "\"a\tb\"\r\n", nil},
		{"equals neutralised", "en", [][]string{{"=1+1"}}, "'=1+1\r\n", []string{"'=1+1"}},
		{"plus neutralised", "fi", [][]string{{"+358 40 123"}}, "'+358 40 123\r\n", []string{"'+358 40 123"}},
		{"minus neutralised", "fi", [][]string{{"-5"}}, "'-5\r\n", []string{"'-5"}},
		{"at neutralised", "en", [][]string{{"@SUM(A1)"}}, "'@SUM(A1)\r\n", []string{"'@SUM(A1)"}},
		{"leading tab neutralised and quoted", "en", [][]string{{"\t=1"}}, "\"'\t=1\"\r\n", []string{"'\t=1"}},
		{"leading CR neutralised and quoted", "en", [][]string{{"\r=1"}}, "\"'\r=1\"\r\n", []string{"'\r=1"}},
		{"the issue's customer number in English", "en", [][]string{{"X;=1+1;", "=2"}}, "\"X;=1+1;\",'=2\r\n", []string{"X;=1+1;", "'=2"}},
		{"formula after a separator in Finnish", "fi", [][]string{{"X,=1+1,"}}, "\"X,=1+1,\"\r\n", nil},
		{"formula inside is not neutralised", "en", [][]string{{"a=1"}}, "a=1\r\n", nil},
		{"non-ASCII as UTF-8", "fi", [][]string{{"Äänekoski", "Åbo"}}, "Äänekoski;Åbo\r\n", nil},
		{"no rows", "fi", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeCSV(&buf, tt.lang, tt.rows); err != nil {
				t.Fatal(err)
			}
			got, ok := strings.CutPrefix(buf.String(), "\ufeff")
			if !ok {
				t.Fatalf("no byte order mark: %q", buf.String())
			}
			if got != tt.want {
				t.Fatalf("writeCSV = %q, want %q", got, tt.want)
			}
			if len(tt.rows) == 0 {
				return
			}
			r := csv.NewReader(strings.NewReader(got))
			r.Comma = ','
			if tt.lang != "en" {
				r.Comma = ';'
			}
			rec, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.read
			if want == nil {
				want = tt.rows[0]
			}
			// encoding/csv turns CRLF inside quotes into LF.
			want = slices.Clone(want)
			for i := range want {
				want[i] = strings.ReplaceAll(want[i], "\r\n", "\n")
			}
			if !slices.Equal(rec, want) {
				t.Errorf("read back %q, want %q", rec, want)
			}
		})
	}
}
