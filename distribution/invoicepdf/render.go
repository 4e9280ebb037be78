package invoicepdf

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // logo formats accepted by Options.Logo
	_ "image/jpeg" // logo formats accepted by Options.Logo
	_ "image/png"  // logo formats accepted by Options.Logo
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/docparse/payment"
	"github.com/jakelu/jakelu/internal/i18n"
)

// Options are a company's choices for its invoice images. The zero value
// renders without a logo in the default colour.
type Options struct {
	// Logo is the company logo, PNG, JPEG or GIF, drawn at the top left
	// at most 50 × 18 mm. Nil for none.
	Logo []byte
	// Colour is the accent colour of titles and table headings as
	// "#RRGGBB"; "" is a dark blue. A colour so light that white text on
	// it would be hard to read is refused.
	Colour string
	// Language is the language of a document that states none, or one
	// that is not Finnish, Swedish or English: "fi", "sv" or "en"; ""
	// means Finnish.
	Language string
	// MaxPages is the most pages a rendering may have; a document whose
	// lines need more is refused with ErrTooManyPages. 0 means 500.
	MaxPages int
}

// DefaultMaxPages is the page limit when Options.MaxPages is 0.
const DefaultMaxPages = 500

// The errors Render returns, matched with errors.Is; each is wrapped in an
// [*Error] naming the document.
var (
	// ErrNoDocument: Render was given a nil document or one without a
	// number.
	ErrNoDocument = errors.New("invoicepdf: no document to render")
	// ErrTooManyPages: the document's lines need more pages than
	// Options.MaxPages.
	ErrTooManyPages = errors.New("invoicepdf: the document needs too many pages")
	// ErrPDF: the PDF library failed to write the document.
	ErrPDF = errors.New("invoicepdf: the PDF could not be written")
)

// Error is an error of rendering one document.
type Error struct {
	Number string // document number, "" when unknown
	Err    error  // ErrNoDocument, ErrTooManyPages or ErrPDF, possibly wrapping the cause
	Detail string // English detail
}

// Error returns an English message.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	s := "invoicepdf: rendering failed"
	if e.Err != nil {
		s = e.Err.Error()
	}
	if e.Number != "" {
		s = fmt.Sprintf("%s (document %q)", s, e.Number)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Message returns the error for a person in lang.
func (e *Error) Message(lang string) string {
	if e == nil {
		return ""
	}
	key := "error.pdf"
	switch {
	case errors.Is(e.Err, ErrNoDocument):
		key = "error.no-document"
	case errors.Is(e.Err, ErrTooManyPages):
		key = "error.too-many-pages"
	}
	return fmt.Sprintf(text(lang, key), e.Number)
}

// Renderer renders invoice images. It holds no state between renderings
// and is safe for concurrent use.
type Renderer struct {
	opts   Options
	accent [3]int
	logo   string // image type of opts.Logo for fpdf, "" for none
}

// New returns a Renderer with the company's options (nil for the
// defaults). It refuses a logo it cannot decode and a malformed or too
// light colour.
func New(opts *Options) (*Renderer, error) {
	r := &Renderer{accent: [3]int{0x1f, 0x3a, 0x5f}}
	if opts != nil {
		r.opts = *opts
	}
	if c := strings.TrimSpace(r.opts.Colour); c != "" {
		var red, green, blue int
		if n, err := fmt.Sscanf(strings.TrimPrefix(c, "#"), "%02x%02x%02x", &red, &green, &blue); err != nil || n != 3 || len(strings.TrimPrefix(c, "#")) != 6 {
			return nil, fmt.Errorf("invoicepdf: colour %q is not #RRGGBB", c)
		}
		if 299*red+587*green+114*blue > 160_000 { // perceived brightness above ~63 %
			return nil, fmt.Errorf("invoicepdf: colour %q is too light for white text on it; choose a darker one", c)
		}
		r.accent = [3]int{red, green, blue}
	}
	if len(r.opts.Logo) > 0 {
		_, format, err := image.DecodeConfig(bytes.NewReader(r.opts.Logo))
		if err != nil {
			return nil, fmt.Errorf("invoicepdf: the logo is not a PNG, JPEG or GIF image: %w", err)
		}
		r.logo = strings.ToUpper(format)
		if r.logo == "JPEG" {
			r.logo = "JPG"
		}
	}
	if r.opts.MaxPages <= 0 {
		r.opts.MaxPages = DefaultMaxPages
	}
	return r, nil
}

// Rendered is an invoice image and what it shows.
type Rendered struct {
	PDF      []byte
	Pages    int
	Language string // the language of the texts: "fi", "sv" or "en"
	// VirtualBarcode is the 54-digit Finnish virtual barcode the bank
	// transfer form shows, "" when there is no form.
	VirtualBarcode string
	// EPCPayload is the payload of the EPC QR code on the form, "" when
	// there is none.
	EPCPayload string
	// NoPaymentForm says why a payable Finnish invoice (Finvoice or
	// TEAPPSXML, a Finnish seller or account) has no bank transfer form (a
	// *payment.Error: a missing or invalid IBAN, amount or reference); nil
	// when the form is there, the document is not payable (a credit note,
	// nothing due) or is not Finnish (an account abroad, another currency).
	NoPaymentForm error
}

// Language returns the language a document is rendered in: lang if it is
// Finnish, Swedish or English, else the document's language, else the
// company's, else Finnish.
func (r *Renderer) Language(d *docparse.Document, lang string) string {
	cands := []string{lang}
	if d != nil {
		cands = append(cands, d.Language)
	}
	cands = append(cands, r.opts.Language, "fi")
	for _, c := range cands {
		if i, ok := i18n.Match(c); ok {
			return [3]string{"en", "fi", "sv"}[i]
		}
	}
	return "fi"
}

// Render renders d as an A4 PDF in lang ("" for the document's language,
// see [Renderer.Language]).
func (r *Renderer) Render(d *docparse.Document, lang string) (*Rendered, error) {
	if d == nil || strings.TrimSpace(d.Number) == "" {
		return nil, &Error{Err: ErrNoDocument, Detail: "the document is nil or has no number"}
	}
	p := &page{r: r, d: d, lang: r.Language(d, lang), f8: fast8()}
	out := &Rendered{Language: p.lang}
	p.transfer(out)
	err := p.render()
	if p.f8 != nil && p.uncovered {
		// A character beyond the 8-bit font: draw it all again with
		// the Unicode font.
		p.f8, p.overflow, p.uncovered = nil, false, false
		err = p.render()
	}
	if err != nil {
		return nil, err
	}
	buf := pdfBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if err := output(p.pdf, buf); err != nil {
		pdfBuffers.Put(buf)
		return nil, &Error{Number: d.Number, Err: fmt.Errorf("%w: %w", ErrPDF, err)}
	}
	out.Pages = p.pdf.PageNo()
	var swap *fontSwap
	if p.f8 != nil {
		swap = &fontSwap{old: p.f8.placeholder(), new: *p.f8.subset(p.used)}
	}
	z, err := compressPDF(buf.Bytes(), swap)
	switch {
	case err == nil:
		out.PDF = z
		pdfBuffers.Put(buf)
	case swap == nil:
		out.PDF = buf.Bytes() // uncompressed, as valid if larger; buf is not reused
	default: // the font file is missing
		pdfBuffers.Put(buf)
		return nil, &Error{Number: d.Number, Err: fmt.Errorf("%w: %w", ErrPDF, err)}
	}
	return out, nil
}

// pdfBuffers hold the PDF as the PDF library writes it, until compressPDF
// has compressed it.
var pdfBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// output writes the PDF, turning a panic of the PDF library into an
// error: bad input never panics.
func output(pdf *fpdf.Fpdf, buf *bytes.Buffer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the PDF library failed: %v", v)
		}
	}()
	return pdf.Output(buf)
}

