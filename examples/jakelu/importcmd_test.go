package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
)

// jakelu runs the tool in-process and returns its exit code and output.
func jakelu(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// file writes content to a new file in the test's directory.
func file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		args   []string
		format importer.Format
		first  string // first row, as read back
	}{
		{[]string{"template", "csv", "--lang", "fi"}, importer.CSV, "\ufeffAsiakasnumero;Sähköposti;Kopio (CC);Toimitustapa;Kieli\r\n"},
		{[]string{"template", "--lang=sv", "csv"}, importer.CSV, "\ufeffKundnummer;E-post;Kopia (CC);Leveranssätt;Språk\r\n"},
		{[]string{"template", "csv"}, importer.CSV, "\ufeffCustomer number,E-mail,CC,Delivery,Language\r\n"},
		{[]string{"template", "xlsx", "--lang", "fi"}, importer.XLSX, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := jakelu(t, tt.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.HasPrefix(out, tt.first) {
				t.Errorf("output starts %q, want %q", out[:min(len(out), 60)], tt.first)
			}
			b, err := importer.Read(strings.NewReader(out), decoders, nil)
			if err != nil || b.Format != tt.format || len(b.Entries) != 3 {
				t.Errorf("template reads back as %+v, %v; want 3 entries of %s", b, err, tt.format)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"template"}, {"template", "ods"}, {"template", "--nope", "csv"},
		{"export", "pdf"}, {"import"}, {"import", "a.csv", "b.csv"}, {"import", "--bogus", "a.csv"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if code, _, errOut := jakelu(t, args...); code != 2 || !strings.Contains(errOut, "usage: jakelu "+args[0]) {
				t.Errorf("exit %d, stderr %q; want 2 and the usage", code, errOut)
			}
		})
	}
}

func TestImport_errors(t *testing.T) {
	bad := file(t, "bad.csv", "Asiakasnumero;Sähköposti\n1;a@x.fi, b@y.fi\n2;\n1;c@x.fi\n")
	code, out, errOut := jakelu(t, "import", "--json", "--lang", "fi", bad)
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d, stderr %q; want 1", code, errOut)
	}
	var got struct {
		Errors []map[string]any `json:"errors"`
		Total  int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	want := []map[string]any{
		{"row": 2.0, "column": "B", "value": "a@x.fi, b@y.fi", "code": "comma-between-addresses",
			"message": "Ylimääräinen pilkku kahden osoitteen välissä kohdassa ”a@x.fi, b@y.fi” — erota osoitteet välilyönnillä."},
		{"row": 3.0, "column": "B", "value": "", "code": "missing-address",
			"message": "Sähköpostiosoite puuttuu. Kirjoita sarakkeeseen B vähintään yksi osoite tai poista rivi."},
		{"row": 4.0, "column": "A", "value": "1", "code": "duplicate-customer-number",
			"message": "Asiakasnumero ”1” on myös rivillä 2. Jätä kullekin asiakasnumerolle yksi rivi ja kirjoita kaikki sen osoitteet sarakkeeseen B."},
	}
	if got.Total != 3 || !reflect.DeepEqual(got.Errors, want) {
		t.Errorf("JSON = %+v\nwant %+v", got, want)
	}

	code, out, errOut = jakelu(t, "import", "--lang", "sv", bad)
	if code != 1 || out != "" || !strings.Contains(errOut, "ingenting importerades; problem: 3") || !strings.Contains(errOut, "rad 4, kolumn A: Kundnumret ”1” finns också på rad 2.") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"import", filepath.Join(t.TempDir(), "missing.csv")}},
		{[]string{"import", "--db", "mysql://x", file(t, "ok.csv", "1,a@x.fi\n")}},
		{[]string{"export", "--db", "sqlite:", "csv"}},
	} {
		if code, _, errOut := jakelu(t, tc.args...); code != 1 || !strings.HasPrefix(errOut, "jakelu "+tc.args[0]+": ") {
			t.Errorf("%q: exit %d, stderr %q; want 1 and a message", tc.args, code, errOut)
		}
	}
}

