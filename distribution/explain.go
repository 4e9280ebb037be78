package distribution

import (
	"strings"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
)

// Explain renders the plan as short sentences, the routing steps and then
// which PDF the e-mail carries, in lang ("fi", "sv" or "en";
// anything else gives English), for a support person or the customer
// service screen of a host app.
func (p *Plan) Explain(lang string) string {
	if p == nil {
		return ""
	}
	parts := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		parts = append(parts, s.Explain(lang))
	}
	if e := p.pdfExplain(lang); e != "" {
		parts = append(parts, e)
	}
	return strings.Join(parts, " ")
}

// pdfExplain explains the plan's PDF. When every recipient has the scan
// delivery profile the e-mail carries exactly one PDF and no XML (see
// composeScan): the document's own, or else the invoice image, which the
// scanning service gets even when the company has switched images off
// for the standard e-mail. A plan with both kinds of recipient explains
// the standard e-mail's PDF; its scan recipients' step says what they get.
func (p *Plan) pdfExplain(lang string) string {
	if p.allScan() {
		switch p.PDF.Code {
		case PDFDocument:
			return i18n.Text(lang, "distribution.pdf.document-pdf-only")
		case PDFRendered, PDFOff:
			return i18n.Text(lang, "distribution.pdf.rendered-only")
		}
	}
	return p.PDF.Explain(lang)
}

// allScan reports whether the plan has recipients and every one of them
// has the scan delivery profile.
func (p *Plan) allScan() bool {
	std, scan := p.byProfile()
	return std == nil && scan != nil
}

// Explain renders the step as one sentence in lang ("fi", "sv", "en" or a
// language added with [AddLanguage]; anything else gives English). The
// sentences are the texts distribution.step.<code> of the translation
// files. They are for people who do not read XML: an address in the
// document is named by what it is ("the buyer's contact e-mail"), and the
// element path it was found at is only in Step.Path, for developers.
func (s Step) Explain(lang string) string {
	key, _ := stepKeys.Key(string(s.Code))
	switch s.Code {
	case StepDisabled, StepDocumentOff, StepDocumentNone, StepDirectoryOff, StepNoCustomerNumber, StepDirectoryNotTried:
		return i18n.Text(lang, key)
	case StepDocumentAddress:
		return i18n.Text(lang, key, s.Address, where(lang, s.Path))
	case StepDocumentInvalid:
		return i18n.Text(lang, key, s.Address, where(lang, s.Path), s.Reason.Message(lang))
	case StepCustomerSkipped:
		return i18n.Text(lang, key, s.CustomerNumber, kind(lang, s.Kind))
	case StepDirectoryHit:
		addrs := strings.Join(s.To, ", ")
		if len(s.Cc) > 0 {
			addrs += "; " + i18n.Text(lang, "distribution.step.directory-hit.copy") + " " + strings.Join(s.Cc, ", ")
		}
		hit := i18n.Text(lang, key, capitalize(kind(lang, s.Kind)), s.CustomerNumber, addrs)
		if s.Profile == registry.ProfileScan {
			hit += " " + i18n.Text(lang, "distribution.step.directory-hit.scan")
		}
		return hit
	case StepDirectoryMiss:
		return i18n.Text(lang, key, capitalize(kind(lang, s.Kind)), s.CustomerNumber)
	case StepDocumentMore:
		return i18n.Text(lang, key, s.Count)
	case StepSuppressed:
		if s.Suppression == nil {
			return s.Address
		}
		return s.Suppression.Message(lang) + "."
	case StepTooManyRecipients:
		return i18n.Text(lang, key, s.Count, s.Max)
	case StepDecision:
		if key, ok := decisionKeys.Key(string(s.Source)); ok {
			return i18n.Text(lang, key)
		}
		return ""
	}
	return string(s.Code)
}

// kind names an identifier kind in lang, "" for a kind without a name.
func kind(lang string, k docparse.IDKind) string {
	key, ok := kindKeys.Key(string(k))
	if !ok {
		return ""
	}
	return i18n.Text(lang, key)
}

// The keys of the steps', kinds' and decisions' texts.
var (
	stepKeys     = i18n.Prefix("distribution.step.")
	kindKeys     = i18n.Prefix("distribution.kind.")
	decisionKeys = i18n.Prefix("distribution.decision.")
	pdfKeys      = i18n.Prefix("distribution.pdf.")
)

// where says in words, in lang, what the address at an element path of a
// document is, such as "the buyer's contact e-mail": the sentences are for
// people who do not read XML. The path itself stays in Step.Path (and
// Recipient.Path) for developers.
func where(lang, path string) string {
	return i18n.Text(lang, whereKey(path))
}

// whereKey returns the key of the text that names what the address at the
// element path is, from the element names the formats use: the invoice
// recipient's (Finvoice InvoiceRecipient…, CII InvoiceeTradeParty), the
// buyer's accounts contact's (UBL AccountsContact), the buyer's contact's
// (Contact, DefinedTradeContact, Finvoice BuyerCommunicationDetails), the
// buyer's electronic address (UBL EndpointID, CII URIUniversalCommunication)
// or, for any other path, a buyer e-mail address.
func whereKey(path string) string {
	switch {
	case strings.Contains(path, "InvoiceRecipient"), strings.Contains(path, "InvoiceeTradeParty"):
		return "distribution.where.recipient"
	case strings.Contains(path, "AccountsContact"):
		return "distribution.where.accounts"
	case strings.Contains(path, "Contact"), strings.Contains(path, "BuyerCommunicationDetails"):
		return "distribution.where.contact"
	case strings.HasSuffix(path, "EndpointID"), strings.Contains(path, "URIUniversalCommunication"):
		return "distribution.where.endpoint"
	}
	return "distribution.where.other"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
