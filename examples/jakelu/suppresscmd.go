package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

// exitTempFail is EX_TEMPFAIL: a mail server piping a report to
// "jakelu bounce --db" keeps it and tries again later.
const exitTempFail = 75

// verpFromEnv returns the VERP configuration of the environment:
// JAKELU_VERP_KEY (16+ bytes), JAKELU_VERP_DOMAIN and JAKELU_VERP_LOCAL
// (default "bounces"); nil when no key is set.
func verpFromEnv() (*bounce.VERP, error) {
	key := os.Getenv("JAKELU_VERP_KEY")
	if key == "" {
		return nil, nil
	}
	v := &bounce.VERP{Key: []byte(key), Local: os.Getenv("JAKELU_VERP_LOCAL"), Domain: os.Getenv("JAKELU_VERP_DOMAIN")}
	if v.Local == "" {
		v.Local = "bounces"
	}
	if _, err := v.Address("1", "test@example.com"); err != nil {
		return nil, fmt.Errorf("JAKELU_VERP_KEY is set: %w (set JAKELU_VERP_DOMAIN, and a key of 16+ bytes)", err)
	}
	return v, nil
}

// jsonHandled is bounce --db --json's object.
type jsonHandled struct {
	Kind       bounce.Kind          `json:"kind"`
	Matched    bool                 `json:"matched"`
	Recipients []jsonHandledOutcome `json:"recipients"`
}

type jsonHandledOutcome struct {
	Address    string              `json:"address"`
	Action     outbox.BounceAction `json:"action"`
	ID         outbox.ID           `json:"outbox_id,omitempty"`
	By         outbox.MatchedBy    `json:"matched_by,omitempty"`
	From       outbox.State        `json:"from,omitempty"`
	To         outbox.State        `json:"to,omitempty"`
	Reason     bounce.Reason       `json:"reason"`
	Status     string              `json:"status"`
	Code       int                 `json:"code"`
	Hard       bool                `json:"hard"`
	Suppressed bool                `json:"suppressed"`
}

// handleBounce applies one report (from in) to the outbox in dsn: the
// "bounce --db" command, for a Postfix pipe transport. Exit 0 when the
// report was read (matched or not), 1 when it cannot be read, 75 when the
// database failed (the mail server retries).
func handleBounce(ctx context.Context, dsn string, in io.Reader, asJSON bool, stdout, stderr io.Writer) int {
	v, err := verpFromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce: %v\n", err)
		return exitConfig
	}
	o, db, err := openOutbox(ctx, dsn, &riveroutbox.Options{VERP: v})
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce: %v\n", err)
		return exitTempFail
	}
	defer db.Close()
	res, err := o.HandleBounce(ctx, in)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu bounce: %v\n", err)
		if errors.Is(err, outbox.ErrInvalid) {
			return exitNotSent
		}
		return exitTempFail
	}
	if asJSON {
		out := jsonHandled{Kind: res.Kind, Matched: res.Matched, Recipients: []jsonHandledOutcome{}}
		for _, r := range res.Recipients {
			out.Recipients = append(out.Recipients, jsonHandledOutcome{r.Address, r.Action, r.ID, r.By, r.From, r.To, r.Reason, r.Status, r.Code, r.Hard, r.Suppressed})
		}
		writeJSON(stdout, out)
		return exitOK
	}
	fmt.Fprintf(stdout, "kind: %s, matched: %v\n", res.Kind, res.Matched)
	for _, r := range res.Recipients {
		line := fmt.Sprintf("%s: %s", r.Address, r.Action)
		if r.ID != 0 {
			line += fmt.Sprintf(" (message %d by %s, %s → %s)", r.ID, r.By, r.From, r.To)
		}
		if r.Suppressed {
			line += ", suppressed"
		}
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}

const suppressUsage = `suppress COMMAND --db DSN --tenant T ...

  suppress list --db DSN --tenant T [--all] [--json]   the suppressed addresses (--all: also removed ones)
  suppress add --db DSN --tenant T [--note TEXT] ADDRESS   stop mailing ADDRESS
  suppress remove --db DSN --tenant T --by NAME ADDRESS    mail ADDRESS again (audited)
`

