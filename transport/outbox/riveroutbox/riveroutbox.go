package riveroutbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/jakelu/jakelu/internal/parallel"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

// queue is the River queue of jakelu's jobs.
const queue = "jakelu_outbox"

// Options configures an [Outbox]. A nil *Options means the defaults: an
// instance that only enqueues and queries.
type Options struct {
	// Transport delivers the stored bytes; required for [Outbox.Start].
	// smtp.Transport, file.Transport and dkim.Transport implement it.
	// With dkim, messages are stored unsigned and signed at each attempt,
	// so a retry days later carries a fresh signature that verifies with
	// the key published then.
	Transport transport.RawSender
	// Compose are the options messages are composed with at Enqueue;
	// nil means Transport's ComposeOptions, or SMTPUTF8 allowed without a
	// transport.
	Compose *transport.ComposeOptions
	// Schedule is the retry schedule (zero fields: the default).
	Schedule outbox.Schedule
	// Ambiguity is the ambiguity policy: Hold (default) or Retry.
	Ambiguity outbox.Ambiguity
	// MaxWorkers is how many messages this instance delivers at once;
	// 0 means 10. A worker uses a database connection while its
	// statement runs, MaxStatements of them at most at once: on
	// PostgreSQL give the *sql.DB SetMaxIdleConns of at least
	// MaxStatements and a few for River (database/sql keeps 2 by default,
	// and opening a connection per statement made delivery ten times
	// slower).
	MaxWorkers int
	// MaxStatements is how many of the workers' database statements run
	// at once; 0 means twice GOMAXPROCS. The workers spend most of their
	// time in SMTP transactions; more statements at once only have the
	// database's processes compete for the cores (with 20 workers and
	// PostgreSQL on the same two cores, a limit of 4 delivered about a
	// quarter more messages a second than none).
	MaxStatements int
	// JobTimeout bounds one delivery job (all its SMTP transactions);
	// 0 means 5 minutes. A recipient in the middle of a job that ran out
	// of time, or whose process died, is taken for ambiguous once this
	// time (plus a second) has passed since its transaction began.
	JobTimeout time.Duration
	// RescueAfter is when River gives a job that is still running (its
	// process died) to another worker; 0 means 15 minutes. It must not be
	// below JobTimeout.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for due jobs; 0 means
	// 1 s.
	PollInterval time.Duration
	// Retention is how long the bytes of a message whose recipients are
	// all final are kept; the record stays. 0 means 90 days.
	Retention time.Duration
	// OnChange, if set, is called after every committed state change of
	// a recipient made by a worker, Cancel, Release or Dismiss, from the
	// goroutine that made it. It must not block for long.
	OnChange func(outbox.Change)
	// Logger receives one record per state change (nil: none), and
	// River's own warnings.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. For tests.
	Now func() time.Time
	// ClientID names this process among the workers; "" lets River pick.
	ClientID string
	// VERP, when set, makes the envelope sender of every recipient's
	// transaction a VERP address (see [bounce.VERP]) carrying the outbox
	// ID and a token, so [Outbox.HandleBounce] matches a report to the
	// recipient even when the report is mangled.
	VERP *bounce.VERP
	// IgnoreSuppressions turns off the check at send time: by default a
	// recipient whose address is on its tenant's suppression list when
	// its turn comes is not sent, and becomes suppressed.
	IgnoreSuppressions bool
}

// Outbox is a durable outbox on River: an [outbox.Outbox] whose workers
// deliver through a [transport.RawSender]. Create it with [New]; it is
// safe for concurrent use.
type Outbox struct {
	db       *sql.DB
	d        Dialect
	dl       *dialect
	client   *river.Client[*sql.Tx]
	opts     Options
	sched    outbox.Schedule
	compose  transport.ComposeOptions
	schema   string        // River's schema, "" for SQLite
	slots    chan struct{} // the workers' statements running (Options.MaxStatements)
	mu       sync.Mutex
	started  bool
	canStart bool
}

var (
	_ outbox.Outbox     = (*Outbox)(nil)
	_ outbox.Batcher    = (*Outbox)(nil)
	_ outbox.TxBeginner = (*Outbox)(nil)
)

// deliverArgs is the River job of one message.
type deliverArgs struct {
	Message int64 `json:"message"`
}

func (deliverArgs) Kind() string { return "jakelu_outbox_deliver" }

// pruneArgs is the periodic job removing old bytes.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "jakelu_outbox_prune" }

