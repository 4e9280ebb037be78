package importer

import (
	"strconv"
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
)

// Languages are plain strings: "fi" (Finnish), "sv" (Swedish) and "en"
// (English), resolved by the library's one language matcher ("fi-FI",
// "SV", "sv_SE", "fin" are understood); anything else means English.
// langEN is English's i18n.Index.
const langEN = 0

// langCodes are the canonical language strings by index.
var langCodes = [3]string{"en", "fi", "sv"}

// Language returns the language the importer speaks for lang: "fi", "sv"
// or, for anything else, "en". "fi-FI", "SV", "sv_SE" and "fin" are
// understood.
func Language(lang string) string { return langCodes[i18n.Index(lang)] }

// messages holds the explanation of each code in English, Finnish and
// Swedish. Placeholders: {value} the quoted value, {column} the column
// letter, {other} the other row, {limit} the limit, {mb} the limit in
// megabytes, {reason} why an address was refused.
var messages = map[Code][3]string{
	CodeFileTooLarge: {
		"The file is larger than {mb} MB. Split it into smaller files, or remove extra sheets and columns.",
		"Tiedosto on suurempi kuin {mb} Mt. Jaa se pienempiin tiedostoihin tai poista ylimääräiset välilehdet ja sarakkeet.",
		"Filen är större än {mb} MB. Dela upp den i mindre filer eller ta bort extra blad och kolumner.",
	},
	CodeArchiveTooLarge: {
		"The workbook unpacks to more than {mb} MB, far more than a customer list needs. Copy the customer numbers and addresses to a new workbook and save it as .xlsx.",
		"Työkirja purkautuu yli {mb} megatavuksi, paljon suuremmaksi kuin asiakasluettelo tarvitsee. Kopioi asiakasnumerot ja osoitteet uuteen työkirjaan ja tallenna se .xlsx-muodossa.",
		"Arbetsboken packas upp till mer än {mb} MB, mycket mer än en kundlista behöver. Kopiera kundnumren och adresserna till en ny arbetsbok och spara den som .xlsx.",
	},
	CodeUnsupportedFileType: {
		"This is not a CSV or XLSX file (it looks like {value}). Save the list from your spreadsheet program as an Excel workbook (.xlsx) or as CSV.",
		"Tämä ei ole CSV- eikä XLSX-tiedosto (se näyttää olevan {value}). Tallenna luettelo taulukkolaskentaohjelmasta Excel-työkirjana (.xlsx) tai CSV-tiedostona.",
		"Det här är inte en CSV- eller XLSX-fil (den ser ut att vara {value}). Spara listan i ditt kalkylprogram som Excel-arbetsbok (.xlsx) eller som CSV.",
	},
	CodeFormatNotAccepted: {
		"{value} files cannot be imported here. Save the list in the format this service asks for.",
		"{value}-tiedostoja ei voi tuoda tänne. Tallenna luettelo siinä muodossa, jota tämä palvelu pyytää.",
		"{value}-filer kan inte importeras här. Spara listan i det format som tjänsten ber om.",
	},
	CodeEncryptedWorkbook: {
		"The workbook is protected with a password. Remove the password in Excel (File > Info > Protect Workbook) and save the file again.",
		"Työkirja on suojattu salasanalla. Poista salasana Excelissä (Tiedosto > Tiedot > Suojaa työkirja) ja tallenna tiedosto uudelleen.",
		"Arbetsboken är skyddad med lösenord. Ta bort lösenordet i Excel (Arkiv > Information > Skydda arbetsbok) och spara filen igen.",
	},
	CodeLegacyXLS: {
		"This is an old Excel 97–2003 workbook (.xls). Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV.",
		"Tämä on vanha Excel 97–2003 -työkirja (.xls). Avaa se Excelissä ja tallenna se Excel-työkirjana (.xlsx) tai CSV-tiedostona.",
		"Det här är en gammal Excel 97–2003-arbetsbok (.xls). Öppna den i Excel och spara den som Excel-arbetsbok (.xlsx) eller som CSV.",
	},
	CodeODS: {
		"This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) or as CSV.",
		"Tämä on OpenDocument-laskentataulukko (.ods). Tallenna se Excel-työkirjana (.xlsx) tai CSV-tiedostona.",
		"Det här är ett OpenDocument-kalkylblad (.ods). Spara det som Excel-arbetsbok (.xlsx) eller som CSV.",
	},
	CodeMalformedCSV: {
		"The CSV file has a stray or unclosed quotation mark here ({value}). Check the quotation marks on this row, or save the file again from your spreadsheet program.",
		"CSV-tiedostossa on tässä ylimääräinen tai sulkematon lainausmerkki ({value}). Tarkista rivin lainausmerkit tai tallenna tiedosto uudelleen taulukkolaskentaohjelmasta.",
		"CSV-filen har ett överflödigt eller oavslutat citattecken här ({value}). Kontrollera citattecknen på raden eller spara filen på nytt från kalkylprogrammet.",
	},
	CodeMalformedXLSX: {
		"The workbook is damaged or is not a real Excel workbook ({value}). Open it in Excel and save it again as .xlsx.",
		"Työkirja on vioittunut tai se ei ole oikea Excel-työkirja ({value}). Avaa se Excelissä ja tallenna se uudelleen .xlsx-muodossa.",
		"Arbetsboken är skadad eller ingen riktig Excel-arbetsbok ({value}). Öppna den i Excel och spara den igen som .xlsx.",
	},
	CodeSheetNotFound: {
		"The workbook has no sheet named {value}.",
		"Työkirjassa ei ole välilehteä nimeltä {value}.",
		"Arbetsboken har inget blad som heter {value}.",
	},
	CodeNoVisibleSheet: {
		"The workbook has no visible sheet. Unhide the sheet with the customer list and save the file again.",
		"Työkirjassa ei ole yhtään näkyvää välilehteä. Tuo asiakasluettelon välilehti näkyviin ja tallenna tiedosto uudelleen.",
		"Arbetsboken har inget synligt blad. Visa bladet med kundlistan och spara filen igen.",
	},
	CodeEmptyFile: {
		"The file has no customer rows. Fill in the template: the customer number in column A, the e-mail addresses in column B.",
		"Tiedostossa ei ole yhtään asiakasriviä. Täytä malli: asiakasnumero sarakkeeseen A ja sähköpostiosoitteet sarakkeeseen B.",
		"Filen har inga kundrader. Fyll i mallen: kundnumret i kolumn A och e-postadresserna i kolumn B.",
	},
	CodeTooManyRows: {
		"The file has more than {limit} customer rows. Split it into several files and import them one at a time.",
		"Tiedostossa on yli {limit} asiakasriviä. Jaa se useaan tiedostoon ja tuo ne yksi kerrallaan.",
		"Filen har fler än {limit} kundrader. Dela upp den i flera filer och importera dem en i taget.",
	},
	CodeWrongHeader: {
		"The heading {value} is in the wrong column. The columns are: A customer number, B e-mail addresses, C copy (CC) addresses (optional).",
		"Otsikko {value} on väärässä sarakkeessa. Sarakkeet ovat: A asiakasnumero, B sähköpostiosoitteet, C kopio-osoitteet (CC, valinnainen).",
		"Rubriken {value} står i fel kolumn. Kolumnerna är: A kundnummer, B e-postadresser, C kopieadresser (CC, frivillig).",
	},
	CodeEmptyCustomerNumber: {
		"The customer number is missing. Write the customer number in column A, or delete the row.",
		"Asiakasnumero puuttuu. Kirjoita asiakasnumero sarakkeeseen A tai poista rivi.",
		"Kundnumret saknas. Skriv kundnumret i kolumn A eller ta bort raden.",
	},
	CodeMissingAddress: {
		"The e-mail address is missing. Write at least one address in column B, or delete the row.",
		"Sähköpostiosoite puuttuu. Kirjoita sarakkeeseen B vähintään yksi osoite tai poista rivi.",
		"E-postadressen saknas. Skriv minst en adress i kolumn B eller ta bort raden.",
	},
	CodeCommaBetweenAddresses: {
		"Extra comma between two addresses in {value} — separate addresses with a space.",
		"Ylimääräinen pilkku kahden osoitteen välissä kohdassa {value} — erota osoitteet välilyönnillä.",
		"Extra kommatecken mellan två adresser i {value} — skilj adresserna åt med ett mellanslag.",
	},
	CodeSemicolonBetweenAddresses: {
		"Extra semicolon between two addresses in {value} — separate addresses with a space.",
		"Ylimääräinen puolipiste kahden osoitteen välissä kohdassa {value} — erota osoitteet välilyönnillä.",
		"Extra semikolon mellan två adresser i {value} — skilj adresserna åt med ett mellanslag.",
	},
	CodeInvalidAddress: {
		"{value} is not a valid e-mail address: {reason}.",
		"{value} ei ole kelvollinen sähköpostiosoite: {reason}.",
		"{value} är inte en giltig e-postadress: {reason}.",
	},
	CodeDuplicateCustomerNumber: {
		"Customer number {value} is also on row {other}. Keep one row per customer number and put all its addresses in column B.",
		"Asiakasnumero {value} on myös rivillä {other}. Jätä kullekin asiakasnumerolle yksi rivi ja kirjoita kaikki sen osoitteet sarakkeeseen B.",
		"Kundnumret {value} finns också på rad {other}. Ha en rad per kundnummer och skriv alla dess adresser i kolumn B.",
	},
	CodeControlCharacter: {
		"The cell contains a line break, a tab or another invisible character. Type the value again on one line.",
		"Solussa on rivinvaihto, sarkain tai muu näkymätön merkki. Kirjoita arvo uudelleen yhdelle riville.",
		"Cellen innehåller en radbrytning, en tabb eller ett annat osynligt tecken. Skriv värdet på nytt på en rad.",
	},
	CodeValueTooLong: {
		"The value is longer than {limit} characters. Check that the cell holds only a customer number or e-mail addresses.",
		"Arvo on yli {limit} merkkiä pitkä. Tarkista, että solussa on vain asiakasnumero tai sähköpostiosoitteita.",
		"Värdet är längre än {limit} tecken. Kontrollera att cellen bara innehåller ett kundnummer eller e-postadresser.",
	},
	CodeTooManyAddresses: {
		"The row has more than {limit} addresses; one customer number can have at most {limit}.",
		"Rivillä on yli {limit} osoitetta; yhdellä asiakasnumerolla voi olla enintään {limit}.",
		"Raden har fler än {limit} adresser; ett kundnummer kan ha högst {limit}.",
	},
	CodeTooManyColumns: {
		"Unexpected value in column {column}. Only column A (customer number), column B (e-mail addresses) and column C (copy addresses; with a header row, only when it is headed CC) are read. Put all addresses of a customer in column B, separated by spaces.",
		"Odottamaton arvo sarakkeessa {column}. Vain sarake A (asiakasnumero), sarake B (sähköpostiosoitteet) ja sarake C (kopio-osoitteet; jos tiedostossa on otsikkorivi, vain kun sarakkeen otsikko on CC) luetaan. Kirjoita asiakkaan kaikki osoitteet sarakkeeseen B välilyönnein erotettuina.",
		"Oväntat värde i kolumn {column}. Bara kolumn A (kundnummer), kolumn B (e-postadresser) och kolumn C (kopieadresser; med en rubrikrad bara när kolumnen har rubriken CC) läses. Skriv alla en kunds adresser i kolumn B, åtskilda med mellanslag.",
	},
	CodeScientificNotation: {
		"The customer number {value} is in scientific notation, which Excel shows when a long number does not fit: digits have been lost. Format column A as text, type the customer numbers again and save.",
		"Asiakasnumero {value} on eksponenttimuodossa, jota Excel käyttää, kun pitkä luku ei mahdu soluun: numeroita on kadonnut. Muotoile sarake A tekstiksi, kirjoita asiakasnumerot uudelleen ja tallenna.",
		"Kundnumret {value} är i exponentform, som Excel visar när ett långt tal inte får plats: siffror har gått förlorade. Formatera kolumn A som text, skriv kundnumren på nytt och spara.",
	},
	CodeInexactNumber: {
		"The customer number {value} is a number with decimals or more than 15 digits, which a spreadsheet cannot store exactly. Format column A as text and type the customer number again.",
		"Asiakasnumero {value} on desimaaliluku tai siinä on yli 15 numeroa, eikä taulukkolaskentaohjelma voi tallentaa sitä tarkasti. Muotoile sarake A tekstiksi ja kirjoita asiakasnumero uudelleen.",
		"Kundnumret {value} är ett tal med decimaler eller fler än 15 siffror, som ett kalkylprogram inte kan lagra exakt. Formatera kolumn A som text och skriv kundnumret på nytt.",
	},
	CodeDateCell: {
		"The cell holds a date ({value}), not text. Format the column as text and type the value again.",
		"Solussa on päivämäärä ({value}), ei tekstiä. Muotoile sarake tekstiksi ja kirjoita arvo uudelleen.",
		"Cellen innehåller ett datum ({value}), inte text. Formatera kolumnen som text och skriv värdet på nytt.",
	},
	CodeBooleanCell: {
		"The cell holds the truth value {value}, not text. Type the customer number or the addresses as text.",
		"Solussa on totuusarvo {value}, ei tekstiä. Kirjoita asiakasnumero tai osoitteet tekstinä.",
		"Cellen innehåller sanningsvärdet {value}, inte text. Skriv kundnumret eller adresserna som text.",
	},
	CodeErrorCell: {
		"The cell shows the error {value}. Correct the formula, or type the value as text.",
		"Solussa on virhe {value}. Korjaa kaava tai kirjoita arvo tekstinä.",
		"Cellen visar felet {value}. Rätta formeln eller skriv värdet som text.",
	},
	CodeFormulaWithoutValue: {
		"The cell has a formula whose result was not saved in the file. Open the file in Excel, let it calculate and save it again, or replace the formula with its value.",
		"Solussa on kaava, jonka tulosta ei ole tallennettu tiedostoon. Avaa tiedosto Excelissä, anna sen laskea ja tallenna uudelleen, tai korvaa kaava sen arvolla.",
		"Cellen har en formel vars resultat inte sparades i filen. Öppna filen i Excel, låt den räkna och spara igen, eller ersätt formeln med dess värde.",
	},
	CodeNumericCell: {
		"The customer number was a number cell and was read as {value}. If customer numbers start with zeros, the zeros have been lost: format column A as text and type them again.",
		"Asiakasnumero oli numerosolu, ja se luettiin muodossa {value}. Jos asiakasnumerot alkavat nollilla, nollat ovat kadonneet: muotoile sarake A tekstiksi ja kirjoita numerot uudelleen.",
		"Kundnumret var en talcell och lästes som {value}. Om kundnumren börjar med nollor har nollorna gått förlorade: formatera kolumn A som text och skriv in dem igen.",
	},
}

