package docparse_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/jakelu/jakelu/docparse"
)

// streamCase is an input that exercises a decision of the token-stream
// reader, and whether ParseAll reads it from the stream.
type streamCase struct {
	name     string
	input    string
	opts     *docparse.Options
	streamed bool
}

// streamCases are inputs at the edges of the token-stream reader: what it
// reads itself and where it hands the file to the tree.
func streamCases() []streamCase {
	const (
		nsCBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
		buyer = `<cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID="0088" schemeID="">C-1</cbc:ID></cac:PartyIdentification><cac:Contact><cbc:ElectronicMail>a@b.fi</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>`
	)
	custom := &docparse.Options{Extractors: map[xml.Name]docparse.Extractor{
		{Space: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", Local: "Invoice"}: docparse.ExtractFunc(func(*etree.Element) ([]*docparse.Document, error) {
			return []*docparse.Document{{Format: "mine", Number: "M-1"}}, nil
		}),
	}}
	return []streamCase{
		{name: "prolog with comment, processing instruction and DOCTYPE", streamed: true,
			input: "<?xml version=\"1.0\"?>\n<!-- c --><?pi x?><!DOCTYPE Invoice>\n" + ubl(`<cbc:ID>1</cbc:ID>`) + "\n<!-- after -->\n"},
		{name: "repeated attribute: the last value counts", streamed: true, input: ubl(`<cbc:ID>1</cbc:ID>` + buyer)},
		{name: "repeated namespace declaration: the last counts", streamed: true,
			input: strings.Replace(ubl(`<cbc:ID>1</cbc:ID>`), `xmlns:cbc=`, `xmlns:cbc="urn:x" xmlns:cbc=`, 1)},
		{name: "mixed content, CDATA and comments in a value", streamed: true,
			input: ubl(`<cbc:ID> A<!-- x --><cbc:Note>n</cbc:Note><![CDATA[ B]]>` + "\n C</cbc:ID>")},
		{name: "default namespace redeclared below the root", streamed: true,
			input: ubl(`<ID xmlns="` + nsCBC + `">R-1</ID><x:AccountingCustomerParty xmlns:x="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"><Party xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"><Contact><ElectronicMail xmlns="` + nsCBC + `">c@d.fi</ElectronicMail></Contact></Party></x:AccountingCustomerParty>`)},
		{name: "prefix undeclared again inside a rule path", streamed: true,
			input: ubl(`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty xmlns:cac="urn:x"><cac:Party/></cac:AccountingCustomerParty>`)},
		{name: "undeclared prefix on a rule element", streamed: true,
			input: ubl(`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><q:Party/><cac:Party><cac:Contact><cbc:ElectronicMail>a@b.fi</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>`)},
		{name: "undeclared prefix in a skipped subtree", streamed: true,
			input: ubl(`<cbc:ID>1</cbc:ID><cac:InvoiceLine><q:X>text</q:X></cac:InvoiceLine>`)},
		{name: "the xml prefix", streamed: true, input: ubl(`<cbc:ID xml:lang="fi">1</cbc:ID><xml:ID>2</xml:ID>`)},
		{name: "mismatched end tag in a skipped subtree", streamed: true,
			input: ubl(`<cbc:ID>1</cbc:ID><cac:InvoiceLine><a></b></cac:InvoiceLine>`)},
		{name: "too deep in a skipped subtree", streamed: true, opts: &docparse.Options{MaxDepth: 3},
			input: ubl(`<cbc:ID>1</cbc:ID><cac:InvoiceLine><a><b/></a></cac:InvoiceLine>`)},
		{name: "exactly as deep as allowed", streamed: true, opts: &docparse.Options{MaxDepth: 3},
			input: ubl(`<cbc:ID>1</cbc:ID><cac:InvoiceLine><a/></cac:InvoiceLine>`)},
		{name: "unclosed root", streamed: true, input: ublOpen + `<cbc:ID>1</cbc:ID>`},
		{name: "end tag after the root", streamed: true, input: ubl(`<cbc:ID>1</cbc:ID>`) + `</x>`},
		{name: "text after the root, then a syntax error", streamed: true, input: ubl(`<cbc:ID>1</cbc:ID>`) + `text <a b>`},
		{name: "entity declaration after the root", streamed: true, input: ubl(`<cbc:ID>1</cbc:ID>`) + `<!DOCTYPE x [<!ENTITY a "b">]>`},
		{name: "second root element", streamed: true, input: ubl(`<cbc:ID>1</cbc:ID>`) + `<b/><c/>`},
		{name: "no number", streamed: true, input: ubl(buyer)},
		{name: "ISO-8859-15 Finvoice", streamed: true,
			input: "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n" + finvoice("F-1", "\xc4ij\xe4l\xe4 \xa4 Oy")},
		{name: "credit note", streamed: true,
			input: `<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" xmlns:cbc="` + nsCBC + `"><cbc:ID>CN-1</cbc:ID></CreditNote>`},
		{name: "SOAP envelope after the root", input: ubl(`<cbc:ID>1</cbc:ID>`) +
			`<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>` + ubl(`<cbc:ID>2</cbc:ID>`) + `</env:Body></env:Envelope>`},
		{name: "root with an undeclared prefix", input: `<u:Invoice><ID>1</ID></u:Invoice>`},
		{name: "root in the xml namespace", input: `<xml:Invoice/>`},
		{name: "unknown root", input: `<Order><ID>1</ID></Order>`},
		{name: "a host app's extractor for a built-in root", opts: custom, input: ubl(`<cbc:ID>1</cbc:ID>`)},
		{name: "a built-in format turned off", opts: &docparse.Options{Extractors: map[xml.Name]docparse.Extractor{{Local: "Finvoice"}: nil}},
			input: finvoice("F-2", "Oy")},
		{name: "TEAPPSXML holding one invoice",
			input: `<INVOICE_CENTER><CONTENT_FRAME><INVOICES><INVOICE><HEADER><INVOICE_ID>T-1</INVOICE_ID></HEADER></INVOICE></INVOICES></CONTENT_FRAME></INVOICE_CENTER>`},
	}
}

