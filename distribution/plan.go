package distribution

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/outbox"
)

// Source says which method produced a recipient, or, for a whole [Plan],
// which methods the recipients came from.
type Source string

// The sources.
const (
	SourceDocument  Source = "document"  // the address written in the document (method 1)
	SourceDirectory Source = "directory" // the recipient directory (method 2)
	SourceBoth      Source = "both"      // a plan whose recipients came from both methods
	SourceNone      Source = "none"      // a plan without recipients
)

// Recipient is one address a document is to be sent to, and where it came
// from.
type Recipient struct {
	Address        string `json:"address"`
	Source         Source `json:"source"`                   // SourceDocument or SourceDirectory
	Path           string `json:"path,omitempty"`           // document element path, for SourceDocument
	CustomerNumber string `json:"customerNumber,omitempty"` // directory key, for SourceDirectory
	// Profile is registry.ProfileScan for a recipient whose directory
	// entry has the scan profile, which gets an e-mail of its own with
	// exactly one PDF (see [Router.Compose]); "" for the standard e-mail.
	Profile registry.Profile `json:"profile,omitempty"`
}

// StepCode names one step of the routing decision. The codes are stable and
// language-neutral; [Plan.Explain] turns them into sentences.
type StepCode string

// The routing steps.
const (
	StepDisabled          StepCode = "distribution-disabled"    // the master switch is off
	StepDocumentOff       StepCode = "document-address-off"     // method 1 is switched off
	StepDocumentAddress   StepCode = "document-address"         // the document gives Address at Path
	StepDocumentInvalid   StepCode = "document-address-invalid" // the document has an invalid Address at Path (Reason)
	StepDocumentNone      StepCode = "document-no-address"      // the document gives no address
	StepDocumentMore      StepCode = "document-more-addresses"  // the document gives Count more addresses than the steps list
	StepDirectoryOff      StepCode = "directory-off"            // method 2 is switched off
	StepNoCustomerNumber  StepCode = "no-customer-number"       // the document has no identifier of a kind in use
	StepCustomerSkipped   StepCode = "customer-number-skipped"  // an identifier of a kind the company does not use
	StepDirectoryHit      StepCode = "directory-hit"            // CustomerNumber found: To, Cc
	StepDirectoryMiss     StepCode = "directory-miss"           // CustomerNumber not in the directory
	StepDirectoryNotTried StepCode = "directory-not-tried"      // not looked up: the document's addresses come first
	StepDecision          StepCode = "decision"                 // the final decision: Source under Precedence
	// StepTooManyRecipients is the final decision when Source gives Count
	// recipients, To and Cc together, more than the limit Max
	// (Options.MaxRecipients): the document is not sent.
	StepTooManyRecipients StepCode = "too-many-recipients"
	// StepSuppressed: Address is on the company's suppression list
	// (Options.Suppressions) and was left out; Suppression says why and
	// since when.
	StepSuppressed StepCode = "suppressed"
)

// Step is one step of a routing decision. Only the fields that matter for
// the step's Code are set.
type Step struct {
	Code           StepCode        `json:"code"`
	Address        string          `json:"address,omitempty"`
	Path           string          `json:"path,omitempty"`
	Reason         address.Reason  `json:"reason,omitempty"`
	CustomerNumber string          `json:"customerNumber,omitempty"`
	Kind           docparse.IDKind `json:"kind,omitempty"`
	To             []string        `json:"to,omitempty"`
	Cc             []string        `json:"cc,omitempty"`
	Source         Source          `json:"source,omitempty"`
	Precedence     Precedence      `json:"precedence,omitempty"`
	Count          int             `json:"count,omitempty"` // how many addresses, for StepDocumentMore and StepTooManyRecipients
	Max            int             `json:"max,omitempty"`   // the recipient limit, for StepTooManyRecipients
	// Suppression is the suppression list's entry, for StepSuppressed.
	Suppression *outbox.Suppression `json:"suppression,omitempty"`
	// Profile is the directory entry's delivery profile, for
	// StepDirectoryHit: registry.ProfileScan, or "" for the standard one.
	Profile registry.Profile `json:"profile,omitempty"`
}

