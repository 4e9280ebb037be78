package distribution

import (
	"fmt"
	"strings"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
)

// Explain renders the plan as short sentences in lang ("fi", "sv" or "en";
// anything else gives English), for a support person or the customer
// service screen of a host app.
func (p *Plan) Explain(lang string) string {
	if p == nil {
		return ""
	}
	parts := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		parts = append(parts, s.Explain(lang))
	}
	return strings.Join(parts, " ")
}

// Explain renders the step as one sentence in lang ("fi", "sv" or "en";
// anything else gives English).
func (s Step) Explain(lang string) string {
	t := texts[i18n.Index(lang)]
	switch s.Code {
	case StepDisabled, StepDocumentOff, StepDocumentNone, StepDirectoryOff, StepNoCustomerNumber, StepDirectoryNotTried:
		return t.fixed[s.Code]
	case StepDocumentAddress:
		return fmt.Sprintf(t.documentAddress, s.Address, shortPath(s.Path))
	case StepDocumentInvalid:
		return fmt.Sprintf(t.documentInvalid, s.Address, shortPath(s.Path), s.Reason.Message(lang))
	case StepCustomerSkipped:
		return fmt.Sprintf(t.skipped, s.CustomerNumber, t.kinds[s.Kind])
	case StepDirectoryHit:
		addrs := strings.Join(s.To, ", ")
		if len(s.Cc) > 0 {
			addrs += "; " + t.copy + " " + strings.Join(s.Cc, ", ")
		}
		return fmt.Sprintf(t.hit, capitalize(t.kinds[s.Kind]), s.CustomerNumber, addrs)
	case StepDirectoryMiss:
		return fmt.Sprintf(t.miss, capitalize(t.kinds[s.Kind]), s.CustomerNumber)
	case StepDocumentMore:
		return fmt.Sprintf(t.more, s.Count)
	case StepTooManyRecipients:
		return fmt.Sprintf(t.tooMany, s.Count, s.Max)
	case StepDecision:
		return t.decision[s.Source]
	}
	return string(s.Code)
}

// shortPath keeps the last two elements of an element path, enough for a
// reader to recognise the field.
func shortPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.Join(parts, "/")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// explainTexts are the sentences of one language.
type explainTexts struct {
	fixed           map[StepCode]string
	documentAddress string // address, path
	documentInvalid string // address, path, reason
	skipped         string // value, kind
	hit             string // Kind, value, addresses
	miss            string // Kind, value
	copy            string
	more            string // count
	tooMany         string // count, limit
	kinds           map[docparse.IDKind]string
	decision        map[Source]string
}

