package distribution

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
)

// Router routes, composes and sends documents for one company. Build it with
// [NewRouter]; it is safe for concurrent use, and cheap enough to build per
// request when settings change.
type Router struct {
	registry  registry.Registry
	transport transport.Transport
	settings  Settings
	templates map[string]*mailTemplate
	parse     *docparse.Options
	maxSize   int64
	maxRcpt   int
	now       func() time.Time
	log       *slog.Logger
	outbox    outbox.Outbox
	dupWindow time.Duration
	image     *invoicepdf.Renderer
	suppress  outbox.Suppressions
}

// Options configures a [Router]. The zero value is ready to use.
type Options struct {
	// Parse configures the document parser; nil means docparse defaults.
	Parse *docparse.Options
	// Templates overrides e-mail templates. For each language of
	// [Languages] ("fi", "sv", "en" and those added with [AddLanguage]) the
	// router looks for "LANG.txt.tmpl" (a text/template defining "subject"
	// and "text") and "LANG.html.tmpl" (an html/template defining "html")
	// and uses the built-in (or added) template where a file is missing.
	// The templates are executed with [MailData]. Nil uses the built-in
	// ones.
	Templates fs.FS
	// MaxMessageSize is the largest e-mail, in bytes as sent, that the
	// router composes; 0 means [DefaultMaxMessageSize].
	MaxMessageSize int64
	// MaxRecipients is the most recipients, To and Cc counted together,
	// one document's e-mail may have; 0 means [DefaultMaxRecipients]. A
	// document whose plan has more is not sent: Plan and Distribute return
	// a [*TooManyRecipientsError] and the outcome is Rejected.
	MaxRecipients int
	// Now returns the time written in the Date header; nil means time.Now.
	Now func() time.Time
	// Logger receives one record per distributed document; nil discards.
	Logger *slog.Logger
	// Outbox, when set, is where [Router.Enqueue] and [Router.EnqueueAll]
	// put the e-mails for durable delivery (see package
	// transport/outbox/riveroutbox). With it NewRouter accepts a nil
	// transport: such a router only enqueues.
	Outbox outbox.Outbox
	// DuplicateWindow is how long the duplicate guard of Enqueue remembers
	// a document; 0 means 7 days (see [ErrDuplicateDocument]).
	DuplicateWindow time.Duration
	// InvoiceImage renders the invoice image of a document without an
	// embedded PDF (see Settings.InvoiceImage), with the company's logo and
	// colour; nil means invoicepdf.New(nil), the default look.
	InvoiceImage *invoicepdf.Renderer
	// Suppressions, when set, is the company's suppression list (see
	// riveroutbox.Outbox.Suppressions): an address on it (under the
	// settings' Company as tenant) is left out of the plan, and
	// Plan.Explain says why and since when; a document all of whose
	// addresses are suppressed is not routed.
	Suppressions outbox.Suppressions
}

// DefaultMaxMessageSize is the default limit of an e-mail's size: common
// mail servers accept 25 MB or more, some only 20 MB.
const DefaultMaxMessageSize = 20 << 20

// DefaultMaxRecipients is the default limit of recipients (To and Cc
// together) of one document's e-mail. A customer's invoice goes to a few
// addresses; a document that lists thousands is a mistake or an attack,
// and one e-mail to all of them must never be sent.
const DefaultMaxRecipients = 50

