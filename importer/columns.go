package importer

import (
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
)

// Column is one column of the import file, of its templates and of
// exports. The one table of them, [Columns], gives the reader's header
// recognition, the header rows, the column widths of a workbook, the help's
// column lines and the values of an export: a new column is a new row of
// the table, a field of [Record], its texts in the translation files
// (importer.column.<Key>.header, .help and .words) and, for the reader, the
// rule its cells follow.
type Column struct {
	Letter string  // the spreadsheet letter: "A"
	Key    string  // the stable name of its texts: "customer-number"
	Width  float64 // its width in a workbook, in characters

	field func(*Record) *string       // the Record field that holds it
	entry func(registry.Entry) string // its value in an export of a directory entry
}

// columns is the table of the import file's columns, in order.
var columns = [...]Column{
	{Letter: "A", Key: "customer-number", Width: 20,
		field: func(r *Record) *string { return &r.CustomerNumber },
		entry: func(e registry.Entry) string { return e.CustomerNumber }},
	{Letter: "B", Key: "to", Width: 60,
		field: func(r *Record) *string { return &r.To },
		entry: func(e registry.Entry) string { return strings.Join(e.To, " ") }},
	{Letter: "C", Key: "cc", Width: 40,
		field: func(r *Record) *string { return &r.Cc },
		entry: func(e registry.Entry) string { return strings.Join(e.Cc, " ") }},
	{Letter: "D", Key: "profile", Width: 14,
		field: func(r *Record) *string { return &r.Profile },
		entry: func(e registry.Entry) string {
			if e.Profile.Effective() == registry.ProfileStandard {
				return "" // an empty cell keeps the standard profile on import
			}
			return string(e.Profile)
		}},
	{Letter: "E", Key: "language", Width: 10,
		field: func(r *Record) *string { return &r.Language },
		entry: func(e registry.Entry) string { return e.Language }},
}

// Columns returns the columns of the import file in order, in a new
// slice.
func Columns() []Column { return append([]Column(nil), columns[:]...) }

// Header returns the column's heading in lang, as templates and exports
// write it.
func (c Column) Header(lang string) string { return c.text(lang, "header") }

// Help returns the column's line of the template's instructions in lang.
func (c Column) Help(lang string) string { return c.text(lang, "help") }

// text returns the column's text of the kind ("header", "help") in lang,
// "" for a column without texts.
func (c Column) text(lang, kind string) string {
	key := "importer.column." + c.Key + "." + kind
	if !i18n.Has(key) {
		return ""
	}
	return i18n.Text(lang, key)
}

// Value returns the column's value in r.
func (c Column) Value(r Record) string {
	if c.field == nil { // a Column not from Columns
		return ""
	}
	return *c.field(&r)
}

// Values returns r's values in the order of [Columns].
func (r Record) Values() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = *c.field(&r)
	}
	return out
}
