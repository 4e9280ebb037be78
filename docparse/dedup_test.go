package docparse_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport/address"
)

// addEmailsReference is what AddEmails did before it indexed the
// addresses: compare each new valid address with every one already in
// emails, with strings.EqualFold. AddEmails must give the same result.
func addEmailsReference(emails []docparse.Email, text, path string) []docparse.Email {
	for _, part := range address.SplitList(strings.TrimSpace(text)) {
		a, err := address.Parse(part)
		if err != nil || !strings.Contains(text, "@") {
			continue
		}
		if !slices.ContainsFunc(emails, func(e docparse.Email) bool { return strings.EqualFold(e.Address, a) }) {
			emails = append(emails, docparse.Email{Address: a, Path: path})
		}
	}
	return emails
}

// TestAddEmails_DeduplicatesAsEqualFold feeds AddEmails sequences of texts,
// below and above the size at which it starts to index the addresses, and
// checks that d.Emails is always what comparing every pair with
// strings.EqualFold gives, also when the caller appends to d.Emails or
// replaces it between calls, or copies the Document.
func TestAddEmails_DeduplicatesAsEqualFold(t *testing.T) {
	many := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format+"; ", i)
		}
		return b.String()
	}
	tests := []struct {
		name  string
		texts []string
		// between runs after each text, as a caller might.
		between func(d *docparse.Document, i int)
		want    int // how many addresses d.Emails ends with
	}{
		{name: "ASCII case", texts: []string{"a@b.fi, A@B.FI", "Matti <A@b.fi>; c@d.fi"}, want: 2},
		{name: "Kelvin sign and k", texts: []string{"\u212Aim@b.fi", "kim@b.fi", "KIM@B.FI"}, want: 1},
		{name: "sigma forms", texts: []string{"σ@b.fi Σ@b.fi ς@b.fi"}, want: 1},
		{name: "ä and Ä", texts: []string{"ä@b.fi", "Ä@B.fi"}, want: 1},
		{name: "ß and capital ẞ", texts: []string{"straße@b.fi", "STRAẞE@b.fi"}, want: 1},
		{name: "indexed: 40 addresses, each twice in another case", texts: []string{many(40, "u%d@b.fi"), many(40, "U%d@B.FI")}, want: 40},
		{name: "indexed: one at a time", texts: strings.Split(many(30, "x%d@b.fi")+many(30, "X%d@b.fi"), "; "), want: 30},
		{name: "indexed: the caller appends an address itself",
			texts: []string{many(20, "v%d@b.fi"), "own@b.fi", "OWN@b.fi, v3@b.fi"},
			between: func(d *docparse.Document, i int) {
				if i == 0 {
					d.Emails = append(d.Emails, docparse.Email{Address: "Own@b.fi", Path: "caller"})
				}
			}, want: 21},
		{name: "indexed: the caller replaces Emails",
			texts: []string{many(20, "w%d@b.fi"), many(20, "w%d@b.fi")},
			between: func(d *docparse.Document, i int) {
				if i == 0 {
					d.Emails = slices.Clone(d.Emails[:5])
				}
			}, want: 20},
		{name: "indexed: a copy of the document goes its own way",
			texts: []string{many(20, "y%d@b.fi"), "new@b.fi", "NEW@b.fi"},
			between: func(d *docparse.Document, i int) {
				if i == 0 {
					c := *d
					c.AddEmails("new@b.fi, other@b.fi", "copy")
				}
			}, want: 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d docparse.Document
			var want []docparse.Email
			for i, text := range tt.texts {
				path := fmt.Sprint("p", i)
				d.AddEmails(text, path)
				want = addEmailsReference(want, text, path)
				if !slices.Equal(d.Emails, want) {
					t.Fatalf("after text %d: Emails %v, want %v", i, d.Emails, want)
				}
				if tt.between != nil {
					tt.between(&d, i)
					want = slices.Clone(d.Emails)
				}
			}
			if len(d.Emails) != tt.want {
				t.Errorf("%d addresses, want %d: %v", len(d.Emails), tt.want, d.Emails)
			}
		})
	}
}

// TestWarnings_Capped checks that a document keeps the first MaxWarnings
// warnings and counts the rest in WarningsOmitted.
func TestWarnings_Capped(t *testing.T) {
	invalid := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "x%d@ ", i)
		}
		return b.String()
	}
	tests := []struct {
		name        string
		invalid     int
		wantOmitted int
	}{
		{"none", 0, 0},
		{"fewer than the cap", docparse.MaxWarnings - 1, 0},
		{"exactly the cap", docparse.MaxWarnings, 0},
		{"one more than the cap", docparse.MaxWarnings + 1, 1},
		{"a hundred thousand", 100_000, 100_000 - docparse.MaxWarnings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := docparse.Parse([]byte(ubl(`<cbc:ID>W-1</cbc:ID><cac:AccountingCustomerParty><cac:Party><cac:Contact><cbc:ElectronicMail>`+
				invalid(tt.invalid)+`ok@b.fi</cbc:ElectronicMail></cac:Contact></cac:Party></cac:AccountingCustomerParty>`)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(tt.invalid, docparse.MaxWarnings); len(doc.Warnings) != want || doc.WarningsOmitted != tt.wantOmitted {
				t.Fatalf("%d warnings, %d omitted; want %d and %d", len(doc.Warnings), doc.WarningsOmitted, want, tt.wantOmitted)
			}
			for i, w := range doc.Warnings {
				if w.Code != "invalid-email" || w.Value != fmt.Sprintf("x%d@", i) {
					t.Fatalf("warning %d is %q about %q, want invalid-email about %q (the first ones are kept)", i, w.Code, w.Value, fmt.Sprintf("x%d@", i))
				}
			}
			if len(doc.Emails) != 1 || doc.Emails[0].Address != "ok@b.fi" {
				t.Errorf("Emails %v, want the one valid address", doc.Emails)
			}
		})
	}
}
