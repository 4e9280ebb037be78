package distribution

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// parseFile parses the one document in a testdata file.
func parseFile(t *testing.T, name string) *docparse.Document {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := docparse.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// pdfText returns the text pdftotext reads from pdf, skipping the test when
// pdftotext is not installed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed: apt-get install poppler-utils (.ci/run installs it)")
	}
	file := filepath.Join(t.TempDir(), "image.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func names(atts []transport.Attachment) []string {
	var out []string
	for _, a := range atts {
		out = append(out, a.Filename+" "+a.ContentType)
	}
	return out
}

// TestCompose_invoiceImage checks which PDF an e-mail carries: the
// rendered invoice image for a Finvoice without PDF (first, then the XML),
// none when switched off, the document's own when it has one, and the XML
// alone, with the reason in the plan, when the image cannot be rendered or
// would make the e-mail too large.
func TestCompose_invoiceImage(t *testing.T) {
	finvoice := parseFile(t, "../docparse/testdata/finvoice.xml")
	withPDF := *finvoice
	withPDF.Attachments = []docparse.Attachment{{ContentType: "application/pdf", Data: []byte("%PDF-1.4 own")}}
	long := *finvoice
	for range 30 {
		long.Lines = append(long.Lines, finvoice.Lines...)
	}
	onePage, err := invoicepdf.New(&invoicepdf.Options{MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		doc      *docparse.Document
		image    InvoiceImage
		renderer *invoicepdf.Renderer
		maxSize  int64
		code     PDFCode
		files    []string
		explain  string // in English
	}{
		{name: "rendered", doc: finvoice, code: PDFRendered,
			files:   []string{"lasku-260105.pdf application/pdf", "lasku-260105.xml application/xml"},
			explain: "its invoice image is rendered and attached"},
		{name: "rendered, explicitly on", doc: finvoice, image: InvoiceImageOn, code: PDFRendered,
			files:   []string{"lasku-260105.pdf application/pdf", "lasku-260105.xml application/xml"},
			explain: "its invoice image is rendered and attached"},
		{name: "switched off", doc: finvoice, image: InvoiceImageOff, code: PDFOff,
			files:   []string{"lasku-260105.xml application/xml"},
			explain: "invoice images are switched off"},
		{name: "own PDF", doc: &withPDF, code: PDFDocument,
			files:   []string{"lasku-260105.pdf application/pdf", "lasku-260105.xml application/xml"},
			explain: "The document's own PDF is attached (1 file(s))"},
		{name: "render failed", doc: &long, renderer: onePage, code: PDFRenderFailed,
			files:   []string{"lasku-260105.xml application/xml"},
			explain: "could not be rendered (Document \"260105\" has too many lines for an invoice image), so the e-mail is sent with the XML only."},
		{name: "image too large", doc: finvoice, maxSize: 30_000, code: PDFTooLarge,
			files:   []string{"lasku-260105.xml application/xml"},
			explain: "with its invoice image the e-mail would be too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &transporttest.Recorder{}
			r, err := NewRouter(nil, rec, Settings{Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example", InvoiceImage: tt.image},
				&Options{InvoiceImage: tt.renderer, MaxMessageSize: tt.maxSize})
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.DistributeDocument(t.Context(), tt.doc)
			if err != nil || res.Outcome != Sent {
				t.Fatalf("DistributeDocument = %s, %v: the image must never stop the delivery", res.Outcome, err)
			}
			if res.Plan.PDF.Code != tt.code {
				t.Errorf("plan.PDF = %+v, want %s", res.Plan.PDF, tt.code)
			}
			if e := res.Plan.Explain("en"); !strings.Contains(e, tt.explain) {
				t.Errorf("Explain = %q, want it to contain %q", e, tt.explain)
			}
			for _, lang := range []string{"fi", "sv"} {
				if e := res.Plan.PDF.Explain(lang); e == "" || strings.Contains(e, "%!") {
					t.Errorf("PDF.Explain(%s) = %q", lang, e)
				}
			}
			msg := rec.Messages()[0]
			if got := names(msg.Attachments); !slices.Equal(got, tt.files) {
				t.Fatalf("attachments = %q, want %q", got, tt.files)
			}
			hasPDF := len(tt.files) == 2
			if says := !strings.Contains(msg.Text, "liitteenä XML-muodossa"); says != hasPDF {
				t.Errorf("the text says a PDF is attached: %v, want %v:\n%s", says, hasPDF, msg.Text)
			}
			switch tt.code {
			case PDFRendered:
				if res.Plan.PDF.Pages < 1 {
					t.Errorf("plan.PDF.Pages = %d", res.Plan.PDF.Pages)
				}
				if text := pdfText(t, msg.Attachments[0].Data); !strings.Contains(text, "260105") || !strings.Contains(text, "Kymen Energia Oy") {
					t.Errorf("pdftotext finds neither the number nor the seller in the image:\n%s", text)
				}
			case PDFDocument:
				if !bytes.Equal(msg.Attachments[0].Data, withPDF.Attachments[0].Data) {
					t.Error("the document's own PDF is not the one attached")
				}
			case PDFRenderFailed:
				if !errors.Is(res.Plan.PDF.Err, invoicepdf.ErrTooManyPages) {
					t.Errorf("plan.PDF.Err = %v, want ErrTooManyPages", res.Plan.PDF.Err)
				}
			}
		})
	}
}

// TestCompose_tooLargeWithoutImage: a document too large even without the
// image is still refused.
func TestCompose_tooLargeWithoutImage(t *testing.T) {
	doc := parseFile(t, "../docparse/testdata/finvoice.xml")
	r, err := NewRouter(nil, noSend, Settings{Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example"}, &Options{MaxMessageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.DistributeDocument(t.Context(), doc)
	if !errors.Is(err, ErrTooLarge) || res.Outcome != Rejected {
		t.Fatalf("DistributeDocument = %s, %v; want Rejected, ErrTooLarge", res.Outcome, err)
	}
}

func TestSettings_InvoiceImageOperator(t *testing.T) {
	for _, tt := range []struct {
		s     Settings
		field string
	}{
		{Settings{InvoiceImage: "maybe"}, "InvoiceImage"},
		{Settings{Operator: "Laskutus\nOy"}, "Operator"},
		{Settings{Operator: strings.Repeat("x", 101)}, "Operator"},
		{Settings{InvoiceImage: InvoiceImageOff, Operator: "Laskutus Oy"}, ""},
	} {
		err := tt.s.Validate()
		var se *SettingsError
		if tt.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tt.s, err)
			}
			continue
		}
		if !errors.As(err, &se) || se.Field != tt.field || !errors.Is(err, ErrInvalidSettings) {
			t.Fatalf("%+v: Validate = %v, want a SettingsError for %s", tt.s, err, tt.field)
		}
		for _, lang := range []string{"fi", "sv", "en"} {
			if m := se.Message(lang); strings.Contains(m, "%!") || strings.HasPrefix(m, "The setting") {
				t.Errorf("Message(%s) = %q: want the field's own text", lang, m)
			}
		}
	}
}
