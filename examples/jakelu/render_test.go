package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runRenderCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), append([]string{"render"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

const payable = "../../distribution/invoicepdf/testdata/finvoice-payable.xml"

func TestRenderCommand(t *testing.T) {
	code, stdout, stderr := runRenderCmd(t, "--lang", "en", payable)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "%PDF-") {
		t.Fatalf("stdout is not a PDF: %.20q", stdout)
	}
	if !strings.Contains(stderr, "virtual barcode 421123456000007850048831500000000868516259619897260214") || !strings.Contains(stderr, ", en,") {
		t.Errorf("stderr %q", stderr)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		file := filepath.Join(t.TempDir(), "invoice.pdf")
		if err := os.WriteFile(file, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		text, err := exec.CommandContext(t.Context(), "pdftotext", file, "-").Output()
		if err != nil || !strings.Contains(string(text), "INVOICE") || !strings.Contains(string(text), "2026-0042") {
			t.Errorf("pdftotext: %v\n%s", err, text)
		}
	}
}

func TestRenderCommand_Errors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no file", nil, 2, "give exactly one document file"},
		{"two files", []string{payable, payable}, 2, "give exactly one document file"},
		{"bad language", []string{"--lang", "de", payable}, 2, `--lang "de"`},
		{"bad colour", []string{"--colour", "#ffffff", payable}, 2, "too light"},
		{"missing logo", []string{"--logo", "/nonexistent/logo.png", payable}, 2, "--logo"},
		{"batch without --document", []string{testdata("teappsxml-batch.xml")}, 2, "holds 2 documents"},
		{"--document out of range", []string{"--document", "3", testdata("teappsxml-batch.xml")}, 2, "holds 2 documents"},
		{"missing file", []string{"/nonexistent/invoice.xml"}, 1, "/nonexistent/invoice.xml"},
		{"not an invoice", []string{"render_test.go"}, 1, "render_test.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runRenderCmd(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %.40q on an error", stdout)
			}
		})
	}
	code, stdout, _ := runRenderCmd(t, "--document", "2", testdata("teappsxml-batch.xml"))
	if code != 0 || !strings.HasPrefix(stdout, "%PDF-") {
		t.Errorf("--document 2: exit %d", code)
	}
}