// Page geometry, in millimetres.
const (
	pageW, pageH = 210.0, 297.0
	left, right  = 15.0, 195.0
	top          = 12.0
	bottom       = 282.0 // lowest text on a page without the form
	formH        = 101.6 // the bank transfer form: the lowest third of the page
	formTop      = pageH - formH
	lineH        = 4.2
)

// page is one rendering in progress.
type page struct {
	r    *Renderer
	d    *docparse.Document
	lang string
	pdf  *fpdf.Fpdf

	overflow     bool      // the document needs more than MaxPages pages
	f8           *font8    // the 8-bit font, nil for the Unicode font
	uncovered    bool      // a text has a character f8 lacks
	used         [2]uint64 // the codes from 128 of f8 drawn (bit c-128 for code c)
	barcode, epc string    // the codes of the form; "" for no form
	noForm       error     // why a payable invoice has no form
	payable      bool      // the document asks for a payment
	cellBuf      []byte    // for cell
	textRGB      [3]int    // the colour of textOp
	textOp       []byte    // its fill colour operator, for cell
	mode         int       // the text rendering mode of page modePage
	modePage     int
}

// transfer decides whether the document gets a bank transfer form and
// computes its codes.
func (p *page) transfer(out *Rendered) {
	d := p.d
	p.payable = d.Type != docparse.TypeCreditNote && positive(d.AmountDue)
	if !p.payable {
		return
	}
	t := payment.Transfer{
		Name: d.Seller.Name, IBAN: d.IBAN, BIC: d.Payment.BIC, Amount: d.AmountDue,
		Currency: d.Currency, Reference: d.PaymentReference, DueDate: d.DueDate,
	}
	code, err := t.VirtualBarcode()
	if err != nil {
		var pe *payment.Error
		// An account abroad or another currency simply has no Finnish
		// form, nor has a document from abroad; for a Finnish one
		// anything else missing or wrong is said on the page.
		abroad := errors.As(err, &pe) && errors.Is(err, payment.ErrUnsupported) && (pe.Field == payment.FieldIBAN || pe.Field == payment.FieldCurrency)
		if !abroad && finnish(d) {
			p.noForm, out.NoPaymentForm = err, err
		}
		return
	}
	p.barcode, out.VirtualBarcode = code, code
	if t.BIC != "" {
		if _, err := payment.ParseBIC(t.BIC); err != nil {
			t.BIC = "" // optional in EPC 002: better none than a wrong one
		}
	}
	if epc, err := t.EPCQR(); err == nil {
		p.epc, out.EPCPayload = epc, epc
	}
}

// finnish reports whether a document is one a Finnish bank transfer form
// belongs to: a Finnish format, a Finnish seller or a Finnish account.
func finnish(d *docparse.Document) bool {
	return d.Format == docparse.FormatFinvoice || d.Format == docparse.FormatTEAPPSXML ||
		strings.EqualFold(d.Seller.Address.Country, "FI") ||
		len(d.IBAN) >= 2 && strings.EqualFold(d.IBAN[:2], "FI")
}

// positive reports whether decimal text is above zero.
func positive(s string) bool {
	if s == "" || strings.HasPrefix(s, "-") {
		return false
	}
	return strings.Trim(s, "0.") != ""
}

func (p *page) t(key string) string { return text(p.lang, key) }

func (p *page) render() error {
	d := p.d
	pdf := fpdf.New("P", "mm", "A4", "")
	p.pdf = pdf
	p.mode, p.modePage = 0, 0 // a new document: fontRGB sets the mode anew
	pdf.SetMargins(left, top, pageW-right)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(false) // compressPDF compresses the pages
	if p.f8 != nil {
		pdf.AddFontFromBytes("go", "", p.f8.def, p.f8.placeholder().data)
	} else {
		pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	}
	pdf.AliasNbPages("{nb}")
	issued, err := time.Parse(time.DateOnly, d.IssueDate)
	if err != nil {
		issued = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(p.title()+" "+clean(d.Number), true)
	pdf.SetAuthor(clean(d.Seller.Name), true)
	pdf.SetCreator("jakelu", true)
	pdf.SetLang(p.lang)
	if p.r.logo != "" {
		pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: p.r.logo}, bytes.NewReader(p.r.opts.Logo))
	}

	y := p.firstPage()
	y = p.lines(y)
	if y < 0 {
		return &Error{Number: d.Number, Err: ErrTooManyPages, Detail: fmt.Sprintf("its %d lines need more than %d pages", len(d.Lines), p.r.opts.MaxPages)}
	}
	y = p.summary(y)
	y = p.notes(y)
	p.paymentPart(y)
	if p.overflow {
		return &Error{Number: d.Number, Err: ErrTooManyPages, Detail: fmt.Sprintf("its lines and notes need more than %d pages", p.r.opts.MaxPages)}
	}
	if err := pdf.Error(); err != nil {
		return &Error{Number: d.Number, Err: fmt.Errorf("%w: %w", ErrPDF, err)}
	}
	return nil
}

