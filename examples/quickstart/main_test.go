package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestQuickstart runs the README's main command and reads the e-mails it
// wrote as a mail program would.
func TestQuickstart(t *testing.T) {
	out := t.TempDir()
	var report bytes.Buffer
	if err := run(t.Context(), out, &report); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 customers imported",
		"cii-credit-note.xml    document HL-2026-0042  → laskut@vasatradgard.example, reskontra@bokforing.example (cc ekonomi@vasatradgard.example)",
		"source directory, outcome sent",
		"pdf: the invoice image, rendered (1 page(s)), then the XML",
		"pdf: the document's own (1), then the XML",
		"finvoice-invoice.xml   document 2026-1002     → -",
		"source none, outcome not-routed",
		"Customer number 55555 is not in the recipient directory.",
		"ubl-invoice.xml        document 2026-1001     → ostolaskut@kemin-kukka.example",
		"source document, outcome sent",
	} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, report.String())
		}
	}

	files, err := filepath.Glob(filepath.Join(out, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := transporttest.ParseMessage(raw)
		if err != nil {
			t.Fatalf("%s does not parse: %v", f, err)
		}
		subjects = append(subjects, msg.Subject)
		if len(msg.Attachments) != 2 || msg.Attachments[0].ContentType != "application/pdf" || !strings.HasSuffix(msg.Attachments[1].Filename, ".xml") {
			var got []string
			for _, a := range msg.Attachments {
				got = append(got, a.Filename+" "+a.ContentType)
			}
			t.Errorf("%s: attachments %q, want a PDF (the document's or its rendered image) then the XML", f, got)
		}
	}
	slices.Sort(subjects)
	want := []string{"Kreditfaktura HL-2026-0042 – Pohjoisen Puutarha Oy", "Lasku 2026-1001 – Pohjoisen Puutarha Oy"}
	if !slices.Equal(subjects, want) {
		t.Errorf("e-mails = %q, want %q", subjects, want)
	}
}
