package distribution

import (
	"strings"
	"testing"
)

// TestLanguage_DocumentTags checks that a document tagged the way senders
// tag them ("fi-FI", "FI", "sv-FI", "sv_SE", "fin") gets its e-mail and
// its explanation in Finnish or Swedish, and that a language the library
// does not ship falls back to the company's default, then English.
func TestLanguage_DocumentTags(t *testing.T) {
	tests := []struct {
		docLang, company string
		want             string
		subject, explain string // a word of the subject and of the explanation in want
	}{
		{"fi-FI", "", "fi", "Lasku INV-7", "Asiakirjassa on osoite"},
		{"FI", "", "fi", "Lasku INV-7", "Asiakirjassa on osoite"},
		{"fi_FI", "sv", "fi", "Lasku INV-7", "Asiakirjassa on osoite"},
		{"fin", "", "fi", "Lasku INV-7", "Asiakirjassa on osoite"},
		{"sv-FI", "fi", "sv", "Faktura INV-7", "Dokumentet anger adressen"},
		{"sv_SE", "", "sv", "Faktura INV-7", "Dokumentet anger adressen"},
		{"SV", "", "sv", "Faktura INV-7", "Dokumentet anger adressen"},
		{"de-DE", "sv", "sv", "Faktura INV-7", "Dokumentet anger adressen"},
		{"et", "fi", "fi", "Lasku INV-7", "Asiakirjassa on osoite"},
		{"nb", "", "en", "Invoice INV-7", "The document gives the address"},
		{"", "", "en", "Invoice INV-7", "The document gives the address"},
	}
	for _, tt := range tests {
		t.Run(tt.docLang+"/"+tt.company, func(t *testing.T) {
			r, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true, Language: tt.company}, nil)
			if err != nil {
				t.Fatal(err)
			}
			doc := testDoc("valid")
			doc.Language = tt.docLang
			p, err := r.Plan(t.Context(), doc)
			if err != nil {
				t.Fatal(err)
			}
			if p.Language != tt.want {
				t.Fatalf("plan language %q, want %q", p.Language, tt.want)
			}
			if got := p.Explain(p.Language); !strings.Contains(got, tt.explain) {
				t.Errorf("explanation %q, want it in %s (%q)", got, tt.want, tt.explain)
			}
			msg, err := r.Compose(doc, p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(msg.Subject, tt.subject) {
				t.Errorf("subject %q, want it in %s (%q)", msg.Subject, tt.want, tt.subject)
			}
		})
	}
}

// TestLanguages checks that Languages gives a fresh slice each time: a
// caller cannot change the languages for everyone.
func TestLanguages(t *testing.T) {
	l := Languages()
	l[0] = "nb"
	if got := Languages(); len(got) != 3 || got[0] != "fi" || got[1] != "sv" || got[2] != "en" {
		t.Fatalf("Languages() = %q after a caller changed its copy", got)
	}
	if err := (Settings{From: "a@b.fi", Language: "nb"}).Validate(); err == nil {
		t.Error("a changed copy of Languages made nb a valid company language")
	}
}
