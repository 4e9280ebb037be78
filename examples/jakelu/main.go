// Command jakelu is the command-line face of the jakelu library: it parses
// e-invoices, manages a recipient directory and routes and sends documents.
//
// Run it from the repository root:
//
//	go run ./examples/jakelu parse [--json] FILE...
//	go run ./examples/jakelu import [--dry-run] [--replace-all] [--db DSN] [--lang fi|sv|en] [--json] FILE
//	go run ./examples/jakelu template csv|xlsx [--lang fi|sv|en]
//	go run ./examples/jakelu export [--db DSN] csv|xlsx
//	go run ./examples/jakelu route [--directory FILE | --db DSN] [--document-address[=false]] [--precedence document|directory|both] [--lang fi|sv|en] [--json] DOC...
//	go run ./examples/jakelu send [routing flags] (--out DIR [--from ADDR] | --smtp HOST:PORT --from ADDR [--tls MODE] [--tls-ca FILE]) [--dkim-domain D --dkim-selector S --dkim-key FILE] [--json] DOC...
//	go run ./examples/jakelu dkim-keygen --domain D --selector S --out FILE [--ed25519]
//	go run ./examples/jakelu bounce [--json] FILE|-
//	go run ./examples/jakelu render [--lang fi|sv|en] [--document N] [--logo FILE] [--colour #RRGGBB] DOC > invoice.pdf
//	go run ./examples/jakelu send --outbox DSN [routing flags] [--from ADDR] [--json] DOC...
//	go run ./examples/jakelu outbox migrate|work|list|status|release|cancel --db DSN ...
//
// Each command prints its own help with -h.
//
// # DKIM
//
// send --dkim-domain D --dkim-selector S --dkim-key FILE signs every e-mail
// with that key (package transport/dkim); an unusable key (missing, RSA
// under 2048 bits, unsupported) is a configuration error (exit 3).
// dkim-keygen writes a new private key into --out FILE (PKCS#8 PEM, mode
// 0600, never overwriting) and prints the DNS TXT record to publish at
// S._domainkey.D on stdout.
//
// # Durable delivery
//
// send --outbox DSN stores each document's e-mail in an outbox (package
// transport/outbox/riveroutbox) instead of sending it, and prints
// "queued" with the outbox_id (and the scan_outbox_id of the scanning
// service's e-mail when the document also has scan-profile recipients), or
// the outcome that stopped it (rejected, not-routed, duplicate). outbox
// work delivers them through --smtp or --out, retrying for days; outbox
// list, status, release and cancel show and change them. outbox migrate creates the tables first.
//
// # Routing
//
// route and send find recipients the same way. Without --document-address
// the recipient directory is used when --directory or --db names one, and
// otherwise the e-mail address written in the document. Explicitly:
// document address only is --document-address without a directory;
// directory only is --directory FILE (or --db DSN), which
// --document-address=false states outright; both is --directory FILE
// --document-address, with --precedence choosing when both give addresses.
// --document-address=false without a directory, and --precedence without
// both methods, are usage errors.
//
// # Results and exit status
//
// Every input ends as one result: each document in each file, or the file
// itself when it cannot be read or parsed (send reports it "rejected").
// Nothing stops early: documents sent before a bad file are reported. With
// --json, route and send print one JSON array on stdout, also for one
// document: send one object per document with the keys file, number,
// outcome, source, messageId, recipients (address, outcome, code, error),
// explain and error; route the keys file, number, to, cc, source, steps
// (code, text, …), explain and error. On exit 3 every document is still in
// the array, not sent ("deferred") or not planned, with the configuration
// error; on exit 2 the array is empty.
//
// route and send exit with
//
//	0  every document was sent (route: every document was planned)
//	1  some document was not sent (route: a file could not be read or
//	   parsed, or the directory lookup failed); its result says why
//	2  usage error: the command line is wrong; nothing was read or sent
//	3  configuration error found before any document was sent: the
//	   directory file, the database, a setting (--precedence, --lang,
//	   --from), the --out folder or the mail server
//
// bounce reads one returned mail (FILE, or - for stdin) and prints its
// kind and, per recipient, address, status, SMTP code, action, hard and
// reason; with --json one object with the keys kind, recipients (address,
// status, code, action, hard, reason, diagnostic), original_message_id
// and envelope_id. It exits 0 for any readable message, also one that is
// not a bounce (kind not-a-bounce); 1 when the file cannot be read, is
// empty or is over 16 MiB ({"error": {"code", "message"}} with --json); 2
// on a usage error.
//
// parse --json prints one object for one document and an array for
// several, and {"error": {"code", "message"}} when a file cannot be read
// or parsed (exit 1) or the command line is wrong (exit 2).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// A command is one sub-command of the tool.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists the sub-commands in the order the help shows them.
var commands = []command{
	{"parse", "print what jakelu reads from e-invoice files", runParse},
	{"import", "import a CSV or XLSX file into a recipient directory", runImport},
	{"template", "write an import template (CSV or XLSX) to stdout", runTemplate},
	{"export", "write a recipient directory as CSV or XLSX to stdout", runExport},
	{"route", "explain who would receive documents, sending nothing", runRoute},
	{"send", "distribute documents by e-mail (.eml files or SMTP)", runSend},
	{"dkim-keygen", "make a DKIM signing key and print its DNS record", runDKIMKeygen},
	{"bounce", "read a returned mail: bounce, delay, auto-reply or complaint", runBounce},
	{"render", "write the invoice image (PDF) of an e-invoice to stdout", runRender},
	{"outbox", "durable delivery: migrate, work, list, status, release, cancel", runOutbox},
	{"suppress", "the addresses not to mail: list, add, remove", runSuppress},
	{"bounce-server", "receive bounces for the bounce domain by SMTP into the outbox", runBounceServer},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
	}
	fmt.Fprintln(stderr, "usage: jakelu COMMAND [flags] [args]")
	fmt.Fprintln(stderr, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(stderr, "  %-9s %s\n", c.name, c.summary)
	}
	if len(args) > 0 && args[0] != "-h" && args[0] != "help" && args[0] != "--help" {
		fmt.Fprintf(stderr, "\njakelu: unknown command %q\n", args[0])
	}
	return 2
}

// parseArgs parses flags that may come before or after the positional
// arguments, which it returns.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// newFlagSet returns a flag set that prints its usage line and flags to
// stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: jakelu %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// The exit codes of route and send.
const (
	exitOK      = 0 // every document was sent (route: planned)
	exitNotSent = 1 // some document was not sent; its result says why
	exitUsage   = 2 // the command line is wrong
	exitConfig  = 3 // a configuration error found before anything was sent
)

// sendExitHelp and routeExitHelp end the -h text of send and route.
const (
	sendExitHelp = `
exit status:
  0  every document was sent
  1  some document was not sent; its result says why
  2  usage error: the command line is wrong; nothing was read or sent
  3  configuration error found before any document was sent (the directory file, --db,
     --precedence, --lang, --from, the --out folder, the mail server); nothing was sent
`
	routeExitHelp = `
exit status:
  0  every document was planned (a plan may find no recipient: source none)
  1  some file could not be read or parsed, or the directory lookup failed; its result says why
  2  usage error: the command line is wrong; nothing was read
  3  configuration error: the directory file, --db, --precedence or --lang
`
)

// withEpilogue makes fs print text after its flags in its usage.
func withEpilogue(fs *flag.FlagSet, w io.Writer, text string) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(w, text)
	}
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // plain structs of numbers and strings: cannot fail
}