func (p *page) title() string {
	if p.d.Type == docparse.TypeCreditNote {
		return p.t("title.credit-note")
	}
	return p.t("title.invoice")
}

// font sets the font: bold or not, size in points, grey or black.
func (p *page) font(bold bool, size float64, grey bool) {
	if grey {
		p.fontRGB(bold, size, [3]int{90, 90, 90})
	} else {
		p.fontRGB(bold, size, [3]int{0, 0, 0})
	}
}

// fontRGB sets the font in a colour. Bold is the regular face filled and
// stroked with a thin outline of the same colour: one embedded font
// instead of two keeps the PDF small and the Unicode path (which the PDF
// library parses and subsets for each document anew) cheaper, and looks
// the same at these sizes. Lines drawn after bold text set their own colour and width.
func (p *page) fontRGB(bold bool, size float64, rgb [3]int) {
	// Only what changes: the PDF library writes each setting to the page
	// even when it is the current one (the text colour it only formats
	// anew, for the next cell).
	pdf := p.pdf
	if pdf.GetFontFamily() != "go" {
		pdf.SetFont("go", "", size)
	} else if pt, _ := pdf.GetFontSize(); pt != size {
		pdf.SetFontSize(size) // what SetFont writes, without selecting the font anew
	}
	if r, g, b := pdf.GetTextColor(); [3]int{r, g, b} != rgb {
		pdf.SetTextColor(rgb[0], rgb[1], rgb[2])
	}
	mode := 0
	if bold {
		if r, g, b := pdf.GetDrawColor(); [3]int{r, g, b} != rgb {
			pdf.SetDrawColor(rgb[0], rgb[1], rgb[2])
		}
		if w := size * 0.035 * 25.4 / 72; pdf.GetLineWidth() != w {
			pdf.SetLineWidth(w)
		}
		mode = 2
	}
	// The rendering mode starts at 0 on each page; the PDF library does
	// not keep it.
	if n := pdf.PageNo(); n != p.modePage || mode != p.mode {
		pdf.SetTextRenderingMode(mode)
		p.mode, p.modePage = mode, n
	}
}

// text writes s at x, y (the top of the line) in a cell of width w,
// aligned "L", "R" or "C".
func (p *page) text(x, y, w float64, s, align string) {
	if p.uncovered {
		return // Render draws the page again with the Unicode font
	}
	p.pdf.SetXY(x, y)
	p.cell(w, lineH, p.enc(clean(s)), align)
}

// cell writes s, in the current font's encoding, at the current position
// in a cell w mm wide and h mm high, aligned "L", "R" or "C", and moves
// right by w. It writes what the PDF library's CellFormat(w, h, s, "", 0,
// align, false, 0, "") writes, but for the 8-bit font without formatting
// through fmt for every text; the Unicode font goes through CellFormat,
// which notes the characters for the font subset.
func (p *page) cell(w, h float64, s, align string) {
	pdf := p.pdf
	if p.f8 == nil {
		pdf.CellFormat(w, h, s, "", 0, align, false, 0, "")
		return
	}
	if !pdf.Ok() {
		return
	}
	x, y := pdf.GetXY()
	pageWidth, pageHeight := pdf.GetPageSize()
	if w == 0 {
		_, _, r, _ := pdf.GetMargins()
		w = pageWidth - r - x
	}
	if s != "" {
		k := pdf.GetConversionRatio()
		_, fontSize := pdf.GetFontSize()
		dx := pdf.GetCellMargin()
		switch {
		case strings.Contains(align, "R"):
			dx = w - dx - pdf.GetStringWidth(s)
		case strings.Contains(align, "C"):
			dx = (w - pdf.GetStringWidth(s)) / 2
		}
		// The text colour is set for the text alone when it is not the
		// fill colour (which the text would otherwise take).
		tr, tg, tb := pdf.GetTextColor()
		fr, fg, fb := pdf.GetFillColor()
		coloured := tr != fr || tg != fg || tb != fb
		b := p.cellBuf[:0]
		if coloured {
			if c := [3]int{tr, tg, tb}; c != p.textRGB || p.textOp == nil {
				p.textRGB, p.textOp = c, appendRGB(p.textOp[:0], tr, tg, tb)
			}
			b = append(b, "q "...)
			b = append(b, p.textOp...)
			b = append(b, ' ')
		}
		b = append(b, "BT "...)
		b = strconv.AppendFloat(b, (x+dx)*k, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, (pageHeight-(y+.5*h+.3*fontSize))*k, 'f', 2, 64)
		b = append(b, " Td ("...)
		for i := range len(s) {
			switch c := s[i]; {
			case c == '\\' || c == '(' || c == ')':
				b = append(b, '\\')
			case c >= 128:
				p.used[(c-128)/64] |= 1 << ((c - 128) % 64)
			}
			b = append(b, s[i])
		}
		b = append(b, ")Tj ET"...)
		if coloured {
			b = append(b, " Q"...)
		}
		pdf.RawWriteStr(string(b))
		p.cellBuf = b
	}
	pdf.SetX(x + w)
}

// appendRGB appends the fill colour operator of r, g, b (0–255) as the PDF
// library writes it: "0.353 g" for a grey, "0.122 0.227 0.373 rg".
func appendRGB(b []byte, r, g, bl int) []byte {
	for _, v := range [...]int{r, g, bl} {
		b = strconv.AppendFloat(b, float64(min(max(v, 0), 255))/255, 'f', 3, 64)
		b = append(b, ' ')
		if r == g && r == bl {
			return append(b, 'g')
		}
	}
	return append(b, "rg"...)
}

