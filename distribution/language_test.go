package distribution

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing/fstest"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/bounce"
	"slices"
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
		{"da", "", "en", "Invoice INV-7", "The document gives the address"},
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
	l[0] = "da"
	if got := Languages(); len(got) < 3 || got[0] != "fi" || got[1] != "sv" || got[2] != "en" || slices.Contains(got, "da") {
		t.Fatalf("Languages() = %q after a caller changed its copy", got)
	}
	if err := (Settings{From: "a@b.fi", Language: "da"}).Validate(); err == nil {
		t.Error("a changed copy of Languages made da a valid company language")
	}
}

// nbFiles returns the Norwegian translation files and templates of
// testdata/nb as a MapFS a test may change.
func nbFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := os.ReadDir("testdata/nb")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata/nb", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: data}
	}
	return out
}

// editJSON changes one translation file of fsys.
func editJSON(t *testing.T, fsys fstest.MapFS, name string, edit func(map[string]string)) {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(fsys[name].Data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	fsys[name] = &fstest.MapFile{Data: data}
}

// TestAddLanguage_Refused checks that AddLanguage says what is wrong with
// incomplete or broken files, and changes nothing then.
func TestAddLanguage_Refused(t *testing.T) {
	tests := []struct {
		name  string
		tag   string
		edit  func(fstest.MapFS)
		wants []string // in the error
	}{
		{"missing key", "is", func(f fstest.MapFS) {
			editJSON(t, f, "docparse.json", func(m map[string]string) { delete(m, "docparse.error.not-xml") })
		}, []string{"1 keys without a text: docparse.error.not-xml"}},
		{"missing file", "is", func(f fstest.MapFS) { delete(f, "registry.json") }, []string{"registry.entry.empty-customer-number", "registry.entry.other"}},
		{"empty text", "is", func(f fstest.MapFS) {
			editJSON(t, f, "address.json", func(m map[string]string) { m["address.reason.empty"] = " " })
		}, []string{"empty texts: address.reason.empty"}},
		{"placeholders", "is", func(f fstest.MapFS) {
			editJSON(t, f, "distribution.json", func(m map[string]string) { m["distribution.lookup"] = "Registeret kunne ikke leses for %d." })
		}, []string{"distribution.lookup (English 1:s, here 1:d)"}},
		{"lost placeholder", "is", func(f fstest.MapFS) {
			editJSON(t, f, "importer.json", func(m map[string]string) {
				m["importer.problem.too-many-addresses"] = "Raden har for mange adresser; høyst %[4]s."
			})
		}, []string{"importer.problem.too-many-addresses (English 4:s 4:s, here 4:s)"}},
		{"unknown key", "is", func(f fstest.MapFS) {
			editJSON(t, f, "importer.json", func(m map[string]string) { m["importer.problem.typo"] = "x" })
		}, []string{"unknown keys: importer.problem.typo"}},
		{"key of another file", "is", func(f fstest.MapFS) {
			editJSON(t, f, "importer.json", func(m map[string]string) { m["registry.entry.other"] = "x %s" })
		}, []string{`importer.json: key "registry.entry.other" does not start with "importer."`}},
		{"bad date layout", "is", func(f fstest.MapFS) {
			editJSON(t, f, "format.json", func(m map[string]string) { m["format.date"] = "dd.mm.yyyy" })
		}, []string{"format.date (a date layout needs YYYY"}},
		{"no text template", "is", func(f fstest.MapFS) { delete(f, "nb.txt.tmpl") }, []string{"is.txt.tmpl"}},
		{"template field", "is", func(f fstest.MapFS) {
			f["is.html.tmpl"] = &fstest.MapFile{Data: []byte(`{{define "html"}}{{.Total}}{{end}}`)}
		}, []string{"is.html.tmpl", "Total"}},
		{"shipped language", "fi-FI", nil, []string{"fi ships with the library"}},
		{"no language", "x-not-a-tag", nil, []string{"names no language"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := nbFiles(t)
			f["is.txt.tmpl"], f["is.html.tmpl"] = f["nb.txt.tmpl"], f["nb.html.tmpl"]
			if tt.name == "no text template" {
				delete(f, "is.txt.tmpl")
			}
			if tt.edit != nil {
				tt.edit(f)
			}
			err := AddLanguage(tt.tag, f)
			if err == nil {
				t.Fatal("AddLanguage accepted the files")
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			typed := !slices.Contains([]string{"key of another file", "no text template", "template field", "shipped language", "no language"}, tt.name)
			if _, ok := errors.AsType[*TranslationError](err); ok != typed || ok != errors.Is(err, ErrIncompleteTranslation) {
				t.Errorf("error %T %v: a *TranslationError: %v, want %v", err, err, ok, typed)
			}
			if slices.Contains(Languages(), "is") {
				t.Fatal("a refused language was added")
			}
		})
	}
	if err := AddLanguage("nb", nil); err == nil {
		t.Error("AddLanguage with a nil fs.FS succeeded")
	}
}

// TestAddLanguage_Norwegian adds nb and checks that the tags a person
// writes for it resolve to it, that every package's messages speak it, and
// that a router made before the call composes Norwegian e-mails.
func TestAddLanguage_Norwegian(t *testing.T) {
	before, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddLanguage("nb", nbFiles(t)); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(Languages(), "nb") {
		t.Fatalf("Languages() = %q, want nb among them", Languages())
	}
	after, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true, Language: "nb"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"nb", "nb-NO", "no", "NO", "nob", "nb_NO"} {
		for name, r := range map[string]*Router{"before": before, "after": after} {
			doc := testDoc("valid")
			doc.Language = tag
			doc.IssueDate, doc.AmountDue, doc.Currency = "2026-01-05", "1234.50", "NOK"
			p, err := r.Plan(t.Context(), doc)
			if err != nil {
				t.Fatal(err)
			}
			if p.Language != "nb" {
				t.Errorf("%s: document tagged %q: plan language %q, want nb", name, tag, p.Language)
				continue
			}
			if got := p.Explain(tag); !strings.HasPrefix(got, "Dokumentet oppgir adressen lj@buyer.se") {
				t.Errorf("%s: Explain(%q) = %q", name, tag, got)
			}
			msg, err := r.Compose(doc, p)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Subject != "Faktura INV-7 – Myyjä Oy" || !strings.Contains(msg.Text, "Dato:             05.01.2026") ||
				!strings.Contains(msg.Text, "Å betale:         1\u00a0234,50\u00a0NOK") || !strings.Contains(msg.HTML, `<html lang="nb">`) {
				t.Errorf("%s: e-mail for %q not Norwegian:\n%s\n%s", name, tag, msg.Subject, msg.Text)
			}
		}
	}
	// A language the library does not know still falls back.
	if l := after.settings.language("da"); l != "nb" {
		t.Errorf("company default: %q, want nb", l)
	}
	for _, tt := range []struct{ got, want string }{
		{docparse.CodeNotXML.Message("nb-NO"), "Filen er ingen e-faktura: den er ikke velformet XML."},
		{(&registry.EntryError{Field: "To", Err: registry.ErrNoAddress}).Message("no"), "Skriv inn minst én e-postadresse."},
		{(&transport.HeaderError{Field: "From", Reason: transport.HeaderMissing}).Message("nb"), "E-posten kan ikke skrives: From «»: det er obligatorisk."},
		{(&address.Error{Input: "a@b", Reason: address.ReasonNoDot}).Message("nb"), "«a@b» er ikke en gyldig e-postadresse: domenet etter @ mangler punktum."},
		{(&TooManyRecipientsError{Number: "7", Count: 60, Max: 50}).Message("nb"), "Dokument 7 ville gått til 60 adresser (mottakere og kopier til sammen), flere enn de 50 én e-post kan ha, så det ble ikke sendt. Rett adressene i dokumentet eller i oppføringen i mottakerregisteret."},
		{(&SettingsError{Field: "From"}).Message("nb"), "Avsenderadressen er obligatorisk."},
		{(&transport.SendError{Temporary: true}).Message("nb"), "E-posten kunne ikke leveres nå; prøv igjen senere."},
		{bounce.ReasonMailboxFull.Message("nb-NO"), "postkassen er full"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestAddLanguage_Concurrent adds a language while other goroutines read
// texts and plan documents (run with -race).
func TestAddLanguage_Concurrent(t *testing.T) {
	files := nbFiles(t)
	r, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				doc := testDoc("valid")
				doc.Language = "nb"
				p, err := r.Plan(t.Context(), doc)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Compose(doc, p); err != nil {
					t.Error(err)
					return
				}
				_ = docparse.CodeEmpty.Message("no")
			}
		})
	}
	for range 3 {
		if err := AddLanguage("nb", files); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}

// TestTemplates_XMLOnlyWhenAttached executes every shipped template and the
// Norwegian example's on invoices and credit notes with the document's PDF,
// the rendered image or no PDF: the attachment sentence names the XML
// exactly when MailData.XML says it is attached (false in the scan
// profile's e-mail) and names the PDF exactly when one is attached.
func TestTemplates_XMLOnlyWhenAttached(t *testing.T) {
	builtin, err := fs.Sub(builtinTemplates, "templates")
	if err != nil {
		t.Fatal(err)
	}
	for lang, fsys := range map[string]fs.FS{"fi": builtin, "sv": builtin, "en": builtin, "nb": nbFiles(t)} {
		mt, err := parseTemplates(lang, func(string) (fs.FS, error) { return fsys, nil })
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name                         string
			creditNote, hasPDF, rendered bool
		}{
			{"own PDF", false, true, false},
			{"rendered", false, true, true},
			{"credit note rendered", true, true, true},
			{"no PDF", false, false, false},
		} {
			for _, xml := range []bool{true, false} {
				if !tt.hasPDF && !xml {
					continue // nothing attached: no e-mail is ever composed so
				}
				d := MailData{Lang: lang, Doc: &docparse.Document{Number: "INV-1"}, CreditNote: tt.creditNote, Number: "INV-1", Seller: "Seller Ltd",
					HasPDF: tt.hasPDF, Rendered: tt.rendered, XML: xml, Source: SourceDocument, Operator: "operator.example"}
				var text, html strings.Builder
				if err := mt.text.ExecuteTemplate(&text, "text", d); err != nil {
					t.Fatal(err)
				}
				if err := mt.html.ExecuteTemplate(&html, "html", d); err != nil {
					t.Fatal(err)
				}
				for part, body := range map[string]string{"text": text.String(), "html": html.String()} {
					if strings.Contains(body, "XML") != xml || strings.Contains(body, "PDF") != tt.hasPDF {
						t.Errorf("%s %s, %s, XML %t: the body names the XML %t and the PDF %t:\n%s",
							lang, part, tt.name, xml, strings.Contains(body, "XML"), strings.Contains(body, "PDF"), body)
					}
				}
			}
		}
	}
}
