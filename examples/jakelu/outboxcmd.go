package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport"
	filetransport "github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/smtp"
)

// outboxUsage is the usage line of "jakelu outbox".
const outboxUsage = `outbox COMMAND --db DSN ...

  outbox migrate --db DSN            create or upgrade the outbox tables (run once, and after upgrades)
  outbox work --db DSN (--smtp HOST:PORT [--tls MODE] [--tls-ca FILE] | --out DIR) [--workers N]
              [--job-timeout D] [--rescue-after D] [--until-idle]
                                     deliver the queued e-mails (until interrupted, or until idle)
  outbox list --db DSN [--state S] [--json]
  outbox status --db DSN [--json] ID
  outbox release --db DSN ID         re-send the ambiguous recipients of message ID (same bytes and Message-ID)
  outbox cancel --db DSN ID          cancel every recipient of message ID not delivered yet

DSN is ` + exampledb.Usage + `. Documents are put into the outbox with
"jakelu send --outbox DSN ...". Exit status: 0 done, 1 the message is not found or
nothing could be released or cancelled, 2 usage error, 3 the database or the mail server
is not usable (run "jakelu outbox migrate" first).
`

// runOutbox implements "jakelu outbox".
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: jakelu "+outboxUsage)
		return exitUsage
	}
	switch args[0] {
	case "migrate":
		return outboxMigrate(ctx, args[1:], stdout, stderr)
	case "work":
		return outboxWork(ctx, args[1:], stdout, stderr)
	case "list":
		return outboxList(ctx, args[1:], stdout, stderr)
	case "status", "release", "cancel":
		return outboxOne(ctx, args[0], args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, "usage: jakelu "+outboxUsage)
	if args[0] != "-h" && args[0] != "help" && args[0] != "--help" {
		fmt.Fprintf(stderr, "\njakelu outbox: unknown command %q\n", args[0])
	}
	return exitUsage
}

// openOutboxDB opens the database of dsn with the settings River
// recommends (one connection for SQLite).
func openOutboxDB(dsn string) (*sql.DB, riveroutbox.Dialect, error) {
	db, d, err := exampledb.Open(dsn)
	if err != nil {
		return nil, 0, err
	}
	if d == sqlregistry.SQLite {
		db.SetMaxOpenConns(1)
		return db, riveroutbox.SQLite, nil
	}
	db.SetMaxIdleConns(64) // a connection per busy worker, kept (see riveroutbox.Options.MaxWorkers)
	return db, riveroutbox.Postgres, nil
}

// openOutbox opens the outbox in dsn; the caller closes the database.
func openOutbox(ctx context.Context, dsn string, opts *riveroutbox.Options) (*riveroutbox.Outbox, *sql.DB, error) {
	db, d, err := openOutboxDB(dsn)
	if err != nil {
		return nil, nil, err
	}
	o, err := riveroutbox.New(ctx, db, d, opts)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return o, db, nil
}

func outboxMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("outbox migrate", "outbox migrate --db DSN", stderr)
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil || *dsn == "" || len(pos) > 0 {
		fmt.Fprintln(stderr, "jakelu outbox migrate: give --db DSN and nothing else")
		return exitUsage
	}
	db, d, err := openOutboxDB(*dsn)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu outbox migrate: --db: %v\n", err)
		return exitConfig
	}
	defer db.Close()
	if err := riveroutbox.Migrate(ctx, db, d); err != nil {
		fmt.Fprintf(stderr, "jakelu outbox migrate: %v\n", err)
		return exitConfig
	}
	fmt.Fprintf(stdout, "the outbox in %s is at version %d\n", exampledb.Describe(*dsn), riveroutbox.SchemaVersion)
	return exitOK
}

