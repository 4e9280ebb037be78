package distribution

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"slices"
	"strings"
	texttemplate "text/template"
	"unicode"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/docparse/payment"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
)

//go:embed templates
var builtinTemplates embed.FS

// MailData is what the e-mail templates are executed with. Dates and the
// amount are already formatted for the e-mail's language; Doc holds every
// field as parsed.
type MailData struct {
	Lang       string             // "fi", "sv", "en" or a language added with AddLanguage
	Doc        *docparse.Document // the document as parsed
	CreditNote bool               // the document is a credit note
	Number     string             // document number
	Seller     string             // seller's name
	Buyer      string             // buyer's name
	IssueDate  string             // formatted issue date, "" if none
	DueDate    string             // formatted due date, "" if none
	Amount     string             // formatted amount due with currency, "" if none
	Reference  string             // payment reference as printed (groups of digits), "" if none
	IBAN       string             // payee account as printed (groups of four), "" if none
	HasPDF     bool               // a PDF is attached: the document's own or its rendered invoice image
	Rendered   bool               // the attached PDF is the invoice image rendered by jakelu
	XML        bool               // the XML is attached (false in the scan profile's e-mail, which has the PDF only)
	Source     Source             // where the recipients came from
	// Operator is the name of the service sending the e-mail on the
	// seller's behalf (Settings.Operator, or the domain of Settings.From).
	Operator string
	// SellerID is the seller's business ID (Y-tunnus), "" if the document
	// gives none; SellerVATID its VAT number, "" if none. The built-in
	// templates show the business ID, or else the VAT number.
	SellerID, SellerVATID string
	// SellerEmail and SellerPhone are the seller's contact as the
	// document gives it; "" if none.
	SellerEmail, SellerPhone string
	// CustomerNumber is the customer number whose directory entry gave the
	// recipients, "" when they came from the document.
	CustomerNumber string
}

// mailTemplate is one language's templates.
type mailTemplate struct {
	text *texttemplate.Template // defines "subject" and "text"
	html *htmltemplate.Template // defines "html"; nil for no HTML part
}

// loadTemplates parses every language's templates, taking each file from
// custom when it has it, from the files given to AddLanguage for an added
// language and from the built-in set otherwise.
func loadTemplates(custom fs.FS) (map[string]*mailTemplate, error) {
	builtin, _ := fs.Sub(builtinTemplates, "templates")
	langs := Languages()
	added.RLock()
	defer added.RUnlock()
	out := make(map[string]*mailTemplate, len(langs))
	for _, lang := range langs {
		fallback := builtin
		if f, ok := added.files[lang]; ok {
			fallback = f
		}
		mt, err := parseTemplates(lang, func(name string) (fs.FS, error) {
			if custom != nil {
				if _, err := fs.Stat(custom, name); err == nil {
					return custom, nil
				} else if !errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("distribution: template %s: %w", name, err)
				}
			}
			return fallback, nil
		})
		if err != nil {
			return nil, err
		}
		out[lang] = mt
	}
	return out, nil
}

// parseTemplates parses lang's templates, <lang>.txt.tmpl (which must
// define "subject" and "text") and <lang>.html.tmpl ("html", or no HTML
// part), from the file system pick gives for each name.
func parseTemplates(lang string, pick func(name string) (fs.FS, error)) (*mailTemplate, error) {
	var mt mailTemplate
	name := lang + ".txt.tmpl"
	fsys, err := pick(name)
	if err != nil {
		return nil, err
	}
	if mt.text, err = texttemplate.New(name).Option("missingkey=error").ParseFS(fsys, name); err != nil {
		return nil, fmt.Errorf("distribution: template %s: %w", name, err)
	}
	for _, def := range []string{"subject", "text"} {
		if mt.text.Lookup(def) == nil {
			return nil, fmt.Errorf("distribution: template %s does not define %q", name, def)
		}
	}
	name = lang + ".html.tmpl"
	if fsys, err = pick(name); err != nil {
		return nil, err
	}
	if mt.html, err = htmltemplate.New(name).Option("missingkey=error").ParseFS(fsys, name); err != nil {
		return nil, fmt.Errorf("distribution: template %s: %w", name, err)
	}
	if mt.html.Lookup("html") == nil {
		mt.html = nil
	}
	return &mt, nil
}

