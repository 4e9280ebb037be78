package invoicepdf_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/docparse/payment"
)

// needTools skips the test when the Debian tools that read a PDF back are
// missing.
func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: install Debian's poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools) to read rendered invoices back", tool)
		}
	}
}

// pdfText returns the text pdftotext reads from pdf, white space
// collapsed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-layout", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\u00a0", " ")), " ")
}

// codes rasterises page (1-based) of pdf at 200 dpi and returns what zbarimg
// decodes, by symbology ("CODE-128", "QR-Code").
func codes(t *testing.T, pdf []byte, page int) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "invoice.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	p := fmt.Sprint(page)
	if out, err := exec.CommandContext(t.Context(), "pdftoppm", "-png", "-r", "200", "-f", p, "-l", p, "-singlefile", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	// zbarimg's plain output: each symbol as "TYPE:data\n", data possibly
	// of several lines (the EPC payload). Its XML output mangles UTF-8.
	out, err := exec.CommandContext(t.Context(), "zbarimg", "-q", "-Sdisable", "-Scode128.enable", "-Sqrcode.enable", filepath.Join(dir, "page.png")).Output()
	if err != nil && len(out) == 0 {
		return nil // nothing found (exit status 4)
	}
	found := map[string][]string{}
	heads := symbolHead.FindAllStringSubmatchIndex(string(out), -1)
	for k, h := range heads {
		end := len(out)
		if k+1 < len(heads) {
			end = heads[k+1][0]
		}
		typ := string(out[h[2]:h[3]])
		found[typ] = append(found[typ], strings.TrimSuffix(string(out[h[1]:end]), "\n"))
	}
	return found
}

// symbolHead is the start of a symbol in zbarimg's output.
var symbolHead = regexp.MustCompile(`(?m)^(QR-Code|CODE-128):`)

func parseFile(t testing.TB, name string) *docparse.Document {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := docparse.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRenderReadBack renders a payable Finnish invoice in each language
// and reads it back: the text holds the number, the dates, the totals,
// the IBAN and the reference in the language's format, and the codes
// decoded from the rasterised page are the virtual barcode and the EPC
// payload.
func TestRenderReadBack(t *testing.T) {
	needTools(t, "pdftotext", "pdftoppm", "zbarimg")
	d := parseFile(t, "testdata/finvoice-payable.xml")
	r, err := invoicepdf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	const barcode = "421123456000007850048831500000000868516259619897260214"
	tests := []struct {
		lang string
		want []string
	}{
		{"fi", []string{"LASKU", "Laskun numero 2026-0042", "31.1.2026", "14.2.2026", "4 883,15 €", "3 891,00 €", "992,15 €",
			"FI21 1234 5600 0007 85", "86851 62596 19897", "NDEAFIHH", "Eräpäivä", "Sivu 1/1", "Virtuaaliviivakoodi " + barcode,
			"Šiaulių Žąsų Ūkis Oy", "Ķemerin tie 4 A 7", "Ēriks Ņikitins", "Ģirts ja Ļena", "Äänekosken Sähkö ja Öljy Oy", "12 500 kWh", "TILISIIRTO GIRERING"}},
		{"sv", []string{"FAKTURA", "Fakturanummer 2026-0042", "31.1.2026", "Förfallodag 14.2.2026", "4 883,15 €", "Att betala totalt 4 883,15 €",
			"FI21 1234 5600 0007 85", "86851 62596 19897", "Sida 1/1", barcode}},
		{"en", []string{"INVOICE", "Invoice number 2026-0042", "31 Jan 2026", "Due date 14 Feb 2026", "€4,883.15", "€3,891.00",
			"FI21 1234 5600 0007 85", "86851 62596 19897", "Page 1/1", barcode, "BANK TRANSFER"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			out, err := r.Render(d, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			if out.Language != tt.lang || out.Pages != 1 || out.NoPaymentForm != nil {
				t.Errorf("Rendered: language %q, %d pages, no form because %v", out.Language, out.Pages, out.NoPaymentForm)
			}
			if out.VirtualBarcode != barcode {
				t.Errorf("VirtualBarcode = %s, want %s", out.VirtualBarcode, barcode)
			}
			text := pdfText(t, out.PDF)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the text of the PDF lacks %q:\n%s", w, text)
				}
			}
			found := codes(t, out.PDF, 1)
			if got := found["CODE-128"]; len(got) != 1 || got[0] != out.VirtualBarcode {
				t.Errorf("Code 128 decoded %q, want the virtual barcode %s", got, out.VirtualBarcode)
			}
			if got := found["QR-Code"]; len(got) != 1 || got[0] != out.EPCPayload {
				t.Errorf("QR decoded %q, want the EPC payload %q", got, out.EPCPayload)
			}
			if !strings.HasPrefix(out.EPCPayload, "BCD\n002\n1\nSCT\nNDEAFIHH\nÄänekosken Sähkö ja Öljy Oy\nFI2112345600000785\nEUR4883.15\n\nRF09868516259619897") {
				t.Errorf("EPC payload %q", out.EPCPayload)
			}
		})
	}
}