// enc returns s as the current font needs it: as it is for the Unicode
// font, in its encoding for the 8-bit font (noting a character it lacks).
func (p *page) enc(s string) string {
	if p.f8 == nil {
		return s
	}
	e, ok := p.f8.encode(s)
	if !ok {
		p.uncovered = true
	}
	return e
}

// wrap splits s into lines that fit width w in the current font.
func (p *page) wrap(s string, w float64) []string {
	s = clean(s)
	if s == "" {
		return nil
	}
	if p.f8 == nil {
		return p.pdf.SplitText(s, w)
	}
	return p.split(s, w)
}

// split splits s into lines that fit width w in the 8-bit font the way
// fpdf's SplitText does: after the last space that fits, or inside a word
// longer than a line.
func (p *page) split(s string, w float64) []string {
	_, size := p.pdf.GetFontSize()
	wmax := int(math.Ceil((w - 2*p.pdf.GetCellMargin()) * 1000 / size))
	rs := []rune(strings.TrimRight(s, "\n"))
	var lines []string
	sep, i, j, l := -1, 0, 0, 0
	for i < len(rs) {
		c := rs[i]
		cw, ok := p.f8.width(c)
		if !ok {
			p.uncovered = true
		}
		l += cw
		if unicode.IsSpace(c) {
			sep = i
		}
		if c == '\n' || l > wmax {
			if sep == -1 {
				if i == j {
					i++
				}
				sep = i
			} else {
				i = sep + 1
			}
			lines = append(lines, string(rs[j:sep]))
			sep, j, l = -1, i, 0
		} else {
			i++
		}
	}
	if i != j {
		lines = append(lines, string(rs[j:i]))
	}
	return lines
}

// clean makes text printable: control and invisible characters are
// removed (tabs and line breaks become spaces), and a character the fonts
// lack becomes "?", so that the page shows no empty boxes (and the PDF
// library, which fails on characters outside the fonts, never sees one).
func clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !covered(r) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		case !covered(r):
			return '?'
		}
		return r
	}, s)
}

// coverage marks the characters of the Basic Multilingual Plane the Go
// font has a glyph for.
var coverage = func() *[0x10000 / 64]uint64 {
	var set [0x10000 / 64]uint64
	for _, ttf := range [][]byte{goregular.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("invoicepdf: the embedded Go font does not parse: " + err.Error())
		}
		var buf sfnt.Buffer
		for r := rune(0x20); r < 0x10000; r++ {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				set[r/64] |= 1 << (r % 64)
			}
		}
	}
	return &set
}()

// covered reports whether r can be printed: a character the fonts have
// and not a control or format character.
func covered(r rune) bool {
	if r < 0x7f {
		return r >= 0x20
	}
	return r < 0x10000 && coverage[r/64]&(1<<(r%64)) != 0 && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r)
}

// firstPage draws the first page's header, parties and invoice data, and
// returns where the lines start.
func (p *page) firstPage() float64 {
	d, pdf := p.d, p.pdf
	pdf.AddPage()
	y := top
	if p.r.logo != "" {
		info := pdf.GetImageInfo("logo")
		w, h := 50.0, 18.0
		if info != nil && info.Height() > 0 {
			if ratio := info.Width() / info.Height(); ratio*h < w {
				w = ratio * h
			} else {
				h = w / ratio
			}
		}
		pdf.ImageOptions("logo", left, y, w, h, false, fpdf.ImageOptions{ImageType: p.r.logo}, 0, "")
		y += h + 3
	}
	// Seller, top left.
	const sellerW = 94.0 // up to the invoice data column
	p.font(true, 12, false)
	for _, l := range p.wrap(d.Seller.Name, sellerW) {
		p.text(left, y, sellerW, l, "L")
		y += 5
	}
	p.font(false, 8.5, false)
	for _, l := range d.Seller.Address.Lines("FI") {
		for _, w := range p.wrap(l, sellerW) {
			p.text(left, y, sellerW, w, "L")
			y += 3.8
		}
	}
	p.font(false, 8, true)
	for _, l := range p.partyIDs(d.Seller, true) {
		for _, w := range p.wrap(l, sellerW) {
			p.text(left, y, sellerW, w, "L")
			y += 3.6
		}
	}

	// Title, page number and invoice data, top right.
	x := 112.0
	p.fontRGB(true, 16, p.r.accent)
	pdf.SetXY(x, top)
	p.cell(right-x, 7, p.enc(p.title()), "L")
	p.pageNumber()
	ry := top + 10
	const labelW = 31.0
	for _, kv := range p.invoiceData() {
		p.font(false, 8, true)
		p.text(x, ry, labelW, kv[0], "L")
		bold := kv[0] == p.t("data.amount-due")
		p.font(bold, 9, false)
		lines := p.wrap(kv[1], right-x-labelW)
		for i, l := range lines {
			p.text(x+labelW, ry+float64(i)*lineH, right-x-labelW, l, "L")
		}
		ry += float64(max(1, len(lines))) * lineH
	}

	// Buyer, left, where a window envelope shows it.
	by := max(y+4, 46.0)
	p.font(false, 7.5, true)
	p.text(left, by, 90, strings.ToUpper(p.t("party.buyer")), "L")
	by += 4
	p.font(true, 10, false)
	for _, l := range p.wrap(d.Buyer.Name, sellerW) {
		p.text(left, by, sellerW, l, "L")
		by += 4.6
	}
	p.font(false, 9, false)
	for _, l := range d.Buyer.Address.Lines("FI") {
		for _, w := range p.wrap(l, sellerW) {
			p.text(left, by, sellerW, w, "L")
			by += lineH
		}
	}
	p.font(false, 8, true)
	for _, l := range p.partyIDs(d.Buyer, false) {
		for _, w := range p.wrap(l, sellerW) {
			p.text(left, by, sellerW, w, "L")
			by += 3.6
		}
	}
	return max(by, ry) + 7
}

