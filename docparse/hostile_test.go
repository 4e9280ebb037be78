package docparse_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/jakelu/jakelu/docparse"
)

// Building blocks of the hostile documents.
const (
	ublOpen  = `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">`
	ublClose = `</Invoice>`
	soapOpen = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:eb="http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"><SOAP-ENV:Header><eb:MessageHeader><eb:To><eb:PartyId>003701234567</eb:PartyId><eb:Role>Receiver</eb:Role></eb:To></eb:MessageHeader></SOAP-ENV:Header><SOAP-ENV:Body><eb:Manifest><eb:Reference eb:id="Finvoice"/></eb:Manifest></SOAP-ENV:Body></SOAP-ENV:Envelope>`
)

// ubl returns a minimal UBL invoice with the given content.
func ubl(content string) string { return ublOpen + content + ublClose }

// finvoice returns a minimal Finvoice whose buyer is named buyer.
func finvoice(number, buyer string) string {
	return `<Finvoice Version="3.0"><BuyerPartyDetails><BuyerOrganisationName>` + buyer +
		`</BuyerOrganisationName></BuyerPartyDetails><InvoiceDetails><InvoiceTypeCode>INV01</InvoiceTypeCode><InvoiceNumber>` +
		number + `</InvoiceNumber></InvoiceDetails></Finvoice>`
}

func iso885915(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.ISO8859_15.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfWithEmbeddedFile returns a PDF whose one embedded file is the zlib
// compression of content.
func pdfWithEmbeddedFile(t testing.TB, content []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// hostileCase is one row of HOSTILE.md §2.1: an input and what docparse must
// do with it, either fail with the error want or succeed and pass check.
type hostileCase struct {
	name  string
	input func(t *testing.T) []byte
	opts  *docparse.Options
	want  error
	line  int // the line the error must name, if not 0
	check func(t *testing.T, docs []*docparse.Document)
}

// TestHostileXML runs every XML row of HOSTILE.md §2.1 and prints the
// summary line "HOSTILE area=xml tried=N handled=N unexpected=N".
func TestHostileXML(t *testing.T) {
	cases, fetched := hostileCases(t)
	var tried, handled int
	for _, c := range cases {
		tried++
		ok := t.Run(c.name, func(t *testing.T) {
			docs, err := docparse.ParseAll(c.input(t), c.opts)
			if c.want != nil {
				var pe *docparse.ParseError
				switch {
				case err == nil:
					t.Fatalf("parsed %d documents, want %v", len(docs), c.want)
				case !errors.Is(err, c.want):
					t.Fatalf("error %v, want %v", err, c.want)
				case !errors.As(err, &pe) || pe.Code == "" || pe.Detail == "":
					t.Fatalf("error %#v is not a complete *ParseError", err)
				case strings.Contains(err.Error(), "TOP-SECRET") || strings.Contains(err.Error(), "leaked"):
					t.Fatalf("error shows resolved entity content: %v", err)
				}
				if c.line > 0 && pe.Line != c.line {
					t.Fatalf("error on line %d, want line %d: %v", pe.Line, c.line, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAll: %v", err)
			}
			c.check(t, docs)
		})
		if ok {
			handled++
		}
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("the loopback server was asked %d times: an entity or DTD was fetched", n)
		handled--
	}
	fmt.Printf("HOSTILE area=xml tried=%d handled=%d unexpected=%d\n", tried, handled, tried-handled)
}

// hostileCases returns the rows of HOSTILE.md §2.1 and the number of
// requests a loopback server got: entity and DTD references to it must
// never be fetched.
func hostileCases(t *testing.T) ([]hostileCase, *atomic.Int64) {
	t.Helper()
	fetched := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		fmt.Fprint(w, `<!ENTITY leak "leaked">`)
	}))
	t.Cleanup(srv.Close)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET-CONTENT"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := func(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }
	number := func(want string) func(*testing.T, []*docparse.Document) {
		return func(t *testing.T, docs []*docparse.Document) {
			if len(docs) != 1 || docs[0].Number != want {
				t.Errorf("got %d documents, first number %q; want one numbered %q", len(docs), docs[0].Number, want)
			}
		}
	}
	buyerName := func(want string) func(*testing.T, []*docparse.Document) {
		return func(t *testing.T, docs []*docparse.Document) {
			for _, d := range docs {
				if d.Buyer.Name != want {
					t.Errorf("buyer name %q, want %q (decoded once, from the declared encoding)", d.Buyer.Name, want)
				}
			}
		}
	}
	customerNumbers := func(want ...string) func(*testing.T, []*docparse.Document) {
		return func(t *testing.T, docs []*docparse.Document) {
			var got []string
			for _, id := range docs[0].CustomerNumbers {
				got = append(got, id.Value)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("customer numbers %q, want %q", got, want)
			}
		}
	}
	deep := func(n int, closed bool) func(*testing.T) []byte {
		return func(*testing.T) []byte {
			s := strings.Repeat("<a>", n)
			if closed {
				s += strings.Repeat("</a>", n)
			}
			return []byte(s)
		}
	}
	attrs := func(dup bool) func(*testing.T) []byte {
		return func(*testing.T) []byte {
			var b strings.Builder
			b.WriteString(strings.TrimSuffix(ublOpen, ">"))
			for i := range 200_000 {
				if dup {
					b.WriteString(` a="x"`)
				} else {
					fmt.Fprintf(&b, ` a%d="x"`, i)
				}
			}
			b.WriteString(">" + ublClose)
			return []byte(b.String())
		}
	}

	cases := []hostileCase{
		{name: "billion laughs", want: docparse.ErrEntity, line: 3, input: text(`<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol9 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>` + ubl(`<cbc:ID>&lol9;</cbc:ID>`))},
		{name: "XXE file entity", want: docparse.ErrEntity, input: func(*testing.T) []byte {
			return []byte(`<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://` + secret + `">]>` + ubl(`<cbc:ID>&xxe;</cbc:ID>`))
		}},
		{name: "XXE parameter entity to loopback URL", want: docparse.ErrEntity, input: func(*testing.T) []byte {
			return []byte(`<!DOCTYPE Invoice [<!ENTITY % p SYSTEM "` + srv.URL + `/p.dtd"> %p;]>` + ubl(`<cbc:ID>&leak;</cbc:ID>`))
		}},
		{name: "entity declared but not used", want: docparse.ErrEntity, input: text(`<!DOCTYPE Invoice [<!ENTITY x "y">]>` + ubl(`<cbc:ID>1</cbc:ID>`))},
		{name: "DOCTYPE without entities is allowed and never fetched", check: number("D-1"), input: func(*testing.T) []byte {
			return []byte(`<?xml version="1.0"?><!DOCTYPE Finvoice SYSTEM "` + srv.URL + `/Finvoice.dtd">` + finvoice("D-1", "Oy"))
		}},
		{name: "nesting 1100 deep, closed", want: docparse.ErrTooDeep, input: deep(1100, true)},
		{name: "nesting 1000000 deep, unclosed", want: docparse.ErrTooDeep, input: deep(1_000_000, false)},
		{name: "nesting deeper than Options.MaxDepth", want: docparse.ErrTooDeep, opts: &docparse.Options{MaxDepth: 4},
			input: text(ubl(`<cac:A><cac:B><cac:C><cac:D/></cac:C></cac:B></cac:A>`))},
		{name: "64 MiB text node", want: docparse.ErrTooLarge, input: func(*testing.T) []byte {
			return []byte(ubl(`<cbc:Note>` + strings.Repeat("x", 64<<20) + `</cbc:Note>`))
		}},
		{name: "200000 attributes", want: docparse.ErrNoDocumentNumber, input: attrs(false)},
		{name: "200000 duplicate attributes", want: docparse.ErrNoDocumentNumber, input: attrs(true)},
		{name: "ISO-8859-15 declared, non-ASCII bytes", check: buyerName("Ääkkönen € Oy"), input: func(t *testing.T) []byte {
			return iso885915(t, `<?xml version="1.0" encoding="ISO-8859-15"?>`+finvoice("I-1", "Ääkkönen € Oy"))
		}},
		{name: "ISO-8859-15 declared, bytes actually UTF-8", check: func(t *testing.T, docs []*docparse.Document) {
			if w := docs[0].Warnings; len(w) != 1 || w[0].Code != "suspect-encoding" {
				t.Errorf("warnings %v, want one suspect-encoding", w)
			}
		}, input: text(`<?xml version="1.0" encoding="ISO-8859-15"?>` + finvoice("I-2", "Ääkkönen Oy"))},
		{name: "SOAP frame and Finvoice both declare ISO-8859-15", check: buyerName("Ääkkönen € Oy"), input: func(t *testing.T) []byte {
			decl := `<?xml version="1.0" encoding="ISO-8859-15"?>` + "\r\n"
			return iso885915(t, decl+soapOpen+"\r\n"+decl+finvoice("S-1", "Ääkkönen € Oy")+"\r\n"+decl+soapOpen+"\r\n"+decl+finvoice("S-2", "Ääkkönen € Oy"))
		}},
		{name: "mid-document switch to an unknown charset", want: docparse.ErrUnsupportedEncoding,
			input: text(soapOpen + `<?xml version="1.0" encoding="X-FOO"?>` + finvoice("X-1", "Oy"))},
		{name: "unknown charset", want: docparse.ErrUnsupportedEncoding, input: text(`<?xml version="1.0" encoding="X-FOO"?>` + finvoice("X-2", "Oy"))},
		{name: "UTF-8 with BOM", check: buyerName("Åbo Oy"), input: text("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + finvoice("B-1", "Åbo Oy"))},
		{name: "UTF-8 BOM but ISO-8859-1 declared", want: docparse.ErrUnsupportedEncoding, input: text("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + finvoice("B-2", "Oy"))},
		{name: "UTF-16LE with BOM", check: buyerName("Åbo Öy"), input: func(t *testing.T) []byte {
			b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="UTF-16"?>` + finvoice("U-1", "Åbo Öy")))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "UTF-16BE with BOM", check: buyerName("Åbo Öy"), input: func(t *testing.T) []byte {
			b, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="UTF-16"?>` + finvoice("U-2", "Åbo Öy")))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "UTF-16LE without BOM", check: buyerName("Åbo Öy"), input: func(t *testing.T) []byte {
			b, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="UTF-16"?>` + finvoice("U-4", "Åbo Öy")))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "UTF-16 declared on single-byte text", want: docparse.ErrUnsupportedEncoding, input: text(`<?xml version="1.0" encoding="UTF-16"?>` + finvoice("U-3", "Oy"))},
		{name: "NUL byte", want: docparse.ErrNotXML, line: 2, input: text("<?xml version=\"1.0\"?>\n" + finvoice("N-1", "O\x00y"))},
		{name: "character reference &#1;", want: docparse.ErrNotXML, line: 2, input: text("<?xml version=\"1.0\"?>\n" + finvoice("N-2", "O&#1;y"))},
		{name: "empty input", want: docparse.ErrEmpty, input: text("")},
		{name: "white space only", want: docparse.ErrEmpty, input: text(" \r\n\t ")},
		{name: "a PDF without invoice XML", want: docparse.ErrPDFWithoutXML, input: text("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")},
		{name: "a PDF whose embedded file is a compression bomb", want: docparse.ErrTooLarge, input: func(t *testing.T) []byte {
			return pdfWithEmbeddedFile(t, make([]byte, 40<<20))
		}},
		{name: "binary garbage", want: docparse.ErrNotXML, input: text("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{name: "two roots", want: docparse.ErrMultipleRoots, input: text(`<a/><b/>`)},
		{name: "trailing text after the root", want: docparse.ErrNotXML, input: text(ubl(`<cbc:ID>1</cbc:ID>`) + "trailing")},
		{name: "unclosed tag", want: docparse.ErrNotXML, input: text(ublOpen + `<cbc:ID>1</cbc:ID>`)},
		{name: "mismatched tags", want: docparse.ErrNotXML, input: text(ubl(`<cbc:ID>1</cbc:Note>`))},
		{name: "SOAP frame followed by a Finvoice", check: number("F-1"), input: text(soapOpen + "\n" + finvoice("F-1", "Oy"))},
		{name: "SOAP frame without a Finvoice", want: docparse.ErrNoDocument, input: text(soapOpen)},
		{name: "TEAPPSXML frame without an INVOICE", want: docparse.ErrNoDocument, input: text(`<INVOICE_CENTER><CONTENT_FRAME><INVOICES/></CONTENT_FRAME></INVOICE_CENTER>`)},
		{name: "SOAP 1.2 envelope wrapping UBL in its Body", check: number("W-1"), input: text(
			`<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>` + ubl(`<cbc:ID>W-1</cbc:ID>`) + `</env:Body></env:Envelope>`)},
		{name: "UBL with ns0/a/b prefixes reads like the default-namespace file", check: func(t *testing.T, docs []*docparse.Document) {
			plain, err := docparse.Parse([]byte(ubl(`<cbc:ID>P-1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID>C1</cbc:ID></cac:PartyIdentification><cac:Contact><cbc:ElectronicMail>a@b.fi</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>`)), nil)
			if err != nil {
				t.Fatal(err)
			}
			d := docs[0]
			if d.Number != plain.Number || fmt.Sprint(d.CustomerNumbers) != fmt.Sprint(plain.CustomerNumbers) || fmt.Sprint(d.Emails) != fmt.Sprint(plain.Emails) {
				t.Errorf("prefixed: %q %v %v; default namespace: %q %v %v", d.Number, d.CustomerNumbers, d.Emails, plain.Number, plain.CustomerNumbers, plain.Emails)
			}
		}, input: text(`<ns0:Invoice xmlns:ns0="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:a="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><b:ID>P-1</b:ID><a:AccountingCustomerParty><a:Party><a:PartyIdentification><b:ID>C1</b:ID></a:PartyIdentification><a:Contact><b:ElectronicMail>a@b.fi</b:ElectronicMail></a:Contact></a:Party></a:AccountingCustomerParty></ns0:Invoice>`)},
		{name: "cbc prefix bound to a wrong namespace URI", want: docparse.ErrNoDocumentNumber,
			input: text(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:x"><cbc:ID>1</cbc:ID></Invoice>`)},
		{name: "undeclared cbc prefix", want: docparse.ErrNotXML,
			input: text(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:ID>1</cbc:ID></Invoice>`)},
		{name: "undeclared prefix on the root", want: docparse.ErrNotXML, input: text(`<ubl:Invoice><ID>1</ID></ubl:Invoice>`)},
		{name: "unknown root element", want: docparse.ErrUnknownFormat, input: text(`<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`)},
		{name: "customer number with CDATA, comment and white space", check: customerNumbers("12345 6"), input: text(ubl(
			"<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID>\n   <![CDATA[123]]><!-- note -->45 \n 6\n</cbc:ID></cac:PartyIdentification></cac:Party></cac:AccountingCustomerParty>"))},
		{name: "no customer number: nothing is invented", check: customerNumbers(), input: text(ubl(
			`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID/></cac:PartyIdentification></cac:Party></cac:AccountingCustomerParty>`))},
		{name: "customer number present twice with different values: documented order", check: customerNumbers("BUYER-ID", "ACCOUNT-9"), input: text(ubl(
			`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><cbc:SupplierAssignedAccountID>ACCOUNT-9</cbc:SupplierAssignedAccountID><cac:Party><cac:PartyIdentification><cbc:ID>BUYER-ID</cbc:ID></cac:PartyIdentification></cac:Party></cac:AccountingCustomerParty>`))},
		// Whether a customer number is known is the recipient directory's
		// answer (registry.ErrNotFound); docparse must hand the number on
		// exactly as written, never replace or drop it.
		{name: "unknown customer number is passed on as written", check: customerNumbers("000999"), input: text(ubl(
			`<cbc:ID>1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID>000999</cbc:ID></cac:PartyIdentification></cac:Party></cac:AccountingCustomerParty>`))},
	}
	return cases, fetched
}