// manyLines returns a payable invoice with n lines.
func manyLines(t testing.TB, n int) *docparse.Document {
	d := parseFile(t, "testdata/finvoice-payable.xml")
	d.Lines = nil
	for i := range n {
		d.Lines = append(d.Lines, docparse.Line{
			ID: fmt.Sprint(i + 1), ArticleID: fmt.Sprintf("A-%04d", i+1),
			Description: fmt.Sprintf("Rivi %d: huoltotyö, kiinteistö Ålandsgatan %d", i+1, i+1),
			Quantity:    "1.5", Unit: "HUR", UnitPrice: "80.00", VATRate: "25.5", NetAmount: "120.00",
		})
	}
	return d
}

// TestRenderManyLines renders 200 lines: they continue over pages with the
// table heading repeated, every line is there, and the form is on the last
// page with codes that decode.
func TestRenderManyLines(t *testing.T) {
	needTools(t, "pdftotext", "pdftoppm", "zbarimg")
	r, _ := invoicepdf.New(nil)
	out, err := r.Render(manyLines(t, 200), "fi")
	if err != nil {
		t.Fatal(err)
	}
	if out.Pages < 4 {
		t.Fatalf("200 lines on %d pages", out.Pages)
	}
	text := pdfText(t, out.PDF)
	for i := 1; i <= 200; i++ {
		if !strings.Contains(text, fmt.Sprintf("Rivi %d: huoltotyö", i)) {
			t.Errorf("line %d is missing", i)
		}
	}
	for p := 1; p <= out.Pages; p++ {
		if !strings.Contains(text, fmt.Sprintf("Sivu %d/%d", p, out.Pages)) {
			t.Errorf("page number %d/%d is missing", p, out.Pages)
		}
	}
	if n := strings.Count(text, "Kuvaus Määrä Yks."); n != out.Pages && n != out.Pages-1 {
		t.Errorf("table heading on %d of %d pages", n, out.Pages)
	}
	found := codes(t, out.PDF, out.Pages)
	if got := found["CODE-128"]; len(got) != 1 || got[0] != out.VirtualBarcode {
		t.Errorf("Code 128 on the last page: %q, want %s", got, out.VirtualBarcode)
	}
}

