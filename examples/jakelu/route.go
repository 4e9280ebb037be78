package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
)

// routeFlags are the routing flags route and send share.
type routeFlags struct {
	directory, db   string
	documentAddress bool
	useDirectory    bool // --directory or --db names a directory
	precedence      string
	lang            string
	asJSON          bool
}

// placeholderFrom is the sender address of route, which sends nothing, and
// of send --out when --from is not given.
const placeholderFrom = "laskut@operaattori.example"

// routingHelp explains the routing flags in the -h text of route and send.
const routingHelp = `
routing: without --document-address the directory is used when --directory or --db
names one, and otherwise the e-mail address written in the document.
  document address only:  no --directory/--db (or --document-address without one)
  directory only:         --directory FILE or --db DSN (--document-address=false says so)
  both:                   --directory FILE --document-address [--precedence ...]
--document-address=false without a directory, and --precedence without both methods,
are usage errors.
`

func (f *routeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.directory, "directory", "", "recipient directory from a CSV or XLSX import file (column A customer number, B addresses, C copies)")
	fs.StringVar(&f.db, "db", "", "recipient directory in a database: sqlite:PATH or a postgres:// URL")
	fs.BoolVar(&f.documentAddress, "document-address", false, "send to the e-mail address written in the document (when not given: on without a directory, off with one)")
	fs.StringVar(&f.precedence, "precedence", "document", "when both methods give addresses: document, directory or both (needs --document-address and a directory)")
	fs.StringVar(&f.lang, "lang", "en", "language of the explanation and the default language of e-mails: fi, sv or en")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON array with one result per document")
}

// resolve decides the routing methods from the flags set on fs (parsed):
// --document-address as given, and when not given on only when no
// directory is named. It returns a usage error for flags that cannot work
// together.
func (f *routeFlags) resolve(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.directory != "" && f.db != "" {
		return errors.New("give either --directory or --db, not both")
	}
	f.useDirectory = f.directory != "" || f.db != ""
	if !set["document-address"] {
		f.documentAddress = !f.useDirectory
	}
	switch {
	case !f.documentAddress && !f.useDirectory:
		return errors.New("--document-address=false leaves no way to find recipients: name a directory with --directory FILE or --db DSN, or leave --document-address out to use the address in the document")
	case set["precedence"] && !(f.documentAddress && f.useDirectory):
		return errors.New("--precedence chooses between the document's address and the directory, so it needs both: add --document-address and --directory FILE (or --db DSN)")
	}
	return nil
}

// settings returns the distribution settings the flags describe; resolve
// must have been called.
func (f *routeFlags) settings(from string) distribution.Settings {
	return distribution.Settings{
		Company:         "jakelu-cli",
		Enabled:         true,
		DocumentAddress: f.documentAddress,
		Directory:       f.useDirectory,
		Precedence:      distribution.Precedence(f.precedence),
		From:            from,
		Language:        f.lang,
	}
}

// openDirectory checks s and opens the directory --directory or --db names
// (nil when none does). Its errors are configuration errors. The returned
// function closes the directory.
func (f *routeFlags) openDirectory(ctx context.Context, s distribution.Settings) (registry.Registry, func() error, error) {
	noClose := func() error { return nil }
	if err := s.Validate(); err != nil {
		var se *distribution.SettingsError
		if errors.As(err, &se) {
			if name, ok := settingFlags[se.Field]; ok {
				return nil, nil, fmt.Errorf("%s %q: %s", name, se.Value, se.Message(f.lang))
			}
		}
		return nil, nil, err
	}
	switch {
	case f.db != "":
		return openRegistry(ctx, f.db)
	case f.directory != "":
		reg, err := loadDirectory(ctx, f.directory, f.lang)
		return reg, noClose, err
	}
	return nil, noClose, nil
}

// settingFlags names the flag of each setting the flags set.
var settingFlags = map[string]string{"Precedence": "--precedence", "Language": "--lang", "From": "--from"}

// input is what one result is about: a document, or a file that could not
// be read or parsed.
type input struct {
	file string
	doc  *docparse.Document // nil when err is set
	err  error
}

// readInputs reads and parses the files: one input per document, or one
// per file that cannot be read or parsed.
func readInputs(files []string) []input {
	var in []input
	for _, name := range files {
		docs, err := parseFile(name)
		if err != nil {
			in = append(in, input{file: name, err: err})
			continue
		}
		for _, d := range docs {
			in = append(in, input{file: name, doc: d})
		}
	}
	return in
}

// loadDirectory imports a CSV or XLSX file into an in-memory directory.
func loadDirectory(ctx context.Context, name, lang string) (registry.Registry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--directory: %w", err)
	}
	defer f.Close()
	batch, err := importer.Read(f, decoders, nil)
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		msg := fmt.Sprintf("--directory %s: the file has %d problem(s)", name, ie.Total)
		for _, p := range ie.Problems {
			msg += fmt.Sprintf("\n  %s: %s", p.Position(lang), p.Message(lang))
		}
		return nil, errors.New(msg)
	} else if err != nil {
		return nil, fmt.Errorf("--directory %s: %w", name, err)
	}
	m := registry.NewMemory(nil)
	if _, err := importer.Apply(ctx, m, batch); err != nil {
		return nil, fmt.Errorf("--directory %s: %w", name, err)
	}
	return m, nil
}

