package docparse_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"

	"github.com/jakelu/jakelu/docparse"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func wantCode(t *testing.T, err error, sentinel error, code docparse.Code) *docparse.ParseError {
	t.Helper()
	var pe *docparse.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if !errors.Is(err, sentinel) || pe.Code != code {
		t.Fatalf("error %v (code %q), want %v (code %q)", err, pe.Code, sentinel, code)
	}
	return pe
}

func TestParse_FileWithSeveralDocuments(t *testing.T) {
	for _, name := range []string{"teappsxml-batch.xml", "finvoice-soap-iso8859-15.xml"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			_, err := docparse.Parse(data, nil)
			wantCode(t, err, docparse.ErrMultipleDocuments, "multiple-documents")
			docs, err := docparse.ParseAll(data, nil)
			if err != nil || len(docs) != 2 {
				t.Fatalf("ParseAll: %d documents, %v; want 2", len(docs), err)
			}
		})
	}
}

// TestParseAll_XMLHoldsOnlyItsDocument checks that each document of a file
// with several carries its own XML alone, which parses back to the same
// document: a host app never mails one customer another's invoice.
func TestParseAll_XMLHoldsOnlyItsDocument(t *testing.T) {
	for _, name := range []string{"teappsxml-batch.xml", "finvoice-soap-iso8859-15.xml"} {
		t.Run(name, func(t *testing.T) {
			input := readTestdata(t, name)
			docs, err := docparse.ParseAll(input, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range docs {
				again, err := docparse.Parse(d.XML, nil)
				if err != nil {
					t.Fatalf("document %d: its XML does not parse alone: %v", i+1, err)
				}
				if again.Number != d.Number || !slices.Equal(again.Emails, d.Emails) || !slices.Equal(again.CustomerNumbers, d.CustomerNumbers) || again.Buyer != d.Buyer {
					t.Errorf("document %d: its XML reads as %+v, want %+v", i+1, again, d)
				}
				for j, other := range docs {
					if j == i {
						continue
					}
					for _, leak := range append([]string{other.Number}, other.Emails[0].Address) {
						if bytes.Contains(d.XML, []byte(leak)) {
							t.Errorf("document %d's XML contains %q from document %d", i+1, leak, j+1)
						}
					}
				}
			}
		})
	}
	t.Run("SOAP pairs give the Finvoice part in its own encoding", func(t *testing.T) {
		input := readTestdata(t, "finvoice-soap-iso8859-15.xml")
		docs, err := docparse.ParseAll(input, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if !bytes.HasPrefix(d.XML, []byte(`<?xml version="1.0" encoding="ISO-8859-15"?>`)) ||
				!bytes.Contains(d.XML, []byte("\xc4ij\xe4l\xe4n S\xe4hk\xf6 Oy")) || bytes.Contains(d.XML, []byte("Envelope")) {
				t.Errorf("document %s: XML is not the Finvoice part of the file:\n%.200q", d.Number, d.XML)
			}
		}
		// The last Finvoice is alone in its part of the file: its XML is
		// the file's own bytes.
		if last := docs[len(docs)-1].XML; !bytes.HasSuffix(input, last) {
			t.Errorf("the last document's XML is not the end of the file:\n%.200q", last)
		}
	})
	t.Run("TEAPPSXML keeps its declared encoding", func(t *testing.T) {
		docs, err := docparse.ParseAll(readTestdata(t, "teappsxml-batch.xml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(docs[0].XML, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`)) ||
			!bytes.Contains(docs[0].XML, []byte("P\xf6rssis\xe4hk\xf6 Oy")) {
			t.Errorf("XML is not ISO-8859-1:\n%.200q", docs[0].XML)
		}
	})
}

func TestParse_XMLIsACopyOfTheInput(t *testing.T) {
	input := readTestdata(t, "ubl-peppol.xml")
	d, err := docparse.Parse(input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.XML, input) {
		t.Fatal("XML of a single-document file is not the input")
	}
	clear(input)
	if d.XML[0] != '<' {
		t.Error("Document.XML shares memory with the input")
	}
}

func TestParse_Concurrent(t *testing.T) {
	names := testdataDocuments(t)
	var wg sync.WaitGroup
	for range 4 {
		for _, name := range names {
			data := readTestdata(t, name)
			wg.Go(func() {
				if _, err := docparse.ParseAll(data, nil); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			})
		}
	}
	wg.Wait()
}

func TestOptions_Limits(t *testing.T) {
	data := readTestdata(t, "ubl-peppol.xml")
	t.Run("MaxSize", func(t *testing.T) {
		_, err := docparse.Parse(data, &docparse.Options{MaxSize: 1000})
		wantCode(t, err, docparse.ErrTooLarge, "too-large")
	})
	t.Run("MaxSize bounds what a PDF decompresses to", func(t *testing.T) {
		_, err := docparse.Parse(pdfWithEmbeddedFile(t, make([]byte, 5000)), &docparse.Options{MaxSize: 4000})
		wantCode(t, err, docparse.ErrTooLarge, "too-large")
	})
	t.Run("MaxDepth", func(t *testing.T) {
		_, err := docparse.Parse(data, &docparse.Options{MaxDepth: 3})
		wantCode(t, err, docparse.ErrTooDeep, "too-deep")
	})
	t.Run("zero means the defaults", func(t *testing.T) {
		if _, err := docparse.Parse(data, &docparse.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOptions_Extractors(t *testing.T) {
	bill := xml.Name{Space: "urn:example:bill", Local: "Bill"}
	finvoiceRoot := xml.Name{Local: "Finvoice"}
	errBroken := errors.New("bill is broken")
	one := func(number string) docparse.ExtractFunc {
		return func(*etree.Element) ([]*docparse.Document, error) {
			return []*docparse.Document{{Format: "bill", Number: number}}, nil
		}
	}
	const billXML = `<Bill xmlns="urn:example:bill"/>`
	finvoiceXML := string(readTestdata(t, "finvoice.xml"))

	tests := []struct {
		name       string
		extractors map[xml.Name]docparse.Extractor
		input      string
		want       error  // error sentinel, or nil
		number     string // number of the document when want is nil
	}{
		{"custom format", map[xml.Name]docparse.Extractor{bill: one("B-1")}, billXML, nil, "B-1"},
		{"replaces a built-in format", map[xml.Name]docparse.Extractor{finvoiceRoot: one("mine")}, finvoiceXML, nil, "mine"},
		{"nil turns a built-in format off", map[xml.Name]docparse.Extractor{finvoiceRoot: nil}, finvoiceXML, docparse.ErrUnknownFormat, ""},
		{"other built-ins stay", map[xml.Name]docparse.Extractor{bill: one("B-1")}, finvoiceXML, nil, "260105"},
		{"plain error becomes invalid-document", map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return nil, errBroken
		})}, billXML, errBroken, ""},
		{"ParseError is passed on", map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return nil, &docparse.ParseError{Code: "attachment-message", Detail: "not a bill"}
		})}, billXML, docparse.ErrAttachmentMessage, ""},
		{"no document", map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return nil, nil
		})}, billXML, docparse.ErrInvalidDocument, ""},
		{"nil document", map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return []*docparse.Document{nil}, nil
		})}, billXML, docparse.ErrInvalidDocument, ""},
		{"document without a number", map[xml.Name]docparse.Extractor{bill: one("")}, billXML, docparse.ErrNoDocumentNumber, ""},
		{"several documents without their own XML", map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return []*docparse.Document{{Number: "1"}, {Number: "2"}}, nil
		})}, billXML, docparse.ErrInvalidDocument, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := docparse.Parse([]byte(tc.input), &docparse.Options{Extractors: tc.extractors})
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("error %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Number != tc.number || len(d.XML) == 0 {
				t.Errorf("number %q, %d bytes of XML; want %q and the input", d.Number, len(d.XML), tc.number)
			}
		})
	}
	t.Run("several documents with their own XML", func(t *testing.T) {
		opts := &docparse.Options{Extractors: map[xml.Name]docparse.Extractor{bill: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return []*docparse.Document{{Number: "1", XML: []byte("<a/>")}, {Number: "2", XML: []byte("<b/>")}}, nil
		})}}
		docs, err := docparse.ParseAll([]byte(billXML), opts)
		if err != nil || len(docs) != 2 || string(docs[1].XML) != "<b/>" {
			t.Fatalf("got %d documents, %v", len(docs), err)
		}
	})
}