// TestRenderWithoutForm renders documents a form cannot be made for: the
// reason is reported and said on the page, and no code is drawn.
func TestRenderWithoutForm(t *testing.T) {
	r, _ := invoicepdf.New(nil)
	tests := []struct {
		name   string
		edit   func(*docparse.Document)
		field  payment.Field // "" when no reason is expected
		onPage string
	}{
		{"wrong reference check digit", func(d *docparse.Document) { d.PaymentReference = "86851 62596 19898" }, payment.FieldReference, "Viitenumero: tarkiste on väärä"},
		{"no IBAN", func(d *docparse.Document) { d.IBAN = "" }, payment.FieldIBAN, "Tilinumero (IBAN): puuttuu"},
		{"no reference", func(d *docparse.Document) { d.PaymentReference = "" }, payment.FieldReference, "Viitenumero: puuttuu"},
		{"account abroad", func(d *docparse.Document) { d.IBAN = "DE88 2008 0000 0970 3757 00" }, "", "DE88 2008 0000 0970 3757 00"},
		{"foreign document, no IBAN", func(d *docparse.Document) {
			d.Format, d.Seller.Address.Country, d.IBAN = docparse.FormatUBL, "GB", "IBAN32423940"
		}, "", "IBAN32423940"},
		{"credit note", func(d *docparse.Document) { d.Type, d.AmountDue = docparse.TypeCreditNote, "-4883.15" }, "", "Tämä on hyvityslasku"},
		{"nothing due", func(d *docparse.Document) { d.AmountDue = "0.00" }, "", "LASKU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseFile(t, "testdata/finvoice-payable.xml")
			tt.edit(d)
			out, err := r.Render(d, "fi")
			if err != nil {
				t.Fatal(err)
			}
			if out.VirtualBarcode != "" || out.EPCPayload != "" {
				t.Errorf("codes made: %q %q", out.VirtualBarcode, out.EPCPayload)
			}
			var pe *payment.Error
			switch {
			case tt.field == "" && out.NoPaymentForm != nil:
				t.Errorf("NoPaymentForm = %v, want nil", out.NoPaymentForm)
			case tt.field != "" && (!errors.As(out.NoPaymentForm, &pe) || pe.Field != tt.field):
				t.Errorf("NoPaymentForm = %v, want a %s error", out.NoPaymentForm, tt.field)
			}
			if _, err := exec.LookPath("pdftotext"); err != nil {
				return
			}
			text := pdfText(t, out.PDF)
			if !strings.Contains(text, tt.onPage) {
				t.Errorf("the page lacks %q:\n%s", tt.onPage, text)
			}
			if strings.Contains(text, "Virtuaaliviivakoodi") {
				t.Error("the page shows a virtual barcode")
			}
			if tt.field == "" && strings.Contains(text, "tilisiirtolomaketta ei voitu") {
				t.Error("the page says no form could be made for a document that needs none")
			}
		})
	}
}

// TestRenderTestdata renders every document docparse's testdata and the
// corpus ($JAKELU_CORPUS) hold, in its own language: no document fails or
// panics, each has a number on its first page.
func TestRenderTestdata(t *testing.T) {
	files, _ := filepath.Glob("../../docparse/testdata/*.xml")
	if dir := os.Getenv("JAKELU_CORPUS"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*", "*.xml"))
		files = append(files, more...)
	}
	r, _ := invoicepdf.New(nil)
	var docs, forms, pages int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := docparse.ParseAll(data, nil)
		if err != nil {
			continue
		}
		for _, d := range parsed {
			out, err := r.Render(d, "")
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			docs++
			pages += out.Pages
			if out.VirtualBarcode != "" {
				forms++
			}
			if !bytes.HasPrefix(out.PDF, []byte("%PDF-")) {
				t.Errorf("%s: not a PDF", f)
			}
		}
	}
	t.Logf("RENDER docs=%d pages=%d with-form=%d", docs, pages, forms)
	if docs == 0 {
		t.Fatal("nothing rendered")
	}
}

