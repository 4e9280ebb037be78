package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testdata is the docparse package's own test documents.
func testdata(name string) string { return filepath.Join("..", "..", "docparse", "testdata", name) }

// runParseCmd runs "jakelu parse args..." in-process.
func runParseCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), append([]string{"parse"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// The keys of a document in --json output, in order; they are the
// command's interface.
var documentKeys = []string{"format", "type", "number", "issueDate", "dueDate", "currency", "amountDue",
	"sellerName", "buyerName", "paymentReference", "iban", "customerNumbers", "emails", "attachments", "warnings"}

// keysInOrder returns the keys of a JSON object in document order.
func keysInOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestParseCommand_JSON(t *testing.T) {
	code, stdout, stderr := runParseCmd(t, "--json", testdata("ubl-emails.xml"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got := keysInOrder(t, json.RawMessage(stdout)); !slices.Equal(got, documentKeys) {
		t.Errorf("keys %q, want %q", got, documentKeys)
	}
	var doc struct {
		Format, Type, Number, IssueDate, DueDate, Currency, AmountDue string
		SellerName, BuyerName, PaymentReference, IBAN                 string
		CustomerNumbers                                               []map[string]string
		Emails                                                        []map[string]string
		Attachments                                                   []map[string]any
		Warnings                                                      []string
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "ubl" || doc.Type != "invoice" || doc.Number != "MAIL-7" || doc.AmountDue != "125.50" ||
		doc.IssueDate != "2026-05-04" || doc.SellerName != "Seller Example Oy" || doc.IBAN != "FI21 1234 5600 0007 85" {
		t.Errorf("document %+v", doc)
	}
	if len(doc.CustomerNumbers) != 3 || !slices.Equal(sortedKeys(doc.CustomerNumbers[0]), []string{"path", "scheme", "value"}) || doc.CustomerNumbers[0]["value"] != "C-0042" {
		t.Errorf("customerNumbers %v", doc.CustomerNumbers)
	}
	if len(doc.Emails) != 4 || !slices.Equal(sortedKeys(doc.Emails[0]), []string{"address", "path"}) || doc.Emails[1]["address"] != "ap@buyer.example" {
		t.Errorf("emails %v", doc.Emails)
	}
	if len(doc.Attachments) != 2 || doc.Attachments[0]["contentType"] != "application/pdf" || doc.Attachments[1]["contentType"] != "application/octet-stream" ||
		doc.Attachments[0]["size"] != float64(77) || doc.Attachments[0]["filename"] != "MAIL-7.pdf" {
		t.Errorf("attachments %v", doc.Attachments)
	}
	if len(doc.Warnings) != 3 || !strings.Contains(doc.Warnings[2], "admin@ABC_Ltd.com.au") {
		t.Errorf("warnings %q", doc.Warnings)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestParseCommand_JSONArray(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []string // document numbers
	}{
		{"one file with two documents", []string{testdata("teappsxml-batch.xml")}, []string{"T-5001", "T-5002"}},
		{"two files", []string{testdata("cii.xml"), testdata("zugferd1.xml")}, []string{"RE-2026/0815", "ZF1-2026-12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runParseCmd(t, append([]string{"--json"}, tc.files...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			var docs []json.RawMessage
			if err := json.Unmarshal([]byte(stdout), &docs); err != nil {
				t.Fatalf("not a JSON array: %v\n%s", err, stdout)
			}
			var numbers []string
			for _, raw := range docs {
				if got := keysInOrder(t, raw); !slices.Equal(got, documentKeys) {
					t.Errorf("keys %q", got)
				}
				var d struct{ Number string }
				json.Unmarshal(raw, &d)
				numbers = append(numbers, d.Number)
			}
			if !slices.Equal(numbers, tc.want) {
				t.Errorf("numbers %q, want %q", numbers, tc.want)
			}
		})
	}
}

func TestParseCommand_Errors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		exit int
		code string // the JSON error code
	}{
		{"empty file", []string{write("empty.xml", "")}, 1, "empty"},
		{"unknown format", []string{write("order.xml", `<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`)}, 1, "unknown-format"},
		{"no document number", []string{write("nonumber.xml", `<Finvoice Version="3.0"/>`)}, 1, "no-document-number"},
		{"missing file", []string{filepath.Join(dir, "missing.xml")}, 1, "read-error"},
		{"one good, one bad file", []string{testdata("cii.xml"), write("bad.xml", "<a>")}, 1, "not-xml"},
		{"no file", nil, 2, "usage"},
		{"unknown flag", []string{"--xml", testdata("cii.xml")}, 2, "usage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runParseCmd(t, append([]string{"--json"}, tc.args...)...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, tc.exit, stdout, stderr)
			}
			var v map[string]map[string]string
			if err := json.Unmarshal([]byte(stdout), &v); err != nil {
				t.Fatalf("stdout is not JSON: %v: %q", err, stdout)
			}
			if len(v) != 1 || v["error"]["code"] != tc.code || v["error"]["message"] == "" {
				t.Errorf("got %v, want error code %q with a message", v, tc.code)
			}
			// Without --json the same failure is a plain message on stderr.
			code, stdout, stderr = runParseCmd(t, tc.args...)
			wantStderr := "jakelu parse: "
			if tc.code == "usage" {
				wantStderr = "usage: jakelu parse"
			}
			if code != tc.exit || stdout != "" || !strings.Contains(stderr, wantStderr) {
				t.Errorf("text mode: exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

func TestParseCommand_Text(t *testing.T) {
	code, stdout, stderr := runParseCmd(t, testdata("finvoice-soap-iso8859-15.xml"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"finvoice-soap-iso8859-15.xml (document 1 of 2)",
		"seller:            Äijälän Sähkö Oy <myynti@aijalansahko.example>",
		"buyer:             Ääkkönen € Oy <reskontra@aakkonen.example>",
		"amount due:        -125.50 EUR",
		"customer number:   A-1002 (customer-number, Finvoice/InvoiceDetails/SellersBuyerIdentifier)",
		"e-mail:            tilitoimisto@tili.example (Finvoice/InvoiceRecipientCommunicationDetails/InvoiceRecipientEmailaddressIdentifier)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestParseCommand_Help(t *testing.T) {
	code, _, stderr := runParseCmd(t, "-h")
	if code != 0 || !strings.Contains(stderr, "--json") && !strings.Contains(stderr, "-json") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
