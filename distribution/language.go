package distribution

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
)

// Languages returns the languages e-mails, explanations and error messages
// are written in: "fi", "sv" and "en", then any other language that ships
// with the library, then the ones added with [AddLanguage], in a new slice
// the caller may change.
func Languages() []string {
	out := []string{"fi", "sv", "en"}
	for _, l := range i18n.Languages() {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// added holds the e-mail templates of the languages added with
// AddLanguage, by language code.
var added struct {
	sync.RWMutex
	templates map[string]*mailTemplate
	files     map[string]fs.FS // where each language's template files are
}

// AddLanguage makes the library speak the language tag ("nb", "nb-NO",
// "et", "lt"): e-mails, plan explanations and every error message a
// person may see (docparse, importer, registry, transport, bounce and
// address errors, import help and templates, settings errors). fsys
// holds, at its root, the language's translation files and its e-mail
// templates, laid out like the library's own:
//
//   - *.json: JSON objects of message key → text, one file per package as
//     the library ships them (address.json, bounce.json, distribution.json,
//     docparse.json, format.json, importer.json, registry.json,
//     transport.json), each key starting with its file's name and a dot.
//     Every key of the English texts must be there, with a non-empty text
//     using the same fmt placeholders ("%s", "%[2]s", "%d") as English;
//     the English files, internal/i18n/texts/en in the source, are the
//     list of keys.
//   - <tag>.txt.tmpl and <tag>.html.tmpl ("nb.txt.tmpl"): the e-mail
//     templates, as described at Options.Templates.
//
// AddLanguage checks everything before it changes anything: a missing or
// empty text, placeholders that differ from English and keys English does
// not have are all listed in the error (a [*TranslationError]), and
// a template that does not parse or fails on a sample document is named.
//
// From then on the language matcher resolves the tag and its variants (for
// "nb": "nb-NO", "no", "nob"), Settings.Language and directory entries may
// name it, and Message(lang) and Explain(lang) speak it. Adding a language
// again replaces its texts and templates. Routers made before the call
// use the added templates too, unless their Options.Templates has files
// of that language.
//
// The registration is global, like sql.Register: call AddLanguage when the
// program starts, before it composes e-mails. It is safe for concurrent
// use.
func AddLanguage(tag string, fsys fs.FS) error {
	if fsys == nil {
		return fmt.Errorf("distribution: AddLanguage(%q): no translation files (fsys is nil); pass the directory with the language's *.json and templates", tag)
	}
	code, err := languageCode(tag)
	if err != nil {
		return err
	}
	mt, err := parseTemplates(code, func(string) (fs.FS, error) { return fsys, nil })
	if err != nil {
		return err
	}
	if err := trySample(code, mt); err != nil {
		return fmt.Errorf("distribution: AddLanguage(%q): %w", tag, err)
	}
	added.Lock()
	defer added.Unlock()
	if err := i18n.Register(code, fsys); err != nil {
		if me, ok := errors.AsType[*i18n.MissingError](err); ok {
			return &TranslationError{Language: code, Missing: me.Missing, Empty: me.Empty, Placeholders: me.Placeholders, Unknown: me.Unknown}
		}
		return fmt.Errorf("distribution: AddLanguage(%q): %w", tag, err)
	}
	if added.templates == nil {
		added.templates, added.files = map[string]*mailTemplate{}, map[string]fs.FS{}
	}
	added.templates[code], added.files[code] = mt, fsys
	return nil
}

// ErrIncompleteTranslation is matched by every [*TranslationError].
var ErrIncompleteTranslation = errors.New("distribution: incomplete translation")

// TranslationError reports the translation files [AddLanguage] refused:
// the keys without a text, with an empty text, with placeholders that
// differ from the English text's, and keys English does not have. Each
// list is sorted; a placeholder entry names both texts' verbs as
// "argument:verb" ("distribution.lookup (English 1:s, here 1:d)").
type TranslationError struct {
	Language     string   // the language being added
	Missing      []string // keys without a text
	Empty        []string // keys whose text is empty
	Placeholders []string // keys whose placeholders differ from English
	Unknown      []string // keys English does not have
}

// Error lists the faulty keys.
func (e *TranslationError) Error() string {
	me := i18n.MissingError{Missing: e.Missing, Empty: e.Empty, Placeholders: e.Placeholders, Unknown: e.Unknown}
	return fmt.Sprintf("distribution: AddLanguage(%q): the translation files are incomplete: %s", e.Language, me.Error())
}

// Unwrap returns [ErrIncompleteTranslation].
func (e *TranslationError) Unwrap() error { return ErrIncompleteTranslation }

// languageCode returns the code a tag is registered under: the tag in
// canonical form ("nb", "nb-NO"). The shipped languages cannot be added.
func languageCode(tag string) (string, error) {
	code, err := i18n.Canonical(tag)
	if err != nil {
		return "", fmt.Errorf("distribution: AddLanguage: %w", err)
	}
	if base, _, _ := strings.Cut(code, "-"); i18n.Shipped(base) {
		return "", fmt.Errorf("distribution: AddLanguage(%q): %s ships with the library; change its e-mails with Options.Templates", tag, base)
	}
	return code, nil
}

// addedTemplate returns the templates AddLanguage added for lang, or nil.
func addedTemplate(lang string) *mailTemplate {
	added.RLock()
	defer added.RUnlock()
	return added.templates[lang]
}

// trySample executes a language's templates on sample data, an invoice
// and a credit note from a seller and from none, with and without the XML
// (the scan profile's e-mail has the PDF only), so that a template that
// names a field MailData lacks fails when it is added, not on a real
// document.
func trySample(lang string, mt *mailTemplate) error {
	doc := &docparse.Document{Number: "INV-1", Type: docparse.TypeInvoice}
	doc.Seller.Name, doc.Seller.Email = "Seller Ltd", "billing@seller.example"
	for _, d := range []MailData{
		{Lang: lang, Doc: doc, Number: "INV-1", Seller: "Seller Ltd", Buyer: "Buyer", IssueDate: "1.1.2026", DueDate: "15.1.2026",
			Amount: "100,00 €", Reference: "1232", IBAN: "FI21 1234 5600 0007 85", HasPDF: true, Rendered: true, XML: true, Source: SourceDirectory, CustomerNumber: "42",
			Operator: "Operator Ltd", SellerID: "1234567-1", SellerEmail: "billing@seller.example", SellerPhone: "+358 9 123"},
		{Lang: lang, Doc: &docparse.Document{Number: "CN-1", Type: docparse.TypeCreditNote}, CreditNote: true, Number: "CN-1", XML: true, Source: SourceDocument, Operator: "operator.example", SellerVATID: "FI12345671"},
		{Lang: lang, Doc: doc, Number: "INV-1", Seller: "Seller Ltd", HasPDF: true, Source: SourceDirectory, CustomerNumber: "42", Operator: "Operator Ltd"},
		{Lang: lang, Doc: doc, Number: "INV-1", HasPDF: true, Rendered: true, Source: SourceDirectory, CustomerNumber: "42", Operator: "operator.example"},
	} {
		var buf bytes.Buffer
		for _, def := range []string{"subject", "text"} {
			if err := mt.text.ExecuteTemplate(&buf, def, d); err != nil {
				return fmt.Errorf("template %s.txt.tmpl (%s) on a sample document: %w", lang, def, err)
			}
		}
		if mt.html != nil {
			if err := mt.html.ExecuteTemplate(&buf, "html", d); err != nil {
				return fmt.Errorf("template %s.html.tmpl on a sample document: %w", lang, err)
			}
		}
	}
	return nil
}