func TestParse_PDF(t *testing.T) {
	t.Run("embedded invoice without a number is its own error", func(t *testing.T) {
		pdf := pdfWithEmbeddedFile(t, []byte(`<Finvoice Version="3.0"><InvoiceDetails/></Finvoice>`))
		_, err := docparse.Parse(pdf, nil)
		wantCode(t, err, docparse.ErrNoDocumentNumber, "no-document-number")
	})
	t.Run("embedded XML that is no invoice", func(t *testing.T) {
		_, err := docparse.Parse(pdfWithEmbeddedFile(t, []byte(`<notes/>`)), nil)
		wantCode(t, err, docparse.ErrPDFWithoutXML, "pdf-without-xml")
	})
	t.Run("the PDF is the first attachment", func(t *testing.T) {
		pdf := pdfWithEmbeddedFile(t, []byte(finvoice("P-1", "Oy")))
		d, err := docparse.Parse(pdf, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Attachments) != 1 || !d.Attachments[0].IsPDF() || !bytes.Equal(d.Attachments[0].Data, pdf) || string(d.XML) != finvoice("P-1", "Oy") {
			t.Errorf("attachments %+v, XML %q", d.Attachments, d.XML)
		}
	})
}

func TestParseError(t *testing.T) {
	cause := errors.New("cause")
	e := &docparse.ParseError{Code: "not-xml", Line: 7, Document: 2, Path: "Invoice/ID", Detail: "broken; fix it", Err: cause}
	if got, want := e.Error(), "docparse: line 7: document 2: Invoice/ID: broken; fix it"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, docparse.ErrNotXML) || !errors.Is(e, cause) || errors.Is(e, docparse.ErrEmpty) {
		t.Error("Unwrap does not give the sentinel of the code and the cause")
	}
	sentinels := map[docparse.Code]error{
		docparse.CodeEmpty: docparse.ErrEmpty, docparse.CodeNotXML: docparse.ErrNotXML, docparse.CodeUnknownFormat: docparse.ErrUnknownFormat,
		docparse.CodeMultipleRoots: docparse.ErrMultipleRoots, docparse.CodeTooLarge: docparse.ErrTooLarge, docparse.CodeTooDeep: docparse.ErrTooDeep,
		docparse.CodeEntity: docparse.ErrEntity, docparse.CodeUnsupportedEncoding: docparse.ErrUnsupportedEncoding,
		docparse.CodeNoDocumentNumber: docparse.ErrNoDocumentNumber, docparse.CodeNoDocument: docparse.ErrNoDocument,
		docparse.CodeAttachmentMessage: docparse.ErrAttachmentMessage, docparse.CodeMultipleDocuments: docparse.ErrMultipleDocuments,
		docparse.CodePDFWithoutXML: docparse.ErrPDFWithoutXML, docparse.CodeInvalidDocument: docparse.ErrInvalidDocument,
		docparse.CodePDFEncrypted: docparse.ErrPDFEncrypted, docparse.CodeOrder: docparse.ErrOrder,
	}
	for code, sentinel := range sentinels {
		for other, s := range sentinels {
			if got := errors.Is(&docparse.ParseError{Code: code}, s); got != (code == other) {
				t.Errorf("code %q matches %v: %v", code, s, got)
			}
		}
		if !strings.HasPrefix(sentinel.Error(), "docparse: ") {
			t.Errorf("sentinel %q lacks the package prefix", sentinel)
		}
	}
}