// Plan is a routing decision for one document: who receives it, why, and
// everything that was tried. It is what [Router.Plan] returns; Distribute
// sends to exactly these recipients.
type Plan struct {
	Number   string      `json:"number"`   // the document number
	To       []Recipient `json:"to"`       // primary recipients
	Cc       []Recipient `json:"cc"`       // copy recipients (from a directory entry)
	Source   Source      `json:"source"`   // where the recipients came from
	Language string      `json:"language"` // the language the e-mail is written in
	Steps    []Step      `json:"steps"`    // the decision, step by step
	// PDF says which PDF the e-mail carries and why. Plan decides it from
	// the document and the settings; Compose updates it when the invoice
	// image cannot be rendered or attached (the e-mail is then sent
	// without it, never held back because of it).
	PDF PDFChoice `json:"pdf,omitzero"`
}

// PDFCode says which PDF an e-mail carries. The codes are stable and
// language-neutral; [PDFChoice.Explain] turns them into sentences.
type PDFCode string

// The PDF choices.
const (
	// PDFDocument: the document's own embedded PDF (Count of them) is
	// attached; nothing is rendered.
	PDFDocument PDFCode = "document-pdf"
	// PDFRendered: the document has no PDF, so its invoice image is
	// rendered (package distribution/invoicepdf) and attached.
	PDFRendered PDFCode = "rendered"
	// PDFOff: the document has no PDF and the company has switched the
	// invoice image off (Settings.InvoiceImage): only the XML is attached.
	PDFOff PDFCode = "image-off"
	// PDFRenderFailed: the invoice image could not be rendered (Err says
	// why); the e-mail is sent with the XML only.
	PDFRenderFailed PDFCode = "render-failed"
	// PDFTooLarge: with the invoice image the e-mail would exceed
	// Options.MaxMessageSize; it is sent with the XML only.
	PDFTooLarge PDFCode = "image-too-large"
)

// PDFChoice is the decision about an e-mail's PDF attachment.
type PDFChoice struct {
	Code  PDFCode `json:"code"`
	Count int     `json:"count,omitempty"` // the document's PDFs, for PDFDocument
	Pages int     `json:"pages,omitempty"` // the rendered image's pages, for PDFRendered after Compose
	Err   error   `json:"-"`               // why rendering failed, for PDFRenderFailed
}

// Explain renders the choice as one sentence in lang ("fi", "sv", "en" or
// a language added with [AddLanguage]; anything else gives English). The
// sentences are the texts distribution.pdf.<code> of the translation
// files; for PDFRenderFailed the reason follows.
func (c PDFChoice) Explain(lang string) string {
	key, ok := pdfKeys.Key(string(c.Code))
	if !ok {
		return ""
	}
	switch c.Code {
	case PDFDocument:
		return i18n.Text(lang, key, c.Count)
	case PDFRenderFailed:
		reason := i18n.Text(lang, "distribution.pdf.render-failed.unknown")
		var re *invoicepdf.Error
		if errors.As(c.Err, &re) {
			reason = strings.TrimSuffix(re.Message(lang), ".")
		}
		return i18n.Text(lang, key, reason)
	}
	return i18n.Text(lang, key)
}

// pdfChoice decides the PDF of doc's e-mail before anything is rendered.
func (r *Router) pdfChoice(doc *docparse.Document) PDFChoice {
	n := 0
	for _, a := range doc.Attachments {
		if a.IsPDF() {
			n++
		}
	}
	switch {
	case n > 0:
		return PDFChoice{Code: PDFDocument, Count: n}
	case !r.settings.imageOn():
		return PDFChoice{Code: PDFOff}
	}
	return PDFChoice{Code: PDFRendered}
}

// Addresses returns the To and Cc addresses of the plan.
func (p *Plan) Addresses() (to, cc []string) {
	if p == nil {
		return nil, nil
	}
	for _, r := range p.To {
		to = append(to, r.Address)
	}
	for _, r := range p.Cc {
		cc = append(cc, r.Address)
	}
	return to, cc
}

// ErrDistributionDisabled is returned by Plan and Distribute when the
// company has e-mail distribution switched off.
var ErrDistributionDisabled = errors.New("distribution: e-mail distribution is switched off for this company")