// TooLargeError reports an e-mail that would exceed the router's size
// limit. Raise Options.MaxMessageSize only if the mail server accepts more;
// otherwise the document must be delivered another way.
type TooLargeError struct {
	Number string // document number
	Size   int64  // the e-mail's estimated size in bytes
	Limit  int64  // the limit
}

// Error states the sizes and what to do.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("distribution: the e-mail for document %q would be about %d bytes, over the limit of %d bytes; "+
		"raise Options.MaxMessageSize if the mail server accepts larger messages, or deliver the document another way",
		e.Number, e.Size, e.Limit)
}

// ErrTooLarge is matched by every [*TooLargeError].
var ErrTooLarge = errors.New("distribution: e-mail too large")

// Unwrap returns [ErrTooLarge].
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// Message explains the problem to the person who handles the document, in
// lang ("fi", "sv" or "en"; anything else gives English): sizes in
// kilobytes, rounded up.
func (e *TooLargeError) Message(lang string) string {
	kb := func(n int64) int64 { return (n + 1023) / 1024 }
	return i18n.Text(lang, "distribution.too-large", e.Number, kb(e.Size), kb(e.Limit))
}

// Compose writes the e-mail for doc to the recipients of plan, without
// sending it: localized subject, text and HTML bodies from the templates,
// the document's PDFs and its XML attached. The Message-ID is derived from
// the company, the document number, the document's bytes and the
// recipients, so composing the same document for the same recipients again
// gives the same Message-ID. When every recipient has the scan delivery
// profile (registry.ProfileScan) the e-mail is the scanning service's:
// exactly one PDF named <number>.pdf (the document's, or else the invoice
// image rendered from it), no XML, a plain-text body, the number in the
// subject; a PDF over Settings.ScanMaxSize gives a [*ScanTooLargeError]. A
// plan with both kinds of recipient gives [ErrMixedProfiles]. It returns a
// [*TooLargeError] when the e-mail
// would exceed the size limit and a [*TooManyRecipientsError] when the plan
// has more recipients than Options.MaxRecipients.
func (r *Router) Compose(doc *docparse.Document, plan *Plan) (*transport.Message, error) {
	switch {
	case r == nil || r.templates == nil:
		return nil, ErrNotCreated
	case doc == nil:
		return nil, ErrNilDocument
	case plan == nil:
		return nil, errors.New("distribution: Compose needs a plan (nil *Plan); pass the one Router.Plan returned")
	}
	to, cc := plan.Addresses()
	if n := len(to) + len(cc); n > r.maxRecipients() {
		return nil, &TooManyRecipientsError{Number: doc.Number, Count: n, Max: r.maxRecipients()}
	}
	switch std, scan := plan.byProfile(); {
	case scan != nil && std != nil:
		return nil, ErrMixedProfiles
	case scan != nil:
		return r.composeScan(doc, scan)
	}
	msg := r.newMessage(doc, to, cc)

	mt := r.templateFor(plan.Language)
	pdfs := r.pdfs(doc, plan)
	for {
		msg.Attachments = slices.Clone(pdfs)
		if len(doc.XML) > 0 {
			msg.Attachments = append(msg.Attachments, transport.Attachment{Filename: r.fileName(doc, plan.Language, 1, "xml"), ContentType: "application/xml", Data: doc.XML})
		}
		if err := r.writeBody(msg, mt, r.mailData(doc, plan, len(pdfs) > 0, len(doc.XML) > 0), plan.Language); err != nil {
			return nil, err
		}
		size := estimateSize(msg)
		if size <= r.maxSize {
			break
		}
		if plan.PDF.Code != PDFRendered {
			return nil, &TooLargeError{Number: doc.Number, Size: size, Limit: r.maxSize}
		}
		// The image alone must not stop the delivery: send the XML.
		pdfs, plan.PDF = nil, PDFChoice{Code: PDFTooLarge}
	}
	return msg, nil
}

