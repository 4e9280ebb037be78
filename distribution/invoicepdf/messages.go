package invoicepdf

import "github.com/jakelu/jakelu/internal/i18n"

// messages are the package's texts for people, by stable key, as {en, fi,
// sv}. The bank transfer form's labels (form.*) are bilingual
// Finnish/Swedish in Finnish and Swedish, as the standard form
// (tilisiirtolomake) prints them.
var messages = map[string][3]string{
	"title.invoice":     {"INVOICE", "LASKU", "FAKTURA"},
	"title.credit-note": {"CREDIT NOTE", "HYVITYSLASKU", "KREDITFAKTURA"},
	"page":              {"Page %d/%d", "Sivu %d/%d", "Sida %d/%d"},

	"data.number":          {"Invoice number", "Laskun numero", "Fakturanummer"},
	"data.credit-number":   {"Credit note number", "Hyvityslaskun numero", "Kreditfakturans nummer"},
	"data.date":            {"Invoice date", "Laskun päivämäärä", "Fakturadatum"},
	"data.due":             {"Due date", "Eräpäivä", "Förfallodag"},
	"data.terms":           {"Payment terms", "Maksuehto", "Betalningsvillkor"},
	"data.reference":       {"Payment reference", "Viitenumero", "Referensnummer"},
	"data.customer-number": {"Customer number", "Asiakasnumero", "Kundnummer"},
	"data.buyer-reference": {"Your reference", "Viitteenne", "Er referens"},
	"data.amount-due":      {"Amount due", "Maksettava", "Att betala"},
	"data.iban":            {"Account (IBAN)", "Tilinumero (IBAN)", "Kontonummer (IBAN)"},
	"data.bic":             {"BIC", "BIC", "BIC"},
	"data.refund":          {"To be refunded", "Hyvitetään", "Krediteras"},

	"party.seller":      {"Seller", "Myyjä", "Säljare"},
	"party.buyer":       {"Buyer", "Ostaja", "Köpare"},
	"party.business-id": {"Business ID", "Y-tunnus", "FO-nummer"},
	"party.vat-id":      {"VAT number", "ALV-numero", "Momsnummer"},
	"party.phone":       {"Phone", "Puhelin", "Telefon"},
	"party.email":       {"E-mail", "Sähköposti", "E-post"},
	"party.contact":     {"Contact", "Yhteyshenkilö", "Kontaktperson"},

	"lines.description": {"Description", "Kuvaus", "Beskrivning"},
	"lines.quantity":    {"Quantity", "Määrä", "Antal"},
	"lines.unit":        {"Unit", "Yks.", "Enh."},
	"lines.unit-price":  {"Unit price", "À-hinta", "À-pris"},
	"lines.vat":         {"VAT %", "ALV %", "Moms %"},
	"lines.net":         {"Net", "Veroton", "Netto"},
	"lines.gross":       {"Incl. VAT", "Verollinen", "Inkl. moms"},
	"lines.article":     {"Item", "Tuote", "Artikel"},
	"lines.continued":   {"continued on the next page", "jatkuu seuraavalla sivulla", "fortsätter på nästa sida"},

	"vat.title":   {"VAT breakdown", "ALV-erittely", "Momsspecifikation"},
	"vat.rate":    {"VAT rate", "ALV-kanta", "Momssats"},
	"vat.taxable": {"Taxable amount", "Veron peruste", "Beskattningsunderlag"},
	"vat.amount":  {"VAT", "Vero", "Moms"},

	"totals.net":      {"Total excluding VAT", "Veroton yhteensä", "Totalt exkl. moms"},
	"totals.vat":      {"VAT", "ALV", "Moms"},
	"totals.gross":    {"Total including VAT", "Yhteensä sis. ALV", "Totalt inkl. moms"},
	"totals.prepaid":  {"Paid in advance", "Ennakkoon maksettu", "Förskottsbetalt"},
	"totals.rounding": {"Rounding", "Pyöristys", "Avrundning"},
	"totals.due":      {"Amount due", "Maksettava yhteensä", "Att betala totalt"},

	"notes.title": {"Notes", "Lisätiedot", "Tilläggsuppgifter"},

	"pay.no-form":    {"Pay with the details above; no bank transfer form could be made: %s.", "Maksa yllä olevilla tiedoilla; tilisiirtolomaketta ei voitu muodostaa: %s.", "Betala med uppgifterna ovan; ingen girering kunde skapas: %s."},
	"pay.credit":     {"This is a credit note: there is nothing to pay.", "Tämä on hyvityslasku: maksettavaa ei ole.", "Detta är en kreditfaktura: inget att betala."},
	"pay.qr":         {"Pay by scanning", "Maksa QR-koodilla", "Betala med QR-kod"},
	"pay.virtual":    {"Virtual barcode", "Virtuaaliviivakoodi", "Virtuell streckkod"},
	"form.title":     {"BANK TRANSFER", "TILISIIRTO GIRERING", "TILISIIRTO GIRERING"},
	"form.account":   {"Payee's account", "Saajan tilinumero Mottagarens kontonummer", "Saajan tilinumero Mottagarens kontonummer"},
	"form.payee":     {"Payee", "Saaja Mottagare", "Saaja Mottagare"},
	"form.payer":     {"Payer's name and address", "Maksajan nimi ja osoite Betalarens namn och adress", "Maksajan nimi ja osoite Betalarens namn och adress"},
	"form.sign":      {"Signature", "Allekirjoitus Underskrift", "Allekirjoitus Underskrift"},
	"form.from":      {"From account", "Tililtä nro Från konto nr", "Tililtä nro Från konto nr"},
	"form.reference": {"Reference", "Viitenro Ref.nr", "Viitenro Ref.nr"},
	"form.due":       {"Due date", "Eräpäivä Förfallodag", "Eräpäivä Förfallodag"},
	"form.euro":      {"Euro", "Euro", "Euro"},
	"form.note":      {"The payment is passed to the payee only to the account given above.", "Maksu välitetään saajalle maksujenvälityksen ehtojen mukaisesti ja vain maksajan ilmoittaman tilinumeron perusteella.", "Betalningen förmedlas till mottagaren enligt villkoren för betalningsförmedling och endast till det kontonummer som betalaren angivit."},

	"unit.piece":  {"pcs", "kpl", "st"},
	"unit.hour":   {"h", "h", "h"},
	"unit.day":    {"days", "pv", "dagar"},
	"unit.month":  {"months", "kk", "mån"},
	"unit.year":   {"years", "v", "år"},
	"unit.week":   {"weeks", "vko", "veckor"},
	"unit.minute": {"min", "min", "min"},
	"unit.set":    {"sets", "erä", "sats"},
	"unit.lump":   {"lump sum", "erä", "klumpsumma"},

	"error.no-document":    {"There is no document to render %q.", "Laskun kuvaa ei voi muodostaa: asiakirjaa %q ei ole.", "Fakturabilden kan inte skapas: dokumentet %q saknas."},
	"error.too-many-pages": {"Document %q has too many lines for an invoice image.", "Asiakirjassa %q on liian monta riviä laskun kuvaksi.", "Dokumentet %q har för många rader för en fakturabild."},
	"error.pdf":            {"The invoice image of document %q could not be written.", "Asiakirjan %q laskun kuvaa ei voitu kirjoittaa.", "Fakturabilden för dokumentet %q kunde inte skrivas."},
}

// text returns the text of key in lang.
func text(lang, key string) string {
	return i18n.Pick(lang, messages[key])
}
