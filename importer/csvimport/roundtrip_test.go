package csvimport_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/registry"
)

// TestRoundTrip fills the template, imports it, exports the directory and
// imports the export again: the directory must come back unchanged, values
// that a spreadsheet would take for formulas included.
func TestRoundTrip(t *testing.T) {
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			var tmpl bytes.Buffer
			if err := csvimport.WriteTemplate(&tmpl, lang); err != nil {
				t.Fatal(err)
			}
			sep := ","
			if lang != "en" {
				sep = ";"
			}
			filled := tmpl.String() + strings.Join([]string{
				"=1+1" + sep + "=a@x.fi +b@x.fi" + sep + "-c@x.fi",
				"-5" + sep + "x@y.fi",
				"@home" + sep + "'d@x.fi",
				"'quoted" + sep + "e@x.fi",
				// The customer numbers: a separator of either kind,
				// then a formula.
				`"X;=1+1;"` + sep + "f@x.fi",
				`"Y,=2+2,"` + sep + "g@x.fi" + sep + `"h@x.fi"`,
			}, "\r\n") + "\r\n"
			decoders := []importer.Decoder{csvimport.NewDecoder(nil)}
			first, err := importer.Read(strings.NewReader(filled), decoders, nil)
			if err != nil {
				t.Fatalf("import of the filled template: %v", err)
			}
			reg := registry.NewMemory(nil)
			if _, err := importer.Apply(t.Context(), reg, first); err != nil {
				t.Fatal(err)
			}
			var export bytes.Buffer
			if err := csvimport.Export(t.Context(), &export, reg, lang); err != nil {
				t.Fatal(err)
			}
			// Opened with any separator, no cell starts a formula (the
			// values with a separator in them are quoted, one cell each).
			for _, comma := range []rune{',', ';', '\t'} {
				cr := csv.NewReader(bytes.NewReader(export.Bytes()))
				cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = comma, true, -1
				recs, err := cr.ReadAll()
				if err != nil {
					t.Fatalf("reading the export with %q: %v", comma, err)
				}
				for _, rec := range recs {
					for _, f := range rec {
						if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
							t.Errorf("opened with %q, the export has the cell %q (row %q)", comma, f, rec)
						}
					}
				}
			}
			for _, quoted := range []string{`"X;=1+1;"`, `"Y,=2+2,"`} {
				if !strings.Contains(export.String(), quoted) {
					t.Errorf("the export lacks %s:\n%s", quoted, export.String())
				}
			}
			second, err := importer.Read(&export, decoders, nil)
			if err != nil {
				t.Fatalf("import of the export: %v", err)
			}
			if got, want := entryMap(second.Entries), entryMap(first.Entries); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the directory:\n got %q\nwant %q", got, want)
			}
			if len(first.Entries) != 9 {
				t.Errorf("template + 6 rows gave %d entries, want 9", len(first.Entries))
			}
			c, err := importer.Diff(t.Context(), reg, second)
			if err != nil || len(c.Unchanged) != 9 {
				t.Errorf("Diff of the re-import = %+v, %v; want 9 unchanged", c, err)
			}
		})
	}
}

// entryMap returns entries by customer number, as entryString.
func entryMap(entries []registry.Entry) map[string]string {
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		m[e.CustomerNumber] = importtest.EntryString(e)
	}
	return m
}

// TestRoundTripProfile checks that the delivery profile survives an
// export and an import (importtest.RoundTripProfile).
func TestRoundTripProfile(t *testing.T) {
	importtest.RoundTripProfile(t, csvimport.Export, csvimport.NewDecoder(nil))
}

// TestRoundTripLanguage checks that each customer's language survives an
// export and an import (importtest.RoundTripLanguage).
func TestRoundTripLanguage(t *testing.T) {
	importtest.RoundTripLanguage(t, csvimport.Export, csvimport.NewDecoder(nil))
}
