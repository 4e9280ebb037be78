package distribution

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/parallel"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
)

// ErrNoOutbox is returned by Enqueue and EnqueueAll of a router built
// without Options.Outbox; the documents end Deferred, not stored.
var ErrNoOutbox = errors.New("distribution: the Router has no outbox; set Options.Outbox to enqueue")

// ErrDuplicateDocument is matched by every [*DuplicateError]: Enqueue
// refused a document that was already sent.
var ErrDuplicateDocument = outbox.ErrDuplicateDocument

// DuplicateError is the refusal of Enqueue's duplicate guard: the same
// document (company, seller, document type and number) was enqueued
// within the duplicate window (Options.DuplicateWindow, 7 days by
// default) and may have reached a recipient. It says which message
// (Previous), when it was accepted (SentAt) and whether it had the same
// content (SameContent). An explicit resend ([EnqueueOptions].
// AllowDuplicate) goes through with a new Message-ID. The guard is
// released when nobody received the earlier message (every recipient
// failed, was cancelled or expired); the outbox's retries never consult
// it.
type DuplicateError = outbox.DuplicateError

// EnqueueOptions are the options of [Router.Enqueue] and
// [Router.EnqueueAll]; nil means the zero value.
type EnqueueOptions struct {
	// Tenant is the outbox tenant; "" means the company of the settings.
	Tenant string
	// IdempotencyKey makes a repeated Enqueue of the same document return
	// the first outbox ID (see outbox.EnqueueOptions). EnqueueAll uses
	// "KEY#N" for its N-th document (from 0).
	IdempotencyKey string
	// NotBefore delays the first delivery attempt.
	NotBefore time.Time
	// AllowDuplicate sends a document the duplicate guard would refuse,
	// with a new Message-ID; RequestedBy (required with it) says who asked.
	AllowDuplicate bool
	RequestedBy    string
}

// Enqueue parses data, plans the recipients and composes the e-mail like
// [Router.Distribute], but instead of sending it stores it in the outbox
// (Options.Outbox), in tx when tx is not nil (then it exists only if tx
// commits). The Result's Outcome is Queued with the OutboxID, or the
// outcome that stopped it: Rejected, NotRouted, Duplicate (a
// [*DuplicateError]), or Deferred when the outbox failed. A plan with
// standard and scan-profile recipients gives two outbox messages, like the
// two e-mails of Distribute, stored in one transaction (tx or the outbox's
// own): OutboxID is the standard one's and ScanOutboxID the scan one's.
// The duplicate guard checks the document once for both parts
// (outbox.EnqueueOptions.Part), so the document's own standard part never
// refuses the scan part, a second enqueue of the document is refused for
// both, and a refusal of either part stores neither. It always returns a
// non-nil Result; the error is Result.Err.
func (r *Router) Enqueue(ctx context.Context, tx *sql.Tx, data []byte, opts *EnqueueOptions) (*Result, error) {
	res := r.enqueueAll(ctx, tx, [][]byte{data}, opts, true)
	return res[0], res[0].Err
}

// EnqueueAll enqueues every document in the inputs (each may hold
// several) and returns one Result per document, in input order, like
// [Router.DistributeAll]. With an outbox that enqueues batches
// ([outbox.Batcher]) all of them go into one transaction (tx or its own);
// when that transaction fails, every document that would have been
// queued ends Deferred.
func (r *Router) EnqueueAll(ctx context.Context, tx *sql.Tx, inputs [][]byte, opts *EnqueueOptions) []*Result {
	return r.enqueueAll(ctx, tx, inputs, opts, false)
}

// enqueueAll is EnqueueAll; single refuses input of several documents
// (Enqueue) and uses the idempotency key as it is.
func (r *Router) enqueueAll(ctx context.Context, tx *sql.Tx, inputs [][]byte, opts *EnqueueOptions, single bool) []*Result {
	ctx, err := r.usable(ctx)
	if err == nil && r.outbox == nil {
		err = ErrNoOutbox
	}
	if err != nil {
		results := make([]*Result, len(inputs))
		for i := range results {
			results[i] = &Result{Outcome: Deferred, Err: err}
		}
		return results
	}
	if opts == nil {
		opts = &EnqueueOptions{}
	}
	var results []*Result
	var items []outbox.Item
	var index []int // results index of each item
	// Parsing, planning and composing take the CPU; they run on every
	// core, each input on its own, and are put in order afterwards.
	type parsed struct {
		res  []*Result
		msgs [][2]*transport.Message // standard (or only) and scan e-mail
	}
	done := make([]parsed, len(inputs))
	parallel.For(len(inputs), func(n int) {
		if !r.settings.Enabled {
			done[n].res = []*Result{{Outcome: NotRouted, Err: ErrDistributionDisabled}}
			return
		}
		docs, err := docparse.ParseAll(inputs[n], r.parse)
		if err == nil && single && len(docs) > 1 {
			err = ErrSeveralDocuments
		}
		if err != nil {
			done[n].res = []*Result{{Outcome: Rejected, Err: err}}
			return
		}
		for _, d := range docs {
			res, msg, scan := r.prepare(ctx, d)
			done[n].res = append(done[n].res, res)
			done[n].msgs = append(done[n].msgs, [2]*transport.Message{msg, scan})
		}
	})
	var isScan []bool // whether each item is a scan part
	for _, p := range done {
		for k, res := range p.res {
			if k < len(p.msgs) && p.msgs[k][0] != nil {
				msg, scan, d := p.msgs[k][0], p.msgs[k][1], res.Document
				o := r.itemOptions(d, opts)
				if o.IdempotencyKey != "" && !single {
					o.IdempotencyKey = fmt.Sprintf("%s#%d", o.IdempotencyKey, len(results))
				}
				items = append(items, outbox.Item{Msg: msg, Opts: o})
				index = append(index, len(results))
				isScan = append(isScan, false)
				if opts.AllowDuplicate {
					msg.MessageID = r.resendID(msg.MessageID)
					res.MessageID = msg.MessageID
				}
				if scan != nil {
					items = append(items, outbox.Item{Msg: scan, Opts: scanItemOptions(o)})
					index = append(index, len(results))
					isScan = append(isScan, true)
					if opts.AllowDuplicate {
						scan.MessageID = r.resendID(scan.MessageID)
						res.ScanMessageID = scan.MessageID
					}
				}
			}
			results = append(results, res)
		}
	}
	// A mixed plan's two messages are two items of one batch, so they go
	// into one transaction: both are stored or neither.
	if b, ok := r.outbox.(outbox.Batcher); ok && len(items) > 1 {
		ir, err := b.EnqueueBatch(ctx, tx, items)
		for k, i := range index {
			if err != nil {
				results[i].Outcome, results[i].Err = Deferred, err
				continue
			}
			r.queued(results[i], isScan[k], ir[k].ID, ir[k].Err)
		}
	} else {
		for k, i := range index {
			o := items[k].Opts
			if isScan[k] && o.DocumentKey != "" {
				// An outbox without batches guards each message on its
				// own: the scan part gets a key of its own, so that its
				// standard part does not refuse it.
				c := *o
				c.DocumentKey += "\n" + c.Part
				o = &c
			}
			id, err := r.outbox.Enqueue(ctx, tx, items[k].Msg, o)
			r.queued(results[i], isScan[k], id, err)
		}
	}
	for _, res := range results {
		r.logResult(ctx, res)
	}
	return results
}