// pageNumber writes "Page n/N" at the top right.
func (p *page) pageNumber() {
	p.font(false, 7.5, true)
	p.text(150, top+1.5, right-150, pageOf(p.t("page"), p.pdf.PageNo()), "R")
}

// pageOf formats "Page n/{nb}": the total is filled in when the PDF is
// written.
func pageOf(format string, n int) string {
	s := fmt.Sprintf(format, n, 0)
	return strings.TrimSuffix(s, "0") + "{nb}"
}

// partyIDs returns the identifier and contact lines of a party.
func (p *page) partyIDs(party docparse.Party, seller bool) []string {
	var out []string
	if party.BusinessID != "" {
		out = append(out, p.t("party.business-id")+" "+party.BusinessID)
	}
	if party.VATID != "" && party.VATID != party.BusinessID {
		out = append(out, p.t("party.vat-id")+" "+party.VATID)
	}
	var contact []string
	if party.Contact != "" {
		contact = append(contact, party.Contact)
	}
	if party.Phone != "" {
		contact = append(contact, party.Phone)
	}
	if party.Email != "" && seller {
		contact = append(contact, party.Email)
	}
	if len(contact) > 0 {
		out = append(out, strings.Join(contact, " · "))
	}
	return out
}

// invoiceData returns the label-value pairs of the invoice data block.
func (p *page) invoiceData() [][2]string {
	d, l := p.d, p.lang
	var kv [][2]string
	add := func(key, v string) {
		if v != "" {
			kv = append(kv, [2]string{p.t(key), v})
		}
	}
	if d.Type == docparse.TypeCreditNote {
		add("data.credit-number", d.Number)
	} else {
		add("data.number", d.Number)
	}
	add("data.date", date(l, d.IssueDate))
	if p.payable {
		add("data.due", date(l, d.DueDate))
		add("data.terms", d.Payment.Terms)
	}
	for _, id := range d.CustomerNumbersByKind(docparse.KindCustomerNumber, docparse.KindSupplierAccount) {
		add("data.customer-number", id.Value)
		break
	}
	for _, id := range d.CustomerNumbersByKind(docparse.KindBuyerReference) {
		add("data.buyer-reference", id.Value)
		break
	}
	if p.payable {
		add("data.reference", printRef(d.PaymentReference))
		add("data.iban", payment.PrintIBAN(d.IBAN))
		add("data.bic", d.Payment.BIC)
		add("data.amount-due", money(l, d.AmountDue, d.Currency))
	} else if d.AmountDue != "" {
		add("data.refund", money(l, strings.TrimPrefix(d.AmountDue, "-"), d.Currency))
	}
	return kv
}

// printRef returns a valid reference grouped for reading, other text as
// written.
func printRef(s string) string {
	if r, err := payment.ParseReference(s); err == nil {
		return r.Print()
	}
	return s
}

// The columns of the lines table: x positions and widths.
var cols = [...]struct {
	w     float64
	key   string
	align string
}{
	{78, "lines.description", "L"},
	{18, "lines.quantity", "R"},
	{14, "lines.unit", "L"},
	{28, "lines.unit-price", "R"},
	{14, "lines.vat", "R"},
	{28, "lines.net", "R"},
}

// tableHead draws the heading row of the lines table at y and returns the
// y below it. With gross set the last column is the amount with VAT.
func (p *page) tableHead(y float64, gross bool) float64 {
	pdf := p.pdf
	pdf.SetFillColor(p.r.accent[0], p.r.accent[1], p.r.accent[2])
	pdf.Rect(left, y, right-left, 6, "F")
	p.fontRGB(true, 8, [3]int{255, 255, 255})
	x := left
	for _, c := range cols {
		key := c.key
		if gross && key == "lines.net" {
			key = "lines.gross"
		}
		pdf.SetXY(x, y+0.9)
		p.cell(c.w, lineH, p.enc(p.t(key)), c.align)
		x += c.w
	}
	return y + 7.5
}

// continuation starts a new page for more lines: a short header with the
// seller, the title, the number and the page.
func (p *page) continuation() float64 {
	pdf := p.pdf
	if pdf.PageNo() >= p.r.opts.MaxPages {
		// Too many pages: write over the last one; render refuses the
		// document.
		p.overflow = true
		return top + 10
	}
	pdf.AddPage()
	p.font(true, 10, false)
	p.text(left, top, 100, p.d.Seller.Name, "L")
	p.fontRGB(true, 11, p.r.accent)
	pdf.SetXY(118, top)
	p.cell(right-118, 5, p.enc(p.title()+" "+clean(p.d.Number)), "L")
	p.pageNumber()
	return top + 10
}

