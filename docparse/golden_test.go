package docparse_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses every document in testdata and compares everything
// extracted with testdata/NAME.golden.json. Run with -update to rewrite the
// golden files after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	inputs := testdataDocuments(t)
	for _, name := range inputs {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			docs, err := docparse.ParseAll(data, nil)
			got := goldenJSON(t, data, docs, err)
			file := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what Parse returns now:\n%s\n(run with -update to accept the new output, then review the diff)", file, firstDiff(want, got))
			}
		})
	}
}

// testdataDocuments lists the input documents in testdata.
func testdataDocuments(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".pdf")) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatal("no documents in testdata")
	}
	return names
}

// goldenDoc is everything Parse extracts, with binary data summarised.
type goldenDoc struct {
	Format           docparse.Format
	Flavour          docparse.Flavour
	Type             docparse.DocType
	TypeCode         string
	Number           string
	IssueDate        string
	DueDate          string
	Currency         string
	AmountDue        string
	Seller           docparse.Party
	Buyer            docparse.Party
	PaymentReference string
	IBAN             string
	Language         string
	CustomerNumbers  []docparse.Identifier
	Emails           []docparse.Email
	Attachments      []goldenAttachment
	Warnings         []goldenWarning
	XML              goldenBytes

	// What an invoice image shows.
	Lines   []docparse.Line
	VAT     []docparse.VATSubtotal
	Totals  docparse.Totals
	Payment docparse.Payment
	Notes   []string
}

type goldenAttachment struct {
	Filename, ContentType, DeclaredType, Description, Path string
	Data                                                   goldenBytes
}

type goldenWarning struct {
	Code, Path, Value, Message string
	Err                        string `json:",omitempty"`
}

type goldenBytes struct {
	Size    int
	SHA256  string
	IsInput bool `json:",omitempty"` // the bytes are the whole input
}

func summarise(b, input []byte) goldenBytes {
	sum := sha256.Sum256(b)
	return goldenBytes{Size: len(b), SHA256: hex.EncodeToString(sum[:8]), IsInput: bytes.Equal(b, input)}
}

func goldenJSON(t *testing.T, input []byte, docs []*docparse.Document, err error) []byte {
	t.Helper()
	var v any
	if err != nil {
		var pe *docparse.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error is not a *ParseError: %v", err)
		}
		v = map[string]any{"Error": map[string]any{"Code": pe.Code, "Message": pe.Error()}}
	} else {
		var gs []goldenDoc
		for _, d := range docs {
			g := goldenDoc{
				Format: d.Format, Flavour: d.Flavour, Type: d.Type, TypeCode: d.TypeCode, Number: d.Number,
				IssueDate: d.IssueDate, DueDate: d.DueDate, Currency: d.Currency, AmountDue: d.AmountDue,
				Seller: d.Seller, Buyer: d.Buyer, PaymentReference: d.PaymentReference, IBAN: d.IBAN,
				Language: d.Language, CustomerNumbers: d.CustomerNumbers, Emails: d.Emails,
				XML:   summarise(d.XML, input),
				Lines: d.Lines, VAT: d.VAT, Totals: d.Totals, Payment: d.Payment, Notes: d.Notes,
			}
			for _, w := range d.Warnings {
				gw := goldenWarning{Code: string(w.Code), Path: w.Path, Value: w.Value, Message: w.Message}
				if w.Err != nil {
					gw.Err = w.Err.Error()
				}
				g.Warnings = append(g.Warnings, gw)
			}
			for _, a := range d.Attachments {
				g.Attachments = append(g.Attachments, goldenAttachment{
					Filename: a.Filename, ContentType: a.ContentType, DeclaredType: a.DeclaredType,
					Description: a.Description, Path: a.Path, Data: summarise(a.Data, input),
				})
			}
			gs = append(gs, g)
		}
		v = gs
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}