// ErrNoRecipient is matched by every [*NoRecipientError].
var ErrNoRecipient = errors.New("distribution: no recipient for the document")

// NoRecipientError reports a document for which no method gave a recipient.
// Plan holds every step that was tried; Plan.Explain says why in words.
type NoRecipientError struct {
	Plan *Plan
}

// Error names the document and summarises why.
func (e *NoRecipientError) Error() string {
	if e.Plan == nil {
		return ErrNoRecipient.Error()
	}
	return fmt.Sprintf("distribution: no recipient for document %q: %s", e.Plan.Number, e.Plan.Explain("en"))
}

// Unwrap returns [ErrNoRecipient].
func (e *NoRecipientError) Unwrap() error { return ErrNoRecipient }

// Message explains in lang ("fi", "sv" or "en"; anything else gives
// English) why the document has no recipient: the plan's explanation, or
// a general sentence without a plan.
func (e *NoRecipientError) Message(lang string) string {
	if e.Plan == nil {
		return i18n.Text(lang, "distribution.no-recipient")
	}
	return e.Plan.Explain(lang)
}

// ErrTooManyRecipients is matched by every [*TooManyRecipientsError].
var ErrTooManyRecipients = errors.New("distribution: too many recipients for one e-mail")

// TooManyRecipientsError reports a document whose e-mail would have more
// recipients, To and Cc together, than the router allows
// (Options.MaxRecipients). Nothing is sent: one e-mail to thousands of
// addresses is never what a document means. The plan returned with it has
// no recipients and explains why.
type TooManyRecipientsError struct {
	Number string // the document number
	Count  int    // the recipients the document would have, To and Cc together
	Max    int    // the limit
}

// Error states the count, the limit and what to do.
func (e *TooManyRecipientsError) Error() string {
	return fmt.Sprintf("distribution: document %q would go to %d recipients (To and Cc together), more than the limit of %d for one e-mail (Options.MaxRecipients); nothing was sent: correct the addresses in the document or its recipient directory entry",
		e.Number, e.Count, e.Max)
}

// Unwrap returns [ErrTooManyRecipients].
func (e *TooManyRecipientsError) Unwrap() error { return ErrTooManyRecipients }

// Message explains the problem to the person who handles the document, in
// lang ("fi", "sv" or "en"; anything else gives English).
func (e *TooManyRecipientsError) Message(lang string) string {
	return i18n.Text(lang, "distribution.too-many-recipients", e.Number, e.Count, e.Max)
}

// LookupError reports a directory lookup that failed for another reason
// than a missing entry, e.g. an unreachable database. The document could
// not be routed; retry later.
type LookupError struct {
	CustomerNumber string // the customer number looked up in the directory, or ""
	Address        string // the address looked up in the suppression list, or ""
	Err            error
}

// Error names the customer number or address, and the cause.
func (e *LookupError) Error() string {
	if e.Address != "" {
		return fmt.Sprintf("distribution: suppression list lookup of address %q failed (retry later): %v", e.Address, e.Err)
	}
	return fmt.Sprintf("distribution: directory lookup of customer number %q failed (retry later): %v", e.CustomerNumber, e.Err)
}

// ErrLookup is matched by every [*LookupError].
var ErrLookup = errors.New("distribution: directory lookup failed")

// Unwrap returns [ErrLookup] and the cause.
func (e *LookupError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrLookup}
	}
	return []error{ErrLookup, e.Err}
}

// Message explains the failure in lang ("fi", "sv" or "en"; anything else
// gives English) for the person who handles the document.
func (e *LookupError) Message(lang string) string {
	if e.Address != "" {
		return i18n.Text(lang, "distribution.lookup-suppression", e.Address)
	}
	return i18n.Text(lang, "distribution.lookup", e.CustomerNumber)
}