// TestRenderHostile renders documents with text no invoice should have.
func TestRenderHostile(t *testing.T) {
	r, _ := invoicepdf.New(&invoicepdf.Options{MaxPages: 3})
	if _, err := r.Render(nil, ""); !errors.Is(err, invoicepdf.ErrNoDocument) {
		t.Errorf("nil document: %v", err)
	}
	if _, err := r.Render(&docparse.Document{}, ""); !errors.Is(err, invoicepdf.ErrNoDocument) {
		t.Errorf("document without number: %v", err)
	}
	_, err := r.Render(manyLines(t, 400), "fi")
	var re *invoicepdf.Error
	if !errors.Is(err, invoicepdf.ErrTooManyPages) || !errors.As(err, &re) || re.Number != "2026-0042" || re.Message("fi") == "" {
		t.Errorf("400 lines within 3 pages: %v", err)
	}
	notes := parseFile(t, "testdata/finvoice-payable.xml")
	for range 50 {
		notes.Notes = append(notes.Notes, strings.Repeat("Huomautus ", 2000))
	}
	if _, err := r.Render(notes, ""); !errors.Is(err, invoicepdf.ErrTooManyPages) {
		t.Errorf("50 notes of 20 KB within 3 pages: %v", err)
	}
	d := parseFile(t, "testdata/finvoice-payable.xml")
	long := strings.Repeat("Pitkäsanaisuus", 200)
	d.Seller.Name = "Nolla\x00tavu\u200b ja\tsarkain 漢字 😀"
	d.Lines[0].Description = long
	d.Notes = append(d.Notes, long, strings.Repeat("sana ", 3000))
	d.Buyer.Address.Street = strings.Repeat("Katu ", 100)
	r, _ = invoicepdf.New(nil)
	out, err := r.Render(d, "xx")
	if err != nil {
		t.Fatal(err)
	}
	if out.Language != "fi" {
		t.Errorf("language %q for an unknown one and a Finnish document", out.Language)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		if text := pdfText(t, out.PDF); !strings.Contains(text, "Nollatavu ja sarkain") {
			t.Errorf("control characters not removed: %q", text[:200])
		}
	}
}

func TestNewOptions(t *testing.T) {
	var logo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{0x1f, 0x6f, byte(x * 2), 0xff})
		}
	}
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opts invoicepdf.Options
		ok   bool
	}{
		{invoicepdf.Options{}, true},
		{invoicepdf.Options{Colour: "#7a1f1f", Logo: logo.Bytes()}, true},
		{invoicepdf.Options{Colour: "7A1F1F"}, true},
		{invoicepdf.Options{Colour: "#fafafa"}, false}, // too light
		{invoicepdf.Options{Colour: "red"}, false},
		{invoicepdf.Options{Colour: "#12345"}, false},
		{invoicepdf.Options{Logo: []byte("%PDF-1.7 not an image")}, false},
	} {
		r, err := invoicepdf.New(&tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("New(%+v): %v", tt.opts.Colour, err)
			continue
		}
		if err != nil {
			continue
		}
		out, err := r.Render(parseFile(t, "testdata/finvoice-payable.xml"), "")
		if err != nil {
			t.Errorf("Render with %q: %v", tt.opts.Colour, err)
		} else if again, _ := r.Render(parseFile(t, "testdata/finvoice-payable.xml"), ""); !bytes.Equal(out.PDF, again.PDF) {
			t.Error("two renderings of one document differ")
		}
	}
}

