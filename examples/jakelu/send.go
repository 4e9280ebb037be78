package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/transport"
	filetransport "github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/smtp"
)

// jsonSent is the --json output of send for one document: the file and
// the library's summary of the result.
type jsonSent struct {
	File string `json:"file"`
	distribution.Summary
}

// runSend implements "jakelu send": it distributes each document and prints
// one result per document; it exits 1 if any document was not sent.
func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("send", "send [--directory FILE | --db DSN] [--document-address[=false]] [--precedence document|directory|both] [--lang fi|sv|en] [--json] (--out DIR [--from ADDR] | --smtp HOST:PORT --from ADDR [--tls starttls|opportunistic|implicit|none] [--tls-ca FILE] | --outbox DSN [--from ADDR]) [--dkim-domain D --dkim-selector S --dkim-key FILE] DOC...\n\n"+
		smtpHelp, stderr)
	withEpilogue(fs, stderr, routingHelp+sendJSONHelp+sendExitHelp)
	var f routeFlags
	f.register(fs)
	from := fs.String("from", "", "the address e-mails are sent from; required with --smtp (with --out, "+placeholderFrom+" when not given)")
	out := fs.String("out", "", "write the e-mails as .eml files into this folder")
	smtpAddr := fs.String("smtp", "", "send through this SMTP server (host:port)")
	outboxDSN := fs.String("outbox", "", "put the e-mails into this outbox (`DSN`: "+exampledb.Usage+") instead of sending; jakelu outbox work delivers them")
	var tlsMode smtp.TLSMode
	fs.TextVar(&tlsMode, "tls", smtp.StartTLS, "SMTP TLS: starttls (required), opportunistic, implicit or none (loopback only)")
	tlsCA := fs.String("tls-ca", "", "trust the CA certificates in this PEM `FILE` for the SMTP server (a private relay), not the system's")
	var dk dkimFlags
	dk.register(fs)
	files, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	usage := func(msg string) int {
		if msg != "" {
			fs.Usage()
			fmt.Fprintf(stderr, "\njakelu send: %s\n", msg)
		}
		if f.asJSON {
			writeJSON(stdout, []jsonSent{})
		}
		return exitUsage
	}
	switch {
	case err != nil:
		return usage("") // the flag package printed the usage and the error
	case len(files) == 0 || countSet(*out, *smtpAddr, *outboxDSN) != 1:
		return usage("give documents and exactly one of --out, --smtp and --outbox")
	case *smtpAddr != "" && *from == "":
		return usage("--smtp needs --from ADDR, the address the e-mails are sent from")
	}
	if err := f.resolve(fs); err != nil {
		return usage(err.Error())
	}
	if err := dk.check(); err != nil {
		return usage(err.Error())
	}
	if *outboxDSN != "" && dk.domain != "" {
		return usage("--outbox stores the e-mails unsigned (a worker signs at each attempt); the DKIM flags do not apply to it")
	}
	if *from == "" {
		*from = placeholderFrom
	}
	// fail reports a configuration error found before any document was
	// sent: every document is reported not sent.
	fail := func(err error) int {
		fmt.Fprintf(stderr, "jakelu send: configuration error: %v\nNothing was sent.\n", err)
		if f.asJSON {
			reports := []jsonSent{}
			for _, in := range readInputs(files) {
				res := &distribution.Result{Document: in.doc, Outcome: distribution.Rejected, Err: in.err}
				if in.err == nil {
					res.Outcome, res.Err = distribution.Deferred, fmt.Errorf("not sent: configuration error: %w", err)
				}
				reports = append(reports, sentReport(in.file, res, f.lang))
			}
			writeJSON(stdout, reports)
		}
		return exitConfig
	}
	settings := f.settings(*from)
	reg, closeReg, err := f.openDirectory(ctx, settings)
	if err != nil {
		return fail(err)
	}
	defer closeReg()

	var tr transport.Transport
	var ropts *distribution.Options
	switch {
	case *outboxDSN != "":
		ob, db, err := openOutbox(ctx, *outboxDSN, nil)
		if err != nil {
			return fail(fmt.Errorf("--outbox: %w", err))
		}
		defer db.Close()
		ropts = &distribution.Options{Outbox: ob, Suppressions: ob.Suppressions()}
	case *out != "":
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fail(err)
		}
		if tr, err = filetransport.New(*out, nil); err != nil {
			return fail(err)
		}
	default:
		// Checked before any document is sent: a configuration error
		// exits 3 with nothing sent.
		st, err := smtpTransport(ctx, *smtpAddr, tlsMode, *tlsCA, stderr)
		if err != nil {
			return fail(err)
		}
		defer st.Close()
		tr = st
	}
	if tr != nil {
		if tr, err = dk.wrap(tr, *from, stderr); err != nil {
			return fail(err)
		}
	}
	r, err := distribution.NewRouter(reg, tr, settings, ropts)
	if err != nil {
		return fail(err)
	}

	reports := []jsonSent{}
	code := exitOK
	for _, name := range files {
		// A file may hold several documents; each gets its own result. A
		// file that cannot be read is one rejected result.
		var results []*distribution.Result
		if data, err := readFile(name); err != nil {
			results = []*distribution.Result{{Outcome: distribution.Rejected, Err: err}}
		} else if ropts != nil {
			results = r.EnqueueAll(ctx, nil, [][]byte{data}, nil)
		} else {
			results = r.DistributeAll(ctx, [][]byte{data}, nil)
		}
		for _, res := range results {
			if res.Outcome != distribution.Sent && res.Outcome != distribution.Queued {
				code = exitNotSent
			}
			rep := sentReport(name, res, f.lang)
			if f.asJSON {
				reports = append(reports, rep)
				continue
			}
			var rcpts []string
			for _, rc := range rep.Recipients {
				rcpts = append(rcpts, rc.Address+" "+rc.Outcome)
			}
			if rep.OutboxID != 0 {
				rcpts = append(rcpts, fmt.Sprintf("outbox_id %d", rep.OutboxID))
			}
			if rep.ScanOutboxID != 0 {
				rcpts = append(rcpts, fmt.Sprintf("scan_outbox_id %d", rep.ScanOutboxID))
			}
			if rep.Number == "" {
				fmt.Fprintf(stdout, "%s: %s\n", rep.File, rep.Outcome)
			} else {
				fmt.Fprintf(stdout, "%s: document %s %s (source %s) %s\n", rep.File, rep.Number, rep.Outcome, rep.Source, strings.Join(rcpts, ", "))
			}
			if rep.Error != "" {
				fmt.Fprintf(stdout, "  %s\n", rep.Error)
			}
		}
	}
	if f.asJSON {
		writeJSON(stdout, reports)
	}
	return code
}

// sendJSONHelp describes send --json in its -h text.
const sendJSONHelp = `
--json prints one JSON array, one object per document (a file that cannot be read or
parsed is one "rejected" object naming it): {"file", "number", "outcome", "source",
"messageId", "recipients": [{"address", "outcome", "code", "error"}], "explain", "signed", "error"}.
outcome is sent, partly-sent, failed, deferred, ambiguous, rejected or not-routed; with
--outbox it is queued (with "outbox_id", and "scan_outbox_id" when the document also has
scan-profile recipients), rejected, not-routed, duplicate or deferred. On
exit 3 every document is "deferred" with the configuration error (files that cannot be
read or parsed still "rejected"); on exit 2 the array is empty.
`

// sentReport summarises one document's result.
func sentReport(name string, res *distribution.Result, lang string) jsonSent {
	return jsonSent{File: name, Summary: res.Summary(lang)}
}

// countSet returns how many of values are not "".
func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}