// lines draws the invoice lines from y, over further pages when needed,
// and returns the y below them, or -1 when they need more than MaxPages.
func (p *page) lines(y float64) float64 {
	d, l := p.d, p.lang
	if len(d.Lines) == 0 {
		return y
	}
	// A consumer invoice may give its lines with VAT only: then the
	// table shows prices and amounts with VAT, never a mix.
	gross := !slices.ContainsFunc(d.Lines, func(l docparse.Line) bool { return l.NetAmount != "" }) &&
		slices.ContainsFunc(d.Lines, func(l docparse.Line) bool { return l.GrossAmount != "" })
	y = p.tableHead(y, gross)
	for i, ln := range d.Lines {
		desc := ln.Description
		if desc == "" {
			desc, ln.Note = ln.Note, ""
		}
		p.font(false, 8.5, false)
		main := p.wrap(desc, cols[0].w-1)
		var sub []string
		detail := ln.Note
		if ln.ArticleID != "" {
			detail = strings.TrimSpace(p.t("lines.article") + " " + ln.ArticleID + "  " + ln.Note)
		}
		p.font(false, 7.5, true)
		sub = p.wrap(detail, cols[0].w-1)
		h := float64(max(1, len(main)))*lineH + float64(len(sub))*3.4 + 1.2
		if y+h > bottom-6 {
			p.font(false, 7.5, true)
			p.text(left, y+1, right-left, "… "+p.t("lines.continued"), "R")
			if p.pdf.PageNo() >= p.r.opts.MaxPages {
				return -1
			}
			y = p.tableHead(p.continuation(), gross)
		}
		if i%2 == 1 {
			p.pdf.SetFillColor(243, 245, 248)
			p.pdf.Rect(left, y-0.6, right-left, h, "F")
		}
		p.font(false, 8.5, false)
		for j, s := range main {
			p.text(left, y+float64(j)*lineH, cols[0].w, s, "L")
		}
		x := left + cols[0].w
		price, total := ln.UnitPrice, ln.NetAmount
		if gross {
			price, total = cmp.Or(ln.UnitPriceVATIncluded, ln.UnitPrice), ln.GrossAmount
		}
		price = amount(l, price)
		if price != "" && ln.PriceUnit != "" && !strings.HasPrefix(ln.PriceUnit, cmp.Or(d.Currency, "EUR")+"/") {
			price += " " + ln.PriceUnit
		}
		for k, v := range []string{number(l, ln.Quantity), unit(l, ln.Unit), price, number(l, ln.VATRate), amount(l, total)} {
			c := cols[k+1]
			p.text(x, y, c.w, v, c.align)
			x += c.w
		}
		p.font(false, 7.5, true)
		sy := y + float64(max(1, len(main)))*lineH
		for j, s := range sub {
			p.text(left, sy+float64(j)*3.4, cols[0].w, s, "L")
		}
		y += h
	}
	p.pdf.SetDrawColor(p.r.accent[0], p.r.accent[1], p.r.accent[2])
	p.pdf.SetLineWidth(0.3)
	p.pdf.Line(left, y, right, y)
	return y + 4
}

// room returns y, or the top of a new page when h does not fit below y.
func (p *page) room(y, h float64) float64 {
	if y+h <= bottom {
		return y
	}
	return p.continuation()
}

// summary draws the VAT breakdown (left) and the totals (right).
func (p *page) summary(y float64) float64 {
	d, l := p.d, p.lang
	var totals [][2]string
	add := func(key, v string) {
		if v != "" {
			totals = append(totals, [2]string{p.t(key), money(l, v, d.Currency)})
		}
	}
	add("totals.net", d.Totals.Net)
	add("totals.vat", d.Totals.VAT)
	add("totals.gross", d.Totals.Gross)
	add("totals.prepaid", d.Totals.Prepaid)
	add("totals.rounding", d.Totals.Rounding)
	due := ""
	if d.AmountDue != "" && (p.payable || d.Type == docparse.TypeCreditNote) {
		due = money(l, d.AmountDue, d.Currency)
	}
	h := float64(max(len(d.VAT)+2, len(totals)+2)) * lineH
	y = p.room(y, h+4)
	vy := y
	if len(d.VAT) > 0 {
		p.font(true, 8.5, false)
		p.text(left, vy, 90, p.t("vat.title"), "L")
		vy += lineH + 0.5
		p.font(false, 7.5, true)
		p.text(left, vy, 25, p.t("vat.rate"), "L")
		p.text(left+25, vy, 35, p.t("vat.taxable"), "R")
		p.text(left+60, vy, 30, p.t("vat.amount"), "R")
		vy += lineH
		p.font(false, 8.5, false)
		for _, v := range d.VAT {
			rate := number(l, v.Rate) + " %"
			if v.Rate == "" {
				rate = v.Category
			}
			p.text(left, vy, 25, rate, "L")
			p.text(left+25, vy, 35, amount(l, v.TaxableAmount), "R")
			p.text(left+60, vy, 30, amount(l, v.Amount), "R")
			vy += lineH
			if v.Exemption != "" {
				p.font(false, 7.5, true)
				for _, s := range p.wrap(v.Exemption, 90) {
					p.text(left, vy, 90, s, "L")
					vy += 3.4
				}
				p.font(false, 8.5, false)
			}
		}
	}
	ty := y
	x := 118.0
	for _, kv := range totals {
		p.font(false, 8.5, false)
		p.text(x, ty, 45, kv[0], "L")
		p.text(x+45, ty, right-x-45, kv[1], "R")
		ty += lineH
	}
	if due != "" {
		ty += 1
		p.pdf.SetDrawColor(p.r.accent[0], p.r.accent[1], p.r.accent[2])
		p.pdf.SetLineWidth(0.4)
		p.pdf.Line(x, ty, right, ty)
		ty += 1.2
		p.font(true, 10.5, false)
		label := p.t("totals.due")
		if !p.payable {
			label = p.t("data.refund")
			due = money(l, strings.TrimPrefix(d.AmountDue, "-"), d.Currency)
		}
		p.pdf.SetXY(x, ty)
		p.cell(45, 5.5, p.enc(label), "L")
		p.cell(right-x-45, 5.5, p.enc(due), "R")
		ty += 6
	}
	return max(vy, ty) + 5
}

// notes draws the document's notes.
func (p *page) notes(y float64) float64 {
	if len(p.d.Notes) == 0 {
		return y
	}
	y = p.room(y, 2*lineH)
	p.font(true, 8.5, false)
	p.text(left, y, 100, p.t("notes.title"), "L")
	y += lineH + 0.5
	p.font(false, 8.5, false)
	for _, n := range p.d.Notes {
		if p.overflow {
			break
		}
		if len(n) > maxNote {
			n = strings.ToValidUTF8(n[:maxNote], "") + "…"
		}
		for _, s := range p.wrap(n, right-left) {
			y = p.room(y, lineH)
			p.text(left, y, right-left, s, "L")
			y += lineH
		}
	}
	return y + 3
}

// maxNote is the longest note printed, in bytes: about three pages.
const maxNote = 20000