// Plan decides who receives doc under the router's settings, without
// sending anything. It looks customer numbers up in the directory (reads
// only). It returns [ErrDistributionDisabled] when the master switch is off,
// a [*NoRecipientError] carrying the plan when no method gives a recipient,
// a [*TooManyRecipientsError] when they are more than Options.MaxRecipients
// (the plan then has no recipients and its last step says why), and a
// [*LookupError] when the directory cannot be read.
func (r *Router) Plan(ctx context.Context, doc *docparse.Document) (*Plan, error) {
	ctx, err := r.usable(ctx)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, ErrNilDocument
	}
	p := &Plan{Number: doc.Number, Source: SourceNone}
	s := r.settings
	if !s.Enabled {
		p.Steps = append(p.Steps, Step{Code: StepDisabled})
		p.Language = s.language(doc.Language)
		return p, ErrDistributionDisabled
	}

	var docTo []Recipient
	if s.DocumentAddress {
		docTo = documentRecipients(doc, p, r.maxRecipients())
	} else {
		p.Steps = append(p.Steps, Step{Code: StepDocumentOff})
	}

	var entry *registry.Entry
	switch {
	case !s.Directory:
		p.Steps = append(p.Steps, Step{Code: StepDirectoryOff})
	case s.precedence() == DocumentFirst && len(docTo) > 0:
		p.Steps = append(p.Steps, Step{Code: StepDirectoryNotTried, Precedence: DocumentFirst})
	default:
		var err error
		if entry, err = r.lookup(ctx, doc, p); err != nil {
			return p, err
		}
	}

	var dirTo, dirCc []Recipient
	if entry != nil {
		prof := scanProfile(entry.Profile)
		for _, a := range entry.To {
			dirTo = append(dirTo, Recipient{Address: a, Source: SourceDirectory, CustomerNumber: entry.CustomerNumber, Profile: prof})
		}
		for _, a := range entry.Cc {
			dirCc = append(dirCc, Recipient{Address: a, Source: SourceDirectory, CustomerNumber: entry.CustomerNumber, Profile: prof})
		}
	}

	switch {
	case len(docTo) > 0 && entry != nil && s.precedence() == Both:
		p.To = union(docTo, dirTo)
		p.Cc = without(dirCc, p.To)
		p.Source = SourceBoth
	case entry != nil && (len(docTo) == 0 || s.precedence() == DirectoryFirst):
		p.To, p.Cc = dirTo, dirCc
		p.Source = SourceDirectory
	case len(docTo) > 0:
		p.To = docTo
		p.Source = SourceDocument
	}
	if r.suppress != nil {
		if err := r.dropSuppressed(ctx, p); err != nil {
			return p, err
		}
	}
	var entryLang string
	if entry != nil {
		entryLang = entry.Language
	}
	p.Language = s.language(entryLang, doc.Language)
	if n, limit := len(p.To)+len(p.Cc), r.maxRecipients(); n > limit {
		p.Steps = append(p.Steps, Step{Code: StepTooManyRecipients, Source: p.Source, Count: n, Max: limit})
		p.To, p.Cc, p.Source = nil, nil, SourceNone
		return p, &TooManyRecipientsError{Number: doc.Number, Count: n, Max: limit}
	}
	p.Steps = append(p.Steps, Step{Code: StepDecision, Source: p.Source, Precedence: s.precedence()})
	if p.Source == SourceNone {
		return p, &NoRecipientError{Plan: p}
	}
	p.PDF = r.pdfChoice(doc)
	return p, nil
}

// dropSuppressed leaves the suppressed addresses out of p, one step each;
// with none left the plan has no source.
func (r *Router) dropSuppressed(ctx context.Context, p *Plan) error {
	keep := func(rs []Recipient) ([]Recipient, error) {
		var out []Recipient
		for _, rc := range rs {
			s, err := r.suppress.Lookup(ctx, r.settings.Company, rc.Address)
			if err != nil {
				return nil, &LookupError{Address: rc.Address, Err: err}
			}
			if s != nil {
				p.Steps = append(p.Steps, Step{Code: StepSuppressed, Address: rc.Address, Suppression: s})
				continue
			}
			out = append(out, rc)
		}
		return out, nil
	}
	var err error
	if p.To, err = keep(p.To); err != nil {
		return err
	}
	if p.Cc, err = keep(p.Cc); err != nil {
		return err
	}
	if len(p.To) == 0 && len(p.Cc) > 0 { // the copies become the recipients
		p.To, p.Cc = p.Cc, nil
	}
	if len(p.To) == 0 {
		p.Source = SourceNone
	}
	return nil
}