// Message explains p in the language lang ("fi", "sv" or "en"; anything
// else means English): what is wrong and how to fix it. The position is not
// included; see [Problem.Position]. A code without a message (a Problem a
// host app made up) gives its code and value.
func (p Problem) Message(lang string) string {
	li := i18n.Index(lang)
	t, ok := messages[p.Code]
	if !ok {
		if p.Value == "" {
			return string(p.Code)
		}
		return string(p.Code) + ": " + quote(p.Value, li)
	}
	return strings.NewReplacer(
		"{value}", quote(p.Value, li),
		"{column}", p.Column,
		"{other}", strconv.Itoa(p.OtherRow),
		"{limit}", formatNumber(p.Limit, li),
		"{mb}", formatNumber(p.Limit>>20, li),
		"{reason}", p.Reason.Message(langCodes[li]),
	).Replace(t[li])
}

// positions holds "row N, column C" and "row N" by language.
var positions = [3][2]string{
	{"row %d, column %s", "row %d"},
	{"rivi %d, sarake %s", "rivi %d"},
	{"rad %d, kolumn %s", "rad %d"},
}

// Position says where p is in the language lang, such as "row 5, column B"
// ("rivi 5, sarake B", "rad 5, kolumn B"), or "" for a problem with the
// whole file.
func (p Problem) Position(lang string) string {
	li := i18n.Index(lang)
	switch {
	case p.Row <= 0:
		return ""
	case p.Column == "":
		return strings.Replace(positions[li][1], "%d", strconv.Itoa(p.Row), 1)
	}
	return strings.NewReplacer("%d", strconv.Itoa(p.Row), "%s", p.Column).Replace(positions[li][0])
}

// quote puts v in the quotation marks of the language.
func quote(v string, li int) string {
	if li == langEN {
		return "“" + v + "”"
	}
	return "”" + v + "”"
}

// formatNumber writes n with thousands separators: 1,000,000 in English,
// 1 000 000 (no-break spaces) in Finnish and Swedish.
func formatNumber(n int64, li int) string {
	s := strconv.FormatInt(n, 10)
	sep := ","
	if li != langEN {
		sep = "\u00a0"
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}
