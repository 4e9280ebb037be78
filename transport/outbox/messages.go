package outbox

import "github.com/jakelu/jakelu/internal/i18n"

// messages holds every text of the outbox for people, by a stable dotted
// key, as {English, Finnish, Swedish}.
var messages = map[string][3]string{
	"outbox.state.pending":   {"waiting to be sent", "odottaa lähetystä", "väntar på att skickas"},
	"outbox.state.sending":   {"being sent", "lähetetään", "skickas"},
	"outbox.state.delivered": {"delivered", "toimitettu", "levererat"},
	"outbox.state.deferred":  {"delayed, will be retried", "viivästynyt, yritetään uudelleen", "försenat, försöks igen"},
	"outbox.state.failed":    {"failed", "epäonnistui", "misslyckades"},
	"outbox.state.ambiguous": {"may or may not have been delivered; check and release or dismiss it", "ei tiedetä, toimitettiinko; tarkista ja lähetä uudelleen tai kuittaa", "okänt om det levererades; kontrollera och skicka igen eller avfärda"},
	"outbox.state.expired":   {"not delivered in time, gave up", "ei toimitettu ajoissa, luovuttiin", "levererades inte i tid, gav upp"},
	"outbox.state.cancelled": {"cancelled", "peruttu", "avbrutet"},

	"outbox.error.not-found":       {"The message is not in the outbox.", "Viestiä ei ole lähtevien jonossa.", "Meddelandet finns inte i utkorgen."},
	"outbox.error.idempotency":     {"This request was already made with different content; use a new key.", "Sama pyyntö on jo tehty eri sisällöllä; käytä uutta avainta.", "Samma begäran har redan gjorts med annat innehåll; använd en ny nyckel."},
	"outbox.error.not-cancellable": {"Nothing is left to cancel: every recipient was already handled.", "Mitään ei ole enää peruttavana: jokainen vastaanottaja on jo käsitelty.", "Inget finns kvar att avbryta: varje mottagare har redan hanterats."},
	"outbox.error.not-ambiguous":   {"No recipient of the message is awaiting a decision.", "Yksikään viestin vastaanottaja ei odota päätöstä.", "Ingen mottagare av meddelandet väntar på beslut."},
	"outbox.error.pruned":          {"The message's content was already removed; send the document again.", "Viestin sisältö on jo poistettu; lähetä asiakirja uudelleen.", "Meddelandets innehåll har redan tagits bort; skicka dokumentet igen."},
	"outbox.error.invalid":         {"The request is not valid.", "Pyyntö ei ole kelvollinen.", "Begäran är inte giltig."},
	"outbox.error.no-transport":    {"No mail server is configured for sending.", "Lähettämiseen ei ole määritetty postipalvelinta.", "Ingen e-postserver är konfigurerad för att skicka."},
	"outbox.error.duplicate":       {"This document was already sent (%s). Send it again only if the customer asks.", "Tämä asiakirja on jo lähetetty (%s). Lähetä se uudelleen vain asiakkaan pyynnöstä.", "Detta dokument har redan skickats (%s). Skicka det igen bara om kunden ber om det."},
	"outbox.error.internal":        {"The outbox could not complete the request; try again later.", "Lähtevien jono ei voinut suorittaa pyyntöä; yritä myöhemmin uudelleen.", "Utkorgen kunde inte slutföra begäran; försök igen senare."},
}

// Text returns the text of key in lang ("fi", "sv" or "en"; anything else
// gives English), or key itself when there is no such text.
func Text(key, lang string) string {
	t, ok := messages[key]
	if !ok {
		return key
	}
	return i18n.Pick(lang, t)
}

// Message returns the state described in lang for a person.
func (s State) Message(lang string) string { return Text("outbox.state."+string(s), lang) }