// writeBody executes the subject, text and HTML templates into msg.
func (r *Router) writeBody(msg *transport.Message, mt *mailTemplate, data MailData, lang string) error {
	var buf bytes.Buffer
	if err := mt.text.ExecuteTemplate(&buf, "subject", data); err != nil {
		return fmt.Errorf("distribution: subject template (%s): %w", lang, err)
	}
	msg.Subject = strings.Join(strings.Fields(buf.String()), " ")
	buf.Reset()
	if err := mt.text.ExecuteTemplate(&buf, "text", data); err != nil {
		return fmt.Errorf("distribution: text template (%s): %w", lang, err)
	}
	msg.Text = buf.String()
	if mt.html != nil {
		buf.Reset()
		if err := mt.html.ExecuteTemplate(&buf, "html", data); err != nil {
			return fmt.Errorf("distribution: HTML template (%s): %w", lang, err)
		}
		msg.HTML = buf.String()
	}
	return nil
}

// pdfs returns the PDF attachments of doc's e-mail: the document's own, or
// its rendered invoice image as plan.PDF says. When rendering fails it
// records why in plan.PDF and returns none: the e-mail goes without it.
func (r *Router) pdfs(doc *docparse.Document, plan *Plan) []transport.Attachment {
	if plan.PDF.Code == "" { // a plan not made by Plan
		plan.PDF = r.pdfChoice(doc)
	}
	var out []transport.Attachment
	switch plan.PDF.Code {
	case PDFDocument:
		for _, a := range doc.Attachments {
			if a.IsPDF() {
				out = append(out, transport.Attachment{Filename: r.fileName(doc, plan.Language, len(out)+1, "pdf"), ContentType: "application/pdf", Data: a.Data})
			}
		}
	case PDFRendered:
		img, err := r.image.Render(doc, plan.Language)
		if err != nil {
			plan.PDF = PDFChoice{Code: PDFRenderFailed, Err: err}
			return nil
		}
		plan.PDF.Pages = img.Pages
		out = append(out, transport.Attachment{Filename: r.fileName(doc, plan.Language, 1, "pdf"), ContentType: "application/pdf", Data: img.PDF})
	}
	return out
}

// fileName names the n-th attachment of kind ext ("pdf", "xml") of doc's
// e-mail in lang: "lasku-123.pdf", "hyvityslasku-123.pdf" in Finnish,
// "invoice-123-2.pdf" for a second PDF in English.
func (r *Router) fileName(doc *docparse.Document, lang string, n int, ext string) string {
	key := "distribution.file.invoice"
	if doc.Type == docparse.TypeCreditNote {
		key = "distribution.file.credit-note"
	}
	name := safeFileName(i18n.Text(lang, key) + "-" + doc.Number)
	if n > 1 {
		name = fmt.Sprintf("%s-%d", name, n)
	}
	return name + "." + ext
}

// mailData prepares the template data for doc in the plan's language;
// hasPDF and xml say whether the e-mail carries a PDF and the XML.
func (r *Router) mailData(doc *docparse.Document, plan *Plan, hasPDF, xml bool) MailData {
	lang := plan.Language
	d := MailData{
		Lang:        lang,
		Doc:         doc,
		CreditNote:  doc.Type == docparse.TypeCreditNote,
		Number:      doc.Number,
		Seller:      doc.Seller.Name,
		Buyer:       doc.Buyer.Name,
		IssueDate:   i18n.FormatDate(lang, doc.IssueDate),
		DueDate:     i18n.FormatDate(lang, doc.DueDate),
		Amount:      amount(lang, doc.AmountDue, doc.Currency),
		Reference:   printRef(doc.PaymentReference),
		IBAN:        payment.PrintIBAN(doc.IBAN),
		HasPDF:      hasPDF,
		Rendered:    hasPDF && plan.PDF.Code == PDFRendered,
		XML:         xml,
		Source:      plan.Source,
		Operator:    r.settings.operator(),
		SellerID:    doc.Seller.BusinessID,
		SellerVATID: doc.Seller.VATID,
		SellerEmail: doc.Seller.Email,
		SellerPhone: doc.Seller.Phone,
	}
	for _, rc := range plan.To {
		if rc.Source == SourceDirectory {
			d.CustomerNumber = rc.CustomerNumber
			break
		}
	}
	return d
}

