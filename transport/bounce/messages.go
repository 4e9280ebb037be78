package bounce

import "github.com/jakelu/jakelu/internal/i18n"

// messages are the package's user-facing texts: a stable dotted key to
// the {English, Finnish, Swedish} triple. All texts of the package are
// here, so they can be moved to a message catalog mechanically.
var messages = map[string][3]string{
	"bounce.error.read": {
		"The bounce report could not be read.",
		"Palautusilmoitusta ei voitu lukea.",
		"Studsrapporten kunde inte läsas.",
	},
	"bounce.error.too-large": {
		"The bounce report is larger than {limit} bytes; a real report is much smaller.",
		"Palautusilmoitus on suurempi kuin {limit} tavua; oikea ilmoitus on paljon pienempi.",
		"Studsrapporten är större än {limit} byte; en riktig rapport är mycket mindre.",
	},
	"bounce.error.empty": {
		"The bounce report is empty.",
		"Palautusilmoitus on tyhjä.",
		"Studsrapporten är tom.",
	},
	"bounce.error.verp": {
		"The bounce address is not one of ours or its check code does not match.",
		"Palautusosoite ei ole meidän, tai sen tarkiste ei täsmää.",
		"Returadressen är inte vår, eller dess kontrollkod stämmer inte.",
	},

	"bounce.kind.bounce":       {"The message could not be delivered", "Viestiä ei voitu toimittaa", "Meddelandet kunde inte levereras"},
	"bounce.kind.delay":        {"Delivery is delayed; the server keeps trying", "Toimitus viivästyy; palvelin yrittää edelleen", "Leveransen är försenad; servern försöker fortfarande"},
	"bounce.kind.delivered":    {"Delivered", "Toimitettu", "Levererat"},
	"bounce.kind.auto-reply":   {"Automatic reply (for example out of office)", "Automaattinen vastaus (esimerkiksi poissaoloviesti)", "Automatiskt svar (till exempel frånvaromeddelande)"},
	"bounce.kind.complaint":    {"The recipient reported the message as spam", "Vastaanottaja ilmoitti viestin roskapostiksi", "Mottagaren rapporterade meddelandet som skräppost"},
	"bounce.kind.not-a-bounce": {"Not a delivery report", "Ei toimitusilmoitus", "Inte en leveransrapport"},

	"bounce.reason.user-unknown":  {"the address does not exist", "osoitetta ei ole olemassa", "adressen finns inte"},
	"bounce.reason.host-unknown":  {"the domain does not exist or receives no mail", "verkkotunnusta ei ole tai se ei vastaanota postia", "domänen finns inte eller tar inte emot e-post"},
	"bounce.reason.has-moved":     {"the address has moved", "osoite on vaihtunut", "adressen har flyttats"},
	"bounce.reason.not-accepting": {"the domain accepts no e-mail", "verkkotunnus ei vastaanota sähköpostia", "domänen tar inte emot e-post"},
	"bounce.reason.mailbox-full":  {"the mailbox is full", "postilaatikko on täynnä", "brevlådan är full"},
	"bounce.reason.suspended":     {"the mailbox is disabled", "postilaatikko on poistettu käytöstä", "brevlådan är avstängd"},
	"bounce.reason.too-large":     {"the message is too large", "viesti on liian suuri", "meddelandet är för stort"},
	"bounce.reason.blocked":       {"the receiving server refused our server", "vastaanottava palvelin torjui lähettävän palvelimen", "den mottagande servern avvisade vår server"},
	"bounce.reason.spam":          {"the message was judged spam or harmful", "viesti tulkittiin roskapostiksi tai haitalliseksi", "meddelandet bedömdes som skräppost eller skadligt"},
	"bounce.reason.policy":        {"refused by the receiver's policy", "vastaanottajan käytäntö esti viestin", "mottagarens policy stoppade meddelandet"},
	"bounce.reason.expired":       {"delivery was retried too long and given up", "toimitusta yritettiin liian kauan ja siitä luovuttiin", "leveransen försöktes för länge och gavs upp"},
	"bounce.reason.network":       {"a network failure on the way", "verkkovirhe matkalla", "ett nätverksfel på vägen"},
	"bounce.reason.system":        {"the receiving system failed", "vastaanottava järjestelmä ei toiminut", "det mottagande systemet fungerade inte"},
	"bounce.reason.other":         {"an unexplained failure", "selittämätön virhe", "ett oförklarat fel"},
	"bounce.reason.delivered":     {"delivered", "toimitettu", "levererat"},
	"bounce.reason.auto-reply":    {"an automatic reply", "automaattinen vastaus", "ett automatiskt svar"},
	"bounce.reason.complaint":     {"a spam complaint", "roskapostivalitus", "ett skräppostklagomål"},
}

// text returns the text of key in lang ("fi", "sv", "en"; others get
// English), or key itself when it is unknown.
func text(lang, key string) string {
	t, ok := messages[key]
	if !ok {
		return key
	}
	return i18n.Pick(lang, t)
}

// Message returns the kind as a short sentence in the reader's language
// ("fi", "sv", "en"; others get English).
func (k Kind) Message(lang string) string {
	if _, ok := messages["bounce.kind."+string(k)]; !ok {
		return string(k)
	}
	return text(lang, "bounce.kind."+string(k))
}

// Message returns the reason as a short phrase in the reader's language
// ("fi", "sv", "en"; others get English).
func (r Reason) Message(lang string) string {
	if _, ok := messages["bounce.reason."+string(r)]; !ok {
		return string(r)
	}
	return text(lang, "bounce.reason."+string(r))
}