// prepare plans and composes one document; msg is nil when that ended
// the document (the Result says how). A plan with standard and
// scan-profile recipients gives two e-mails: msg for the standard ones and
// scan for the scanning service (nil otherwise).
func (r *Router) prepare(ctx context.Context, doc *docparse.Document) (res *Result, msg, scan *transport.Message) {
	res = &Result{Document: doc}
	plan, err := r.Plan(ctx, doc)
	res.Plan = plan
	var lookupErr *LookupError
	switch {
	case errors.As(err, &lookupErr), err != nil && ctx.Err() != nil:
		res.Outcome, res.Err = Deferred, err
		return res, nil, nil
	case errors.Is(err, ErrTooManyRecipients):
		res.Outcome, res.Err = Rejected, err
		return res, nil, nil
	case err != nil:
		res.Outcome, res.Err = NotRouted, err
		return res, nil, nil
	}
	msg, err = r.Compose(doc, plan)
	if errors.Is(err, ErrMixedProfiles) { // two e-mails, as Distribute sends them
		std, scanPlan := plan.byProfile()
		if msg, err = r.Compose(doc, std); err == nil {
			scan, err = r.composeScan(doc, scanPlan)
		}
	}
	if err != nil {
		res.Outcome, res.Err = Rejected, err
		return res, nil, nil
	}
	res.MessageID = msg.MessageID
	if scan != nil {
		res.ScanMessageID = scan.MessageID
	}
	return res, msg, scan
}

// scanItemOptions returns the outbox options of the scan part of a
// document whose standard part has the options o: the same document key,
// marked as a part ("scan") so that the outbox guards the two together; the
// document reference and an idempotency key carry the part.
func scanItemOptions(o *outbox.EnqueueOptions) *outbox.EnqueueOptions {
	s := *o
	s.Part = "scan"
	s.DocumentRef += " (scan)"
	if s.IdempotencyKey != "" {
		s.IdempotencyKey += "#scan"
	}
	return &s
}

// itemOptions returns the outbox options of document doc.
func (r *Router) itemOptions(doc *docparse.Document, opts *EnqueueOptions) *outbox.EnqueueOptions {
	o := &outbox.EnqueueOptions{
		Tenant:          opts.Tenant,
		NotBefore:       opts.NotBefore,
		DocumentRef:     string(doc.Type) + " " + doc.Number,
		DocumentKey:     doc.Seller.Name + "\n" + string(doc.Type) + "\n" + doc.Number,
		DuplicateWindow: r.dupWindow,
		AllowDuplicate:  opts.AllowDuplicate,
		RequestedBy:     opts.RequestedBy,
		IdempotencyKey:  opts.IdempotencyKey,
	}
	if o.Tenant == "" {
		o.Tenant = r.settings.Company
	}
	return o
}

// resendID returns a new Message-ID for an explicit resend of the message
// whose Message-ID is id: same domain, new random left part.
func (r *Router) resendID(id string) string {
	return "jakelu.resend." + strings.ToLower(rand.Text()) + id[strings.LastIndexByte(id, '@'):]
}

// queued sets res from the outbox's answer for its standard (or only)
// message, or for its scan part when scan is true: the scan part's ID goes
// to ScanOutboxID, and its refusal decides the outcome only when the
// standard part was queued.
func (r *Router) queued(res *Result, scan bool, id outbox.ID, err error) {
	if scan {
		if err == nil {
			res.ScanOutboxID = id
			return
		}
		if res.Outcome != Queued {
			return
		}
	}
	switch {
	case err == nil:
		res.Outcome, res.OutboxID = Queued, id
	case errors.Is(err, ErrDuplicateDocument):
		res.Outcome, res.Err = Duplicate, err
	case transport.IsInput(err), errors.Is(err, outbox.ErrIdempotencyConflict), errors.Is(err, outbox.ErrInvalid):
		res.Outcome, res.Err = Rejected, err
	default:
		res.Outcome, res.Err = Deferred, err
	}
}