// texts holds English, Finnish and Swedish, in langIndex order.
var texts = [3]explainTexts{
	{
		fixed: map[StepCode]string{
			StepDisabled:          "E-mail distribution is switched off for this company, so nothing is sent.",
			StepDocumentOff:       "Sending to the e-mail address in the document is switched off.",
			StepDocumentNone:      "The document gives no usable e-mail address.",
			StepDirectoryOff:      "The recipient directory is not in use.",
			StepNoCustomerNumber:  "The document carries no customer number to look up in the recipient directory.",
			StepDirectoryNotTried: "The recipient directory was not consulted, because the address in the document comes first.",
		},
		documentAddress: "The document gives the address %s (%s).",
		documentInvalid: "The document gives the address “%s” (%s), which cannot be used: %s.",
		skipped:         "The identifier %s (%s) was skipped: this company does not use that kind of identifier as a customer number.",
		hit:             "%s %s is in the recipient directory: %s.",
		miss:            "%s %s is not in the recipient directory.",
		copy:            "copy to",
		more:            "The document gives %d more addresses.",
		tooMany:         "The document would go to %d addresses (recipients and copies together), more than the %d one e-mail may have, so it is not sent: correct the addresses in the document or in the recipient directory.",
		kinds: map[docparse.IDKind]string{
			docparse.KindCustomerNumber:  "customer number",
			docparse.KindSupplierAccount: "customer account",
			docparse.KindGlobalID:        "global identifier",
			docparse.KindBusinessID:      "business ID",
			docparse.KindContactID:       "contact reference",
			docparse.KindBuyerReference:  "buyer's reference",
		},
		decision: map[Source]string{
			SourceDocument:  "The document is sent to the address in the document.",
			SourceDirectory: "The document is sent to the addresses in the recipient directory.",
			SourceBoth:      "The document is sent to the addresses in the document and in the recipient directory.",
			SourceNone:      "No recipient was found, so the document is not sent by e-mail.",
		},
	},
	{
		fixed: map[StepCode]string{
			StepDisabled:          "Sähköpostijakelu ei ole tämän yrityksen käytössä, joten mitään ei lähetetä.",
			StepDocumentOff:       "Lähetys asiakirjassa olevaan sähköpostiosoitteeseen ei ole käytössä.",
			StepDocumentNone:      "Asiakirjassa ei ole käyttökelpoista sähköpostiosoitetta.",
			StepDirectoryOff:      "Vastaanottajarekisteri ei ole käytössä.",
			StepNoCustomerNumber:  "Asiakirjassa ei ole asiakasnumeroa, jolla hakea vastaanottajarekisteristä.",
			StepDirectoryNotTried: "Vastaanottajarekisteriä ei tarkistettu, koska asiakirjassa oleva osoite on ensisijainen.",
		},
		documentAddress: "Asiakirjassa on osoite %s (%s).",
		documentInvalid: "Asiakirjassa on osoite ”%s” (%s), jota ei voi käyttää: %s.",
		skipped:         "Tunniste %s (%s) ohitettiin: yritys ei käytä tällaista tunnistetta asiakasnumerona.",
		hit:             "%s %s on vastaanottajarekisterissä: %s.",
		miss:            "%s %s ei ole vastaanottajarekisterissä.",
		copy:            "kopio",
		more:            "Asiakirjassa on vielä %d muuta osoitetta.",
		tooMany:         "Asiakirja menisi %d osoitteeseen (vastaanottajat ja kopiot yhteensä), mikä on enemmän kuin yhden sähköpostin enimmäismäärä %d, joten sitä ei lähetetä: korjaa asiakirjan tai vastaanottajarekisterin osoitteet.",
		kinds: map[docparse.IDKind]string{
			docparse.KindCustomerNumber:  "asiakasnumero",
			docparse.KindSupplierAccount: "asiakastili",
			docparse.KindGlobalID:        "yleinen tunniste",
			docparse.KindBusinessID:      "Y-tunnus",
			docparse.KindContactID:       "yhteyshenkilön viite",
			docparse.KindBuyerReference:  "ostajan viite",
		},
		decision: map[Source]string{
			SourceDocument:  "Asiakirja lähetetään asiakirjassa olevaan osoitteeseen.",
			SourceDirectory: "Asiakirja lähetetään vastaanottajarekisterin osoitteisiin.",
			SourceBoth:      "Asiakirja lähetetään sekä asiakirjassa olevaan osoitteeseen että vastaanottajarekisterin osoitteisiin.",
			SourceNone:      "Vastaanottajaa ei löytynyt, joten asiakirjaa ei lähetetä sähköpostilla.",
		},
	},
	{
		fixed: map[StepCode]string{
			StepDisabled:          "E-postdistribution används inte av det här företaget, så inget skickas.",
			StepDocumentOff:       "Sändning till e-postadressen i dokumentet används inte.",
			StepDocumentNone:      "Dokumentet anger ingen användbar e-postadress.",
			StepDirectoryOff:      "Mottagarregistret används inte.",
			StepNoCustomerNumber:  "Dokumentet har inget kundnummer att söka med i mottagarregistret.",
			StepDirectoryNotTried: "Mottagarregistret kontrollerades inte, eftersom adressen i dokumentet har företräde.",
		},
		documentAddress: "Dokumentet anger adressen %s (%s).",
		documentInvalid: "Dokumentet anger adressen ”%s” (%s), som inte kan användas: %s.",
		skipped:         "Identifieraren %s (%s) hoppades över: företaget använder inte den typen av identifierare som kundnummer.",
		hit:             "%s %s finns i mottagarregistret: %s.",
		miss:            "%s %s finns inte i mottagarregistret.",
		copy:            "kopia till",
		more:            "Dokumentet anger ytterligare %d adresser.",
		tooMany:         "Dokumentet skulle gå till %d adresser (mottagare och kopior sammanlagt), fler än de %d ett e-postmeddelande får ha, så det skickas inte: rätta adresserna i dokumentet eller i mottagarregistret.",
		kinds: map[docparse.IDKind]string{
			docparse.KindCustomerNumber:  "kundnummer",
			docparse.KindSupplierAccount: "kundkonto",
			docparse.KindGlobalID:        "global identifierare",
			docparse.KindBusinessID:      "FO-nummer",
			docparse.KindContactID:       "kontaktreferens",
			docparse.KindBuyerReference:  "köparens referens",
		},
		decision: map[Source]string{
			SourceDocument:  "Dokumentet skickas till adressen i dokumentet.",
			SourceDirectory: "Dokumentet skickas till adresserna i mottagarregistret.",
			SourceBoth:      "Dokumentet skickas till adressen i dokumentet och till adresserna i mottagarregistret.",
			SourceNone:      "Ingen mottagare hittades, så dokumentet skickas inte per e-post.",
		},
	},
}
