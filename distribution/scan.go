package distribution

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
)

// DefaultScanMaxSize is the PDF size limit for scan-profile recipients when
// Settings.ScanMaxSize is 0: 5 MiB, which scanning services commonly
// accept.
const DefaultScanMaxSize = 5 << 20

// ErrScanTooLarge is matched by every [*ScanTooLargeError].
var ErrScanTooLarge = errors.New("distribution: the PDF is too large for the scanning service")

// ScanTooLargeError reports a document whose PDF is larger than the
// company's limit for scan-profile recipients (Settings.ScanMaxSize).
// Nothing is sent to those recipients.
type ScanTooLargeError struct {
	Number string // the document number
	Size   int64  // the PDF's size in bytes
	Limit  int64  // the limit in bytes
}

// Error states the sizes and what to do.
func (e *ScanTooLargeError) Error() string {
	return fmt.Sprintf("distribution: the PDF of document %q is %d bytes, over the scanning service limit of %d bytes (Settings.ScanMaxSize); "+
		"nothing was sent to the scan-profile recipients: raise the limit if the service accepts larger files, or deliver the document another way",
		e.Number, e.Size, e.Limit)
}

// Unwrap returns [ErrScanTooLarge].
func (e *ScanTooLargeError) Unwrap() error { return ErrScanTooLarge }

// Message explains the problem to the person who handles the document, in
// lang ("fi", "sv" or "en"; anything else gives English): sizes in
// kilobytes, rounded up.
func (e *ScanTooLargeError) Message(lang string) string {
	kb := func(n int64) int64 { return (n + 1023) / 1024 }
	return i18n.Text(lang, "distribution.scan-too-large", e.Number, kb(e.Size), kb(e.Limit))
}

// ErrMixedProfiles is returned by [Router.Compose] for a plan whose
// recipients need two e-mails: standard recipients and scan-profile ones.
// [Router.Distribute] sends both and [Router.Enqueue] stores both in one
// transaction.
var ErrMixedProfiles = errors.New("distribution: the plan has standard and scan-profile recipients, which need one e-mail each; use Router.Distribute or Router.Enqueue")

// scanProfile returns registry.ProfileScan for the scan profile and "" for
// the standard one, as plans record it.
func scanProfile(p registry.Profile) registry.Profile {
	if p.Effective() == registry.ProfileScan {
		return registry.ProfileScan
	}
	return ""
}

// byProfile splits the plan into the plan of its standard recipients and
// the plan of its scan-profile recipients; either is nil when it has none.
// A scan plan with copy recipients only sends to them as To.
func (p *Plan) byProfile() (standard, scan *Plan) {
	isScan := func(rc Recipient) bool { return rc.Profile == registry.ProfileScan }
	pick := func(in []Recipient, want bool) []Recipient {
		var out []Recipient
		for _, rc := range in {
			if isScan(rc) == want {
				out = append(out, rc)
			}
		}
		return out
	}
	sub := func(want bool) *Plan {
		to, cc := pick(p.To, want), pick(p.Cc, want)
		if len(to)+len(cc) == 0 {
			return nil
		}
		if len(to) == 0 {
			to, cc = cc, nil
		}
		q := *p
		q.To, q.Cc = to, cc
		return &q
	}
	return sub(false), sub(true)
}

// composeScan writes the e-mail for the scan-profile recipients of plan:
// exactly one PDF (the document's first, or else the invoice image
// rendered from the document) named <number>.pdf, no XML and no other
// attachment, the plain-text body only, and a subject that holds the
// document number.
func (r *Router) composeScan(doc *docparse.Document, plan *Plan) (*transport.Message, error) {
	pdf, err := r.scanPDF(doc, plan.Language)
	if err != nil {
		return nil, err
	}
	limit := r.settings.ScanMaxSize
	if limit <= 0 {
		limit = DefaultScanMaxSize
	}
	if size := int64(len(pdf)); size > limit {
		return nil, &ScanTooLargeError{Number: doc.Number, Size: size, Limit: limit}
	}
	to, cc := plan.Addresses()
	msg := r.newMessage(doc, to, cc)
	data := r.mailData(doc, plan, true, false) // one PDF, never the XML
	mt := r.templateFor(plan.Language)
	var buf bytes.Buffer
	if err := mt.text.ExecuteTemplate(&buf, "subject", data); err != nil {
		return nil, fmt.Errorf("distribution: subject template (%s): %w", plan.Language, err)
	}
	msg.Subject = strings.Join(strings.Fields(buf.String()), " ")
	if !strings.Contains(msg.Subject, doc.Number) {
		msg.Subject = strings.TrimSpace(cleanName(doc.Number) + " " + msg.Subject)
	}
	buf.Reset()
	if err := mt.text.ExecuteTemplate(&buf, "text", data); err != nil {
		return nil, fmt.Errorf("distribution: text template (%s): %w", plan.Language, err)
	}
	msg.Text = buf.String()
	msg.Attachments = []transport.Attachment{{Filename: safeFileName(doc.Number) + ".pdf", ContentType: "application/pdf", Data: pdf}}
	if size := estimateSize(msg); size > r.maxSize {
		return nil, &TooLargeError{Number: doc.Number, Size: size, Limit: r.maxSize}
	}
	return msg, nil
}

// scanPDF returns the one PDF a scanning service gets: the document's
// first PDF attachment, or the invoice image rendered in lang.
func (r *Router) scanPDF(doc *docparse.Document, lang string) ([]byte, error) {
	for _, a := range doc.Attachments {
		if a.IsPDF() {
			return a.Data, nil
		}
	}
	out, err := r.image.Render(doc, lang) // the company's renderer (Options.InvoiceImage)
	if err != nil {
		return nil, fmt.Errorf("distribution: render the invoice image for the scanning service: %w", err)
	}
	return out.PDF, nil
}

// sendByProfile composes and sends the standard e-mail and the scan one of
// a plan that has both kinds of recipient, and reports them as one result:
// the receipts' recipients together, MessageID the standard e-mail's and
// ScanMessageID the scan one's. A message that cannot be composed is not
// sent and its recipients are reported with the error.
func (r *Router) sendByProfile(ctx context.Context, doc *docparse.Document, res *Result, std, scan *Plan) {
	merged := &transport.Receipt{}
	var errs []error
	for _, part := range []struct {
		plan    *Plan
		compose func(*docparse.Document, *Plan) (*transport.Message, error)
		id      *string
	}{{std, r.Compose, &res.MessageID}, {scan, r.composeScan, &res.ScanMessageID}} {
		msg, err := part.compose(doc, part.plan)
		var receipt *transport.Receipt
		if err == nil {
			*part.id = msg.MessageID
			receipt, err = r.transport.Send(ctx, msg)
		}
		if receipt != nil && len(receipt.Recipients) > 0 {
			merged.Recipients = append(merged.Recipients, receipt.Recipients...)
			merged.Signed = append(merged.Signed, receipt.Signed...)
			if merged.MessageID == "" {
				merged.MessageID = receipt.MessageID
			}
		} else {
			outcome := transport.Delivered
			switch {
			case err == nil:
			case transport.IsAmbiguous(err):
				outcome = transport.Ambiguous
			case transport.IsTemporary(err), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
				outcome = transport.Deferred
			default:
				outcome = transport.Failed
			}
			to, cc := part.plan.Addresses()
			for _, a := range append(to, cc...) {
				merged.Recipients = append(merged.Recipients, transport.RecipientResult{Address: a, Outcome: outcome, Err: err})
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	res.Receipt = merged
	res.Outcome, res.Err = classify(merged, errors.Join(errs...))
}