// TestRenderFonts renders with the 8-bit font when every text fits it and
// with the Unicode font otherwise, reads the text back either way, and
// renders the same bytes twice.
func TestRenderFonts(t *testing.T) {
	needTools(t, "pdftotext")
	r, err := invoicepdf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	const letters = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ " +
		"ĀāĄąČčĒēĖėĘęĢģĪīĮįĶķĻļŅņŠšŪūŲųŽž ĆćŁłŃńŚśŹźŻż ĐđŊŋŦŧ – — ‘’ “” «» · × … € → m² m³"
	tests := []struct {
		name, seller, note string
		unicode            bool // drawn with the Unicode font
	}{
		{"nordic-baltic", "Õunapuu OÜ", letters, false},
		{"czech", "Antonín Dvořák s.r.o.", "Děkujeme za objednávku", true},
		{"greek", "Ωμέγα ΟΕ", letters, true},
		{"cyrillic", "ООО Ромашка", "Спасибо", true},
		{"hungarian-note", "Oy Ab", "Őrség ű", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseFile(t, "testdata/finvoice-payable.xml")
			d.Seller.Name = tt.seller
			d.Notes = []string{tt.note}
			out, err := r.Render(d, "fi")
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(out.PDF, []byte("/Subtype /Type0")); got != tt.unicode {
				t.Errorf("Unicode font %v, want %v", got, tt.unicode)
			}
			if got := bytes.Contains(out.PDF, []byte("/BaseFont /JAKELU+GoRegular")); got == tt.unicode {
				t.Errorf("8-bit font %v, want %v", got, !tt.unicode)
			}
			text := pdfText(t, out.PDF)
			for _, w := range []string{tt.seller, strings.Join(strings.Fields(tt.note), " "), "Laskun numero 2026-0042", "4 883,15 €"} {
				if !strings.Contains(text, w) {
					t.Errorf("the text lacks %q:\n%s", w, text)
				}
			}
			again, err := r.Render(d, "fi")
			if err != nil || !bytes.Equal(out.PDF, again.PDF) {
				t.Errorf("a second rendering differs (%v)", err)
			}
		})
	}
}

// TestRenderSubset checks that a document in the 8-bit font embeds only
// the groups of characters it uses, and that with them it reads back and
// rasterises exactly as with the whole font.
func TestRenderSubset(t *testing.T) {
	needTools(t, "pdftotext", "pdftoppm")
	r, err := invoicepdf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A PEPPOL invoice in Finnish uses the first group; each seller adds
	// its own.
	for _, seller := range []string{"Kotka Systems Oy", "Äänekosken Sähkö Oy", "Café Éclair SARL", "Šiaulių Žąsų Ūkis UAB"} {
		t.Run(seller, func(t *testing.T) {
			d := parseFile(t, "../../docparse/testdata/ubl-peppol.xml")
			d.Seller.Name = seller
			out, err := r.Render(d, "fi")
			if err != nil {
				t.Fatal(err)
			}
			whole, err := invoicepdf.WithWholeFont(out.PDF)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.PDF) >= len(whole) {
				t.Errorf("%d bytes, with the whole font %d", len(out.PDF), len(whole))
			}
			if got, want := pdfText(t, out.PDF), pdfText(t, whole); got != want || !strings.Contains(got, seller) {
				t.Errorf("the text differs from the whole font's or lacks %q:\n%s\nwant\n%s", seller, got, want)
			}
			if got, want := raster(t, out.PDF), raster(t, whole); !bytes.Equal(got, want) {
				t.Error("the page rasterises otherwise than with the whole font")
			}
		})
	}
}

// raster returns the first page of pdf rasterised at 100 dpi, as a PPM.
func raster(t *testing.T, pdf []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftoppm", "-r", "100", "-f", "1", "-l", "1", file).Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	return out
}

// TestRenderConcurrent renders from several goroutines at once (the
// 8-bit font and the zlib writers are shared): every result equals the
// one-at-a-time rendering. Run with -race.
func TestRenderConcurrent(t *testing.T) {
	r, err := invoicepdf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := []*docparse.Document{parseFile(t, "testdata/finvoice-payable.xml"), manyLines(t, 60), parseFile(t, "testdata/finvoice-payable.xml")}
	docs[2].Seller.Name = "Antonín Dvořák s.r.o." // the Unicode font
	want := make([][]byte, len(docs))
	for i, d := range docs {
		out, err := r.Render(d, "fi")
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out.PDF
	}
	errs := make(chan error, 4*len(docs))
	for range 4 {
		for i, d := range docs {
			go func() {
				out, err := r.Render(d, "fi")
				if err == nil && !bytes.Equal(out.PDF, want[i]) {
					err = fmt.Errorf("document %d: a concurrent rendering differs", i)
				}
				errs <- err
			}()
		}
	}
	for range 4 * len(docs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