// NewRouter returns a router that looks customer numbers up in reg and sends
// through tr under the settings s. reg may be nil when s.Directory is off. It
// returns a [*SettingsError] for unusable settings and an error for a
// template that does not parse.
func NewRouter(reg registry.Registry, tr transport.Transport, s Settings, opts *Options) (*Router, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if isNil(reg) {
		reg = nil // a typed nil, e.g. (*registry.Memory)(nil), is no registry either
	}
	if opts == nil {
		opts = &Options{}
	}
	if isNil(opts.Outbox) {
		opts.Outbox = nil
	}
	if isNil(tr) {
		if opts.Outbox == nil {
			return nil, fmt.Errorf("distribution: NewRouter needs a transport (or Options.Outbox), got %T(nil): %w", tr, transport.ErrNoTransport)
		}
		tr = nil
	}
	if s.Directory && reg == nil {
		return nil, &SettingsError{Field: "Directory", Value: "true", Err: errors.New("the recipient directory is on but no registry was given")}
	}
	tmpls, err := loadTemplates(opts.Templates)
	if err != nil {
		return nil, err
	}
	r := &Router{
		registry:  reg,
		transport: tr,
		settings:  s,
		templates: tmpls,
		parse:     opts.Parse,
		maxSize:   opts.MaxMessageSize,
		maxRcpt:   opts.MaxRecipients,
		now:       opts.Now,
		log:       opts.Logger,
		outbox:    opts.Outbox,
		dupWindow: opts.DuplicateWindow,
		image:     opts.InvoiceImage,
		suppress:  opts.Suppressions,
	}
	if r.image == nil {
		if r.image, err = invoicepdf.New(nil); err != nil {
			return nil, err
		}
	}
	if r.maxSize <= 0 {
		r.maxSize = DefaultMaxMessageSize
	}
	if r.maxRcpt <= 0 {
		r.maxRcpt = DefaultMaxRecipients
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Settings returns the settings the router was built with.
func (r *Router) Settings() Settings {
	if r == nil {
		return Settings{}
	}
	return r.settings
}

// isNil reports whether v is nil or an interface holding a nil pointer,
// func, map, slice or channel, such as (*registry.Memory)(nil).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// usable returns [ErrNotCreated] for a nil Router or one not made by
// [NewRouter], and a non-nil ctx: nil means context.Background().
func (r *Router) usable(ctx context.Context) (context.Context, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if r == nil || r.templates == nil {
		return ctx, ErrNotCreated
	}
	return ctx, nil
}

// Outcome is how the distribution of one document ended. Every document ends
// in exactly one outcome.
type Outcome string

// The outcomes.
const (
	// Sent: every recipient was delivered.
	Sent Outcome = "sent"
	// PartlySent: some recipients were delivered and some not; the
	// receipt says which. Retry only the ones not delivered.
	PartlySent Outcome = "partly-sent"
	// Failed: no recipient was delivered and the failure is permanent.
	Failed Outcome = "failed"
	// Deferred: no recipient was delivered and the failure is temporary;
	// retry later.
	Deferred Outcome = "deferred"
	// Ambiguous: the message may or may not have been delivered (the
	// connection was lost after the message was sent). A retry with the
	// same Message-ID is recognisable downstream.
	Ambiguous Outcome = "ambiguous"
	// Rejected: the input cannot be distributed as it is (not a document,
	// no document number, too large an e-mail, too many recipients). Fix
	// the input.
	Rejected Outcome = "rejected"
	// NotRouted: distribution is off, or no method gave a recipient.
	NotRouted Outcome = "not-routed"
	// Queued: [Router.Enqueue] stored the e-mail in the outbox
	// (Result.OutboxID); its workers deliver it.
	Queued Outcome = "queued"
	// Duplicate: [Router.Enqueue] refused the document because it was
	// already sent (a [*DuplicateError]).
	Duplicate Outcome = "duplicate"
)

// Result reports what [Router.Distribute] did with one document.
type Result struct {
	Document  *docparse.Document // nil when the input could not be parsed
	Plan      *Plan              // nil when routing did not start
	MessageID string             // the e-mail's Message-ID, "" when none was composed
	// ScanMessageID is the Message-ID of the second e-mail Distribute sends
	// when the plan also has scan-profile recipients besides standard ones
	// (see [Router.Compose]); "" otherwise.
	ScanMessageID string
	Receipt       *transport.Receipt // the transport's per-recipient report, nil when nothing was sent
	OutboxID      outbox.ID          // the outbox message, for the Queued outcome of Enqueue; 0 otherwise
	// ScanOutboxID is the outbox message of the scanning service's e-mail
	// that Enqueue stores besides the standard one (OutboxID) when the plan
	// has both kinds of recipient; 0 otherwise.
	ScanOutboxID outbox.ID
	Outcome      Outcome
	Err          error // why the outcome is not Sent; nil when it is
}

// ErrSeveralDocuments is returned by Distribute for input that holds more
// than one document (a TEAPPSXML batch, several Finvoice messages); use
// DistributeAll, which sends each of them.
var ErrSeveralDocuments = errors.New("distribution: the input holds several documents; use DistributeAll")

// ErrNotCreated is returned by the methods of a nil [Router] or of one that
// was not made by [NewRouter] (such as Router{}); the documents end
// Deferred, unsent.
var ErrNotCreated = errors.New("distribution: the Router was not created by NewRouter; build it with NewRouter")

// ErrNilDocument is returned for a nil *docparse.Document; the document
// ends Rejected.
var ErrNilDocument = errors.New("distribution: no document (nil *docparse.Document); pass the document docparse.Parse returned")

// Distribute parses data, plans the recipients, composes the e-mail and
// sends it. It always returns a non-nil Result; the error is Result.Err.
//
// When distribution is switched off nothing is parsed or sent and the error
// is [ErrDistributionDisabled]. Input that is not a single parseable
// document ends Rejected with the docparse error (or
// [ErrSeveralDocuments]); a document without recipients ends NotRouted with
// a [*NoRecipientError]; a document with more recipients than
// Options.MaxRecipients ends Rejected with a [*TooManyRecipientsError],
// and nothing is sent; send failures end Failed, Deferred, Ambiguous or
// PartlySent with the transport's error.
func (r *Router) Distribute(ctx context.Context, data []byte) (*Result, error) {
	ctx, err := r.usable(ctx)
	if err != nil {
		return &Result{Outcome: Deferred, Err: err}, err
	}
	if !r.settings.Enabled {
		res := &Result{Outcome: NotRouted, Err: ErrDistributionDisabled}
		r.logResult(ctx, res)
		return res, res.Err
	}
	docs, err := docparse.ParseAll(data, r.parse)
	if err == nil && len(docs) > 1 {
		err = ErrSeveralDocuments
	}
	if err != nil {
		res := &Result{Outcome: Rejected, Err: err}
		r.logResult(ctx, res)
		return res, err
	}
	res := r.distribute(ctx, docs[0])
	return res, res.Err
}

// DistributeDocument plans, composes and sends an already parsed document,
// like [Router.Distribute] does after parsing.
func (r *Router) DistributeDocument(ctx context.Context, doc *docparse.Document) (*Result, error) {
	ctx, err := r.usable(ctx)
	if err != nil {
		return &Result{Document: doc, Outcome: Deferred, Err: err}, err
	}
	res := r.distribute(ctx, doc)
	return res, res.Err
}

// BatchOptions configures [Router.DistributeAll]. The zero value is ready to
// use.
type BatchOptions struct {
	// Concurrency is how many documents are sent at once; 0 means 4.
	Concurrency int
	// Progress, when set, is called after each document, one call at a
	// time, with the number of documents done, their total and the
	// document's result.
	Progress func(done, total int, res *Result)
}

// DistributeAll distributes every document in the inputs (each input may
// hold several documents) with bounded concurrency and returns one Result
// per document, in input order; an input that cannot be parsed gives one
// Rejected result. Documents not yet sent when ctx is cancelled end
// Deferred with the context's error.
func (r *Router) DistributeAll(ctx context.Context, inputs [][]byte, opts *BatchOptions) []*Result {
	ctx, err := r.usable(ctx)
	if err != nil {
		results := make([]*Result, len(inputs))
		for i := range results {
			results[i] = &Result{Outcome: Deferred, Err: err}
		}
		return results
	}
	if opts == nil {
		opts = &BatchOptions{}
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = 4
	}
	type job struct {
		doc *docparse.Document
		res *Result // set for inputs that failed to parse
	}
	var jobs []job
	for _, data := range inputs {
		if !r.settings.Enabled {
			jobs = append(jobs, job{res: &Result{Outcome: NotRouted, Err: ErrDistributionDisabled}})
			continue
		}
		docs, err := docparse.ParseAll(data, r.parse)
		if err != nil {
			jobs = append(jobs, job{res: &Result{Outcome: Rejected, Err: err}})
			continue
		}
		for _, d := range docs {
			jobs = append(jobs, job{doc: d})
		}
	}

	results := make([]*Result, len(jobs))
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				res := jobs[i].res
				switch {
				case res != nil:
					r.logResult(ctx, res)
				case ctx.Err() != nil:
					res = &Result{Document: jobs[i].doc, Outcome: Deferred, Err: ctx.Err()}
					r.logResult(ctx, res)
				default:
					res = r.distribute(ctx, jobs[i].doc)
				}
				results[i] = res
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(jobs), res)
					mu.Unlock()
				}
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// distribute plans, composes and sends one parsed document.
func (r *Router) distribute(ctx context.Context, doc *docparse.Document) *Result {
	res := &Result{Document: doc}
	defer r.logResult(ctx, res)
	if doc == nil {
		res.Outcome, res.Err = Rejected, ErrNilDocument
		return res
	}
	plan, err := r.Plan(ctx, doc)
	res.Plan = plan
	var lookupErr *LookupError
	switch {
	case errors.As(err, &lookupErr), err != nil && ctx.Err() != nil:
		res.Outcome, res.Err = Deferred, err
		return res
	case errors.Is(err, ErrTooManyRecipients):
		res.Outcome, res.Err = Rejected, err
		return res
	case err != nil:
		res.Outcome, res.Err = NotRouted, err
		return res
	}
	if r.transport != nil {
		if std, scan := plan.byProfile(); std != nil && scan != nil {
			r.sendByProfile(ctx, doc, res, std, scan)
			return res
		}
	}
	msg, err := r.Compose(doc, plan)
	if err != nil {
		res.Outcome, res.Err = Rejected, err
		return res
	}
	res.MessageID = msg.MessageID
	if r.transport == nil {
		res.Outcome, res.Err = Deferred, fmt.Errorf("distribution: this router only enqueues (it has an Outbox but no transport): %w", transport.ErrNoTransport)
		return res
	}
	receipt, err := r.transport.Send(ctx, msg)
	res.Receipt = receipt
	res.Outcome, res.Err = classify(receipt, err)
	return res
}

// classify derives a document's outcome from the transport's receipt and
// error.
func classify(receipt *transport.Receipt, err error) (Outcome, error) {
	if receipt == nil || len(receipt.Recipients) == 0 {
		switch {
		case err == nil:
			return Sent, nil
		case transport.IsInput(err):
			return Rejected, err
		case transport.IsAmbiguous(err):
			return Ambiguous, err
		case transport.IsTemporary(err), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return Deferred, err
		}
		return Failed, err
	}
	counts := map[transport.Outcome]int{}
	for _, rr := range receipt.Recipients {
		counts[rr.Outcome]++
	}
	var out Outcome
	switch n := len(receipt.Recipients); {
	case counts[transport.Delivered] == n:
		return Sent, nil
	case counts[transport.Delivered] > 0:
		out = PartlySent
	case counts[transport.Ambiguous] > 0:
		out = Ambiguous
	case counts[transport.Deferred] > 0:
		out = Deferred
	default:
		out = Failed
	}
	if err == nil {
		err = fmt.Errorf("distribution: %s: the transport reported recipients not delivered", out)
	}
	return out, err
}

// logResult writes one log record for a finished document.
func (r *Router) logResult(ctx context.Context, res *Result) {
	level := slog.LevelInfo
	if res.Outcome != Sent && res.Outcome != Queued {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("company", r.settings.Company), slog.String("outcome", string(res.Outcome))}
	if res.Document != nil {
		attrs = append(attrs, slog.String("number", res.Document.Number))
	}
	if res.Plan != nil {
		to, cc := res.Plan.Addresses()
		attrs = append(attrs, slog.Any("to", to), slog.Any("cc", cc), slog.String("source", string(res.Plan.Source)))
	}
	if res.MessageID != "" {
		attrs = append(attrs, slog.String("message_id", res.MessageID))
	}
	if res.Err != nil {
		attrs = append(attrs, slog.String("error", res.Err.Error()))
	}
	r.log.LogAttrs(ctx, level, "jakelu: document distributed", attrs...)
}