// amount writes an amount with its currency as lang writes it: euros with
// the sign ("250,33 €" in Finnish, "€250.33" in English), other currencies
// by code ("1 000,00 SEK").
func amount(lang, value, currency string) string {
	if value != "" && strings.EqualFold(currency, "EUR") {
		return i18n.Text(lang, "distribution.amount.eur", i18n.FormatAmount(lang, value, ""))
	}
	return i18n.FormatAmount(lang, value, currency)
}

// printRef writes a valid payment reference as people read it (a Finnish
// reference in groups of five without leading zeros, an RF reference in
// groups of four), other text as written.
func printRef(s string) string {
	if r, err := payment.ParseReference(s); err == nil {
		return r.Print()
	}
	// Leading zeros (written to fill a 20-digit field) change no check
	// digit.
	if t := strings.TrimLeft(s, "0"); t != s && t != "" {
		if r, err := payment.ParseReference(t); err == nil && r.Kind == payment.RefFinnish {
			return r.Print()
		}
	}
	return s
}

// messageID derives the Message-ID from the company, the document number,
// a hash of the document and the recipients.
func (r *Router) messageID(doc *docparse.Document, to, cc []string) string {
	docHash := sha256.Sum256(doc.XML)
	rcpts := make([]string, 0, len(to)+len(cc))
	for _, a := range append(slices.Clone(to), cc...) {
		rcpts = append(rcpts, address.Key(a))
	}
	slices.Sort(rcpts)
	h := sha256.New()
	for _, part := range []string{r.settings.Company, doc.Number, hex.EncodeToString(docHash[:]), strings.Join(rcpts, ",")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	domain := r.settings.From[strings.LastIndexByte(r.settings.From, '@')+1:]
	if ascii, err := address.ToASCII("x@" + domain); err == nil {
		domain = ascii[2:]
	}
	return "jakelu." + hex.EncodeToString(h.Sum(nil)[:20]) + "@" + domain
}

// estimateSize returns the e-mail's size as sent, closely enough for a
// limit: base64 makes attachments 4/3 larger plus line breaks.
func estimateSize(m *transport.Message) int64 {
	size := int64(4096 + len(m.Subject) + 2*len(m.Text) + 2*len(m.HTML))
	for _, a := range m.Attachments {
		size += int64(len(a.Data)+2)/3*4*78/76 + 512
	}
	return size
}

func addressList(addrs []string) []mail.Address {
	out := make([]mail.Address, len(addrs))
	for i, a := range addrs {
		out[i] = mail.Address{Address: a}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// cleanName makes a display name safe for a header: control characters
// become spaces, runs of white space collapse, and the length is capped.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

// safeFileName turns a document number into a file name without path
// separators or characters mail clients and file systems mangle.
func safeFileName(number string) string {
	var b strings.Builder
	under := false
	for _, r := range number {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "._-")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	if s == "" {
		return "document"
	}
	return s
}

// newMessage returns the e-mail's envelope and headers, the same for the
// standard e-mail and the scan one: From (the seller's name at the
// company's address), To, Cc, Reply-To (the company's, else the seller's),
// the Message-ID, the date and Auto-Submitted.
func (r *Router) newMessage(doc *docparse.Document, to, cc []string) *transport.Message {
	s := r.settings
	msg := &transport.Message{
		From:      mail.Address{Name: cleanName(firstNonEmpty(s.FromName, doc.Seller.Name)), Address: s.From},
		To:        addressList(to),
		Cc:        addressList(cc),
		MessageID: r.messageID(doc, to, cc),
		Date:      r.now(),
		Headers:   map[string]string{"Auto-Submitted": "auto-generated"},
	}
	if reply := firstNonEmpty(s.ReplyTo, doc.Seller.Email); reply != "" {
		msg.ReplyTo = []mail.Address{{Address: reply}}
	}
	return msg
}

// templateFor returns the templates of lang, or of the default language.
func (r *Router) templateFor(lang string) *mailTemplate {
	mt := r.templates[lang]
	if mt == nil {
		mt = addedTemplate(lang) // added after the router was made
	}
	if mt == nil {
		mt = r.templates[DefaultLanguage]
	}
	return mt
}
