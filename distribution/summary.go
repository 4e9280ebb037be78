package distribution

import (
	"errors"
	"slices"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// profileOf returns the delivery profile of the plan's recipient with
// address a: registry.ProfileScan or "".
func (p *Plan) profileOf(a string) registry.Profile {
	if p == nil {
		return ""
	}
	for _, rc := range append(slices.Clip(p.To), p.Cc...) {
		if address.Equal(rc.Address, a) {
			return rc.Profile
		}
	}
	return ""
}

// Summary is a [Result] as a report shows it, ready for JSON: what a
// command-line tool prints and what a host app records in its delivery
// log. [Result.Summary] makes it; the jakelu command's send --json and the
// example web app both use it, so the two report a delivery alike.
type Summary struct {
	Number    string  `json:"number"`              // the document number, "" when it could not be parsed
	Outcome   Outcome `json:"outcome"`             // sent, partly-sent, failed, deferred, ambiguous, rejected, not-routed, queued or duplicate
	OutboxID  int64   `json:"outbox_id,omitempty"` // the outbox message of a queued document (Router.Enqueue)
	Source    Source  `json:"source"`              // where the recipients came from; "none" without a plan
	MessageID string  `json:"messageId,omitempty"` // the e-mail's Message-ID, when one was composed
	// ScanMessageID is the Message-ID of the scanning service's e-mail
	// when the document also went to scan-profile recipients besides
	// standard ones (Result.ScanMessageID).
	ScanMessageID string `json:"scanMessageId,omitempty"`
	// ScanOutboxID is the outbox message of the scanning service's e-mail
	// of a queued document that also has scan-profile recipients
	// (Result.ScanOutboxID).
	ScanOutboxID int64              `json:"scan_outbox_id,omitempty"`
	Recipients   []RecipientSummary `json:"recipients"`        // the transport's report per recipient; empty, not nil, when nothing was sent
	Explain      string             `json:"explain,omitempty"` // the plan explained in the language asked for
	Signed       []string           `json:"signed,omitempty"`  // the domains that signed the e-mail with DKIM (transport.Receipt.Signed); empty when unsigned
	// Error is the technical detail (English) when the outcome is not
	// Sent; "" for a document without recipients, which Explain explains.
	Error string `json:"error,omitempty"`
}

// RecipientSummary is one recipient's line of a [Summary].
type RecipientSummary struct {
	Address string `json:"address"`
	Outcome string `json:"outcome"`        // transport.Outcome.String(): "delivered", "deferred", …
	Code    int    `json:"code,omitempty"` // the SMTP reply code, when there was one
	// Profile is "scan" for a recipient whose directory entry has the
	// scan delivery profile, "" for the standard e-mail.
	Profile string `json:"profile,omitempty"`
	Error   string `json:"error,omitempty"` // the technical detail, when not delivered
}

// Summary returns r as a report shows it, with the plan explained in lang
// ("fi", "sv" or "en"; any tag the library's language matcher resolves).
// A nil Result gives the summary of a Deferred result with
// [ErrNotCreated].
func (r *Result) Summary(lang string) Summary {
	if r == nil {
		return Summary{Outcome: Deferred, Source: SourceNone, Recipients: []RecipientSummary{}, Error: ErrNotCreated.Error()}
	}
	s := Summary{Outcome: r.Outcome, OutboxID: int64(r.OutboxID), Source: SourceNone, MessageID: r.MessageID, ScanMessageID: r.ScanMessageID, ScanOutboxID: int64(r.ScanOutboxID), Recipients: []RecipientSummary{}}
	if r.Document != nil {
		s.Number = r.Document.Number
	}
	if r.Plan != nil {
		s.Source = r.Plan.Source
		s.Explain = r.Plan.Explain(lang)
	}
	if r.Receipt != nil {
		s.Signed = slices.Clone(r.Receipt.Signed)
		for _, rr := range r.Receipt.Recipients {
			rs := RecipientSummary{Address: rr.Address, Outcome: rr.Outcome.String(), Code: rr.Code, Profile: string(r.Plan.profileOf(rr.Address))}
			if rr.Err != nil {
				rs.Error = rr.Err.Error()
			}
			s.Recipients = append(s.Recipients, rs)
		}
	}
	var nr *NoRecipientError
	if r.Err != nil && !errors.As(r.Err, &nr) {
		s.Error = r.Err.Error()
	}
	return s
}
