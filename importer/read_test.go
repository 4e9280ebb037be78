package importer_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// rowsFormat is the format of rowsDecoder, which tests force with
// Options.Format.
const rowsFormat importer.Format = "rows"

// rowsDecoder yields fixed rows, as a spreadsheet decoder would, whatever
// the bytes.
type rowsDecoder []importer.Row

func (rowsDecoder) Format() importer.Format { return rowsFormat }

func (d rowsDecoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	for i := range d {
		row := d[i] // a copy: yield may not keep it
		if err := yield(&row); err != nil {
			return err
		}
	}
	return nil
}

// text returns a row of text cells.
func text(n int, values ...string) importer.Row {
	r := importer.Row{Number: n}
	for _, v := range values {
		r.Cells = append(r.Cells, importer.Cell{Value: v})
	}
	return r
}

// readRows runs Read over rows.
func readRows(t *testing.T, opts *importer.Options, rows ...importer.Row) (*importer.Batch, error) {
	t.Helper()
	o := importer.Options{Format: rowsFormat}
	if opts != nil {
		o = *opts
		o.Format = rowsFormat
	}
	return importer.Read(strings.NewReader("x"), []importer.Decoder{rowsDecoder(rows)}, &o)
}

// problems returns the problems of an *ImportError, failing the test for
// any other error.
func problems(t *testing.T, err error) []importer.Problem {
	t.Helper()
	var ie *importer.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v, want an *importer.ImportError", err)
	}
	if !errors.Is(err, importer.ErrInvalidFile) {
		t.Errorf("errors.Is(err, ErrInvalidFile) = false")
	}
	if ie.Total < len(ie.Problems) {
		t.Errorf("Total = %d < %d problems", ie.Total, len(ie.Problems))
	}
	return ie.Problems
}

