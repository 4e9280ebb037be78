package main

// The app's durable outbox: Send stores a document's e-mail in the outbox
// (transport/outbox/riveroutbox) in the same transaction as its delivery
// log row, and workers inside the app deliver it. The log rows follow the
// outbox: a worker's change updates its row at once (OnChange), and a
// periodic reconcile reads back every row that may still change, so the
// log is right also after changes by another process or a crash.
//
// SQLite: River wants one connection (db.SetMaxOpenConns(1)), which the
// app's own pool cannot have (a directory lookup inside the send
// transaction would wait for itself). So the outbox gets a handle of its
// own on the same file, with one connection and transactions that take the
// write lock at BEGIN (_txlock=immediate, so that they wait for the app's
// writers instead of failing); the send transaction runs on it, so the
// message and its log row commit together. PostgreSQL: one pool for both.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// Defaults of the outbox's follow-up.
const (
	defaultReconcileEvery = 3 * time.Second
	// bounceWatch is how long a delivered document is still read back
	// from the outbox, for a bounce recorded by another process.
	bounceWatch = 3 * 24 * time.Hour
)

// mailer is the app's outbox and what runs around it: the workers, the
// follow-up of the log rows and the bounce receiver.
type mailer struct {
	ob      *riveroutbox.Outbox
	db      *sql.DB // the outbox's handle: the send transaction runs on it
	ownDB   bool    // db was opened here (SQLite) and is closed by close
	suppr   outbox.Suppressions
	changed chan outbox.ID // messages whose rows to update, from OnChange

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    sync.WaitGroup
	bounce  *bounceServer
}

// sqliteFile returns the file of a SQLite database handle.
func sqliteFile(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, `PRAGMA database_list`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", err
		}
		if name == "main" {
			if file == "" {
				return "", errors.New("the SQLite database has no file: the outbox needs one it can open a second time")
			}
			return file, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "", errors.New("the SQLite database has no main file")
}

// openMailer opens (and migrates) the outbox in the app's database, with
// the app's transport for the workers. It starts nothing.
func (a *app) openMailer(ctx context.Context) error {
	m := &mailer{changed: make(chan outbox.ID, 1024)}
	d := riveroutbox.Postgres
	m.db = a.cfg.DB
	if a.cfg.Dialect == sqlregistry.SQLite {
		d = riveroutbox.SQLite
		file, err := sqliteFile(ctx, a.cfg.DB)
		if err != nil {
			return fmt.Errorf("the outbox: %w", err)
		}
		m.db, err = sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate")
		if err != nil {
			return fmt.Errorf("the outbox: %w", err)
		}
		m.db.SetMaxOpenConns(1)
		m.ownDB = true
	} else {
		a.cfg.DB.SetMaxIdleConns(max(a.cfg.Outbox.MaxWorkers, 10) + 4)
	}
	fail := func(err error) error {
		if m.ownDB {
			m.db.Close()
		}
		return fmt.Errorf("the outbox: %w", err)
	}
	if err := riveroutbox.Migrate(ctx, m.db, d); err != nil {
		return fail(err)
	}
	opts := a.cfg.Outbox
	if rs, ok := a.cfg.Transport.(transport.RawSender); ok {
		opts.Transport = rs
	}
	opts.VERP = a.cfg.VERP
	if opts.Logger == nil {
		opts.Logger = a.cfg.Logger
	}
	next := opts.OnChange
	opts.OnChange = func(c outbox.Change) {
		if next != nil {
			next(c)
		}
		select {
		case m.changed <- c.ID:
		default: // the reconcile catches up
		}
	}
	ob, err := riveroutbox.New(ctx, m.db, d, &opts)
	if err != nil {
		return fail(err)
	}
	m.ob, m.suppr = ob, ob.Suppressions()
	if m.ownDB {
		// Planning reads the suppression list outside the send
		// transaction, which holds the outbox's one connection: it reads
		// through the app's pool.
		reader, err := riveroutbox.New(ctx, a.cfg.DB, d, nil)
		if err != nil {
			return fail(err)
		}
		m.suppr = reader.Suppressions()
	}
	a.mail = m
	return nil
}

// Start starts the outbox's workers, the follow-up of the log rows and,
// with BounceAddr, the bounce receiver. Close stops them.
func (a *app) Start(ctx context.Context) error {
	m := a.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return nil
	}
	if a.cfg.BounceAddr != "" {
		if a.cfg.VERP == nil {
			return errors.New("the bounce receiver needs VERP: set JAKELU_VERP_KEY and JAKELU_VERP_DOMAIN")
		}
		ln, err := net.Listen("tcp", a.cfg.BounceAddr)
		if err != nil {
			return fmt.Errorf("the bounce receiver: %w", err)
		}
		m.bounce = a.serveBounces(ln)
	}
	// Not ctx itself: River cancels the jobs under way when its context
	// ends, and the workers stop only in Close, gracefully.
	if err := m.ob.Start(context.WithoutCancel(ctx)); err != nil {
		if m.bounce != nil {
			m.bounce.close()
			m.bounce = nil
		}
		return fmt.Errorf("the outbox's workers: %w", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel, m.started = cancel, true
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		a.follow(ctx)
	}()
	return nil
}

