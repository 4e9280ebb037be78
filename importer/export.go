package importer

import (
	"context"
	"errors"
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
)

// Record is one row of an import file, a template or an export: the five
// columns as text. The format packages write records (values in records
// that come from the registry are already neutralised against formula
// injection), and csvimport maps the records it reads onto it with gocsv,
// by position: its fields are strings, so that no value is ever parsed as
// a number, and carry no struct tags, so that gocsv's settings cannot
// change the mapping.
type Record struct {
	CustomerNumber string // column A
	To             string // column B: addresses separated by spaces
	Cc             string // column C: copy addresses separated by spaces
	Profile        string // column D: the delivery profile, "scan", "standard" or "" (see registry.Profile)
	Language       string // column E: the customer's language for e-mails, "fi", "sv", "en" or "" (see registry.Entry.Language)
}

// Header returns the header row of templates and exports in lang (see
// [Language]): each column's heading (see [Columns]). Read recognises the
// headings of every language.
func Header(lang string) Record {
	var r Record
	for _, c := range columns {
		*c.field(&r) = c.Header(lang)
	}
	return r
}

// Separator returns the field separator of CSV templates and exports in
// lang, the one Excel expects in that language's locales: ";" in Finnish
// and Swedish, "," in English.
func Separator(lang string) string { return i18n.Text(lang, "importer.csv.separator") }

// SheetNames returns the names of a workbook's data sheet and help sheet
// in lang: "Asiakkaat" and "Ohje" in Finnish.
func SheetNames(lang string) [2]string {
	return [2]string{i18n.Text(lang, "importer.sheet.data"), i18n.Text(lang, "importer.sheet.help")}
}

// Examples returns the example rows of the template in lang: one customer
// number with two addresses separated by a space, one with a copy address,
// and one address shared by two customer numbers. The slice is new on
// every call.
func Examples(lang string) []Record {
	to2 := i18n.Text(lang, "importer.example.to2")
	return []Record{
		{"00123", i18n.Text(lang, "importer.example.to1"), "", "", ""},
		{"00124", to2, i18n.Text(lang, "importer.example.cc2"), "", ""},
		{"00125", to2, "", "", ""},
	}
}

// Help returns the instructions for filling in the template in lang, one
// paragraph per element, the first a title, then one per column (see
// [Columns]). The slice is new on every call.
func Help(lang string) []string {
	out := []string{i18n.Text(lang, "importer.help.title")}
	for _, c := range columns {
		out = append(out, c.Help(lang))
	}
	for _, k := range []string{"rows", "separators", "header", "errors", "replace"} {
		out = append(out, i18n.Text(lang, "importer.help."+k))
	}
	return out
}

// ExportRecords pages through reg in customer-number order and calls fn
// with the records of each page (at most registry.MaxPageSize), without the
// header row. fn may keep the slice. The values are neutralised against
// formula injection: one that starts with =, +, -, @, a tab, a carriage
// return or an apostrophe gets an apostrophe in front, which Read removes
// again, so an export re-imports unchanged.
//
// reg must implement registry.Lister ([ErrNotLister] otherwise; a nil reg
// gives [registry.ErrNoRegistry]). An error from fn or from reg (including
// ctx's) stops the export and is returned.
func ExportRecords(ctx context.Context, reg registry.Registry, fn func([]Record) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case reg == nil:
		return registry.ErrNoRegistry
	case fn == nil:
		return errors.New("importer: ExportRecords needs a function to receive the records (fn is nil)")
	}
	lister, ok := reg.(registry.Lister)
	if !ok {
		return ErrNotLister
	}
	return walk(ctx, lister, func(page []registry.Entry) error {
		recs := make([]Record, len(page))
		for i, e := range page {
			for _, c := range columns {
				*c.field(&recs[i]) = escape(c.entry(e))
			}
		}
		return fn(recs)
	})
}

// escape neutralises a value a spreadsheet would take for a formula
// (OWASP's CSV injection rule) with a leading apostrophe; values starting
// with an apostrophe get one too, so that unquote always gives back the
// original.
func escape(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r'", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
