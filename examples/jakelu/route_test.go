package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// The quickstart's example documents and directory.
const (
	exampleDir = "../quickstart/directory.csv"
	exampleUBL = "../quickstart/documents/ubl-invoice.xml"
	exampleCII = "../quickstart/documents/cii-credit-note.xml"
	exampleFV  = "../quickstart/documents/finvoice-invoice.xml"
)

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := jakelu(t, append([]string{"route", "--json", "--lang", "fi"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var p struct {
				Number  string   `json:"number"`
				To      []string `json:"to"`
				Cc      []string `json:"cc"`
				Source  string   `json:"source"`
				Steps   []struct{ Code, Text string }
				Explain string `json:"explain"`
			}
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatalf("%v in %s", err, out)
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
	if code, _, errOut := jakelu(t, "route", "--directory", exampleDir, "--db", "sqlite:x.db", exampleUBL); code != 1 || !strings.Contains(errOut, "not both") {
		t.Errorf("--directory with --db: exit %d, %s", code, errOut)
	}
	if code, _, _ := jakelu(t, "route"); code != 2 {
		t.Errorf("route without documents: exit %d, want 2", code)
	}
}

func TestSend(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := jakelu(t, "send", "--json", "--directory", exampleDir, "--document-address", "--out", out, exampleUBL, exampleCII, exampleFV)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one document is not routed); stderr %s", code, errOut)
	}
	var reports []struct {
		Number, Outcome, Source string
		Recipients              []struct{ Address, Outcome string }
	}
	if err := json.Unmarshal([]byte(stdout), &reports); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	got := map[string]string{}
	for _, r := range reports {
		got[r.Number] = r.Outcome + "/" + r.Source
		for _, rc := range r.Recipients {
			if rc.Outcome != "delivered" {
				t.Errorf("%s: %s %s", r.Number, rc.Address, rc.Outcome)
			}
		}
	}
	want := map[string]string{"2026-1001": "sent/document", "HL-2026-0042": "sent/directory", "2026-1002": "not-routed/none"}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("document %s: %s, want %s", n, got[n], w)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.eml"))
	if len(files) != 2 {
		t.Fatalf("%d .eml files, want 2", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := transporttest.ParseMessage(raw); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSend_smtp(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	code, stdout, errOut := jakelu(t, "send", "--document-address", "--smtp", srv.Addr(), "--tls", "none", exampleUBL)
	if code != 0 || !strings.Contains(stdout, "ostolaskut@kemin-kukka.example delivered") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server stored %d messages, want 1", n)
	}
	if code, _, errOut := jakelu(t, "send", "--document-address", exampleUBL); code != 2 || !strings.Contains(errOut, "exactly one of --out and --smtp") {
		t.Errorf("send without a transport: exit %d, %s", code, errOut)
	}
}
