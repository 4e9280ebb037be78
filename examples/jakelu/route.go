package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
)

// routeFlags are the routing flags route and send share.
type routeFlags struct {
	directory, db   string
	documentAddress bool
	precedence      string
	lang            string
	from            string
	asJSON          bool
}

func (f *routeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.directory, "directory", "", "recipient directory from a CSV or XLSX import file (column A customer number, B addresses, C copies)")
	fs.StringVar(&f.db, "db", "", "recipient directory in a database: sqlite:PATH or a postgres:// URL")
	fs.BoolVar(&f.documentAddress, "document-address", false, "send to the e-mail address written in the document")
	fs.StringVar(&f.precedence, "precedence", "document", "when both methods give addresses: document, directory or both")
	fs.StringVar(&f.lang, "lang", "en", "language of the explanation and the default language of e-mails: fi, sv or en")
	fs.StringVar(&f.from, "from", "laskut@operaattori.example", "the address e-mails are sent from")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
}

// router builds the router the flags describe. The directory is used when
// --directory or --db names one. The returned function closes the directory.
func (f *routeFlags) router(ctx context.Context, tr transport.Transport) (*distribution.Router, func() error, error) {
	if f.directory != "" && f.db != "" {
		return nil, nil, errors.New("give either --directory or --db, not both")
	}
	var (
		reg      registry.Registry
		closeReg = func() error { return nil }
		err      error
	)
	switch {
	case f.db != "":
		if reg, closeReg, err = openRegistry(ctx, f.db); err != nil {
			return nil, nil, err
		}
	case f.directory != "":
		if reg, err = loadDirectory(ctx, f.directory, f.lang); err != nil {
			return nil, nil, err
		}
	}
	r, err := distribution.NewRouter(reg, tr, distribution.Settings{
		Company:         "jakelu-cli",
		Enabled:         true,
		DocumentAddress: f.documentAddress,
		Directory:       reg != nil,
		Precedence:      distribution.Precedence(f.precedence),
		From:            f.from,
		Language:        f.lang,
	}, nil)
	if err != nil {
		return nil, nil, errors.Join(err, closeReg())
	}
	return r, closeReg, nil
}

// loadDirectory imports a CSV or XLSX file into an in-memory directory.
func loadDirectory(ctx context.Context, name, lang string) (registry.Registry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	return m, nil
}

// jsonStep is a routing step with its sentence.
type jsonStep struct {
	distribution.Step
	Text string `json:"text"`
}

// jsonPlan is the --json output of route for one document.
type jsonPlan struct {
	Number  string     `json:"number"`
	To      []string   `json:"to"`
	Cc      []string   `json:"cc"`
	Source  string     `json:"source"`
	Steps   []jsonStep `json:"steps"`
	Explain string     `json:"explain"`
}

func planJSON(p *distribution.Plan, lang string) jsonPlan {
	to, cc := p.Addresses()
	out := jsonPlan{Number: p.Number, To: nonNil(to), Cc: nonNil(cc), Source: string(p.Source), Explain: p.Explain(lang)}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, jsonStep{Step: s, Text: s.Explain(lang)})
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

// runRoute implements "jakelu route": it prints who would receive each
// document and why, sending nothing.
func runRoute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("route", "route [--directory FILE | --db DSN] [--document-address] [--precedence document|directory|both] [--lang fi|sv|en] [--json] DOC...", stderr)
	var f routeFlags
	f.register(fs)
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	r, closeReg, err := f.router(ctx, refuseSend)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu route: %v\n", err)
		return 1
	}
	defer closeReg()

	var plans []jsonPlan
	code := 0
	for _, name := range files {
		docs, err := parseFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "jakelu route: %s: %v\n", name, err)
			code = 1
			continue
		}
		for _, doc := range docs {
			p, err := r.Plan(ctx, doc)
			var nr *distribution.NoRecipientError
			if err != nil && !errors.As(err, &nr) {
				fmt.Fprintf(stderr, "jakelu route: %s: %v\n", name, err)
				code = 1
				continue
			}
			if f.asJSON {
				plans = append(plans, planJSON(p, f.lang))
				continue
			}
			to, cc := p.Addresses()
			fmt.Fprintf(stdout, "%s: document %s → to %v cc %v (source %s)\n  %s\n", name, p.Number, to, cc, p.Source, p.Explain(f.lang))
		}
	}
	if f.asJSON {
		if len(plans) == 1 {
			writeJSON(stdout, plans[0])
		} else {
			writeJSON(stdout, plans)
		}
	}
	return code
}