// documentRecipients records the document's addresses (valid and invalid)
// as steps and returns the valid ones. Of the valid ones it records the
// first limit, one step each, and counts the rest in one step, so that a
// document with a million addresses does not make a million steps.
func documentRecipients(doc *docparse.Document, p *Plan, limit int) []Recipient {
	out := make([]Recipient, 0, len(doc.Emails))
	for i, e := range doc.Emails {
		out = append(out, Recipient{Address: e.Address, Source: SourceDocument, Path: e.Path})
		if i < limit {
			p.Steps = append(p.Steps, Step{Code: StepDocumentAddress, Address: e.Address, Path: e.Path})
		}
	}
	if more := len(doc.Emails) - limit; more > 0 {
		p.Steps = append(p.Steps, Step{Code: StepDocumentMore, Count: more})
	}
	for _, w := range doc.Warnings {
		var ae *address.Error
		if errors.As(w.Err, &ae) {
			p.Steps = append(p.Steps, Step{Code: StepDocumentInvalid, Address: w.Value, Path: w.Path, Reason: ae.Reason})
		}
	}
	if len(out) == 0 {
		p.Steps = append(p.Steps, Step{Code: StepDocumentNone})
	}
	return out
}

// lookup tries the document's customer numbers in the configured order and
// returns the first entry found, or nil.
func (r *Router) lookup(ctx context.Context, doc *docparse.Document, p *Plan) (*registry.Entry, error) {
	ids := r.candidates(doc, p)
	if len(ids) == 0 {
		p.Steps = append(p.Steps, Step{Code: StepNoCustomerNumber})
		return nil, nil
	}
	for _, id := range ids {
		e, err := r.registry.Lookup(ctx, id.Value)
		switch {
		case err == nil:
			p.Steps = append(p.Steps, Step{Code: StepDirectoryHit, CustomerNumber: id.Value, Kind: id.Kind, Path: id.Path, To: e.To, Cc: e.Cc, Profile: scanProfile(e.Profile)})
			return &e, nil
		case errors.Is(err, registry.ErrNotFound):
			p.Steps = append(p.Steps, Step{Code: StepDirectoryMiss, CustomerNumber: id.Value, Kind: id.Kind, Path: id.Path})
		default:
			return nil, &LookupError{CustomerNumber: id.Value, Err: err}
		}
	}
	return nil, nil
}

// candidates returns the identifiers to look up, in order, without repeated
// values, and records those of kinds the company does not use.
func (r *Router) candidates(doc *docparse.Document, p *Plan) []docparse.Identifier {
	kinds := r.settings.CustomerNumberKinds
	var out []docparse.Identifier
	seen := map[string]bool{}
	for _, id := range doc.CustomerNumbersByKind(kinds...) {
		if !seen[id.Value] {
			seen[id.Value] = true
			out = append(out, id)
		}
	}
	if len(kinds) > 0 {
		for _, id := range doc.CustomerNumbers {
			if !slices.Contains(kinds, id.Kind) {
				p.Steps = append(p.Steps, Step{Code: StepCustomerSkipped, CustomerNumber: id.Value, Kind: id.Kind, Path: id.Path})
			}
		}
	}
	return out
}

// maxRecipients returns the limit of recipients of one e-mail.
func (r *Router) maxRecipients() int {
	if r.maxRcpt <= 0 {
		return DefaultMaxRecipients
	}
	return r.maxRcpt
}

// union returns a followed by the recipients of b whose address is not in
// a (compared as address.Equal compares).
func union(a, b []Recipient) []Recipient {
	out := slices.Clone(a)
	return append(out, without(b, a)...)
}

// without returns the recipients of a whose address is not in b.
func without(a, b []Recipient) []Recipient {
	var out []Recipient
	for _, r := range a {
		if !slices.ContainsFunc(b, func(o Recipient) bool { return address.Equal(o.Address, r.Address) }) {
			out = append(out, r)
		}
	}
	return out
}
