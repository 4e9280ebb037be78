// Command jakelu is the command-line face of the jakelu library: it parses
// e-invoices, manages a recipient directory and routes and sends documents.
//
// Run it from the repository root:
//
//	go run ./examples/jakelu parse [--json] FILE...
//	go run ./examples/jakelu import [--dry-run] [--replace-all] [--db DSN] [--lang fi|sv|en] [--json] FILE
//	go run ./examples/jakelu template csv|xlsx [--lang fi|sv|en]
//	go run ./examples/jakelu export [--db DSN] csv|xlsx
//	go run ./examples/jakelu route [--directory FILE | --db DSN] [--document-address] [--precedence document|directory|both] [--lang fi|sv|en] [--json] DOC...
//	go run ./examples/jakelu send [routing flags] (--out DIR | --smtp HOST:PORT [--tls MODE]) DOC...
//
// Each command prints its own help with -h.
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

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // plain structs of numbers and strings: cannot fail
}
