package main

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jakelu/jakelu/internal/i18n"
)

// languages are the UI languages, in the order the language switch shows
// them. The library speaks the same three.
var languages = []string{"fi", "sv", "en"}

// languageNames are the languages' names in themselves, as a language
// switch and a language choice show them.
var languageNames = map[string]string{"fi": "suomi", "sv": "svenska", "en": "English"}

// langCookie holds the language the user chose with the language switch.
const langCookie = "jakelu_lang"

// requestLanguage returns the UI language of a request: the one chosen with
// the language switch, else the browser's preference, else English.
func requestLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	return preferredLanguage(r.Header.Get("Accept-Language"))
}

// preferredLanguage picks the UI language from an Accept-Language header
// ("sv-FI, fi;q=0.8, en;q=0.5") with the library's language matcher: the
// supported language with the highest quality, the first listed among
// equals; English when none is acceptable.
func preferredLanguage(header string) string {
	if l, ok := i18n.Accept(header); ok {
		return l
	}
	return "en"
}

// langIndex maps a UI language to its column in texts.
func langIndex(lang string) int {
	switch lang {
	case "fi":
		return 1
	case "sv":
		return 2
	}
	return 0
}

// translate returns the text for key in lang, formatted with args. A key
// without a text (a programming error the tests catch) is returned as it is.
func translate(lang, key string, args ...any) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return t[langIndex(lang)]
	}
	return fmt.Sprintf(t[langIndex(lang)], args...)
}

// timeLayouts are the date and the date-and-time layouts of each language.
var timeLayouts = map[string][2]string{
	"fi": {"2.1.2006", "2.1.2006 klo 15.04"},
	"sv": {"2006-01-02", "2006-01-02 kl. 15.04"},
	"en": {"2 Jan 2006", "2 Jan 2006, 15:04"},
}

// formatTime writes the date of t, and with clock its time, as people of
// the language write them, in the server's time zone.
func formatTime(lang string, t time.Time, clock bool) string {
	layouts, ok := timeLayouts[lang]
	if !ok {
		layouts = timeLayouts["en"]
	}
	if clock {
		return t.Local().Format(layouts[1])
	}
	return t.Local().Format(layouts[0])
}

// formatSize writes a size in bytes in megabytes, or kilobytes below one
// megabyte, with the units of the language.
func formatSize(lang string, n int64) string {
	mb, kb := "MB", "kB"
	if lang == "fi" {
		mb, kb = "Mt", "kt"
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%d %s", n>>20, mb)
	}
	return fmt.Sprintf("%d %s", n>>10, kb)
}