func outboxWork(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("outbox work", "outbox work --db DSN (--smtp HOST:PORT [--tls MODE] [--tls-ca FILE] | --out DIR) [--workers N] [--job-timeout D] [--rescue-after D] [--until-idle]\n\n"+smtpHelp, stderr)
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	smtpAddr := fs.String("smtp", "", "deliver through this SMTP server (host:port)")
	out := fs.String("out", "", "deliver as .eml files into this folder")
	var tlsMode smtp.TLSMode
	fs.TextVar(&tlsMode, "tls", smtp.StartTLS, "SMTP TLS: starttls (required), opportunistic, implicit or none (loopback only)")
	tlsCA := fs.String("tls-ca", "", "trust the CA certificates in this PEM `FILE` for the SMTP server")
	workers := fs.Int("workers", 10, "how many messages are delivered at once")
	jobTimeout := fs.Duration("job-timeout", 5*time.Minute, "the longest one delivery job (its SMTP transactions) may take")
	rescueAfter := fs.Duration("rescue-after", 15*time.Minute, "when a job of a process that died is given to another worker (at least --job-timeout)")
	untilIdle := fs.Bool("until-idle", false, "exit 0 once nothing is pending or due (a held ambiguous recipient is not pending)")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	switch {
	case err != nil:
		return exitUsage
	case *dsn == "" || len(pos) > 0 || (*smtpAddr == "") == (*out == ""):
		fs.Usage()
		fmt.Fprintln(stderr, "\njakelu outbox work: give --db DSN and exactly one of --smtp and --out")
		return exitUsage
	case *workers < 1 || *jobTimeout <= 0 || *rescueAfter < *jobTimeout:
		fmt.Fprintln(stderr, "jakelu outbox work: --workers must be at least 1, --job-timeout positive and --rescue-after at least --job-timeout")
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "jakelu outbox work: configuration error: %v\n", err)
		return exitConfig
	}
	var tr transport.RawSender
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fail(err)
		}
		ft, err := filetransport.New(*out, nil)
		if err != nil {
			return fail(err)
		}
		tr = ft
	} else {
		st, err := smtpTransport(ctx, *smtpAddr, tlsMode, *tlsCA, stderr)
		if err != nil {
			return fail(err)
		}
		defer st.Close()
		tr = st
	}
	verp, err := verpFromEnv()
	if err != nil {
		return fail(err)
	}
	opts := &riveroutbox.Options{Transport: tr, VERP: verp, MaxWorkers: *workers, JobTimeout: *jobTimeout, RescueAfter: *rescueAfter,
		PollInterval: 200 * time.Millisecond,
		OnChange: func(c outbox.Change) {
			line := fmt.Sprintf("%d %s %s → %s", c.ID, c.Address, c.From, c.To)
			if c.Code != 0 {
				line += fmt.Sprintf(" (%d %s)", c.Code, c.EnhancedCode)
			}
			fmt.Fprintln(stdout, line)
		}}
	o, db, err := openOutbox(ctx, *dsn, opts)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	if err := o.Start(ctx); err != nil {
		return fail(err)
	}
	stop := func() int {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *jobTimeout+10*time.Second)
		defer cancel()
		if err := o.Stop(sctx); err != nil {
			fmt.Fprintf(stderr, "jakelu outbox work: stopping: %v\n", err)
			return exitNotSent
		}
		return exitOK
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for idle := 0; ; {
		select {
		case <-ctx.Done():
			return stop()
		case <-tick.C:
		}
		if !*untilIdle {
			continue
		}
		n, err := o.Due(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "jakelu outbox work: %v\n", err)
			continue
		}
		if idle = idle + 1; n > 0 {
			idle = 0
		}
		if idle >= 2 {
			return stop()
		}
	}
}

// jsonOutboxMessage is one message of list --json and status --json.
type jsonOutboxMessage struct {
	ID         int64                 `json:"id"`
	MessageID  string                `json:"message_id"`
	State      outbox.State          `json:"state"`
	Recipients []jsonOutboxRecipient `json:"recipients"`
}

type jsonOutboxRecipient struct {
	Address      string       `json:"address"`
	State        outbox.State `json:"state"`
	Attempts     int          `json:"attempts"`
	Code         int          `json:"code"`
	EnhancedCode string       `json:"enhanced_code"`
	Text         string       `json:"text"`
}

func outboxJSON(st *outbox.Status) jsonOutboxMessage {
	m := jsonOutboxMessage{ID: int64(st.ID), MessageID: st.MessageID, State: st.State, Recipients: []jsonOutboxRecipient{}}
	for _, r := range st.Recipients {
		m.Recipients = append(m.Recipients, jsonOutboxRecipient{Address: r.Address, State: r.State, Attempts: r.Attempts,
			Code: r.Code, EnhancedCode: r.EnhancedCode, Text: r.Text})
	}
	return m
}