// New returns the outbox in db, whose tables [Migrate] created. Without
// opts.Transport it only enqueues and queries; with it, [Outbox.Start]
// starts workers.
func New(ctx context.Context, db *sql.DB, d Dialect, opts *Options) (*Outbox, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if db == nil {
		return nil, &outbox.Error{Op: "new", Err: outbox.ErrInvalid, Detail: "nil *sql.DB"}
	}
	dl, ok := d.dialect()
	if !ok {
		return nil, errDialect("new", d)
	}
	o := &Outbox{db: db, d: d, dl: dl}
	if opts != nil {
		o.opts = *opts
	}
	if o.opts.Transport != nil {
		if v := reflect.ValueOf(o.opts.Transport); v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, &outbox.Error{Op: "new", Err: outbox.ErrNoTransport, Detail: fmt.Sprintf("Options.Transport is a nil %T; create it with its package's New", o.opts.Transport)}
		}
	}
	o.opts.MaxWorkers = defaultInt(o.opts.MaxWorkers, 10)
	o.opts.MaxStatements = defaultInt(o.opts.MaxStatements, 2*runtime.GOMAXPROCS(0))
	o.slots = make(chan struct{}, o.opts.MaxStatements)
	o.opts.JobTimeout = defaultDur(o.opts.JobTimeout, 5*time.Minute)
	o.opts.RescueAfter = defaultDur(o.opts.RescueAfter, 15*time.Minute)
	o.opts.PollInterval = defaultDur(o.opts.PollInterval, time.Second)
	o.opts.Retention = defaultDur(o.opts.Retention, 90*24*time.Hour)
	if o.opts.RescueAfter < o.opts.JobTimeout {
		return nil, &outbox.Error{Op: "new", Err: outbox.ErrInvalid, Detail: fmt.Sprintf("RescueAfter %v is below JobTimeout %v: a job still running would be given to a second worker", o.opts.RescueAfter, o.opts.JobTimeout)}
	}
	if v := o.opts.VERP; v != nil {
		if _, err := v.Address("1", "postmaster@example.com"); err != nil {
			return nil, &outbox.Error{Op: "new", Err: outbox.ErrInvalid, Detail: "Options.VERP: " + err.Error()}
		}
	}
	o.sched = o.opts.Schedule.Normalized()
	switch {
	case o.opts.Compose != nil:
		o.compose = *o.opts.Compose
	case o.opts.Transport != nil:
		o.compose = o.opts.Transport.ComposeOptions()
	default:
		o.compose = transport.ComposeOptions{SMTPUTF8: true}
	}
	o.compose.Bcc = false // never a Bcc header in a message handed to a server

	var version int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM jakelu_outbox_schema`).Scan(&version); err != nil || version != SchemaVersion {
		detail := fmt.Sprintf("the outbox tables are at version %d, this program needs %d: run riveroutbox.Migrate (jakelu outbox migrate)", version, SchemaVersion)
		if err != nil {
			detail = "the outbox tables are missing: run riveroutbox.Migrate (jakelu outbox migrate) first"
		}
		return nil, &outbox.Error{Op: "new", Err: outbox.ErrInvalid, Detail: detail}
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(o.work))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[pruneArgs]) error {
		_, err := o.Prune(ctx)
		return err
	}))
	logger := o.opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		ID:                   o.opts.ClientID,
		Workers:              workers,
		JobTimeout:           o.opts.JobTimeout,
		RescueStuckJobsAfter: o.opts.RescueAfter,
		PollOnly:             true,
		FetchPollInterval:    o.opts.PollInterval,
		// A worker slot freed by a finished job is refilled after at most
		// this long: River's default 100 ms left 20 slots idle for a good
		// part of jobs taking some 35 ms.
		FetchCooldown: min(o.opts.PollInterval, 10*time.Millisecond),
		MaxAttempts:   1_000_000, // jakelu's schedule decides when to give up, not River's
		RetryPolicy:   rescueRetry{},
		Logger:        slog.New(warnOnly{logger.Handler()}),
	}
	if o.opts.Transport != nil {
		o.canStart = true
		cfg.Queues = map[string]river.QueueConfig{queue: {MaxWorkers: o.opts.MaxWorkers}}
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, &river.InsertOpts{Queue: queue} },
			&river.PeriodicJobOpts{RunOnStart: true})}
	}
	var err error
	switch d {
	case SQLite:
		o.client, err = river.NewClient(riversqlite.New(db), cfg)
	case Postgres:
		if o.schema, err = riverSchema(ctx, db); err != nil {
			return nil, &outbox.Error{Op: "new", Err: err}
		}
		cfg.Schema = o.schema
		o.client, err = river.NewClient(riverdatabasesql.New(db), cfg)
	}
	if err != nil {
		return nil, &outbox.Error{Op: "new", Err: outbox.ErrInvalid, Detail: "River refused the configuration: " + err.Error()}
	}
	return o, nil
}

func defaultInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func defaultDur(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}

// rescueRetry retries a job that failed (a database error) or was rescued
// (its process died) after a few seconds: the outbox's own schedule,
// applied through snoozes, spaces the SMTP attempts.
type rescueRetry struct{}

func (rescueRetry) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Duration(len(job.Errors)+1) * time.Second
	return time.Now().Add(min(d, time.Minute))
}

// warnOnly passes River's warnings and errors to the host's logger.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (o *Outbox) ok(op string) error {
	if o == nil || o.db == nil || o.client == nil {
		return &outbox.Error{Op: op, Err: outbox.ErrInvalid, Detail: "the Outbox was not created by riveroutbox.New"}
	}
	return nil
}

func (o *Outbox) now() time.Time {
	if o.opts.Now != nil {
		return o.opts.Now()
	}
	return time.Now()
}

// Start starts delivering: up to MaxWorkers messages at once, until
// [Outbox.Stop]. It returns [outbox.ErrNoTransport] when the outbox was
// created without a transport.
func (o *Outbox) Start(ctx context.Context) error {
	if err := o.ok("start"); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if !o.canStart {
		return &outbox.Error{Op: "start", Err: outbox.ErrNoTransport, Detail: "create the outbox with Options.Transport to start workers"}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.started {
		return nil
	}
	if err := o.client.Start(ctx); err != nil {
		return &outbox.Error{Op: "start", Err: err}
	}
	o.started = true
	return nil
}

// Stop stops the workers gracefully: no new job starts, and the ones
// under way finish, until ctx is done; then they are cancelled (their
// recipients in the middle of a transaction become ambiguous or are
// retried, per the policy) and Stop waits for them to return.
func (o *Outbox) Stop(ctx context.Context) error {
	if err := o.ok("stop"); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.started {
		return nil
	}
	o.started = false
	err := o.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err = o.client.StopAndCancel(cctx)
	}
	if err != nil {
		return &outbox.Error{Op: "stop", Err: err}
	}
	return nil
}

// micros converts a time to the stored Unix microseconds; zero stays 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// Enqueue implements [outbox.Outbox.Enqueue]: it composes msg once and
// stores its bytes, Message-ID and envelope with a River job, in tx or in
// a transaction of its own.
func (o *Outbox) Enqueue(ctx context.Context, tx *sql.Tx, msg *transport.Message, opts *outbox.EnqueueOptions) (outbox.ID, error) {
	res, err := o.enqueue(ctx, "enqueue", tx, []outbox.Item{{Msg: msg, Opts: opts}})
	if err != nil {
		return 0, err
	}
	if res[0].Err != nil {
		return 0, res[0].Err
	}
	return res[0].ID, nil
}

// BeginTx implements [outbox.TxBeginner]: a transaction of the outbox's
// database, for Enqueue and EnqueueBatch.
func (o *Outbox) BeginTx(ctx context.Context) (*sql.Tx, error) {
	if err := o.ok("begin"); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, &outbox.Error{Op: "begin", Err: err}
	}
	return tx, nil
}

// EnqueueBatch implements [outbox.Batcher]: the items go into one
// transaction with one River insert for all their jobs.
func (o *Outbox) EnqueueBatch(ctx context.Context, tx *sql.Tx, items []outbox.Item) ([]outbox.ItemResult, error) {
	return o.enqueue(ctx, "enqueue batch", tx, items)
}

// prepared is one composed message of a batch.
type prepared struct {
	msg  *transport.Message
	c    *transport.Composed
	opts outbox.EnqueueOptions
	hash string
	// guarded: the duplicate guard passed for the document already (a
	// part, EnqueueOptions.Part, after the item before it).
	guarded bool
}

func (o *Outbox) enqueue(ctx context.Context, op string, tx *sql.Tx, items []outbox.Item) ([]outbox.ItemResult, error) {
	if err := o.ok(op); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	results := make([]outbox.ItemResult, len(items))
	preps := make([]*prepared, len(items))
	// Composing takes the CPU: it runs on every core.
	parallel.For(len(items), func(i int) {
		it := items[i]
		p := &prepared{}
		if it.Opts != nil {
			p.opts = *it.Opts
		}
		refuse := func(err error, detail string) {
			results[i].Err = &outbox.Error{Op: op, Err: err, Detail: detail}
		}
		if it.Msg == nil {
			refuse(transport.ErrNoRecipients, "no message (nil *transport.Message)")
			return
		}
		if p.opts.AllowDuplicate && strings.TrimSpace(p.opts.RequestedBy) == "" {
			refuse(outbox.ErrInvalid, "AllowDuplicate needs RequestedBy: who asked for the resend")
			return
		}
		c, err := transport.Compose(it.Msg, &o.compose)
		if err != nil {
			refuse(err, "the message cannot be composed")
			return
		}
		p.msg, p.c = it.Msg, c
		if p.opts.IdempotencyKey != "" || p.opts.DocumentKey != "" {
			p.hash = contentHash(it.Msg)
		}
		preps[i] = p
	})
	own := tx == nil
	if own {
		var err error
		if tx, err = o.db.BeginTx(ctx, nil); err != nil {
			return nil, &outbox.Error{Op: op, Err: err}
		}
		defer tx.Rollback()
	}
	now := o.now()
	var jobs []river.InsertManyParams
	var batch []int // items for insertBatch
	// partOf reports whether item i is a part of the item before it
	// (EnqueueOptions.Part): the two are guarded together.
	partOf := func(i int) bool {
		if i == 0 || i >= len(items) || items[i].Opts == nil || items[i].Opts.Part == "" || items[i-1].Opts == nil {
			return false
		}
		a, b := items[i-1].Opts, items[i].Opts
		return a.Tenant == b.Tenant && a.DocumentKey == b.DocumentKey
	}
	for i, p := range preps {
		if partOf(i) && results[i-1].Err != nil { // its document was refused
			results[i].Err, preps[i] = results[i-1].Err, nil
			continue
		}
		if p == nil {
			if partOf(i + 1) { // a part that cannot be stored stops its document
				results[i+1].Err, preps[i+1] = results[i].Err, nil
			}
			continue
		}
		if partOf(i+1) && preps[i+1] == nil {
			results[i].Err = results[i+1].Err
			continue
		}
		if o.d == Postgres && len(preps) > 1 && p.opts.IdempotencyKey == "" && !partOf(i) && !partOf(i+1) {
			batch = append(batch, i)
			continue
		}
		if partOf(i) {
			p.guarded = true // the guard passed for the item before
		}
		id, fresh, err := o.insert(ctx, tx, p, now)
		var refused *outbox.DuplicateError
		switch {
		case errors.As(err, &refused), errors.Is(err, outbox.ErrIdempotencyConflict):
			results[i].Err = err
			continue
		case err != nil:
			return nil, &outbox.Error{Op: op, Err: err}
		}
		results[i].ID = id
		if fresh {
			jobs = append(jobs, river.InsertManyParams{Args: deliverArgs{Message: int64(id)},
				InsertOpts: &river.InsertOpts{Queue: queue, ScheduledAt: p.opts.NotBefore}})
		}
	}
	if len(batch) > 0 {
		if err := o.insertBatch(ctx, tx, preps, batch, results, now); err != nil {
			return nil, &outbox.Error{Op: op, Err: err}
		}
		for _, i := range batch {
			if results[i].Err == nil {
				jobs = append(jobs, river.InsertManyParams{Args: deliverArgs{Message: int64(results[i].ID)},
					InsertOpts: &river.InsertOpts{Queue: queue, ScheduledAt: preps[i].opts.NotBefore}})
			}
		}
	}
	if len(jobs) > 0 {
		if _, err := o.client.InsertManyTx(ctx, tx, jobs); err != nil {
			return nil, &outbox.Error{Op: op, Err: err}
		}
	}
	if own {
		if err := tx.Commit(); err != nil {
			return nil, &outbox.Error{Op: op, Err: err}
		}
	}
	return results, nil
}

// insert stores one message and its recipients; fresh is false when an
// earlier message with the same idempotency key and content is returned.
// It returns a *outbox.Error wrapping ErrIdempotencyConflict or a
// *outbox.DuplicateError for a refused message.
func (o *Outbox) insert(ctx context.Context, tx *sql.Tx, p *prepared, now time.Time) (outbox.ID, bool, error) {
	var key any
	if p.opts.IdempotencyKey != "" {
		key = p.opts.IdempotencyKey
		if id, ok, err := o.sameKey(ctx, tx, p, key); ok || err != nil {
			return id, false, err
		}
	}
	if p.opts.DocumentKey != "" && !p.opts.AllowDuplicate && !p.guarded {
		if err := o.guard(ctx, tx, p, now); err != nil {
			return 0, false, err
		}
	}
	search := searchText(p)
	smtputf8 := 0
	if p.c.SMTPUTF8 {
		smtputf8 = 1
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO jakelu_outbox_message
(tenant, idem_key, content_hash, message_id, env_from, smtputf8, data, doc_ref, doc_key, requested_by, search, state, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
ON CONFLICT (tenant, idem_key) DO NOTHING RETURNING id`,
		p.opts.Tenant, key, p.hash, p.c.MessageID, p.c.From, smtputf8, p.c.Data, p.opts.DocumentRef, p.opts.DocumentKey,
		p.opts.RequestedBy, search, string(outbox.Pending), micros(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) { // a concurrent Enqueue with the same key committed first
		id, _, err := o.sameKey(ctx, tx, p, key)
		return id, false, err
	}
	if err != nil {
		return 0, false, err
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO jakelu_outbox_rcpt (msg, idx, address, rcpt_to, state, attempts, ambiguities, dismissed, code, enhanced, reply, next_at, lease, lease_until, updated_at) VALUES `)
	args := []any{id, string(outbox.Pending), micros(later(now, p.opts.NotBefore)), micros(now)}
	for i := range p.c.Recipients {
		if i > 0 {
			b.WriteByte(',')
		}
		n := len(args)
		fmt.Fprintf(&b, "($1, %d, $%d, $%d, $2, 0, 0, 0, 0, '', '', $3, 0, 0, $4)", i, n+1, n+2)
		args = append(args, p.c.Recipients[i], p.c.RcptTo[i])
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return 0, false, err
	}
	return outbox.ID(id), true, nil
}

// sameKey looks the idempotency key up: ok when a message with it exists
// and has the same content, an error when it has other content.
func (o *Outbox) sameKey(ctx context.Context, tx *sql.Tx, p *prepared, key any) (outbox.ID, bool, error) {
	var id int64
	var hash string
	err := tx.QueryRowContext(ctx, `SELECT id, content_hash FROM jakelu_outbox_message WHERE tenant = $1 AND idem_key = $2`,
		p.opts.Tenant, key).Scan(&id, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	case !sameContent(hash, p):
		return 0, false, &outbox.Error{Op: "enqueue", ID: outbox.ID(id), Err: outbox.ErrIdempotencyConflict,
			Detail: fmt.Sprintf("key %q of tenant %q", p.opts.IdempotencyKey, p.opts.Tenant)}
	}
	return outbox.ID(id), true, nil
}

// guard refuses a document enqueued within the window by a message that
// may have reached a recipient.
func (o *Outbox) guard(ctx context.Context, tx *sql.Tx, p *prepared, now time.Time) error {
	if o.dl.lockDocument != "" {
		if _, err := tx.ExecContext(ctx, o.dl.lockDocument, p.opts.Tenant+"\n"+p.opts.DocumentKey); err != nil {
			return err
		}
	}
	window := p.opts.DuplicateWindow
	if window <= 0 {
		window = outbox.DefaultDuplicateWindow
	}
	var id, created int64
	var hash string
	err := tx.QueryRowContext(ctx, `SELECT m.id, m.created_at, m.content_hash FROM jakelu_outbox_message m
WHERE m.tenant = $1 AND m.doc_key = $2 AND m.created_at >= $3 AND EXISTS (SELECT 1 FROM jakelu_outbox_rcpt r
	WHERE r.msg = m.id AND r.state NOT IN ('failed', 'cancelled', 'expired', 'bounced', 'suppressed'))
ORDER BY m.id DESC LIMIT 1`, p.opts.Tenant, p.opts.DocumentKey, micros(now.Add(-window))).Scan(&id, &created, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &outbox.DuplicateError{Previous: outbox.ID(id), SentAt: fromMicros(created), SameContent: sameContent(hash, p)}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
