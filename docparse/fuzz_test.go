package docparse_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport/address"
)

// FuzzParse checks, for any input, that ParseAll does not panic; returns
// either documents or a *ParseError, never both; that it gives the same
// documents or the same error as reading the input from an etree tree (the
// token stream and the tree agree); that every document has a number, XML
// and only valid, normalized e-mail addresses; and that each document's
// XML parses back, on its own, to the same document. The seeds are the
// documents in testdata, the PDFs of pdfSeeds, the inputs at the edges of
// the stream reader and small hostile inputs.
func FuzzParse(f *testing.F) {
	for _, name := range testdataDocuments(f) {
		f.Add(readTestdata(f, name))
	}
	for _, pdf := range pdfSeeds(f) {
		f.Add(pdf)
	}
	for _, c := range streamCases() {
		f.Add([]byte(c.input))
	}
	for _, s := range []string{
		"", " ", "<a/>", "<a/><b/>", "%PDF-1.7\n",
		`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
		soapOpen + `<?xml version="1.0" encoding="ISO-8859-15"?>` + finvoice("1", "\xc4y"),
		ubl(`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="EM">a@b.fi;c@d</cbc:EndpointID></cac:Party></cac:AccountingCustomerParty>`),
		string(teappsFile("<!--h-->" + teappsInv("A") + "<!--A|B-->" + teappsInv("B") + "<!--t-->")),
		string(teappsFile(teappsInv("A")+"<NOTE/>"+teappsInv("B"), teappsInv("C"))),
		string(manyEmails(40)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if diff := treeDiff(data, nil); diff != "" {
			t.Fatal(diff)
		}
		docs, err := docparse.ParseAll(data, nil)
		if err != nil {
			var pe *docparse.ParseError
			if docs != nil || !errors.As(err, &pe) || pe.Code == "" || pe.Detail == "" {
				t.Fatalf("documents %v with error %#v", docs, err)
			}
			return
		}
		if len(docs) == 0 {
			t.Fatal("no documents and no error")
		}
		for _, d := range docs {
			if d.Number == "" || len(d.XML) == 0 || d.Format == "" {
				t.Fatalf("incomplete document %+v", d)
			}
			for _, e := range d.Emails {
				if a, err := address.Parse(e.Address); err != nil || a != e.Address {
					t.Fatalf("address %q does not re-parse to itself: %q, %v", e.Address, a, err)
				}
			}
			again, err := docparse.ParseAll(d.XML, nil)
			if err != nil || len(again) != 1 {
				t.Fatalf("the XML of document %q does not parse alone: %d documents, %v\n%q", d.Number, len(again), err, d.XML)
			}
			if a := again[0]; a.Number != d.Number || !slices.Equal(a.Emails, d.Emails) || !slices.Equal(a.CustomerNumbers, d.CustomerNumbers) {
				t.Fatalf("the XML of document %q reads differently alone:\n%+v\nvs\n%+v", d.Number, a, d)
			}
		}
	})
}
