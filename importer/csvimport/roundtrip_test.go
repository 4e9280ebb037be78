package csvimport_test

import (
	"bytes"
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
			for _, bad := range []string{sep + "=", sep + "+", sep + "-", sep + "@", "\n="} {
				if strings.Contains(export.String(), bad) {
					t.Errorf("export has an unneutralised value (%q):\n%s", bad, export.String())
				}
			}
			second, err := importer.Read(&export, decoders, nil)
			if err != nil {
				t.Fatalf("import of the export: %v", err)
			}
			if got, want := entryMap(second.Entries), entryMap(first.Entries); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the directory:\n got %q\nwant %q", got, want)
			}
			if len(first.Entries) != 7 {
				t.Errorf("template + 4 rows gave %d entries, want 7", len(first.Entries))
			}
			c, err := importer.Diff(t.Context(), reg, second)
			if err != nil || len(c.Unchanged) != 7 {
				t.Errorf("Diff of the re-import = %+v, %v; want 7 unchanged", c, err)
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
