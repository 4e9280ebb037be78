package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jakelu/jakelu/internal/i18n"
)

// The UI texts live in texts/<language>.json, one JSON object of key →
// text per language, the way the library keeps its own (see
// internal/i18n); placeholders are fmt verbs. Keys ending in ".one" are
// the singular of the key without it (see view.N). Texts of the library's
// own data (routing explanations, import problems, the import help,
// address reasons) come from the library. A UI language is a file here:
// adding texts/nb.json (and distribution.AddLanguage for the library's
// texts) adds Norwegian.
//
//go:embed texts/*.json
var textFiles embed.FS

// texts holds each UI language's texts by key.
var texts = loadTexts()

// languages are the UI languages, in the order the language switch shows
// them: Finnish, Swedish and English first, then any other file's.
var languages = uiLanguages()

func loadTexts() map[string]map[string]string {
	names, _ := fs.Glob(textFiles, "texts/*.json")
	out := make(map[string]map[string]string, len(names))
	for _, name := range names {
		data, err := textFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		out[strings.TrimSuffix(path.Base(name), ".json")] = m
	}
	return out
}

func uiLanguages() []string {
	out := []string{"fi", "sv", "en"}
	var more []string
	for l := range texts {
		if !slices.Contains(out, l) {
			more = append(more, l)
		}
	}
	slices.Sort(more)
	return append(out, more...)
}

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
	if l, ok := i18n.Accept(header); ok && slices.Contains(languages, l) {
		return l
	}
	return "en"
}

// translate returns the text for key in lang, formatted with args; a
// language without the text gives English. A key without a text (a
// programming error the tests catch) is returned as it is.
func translate(lang, key string, args ...any) string {
	t, ok := texts[lang][key]
	if !ok {
		if t, ok = texts["en"][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// formatTime writes the date of t, and with clock its time, as people of
// the language write them (the Go layouts format.date and format.dateTime),
// in the server's time zone.
func formatTime(lang string, t time.Time, clock bool) string {
	if clock {
		return t.Local().Format(translate(lang, "format.dateTime"))
	}
	return t.Local().Format(translate(lang, "format.date"))
}

// formatSize writes a size in bytes in megabytes, or kilobytes below one
// megabyte, with the units of the language.
func formatSize(lang string, n int64) string {
	if n >= 1<<20 {
		return translate(lang, "format.mb", n>>20)
	}
	return translate(lang, "format.kb", n>>10)
}

// DocDate formats a document's ISO 8601 date (YYYY-MM-DD) for the page's
// language, 9.1.2015 in Finnish; other text is shown as it is.
func (v *view) DocDate(iso string) string { return i18n.FormatDate(v.Lang, iso) }

// Amount formats a document's amount (decimal text with ".") and currency
// for the page's language: 250,33 € in Finnish and Swedish, which write
// euros with the sign, 250.33 EUR in English.
func (v *view) Amount(amount, currency string) string {
	if currency == "EUR" && v.Lang != "en" {
		currency = "€"
	}
	return i18n.FormatAmount(v.Lang, amount, currency)
}
