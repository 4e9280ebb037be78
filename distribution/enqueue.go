package distribution

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
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
// queued ends Deferred. The inputs are composed on every core and taken
// 100 at a time; when there are more than 100 and one transaction to
// store them in (tx, or one the outbox begins, [outbox.TxBeginner]), each
// hundred is stored while the next ones are composed. The duplicate guard then locks each hundred's
// documents as it stores them: two batches enqueued at once that hold the
// same documents may deadlock, and the database ends one of them
// (Deferred, to be enqueued again).
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
		return deferredAll(len(inputs), err)
	}
	if opts == nil {
		opts = &EnqueueOptions{}
	}
	// Parsing, planning and composing take the CPU: they run on every
	// core, each input on its own, and the results are taken a part of
	// enqueuePart inputs at a time. With a batching outbox and one
	// transaction for the whole batch (tx, or one the outbox begins),
	// each part is stored while the next ones are composed, so that the
	// database and the CPU work at once; while it waits for a part, this
	// goroutine composes too.
	b, batcher := r.outbox.(outbox.Batcher)
	own := false
	if tb, ok := r.outbox.(outbox.TxBeginner); ok && batcher && tx == nil && len(inputs) > enqueuePart {
		t, err := tb.BeginTx(ctx)
		if err != nil {
			return deferredAll(len(inputs), err)
		}
		defer t.Rollback()
		tx, own = t, true
	}
	byPart := batcher && tx != nil && len(inputs) > enqueuePart // else all parts are stored at the end
	done := make([][]prepared, len(inputs))
	prep := parallel.NewOrdered(len(inputs), runtime.GOMAXPROCS(0)-1, 2*enqueuePart, func(n int) {
		done[n] = r.parseAndPrepare(ctx, inputs[n], single)
	})
	var results []*Result
	var all pending  // every item: stored at the end unless byPart
	var failed error // the transaction failed: nothing is stored
	for start := 0; start < len(inputs); start += enqueuePart {
		end := min(start+enqueuePart, len(inputs))
		prep.Through(end)
		first := len(all.items)
		for n, p := range done[start:end] {
			for _, d := range p {
				if d.msg != nil {
					all.add(r, d, opts, single, len(results))
				}
				results = append(results, d.res)
			}
			done[start+n] = nil
		}
		if byPart && failed == nil {
			failed = all.store(ctx, r, b, tx, results, first)
			clear(all.items[first:]) // stored: their bytes need not wait for the rest
		}
	}
	switch {
	case byPart:
		if failed == nil && own {
			failed = tx.Commit()
		}
	case batcher && len(all.items) > 1:
		// A mixed plan's two messages are two items of one batch, so
		// they go into one transaction: both are stored or neither.
		failed = all.store(ctx, r, b, tx, results, 0)
	default:
		all.storeEach(ctx, r, tx, results)
	}
	if failed != nil {
		for _, i := range all.index {
			results[i].Outcome, results[i].Err, results[i].OutboxID, results[i].ScanOutboxID = Deferred, failed, 0, 0
		}
	}
	for _, res := range results {
		r.logResult(ctx, res)
	}
	return results
}

// deferredAll returns n Deferred results with err.
func deferredAll(n int, err error) []*Result {
	results := make([]*Result, n)
	for i := range results {
		results[i] = &Result{Outcome: Deferred, Err: err}
	}
	return results
}

// enqueuePart is how many inputs EnqueueAll composes at a time; with a
// batching outbox it stores each part while it composes the next.
const enqueuePart = 100

// prepared is one document of an input, parsed, planned and composed:
// msg (and scan, for a mixed plan's scanning service) are nil when that
// ended the document, and res says how.
type prepared struct {
	res       *Result
	msg, scan *transport.Message
}

// parseAndPrepare parses one input and prepares each of its documents;
// single refuses an input of several documents (Enqueue).
func (r *Router) parseAndPrepare(ctx context.Context, input []byte, single bool) []prepared {
	if !r.settings.Enabled {
		return []prepared{{res: &Result{Outcome: NotRouted, Err: ErrDistributionDisabled}}}
	}
	docs, err := docparse.ParseAll(input, r.parse)
	if err == nil && single && len(docs) > 1 {
		err = ErrSeveralDocuments
	}
	if err != nil {
		return []prepared{{res: &Result{Outcome: Rejected, Err: err}}}
	}
	out := make([]prepared, len(docs))
	for i, d := range docs {
		out[i].res, out[i].msg, out[i].scan = r.prepare(ctx, d)
	}
	return out
}

// pending are the outbox items of a batch, each message with the index
// of its document's Result; a scan part is the item whose Opts.Part is
// set (see scanItemOptions).
type pending struct {
	items []outbox.Item
	index []int
}

// add adds the message(s) of document d, whose Result is results[i].
func (p *pending) add(r *Router, d prepared, opts *EnqueueOptions, single bool, i int) {
	o := r.itemOptions(d.res.Document, opts)
	if o.IdempotencyKey != "" && !single {
		o.IdempotencyKey = fmt.Sprintf("%s#%d", o.IdempotencyKey, i)
	}
	if opts.AllowDuplicate {
		d.msg.MessageID = r.resendID(d.msg.MessageID)
		d.res.MessageID = d.msg.MessageID
	}
	p.items, p.index = append(p.items, outbox.Item{Msg: d.msg, Opts: o}), append(p.index, i)
	if d.scan != nil {
		if opts.AllowDuplicate {
			d.scan.MessageID = r.resendID(d.scan.MessageID)
			d.res.ScanMessageID = d.scan.MessageID
		}
		p.items, p.index = append(p.items, outbox.Item{Msg: d.scan, Opts: scanItemOptions(o)}), append(p.index, i)
	}
}

// store enqueues the items from first on in one EnqueueBatch and sets
// their documents' Results; the error is the batch's (the transaction
// failed).
func (p *pending) store(ctx context.Context, r *Router, b outbox.Batcher, tx *sql.Tx, results []*Result, first int) error {
	ir, err := b.EnqueueBatch(ctx, tx, p.items[first:])
	if err != nil {
		return err
	}
	for k, i := range p.index[first:] {
		r.queued(results[i], p.items[first+k].Opts.Part != "", ir[k].ID, ir[k].Err)
	}
	return nil
}

// storeEach enqueues the items one by one, for an outbox without
// batches (or a single item).
func (p *pending) storeEach(ctx context.Context, r *Router, tx *sql.Tx, results []*Result) {
	for k, i := range p.index {
		o := p.items[k].Opts
		scan := o.Part != ""
		if scan && o.DocumentKey != "" {
			// An outbox without batches guards each message on its
			// own: the scan part gets a key of its own, so that its
			// standard part does not refuse it.
			c := *o
			c.DocumentKey += "\n" + c.Part
			o = &c
		}
		id, err := r.outbox.Enqueue(ctx, tx, p.items[k].Msg, o)
		r.queued(results[i], scan, id, err)
	}
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