func TestDocument_AddEmails(t *testing.T) {
	tests := []struct {
		name     string
		texts    []string
		want     []string // Emails after all texts
		warnings []string // warning codes
	}{
		{"one", []string{"a@b.fi"}, []string{"a@b.fi"}, nil},
		{"list in one element", []string{"a@b.fi; c@d.fi, e@f.fi\n g@h.fi"}, []string{"a@b.fi", "c@d.fi", "e@f.fi", "g@h.fi"}, nil},
		{"mailto and name", []string{"mailto:A@B.FI", "Matti <m@b.fi>"}, []string{"A@b.fi", "m@b.fi"}, nil},
		{"duplicates in other case", []string{"A@b.fi", "a@B.fi; a@b.fi"}, []string{"A@b.fi"}, nil},
		{"empty", []string{"", "  \n "}, nil, nil},
		{"placeholder", []string{"Email address"}, nil, []string{"not-an-email"}},
		{"invalid", []string{"admin@ABC_Ltd.com.au", "[x@y.fi]"}, nil, []string{"invalid-email", "invalid-email"}},
		{"list with a non-address", []string{"a@b.fi, n/a"}, []string{"a@b.fi"}, []string{"not-an-email"}},
		{"internationalised domain", []string{"salg@signatør.dk"}, []string{"salg@signatør.dk"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d docparse.Document
			for _, text := range tc.texts {
				d.AddEmails(text, "X/Mail")
			}
			var got, codes []string
			for _, e := range d.Emails {
				got = append(got, e.Address)
				if e.Path != "X/Mail" {
					t.Errorf("path %q", e.Path)
				}
			}
			for _, w := range d.Warnings {
				codes = append(codes, string(w.Code))
				if w.Path != "X/Mail" || w.Value == "" || w.Message == "" {
					t.Errorf("incomplete warning %+v", w)
				}
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(codes, tc.warnings) {
				t.Errorf("got %q, warnings %q; want %q, %q", got, codes, tc.want, tc.warnings)
			}
		})
	}
}

func TestDocument_AddCustomerNumber(t *testing.T) {
	tests := []struct {
		value, want string
		warning     bool
	}{
		{" 00123 ", "00123", false},
		{"12 \n  34", "12 34", false},
		{"", "", false},
		{"   ", "", false},
		{"12\x0034", "", true},
		{"12\u200b34", "", true},
		{strings.Repeat("9", 100), strings.Repeat("9", 100), false},
		{strings.Repeat("9", 101), "", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%.20q", tc.value), func(t *testing.T) {
			var d docparse.Document
			d.AddCustomerNumber(tc.value, " 0088 ", docparse.KindGlobalID, "X/ID")
			switch {
			case tc.want == "" && len(d.CustomerNumbers) != 0:
				t.Errorf("kept %+v", d.CustomerNumbers)
			case tc.want != "" && (len(d.CustomerNumbers) != 1 || d.CustomerNumbers[0] != docparse.Identifier{Value: tc.want, Scheme: "0088", Kind: docparse.KindGlobalID, Path: "X/ID"}):
				t.Errorf("got %+v, want value %q", d.CustomerNumbers, tc.want)
			case tc.warning != (len(d.Warnings) == 1):
				t.Errorf("warnings %+v, want one: %v", d.Warnings, tc.warning)
			}
		})
	}
}

