// Command quickstart shows jakelu's whole job on embedded defaults, in a few
// seconds: it imports a small recipient directory from a CSV file into an
// in-memory registry, distributes three example documents (a UBL invoice, a
// CII credit note and a Finvoice invoice, written for this example) through
// the file transport, and prints what happened to each document.
//
// Run it from the repository root:
//
//	go run ./examples/quickstart            # e-mails go to ./out as .eml files
//	go run ./examples/quickstart -out DIR   # or to another folder
//
// Open the .eml files in any mail program to see the e-mails.
package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path"
	"strings"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/file"
)

// The example's own data: a directory export as Finnish Excel writes it
// (semicolons, a header row) and three documents.
//
//go:embed directory.csv documents
var data embed.FS

func main() {
	out := flag.String("out", "out", "folder the e-mails are written to, as .eml files")
	flag.Parse()
	if err := run(context.Background(), *out, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run does the whole job and writes its report to w.
func run(ctx context.Context, out string, w io.Writer) error {
	// 1. The company's recipient directory: customer number → addresses.
	directory := registry.NewMemory(nil)
	csv, err := data.ReadFile("directory.csv")
	if err != nil {
		return err
	}
	batch, err := importer.Read(bytes.NewReader(csv), []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	if err != nil {
		return fmt.Errorf("directory.csv: %w", err)
	}
	sum, err := importer.Apply(ctx, directory, batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Recipient directory: %d customers imported from directory.csv.\n", sum.Added)

	// 2. A transport: here .eml files in a folder; transport/smtp in production.
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	outbox, err := file.New(out, nil)
	if err != nil {
		return err
	}

	// 3. The company's settings and its router.
	settings := distribution.Settings{
		Company:         "quickstart",
		Enabled:         true,                       // "E-mail distribution" on
		DocumentAddress: true,                       // method 1: the address written in the document
		Directory:       true,                       // method 2: the recipient directory
		Precedence:      distribution.DocumentFirst, // the document's address wins when both give one
		From:            "laskut@operaattori.example",
		Operator:        "Operaattori Oy", // "Operaattori Oy sends this invoice on behalf of <seller>"
		Language:        "fi",
		// InvoiceImage: a document without its own PDF gets its invoice
		// image rendered and attached (the default; InvoiceImageOff stops it).
	}
	router, err := distribution.NewRouter(directory, outbox, settings, nil)
	if err != nil {
		return err
	}

	// 4. Distribute every example document and say what happened.
	names, err := fs.Glob(data, "documents/*.xml")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Distributing %d documents; e-mails go to %s/\n\n", len(names), out)
	for _, name := range names {
		doc, err := data.ReadFile(name)
		if err != nil {
			return err
		}
		res, _ := router.Distribute(ctx, doc)
		report(w, path.Base(name), res)
	}
	return nil
}

// report prints one document's line and its explanation.
func report(w io.Writer, name string, res *distribution.Result) {
	number, recipients, source := "?", "-", "none"
	if res.Document != nil {
		number = res.Document.Number
	}
	if res.Plan != nil {
		to, cc := res.Plan.Addresses()
		if len(to) > 0 {
			recipients = strings.Join(to, ", ")
		}
		if len(cc) > 0 {
			recipients += " (cc " + strings.Join(cc, ", ") + ")"
		}
		source = string(res.Plan.Source)
	}
	fmt.Fprintf(w, "%-22s document %-13s → %s\n", name, number, recipients)
	fmt.Fprintf(w, "%-22s source %s, outcome %s\n", "", source, res.Outcome)
	if res.Plan != nil {
		fmt.Fprintf(w, "%-22s why: %s\n", "", res.Plan.Explain("en"))
		switch pdf := res.Plan.PDF; pdf.Code {
		case distribution.PDFRendered:
			fmt.Fprintf(w, "%-22s pdf: the invoice image, rendered (%d page(s)), then the XML\n", "", pdf.Pages)
		case distribution.PDFDocument:
			fmt.Fprintf(w, "%-22s pdf: the document's own (%d), then the XML\n", "", pdf.Count)
		case "":
		default:
			fmt.Fprintf(w, "%-22s pdf: none (%s), the XML only\n", "", pdf.Code)
		}
	}
	var nr *distribution.NoRecipientError
	if res.Err != nil && !errors.As(res.Err, &nr) {
		fmt.Fprintf(w, "%-22s error: %v\n", "", res.Err)
	}
	fmt.Fprintln(w)
}