// paymentPart draws the bank transfer form at the bottom of the last page
// (on a new page if the last has no room), or says why there is none.
func (p *page) paymentPart(y float64) {
	d := p.d
	switch {
	case d.Type == docparse.TypeCreditNote:
		y = p.room(y, lineH)
		p.font(false, 8.5, true)
		p.text(left, y, right-left, p.t("pay.credit"), "L")
		return
	case p.noForm != nil:
		msg := p.noForm.Error()
		var pe *payment.Error
		if errors.As(p.noForm, &pe) {
			msg = pe.Message(p.lang)
		}
		p.font(false, 8.5, false)
		lines := p.wrap(fmt.Sprintf(p.t("pay.no-form"), msg), right-left)
		y = p.room(y, float64(len(lines))*lineH)
		for _, s := range lines {
			p.text(left, y, right-left, s, "L")
			y += lineH
		}
		return
	case p.barcode == "":
		return
	}
	if y > formTop-4 {
		p.continuation()
	}
	p.form()
}

// form draws the standard Finnish bank transfer form (tilisiirtolomake)
// in the lowest 101.6 mm of the page.
func (p *page) form() {
	d, pdf, l := p.d, p.pdf, p.lang
	y0 := formTop
	x0, xm, x1 := 12.0, 105.0, 200.0
	lab := 24.0 // width of the label column
	// The cut line.
	pdf.SetDrawColor(120, 120, 120)
	pdf.SetLineWidth(0.2)
	pdf.SetDashPattern([]float64{1.5, 1.2}, 0)
	pdf.Line(0, y0, pageW, y0)
	pdf.SetDashPattern(nil, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.35)

	rows := []float64{y0 + 4, y0 + 20, y0 + 33, y0 + 52, y0 + 61, y0 + 70}
	// Left block: account, payee, payer; then signature and from-account.
	for i, ry := range rows {
		if i < 3 { // the right half of the upper rows is open
			pdf.Line(x0, ry, xm, ry)
		} else {
			pdf.Line(x0, ry, x1, ry)
		}
	}
	pdf.Line(x0, rows[0], x0, rows[5])
	pdf.Line(x0+lab, rows[0], x0+lab, rows[5])
	pdf.Line(xm, rows[0], xm, rows[5])
	pdf.Line(x1, rows[3], x1, rows[5])
	pdf.Line(xm+lab-4, rows[3], xm+lab-4, rows[5])
	pdf.Line(155, rows[4], 155, rows[5])
	pdf.Line(166, rows[4], 166, rows[5])

	label := func(x, y, w float64, key string) {
		p.font(false, 6.5, true)
		for i, s := range p.wrap(p.t(key), w-1.5) {
			p.text(x+0.8, y+0.6+float64(i)*2.9, w-1.5, s, "L")
		}
	}
	label(x0, rows[0], lab, "form.account")
	label(x0, rows[1], lab, "form.payee")
	label(x0, rows[2], lab, "form.payer")
	label(x0, rows[3], lab, "form.sign")
	label(x0, rows[4], lab, "form.from")
	label(xm, rows[3], lab-4, "form.reference")
	label(xm, rows[4], lab-4, "form.due")
	label(155, rows[4], 11, "form.euro")

	cx := x0 + lab + 2
	p.font(false, 7, true)
	p.text(cx, rows[0]+1, 20, "IBAN", "L")
	p.font(true, 10, false)
	p.text(cx, rows[0]+4.5, xm-cx, payment.PrintIBAN(d.IBAN), "L")
	if d.Payment.BIC != "" {
		p.font(false, 7, true)
		p.text(cx, rows[0]+10, 20, "BIC", "L")
		p.font(true, 10, false)
		p.text(cx+10, rows[0]+10, xm-cx-10, d.Payment.BIC, "L")
	}
	p.font(false, 9, false)
	py := rows[1] + 1
	for _, s := range append(p.wrap(d.Seller.Name, xm-cx-2), d.Seller.Address.Lines("FI")...) {
		if py+lineH > rows[2] {
			break
		}
		p.text(cx, py, xm-cx-2, s, "L")
		py += 3.8
	}
	py = rows[2] + 1
	for _, s := range append(p.wrap(d.Buyer.Name, xm-cx-2), d.Buyer.Address.Lines("FI")...) {
		if py+lineH > rows[3] {
			break
		}
		p.text(cx, py, xm-cx-2, s, "L")
		py += 3.8
	}
	// Signature line.
	pdf.SetLineWidth(0.2)
	pdf.Line(cx, rows[4]-2, xm-4, rows[4]-2)
	pdf.SetLineWidth(0.35)

	p.font(true, 10, false)
	p.text(xm+lab-2, rows[3]+2.5, x1-xm-lab, printRef(d.PaymentReference), "L")
	p.text(xm+lab-2, rows[4]+2.5, 155-xm-lab, date(l, d.DueDate), "L")
	p.text(166, rows[4]+2.5, x1-167, amount(l, d.AmountDue), "R")

	// Title, vertical at the left edge.
	pdf.TransformBegin()
	pdf.TransformRotate(90, 8, rows[5])
	p.font(true, 8, false)
	p.text(8, rows[5]-3.5, rows[5]-rows[0], p.t("form.title"), "C")
	pdf.TransformEnd()

	// Right top: invoice number and the QR code.
	p.font(false, 7, true)
	p.text(xm+3, rows[0]+1, 50, p.t("data.number"), "L")
	p.font(true, 9, false)
	p.text(xm+3, rows[0]+4.5, 55, d.Number, "L")
	if p.epc != "" && !p.uncovered && p.qr(x1-38, rows[0]-1, 38) {
		p.font(false, 7, true)
		p.text(xm+3, rows[0]+12, x1-xm-42, p.t("pay.qr")+" →", "L")
	}
	p.font(false, 6, true)
	for i, s := range p.wrap(p.t("form.note"), x1-xm-44) {
		if i < 5 {
			p.text(xm+3, rows[0]+30+float64(i)*2.6, x1-xm-44, s, "L")
		}
	}

	// The bank barcode and its virtual barcode in text.
	p.code128(x0+8, rows[5]+4, 0.3, 13)
	p.font(false, 7, true)
	p.text(x0+8, rows[5]+18.5, 100, p.t("pay.virtual"), "L")
	p.font(false, 8.5, false)
	p.text(x0+8, rows[5]+21.5, 120, p.barcode, "L")
}