// texts holds every UI text in English, Finnish and Swedish (langIndex
// order). Keys ending in ".one" are the singular of the key without it
// (see view.N). Texts of the library's own data (routing explanations,
// import problems, the import help, address reasons) come from the library.
var texts = map[string][3]string{
	// Layout and navigation.
	"nav.main":      {"Main menu", "Päävalikko", "Huvudmeny"},
	"nav.directory": {"E-mail distribution", "Sähköpostijakelu", "E-postdistribution"},
	"nav.import":    {"Import", "Tuonti", "Import"},
	"nav.send":      {"Send", "Lähetä", "Skicka"},
	"nav.log":       {"Delivery log", "Lähetysloki", "Leveranslogg"},
	"nav.settings":  {"Settings", "Asetukset", "Inställningar"},
	"nav.signout":   {"Sign out", "Kirjaudu ulos", "Logga ut"},
	"nav.language":  {"Language", "Kieli", "Språk"},
	"skip":          {"Skip to content", "Siirry sisältöön", "Hoppa till innehållet"},
	"lang.fi":       {"Finnish", "suomi", "finska"},
	"lang.sv":       {"Swedish", "ruotsi", "svenska"},
	"lang.en":       {"English", "englanti", "engelska"},

	// Signing in.
	"login.title":    {"Sign in", "Kirjaudu sisään", "Logga in"},
	"login.intro":    {"Manage who receives your company's invoices by e-mail.", "Hallitse, kuka saa yrityksesi laskut sähköpostilla.", "Hantera vem som får företagets fakturor per e-post."},
	"login.email":    {"E-mail address", "Sähköpostiosoite", "E-postadress"},
	"login.password": {"Password", "Salasana", "Lösenord"},
	"login.submit":   {"Sign in", "Kirjaudu sisään", "Logga in"},
	"login.failed":   {"The e-mail address or the password is wrong.", "Sähköpostiosoite tai salasana on väärin.", "E-postadressen eller lösenordet är fel."},
	"login.blocked":  {"Too many failed sign-ins. Try again in %d minutes.", "Liian monta epäonnistunutta kirjautumista. Yritä uudelleen %d minuutin kuluttua.", "För många misslyckade inloggningar. Försök igen om %d minuter."},

	// The directory.
	"dir.title":       {"E-mail distribution", "Sähköpostijakelu", "E-postdistribution"},
	"dir.lead":        {"These customers receive their invoices by e-mail, at the addresses below.", "Nämä asiakkaat saavat laskunsa sähköpostilla alla oleviin osoitteisiin.", "De här kunderna får sina fakturor per e-post till adresserna nedan."},
	"dir.searchLabel": {"Search by customer number or e-mail address", "Hae asiakasnumerolla tai sähköpostiosoitteella", "Sök på kundnummer eller e-postadress"},
	"dir.search":      {"Search", "Hae", "Sök"},
	"dir.clear":       {"Show all", "Näytä kaikki", "Visa alla"},
	"dir.add":         {"Add customer", "Lisää asiakas", "Lägg till kund"},
	"dir.count":       {"%d customers", "%d asiakasta", "%d kunder"},
	"dir.count.one":   {"1 customer", "1 asiakas", "1 kund"},
	"dir.matches":     {"%d customers match “%s”", "%d asiakasta vastaa hakua ”%s”", "%d kunder matchar ”%s”"},
	"dir.matches.one": {"1 customer matches “%s”", "1 asiakas vastaa hakua ”%s”", "1 kund matchar ”%s”"},
	"dir.empty":       {"The directory is empty. Add a customer, or import a file.", "Rekisteri on tyhjä. Lisää asiakas tai tuo tiedosto.", "Registret är tomt. Lägg till en kund eller importera en fil."},
	"dir.noMatch":     {"No customer matches your search.", "Haulla ei löytynyt asiakkaita.", "Ingen kund matchar sökningen."},
	"dir.edit":        {"Edit", "Muokkaa", "Redigera"},
	"dir.delete":      {"Delete", "Poista", "Ta bort"},
	"dir.next":        {"Next page", "Seuraava sivu", "Nästa sida"},
	"dir.first":       {"First page", "Ensimmäinen sivu", "Första sidan"},
	"dir.pages":       {"Pages", "Sivut", "Sidor"},
	"dir.added":       {"Customer %s was added.", "Asiakas %s lisättiin.", "Kunden %s lades till."},
	"dir.saved":       {"Customer %s was saved.", "Asiakkaan %s tiedot tallennettiin.", "Kunden %s sparades."},
	"dir.deleted":     {"Customer %s was deleted.", "Asiakas %s poistettiin.", "Kunden %s togs bort."},
	"dir.langDefault": {"default", "oletus", "standard"},
	"col.customer":    {"Customer number", "Asiakasnumero", "Kundnummer"},
	"col.to":          {"E-mail addresses", "Sähköpostiosoitteet", "E-postadresser"},
	"col.cc":          {"Copy (CC)", "Kopio (CC)", "Kopia (CC)"},
	"col.language":    {"Language", "Kieli", "Språk"},
	"col.updated":     {"Updated", "Päivitetty", "Uppdaterad"},
	"col.actions":     {"Actions", "Toiminnot", "Åtgärder"},

	// Adding, editing and deleting a customer.
	"entry.addTitle":     {"Add a customer", "Lisää asiakas", "Lägg till en kund"},
	"entry.editTitle":    {"Edit customer %s", "Muokkaa asiakasta %s", "Redigera kunden %s"},
	"entry.customer":     {"Customer number", "Asiakasnumero", "Kundnummer"},
	"entry.customerHint": {"Exactly as on the invoices, leading zeros included.", "Täsmälleen kuten laskuilla, alkunollat mukaan lukien.", "Exakt som på fakturorna, inledande nollor medräknade."},
	"entry.to":           {"E-mail addresses", "Sähköpostiosoitteet", "E-postadresser"},
	"entry.toHint":       {"One or more, separated by spaces or line breaks.", "Yksi tai useampi, välilyönnein tai rivinvaihdoin erotettuina.", "En eller flera, åtskilda med mellanslag eller radbrytningar."},
	"entry.cc":           {"Copy (CC) addresses", "Kopio-osoitteet (CC)", "Kopieadresser (CC)"},
	"entry.ccHint":       {"Optional. They receive a copy of every invoice.", "Valinnainen. Ne saavat kopion jokaisesta laskusta.", "Frivilligt. De får en kopia av varje faktura."},
	"entry.language":     {"Language of the e-mails", "Sähköpostien kieli", "E-postmeddelandenas språk"},
	"entry.langDefault":  {"The company's default", "Yrityksen oletuskieli", "Företagets standardspråk"},
	"entry.save":         {"Save", "Tallenna", "Spara"},
	"entry.exists":       {"This customer number is already in the directory: edit it instead.", "Asiakasnumero on jo rekisterissä: muokkaa sitä.", "Kundnumret finns redan i registret: redigera det i stället."},
	"entry.notFound":     {"Customer number %s is not in your directory.", "Asiakasnumeroa %s ei ole rekisterissäsi.", "Kundnumret %s finns inte i ditt register."},
	"delete.title":       {"Delete customer %s?", "Poistetaanko asiakas %s?", "Ta bort kunden %s?"},
	"delete.text":        {"Invoices for this customer number will no longer be sent to these addresses.", "Tämän asiakasnumeron laskuja ei enää lähetetä näihin osoitteisiin.", "Fakturor för det här kundnumret skickas inte längre till de här adresserna."},
	"delete.confirm":     {"Delete customer", "Poista asiakas", "Ta bort kunden"},
	"form.cancel":        {"Cancel", "Peruuta", "Avbryt"},
	"form.fix":           {"Please correct the marked field.", "Korjaa merkitty kenttä.", "Rätta det markerade fältet."},

	// Import.
	"import.title":          {"Import customers", "Tuo asiakkaita", "Importera kunder"},
	"import.lead":           {"Upload an Excel (XLSX) or CSV file. You will see every change before anything is imported.", "Lataa Excel- (XLSX) tai CSV-tiedosto. Näet kaikki muutokset ennen kuin mitään tuodaan.", "Ladda upp en Excel- (XLSX) eller CSV-fil. Du ser alla ändringar innan något importeras."},
	"import.file":           {"File (XLSX or CSV)", "Tiedosto (XLSX tai CSV)", "Fil (XLSX eller CSV)"},
	"import.mode":           {"Customers that are not in the file", "Asiakkaat, jotka eivät ole tiedostossa", "Kunder som inte finns i filen"},
	"import.modeUpdate":     {"Keep them: update only the customers in the file", "Säilytä: päivitä vain tiedoston asiakkaat", "Behåll dem: uppdatera bara kunderna i filen"},
	"import.modeReplace":    {"Delete them: replace the whole directory with the file", "Poista: korvaa koko rekisteri tiedostolla", "Ta bort dem: ersätt hela registret med filen"},
	"import.check":          {"Check the file", "Tarkista tiedosto", "Kontrollera filen"},
	"import.noFile":         {"Choose the file to import.", "Valitse tuotava tiedosto.", "Välj filen som ska importeras."},
	"import.templates":      {"Templates", "Mallipohjat", "Mallar"},
	"import.templateCSV":    {"CSV template", "CSV-malli", "CSV-mall"},
	"import.templateXLSX":   {"Excel template (XLSX)", "Excel-malli (XLSX)", "Excel-mall (XLSX)"},
	"import.export":         {"Export the directory", "Vie rekisteri", "Exportera registret"},
	"import.exportLead":     {"Download every customer as a file you can edit and import again.", "Lataa kaikki asiakkaat tiedostona, jota voit muokata ja jonka voit tuoda uudelleen.", "Ladda ner alla kunder som en fil som du kan redigera och importera igen."},
	"import.exportCSV":      {"Download as CSV", "Lataa CSV-tiedostona", "Ladda ner som CSV"},
	"import.exportXLSX":     {"Download as Excel (XLSX)", "Lataa Excel-tiedostona (XLSX)", "Ladda ner som Excel (XLSX)"},
	"importErr.title":       {"The file cannot be imported", "Tiedostoa ei voi tuoda", "Filen kan inte importeras"},
	"importErr.lead":        {"Nothing was imported. Correct these problems in %s and upload it again.", "Mitään ei tuotu. Korjaa nämä kohdat tiedostoon %s ja lataa se uudelleen.", "Inget importerades. Rätta de här problemen i %s och ladda upp filen igen."},
	"importErr.count":       {"%d problems", "%d ongelmaa", "%d problem"},
	"importErr.count.one":   {"1 problem", "1 ongelma", "1 problem"},
	"importErr.capped":      {"The first %d are listed.", "Niistä luetellaan %d ensimmäistä.", "De första %d listas."},
	"importErr.wholeFile":   {"the whole file", "koko tiedosto", "hela filen"},
	"importErr.again":       {"Upload a corrected file", "Lataa korjattu tiedosto", "Ladda upp en rättad fil"},
	"col.row":               {"Row", "Rivi", "Rad"},
	"col.column":            {"Column", "Sarake", "Kolumn"},
	"col.value":             {"Value", "Arvo", "Värde"},
	"col.problem":           {"What to do", "Mitä tehdä", "Vad du ska göra"},
	"preview.title":         {"Check the changes", "Tarkista muutokset", "Kontrollera ändringarna"},
	"preview.lead":          {"Nothing has been imported yet. These are the changes %s would make.", "Mitään ei ole vielä tuotu. Tiedosto %s tekisi nämä muutokset.", "Inget har importerats ännu. Det här är ändringarna som %s skulle göra."},
	"preview.added":         {"New", "Uudet", "Nya"},
	"preview.changed":       {"Changed", "Muuttuvat", "Ändras"},
	"preview.unchanged":     {"Unchanged", "Ennallaan", "Oförändrade"},
	"preview.deleted":       {"Deleted", "Poistuvat", "Tas bort"},
	"preview.now":           {"Now", "Nyt", "Nu"},
	"preview.after":         {"After the import", "Tuonnin jälkeen", "Efter importen"},
	"preview.more":          {"… and %d more", "… ja %d muuta", "… och %d till"},
	"preview.nothing":       {"The file matches the directory: there is nothing to import.", "Tiedosto vastaa rekisteriä: tuotavaa ei ole.", "Filen stämmer med registret: det finns inget att importera."},
	"preview.warnings":      {"Worth a look before you import", "Tarkista ennen tuontia", "Värt att kontrollera före importen"},
	"preview.confirmAll":    {"Yes, replace the whole directory: delete the %d customers that are not in the file.", "Kyllä, korvaa koko rekisteri: poista %d asiakasta, jotka eivät ole tiedostossa.", "Ja, ersätt hela registret: ta bort de %d kunder som inte finns i filen."},
	"preview.confirmNeeded": {"Tick the box to confirm that customers are deleted, or cancel.", "Vahvista asiakkaiden poisto valitsemalla ruutu tai peruuta.", "Kryssa i rutan för att bekräfta att kunder tas bort, eller avbryt."},
	"preview.import":        {"Import", "Tuo", "Importera"},
	"preview.expired":       {"This upload has expired or was already used. Upload the file again.", "Tämä lataus on vanhentunut tai jo käytetty. Lataa tiedosto uudelleen.", "Uppladdningen har gått ut eller redan använts. Ladda upp filen igen."},
	"importDone.title":      {"Import complete", "Tuonti valmis", "Importen är klar"},
	"importDone.summary":    {"%d added, %d changed, %d unchanged, %d deleted.", "%d lisätty, %d muutettu, %d ennallaan, %d poistettu.", "%d tillagda, %d ändrade, %d oförändrade, %d borttagna."},
	"importDone.back":       {"Go to the directory", "Siirry rekisteriin", "Gå till registret"},

	// Sending a document.
	"send.title":         {"Send a document", "Lähetä dokumentti", "Skicka ett dokument"},
	"send.lead":          {"Upload an e-invoice (UBL, CII, Finvoice or TEAPPSXML). You will see who receives it, and why, before anything is sent.", "Lataa verkkolasku (UBL, CII, Finvoice tai TEAPPSXML). Näet, kuka sen saa ja miksi, ennen kuin mitään lähetetään.", "Ladda upp en e-faktura (UBL, CII, Finvoice eller TEAPPSXML). Du ser vem som får den och varför innan något skickas."},
	"send.file":          {"Document (XML, or a PDF with the invoice inside)", "Dokumentti (XML tai PDF, jonka sisällä on lasku)", "Dokument (XML, eller en PDF med fakturan inuti)"},
	"send.check":         {"Show the recipients", "Näytä vastaanottajat", "Visa mottagarna"},
	"send.noFile":        {"Choose the document to send.", "Valitse lähetettävä dokumentti.", "Välj dokumentet som ska skickas."},
	"send.expired":       {"This document has expired or was already sent. Upload it again.", "Tämä dokumentti on vanhentunut tai jo lähetetty. Lataa se uudelleen.", "Dokumentet har gått ut eller redan skickats. Ladda upp det igen."},
	"plan.title":         {"Who receives document %s", "Kuka saa dokumentin %s", "Vem får dokument %s"},
	"plan.why":           {"Why", "Miksi", "Varför"},
	"plan.recipients":    {"Recipients", "Vastaanottajat", "Mottagare"},
	"plan.to":            {"To", "Vastaanottaja", "Till"},
	"plan.cc":            {"Copy", "Kopio", "Kopia"},
	"plan.fromDocument":  {"from the document", "dokumentista", "från dokumentet"},
	"plan.fromDirectory": {"from the directory, customer %s", "rekisteristä, asiakas %s", "från registret, kund %s"},
	"plan.language":      {"Language of the e-mail: %s.", "Viestin kieli: %s.", "Meddelandets språk: %s."},
	"plan.send":          {"Send by e-mail", "Lähetä sähköpostilla", "Skicka per e-post"},
	"plan.noRecipient":   {"This document cannot be sent by e-mail: no recipient was found.", "Tätä dokumenttia ei voi lähettää sähköpostilla: vastaanottajaa ei löytynyt.", "Dokumentet kan inte skickas per e-post: ingen mottagare hittades."},
	"plan.disabled":      {"E-mail distribution is switched off for your company.", "Sähköpostijakelu on poissa käytöstä yritykseltäsi.", "E-postdistributionen är avstängd för ditt företag."},
	"plan.enable":        {"Switch it on in the settings", "Ota se käyttöön asetuksissa", "Slå på den i inställningarna"},
	"plan.lookupFailed":  {"The recipient directory could not be read. Try again in a moment.", "Vastaanottajarekisteriä ei voitu lukea. Yritä hetken kuluttua uudelleen.", "Mottagarregistret kunde inte läsas. Försök igen om en stund."},
	"doc.type":           {"Type", "Tyyppi", "Typ"},
	"doc.invoice":        {"Invoice", "Lasku", "Faktura"},
	"doc.credit-note":    {"Credit note", "Hyvityslasku", "Kreditnota"},
	"doc.seller":         {"Seller", "Myyjä", "Säljare"},
	"doc.buyer":          {"Buyer", "Ostaja", "Köpare"},
	"doc.due":            {"Due date", "Eräpäivä", "Förfallodag"},
	"doc.amount":         {"Amount due", "Maksettava", "Att betala"},

	// The technical detail shown under a docparse.ParseError's message.
	"detail": {"Technical detail", "Tekninen lisätieto", "Teknisk information"},

	// The delivery log.
	"log.title":          {"Delivery log", "Lähetysloki", "Leveranslogg"},
	"log.lead":           {"Documents sent from this service, most recent first.", "Tästä palvelusta lähetetyt dokumentit, uusimmat ensin.", "Dokument som skickats från tjänsten, de senaste först."},
	"log.empty":          {"Nothing has been sent yet.", "Mitään ei ole vielä lähetetty.", "Inget har skickats ännu."},
	"log.older":          {"Older", "Vanhemmat", "Äldre"},
	"log.newest":         {"Most recent", "Uusimmat", "Senaste"},
	"col.time":           {"Time", "Aika", "Tid"},
	"col.document":       {"Document", "Dokumentti", "Dokument"},
	"col.outcome":        {"Outcome", "Tulos", "Resultat"},
	"col.recipient":      {"Recipient", "Vastaanottaja", "Mottagare"},
	"col.recipients":     {"Recipients", "Vastaanottajat", "Mottagare"},
	"col.explanation":    {"Explanation", "Selitys", "Förklaring"},
	"delivery.title":     {"Document %s", "Dokumentti %s", "Dokument %s"},
	"delivery.noNumber":  {"(no number)", "(ei numeroa)", "(inget nummer)"},
	"delivery.sentBy":    {"Sent by %s on %s from the file %s.", "Lähettäjä %s, %s, tiedosto %s.", "Skickat av %s %s från filen %s."},
	"delivery.messageID": {"Message-ID", "Message-ID", "Message-ID"},
	"delivery.notFound":  {"This delivery is not in your company's log.", "Tätä lähetystä ei ole yrityksesi lokissa.", "Leveransen finns inte i företagets logg."},
	"delivery.back":      {"Back to the log", "Takaisin lokiin", "Tillbaka till loggen"},
	"delivery.again":     {"Send another document", "Lähetä toinen dokumentti", "Skicka ett annat dokument"},

	// Outcomes: a document's (distribution.Outcome) and a recipient's
	// (transport.Outcome.String()).
	"outcome.sent":        {"Sent", "Lähetetty", "Skickat"},
	"outcome.partly-sent": {"Partly sent", "Osittain lähetetty", "Delvis skickat"},
	"outcome.failed":      {"Failed", "Epäonnistui", "Misslyckades"},
	"outcome.deferred":    {"Deferred: try again later", "Viivästyi: yritä myöhemmin uudelleen", "Fördröjt: försök igen senare"},
	"outcome.ambiguous":   {"Uncertain: may have been delivered", "Epävarma: saattoi mennä perille", "Osäkert: kan ha levererats"},
	"outcome.rejected":    {"Rejected", "Hylätty", "Avvisat"},
	"outcome.not-routed":  {"Not sent", "Ei lähetetty", "Inte skickat"},
	"rcpt.delivered":      {"Delivered", "Toimitettu", "Levererat"},
	"rcpt.deferred":       {"Deferred", "Viivästyi", "Fördröjt"},
	"rcpt.failed":         {"Failed", "Epäonnistui", "Misslyckades"},
	"rcpt.ambiguous":      {"Uncertain", "Epävarma", "Osäkert"},

	// Settings.
	"settings.title":           {"Settings", "Asetukset", "Inställningar"},
	"settings.lead":            {"How your company's documents are distributed by e-mail.", "Miten yrityksesi dokumentit jaetaan sähköpostilla.", "Hur företagets dokument distribueras per e-post."},
	"settings.enabled":         {"E-mail distribution", "Sähköpostijakelu", "E-postdistribution"},
	"settings.enabledHint":     {"When this is off, nothing is sent by e-mail.", "Kun tämä on pois päältä, mitään ei lähetetä sähköpostilla.", "När detta är avstängt skickas inget per e-post."},
	"settings.recipients":      {"Where the addresses come from", "Mistä osoitteet tulevat", "Var adresserna kommer ifrån"},
	"settings.documentAddress": {"Send to the e-mail address in the document", "Lähetä dokumentissa olevaan sähköpostiosoitteeseen", "Skicka till e-postadressen i dokumentet"},
	"settings.documentHint":    {"The buyer's e-mail address written in the invoice.", "Laskulle kirjoitettu ostajan sähköpostiosoite.", "Köparens e-postadress som står i fakturan."},
	"settings.directory":       {"Use the recipient directory", "Käytä vastaanottajarekisteriä", "Använd mottagarregistret"},
	"settings.directoryHint":   {"The invoice's customer number is looked up in E-mail distribution.", "Laskun asiakasnumero haetaan sähköpostijakelun rekisteristä.", "Fakturans kundnummer slås upp i e-postdistributionens register."},
	"settings.precedence":      {"When both give addresses", "Kun molemmista löytyy osoite", "När båda ger adresser"},
	"settings.precDocument":    {"Use the address in the document", "Käytä dokumentin osoitetta", "Använd adressen i dokumentet"},
	"settings.precDirectory":   {"Use the directory", "Käytä rekisteriä", "Använd registret"},
	"settings.precBoth":        {"Send to both", "Lähetä molempiin", "Skicka till båda"},
	"settings.sender":          {"Sender", "Lähettäjä", "Avsändare"},
	"settings.fromName":        {"Sender name", "Lähettäjän nimi", "Avsändarnamn"},
	"settings.fromNameHint":    {"E-mails are sent from %s. Leave the name empty to use the seller's name in each document.", "Viestit lähetetään osoitteesta %s. Jätä nimi tyhjäksi, niin käytetään dokumentin myyjän nimeä.", "Meddelandena skickas från %s. Lämna namnet tomt för att använda säljarens namn i dokumentet."},
	"settings.replyTo":         {"Reply-to address", "Vastausosoite", "Svarsadress"},
	"settings.replyToHint":     {"Where customers' replies go. Leave it empty to use the seller's e-mail address in each document.", "Minne asiakkaiden vastaukset menevät. Jätä tyhjäksi, niin käytetään dokumentin myyjän sähköpostiosoitetta.", "Dit kundernas svar går. Lämna tomt för att använda säljarens e-postadress i dokumentet."},
	"settings.language":        {"Default language of e-mails", "Sähköpostien oletuskieli", "E-postmeddelandenas standardspråk"},
	"settings.languageHint":    {"Used unless the customer's entry or the document gives a language.", "Käytetään, ellei asiakkaan tiedoissa tai dokumentissa ole kieltä.", "Används om inte kundens uppgifter eller dokumentet anger ett språk."},
	"settings.save":            {"Save settings", "Tallenna asetukset", "Spara inställningarna"},
	"settings.saved":           {"The settings were saved.", "Asetukset tallennettiin.", "Inställningarna sparades."},

	// Errors.
	"error.title":      {"Something went wrong", "Jokin meni vikaan", "Något gick fel"},
	"error.internal":   {"The request could not be completed. Try again in a moment.", "Pyyntöä ei voitu suorittaa. Yritä hetken kuluttua uudelleen.", "Begäran kunde inte slutföras. Försök igen om en stund."},
	"error.csrf":       {"The form has expired or did not come from this site. Go back, reload the page and try again.", "Lomake on vanhentunut tai se ei tullut tältä sivustolta. Palaa takaisin, lataa sivu uudelleen ja yritä uudelleen.", "Formuläret har gått ut eller kom inte från den här webbplatsen. Gå tillbaka, ladda om sidan och försök igen."},
	"error.tooLarge":   {"The file is larger than %s, the most this page accepts. Use a smaller file.", "Tiedosto on suurempi kuin %s, mikä on tämän sivun yläraja. Käytä pienempää tiedostoa.", "Filen är större än %s, vilket är det mesta sidan tar emot. Använd en mindre fil."},
	"error.badRequest": {"The form could not be read. Go back and try again.", "Lomaketta ei voitu lukea. Palaa takaisin ja yritä uudelleen.", "Formuläret kunde inte läsas. Gå tillbaka och försök igen."},
	"error.notFound":   {"The page was not found.", "Sivua ei löytynyt.", "Sidan hittades inte."},
	"error.back":       {"Go back", "Palaa takaisin", "Gå tillbaka"},
}
