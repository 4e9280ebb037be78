package docparse_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

// TestCorpus parses every file listed in $JAKELU_CORPUS/INDEX.tsv and
// compares the document number, type code, buyer e-mail addresses, customer
// numbers, embedded PDFs and non-buyer addresses with the table.
//
// A row is ok when its values match. Three kinds of row expect an error, and
// the expected error counts as ok: format "finvoice-soap-frame" (a SOAP
// frame without an invoice) expects ErrNoDocument, "sfti-objectenvelope"
// (an attachment message) expects ErrAttachmentMessage, and an empty
// document_number (the TEAPPSXML templates) expects ErrNoDocumentNumber.
//
// Customer-number cells marked "Path?=" are lenient: the identifier may be
// present or not; every identifier found must be listed, and the listed
// non-lenient ones must all be found, in the listed order.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("JAKELU_CORPUS")
	if dir == "" {
		t.Skip("JAKELU_CORPUS is not set: set it to the sample corpus folder (JAKELU_CORPUS=../shared/corpus go test ./docparse) to run the corpus test")
	}
	rows := readIndex(t, filepath.Join(dir, "INDEX.tsv"))
	var ok, mismatched, failed int
	for _, row := range rows {
		t.Run(row["path"], func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(row["path"])))
			if err != nil {
				failed++
				t.Fatalf("reading the corpus file: %v", err)
			}
			docs, err := docparse.ParseAll(data, nil)
			if code := expectedError(row); code != "" {
				var pe *docparse.ParseError
				switch {
				case errors.As(err, &pe) && string(pe.Code) == code:
					ok++
				case err != nil:
					failed++
					t.Errorf("got error %v, want code %q", err, code)
				default:
					mismatched++
					t.Errorf("parsed %d documents, want error code %q", len(docs), code)
				}
				return
			}
			if err != nil {
				failed++
				t.Errorf("ParseAll: %v", err)
				return
			}
			if problems := compareRow(row, docs); len(problems) > 0 {
				mismatched++
				for _, p := range problems {
					t.Error(p)
				}
				return
			}
			ok++
		})
	}
	summary := fmt.Sprintf("CORPUS files=%d ok=%d mismatched=%d failed=%d", len(rows), ok, mismatched, failed)
	fmt.Println(summary)
	t.Log(summary)
}

// readIndex reads INDEX.tsv into rows keyed by column name.
func readIndex(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("JAKELU_CORPUS is set but its index cannot be read: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = cells
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = strings.TrimSpace(cells[i])
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s lists no files", name)
	}
	return rows
}

// expectedError returns the error code a row expects, or "".
func expectedError(row map[string]string) string {
	switch {
	case row["format"] == "finvoice-soap-frame":
		return "no-document"
	case row["format"] == "sfti-objectenvelope":
		return "attachment-message"
	case row["document_number"] == "":
		return "no-document-number"
	}
	return ""
}

// compareRow lists how docs differ from the row.
func compareRow(row map[string]string, docs []*docparse.Document) []string {
	if len(docs) != 1 {
		return []string{fmt.Sprintf("got %d documents, want 1", len(docs))}
	}
	d := docs[0]
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	format := strings.TrimSuffix(strings.TrimPrefix(row["format"], "pdf("), ")")
	if string(d.Format) != format {
		bad("format %q, want %q", d.Format, format)
	}
	if _, code, _ := strings.Cut(row["doc_type"], ":"); code != d.TypeCode && (code != "-" || d.TypeCode != "") {
		bad("type code %q, want %q", d.TypeCode, code)
	}
	if d.Number != row["document_number"] {
		bad("number %q, want %q", d.Number, row["document_number"])
	}

	var got []string
	for _, e := range d.Emails {
		got = append(got, e.Address)
	}
	want := indexEmails(row["buyer_emails"])
	if !slices.Equal(got, want) {
		bad("buyer e-mails %q, want %q", got, want)
	}
	for _, other := range indexEmails(row["other_emails_not_buyer"]) {
		if slices.ContainsFunc(got, func(g string) bool { return strings.EqualFold(g, other) }) &&
			!slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, other) }) {
			bad("non-buyer address %q taken as a buyer e-mail", other)
		}
	}

	problems = append(problems, compareIDs(row["customer_numbers"], d.CustomerNumbers)...)

	pdfs := 0
	for _, a := range d.Attachments {
		if a.IsPDF() {
			pdfs++
		}
	}
	wantPDFs := 0
	switch cell := row["embedded_pdf"]; {
	case strings.HasPrefix(cell, "yes ("):
		wantPDFs, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(cell, "yes ("), ")"))
	case strings.HasPrefix(cell, "n/a"):
		wantPDFs = 1 // the Factur-X PDF itself
	}
	if pdfs != wantPDFs {
		bad("%d PDF attachments, want %d (%s)", pdfs, wantPDFs, row["embedded_pdf"])
	}
	return problems
}

// indexEmails reads "a@x (hint); b@y" into addresses, de-duplicated
// case-insensitively.
func indexEmails(cell string) []string {
	var out []string
	for part := range strings.SplitSeq(cell, ";") {
		addr, _, _ := strings.Cut(strings.TrimSpace(part), " ")
		if addr != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, addr) }) {
			out = append(out, addr)
		}
	}
	return out
}

// indexID is one "Path=Value[Scheme]" entry of the customer_numbers column;
// "Path?=" marks it lenient.
type indexID struct {
	path, value, scheme string
	lenient             bool
}

func parseIndexIDs(cell string) []indexID {
	var ids []indexID
	for part := range strings.SplitSeq(cell, "; ") {
		path, value, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		id := indexID{path: path, value: value}
		if p, ok := strings.CutSuffix(path, "?"); ok {
			id.path, id.lenient = p, true
		}
		if i := strings.LastIndex(value, "["); i > 0 && strings.HasSuffix(value, "]") {
			id.value, id.scheme = value[:i], value[i+1:len(value)-1]
		}
		ids = append(ids, id)
	}
	return ids
}

// fits reports whether the components of hint occur in path in order.
func fits(hint, path string) bool {
	comps := strings.Split(path, "/")
	for h := range strings.SplitSeq(hint, "/") {
		i := slices.Index(comps, h)
		if i < 0 {
			return false
		}
		comps = comps[i+1:]
	}
	return true
}

func compareIDs(cell string, got []docparse.Identifier) []string {
	want := parseIndexIDs(cell)
	var problems []string
	matched := make([]int, len(got)) // index into want, or -1
	for i, g := range got {
		matched[i] = slices.IndexFunc(want, func(w indexID) bool {
			return w.value == g.Value && w.scheme == g.Scheme && fits(w.path, g.Path)
		})
		if matched[i] < 0 {
			problems = append(problems, fmt.Sprintf("unexpected customer number %q [%s] at %s", g.Value, g.Scheme, g.Path))
		}
	}
	last := -1
	for j, w := range want {
		i := slices.Index(matched, j)
		switch {
		case i < 0 && !w.lenient:
			problems = append(problems, fmt.Sprintf("missing customer number %s=%s[%s]", w.path, w.value, w.scheme))
		case i >= 0 && !w.lenient:
			if i < last {
				problems = append(problems, fmt.Sprintf("customer number %s=%s out of order", w.path, w.value))
			}
			last = i
		}
	}
	return problems
}
