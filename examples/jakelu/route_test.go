package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The quickstart's example documents and directory.
const (
	exampleDir = "../quickstart/directory.csv"
	exampleUBL = "../quickstart/documents/ubl-invoice.xml"
	exampleCII = "../quickstart/documents/cii-credit-note.xml"
	exampleFV  = "../quickstart/documents/finvoice-invoice.xml"
)

// plan is a route --json result.
type plan struct {
	File    string   `json:"file"`
	Number  string   `json:"number"`
	To      []string `json:"to"`
	Cc      []string `json:"cc"`
	Source  string   `json:"source"`
	Steps   []struct{ Code, Text string }
	Explain string `json:"explain"`
	Error   string `json:"error"`
}

// decodeArray decodes stdout as one JSON array.
func decodeArray[T any](t *testing.T, stdout string) []T {
	t.Helper()
	if !strings.HasPrefix(strings.TrimSpace(stdout), "[") {
		t.Fatalf("stdout is not a JSON array: %q", stdout)
	}
	var v []T
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	return v
}

func TestRoute(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		source string
		to     []string
		cc     []string
		first  string // code of the first step
	}{
		{"document_address", []string{"--document-address", exampleUBL}, "document", []string{"ostolaskut@kemin-kukka.example"}, []string{}, "document-address"},
		{"directory", []string{"--directory", exampleDir, exampleCII}, "directory",
			[]string{"laskut@vasatradgard.example", "reskontra@bokforing.example"}, []string{"ekonomi@vasatradgard.example"}, "document-address-off"},
		{"directory_first", []string{"--directory", exampleDir, "--document-address", "--precedence", "directory", exampleUBL}, "directory",
			[]string{"ostolaskut@kemin-kukka.example"}, []string{}, "document-address"},
		{"not_routed", []string{"--directory", exampleDir, "--document-address", exampleFV}, "none", []string{}, []string{}, "document-no-address"},
		// Without method flags: the document's address when no directory
		// is named, the directory alone when one is.
		{"default_without_directory", []string{exampleUBL}, "document", []string{"ostolaskut@kemin-kukka.example"}, []string{}, "document-address"},
		{"default_without_directory_no_address", []string{exampleCII}, "none", []string{}, []string{}, "document-no-address"},
		{"default_with_directory", []string{"--directory", exampleDir, exampleUBL}, "directory", []string{"ostolaskut@kemin-kukka.example"}, []string{}, "document-address-off"},
		{"default_with_directory_not_found", []string{"--directory", exampleDir, exampleFV}, "none", []string{}, []string{}, "document-address-off"},
		{"explicit_directory_only", []string{"--directory", exampleDir, "--document-address=false", exampleCII}, "directory",
			[]string{"laskut@vasatradgard.example", "reskontra@bokforing.example"}, []string{"ekonomi@vasatradgard.example"}, "document-address-off"},
		{"explicit_document_address_on", []string{"--document-address=true", exampleUBL}, "document", []string{"ostolaskut@kemin-kukka.example"}, []string{}, "document-address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := jakelu(t, append([]string{"route", "--json", "--lang", "fi"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			plans := decodeArray[plan](t, out)
			if len(plans) != 1 {
				t.Fatalf("%d results, want 1: %s", len(plans), out)
			}
			p := plans[0]
			if p.File != tt.args[len(tt.args)-1] || p.Error != "" {
				t.Errorf("file %q, error %q", p.File, p.Error)
			}
			if p.Source != tt.source || !slices.Equal(p.To, tt.to) || !slices.Equal(p.Cc, tt.cc) {
				t.Errorf("plan %s %q %q, want %s %q %q", p.Source, p.To, p.Cc, tt.source, tt.to, tt.cc)
			}
			if len(p.Steps) == 0 || p.Steps[0].Code != tt.first || p.Steps[0].Text == "" || !strings.Contains(p.Explain, p.Steps[0].Text) {
				t.Errorf("steps %+v, explain %q", p.Steps, p.Explain)
			}
		})
	}

	code, out, _ := jakelu(t, "route", "--document-address", exampleUBL, exampleFV)
	if code != 0 || !strings.Contains(out, "document 2026-1001 → to [ostolaskut@kemin-kukka.example]") || !strings.Contains(out, "No recipient was found") {
		t.Errorf("text output (exit %d):\n%s", code, out)
	}
}

// TestRoute_inputs: every input ends as one result, in order, and a file
// that cannot be read or parsed does not stop the others.
func TestRoute_inputs(t *testing.T) {
	bad := badInputs(t)
	code, out, errOut := jakelu(t, "route", "--json", exampleUBL, bad.missing, testdata("teappsxml-batch.xml"), bad.garbage, bad.folder, exampleCII)
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr %s", code, errOut)
	}
	var got []string
	for _, p := range decodeArray[plan](t, out) {
		got = append(got, fmt.Sprintf("%s|%s|%s|error=%t", filepath.Base(p.File), p.Number, p.Source, p.Error != ""))
	}
	want := []string{
		"ubl-invoice.xml|2026-1001|document|error=false",
		"missing.xml||none|error=true",
		"teappsxml-batch.xml|T-5001|document|error=false",
		"teappsxml-batch.xml|T-5002|document|error=false",
		"garbage.xml||none|error=true",
		"folder.xml||none|error=true",
		"cii-credit-note.xml|HL-2026-0042|none|error=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%q\nwant\n%q", got, want)
	}
}

// badPaths are document paths that cannot be read or parsed: a missing
// file, a file that is not XML and a folder.
type badPaths struct{ missing, garbage, folder string }

// badInputs makes the bad paths in a new temporary folder.
func badInputs(t *testing.T) badPaths {
	t.Helper()
	dir := t.TempDir()
	b := badPaths{filepath.Join(dir, "missing.xml"), filepath.Join(dir, "garbage.xml"), filepath.Join(dir, "folder.xml")}
	if err := os.WriteFile(b.garbage, []byte("<a>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(b.folder, 0o700); err != nil {
		t.Fatal(err)
	}
	return b
}