func printOutboxText(w io.Writer, st *outbox.Status) {
	fmt.Fprintf(w, "%d %s %s %s\n", st.ID, st.State, st.MessageID, st.DocumentRef)
	for _, r := range st.Recipients {
		line := fmt.Sprintf("  %s %s attempts %d", r.Address, r.State, r.Attempts)
		if r.Code != 0 {
			line += fmt.Sprintf(" %d %s", r.Code, r.EnhancedCode)
		}
		if r.Text != "" && r.State != outbox.Delivered {
			line += ": " + r.Text
		}
		fmt.Fprintln(w, line)
	}
}

func outboxList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("outbox list", "outbox list --db DSN [--state S] [--json]", stderr)
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	state := fs.String("state", "", "only messages in this state: "+strings.Join(stateNames(), ", "))
	asJSON := fs.Bool("json", false, "print one JSON array of messages")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var q outbox.Query
	if err == nil && *state != "" {
		q.State, err = outbox.ParseState(*state)
	}
	if err != nil || *dsn == "" || len(pos) > 0 {
		if err != nil {
			fmt.Fprintf(stderr, "jakelu outbox list: %v\n", err)
		}
		fmt.Fprintln(stderr, "usage: jakelu outbox list --db DSN [--state S] [--json]")
		return exitUsage
	}
	o, db, err := openOutbox(ctx, *dsn, nil)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu outbox list: %v\n", err)
		return exitConfig
	}
	defer db.Close()
	all := []jsonOutboxMessage{}
	q.Limit = 1000
	for {
		page, err := o.List(ctx, q)
		if err != nil {
			fmt.Fprintf(stderr, "jakelu outbox list: %v\n", err)
			return exitConfig
		}
		for i := range page.Messages {
			if *asJSON {
				all = append(all, outboxJSON(&page.Messages[i]))
			} else {
				printOutboxText(stdout, &page.Messages[i])
			}
		}
		if page.Next == 0 {
			break
		}
		q.After = page.Next
	}
	if *asJSON {
		writeJSON(stdout, all)
	}
	return exitOK
}

func stateNames() []string {
	var out []string
	for _, s := range outbox.States() {
		out = append(out, string(s))
	}
	return out
}

// outboxOne implements status, release and cancel of one message.
func outboxOne(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("outbox "+cmd, "outbox "+cmd+" --db DSN ID", stderr)
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	asJSON := fs.Bool("json", false, "print the message as JSON")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var id outbox.ID
	if err == nil && len(pos) == 1 {
		id, err = outbox.ParseID(pos[0])
	}
	if err != nil || *dsn == "" || len(pos) != 1 {
		if err != nil {
			fmt.Fprintf(stderr, "jakelu outbox %s: %v\n", cmd, err)
		}
		fmt.Fprintf(stderr, "usage: jakelu outbox %s --db DSN ID\n", cmd)
		return exitUsage
	}
	o, db, err := openOutbox(ctx, *dsn, nil)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu outbox %s: %v\n", cmd, err)
		return exitConfig
	}
	defer db.Close()
	switch cmd {
	case "release":
		err = o.Release(ctx, id, nil)
	case "cancel":
		err = o.Cancel(ctx, id)
	}
	var st *outbox.Status
	if err == nil {
		st, err = o.Status(ctx, id)
	}
	if err != nil {
		fmt.Fprintf(stderr, "jakelu outbox %s: %v\n", cmd, err)
		var oe *outbox.Error
		if errors.As(err, &oe) && (errors.Is(err, outbox.ErrNotFound) || errors.Is(err, outbox.ErrNotAmbiguous) ||
			errors.Is(err, outbox.ErrNotCancellable) || errors.Is(err, outbox.ErrPruned)) {
			return exitNotSent
		}
		return exitConfig
	}
	if *asJSON {
		writeJSON(stdout, outboxJSON(st))
	} else {
		printOutboxText(stdout, st)
	}
	return exitOK
}