// jsonStep is a routing step with its sentence.
type jsonStep struct {
	distribution.Step
	Text string `json:"text"`
}

// jsonPlan is the --json output of route for one document, or for a file
// that could not be read or parsed.
type jsonPlan struct {
	File    string     `json:"file"`
	Number  string     `json:"number"`
	To      []string   `json:"to"`
	Cc      []string   `json:"cc"`
	Source  string     `json:"source"`
	Steps   []jsonStep `json:"steps"`
	Explain string     `json:"explain"`
	Error   string     `json:"error,omitempty"`
}

// planJSON summarises one document's plan; p may be nil, err is why the
// document was not planned (nil when it was, also without recipients).
func planJSON(in input, p *distribution.Plan, err error, lang string) jsonPlan {
	out := jsonPlan{File: in.file, To: []string{}, Cc: []string{}, Source: string(distribution.SourceNone), Steps: []jsonStep{}}
	if in.doc != nil {
		out.Number = in.doc.Number
	}
	if p != nil {
		to, cc := p.Addresses()
		out.Number, out.To, out.Cc, out.Source, out.Explain = p.Number, nonNil(to), nonNil(cc), string(p.Source), p.Explain(lang)
		for _, s := range p.Steps {
			out.Steps = append(out.Steps, jsonStep{Step: s, Text: s.Explain(lang)})
		}
	}
	if err != nil {
		out.Error = err.Error()
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// refuseSend is the transport of route, which only plans.
var refuseSend = transport.SendFunc(func(context.Context, *transport.Message) (*transport.Receipt, error) {
	return nil, errors.New("jakelu route only plans; use jakelu send")
})

// routeJSONHelp describes route --json in its -h text.
const routeJSONHelp = `
--json prints one JSON array, one object per document (a file that cannot be read or
parsed is one object naming it, with its error): {"file", "number", "to", "cc",
"source", "steps": [{"code", "text", ...}], "explain", "error"}. On exit 3 every
document is there with the configuration error; on exit 2 the array is empty.
`

// runRoute implements "jakelu route": it prints who would receive each
// document and why, sending nothing.
func runRoute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("route", "route [--directory FILE | --db DSN] [--document-address[=false]] [--precedence document|directory|both] [--lang fi|sv|en] [--json] DOC...\n\n"+
		"Prints who would receive each document and why, sending nothing.", stderr)
	withEpilogue(fs, stderr, routingHelp+routeJSONHelp+routeExitHelp)
	var f routeFlags
	f.register(fs)
	files, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	usage := func(msg string) int {
		if msg != "" {
			fs.Usage()
			fmt.Fprintf(stderr, "\njakelu route: %s\n", msg)
		}
		if f.asJSON {
			writeJSON(stdout, []jsonPlan{})
		}
		return exitUsage
	}
	switch {
	case err != nil:
		return usage("") // the flag package printed the usage and the error
	case len(files) == 0:
		return usage("give the documents to route")
	}
	if err := f.resolve(fs); err != nil {
		return usage(err.Error())
	}
	s := f.settings(placeholderFrom)
	reg, closeReg, err := f.openDirectory(ctx, s)
	var r *distribution.Router
	if err == nil {
		defer closeReg()
		r, err = distribution.NewRouter(reg, refuseSend, s, nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "jakelu route: configuration error: %v\n", err)
		if f.asJSON {
			plans := []jsonPlan{}
			for _, in := range readInputs(files) {
				if in.err == nil {
					in.err = fmt.Errorf("not planned: configuration error: %w", err)
				}
				plans = append(plans, planJSON(in, nil, in.err, f.lang))
			}
			writeJSON(stdout, plans)
		}
		return exitConfig
	}

	plans := []jsonPlan{}
	code := exitOK
	for _, in := range readInputs(files) {
		var p *distribution.Plan
		err := in.err
		if err == nil {
			p, err = r.Plan(ctx, in.doc)
			if _, ok := errors.AsType[*distribution.NoRecipientError](err); ok {
				err = nil // a plan without recipients is an answer
			}
		}
		if err != nil {
			code = exitNotSent
		}
		if f.asJSON {
			plans = append(plans, planJSON(in, p, err, f.lang))
			continue
		}
		switch {
		case p != nil:
			to, cc := p.Addresses()
			fmt.Fprintf(stdout, "%s: document %s → to %v cc %v (source %s)\n  %s\n", in.file, p.Number, to, cc, p.Source, p.Explain(f.lang))
			if err != nil {
				fmt.Fprintf(stdout, "  %v\n", err)
			}
		default:
			fmt.Fprintf(stdout, "%s: not planned: %v\n", in.file, err)
		}
	}
	if f.asJSON {
		writeJSON(stdout, plans)
	}
	return code
}