func TestDocument_CustomerNumbersByKind(t *testing.T) {
	d := &docparse.Document{CustomerNumbers: []docparse.Identifier{
		{Value: "1", Kind: docparse.KindCustomerNumber}, {Value: "2", Kind: docparse.KindBuyerReference},
		{Value: "3", Kind: docparse.KindCustomerNumber},
	}}
	values := func(ids []docparse.Identifier) (v []string) {
		for _, id := range ids {
			v = append(v, id.Value)
		}
		return v
	}
	if got := values(d.CustomerNumbersByKind(docparse.KindBuyerReference, docparse.KindCustomerNumber)); !slices.Equal(got, []string{"2", "1", "3"}) {
		t.Errorf("got %q", got)
	}
	if got := d.CustomerNumbersByKind(docparse.KindGlobalID); got != nil {
		t.Errorf("got %v for a kind the document lacks", got)
	}
	all := d.CustomerNumbersByKind()
	all[0].Value = "changed"
	if d.CustomerNumbers[0].Value != "1" {
		t.Error("the result shares memory with the document")
	}
}

func TestParseError_Message(t *testing.T) {
	for _, s := range []docparse.Code{"empty", "not-xml", "unknown-format", "multiple-roots", "too-large", "too-deep", "entity",
		"unsupported-encoding", "no-document-number", "no-document", "attachment-message", "multiple-documents",
		"pdf-without-xml", "pdf-encrypted", "order", "invalid-document"} {
		e := &docparse.ParseError{Code: s}
		seen := map[string]bool{}
		for _, lang := range []string{"en", "fi", "sv"} {
			m := e.Message(lang)
			if m == "" || seen[m] {
				t.Errorf("code %s: Message(%s) = %q, missing or untranslated", s, lang, m)
			}
			seen[m] = true
		}
	}
	_, err := docparse.Parse([]byte("<a/>"), nil)
	var pe *docparse.ParseError
	if !errors.As(err, &pe) || pe.Message("fi") != "Tiedosto on XML:ää, mutta ei verkkolaskumuotoa, jota tämä palvelu lukee (UBL, CII, Finvoice, TEAPPSXML)." {
		t.Errorf("Parse(<a/>) = %v", err)
	}
}

// TestCode_Message checks that a code that is not a parse error's (a
// warning's, or an unknown one) is explained as CodeInvalidDocument, so a
// caller with another error can still give a text.
func TestCode_Message(t *testing.T) {
	for _, c := range []docparse.Code{docparse.CodeInvalidEmail, "no-such-code", ""} {
		for _, lang := range []string{"fi", "sv", "en"} {
			if got, want := c.Message(lang), docparse.CodeInvalidDocument.Message(lang); got != want {
				t.Errorf("Code(%q).Message(%s) = %q, want %q", c, lang, got, want)
			}
		}
	}
	if docparse.CodeNotXML.Message("fi") == docparse.CodeNotXML.Message("en") {
		t.Error("CodeNotXML has no Finnish text")
	}
}