// TestStreamMatchesTree is the proof that the two event sources of the
// rule engine agree: for every testdata document, every hostile input,
// every input at the edges of the stream reader and every corpus file
// ($JAKELU_CORPUS), ParseAll (which reads a one-document file from the
// token stream) and a parse that reads every file from an etree tree give
// identical documents or identical errors. Each set prints
// "STREAM set=S inputs=N streamed=N differ=0".
func TestStreamMatchesTree(t *testing.T) {
	t.Run("testdata", func(t *testing.T) {
		// Files with several documents need the tree; a PDF's embedded XML
		// is streamed, the PDF itself is not XML.
		tree := map[string]bool{"teappsxml-batch.xml": true, "finvoice-soap-iso8859-15.xml": true, "facturx.pdf": true}
		var s streamStats
		for _, name := range testdataDocuments(t) {
			t.Run(name, func(t *testing.T) {
				if streamed := s.check(t, readTestdata(t, name), nil); streamed == tree[name] {
					t.Errorf("read from the token stream: %v, want %v", streamed, !tree[name])
				}
			})
		}
		s.print(t, "testdata")
	})
	t.Run("edges", func(t *testing.T) {
		var s streamStats
		for _, c := range streamCases() {
			t.Run(c.name, func(t *testing.T) {
				if streamed := s.check(t, []byte(c.input), c.opts); streamed != c.streamed {
					t.Errorf("read from the token stream: %v, want %v", streamed, c.streamed)
				}
			})
		}
		s.print(t, "edges")
	})
	t.Run("hostile", func(t *testing.T) {
		cases, fetched := hostileCases(t)
		var s streamStats
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s.check(t, c.input(t), c.opts)
			})
		}
		if n := fetched.Load(); n != 0 {
			t.Errorf("the loopback server was asked %d times: an entity or DTD was fetched", n)
		}
		s.print(t, "hostile")
	})
	t.Run("corpus", func(t *testing.T) {
		dir := os.Getenv("JAKELU_CORPUS")
		if dir == "" {
			t.Skip("JAKELU_CORPUS is not set: set it to the sample corpus folder (JAKELU_CORPUS=../shared/corpus go test ./docparse) to compare the two readers on the corpus")
		}
		var s streamStats
		for _, row := range readIndex(t, filepath.Join(dir, "INDEX.tsv")) {
			t.Run(row["path"], func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(row["path"])))
				if err != nil {
					t.Fatalf("reading the corpus file: %v", err)
				}
				s.check(t, data, nil)
			})
		}
		if s.streamed == 0 {
			t.Error("no corpus file was read from the token stream")
		}
		s.print(t, "corpus")
	})
}

// streamStats counts the inputs of one set of TestStreamMatchesTree.
type streamStats struct{ inputs, streamed, differ int }

// check compares the two readers on data and reports whether ParseAll
// reads it from the stream.
func (s *streamStats) check(t *testing.T, data []byte, opts *docparse.Options) (streamed bool) {
	t.Helper()
	s.inputs++
	if streamed = docparse.Streamed(data, opts); streamed {
		s.streamed++
	}
	if diff := treeDiff(data, opts); diff != "" {
		s.differ++
		t.Error(diff)
	}
	return streamed
}

func (s *streamStats) print(t *testing.T, set string) {
	t.Helper()
	line := fmt.Sprintf("STREAM set=%s inputs=%d streamed=%d differ=%d", set, s.inputs, s.streamed, s.differ)
	fmt.Println(line)
	t.Log(line)
}

// treeDiff parses data with ParseAll and with every file read from a tree,
// and says how the results differ, or returns "" when they are identical:
// the same documents, field by field, or the same error.
func treeDiff(data []byte, opts *docparse.Options) string {
	docs, err := docparse.ParseAll(data, opts)
	tdocs, terr := docparse.ParseAllTree(data, opts)
	switch {
	case !reflect.DeepEqual(err, terr):
		return fmt.Sprintf("the stream and the tree fail differently:\nstream: %v (%#v)\ntree:   %v (%#v)", err, err, terr, terr)
	case len(docs) != len(tdocs):
		return fmt.Sprintf("the stream gives %d documents, the tree %d", len(docs), len(tdocs))
	}
	for i := range docs {
		a, b := reflect.ValueOf(*docs[i]), reflect.ValueOf(*tdocs[i])
		for f := range a.NumField() {
			if !a.Type().Field(f).IsExported() {
				continue
			}
			if x, y := a.Field(f).Interface(), b.Field(f).Interface(); !reflect.DeepEqual(x, y) {
				return fmt.Sprintf("document %d: %s differs:\nstream: %.500v\ntree:   %.500v", i+1, a.Type().Field(f).Name, x, y)
			}
		}
	}
	return ""
}