// code128 draws the bank barcode at x, y with the given module width and
// bar height, and reports whether it could be drawn.
func (p *page) code128(x, y, module, h float64) bool {
	bc, err := code128.Encode(p.barcode)
	if err != nil {
		return false
	}
	p.pdf.SetFillColor(0, 0, 0)
	n := bc.Bounds().Dx()
	g := newGrid(p.pdf, x, y, module, h, 0, 0, n/2)
	for i := 0; i < n; {
		if !dark(bc.At(i, 0)) {
			i++
			continue
		}
		j := i
		for j < n && dark(bc.At(j, 0)) {
			j++
		}
		g.rect(i, 0, j-i, 1)
		i = j
	}
	g.end()
	return true
}

// qr draws the EPC QR code at x, y, size mm wide including its quiet
// zone, and reports whether it could be drawn. Each run of dark modules in
// a row is one rectangle, or the same run in rows below each other.
func (p *page) qr(x, y, size float64) bool {
	m, ok := encodeQR([]byte(p.epc))
	if !ok { // longer than an EPC payload may be: the general encoder
		code, err := qr.Encode(p.epc, qr.M, qr.Unicode)
		if err != nil {
			return false
		}
		n := code.Bounds().Dx()
		m = &qrMatrix{size: n, dark: make([]bool, n*n)}
		for i := range m.dark {
			m.dark[i] = dark(code.At(i%n, i/n))
		}
	}
	n := m.size
	mod := size / float64(n+8) // a quiet zone of 4 modules each side
	p.pdf.SetFillColor(0, 0, 0)
	// run[r*n+c] is the length of the run of dark modules from column c
	// of row r; a run the same in the rows below is one rectangle.
	run := make([]uint8, n*n) // n ≤ 177
	runs := 0
	for r := range n {
		row := m.dark[r*n : (r+1)*n]
		for c := 0; c < n; {
			if !row[c] {
				c++
				continue
			}
			e := c
			for e < n && row[e] {
				e++
			}
			run[r*n+c] = uint8(e - c)
			runs++
			c = e
		}
	}
	// A hair wider and taller, so that no white seams show between modules.
	g := newGrid(p.pdf, x+4*mod, y+4*mod, mod, mod, 0.01, 0.01, runs)
	for r := range n {
		for c, w := range run[r*n : (r+1)*n] {
			if w == 0 {
				continue
			}
			h := 1
			for ; r+h < n && run[(r+h)*n+c] == w; h++ {
				run[(r+h)*n+c] = 0
			}
			g.rect(c, r, int(w), h)
		}
	}
	g.end()
	return true
}

// grid draws filled rectangles on a grid of cells: the page content has a
// transformation to the grid and then only the cells' whole numbers,
// instead of four lengths in points for every rectangle. Each rectangle is
// filled on its own, as the PDF library's Rect does: a viewer aligns the
// edges of a single filled rectangle with its pixels (Acrobat and Poppler
// do), which keeps the modules crisp on screen.
type grid struct {
	pdf          *fpdf.Fpdf
	bp           *[]byte // buf's buffer from gridBuffers
	buf          []byte
	growW, growH string // the fractions of a cell each rectangle is wider and taller
}

// newGrid starts a grid whose cells are w × h mm, the top left of cell 0,
// 0 at x, y, and whose rectangles are growW mm wider and growH mm taller
// than their cells (each less than a cell), with room for about rects
// rectangles.
func newGrid(pdf *fpdf.Fpdf, x, y, w, h, growW, growH float64, rects int) grid {
	k := pdf.GetConversionRatio()
	_, pageHeight := pdf.GetPageSize()
	bp := gridBuffers.Get().(*[]byte)
	if cap(*bp) < 64+24*rects {
		*bp = make([]byte, 0, 64+24*rects)
	}
	g := grid{pdf: pdf, bp: bp, buf: (*bp)[:0], growW: fraction(growW / w), growH: fraction(growH / h)}
	g.buf = append(g.buf, "q "...)
	g.buf = strconv.AppendFloat(g.buf, w*k, 'f', 4, 64)
	g.buf = append(g.buf, " 0 0 "...)
	for _, v := range [...]float64{-h * k, x * k, (pageHeight - y) * k} {
		g.buf = strconv.AppendFloat(g.buf, v, 'f', 4, 64)
		g.buf = append(g.buf, ' ')
	}
	g.buf = append(g.buf, "cm\n"...)
	return g
}

// fraction returns the decimals of v (0 ≤ v < 1) to three places, with
// their point: ".013"; "" for none.
func fraction(v float64) string {
	s := strings.TrimRight(strconv.FormatFloat(v, 'f', 3, 64), "0")
	if s == "0." || !strings.HasPrefix(s, "0.") {
		return ""
	}
	return s[1:]
}

// rect fills w × h cells from column c of row r.
func (g *grid) rect(c, r, w, h int) {
	g.buf = strconv.AppendInt(g.buf, int64(c), 10)
	g.buf = append(g.buf, ' ')
	g.buf = strconv.AppendInt(g.buf, int64(r), 10)
	g.buf = append(g.buf, ' ')
	g.buf = strconv.AppendInt(g.buf, int64(w), 10)
	g.buf = append(g.buf, g.growW...)
	g.buf = append(g.buf, ' ')
	g.buf = strconv.AppendInt(g.buf, int64(h), 10)
	g.buf = append(g.buf, g.growH...)
	g.buf = append(g.buf, " re f\n"...)
}

// end writes the rectangles to the page.
func (g *grid) end() {
	g.buf = append(g.buf, 'Q')
	g.pdf.RawWriteBuf(bytes.NewReader(g.buf)) // as RawWriteStr, without a copy to a string
	*g.bp = g.buf[:0]
	gridBuffers.Put(g.bp)
}

// gridBuffers are the buffers of grids.
var gridBuffers = sync.Pool{New: func() any { return new([]byte) }}

// dark reports whether a barcode pixel is a bar.
func dark(c interface{ RGBA() (r, g, b, a uint32) }) bool {
	r, _, _, _ := c.RGBA()
	return r < 0x8000
}
