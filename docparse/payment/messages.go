package payment

import "github.com/jakelu/jakelu/internal/i18n"

// messages are the package's texts for people, by stable key, as {en, fi,
// sv}.
var messages = map[string][3]string{
	"error.format": {
		"%s: %s; no bank barcode or QR code was made",
		"%s: %s; pankkiviivakoodia tai QR-koodia ei muodostettu",
		"%s: %s; ingen bankstreckkod eller QR-kod skapades",
	},
	"field.iban":      {"Account (IBAN)", "Tilinumero (IBAN)", "Kontonummer (IBAN)"},
	"field.bic":       {"BIC", "BIC", "BIC"},
	"field.reference": {"Payment reference", "Viitenumero", "Referensnummer"},
	"field.amount":    {"Amount", "Summa", "Belopp"},
	"field.currency":  {"Currency", "Valuutta", "Valuta"},
	"field.due-date":  {"Due date", "Eräpäivä", "Förfallodag"},
	"field.name":      {"Payee name", "Saajan nimi", "Mottagarens namn"},

	"reason.missing":     {"missing", "puuttuu", "saknas"},
	"reason.syntax":      {"not in a valid form", "ei ole oikeassa muodossa", "har inte rätt form"},
	"reason.check-digit": {"the check digits are wrong", "tarkiste on väärä", "kontrollsiffran är fel"},
	"reason.unsupported": {"cannot be used in a Finnish bank barcode", "ei käy pankkiviivakoodiin", "kan inte användas i en bankstreckkod"},
}

// text returns the text of key in lang.
func text(lang, key string) string {
	return i18n.Pick(lang, messages[key])
}
