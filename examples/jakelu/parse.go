package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jakelu/jakelu/docparse"
)

// runParse implements "jakelu parse [--json] FILE...": it prints what
// docparse reads from each file. With --json it prints one JSON object per
// document, or an array when the files hold several documents in total; on
// failure it prints {"error": {"code": …, "message": …}} and exits 1.
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("parse", "parse [--json] FILE...\n\n"+
		"Prints the format, number, dates, amount, parties, customer numbers, buyer e-mail\n"+
		"addresses, attachments and warnings of each e-invoice file (UBL, CII, ZUGFeRD,\n"+
		"Finvoice, TEAPPSXML, Svefaktura, Factur-X PDF).", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	files, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return usageError(stdout, *asJSON, err.Error())
	}
	if len(files) == 0 {
		fs.Usage()
		return usageError(stdout, *asJSON, "no file given")
	}

	type parsed struct {
		file string
		docs []*docparse.Document
	}
	var all []parsed
	total := 0
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return fail(stdout, stderr, *asJSON, "canceled", err.Error())
		}
		docs, err := parseFile(name)
		if err != nil {
			code := "read-error"
			var pe *docparse.ParseError
			if errors.As(err, &pe) {
				code = string(pe.Code)
			}
			return fail(stdout, stderr, *asJSON, code, name+": "+err.Error())
		}
		all = append(all, parsed{name, docs})
		total += len(docs)
	}

	if *asJSON {
		var out []jsonDocument
		for _, p := range all {
			for _, d := range p.docs {
				out = append(out, toJSON(d))
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		var v any = out
		if total == 1 {
			v = out[0]
		}
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(stderr, "jakelu parse:", err)
			return 1
		}
		return 0
	}
	for _, p := range all {
		for i, d := range p.docs {
			name := p.file
			if len(p.docs) > 1 {
				name = fmt.Sprintf("%s (document %d of %d)", p.file, i+1, len(p.docs))
			}
			printText(stdout, name, d)
		}
	}
	return 0
}

// parseFile reads and parses one file, reading no more than docparse
// accepts.
func parseFile(name string) ([]*docparse.Document, error) {
	data, err := readFile(name)
	if err != nil {
		return nil, err
	}
	return docparse.ParseAll(data, nil)
}

// readFile reads a document file, no more than docparse accepts (a larger
// file is refused by the parser as too large).
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, docparse.DefaultMaxSize+1))
}

// fail reports an error and returns exit code 1: {"error": {...}} on
// stdout with --json, a plain message on stderr otherwise.
func fail(stdout, stderr io.Writer, asJSON bool, code, message string) int {
	if asJSON {
		printJSONError(stdout, code, message)
	} else {
		fmt.Fprintf(stderr, "jakelu parse: %s\n", message)
	}
	return 1
}

// usageError reports a command-line mistake (the usage is already on
// stderr) and returns exit code 2.
func usageError(stdout io.Writer, asJSON bool, message string) int {
	if asJSON {
		printJSONError(stdout, "usage", message)
	}
	return 2
}

func printJSONError(w io.Writer, code, message string) {
	var v struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	v.Error.Code, v.Error.Message = code, message
	writeJSON(w, v)
}

// jsonDocument is the JSON form of a document; the keys are part of the
// command's interface.
type jsonDocument struct {
	Format           string           `json:"format"`
	Type             string           `json:"type"`
	Number           string           `json:"number"`
	IssueDate        string           `json:"issueDate"`
	DueDate          string           `json:"dueDate"`
	Currency         string           `json:"currency"`
	AmountDue        string           `json:"amountDue"`
	SellerName       string           `json:"sellerName"`
	BuyerName        string           `json:"buyerName"`
	PaymentReference string           `json:"paymentReference"`
	IBAN             string           `json:"iban"`
	CustomerNumbers  []jsonIdentifier `json:"customerNumbers"`
	Emails           []jsonEmail      `json:"emails"`
	Attachments      []jsonAttachment `json:"attachments"`
	Warnings         []string         `json:"warnings"`
}

type jsonIdentifier struct {
	Value  string `json:"value"`
	Scheme string `json:"scheme"`
	Path   string `json:"path"`
}

type jsonEmail struct {
	Address string `json:"address"`
	Path    string `json:"path"`
}

type jsonAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
}

func toJSON(d *docparse.Document) jsonDocument {
	j := jsonDocument{
		Format: string(d.Format), Type: string(d.Type), Number: d.Number,
		IssueDate: d.IssueDate, DueDate: d.DueDate, Currency: d.Currency, AmountDue: d.AmountDue,
		SellerName: d.Seller.Name, BuyerName: d.Buyer.Name,
		PaymentReference: d.PaymentReference, IBAN: d.IBAN,
		CustomerNumbers: []jsonIdentifier{}, Emails: []jsonEmail{},
		Attachments: []jsonAttachment{}, Warnings: []string{},
	}
	for _, id := range d.CustomerNumbers {
		j.CustomerNumbers = append(j.CustomerNumbers, jsonIdentifier{id.Value, id.Scheme, id.Path})
	}
	for _, e := range d.Emails {
		j.Emails = append(j.Emails, jsonEmail{e.Address, e.Path})
	}
	for _, a := range d.Attachments {
		j.Attachments = append(j.Attachments, jsonAttachment{a.Filename, a.ContentType, len(a.Data)})
	}
	for _, w := range d.Warnings {
		j.Warnings = append(j.Warnings, w.String())
	}
	return j
}

// printText prints a document for people.
func printText(w io.Writer, name string, d *docparse.Document) {
	fmt.Fprintf(w, "%s\n", name)
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-18s %s\n", label+":", value)
		}
	}
	line("format", strings.TrimSpace(fmt.Sprintf("%s %s", d.Format, d.Flavour.CustomizationID)))
	line("type", strings.TrimSpace(fmt.Sprintf("%s %s", d.Type, d.TypeCode)))
	line("number", d.Number)
	line("issue date", d.IssueDate)
	line("due date", d.DueDate)
	line("amount due", strings.TrimSpace(d.AmountDue+" "+d.Currency))
	line("seller", strings.TrimSpace(d.Seller.Name+" "+angle(d.Seller.Email)))
	line("buyer", strings.TrimSpace(d.Buyer.Name+" "+angle(d.Buyer.Email)))
	line("payment reference", d.PaymentReference)
	line("IBAN", d.IBAN)
	line("language", d.Language)
	for _, id := range d.CustomerNumbers {
		v := id.Value
		if id.Scheme != "" {
			v += " [" + id.Scheme + "]"
		}
		line("customer number", fmt.Sprintf("%s (%s, %s)", v, id.Kind, id.Path))
	}
	for _, e := range d.Emails {
		line("e-mail", fmt.Sprintf("%s (%s)", e.Address, e.Path))
	}
	for _, a := range d.Attachments {
		name := a.Filename
		if name == "" {
			name = "(unnamed)"
		}
		line("attachment", fmt.Sprintf("%s %s, %d bytes", name, a.ContentType, len(a.Data)))
	}
	for _, x := range d.Warnings {
		line("warning", x.String())
	}
	fmt.Fprintln(w)
}

func angle(addr string) string {
	if addr == "" {
		return ""
	}
	return "<" + addr + ">"
}
