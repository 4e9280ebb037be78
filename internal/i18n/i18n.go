// Package i18n holds the texts jakelu's packages write for people and
// picks their language. Every text lives in translation files
// (texts/<language>/<package>.json, see [Text]) registered into one
// golang.org/x/text catalog; English, Finnish and Swedish ship, and a host
// app adds a language with [Register] (through distribution.AddLanguage).
//
// # Adding a text
//
// A text is a stable dotted key starting with its package's file name
// ("outbox.state.deferred") and one text per shipped language: add the
// key with its English text to texts/en/<package>.json, the Finnish to
// texts/fi/<package>.json and the Swedish to texts/sv/<package>.json
// (create the three files for a new package; keep them sorted as
// encoding/json writes them). Placeholders are fmt verbs, the same in all
// three ("%s", "%d", or "%[2]s" to reorder). Read it with
// i18n.Text(lang, "outbox.state.deferred", args...); a family of keys by
// code can use a [KeySet] from [Prefix]. TestCompleteness fails when a
// language lacks a key, has an empty text or other placeholders than
// English. Texts still written as {en, fi, sv} triples in Go move here
// with i18ntest.WriteTriples.
//
// # Matching
//
// Every package, and the example web app, resolves a language through the
// one matcher here, so "fi-FI", "FI", "fi_FI" and "fin" all mean Finnish
// and "sv-FI", "sv_SE" and "swe" Swedish wherever a language is given: a
// document's, a directory entry's, a company's, a Message(lang) argument
// or an Accept-Language header.
package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Code returns the registered language ("en", "fi", "sv", or one a host
// app added, such as "nb") a reader of lang reads, and whether lang names
// one. lang is a BCP 47 tag in any case, with "-" or "_" ("fi-FI", "FI",
// "sv_SE", "sv-FI", "nb-NO", "no"), or an ISO 639-2 code ("fin", "swe"). A
// language that is not registered ("de", "et"), or text that is no
// language tag, gives "en" and false: the caller may then try the next
// candidate, such as the company's default.
//
// A match counts when the matcher is sure (Exact), or highly confident
// about the same language in another region or script ("sv-FI" → sv); the
// matcher's guesses across languages (Estonian → Finnish) do not count.
func Code(lang string) (string, bool) {
	s := current.Load()
	i, ok := s.resolve(lang)
	return s.codes[i], ok
}

// First returns the registered language of the first candidate that names
// one, or "" and false when none does.
func First(candidates ...string) (string, bool) {
	s := current.Load()
	for _, c := range candidates {
		if i, ok := s.resolve(c); ok {
			return s.codes[i], true
		}
	}
	return "", false
}

// Accept returns the registered language an Accept-Language header
// ("sv-FI, fi;q=0.8, en;q=0.5") prefers: the acceptable language of the
// highest quality that names a registered one, the first listed among
// equals. Each comma-separated item is read on its own with
// [language.ParseAcceptLanguage], so a malformed item (a quality that is
// not a number or over 1, a parameter other than q) makes that language
// unacceptable without spoiling the others. It gives "" and false when no
// item names a registered language.
func Accept(header string) (string, bool) {
	s := current.Load()
	best, bestQ := -1, float32(0)
	for item := range strings.SplitSeq(header, ",") {
		tags, q, err := language.ParseAcceptLanguage(item)
		if err != nil || len(tags) != 1 || q[0] > 1 || q[0] <= bestQ {
			continue
		}
		if i, ok := s.match(tags[0]); ok {
			best, bestQ = i, q[0]
		}
	}
	if best < 0 {
		return "", false
	}
	return s.codes[best], true
}

// Match returns where the language a reader of lang reads stands in an
// {English, Finnish, Swedish} triple, and whether lang names one of them
// (see [Code]); any other language gives 0 (English) and false.
//
// Deprecated: texts live in translation files read with [Text]; Match
// serves the {en, fi, sv} triples of code not yet converted.
func Match(lang string) (int, bool) {
	i, ok := current.Load().resolve(lang)
	if !ok || i > 2 {
		return 0, false
	}
	return i, true
}

// Index returns where lang's text stands in an {English, Finnish, Swedish}
// triple: 1 for Finnish, 2 for Swedish, 0 for English and any other
// language (see [Match]).
//
// Deprecated: use [Text].
func Index(lang string) int {
	i, _ := Match(lang)
	return i
}

// Pick returns lang's text from an {English, Finnish, Swedish} triple.
//
// Deprecated: put the texts in the translation files
// (texts/{en,fi,sv}/<package>.json) and read them with [Text]; a language
// a host app adds never reaches a triple.
func Pick(lang string, t [3]string) string { return t[Index(lang)] }