// stopMailer stops the bounce receiver, then the workers (gracefully: the
// jobs under way finish within the job timeout), then the follow-up, and
// closes the outbox's own database handle.
func (a *app) stopMailer() error {
	m := a.mail
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	if m.started {
		if m.bounce != nil {
			m.bounce.close()
			m.bounce = nil
		}
		timeout := a.cfg.Outbox.JobTimeout
		if timeout == 0 {
			timeout = 5 * time.Minute
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
		errs = append(errs, m.ob.Stop(ctx))
		cancel()
		m.cancel()
		m.done.Wait()
		m.started = false
	}
	if m.ownDB {
		errs = append(errs, m.db.Close())
		m.ownDB = false
	}
	return errors.Join(errs...)
}

// follow keeps the log rows current until ctx is done: at once for the
// messages OnChange names, and every ReconcileEvery for every row that may
// still change.
func (a *app) follow(ctx context.Context) {
	every := a.cfg.ReconcileEvery
	if every <= 0 {
		every = defaultReconcileEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-a.mail.changed:
			if err := a.refreshOutbox(ctx, id); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Error("updating the delivery log", "outbox", id, "err", err)
			}
		case <-tick.C:
			if err := a.reconcile(ctx); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Error("reconciling the delivery log", "err", err)
			}
		}
	}
}

// reconcile reads back from the outbox every log row that may still change.
func (a *app) reconcile(ctx context.Context) error {
	refs, err := a.st.unsettledDeliveries(ctx, a.cfg.Now().Add(-bounceWatch))
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range refs {
		errs = append(errs, a.refreshRow(ctx, r))
	}
	return errors.Join(errs...)
}

// refreshOutbox updates the log rows of an outbox message.
func (a *app) refreshOutbox(ctx context.Context, id outbox.ID) error {
	refs, err := a.st.deliveriesOfOutbox(ctx, int64(id))
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range refs {
		errs = append(errs, a.refreshRow(ctx, r))
	}
	return errors.Join(errs...)
}

// refreshRow stores the outbox's state of a log row's messages in the row.
func (a *app) refreshRow(ctx context.Context, r deliveryRef) error {
	sts, err := a.outboxStatus(ctx, r.CompanyID, r.OutboxID, r.ScanOutboxID)
	if err != nil {
		return err
	}
	if len(sts) == 0 {
		return nil
	}
	state, rcpts := summarize(sts, r.Recipients)
	return a.st.updateDeliveryState(ctx, r.CompanyID, r.ID, string(state), rcpts)
}

// messageStatus is one outbox message of a delivery, with whether it is
// the scanning service's e-mail.
type messageStatus struct {
	*outbox.Status
	Scan bool
}

// outboxStatus returns the outbox's status of a delivery's messages (0 IDs
// skipped). A message of another tenant is left out, as if not found.
func (a *app) outboxStatus(ctx context.Context, companyID string, ids ...int64) ([]messageStatus, error) {
	var out []messageStatus
	for i, id := range ids {
		if id == 0 {
			continue
		}
		st, err := a.mail.ob.Status(ctx, outbox.ID(id))
		if errors.Is(err, outbox.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st.Tenant != companyID {
			continue
		}
		out = append(out, messageStatus{st, i == 1})
	}
	return out, nil
}

// summarize returns the combined state of a delivery's messages and its
// recipients as the log stores them, the outcome of each being its outbox
// state. prev are the recipients stored before, for the delivery profile
// of a recipient of a document sent to the scanning service only (whose
// one message is not the second one).
func summarize(sts []messageStatus, prev []distribution.RecipientSummary) (outbox.State, []distribution.RecipientSummary) {
	profiles := make(map[string]string)
	for _, r := range prev {
		profiles[strings.ToLower(r.Address)] = r.Profile
	}
	var states []outbox.State
	rcpts := []distribution.RecipientSummary{}
	for _, st := range sts {
		for _, r := range st.Recipients {
			states = append(states, r.State)
			profile := profiles[strings.ToLower(r.Address)]
			if st.Scan {
				profile = "scan"
			}
			rcpts = append(rcpts, distribution.RecipientSummary{Address: r.Address, Outcome: string(r.State), Code: r.Code,
				Profile: profile, Error: r.Text})
		}
	}
	return outbox.Combine(states...), rcpts
}
