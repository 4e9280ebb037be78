package importer

import (
	"strconv"

	"github.com/jakelu/jakelu/internal/i18n"
)

// Language returns the language the importer speaks for lang: "fi", "sv",
// "en" or a language a host app added (see distribution.AddLanguage),
// resolved by the library's one language matcher ("fi-FI", "SV", "sv_SE"
// and "fin" are understood); anything else means "en".
func Language(lang string) string {
	l, _ := i18n.Code(lang)
	return l
}

// Message explains p in the language lang ("fi", "sv" or "en"; anything
// else means English): what is wrong and how to fix it. The position is not
// included; see [Problem.Position]. A code without a message (a Problem a
// host app made up) gives its code and value.
func (p Problem) Message(lang string) string {
	key, ok := problemKeys.Key(string(p.Code))
	if !ok {
		if p.Value == "" {
			return string(p.Code)
		}
		return string(p.Code) + ": " + i18n.Quote(lang, p.Value)
	}
	// The texts' arguments: 1 the quoted value, 2 the column letter, 3 the
	// other row, 4 the limit, 5 the limit in megabytes, 6 why an address
	// was refused.
	return i18n.Text(lang, key,
		i18n.Quote(lang, p.Value), p.Column, strconv.Itoa(p.OtherRow),
		i18n.FormatInt(lang, p.Limit), i18n.FormatInt(lang, p.Limit>>20), p.Reason.Message(lang))
}

// problemKeys are the keys of the problems' texts, importer.problem.<code>.
var problemKeys = i18n.Prefix("importer.problem.")

// Position says where p is in the language lang, such as "row 5, column B"
// ("rivi 5, sarake B", "rad 5, kolumn B"), or "" for a problem with the
// whole file.
func (p Problem) Position(lang string) string {
	switch {
	case p.Row <= 0:
		return ""
	case p.Column == "":
		return i18n.Text(lang, "importer.position.row", p.Row)
	}
	return i18n.Text(lang, "importer.position.cell", p.Row, p.Column)
}
