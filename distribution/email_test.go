package distribution

import (
	stdhtml "html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse/payment"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestCompose_trustedEmail checks the e-mail a customer reads, for an
// invoice (a Finvoice without PDF) and a credit note (CII) in Finnish,
// Swedish and English: the subject and file names call a credit note a
// credit note, the body says who sends on whose behalf, gives the seller's
// business ID and contact, writes amounts and dates the language's way, and
// ends with a closing; the invoice image comes first, then the XML.
func TestCompose_trustedEmail(t *testing.T) {
	invoice := parseFile(t, "../docparse/testdata/finvoice.xml")
	credit := parseFile(t, "../examples/quickstart/documents/cii-credit-note.xml")
	type want struct {
		subject string
		files   []string
		text    []string // in the text and, but for the layout, the HTML
	}
	tests := []struct {
		lang    string
		invoice want
		credit  want
	}{
		{"fi",
			want{"Lasku 260105 – Kymen Energia Oy", []string{"lasku-260105.pdf", "lasku-260105.xml"}, []string{
				"Kymen Energia Oy lähettää sinulle laskun 260105.", "Liitteenä on laskun kuva PDF-tiedostona",
				"Y-tunnus", "1234567-1", "699,50\u00a0€", "19.2.2026", "5.2.2026",
				"Laskutus Oy lähettää tämän laskun laskuttajan Kymen Energia Oy puolesta.",
				"asiakaspalvelu@kymenenergia.example", "Ystävällisin terveisin",
			}},
			want{"Hyvityslasku HL-2026-0042 – Pohjoisen Puutarha Oy", []string{"hyvityslasku-HL-2026-0042.pdf", "hyvityslasku-HL-2026-0042.xml"}, []string{
				"Pohjoisen Puutarha Oy lähettää sinulle hyvityslaskun HL-2026-0042.", "Liitteenä on hyvityslaskun kuva",
				"Hyvityslaskun numero", "ALV-tunnus", "FI12345678", "18.12.2026",
				"Laskutus Oy lähettää tämän hyvityslaskun laskuttajan Pohjoisen Puutarha Oy puolesta.",
				"laskutus@pohjoisenpuutarha.example", "Ystävällisin terveisin",
			}}},
		{"sv",
			want{"Faktura 260105 – Kymen Energia Oy", []string{"faktura-260105.pdf", "faktura-260105.xml"}, []string{
				"Kymen Energia Oy skickar dig faktura 260105.", "En fakturabild är bifogad som PDF-fil",
				"FO-nummer", "1234567-1", "699,50\u00a0€", "19.2.2026",
				"Laskutus Oy skickar den här fakturan på uppdrag av Kymen Energia Oy.",
				"asiakaspalvelu@kymenenergia.example", "Med vänliga hälsningar",
			}},
			want{"Kreditfaktura HL-2026-0042 – Pohjoisen Puutarha Oy", []string{"kreditfaktura-HL-2026-0042.pdf", "kreditfaktura-HL-2026-0042.xml"}, []string{
				"Pohjoisen Puutarha Oy skickar dig kreditfaktura HL-2026-0042.", "Kreditfakturanummer", "Momsnummer", "FI12345678", "18.12.2026",
				"Laskutus Oy skickar den här kreditfakturan på uppdrag av Pohjoisen Puutarha Oy.",
				"laskutus@pohjoisenpuutarha.example", "Med vänliga hälsningar",
			}}},
		{"en",
			want{"Invoice 260105 – Kymen Energia Oy", []string{"invoice-260105.pdf", "invoice-260105.xml"}, []string{
				"Kymen Energia Oy sends you invoice 260105.", "Its invoice image is attached as a PDF file",
				"Business ID", "1234567-1", "€699.50",
				"Laskutus Oy sends this invoice on behalf of Kymen Energia Oy.",
				"asiakaspalvelu@kymenenergia.example", "Kind regards",
			}},
			want{"Credit note HL-2026-0042 – Pohjoisen Puutarha Oy", []string{"credit-note-HL-2026-0042.pdf", "credit-note-HL-2026-0042.xml"}, []string{
				"Pohjoisen Puutarha Oy sends you credit note HL-2026-0042.", "Credit note number", "VAT number", "FI12345678",
				"Laskutus Oy sends this credit note on behalf of Pohjoisen Puutarha Oy.",
				"laskutus@pohjoisenpuutarha.example", "Kind regards",
			}}},
	}
	for _, tt := range tests {
		rec := &transporttest.Recorder{}
		r, err := NewRouter(nil, rec, Settings{Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example", Operator: "Laskutus Oy", Language: tt.lang}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct {
			name string
			w    want
		}{{"invoice", tt.invoice}, {"credit note", tt.credit}} {
			t.Run(tt.lang+" "+c.name, func(t *testing.T) {
				doc := *invoice
				if i == 1 {
					doc = *credit
					doc.Emails = invoice.Emails // the credit note gives no usable address
				}
				doc.Language = "" // the company's language decides
				p, err := r.Plan(t.Context(), &doc)
				if err != nil {
					t.Fatal(err)
				}
				msg, err := r.Compose(&doc, p)
				if err != nil {
					t.Fatal(err)
				}
				if msg.Subject != c.w.subject {
					t.Errorf("Subject = %q, want %q", msg.Subject, c.w.subject)
				}
				var files []string
				for _, a := range msg.Attachments {
					files = append(files, a.Filename)
				}
				if !slices.Equal(files, c.w.files) {
					t.Errorf("attachments = %q, want %q (the PDF first)", files, c.w.files)
				}
				if p.PDF.Code != PDFRendered {
					t.Errorf("plan.PDF = %+v, want the rendered image", p.PDF)
				}
				if text := pdfText(t, msg.Attachments[0].Data); !strings.Contains(text, doc.Number) {
					t.Errorf("pdftotext does not find %q in the attached image:\n%s", doc.Number, text)
				}
				html := stdhtml.UnescapeString(regexp.MustCompile(`</?strong>`).ReplaceAllString(msg.HTML, ""))
				for _, s := range c.w.text {
					if !strings.Contains(msg.Text, s) {
						t.Errorf("text lacks %q:\n%s", s, msg.Text)
					}
					if !strings.Contains(html, s) && !strings.Contains(s, "  ") {
						t.Errorf("HTML lacks %q:\n%s", s, msg.HTML)
					}
				}
				if strings.Contains(msg.Text, "%!") || strings.Contains(msg.Text, "<no value>") {
					t.Errorf("text has a formatting error:\n%s", msg.Text)
				}
				if i == 1 && strings.HasPrefix(strings.ToLower(msg.Subject), map[string]string{"fi": "lasku ", "sv": "faktura ", "en": "invoice"}[tt.lang]) {
					t.Errorf("the credit note's subject %q calls it an invoice", msg.Subject)
				}
			})
		}
	}
}

// TestCompose_htmlEscaped: names from the document and the settings are
// escaped in the HTML body.
func TestCompose_htmlEscaped(t *testing.T) {
	doc := parseFile(t, "../docparse/testdata/finvoice.xml")
	doc.Seller.Name = `Evil <script>alert(1)</script> & Co`
	rec := &transporttest.Recorder{}
	r, err := NewRouter(nil, rec, Settings{Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example", Operator: `A&B <b>Oy</b>`, InvoiceImage: InvoiceImageOff}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.DistributeDocument(t.Context(), doc); err != nil {
		t.Fatal(err)
	}
	msg := rec.Messages()[0]
	if strings.Contains(msg.HTML, "<script>") || strings.Contains(msg.HTML, "<b>Oy</b>") {
		t.Errorf("HTML not escaped:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.HTML, "A&amp;B &lt;b&gt;Oy&lt;/b&gt;") || !strings.Contains(msg.HTML, "Evil &lt;script&gt;") {
		t.Errorf("HTML lacks the escaped names:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.Text, "A&B <b>Oy</b> lähettää tämän laskun laskuttajan Evil <script>") {
		t.Errorf("the text body should carry the names as written:\n%s", msg.Text)
	}
}

// TestSettings_operatorDefault: without Settings.Operator the e-mail names
// the domain of From.
func TestSettings_operatorDefault(t *testing.T) {
	s := Settings{From: "laskut@operaattori.example"}
	if got := s.operator(); got != "operaattori.example" {
		t.Errorf("operator() = %q", got)
	}
	s.Operator = "  Laskutus   Oy "
	if got := s.operator(); got != "Laskutus Oy" {
		t.Errorf("operator() = %q", got)
	}
}

func TestPrintPayment(t *testing.T) {
	for in, want := range map[string]string{
		"00000000000000001232": "1232",
		"12345672":             "123 45672",
		"RF18539007547034":     "RF18 5390 0754 7034",
		"1233":                 "1233", // a bad check digit: as written
		"000":                  "000",
	} {
		if got := printRef(in); got != want {
			t.Errorf("printRef(%q) = %q, want %q", in, got, want)
		}
	}
	if got := payment.PrintIBAN("FI2112345600000785"); got != "FI21 1234 5600 0007 85" {
		t.Errorf("payment.PrintIBAN = %q", got)
	}
	if got := payment.PrintIBAN("FI2112345600000786"); got != "FI2112345600000786" {
		t.Errorf("payment.PrintIBAN of an invalid IBAN = %q, want it as written", got)
	}
}