func TestRead_valid(t *testing.T) {
	num := func(n int, v string) importer.Row {
		return importer.Row{Number: n, Cells: []importer.Cell{{Value: v, Kind: importer.KindNumber}, {Value: "a@x.fi"}}}
	}
	tests := []struct {
		name      string
		rows      []importer.Row
		want      []registry.Entry
		warnings  []importer.Problem
		emptyRows int
	}{
		{
			name: "no header",
			rows: []importer.Row{text(1, "00123", "a@x.fi")},
			want: []registry.Entry{{CustomerNumber: "00123", To: []string{"a@x.fi"}}},
		},
		{
			name: "finnish header and copy column",
			rows: []importer.Row{text(1, "Asiakasnumero", "Sähköposti", "Kopio (CC)"), text(2, "1", "a@x.fi b@Y.FI", "c@z.fi a@x.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"a@x.fi", "b@y.fi"}, Cc: []string{"c@z.fi"}}},
		},
		{
			name: "swedish header in odd case and spacing",
			rows: []importer.Row{text(1, " KUNDNUMMER ", "e - post"), text(2, "1", "a@x.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"a@x.fi"}}},
		},
		{
			name: "english header, several addresses, one address on two rows",
			rows: []importer.Row{text(1, "Customer number", "E-mail", "CC"), text(2, "1", "a@x.fi  b@x.fi"), text(3, "2", "a@x.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"a@x.fi", "b@x.fi"}}, {CustomerNumber: "2", To: []string{"a@x.fi"}}},
		},
		{
			name: "duplicate address in a cell kept once, first spelling",
			rows: []importer.Row{text(1, "1", "Matti@x.fi matti@X.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"Matti@x.fi"}}},
		},
		{
			name: "addresses are the same as address.Equal says",
			rows: []importer.Row{text(1, "1", "İ@x.fi i@x.fi ſ@x.fi s@x.fi σ@x.fi ς@x.fi", "I@x.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"İ@x.fi", "i@x.fi", "ſ@x.fi", "σ@x.fi"}}},
		},
		{
			name:      "empty rows skipped and counted",
			rows:      []importer.Row{text(2, "1", "a@x.fi"), text(3, " ", ""), text(5, "2", "b@x.fi")},
			want:      []registry.Entry{{CustomerNumber: "1", To: []string{"a@x.fi"}}, {CustomerNumber: "2", To: []string{"b@x.fi"}}},
			emptyRows: 3,
		},
		{
			name: "spaces and no-break spaces trimmed, display name and mailto accepted",
			rows: []importer.Row{text(1, "\u00a0007 ", "Matti Meikäläinen <m@x.fi> mailto:n@x.fi\u00a0")},
			want: []registry.Entry{{CustomerNumber: "007", To: []string{"m@x.fi", "n@x.fi"}}},
		},
		{
			name: "a no-break space separates like a space",
			rows: []importer.Row{text(1, "1", "a@x.fi\u00a0b@x.fi")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"a@x.fi", "b@x.fi"}}},
		},
		{
			name: "comma inside a display name is not a separator",
			rows: []importer.Row{text(1, "1", "Meikäläinen, Matti <m@x.fi>")},
			want: []registry.Entry{{CustomerNumber: "1", To: []string{"m@x.fi"}}},
		},
		{
			name: "apostrophe text marker dropped",
			rows: []importer.Row{text(1, "'-5", "'=a@x.fi"), text(2, "''x", "''b@x.fi")},
			want: []registry.Entry{{CustomerNumber: "-5", To: []string{"=a@x.fi"}}, {CustomerNumber: "'x", To: []string{"'b@x.fi"}}},
		},
		{
			name: "numeric customer numbers become integer text with a warning",
			rows: []importer.Row{num(1, "12345678901"), num(2, "1.2345678902E+10"), num(3, "123.0")},
			want: []registry.Entry{
				{CustomerNumber: "12345678901", To: []string{"a@x.fi"}},
				{CustomerNumber: "12345678902", To: []string{"a@x.fi"}},
				{CustomerNumber: "123", To: []string{"a@x.fi"}},
			},
			warnings: []importer.Problem{
				{Row: 1, Column: "A", Value: "12345678901", Code: importer.CodeNumericCell},
				{Row: 2, Column: "A", Value: "12345678902", Code: importer.CodeNumericCell},
				{Row: 3, Column: "A", Value: "123", Code: importer.CodeNumericCell},
			},
		},
		{
			name: "a number in an address column is only text",
			rows: []importer.Row{{Number: 1, Cells: []importer.Cell{{Value: "x1"}, {Value: "a@x.fi"}, {}}}},
			want: []registry.Entry{{CustomerNumber: "x1", To: []string{"a@x.fi"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readRows(t, nil, tt.rows...)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !sameEntries(b.Entries, tt.want) {
				t.Errorf("Entries = %#v\nwant %#v", b.Entries, tt.want)
			}
			if !reflect.DeepEqual(b.Warnings, tt.warnings) || b.WarningTotal != len(tt.warnings) {
				t.Errorf("Warnings = %#v (total %d), want %#v", b.Warnings, b.WarningTotal, tt.warnings)
			}
			if b.EmptyRows != tt.emptyRows {
				t.Errorf("EmptyRows = %d, want %d", b.EmptyRows, tt.emptyRows)
			}
			for _, e := range b.Entries {
				n, err := e.Normalize()
				if err != nil || !n.Equal(e) {
					t.Errorf("entry %+v is not in normalized form (%+v, %v)", e, n, err)
				}
			}
		})
	}
}

// sameEntries compares entries by customer number, addresses and language.
func sameEntries(got, want []registry.Entry) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			return false
		}
	}
	return true
}

func TestRead_problems(t *testing.T) {
	cell := func(kind importer.CellKind, v string) importer.Cell { return importer.Cell{Value: v, Kind: kind} }
	long := strings.Repeat("7", registry.MaxCustomerNumberLength+1)
	many := strings.TrimSpace(strings.Repeat("a@x.fi b@x.fi c@x.fi d@x.fi e@x.fi f@x.fi g@x.fi h@x.fi i@x.fi j@x.fi ", 5)) + " k@x.fi"
	manyUnique := ""
	for i := range registry.MaxAddresses + 1 {
		manyUnique += " a" + strings.Repeat("b", i) + "@x.fi"
	}
	tests := []struct {
		name string
		rows []importer.Row
		want []importer.Problem
	}{
		{
			name: "comma between addresses",
			rows: []importer.Row{text(1, "1", "a@x.fi, b@y.fi")},
			want: []importer.Problem{{Row: 1, Column: "B", Value: "a@x.fi, b@y.fi", Code: importer.CodeCommaBetweenAddresses}},
		},
		{
			name: "semicolon between copy addresses",
			rows: []importer.Row{text(1, "1", "a@x.fi", "a@x.fi;b@y.fi")},
			want: []importer.Problem{{Row: 1, Column: "C", Value: "a@x.fi;b@y.fi", Code: importer.CodeSemicolonBetweenAddresses}},
		},
		{
			name: "invalid addresses carry their reasons",
			rows: []importer.Row{text(1, "1", "a@localhost b@-x.fi c@x.fi")},
			want: []importer.Problem{
				{Row: 1, Column: "B", Value: "a@localhost", Code: importer.CodeInvalidAddress, Reason: address.ReasonNoDot},
				{Row: 1, Column: "B", Value: "b@-x.fi", Code: importer.CodeInvalidAddress, Reason: address.ReasonInvalidDomain},
			},
		},
		{
			name: "empty customer number and missing address",
			rows: []importer.Row{text(1, "", "a@x.fi"), text(2, "2"), text(3, "", "", "c@x.fi")},
			want: []importer.Problem{
				{Row: 1, Column: "A", Code: importer.CodeEmptyCustomerNumber},
				{Row: 2, Column: "B", Code: importer.CodeMissingAddress},
				{Row: 3, Column: "A", Code: importer.CodeEmptyCustomerNumber},
			},
		},
		{
			name: "duplicate customer number names both rows",
			rows: []importer.Row{text(1, "Asiakasnumero", "Sähköposti"), text(2, "00123", "a@x.fi"), text(3, "123", "a@x.fi"), text(4, "00123", "b@x.fi")},
			want: []importer.Problem{{Row: 4, Column: "A", Value: "00123", Code: importer.CodeDuplicateCustomerNumber, OtherRow: 2}},
		},
		{
			name: "control and invisible characters",
			rows: []importer.Row{text(1, "1\x00", "a@x.fi"), text(2, "2", "a@x.fi\r\nBcc: x@y.fi"), text(3, "3\u200b", "a@x.fi"), text(4, "4", "a@x.fi\tb@x.fi")},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: "1\x00", Code: importer.CodeControlCharacter},
				{Row: 2, Column: "B", Value: "a@x.fi\r\nBcc: x@y.fi", Code: importer.CodeControlCharacter},
				{Row: 3, Column: "A", Value: "3\u200b", Code: importer.CodeControlCharacter},
				{Row: 4, Column: "B", Value: "a@x.fi\tb@x.fi", Code: importer.CodeControlCharacter},
			},
		},
		{
			name: "too long and too many",
			rows: []importer.Row{text(1, long, "a@x.fi"), text(2, "2", many), text(3, "3", manyUnique)},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: long[:100] + "…", Code: importer.CodeValueTooLong, Limit: registry.MaxCustomerNumberLength},
				{Row: 3, Code: importer.CodeTooManyAddresses, Limit: registry.MaxAddresses},
			},
		},
		{
			name: "scientific notation from a CSV export",
			rows: []importer.Row{text(1, "1.23457E+10", "a@x.fi"), text(2, "1e+15", "a@x.fi"), text(3, "1E5", "a@x.fi")},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: "1.23457E+10", Code: importer.CodeScientificNotation},
				{Row: 2, Column: "A", Value: "1e+15", Code: importer.CodeScientificNotation},
			},
		},
		{
			name: "cells of the wrong kind",
			rows: []importer.Row{
				{Number: 1, Cells: []importer.Cell{cell(importer.KindNumber, "123.5"), {Value: "a@x.fi"}}},
				{Number: 2, Cells: []importer.Cell{cell(importer.KindNumber, "1234567890123456"), {Value: "a@x.fi"}}},
				{Number: 3, Cells: []importer.Cell{cell(importer.KindDate, "2025-01-31"), {Value: "a@x.fi"}}},
				{Number: 4, Cells: []importer.Cell{cell(importer.KindBool, "TRUE"), {Value: "a@x.fi"}}},
				{Number: 5, Cells: []importer.Cell{cell(importer.KindFormulaWithoutValue, ""), {Value: "a@x.fi"}}},
				{Number: 6, Cells: []importer.Cell{{Value: "6"}, cell(importer.KindError, "#N/A")}},
			},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: "123.5", Code: importer.CodeInexactNumber},
				{Row: 2, Column: "A", Value: "1234567890123456", Code: importer.CodeInexactNumber},
				{Row: 3, Column: "A", Value: "2025-01-31", Code: importer.CodeDateCell},
				{Row: 4, Column: "A", Value: "TRUE", Code: importer.CodeBooleanCell},
				{Row: 5, Column: "A", Code: importer.CodeFormulaWithoutValue},
				{Row: 6, Column: "B", Value: "#N/A", Code: importer.CodeErrorCell},
			},
		},
		{
			name: "wrong header",
			rows: []importer.Row{text(1, "Sähköposti", "Asiakasnumero"), text(2, "1", "a@x.fi")},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: "Sähköposti", Code: importer.CodeWrongHeader},
				{Row: 1, Column: "B", Value: "Asiakasnumero", Code: importer.CodeWrongHeader},
			},
		},
		{
			name: "value in a column the header does not name",
			rows: []importer.Row{text(1, "Kundnummer", "E-post"), text(2, "1", "a@x.fi", "b@x.fi")},
			want: []importer.Problem{{Row: 2, Column: "C", Value: "b@x.fi", Code: importer.CodeTooManyColumns}},
		},
		{
			name: "value beyond column E",
			rows: []importer.Row{text(1, "1", "a@x.fi", "", "", "", "f@x.fi")},
			want: []importer.Problem{{Row: 1, Column: "F", Value: "f@x.fi", Code: importer.CodeTooManyColumns}},
		},
		{
			name: "a language that is not a language code",
			rows: []importer.Row{text(1, "1", "a@x.fi", "", "", "sv"), text(2, "2", "b@x.fi", "", "", "Finnish"),
				text(3, "3", "c@x.fi", "", "", "e@x.fi"), text(4, "4", "d@x.fi", "", "", "f i"), text(5, "5", "e@x.fi", "", "", "FI"),
				text(6, "6", "f@x.fi", "", "", " en-GB ")},
			want: []importer.Problem{
				{Row: 2, Column: "E", Value: "Finnish", Code: importer.CodeInvalidLanguage},
				{Row: 3, Column: "E", Value: "e@x.fi", Code: importer.CodeInvalidLanguage},
				{Row: 4, Column: "E", Value: "f i", Code: importer.CodeInvalidLanguage},
			},
		},
		{
			name: "a delivery profile that is neither standard nor scan",
			rows: []importer.Row{text(1, "1", "a@x.fi", "", "scan"), text(2, "2", "b@x.fi", "", "fax"), text(3, "3", "c@x.fi", "", "d@x.fi")},
			want: []importer.Problem{
				{Row: 2, Column: "D", Value: "fax", Code: importer.CodeInvalidProfile},
				{Row: 3, Column: "D", Value: "d@x.fi", Code: importer.CodeInvalidProfile},
			},
		},
		{
			name: "a profile column the header does not name",
			rows: []importer.Row{text(1, "Kundnummer", "E-post", "Kopia"), text(2, "1", "a@x.fi", "", "scan")},
			want: []importer.Problem{{Row: 2, Column: "D", Value: "scan", Code: importer.CodeTooManyColumns}},
		},
		{
			name: "cells a decoder cut are too long wherever they are, and never blank",
			rows: []importer.Row{
				{Number: 1, Cells: []importer.Cell{{Value: "123", Cut: true}, {Value: "a@x.fi"}}},
				{Number: 2, Cells: []importer.Cell{{Value: "2"}, {Value: "a@x.fi", Cut: true}}},
				{Number: 3, Cells: []importer.Cell{{Value: "3"}, {Value: "a@x.fi"}, {Value: " ", Cut: true}}},
				{Number: 4, Cells: []importer.Cell{{Value: "4"}, {Value: "a@x.fi"}, {}, {}, {}, {Value: "", Cut: true}}},
				{Number: 5, Cells: []importer.Cell{{Value: "   ", Cut: true}}},
			},
			want: []importer.Problem{
				{Row: 1, Column: "A", Value: "123", Code: importer.CodeValueTooLong, Limit: registry.MaxCustomerNumberLength},
				{Row: 2, Column: "B", Value: "a@x.fi", Code: importer.CodeValueTooLong, Limit: registry.MaxAddresses * (address.MaxLength + 1)},
				{Row: 3, Column: "C", Value: " ", Code: importer.CodeValueTooLong, Limit: registry.MaxAddresses * (address.MaxLength + 1)},
				{Row: 4, Column: "F", Code: importer.CodeTooManyColumns},
				{Row: 5, Column: "A", Value: "   ", Code: importer.CodeValueTooLong, Limit: registry.MaxCustomerNumberLength},
				{Row: 5, Column: "B", Code: importer.CodeMissingAddress},
			},
		},
		{
			name: "a cut cell is never a heading",
			rows: []importer.Row{
				{Number: 1, Cells: []importer.Cell{{Value: "Customer number", Cut: true}, {Value: "E-mail"}}},
				text(2, "1", "a@x.fi"),
			},
			want: []importer.Problem{{Row: 1, Column: "A", Value: "Customer number", Code: importer.CodeWrongHeader}},
		},
		{
			name: "header only",
			rows: []importer.Row{text(1, "Customer number", "E-mail")},
			want: []importer.Problem{{Code: importer.CodeEmptyFile}},
		},
		{
			name: "no rows",
			want: []importer.Problem{{Code: importer.CodeEmptyFile}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readRows(t, nil, tt.rows...)
			if b != nil {
				t.Errorf("Read returned a batch with an error")
			}
			if got := problems(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestRead_duplicatesAcrossChunks reads more rows than one chunk of the
// validator holds, with duplicates far apart and other problems on the
// same and nearby rows, and checks that every problem is listed in row
// order, a duplicate after the other problems of its row.
func TestRead_duplicatesAcrossChunks(t *testing.T) {
	var rows []importer.Row
	for i := 1; i <= 9000; i++ {
		rows = append(rows, text(i, fmt.Sprintf("c%d", i), fmt.Sprintf("a%d@x.fi", i)))
	}
	rows[2998].Cells[1].Value = "bad"             // row 2999
	rows[2999].Cells = text(0, "c2", "bad").Cells // row 3000: an invalid address and the customer number of row 2
	rows[4999].Cells[0].Value = "c1"              // row 5000: row 1's
	rows[8999].Cells[0].Value = "c1"              // row 9000: row 1's again
	rows = append(rows[:6000], rows[6001:]...)    // no row 6001
	rows = append(rows, text(9001, "", "a@x.fi"), text(9002, "c9002", "a@x.fi"))
	want := []importer.Problem{
		{Row: 2999, Column: "B", Value: "bad", Code: importer.CodeInvalidAddress, Reason: address.ReasonMissingAt},
		{Row: 3000, Column: "B", Value: "bad", Code: importer.CodeInvalidAddress, Reason: address.ReasonMissingAt},
		{Row: 3000, Column: "A", Value: "c2", Code: importer.CodeDuplicateCustomerNumber, OtherRow: 2},
		{Row: 5000, Column: "A", Value: "c1", Code: importer.CodeDuplicateCustomerNumber, OtherRow: 1},
		{Row: 9000, Column: "A", Value: "c1", Code: importer.CodeDuplicateCustomerNumber, OtherRow: 1},
		{Row: 9001, Column: "A", Code: importer.CodeEmptyCustomerNumber},
	}
	for _, max := range []int{0, 1, 3, len(want)} {
		_, err := readRows(t, &importer.Options{MaxProblems: max}, rows...)
		w := want[:max]
		if max == 0 {
			w = want
		}
		var ie *importer.ImportError
		if got := problems(t, err); !reflect.DeepEqual(got, w) || !errors.As(err, &ie) || ie.Total != len(want) {
			t.Errorf("MaxProblems %d: problems (of %d)\n got %#v\nwant %#v", max, ie.Total, got, w)
		}
	}
}

// panicDecoder yields rows, more than a chunk of them, and then panics.
type panicDecoder struct{}

func (panicDecoder) Format() importer.Format { return rowsFormat }

func (panicDecoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	for i := 1; i <= 5000; i++ {
		row := text(i, fmt.Sprint(i), "a@x.fi")
		if err := yield(&row); err != nil {
			return err
		}
	}
	panic("decoder bug")
}

// TestRead_decoderPanics checks that a Decoder's panic reaches Read's
// caller, who can recover it, as a host app's HTTP server does.
func TestRead_decoderPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != "decoder bug" {
			t.Errorf("recovered %v, want the decoder's panic", r)
		}
	}()
	importer.Read(strings.NewReader("x"), []importer.Decoder{panicDecoder{}}, &importer.Options{Format: rowsFormat})
	t.Error("Read returned")
}

func TestRead_limits(t *testing.T) {
	rows := func(n int) []importer.Row {
		var r []importer.Row
		for i := 1; i <= n; i++ {
			r = append(r, text(i, "", "bad"))
		}
		return r
	}
	t.Run("problems are capped, the total counted", func(t *testing.T) {
		_, err := readRows(t, &importer.Options{MaxProblems: 3}, rows(5)...)
		var ie *importer.ImportError
		if !errors.As(err, &ie) || len(ie.Problems) != 3 || ie.Total != 10 {
			t.Fatalf("err = %v; want 3 problems listed of 10", err)
		}
	})
	t.Run("too many rows stops reading", func(t *testing.T) {
		var r []importer.Row
		for i := 1; i <= 5; i++ {
			r = append(r, text(i, "c"+strings.Repeat("x", i), "a@x.fi"))
		}
		_, err := readRows(t, &importer.Options{MaxRows: 3}, r...)
		got := problems(t, err)
		want := []importer.Problem{{Row: 4, Code: importer.CodeTooManyRows, Limit: 3}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("problems = %#v, want %#v", got, want)
		}
	})
	t.Run("the problem that stopped reading is listed past MaxProblems", func(t *testing.T) {
		tooMany := importer.Problem{Row: 4, Code: importer.CodeTooManyRows, Limit: 3}
		malformed := importer.Problem{Row: 6, Value: "bare quote", Code: importer.CodeMalformedCSV}
		first := []importer.Problem{
			{Row: 1, Column: "A", Code: importer.CodeEmptyCustomerNumber},
			{Row: 1, Column: "B", Value: "bad", Code: importer.CodeInvalidAddress, Reason: address.ReasonMissingAt},
		}
		tests := []struct {
			name        string
			opts        importer.Options
			dec         importer.Decoder
			maxProblems int
			want        []importer.Problem
			total       int
		}{
			{"too many rows, one listed", importer.Options{MaxRows: 3, MaxProblems: 1}, rowsDecoder(rows(5)), 1, []importer.Problem{tooMany}, 7},
			{"too many rows, three listed", importer.Options{MaxRows: 3, MaxProblems: 3}, rowsDecoder(rows(5)), 3, append(first[:2:2], tooMany), 7},
			{"decoder error, one listed", importer.Options{MaxProblems: 1}, stopDecoder{rows(5), malformed}, 1, []importer.Problem{malformed}, 11},
			{"decoder error, three listed", importer.Options{MaxProblems: 3}, stopDecoder{rows(5), malformed}, 3, append(first[:2:2], malformed), 11},
			{"decoder error, all listed", importer.Options{}, stopDecoder{rows(1), malformed}, 3, append(first[:2:2], malformed), 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.opts.Format = rowsFormat
				_, err := importer.Read(strings.NewReader("x"), []importer.Decoder{tt.dec}, &tt.opts)
				got := problems(t, err)
				var ie *importer.ImportError
				if errors.As(err, &ie); !reflect.DeepEqual(got, tt.want) || ie.Total != tt.total {
					t.Errorf("problems (of %d):\n got %#v\nwant %#v (of %d)", ie.Total, got, tt.want, tt.total)
				}
			})
		}
	})
	t.Run("file too large, known before reading", func(t *testing.T) {
		const limit = 1000
		file := func(t *testing.T, size int64, at int64) *os.File {
			f, err := os.Create(filepath.Join(t.TempDir(), "f.csv"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if _, err := f.Write(bytes.Repeat([]byte("x"), int(size))); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Seek(at, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			return f
		}
		over := strings.Repeat("x", limit+1)
		tests := []struct {
			name    string
			r       func(t *testing.T) io.Reader
			size    int64 // Options.Size
			refused bool
			readAny bool // whether anything was read of the file
		}{
			{"bytes.Reader", func(*testing.T) io.Reader { return bytes.NewReader([]byte(over)) }, 0, true, false},
			{"strings.Reader, partly read", func(*testing.T) io.Reader {
				r := strings.NewReader(over)
				r.Seek(2, io.SeekStart)
				return r
			}, 0, false, true},
			{"bytes.Buffer", func(*testing.T) io.Reader { return bytes.NewBufferString(over) }, 0, true, false},
			{"os.File", func(t *testing.T) io.Reader { return file(t, limit+1, 0) }, 0, true, false},
			{"os.File, partly read", func(t *testing.T) io.Reader { return file(t, limit+1, 1) }, 0, false, true},
			{"io.SectionReader", func(*testing.T) io.Reader { return io.NewSectionReader(strings.NewReader(over), 0, limit+1) }, 0, true, false},
			{"io.SectionReader claiming more than it holds", func(*testing.T) io.Reader { return io.NewSectionReader(strings.NewReader("x"), 0, 1<<40) }, 0, false, true},
			{"a size that only Size() tells", func(*testing.T) io.Reader { return sizedReader{strings.NewReader("x"), limit + 1} }, 0, true, false},
			{"Options.Size", func(*testing.T) io.Reader { return struct{ io.Reader }{strings.NewReader("x")} }, limit + 1, true, false},
			{"Options.Size within the limit", func(*testing.T) io.Reader { return struct{ io.Reader }{strings.NewReader("x")} }, limit, false, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.r(t)
				cr := &countingReader{r: r}
				dec := readAllDecoder{}
				_, err := importer.Read(readerLike(r, cr), []importer.Decoder{dec}, &importer.Options{Format: rowsFormat, MaxFileSize: limit, Size: tt.size})
				var ie *importer.ImportError
				refused := errors.As(err, &ie) && len(ie.Problems) == 1 && ie.Problems[0].Code == importer.CodeFileTooLarge && ie.Problems[0].Limit == limit
				if refused != tt.refused || (cr.n > 0) != tt.readAny {
					t.Errorf("err = %v after reading %d bytes; want refused %v, read %v", err, cr.n, tt.refused, tt.readAny)
				}
			})
		}
	})
	t.Run("file too large", func(t *testing.T) {
		for _, size := range []int{10, 5000} {
			_, err := importer.Read(bytes.NewReader(bytes.Repeat([]byte("x"), size+1)), []importer.Decoder{rowsDecoder{}}, &importer.Options{Format: rowsFormat, MaxFileSize: int64(size)})
			got := problems(t, err)
			if len(got) != 1 || got[0].Code != importer.CodeFileTooLarge || got[0].Limit != int64(size) {
				t.Errorf("size %d: problems = %#v", size, got)
			}
		}
	})
	t.Run("reader errors are returned as they are", func(t *testing.T) {
		boom := errors.New("boom")
		for _, r := range []io.Reader{iotest.ErrReader(boom), io.MultiReader(strings.NewReader(strings.Repeat("x", 5000)), iotest.ErrReader(boom))} {
			_, err := importer.Read(r, []importer.Decoder{rowsDecoder{}}, &importer.Options{Format: rowsFormat})
			if !errors.Is(err, boom) || errors.Is(err, importer.ErrInvalidFile) {
				t.Errorf("err = %v, want boom", err)
			}
		}
	})
}

func TestRead_sniff(t *testing.T) {
	zipHeader := func(name, content string) string {
		h := "PK\x03\x04" + strings.Repeat("\x00", 22) + string(rune(len(name))) + "\x00\x00\x00"
		return h + name + content
	}
	cfb := "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 600)
	tests := []struct {
		name  string
		input string
		code  importer.Code
		value string
	}{
		{"empty", "", importer.CodeEmptyFile, ""},
		{"pdf", "%PDF-1.7\n...", importer.CodeUnsupportedFileType, "a PDF document"},
		{"png", "\x89PNG\r\n\x1a\n", importer.CodeUnsupportedFileType, "a PNG image"},
		{"html saved as xls", "  <html><body><table>", importer.CodeUnsupportedFileType, "an XML or HTML document"},
		{"binary", "abc\x00\x01\x02def", importer.CodeUnsupportedFileType, "a binary file"},
		{"ods", zipHeader("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), importer.CodeODS, ""},
		{"odt", zipHeader("mimetype", "application/vnd.oasis.opendocument.text"), importer.CodeUnsupportedFileType, "an OpenDocument file"},
		{"legacy xls", cfb + "W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00", importer.CodeLegacyXLS, ""},
		{"encrypted workbook", cfb + "E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00", importer.CodeEncryptedWorkbook, ""},
		{"zip without a decoder", zipHeader("[Content_Types].xml", "<Types/>"), importer.CodeFormatNotAccepted, "XLSX"},
		{"csv without a decoder", "1;a@x.fi\n", importer.CodeFormatNotAccepted, "CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importer.Read(strings.NewReader(tt.input), nil, nil)
			got := problems(t, err)
			want := []importer.Problem{{Code: tt.code, Value: tt.value}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problems = %#v, want %#v", got, want)
			}
		})
	}
}

// stopDecoder yields rows and then fails with an *importer.ImportError, as
// a decoder does that finds the file broken.
type stopDecoder struct {
	rows []importer.Row
	p    importer.Problem
}

func (stopDecoder) Format() importer.Format { return rowsFormat }

func (d stopDecoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	if err := (rowsDecoder(d.rows)).Decode(r, yield); err != nil {
		return err
	}
	return importer.NewImportError(d.p)
}

// readAllDecoder reads the whole file and yields one valid row.
type readAllDecoder struct{}

func (readAllDecoder) Format() importer.Format { return rowsFormat }

func (readAllDecoder) Decode(r io.Reader, yield func(*importer.Row) error) error {
	return rowsDecoder{text(1, "1", "a@x.fi")}.Decode(r, yield)
}

// sizedReader tells a size, and nothing else.
type sizedReader struct {
	io.Reader
	size int64
}

func (s sizedReader) Size() int64 { return s.size }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readerLike returns a reader that reads through cr and has the methods
// of r that Read looks at for the size (Len, Size, Stat, Seek, ReadAt).
func readerLike(r io.Reader, cr *countingReader) io.Reader {
	type lener interface{ Len() int }
	type sizer interface{ Size() int64 }
	type stater interface {
		Stat() (fs.FileInfo, error)
	}
	switch r := r.(type) {
	case lener:
		return struct {
			io.Reader
			lener
		}{cr, r}
	case *os.File:
		return struct {
			io.Reader
			stater
			io.Seeker
			io.ReaderAt
		}{cr, r, r, r}
	case *io.SectionReader:
		return struct {
			io.Reader
			sizer
			io.Seeker
			io.ReaderAt
		}{cr, r, r, r}
	case sizer:
		return struct {
			io.Reader
			sizer
		}{cr, r}
	}
	return cr
}

// TestRead_wideRows reads rows of many cells, which the validator checks
// in chunks of fewer rows so that wide rows cannot multiply its memory,
// and checks that every problem still comes in row order.
func TestRead_wideRows(t *testing.T) {
	const rows, width = 5000, 40
	var in []importer.Row
	var want []importer.Problem
	for i := 1; i <= rows; i++ {
		r := text(i, fmt.Sprintf("c%d", i), fmt.Sprintf("a%d@x.fi", i))
		r.Cells = append(r.Cells, make([]importer.Cell, width-2)...)
		switch {
		case i%1000 == 0:
			r.Cells[width-1].Value = "x"
			want = append(want, importer.Problem{Row: i, Column: "AN", Value: "x", Code: importer.CodeTooManyColumns})
		case i%1500 == 0:
			r.Cells[0].Value = "c1"
			want = append(want, importer.Problem{Row: i, Column: "A", Value: "c1", Code: importer.CodeDuplicateCustomerNumber, OtherRow: 1})
		}
		in = append(in, r)
	}
	_, err := readRows(t, nil, in...)
	if got := problems(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %v\nwant %v", got, want)
	}
}