func TestImport_inMemory(t *testing.T) {
	var tmpl bytes.Buffer
	if err := xlsximport.WriteTemplate(&tmpl, "fi"); err != nil {
		t.Fatal(err)
	}
	book := file(t, "asiakkaat.xlsx", tmpl.String())
	code, out, errOut := jakelu(t, "import", book, "--json")
	if code != 0 || errOut != "" || out != `{"added":3,"changed":0,"unchanged":0,"deleted":0,"warnings":[]}`+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = jakelu(t, "import", "--dry-run", "--lang", "fi", book)
	if code != 0 || !strings.Contains(out, "+ 00124 [laskut@example.org] cc [kirjanpito@example.org]\n") ||
		!strings.HasSuffix(out, "koeajo, mitään ei muutettu: 3 lisättäisiin, 0 muutettaisiin, 0 ennallaan, 0 poistettaisiin\n") {
		t.Errorf("dry run: exit %d, stdout %q", code, out)
	}
}

// TestImportExport_SQLite imports into a SQLite file, previews and applies
// changes, and exports, through the command line.
func TestImportExport_SQLite(t *testing.T) {
	testImportExport(t, "sqlite:"+filepath.Join(t.TempDir(), "registry.db"))
}

// TestImportExport_Postgres does the same on PostgreSQL, in a schema of its
// own. It needs JAKELU_TEST_POSTGRES.
func TestImportExport_Postgres(t *testing.T) {
	dsn := os.Getenv("JAKELU_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("set JAKELU_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run against PostgreSQL")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	schema := fmt.Sprintf("jakelu_cli_test_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	testImportExport(t, dsn+sep+"search_path="+schema)
}

func testImportExport(t *testing.T, db string) {
	first := file(t, "first.csv", "Customer number,E-mail,CC,Delivery,Language\n00123,a@x.fi b@x.fi,,,sv\n00124,c@x.fi,d@x.fi\n-7,=e@x.fi,\n")
	second := file(t, "second.csv", "Asiakasnumero;Sähköposti\n00123;a@x.fi b@x.fi\n00125;f@x.fi\n")
	steps := []struct {
		args []string
		out  string
	}{
		{[]string{"import", "--db", db, "--json", first}, `{"added":3,"changed":0,"unchanged":0,"deleted":0,"warnings":[]}`},
		{[]string{"import", "--db", db, "--json", first}, `{"added":0,"changed":0,"unchanged":3,"deleted":0,"warnings":[]}`},
		{[]string{"import", "--db", db, "--json", "--dry-run", "--replace-all", second}, `{"added":1,"changed":0,"unchanged":1,"deleted":2,"warnings":[]}`},
		{[]string{"export", "--db", db, "csv"}, "\ufeffCustomer number,E-mail,CC,Delivery,Language\r\n'-7,'=e@x.fi,,,\r\n00123,a@x.fi b@x.fi,,,sv\r\n00124,c@x.fi,d@x.fi,,\r\n"},
		{[]string{"import", "--db", db, "--replace-all", second}, "imported: 1 added, 0 changed, 1 unchanged, 2 deleted"},
		{[]string{"export", "--db", db, "--lang", "fi", "csv"}, "\ufeffAsiakasnumero;Sähköposti;Kopio (CC);Toimitustapa;Kieli\r\n00123;a@x.fi b@x.fi;;;sv\r\n00125;f@x.fi;;;\r\n"},
	}
	for _, s := range steps {
		code, out, errOut := jakelu(t, s.args...)
		if code != 0 || errOut != "" || strings.TrimSuffix(out, "\n") != strings.TrimSuffix(s.out, "\n") {
			t.Fatalf("jakelu %q: exit %d, stderr %q\nstdout %q\nwant   %q", s.args, code, errOut, out, s.out)
		}
	}
	code, out, errOut := jakelu(t, "export", "--db", db, "xlsx")
	if code != 0 || errOut != "" {
		t.Fatalf("export xlsx: exit %d, stderr %q", code, errOut)
	}
	b, err := importer.Read(strings.NewReader(out), []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)}, nil)
	if err != nil || b.Format != importer.XLSX || len(b.Entries) != 2 {
		t.Errorf("xlsx export reads back as %+v, %v", b, err)
	}
}
