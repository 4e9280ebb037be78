package importer

import (
	"context"
	"errors"
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
)

// Record is one row of an import file, a template or an export: the three
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
}

var headers = [3]Record{
	{"Customer number", "E-mail", "CC"},
	{"Asiakasnumero", "Sähköposti", "Kopio (CC)"},
	{"Kundnummer", "E-post", "Kopia (CC)"},
}

// Header returns the header row of templates and exports in lang ("fi",
// "sv" or "en"; anything else means English). Read recognises the headers
// of every language.
func Header(lang string) Record { return headers[i18n.Index(lang)] }

var examples = [3][]Record{
	{
		{"00123", "jane.doe@example.com john.doe@example.com", ""},
		{"00124", "invoices@example.org", "accounting@example.org"},
		{"00125", "invoices@example.org", ""},
	},
	{
		{"00123", "matti.meikalainen@example.com maija.meikalainen@example.com", ""},
		{"00124", "laskut@example.org", "kirjanpito@example.org"},
		{"00125", "laskut@example.org", ""},
	},
	{
		{"00123", "anna.andersson@example.com erik.andersson@example.com", ""},
		{"00124", "fakturor@example.org", "bokforing@example.org"},
		{"00125", "fakturor@example.org", ""},
	},
}

// Examples returns the example rows of the template in lang: one customer
// number with two addresses separated by a space, one with a copy address,
// and one address shared by two customer numbers. The slice is new on
// every call.
func Examples(lang string) []Record {
	return append([]Record(nil), examples[i18n.Index(lang)]...)
}

var help = [3][]string{
	{
		"How to fill in the customer list",
		"Column A: the customer number, exactly as on the invoices. Keep leading zeros: the column is formatted as text.",
		"Column B: the e-mail address or addresses for that customer number, separated by spaces.",
		"Column C (optional): copy (CC) addresses, separated by spaces.",
		"One row per customer number. The same address may be on many rows.",
		"Do not put commas or semicolons between addresses.",
		"The header row may stay or be deleted. Empty rows are skipped.",
		"If any row has an error, nothing is imported and every row to fix is listed.",
		"The customer numbers in the file get exactly the file's addresses; other customers are kept unless you choose to replace the whole list.",
	},
	{
		"Näin täytät asiakasluettelon",
		"Sarake A: asiakasnumero täsmälleen kuten laskuilla. Säilytä alkunollat: sarake on muotoiltu tekstiksi.",
		"Sarake B: asiakasnumeron sähköpostiosoite tai -osoitteet välilyönnein erotettuina.",
		"Sarake C (valinnainen): kopio-osoitteet (CC) välilyönnein erotettuina.",
		"Yksi rivi kutakin asiakasnumeroa kohden. Sama osoite voi olla monella rivillä.",
		"Älä kirjoita pilkkuja tai puolipisteitä osoitteiden väliin.",
		"Otsikkorivin voi jättää tai poistaa. Tyhjät rivit ohitetaan.",
		"Jos jollakin rivillä on virhe, mitään ei tuoda ja kaikki korjattavat rivit luetellaan.",
		"Tiedoston asiakasnumeroille tulevat täsmälleen tiedoston osoitteet; muut asiakkaat säilyvät, ellet valitse koko luettelon korvaamista.",
	},
	{
		"Så fyller du i kundlistan",
		"Kolumn A: kundnumret exakt som på fakturorna. Behåll inledande nollor: kolumnen är formaterad som text.",
		"Kolumn B: kundnumrets e-postadress eller e-postadresser, åtskilda med mellanslag.",
		"Kolumn C (frivillig): kopieadresser (CC), åtskilda med mellanslag.",
		"En rad per kundnummer. Samma adress får finnas på flera rader.",
		"Skriv inte kommatecken eller semikolon mellan adresserna.",
		"Rubrikraden får stå kvar eller tas bort. Tomma rader hoppas över.",
		"Om någon rad har ett fel importeras ingenting och alla rader som ska rättas listas.",
		"Kundnumren i filen får exakt filens adresser; övriga kunder behålls om du inte väljer att ersätta hela listan.",
	},
}

// Help returns the instructions for filling in the template in lang, one
// paragraph per element, the first a title. The slice is new on every call.
func Help(lang string) []string {
	return append([]string(nil), help[i18n.Index(lang)]...)
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
			recs[i] = Record{
				CustomerNumber: escape(e.CustomerNumber),
				To:             escape(strings.Join(e.To, " ")),
				Cc:             escape(strings.Join(e.Cc, " ")),
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
