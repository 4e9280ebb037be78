package main

import (
	"context"

	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/registry"
)

// decoders are the file formats the tool imports.
var decoders = []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)}

// jsonProblem is a problem in the --json output.
type jsonProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Value   string `json:"value"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func jsonProblems(ps []importer.Problem, lang string) []jsonProblem {
	out := make([]jsonProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, jsonProblem{Row: p.Row, Column: p.Column, Value: p.Value, Code: string(p.Code), Message: p.Message(lang)})
	}
	return out
}

// texts holds the tool's own lines by language.
var texts = map[string]struct{ applied, dryRun, failed, more string }{
	"en": {
		applied: "imported: %d added, %d changed, %d unchanged, %d deleted",
		dryRun:  "dry run, nothing changed: %d to add, %d to change, %d unchanged, %d to delete",
		failed:  "%s: nothing was imported; problems: %d",
		more:    "… and %d more",
	},
	"fi": {
		applied: "tuotu: %d lisätty, %d muutettu, %d ennallaan, %d poistettu",
		dryRun:  "koeajo, mitään ei muutettu: %d lisättäisiin, %d muutettaisiin, %d ennallaan, %d poistettaisiin",
		failed:  "%s: mitään ei tuotu; ongelmia: %d",
		more:    "… ja %d muuta",
	},
	"sv": {
		applied: "importerat: %d tillagda, %d ändrade, %d oförändrade, %d borttagna",
		dryRun:  "provkörning, inget ändrat: %d att lägga till, %d att ändra, %d oförändrade, %d att ta bort",
		failed:  "%s: ingenting importerades; problem: %d",
		more:    "… och %d till",
	},
}

// jsonSummary is the --json output of a successful import.
type jsonSummary struct {
	Added     int           `json:"added"`
	Changed   int           `json:"changed"`
	Unchanged int           `json:"unchanged"`
	Deleted   int           `json:"deleted"`
	Warnings  []jsonProblem `json:"warnings"`
}

// jsonErrors is the --json output of a failed import.
type jsonErrors struct {
	Errors []jsonProblem `json:"errors"`
	Total  int           `json:"total"`
}

// previewLines caps how many entries of each kind a dry run lists.
const previewLines = 20

// runImport implements "jakelu import".
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("import", "import [--dry-run] [--replace-all] [--db DSN] [--lang fi|sv|en] [--json] FILE", stderr)
	dryRun := fs.Bool("dry-run", false, "show what the import would change and change nothing")
	replaceAll := fs.Bool("replace-all", false, "also delete the customer numbers that are not in the file")
	dsn := fs.String("db", "", dbUsage)
	lang := fs.String("lang", "en", "language of the messages: fi, sv or en")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	l := importer.Language(*lang)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "jakelu import: %v\n", err)
		return 1
	}

	f, err := os.Open(pos[0])
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	batch, err := importer.Read(f, decoders, nil)
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		if *asJSON {
			writeJSON(stdout, jsonErrors{Errors: jsonProblems(ie.Problems, l), Total: ie.Total})
		} else {
			fmt.Fprintf(stderr, "jakelu import: "+texts[l].failed+"\n", pos[0], ie.Total)
			for _, p := range ie.Problems {
				printProblem(stderr, p, l)
			}
			if more := ie.Total - len(ie.Problems); more > 0 {
				fmt.Fprintf(stderr, texts[l].more+"\n", more)
			}
		}
		return 1
	} else if err != nil {
		return fail(err)
	}
	batch.ReplaceAll = *replaceAll

	reg, closeReg, err := openRegistry(ctx, *dsn)
	if err != nil {
		return fail(err)
	}
	defer closeReg()
	var summary registry.Summary
	if *dryRun {
		changes, err := importer.Diff(ctx, reg, batch)
		if err != nil {
			return fail(err)
		}
		summary = changes.Summary()
		if !*asJSON {
			printChanges(stdout, changes)
		}
	} else if summary, err = importer.Apply(ctx, reg, batch); err != nil {
		return fail(err)
	}
	if err := closeReg(); err != nil {
		return fail(err)
	}
	if *asJSON {
		writeJSON(stdout, jsonSummary{
			Added: summary.Added, Changed: summary.Changed, Unchanged: summary.Unchanged, Deleted: summary.Deleted,
			Warnings: jsonProblems(batch.Warnings, l),
		})
		return 0
	}
	format := texts[l].applied
	if *dryRun {
		format = texts[l].dryRun
	}
	fmt.Fprintf(stdout, format+"\n", summary.Added, summary.Changed, summary.Unchanged, summary.Deleted)
	for _, w := range batch.Warnings {
		printProblem(stdout, w, l)
	}
	return 0
}

func printProblem(w io.Writer, p importer.Problem, lang string) {
	if pos := p.Position(lang); pos != "" {
		fmt.Fprintf(w, "%s: %s\n", pos, p.Message(lang))
	} else {
		fmt.Fprintln(w, p.Message(lang))
	}
}

// printChanges lists what a dry run would do, previewLines of each kind.
func printChanges(w io.Writer, c *importer.Changes) {
	list := func(sign string, n int, line func(i int) string) {
		for i := range min(n, previewLines) {
			fmt.Fprintf(w, "%s %s\n", sign, line(i))
		}
		if n > previewLines {
			fmt.Fprintf(w, "%s … and %d more\n", sign, n-previewLines)
		}
	}
	list("+", len(c.Added), func(i int) string { return entryLine(c.Added[i]) })
	list("~", len(c.Changed), func(i int) string {
		return entryLine(c.Changed[i].Old) + "  →  " + entryLine(c.Changed[i].New)
	})
	list("-", len(c.Deleted), func(i int) string { return entryLine(c.Deleted[i]) })
}

func entryLine(e registry.Entry) string {
	s := fmt.Sprintf("%s %v", e.CustomerNumber, e.To)
	if len(e.Cc) > 0 {
		s += fmt.Sprintf(" cc %v", e.Cc)
	}
	return s
}

// formatArg checks the csv|xlsx argument of template and export.
func formatArg(fs *flag.FlagSet, pos []string) (importer.Format, bool) {
	if len(pos) != 1 || (pos[0] != string(importer.CSV) && pos[0] != string(importer.XLSX)) {
		fs.Usage()
		return "", false
	}
	return importer.Format(pos[0]), true
}

// runTemplate implements "jakelu template".
func runTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("template", "template csv|xlsx [--lang fi|sv|en] > FILE", stderr)
	lang := fs.String("lang", "en", "language of the template: fi, sv or en")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	format, ok := formatArg(fs, pos)
	if !ok {
		return 2
	}
	write := csvimport.WriteTemplate
	if format == importer.XLSX {
		write = xlsximport.WriteTemplate
	}
	if err := write(stdout, *lang); err != nil {
		fmt.Fprintf(stderr, "jakelu template: %v\n", err)
		return 1
	}
	return 0
}

// runExport implements "jakelu export".
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export", "export [--db DSN] [--lang fi|sv|en] csv|xlsx > FILE", stderr)
	dsn := fs.String("db", "", dbUsage)
	lang := fs.String("lang", "en", "language of the header row: fi, sv or en")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	format, ok := formatArg(fs, pos)
	if !ok {
		return 2
	}
	reg, closeReg, err := openRegistry(ctx, *dsn)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu export: %v\n", err)
		return 1
	}
	defer closeReg()
	export := csvimport.Export
	if format == importer.XLSX {
		export = xlsximport.Export
	}
	if err := export(ctx, stdout, reg, *lang); err != nil {
		fmt.Fprintf(stderr, "jakelu export: %v\n", err)
		return 1
	}
	return 0
}
