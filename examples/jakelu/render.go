package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
)

// runRender implements "jakelu render [--lang L] DOC > invoice.pdf": it
// renders the invoice image of a document (package
// distribution/invoicepdf) and writes the PDF to stdout. What it made (the
// pages, the language, the virtual barcode, or why there is no bank
// transfer form) goes to stderr.
func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("render", "render [--lang fi|sv|en] [--document N] [--logo FILE] [--colour #RRGGBB] DOC > invoice.pdf\n\n"+
		"Writes the invoice image of an e-invoice as an A4 PDF to stdout: parties, invoice\n"+
		"data, lines, VAT breakdown and totals, and for a payable invoice to a Finnish account\n"+
		"the bank transfer form with the bank barcode, the virtual barcode and the EPC QR code.", stderr)
	lang := fs.String("lang", "", "language of the texts: fi, sv or en (default: the document's, else fi)")
	index := fs.Int("document", 0, "which document of a file that holds several (1, 2, …)")
	logoFile := fs.String("logo", "", "company logo to print at the top (PNG, JPEG or GIF)")
	colour := fs.String("colour", "", "accent colour of titles and table headings, #RRGGBB")
	files, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if len(files) != 1 {
		fs.Usage()
		fmt.Fprintln(stderr, "\njakelu render: give exactly one document file")
		return exitUsage
	}
	if *lang != "" && !validLang(*lang) {
		fmt.Fprintf(stderr, "jakelu render: --lang %q: use fi, sv or en\n", *lang)
		return exitUsage
	}
	opts := &invoicepdf.Options{Colour: *colour}
	if *logoFile != "" {
		if opts.Logo, err = os.ReadFile(*logoFile); err != nil {
			fmt.Fprintln(stderr, "jakelu render: --logo:", err)
			return exitUsage
		}
	}
	r, err := invoicepdf.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "jakelu render:", err)
		return exitUsage
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(stderr, "jakelu render:", err)
		return 1
	}
	docs, err := parseFile(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "jakelu render: %s: %v\n", files[0], err)
		return 1
	}
	var d *docparse.Document
	switch {
	case *index > 0 && *index <= len(docs):
		d = docs[*index-1]
	case *index == 0 && len(docs) == 1:
		d = docs[0]
	case *index == 0:
		fmt.Fprintf(stderr, "jakelu render: %s holds %d documents: choose one with --document 1 … %d\n", files[0], len(docs), len(docs))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "jakelu render: --document %d: %s holds %d documents\n", *index, files[0], len(docs))
		return exitUsage
	}
	out, err := r.Render(d, *lang)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu render: %s: %v\n", files[0], err)
		return 1
	}
	if _, err := stdout.Write(out.PDF); err != nil {
		fmt.Fprintln(stderr, "jakelu render: writing the PDF:", err)
		return 1
	}
	fmt.Fprintf(stderr, "%s: document %s, %d page(s), %s", files[0], d.Number, out.Pages, out.Language)
	switch {
	case out.VirtualBarcode != "":
		fmt.Fprintf(stderr, ", virtual barcode %s", out.VirtualBarcode)
		if out.EPCPayload != "" {
			fmt.Fprint(stderr, ", EPC QR code")
		}
	case out.NoPaymentForm != nil:
		fmt.Fprintf(stderr, ", no bank transfer form: %v", out.NoPaymentForm)
	}
	fmt.Fprintln(stderr)
	return 0
}

// validLang reports whether lang is one of the shipped languages.
func validLang(lang string) bool {
	switch lang {
	case "fi", "sv", "en":
		return true
	}
	return false
}
