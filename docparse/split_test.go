package docparse_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

// teappsFile returns a TEAPPSXML file whose CONTENT_FRAMEs hold the
// given INVOICES content each.
func teappsFile(frames ...string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- file comment -->\n<INVOICE_CENTER>")
	for i, f := range frames {
		fmt.Fprintf(&b, "<CONTENT_FRAME><CF_CODE>FRAME-%d</CF_CODE><INVOICES>%s</INVOICES></CONTENT_FRAME>", i+1, f)
	}
	b.WriteString("</INVOICE_CENTER>\n")
	return []byte(b.String())
}

func teappsInv(number string) string {
	return `<INVOICE><HEADER><INVOICE_ID>` + number + `</INVOICE_ID></HEADER><RECEIVER><MAIL_ID>` + strings.ToLower(number) + `@b.fi</MAIL_ID></RECEIVER></INVOICE>`
}

// TestParseAll_SplitsBatch checks what each document's XML of a TEAPPSXML
// batch keeps: its own INVOICE, the frame (everything outside the
// documents) and what lies between it and its neighbours, and nothing of
// the other documents, also when the file has several CONTENT_FRAMEs.
func TestParseAll_SplitsBatch(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		// keep and drop list, per document number, text its XML must and
		// must not hold.
		keep, drop map[string][]string
	}{
		{
			name:  "comments between the invoices",
			input: teappsFile("<!--head-->" + teappsInv("A") + "<!--A|B-->" + teappsInv("B") + "<!--B|C-->" + teappsInv("C") + "<!--tail-->"),
			keep: map[string][]string{
				"A": {"FRAME-1", "file comment", "head", "A|B", "tail"},
				"B": {"FRAME-1", "head", "A|B", "B|C", "tail"},
				"C": {"FRAME-1", "head", "B|C", "tail"},
			},
			drop: map[string][]string{
				"A": {"<INVOICE_ID>B", "<INVOICE_ID>C", "B|C"},
				"B": {"<INVOICE_ID>A", "<INVOICE_ID>C"},
				"C": {"<INVOICE_ID>A", "<INVOICE_ID>B", "A|B"},
			},
		},
		{
			name:  "two content frames",
			input: teappsFile(teappsInv("A")+teappsInv("B"), "<!--second-->"+teappsInv("C")+teappsInv("D")),
			keep: map[string][]string{
				"A": {"FRAME-1", "FRAME-2", "second"},
				"C": {"FRAME-1", "FRAME-2", "second"},
			},
			drop: map[string][]string{
				"A": {"<INVOICE_ID>B", "<INVOICE_ID>C", "<INVOICE_ID>D"},
				"B": {"<INVOICE_ID>A", "<INVOICE_ID>C", "<INVOICE_ID>D"},
				"C": {"<INVOICE_ID>A", "<INVOICE_ID>B", "<INVOICE_ID>D"},
				"D": {"<INVOICE_ID>A", "<INVOICE_ID>B", "<INVOICE_ID>C"},
			},
		},
		{
			name:  "other elements between the invoices",
			input: teappsFile(teappsInv("A") + "<NOTE>n1</NOTE>" + teappsInv("B") + "<NOTE>n2</NOTE>"),
			keep:  map[string][]string{"A": {"n1", "n2"}, "B": {"n1", "n2"}},
			drop:  map[string][]string{"A": {"<INVOICE_ID>B"}, "B": {"<INVOICE_ID>A"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := docparse.ParseAll(tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, d := range docs {
				seen[d.Number] = true
				alone, err := docparse.Parse(d.XML, nil)
				if err != nil || alone.Number != d.Number || len(alone.Emails) != 1 || alone.Emails[0] != d.Emails[0] {
					t.Fatalf("the XML of %s does not parse alone to the same document: %+v, %v\n%s", d.Number, alone, err, d.XML)
				}
				for _, s := range tt.keep[d.Number] {
					if !bytes.Contains(d.XML, []byte(s)) {
						t.Errorf("the XML of %s lacks %q:\n%s", d.Number, s, d.XML)
					}
				}
				for _, s := range tt.drop[d.Number] {
					if bytes.Contains(d.XML, []byte(s)) {
						t.Errorf("the XML of %s holds %q:\n%s", d.Number, s, d.XML)
					}
				}
			}
			for n := range tt.drop {
				if !seen[n] {
					t.Errorf("no document %s among %d", n, len(docs))
				}
			}
		})
	}
}

// TestParseAll_BatchFrameLimit checks that a batch whose frame copied into
// every document would take more than eight times Options.MaxSize is
// refused with ErrTooLarge, and that a real-sized frame is not.
func TestParseAll_BatchFrameLimit(t *testing.T) {
	batch := func(frame, docs int) []byte {
		var b strings.Builder
		b.WriteString("<INVOICE_CENTER><CONTENT_FRAME><CF_CODE>" + strings.Repeat("x", frame) + "</CF_CODE><INVOICES>")
		for i := range docs {
			fmt.Fprintf(&b, "<INVOICE><HEADER><INVOICE_ID>%d</INVOICE_ID></HEADER></INVOICE>", i)
		}
		b.WriteString("</INVOICES></CONTENT_FRAME></INVOICE_CENTER>")
		return []byte(b.String())
	}
	opts := &docparse.Options{MaxSize: 1 << 20}
	tests := []struct {
		name        string
		frame, docs int
		tooLarge    bool
	}{
		{"small frame, many documents", 100, 10_000, false},
		{"large frame, few documents", 500_000, 2, false},
		{"large frame, many documents", 200_000, 50, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := docparse.ParseAll(batch(tt.frame, tt.docs), opts)
			if tt.tooLarge {
				wantCode(t, err, docparse.ErrTooLarge, "too-large")
				return
			}
			if err != nil || len(docs) != tt.docs {
				t.Fatalf("%d documents, %v; want %d", len(docs), err, tt.docs)
			}
		})
	}
}
