package outbox

import (
	"context"
	"io"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
)

// BounceHandler is implemented by outboxes that read the reports mail
// servers send back (bounces, delay warnings, delivery confirmations,
// complaints, automatic replies) and apply them to the recipients sent.
type BounceHandler interface {
	// HandleBounce parses one raw report with [bounce.Parse], matches each
	// of its recipients to a recipient of the outbox (by the VERP token of
	// the address the report came back to, then the ENVID, then the
	// original Message-ID and the address) and applies it: a failure
	// makes the recipient [Bounced] (also after [Delivered]: a later
	// report wins) and a hard one or a complaint puts the address on the
	// tenant's suppression list; a delivery or delay report resolves an
	// [Ambiguous] recipient as delivered; automatic replies are ignored.
	// A report that matches nothing is not an error: see
	// [BounceResult.Matched].
	HandleBounce(ctx context.Context, r io.Reader) (*BounceResult, error)
}

// BounceAction is what HandleBounce did with one recipient of a report.
type BounceAction string

// The bounce actions.
const (
	// ActionBounced: the recipient became [Bounced].
	ActionBounced BounceAction = "bounced"
	// ActionResolved: an [Ambiguous] recipient became [Delivered]: the
	// report shows the server had accepted the message.
	ActionResolved BounceAction = "resolved"
	// ActionComplaint: a complaint was recorded and the address suppressed.
	ActionComplaint BounceAction = "complaint"
	// ActionNoted: the report was recorded, the state did not change (a
	// delay warning, a delivery confirmation, or a failure for a
	// recipient in a state a report does not change, such as pending).
	ActionNoted BounceAction = "noted"
	// ActionIgnored: an automatic reply, or a recipient the report names
	// that matches nothing sent.
	ActionIgnored BounceAction = "ignored"
)

// MatchedBy says how a report's recipient was matched to what was sent.
type MatchedBy string

// The ways of matching, in the order they are tried.
const (
	MatchVERP      MatchedBy = "verp"       // the verified VERP token
	MatchEnvelope  MatchedBy = "envid"      // the DSN's ENVID and the address
	MatchMessageID MatchedBy = "message-id" // the original Message-ID and the address
)

// BounceResult is what HandleBounce did with one report.
type BounceResult struct {
	// Kind is the report's kind.
	Kind bounce.Kind
	// Matched is set when at least one recipient matched a message.
	Matched bool
	// Recipients are the outcomes per recipient, in the report's order.
	Recipients []BounceOutcome
}

// BounceOutcome is what HandleBounce did with one recipient of a report.
type BounceOutcome struct {
	Address string       // as the report names it
	Action  BounceAction // what was done
	// ID is the outbox message matched, 0 for none; By how.
	ID ID
	By MatchedBy
	// From and To are the recipient's states before and after ("" when
	// not matched).
	From, To State
	// Reason, Status and Code are the report's, Hard its verdict.
	Reason bounce.Reason
	Status string
	Code   int
	Hard   bool
	// Suppressed is set when the address was put on (or stays on) the
	// tenant's suppression list because of this report.
	Suppressed bool
}

// Source is where a suppression came from.
type Source string

// The sources of suppressions.
const (
	SourceBounce    Source = "bounce"    // a bounce report
	SourceComplaint Source = "complaint" // a spam complaint
	SourceManual    Source = "manual"    // added by a person
)

// SoftKeep is how long repeated soft bounces keep an address suppressed
// after the last one.
const SoftKeep = 30 * 24 * time.Hour

// Suppression is one address on a tenant's suppression list.
type Suppression struct {
	Tenant  string
	Address string // lower case
	Reason  bounce.Reason
	Status  string // "5.1.1"; "" for none
	Code    int    // 550; 0 for none
	Text    string // the server's words, or a person's note
	Source  Source
	Hard    bool // a hard bounce: kept until removed
	// FirstSeen and LastSeen are the first and last report (or manual
	// addition); Count how many there were.
	FirstSeen, LastSeen time.Time
	Count               int
	// KeepUntil is when the suppression lapses; zero means until it is
	// removed (hard bounces, complaints, manual additions). A single soft
	// bounce suppresses nothing; repeated ones suppress for [SoftKeep].
	KeepUntil time.Time
	// RemovedBy and RemovedAt record who removed it, and when; a removed
	// suppression no longer applies but stays for the audit.
	RemovedBy string
	RemovedAt time.Time
}

// Active reports whether s suppresses its address at t.
func (s *Suppression) Active(t time.Time) bool {
	if s == nil || !s.RemovedAt.IsZero() {
		return false
	}
	if s.Hard || s.Source != SourceBounce {
		return true
	}
	return s.Count >= 2 && t.Before(s.KeepUntil)
}

// Message says in lang why the address was left out, and since when
// (for Plan.Explain): "laskut@asiakas.fi jätettiin pois: viesti palautui
// 3.12.2026, 550 5.1.1 user unknown".
func (s *Suppression) Message(lang string) string {
	return suppressionText(lang, s)
}

// Suppressions is a per-tenant list of addresses not to mail.
// Implementations must be safe for concurrent use.
type Suppressions interface {
	// Lookup returns the active suppression of address for tenant, or
	// nil when there is none.
	Lookup(ctx context.Context, tenant, address string) (*Suppression, error)
	// Add suppresses s.Address for s.Tenant (a manual addition when
	// s.Source is ""), or counts one more report for an existing entry.
	Add(ctx context.Context, s Suppression) error
	// Remove lifts the suppression, recording by whom; it returns
	// [ErrNotFound] when the address is not suppressed.
	Remove(ctx context.Context, tenant, address, by string) error
	// List returns the tenant's suppressions, active ones first, with
	// removed ones when withRemoved is set.
	List(ctx context.Context, tenant string, withRemoved bool) ([]Suppression, error)
}
