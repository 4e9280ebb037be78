package xlsximport_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/registry"
)

func TestWriteTemplate(t *testing.T) {
	tests := []struct {
		lang, data, help, header, title string
	}{
		{"fi", "Asiakkaat", "Ohje", "Asiakasnumero", "Näin täytät asiakasluettelon"},
		{"sv", "Kunder", "Hjälp", "Kundnummer", "Så fyller du i kundlistan"},
		{"en", "Customers", "Help", "Customer number", "How to fill in the customer list"},
		{"de", "Customers", "Help", "Customer number", "How to fill in the customer list"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := xlsximport.WriteTemplate(&buf, tt.lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{tt.data, tt.help}) {
				t.Errorf("sheets = %q, want %q", got, []string{tt.data, tt.help})
			}
			if v, _ := f.GetCellValue(tt.data, "A1"); v != tt.header {
				t.Errorf("A1 = %q, want %q", v, tt.header)
			}
			if v, _ := f.GetCellValue(tt.help, "A1"); v != tt.title {
				t.Errorf("help A1 = %q, want %q", v, tt.title)
			}
			for _, cell := range []string{"A2", "A100", "B2", "C2"} {
				idx, err := f.GetCellStyle(tt.data, cell)
				if err != nil {
					t.Fatal(err)
				}
				style, err := f.GetStyle(idx)
				if err != nil || style.NumFmt != 49 {
					t.Errorf("%s is not formatted as text: %+v, %v", cell, style, err)
				}
			}
		})
	}
}

// TestRoundTrip fills the template in a spreadsheet (excelize), imports
// it, exports the directory and imports the export again: the directory
// must come back unchanged, values a spreadsheet would take for formulas
// included.
func TestRoundTrip(t *testing.T) {
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			var tmpl bytes.Buffer
			if err := xlsximport.WriteTemplate(&tmpl, lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&tmpl)
			if err != nil {
				t.Fatal(err)
			}
			sheet := f.GetSheetName(0)
			for i, r := range [][]any{
				{"=1+1", "=a@x.fi +b@x.fi", "-c@x.fi"},
				{"-5", "x@y.fi"},
				{"@home", "'d@x.fi"},
				{"00099", "Äijälä@ääkköset.fi"},
			} {
				if err := f.SetSheetRow(sheet, "A"+string(rune('5'+i)), &r); err != nil {
					t.Fatal(err)
				}
			}
			var filled bytes.Buffer
			if err := f.Write(&filled); err != nil {
				t.Fatal(err)
			}
			f.Close()
			decoders := []importer.Decoder{xlsximport.NewDecoder(nil)}
			first, err := importer.Read(&filled, decoders, nil)
			if err != nil {
				t.Fatalf("import of the filled template: %v", err)
			}
			if len(first.Entries) != 7 {
				t.Fatalf("template + 4 rows gave %d entries, want 7", len(first.Entries))
			}
			reg := registry.NewMemory(nil)
			if _, err := importer.Apply(t.Context(), reg, first); err != nil {
				t.Fatal(err)
			}
			var export bytes.Buffer
			if err := xlsximport.Export(t.Context(), &export, reg, lang); err != nil {
				t.Fatal(err)
			}
			data := export.Bytes()
			checkNeutralised(t, data)
			second, err := importer.Read(bytes.NewReader(data), decoders, nil)
			if err != nil {
				t.Fatalf("import of the export: %v", err)
			}
			if got, want := entryMap(second.Entries), entryMap(first.Entries); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the directory:\n got %q\nwant %q", got, want)
			}
			c, err := importer.Diff(t.Context(), reg, second)
			if err != nil || len(c.Unchanged) != 7 {
				t.Errorf("Diff of the re-import = %+v, %v; want 7 unchanged", c, err)
			}
		})
	}
}

// checkNeutralised fails if a cell of the export starts with a character a
// spreadsheet would take for a formula.
func checkNeutralised(t *testing.T, data []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, v := range r {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("export cell %q is not neutralised", v)
			}
		}
	}
}

func entryMap(entries []registry.Entry) map[string]string {
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		m[e.CustomerNumber] = strings.Join(e.To, " ") + "|" + strings.Join(e.Cc, " ")
	}
	return m
}

func TestExport_needsALister(t *testing.T) {
	reg := registry.LookupFunc(nil)
	if err := xlsximport.Export(t.Context(), &bytes.Buffer{}, reg, "fi"); err != importer.ErrNotLister {
		t.Errorf("Export = %v, want ErrNotLister", err)
	}
}

// TestRoundTripProfile checks that the delivery profile survives an
// export and an import (importtest.RoundTripProfile).
func TestRoundTripProfile(t *testing.T) {
	importtest.RoundTripProfile(t, xlsximport.Export, xlsximport.NewDecoder(nil))
}

// TestRoundTripLanguage checks that each customer's language survives an
// export and an import (importtest.RoundTripLanguage).
func TestRoundTripLanguage(t *testing.T) {
	importtest.RoundTripLanguage(t, xlsximport.Export, xlsximport.NewDecoder(nil))
}