// runSuppress implements "jakelu suppress".
func runSuppress(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "add" && args[0] != "remove") {
		fmt.Fprint(stderr, "usage: jakelu "+suppressUsage)
		if len(args) > 0 && args[0] != "-h" && args[0] != "help" && args[0] != "--help" {
			fmt.Fprintf(stderr, "\njakelu suppress: unknown command %q\n", args[0])
			return exitUsage
		}
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd := args[0]
	fs := newFlagSet("suppress "+cmd, suppressUsage, stderr)
	dsn := fs.String("db", "", "the outbox database: "+exampledb.Usage)
	tenant := fs.String("tenant", "", "the company (outbox tenant)")
	all := fs.Bool("all", false, "list: also removed suppressions")
	asJSON := fs.Bool("json", false, "list: print JSON")
	note := fs.String("note", "", "add: why the address is blocked")
	by := fs.String("by", "", "remove: who removes the suppression (audited)")
	pos, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	wantPos := 1
	if cmd == "list" {
		wantPos = 0
	}
	if err != nil || *dsn == "" || len(pos) != wantPos || (cmd == "remove" && *by == "") {
		fmt.Fprint(stderr, "usage: jakelu "+suppressUsage)
		return exitUsage
	}
	o, db, err := openOutbox(ctx, *dsn, nil)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu suppress %s: %v\n", cmd, err)
		return exitConfig
	}
	defer db.Close()
	sup := o.Suppressions()
	switch cmd {
	case "add":
		err = sup.Add(ctx, outbox.Suppression{Tenant: *tenant, Address: pos[0], Source: outbox.SourceManual, Text: *note})
	case "remove":
		err = sup.Remove(ctx, *tenant, pos[0], *by)
	case "list":
		var list []outbox.Suppression
		if list, err = sup.List(ctx, *tenant, *all); err == nil {
			printSuppressions(stdout, list, *asJSON)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "jakelu suppress %s: %v\n", cmd, err)
		if errors.Is(err, outbox.ErrNotFound) || errors.Is(err, outbox.ErrInvalid) {
			return exitNotSent
		}
		return exitConfig
	}
	return exitOK
}

type jsonSuppression struct {
	Address   string        `json:"address"`
	Source    outbox.Source `json:"source"`
	Reason    bounce.Reason `json:"reason"`
	Status    string        `json:"status"`
	Code      int           `json:"code"`
	Text      string        `json:"text"`
	Hard      bool          `json:"hard"`
	Active    bool          `json:"active"`
	FirstSeen string        `json:"first_seen"`
	LastSeen  string        `json:"last_seen"`
	Count     int           `json:"count"`
	KeepUntil string        `json:"keep_until,omitempty"`
	RemovedBy string        `json:"removed_by,omitempty"`
	RemovedAt string        `json:"removed_at,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func printSuppressions(w io.Writer, list []outbox.Suppression, asJSON bool) {
	now := time.Now()
	if asJSON {
		out := []jsonSuppression{}
		for _, s := range list {
			out = append(out, jsonSuppression{s.Address, s.Source, s.Reason, s.Status, s.Code, s.Text, s.Hard, s.Active(now),
				rfc3339(s.FirstSeen), rfc3339(s.LastSeen), s.Count, rfc3339(s.KeepUntil), s.RemovedBy, rfc3339(s.RemovedAt)})
		}
		writeJSON(w, out)
		return
	}
	for _, s := range list {
		line := s.Message("en")
		switch {
		case !s.RemovedAt.IsZero():
			line += fmt.Sprintf(" [removed by %s on %s]", s.RemovedBy, s.RemovedAt.Format("2006-01-02"))
		case !s.Active(now):
			line += " [not active]"
		}
		fmt.Fprintln(w, strings.TrimSpace(line))
	}
}
