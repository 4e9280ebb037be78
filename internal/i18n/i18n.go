// Package i18n picks the language of the texts jakelu's packages write for
// people: English, Finnish and Swedish. Every package, and the example web
// app, resolves a language through the one matcher here, so "fi-FI", "FI",
// "fi_FI" and "fin" all mean Finnish and "sv-FI", "sv_SE" and "swe"
// Swedish wherever a language is given: a document's, a directory
// entry's, a company's, a Message(lang) argument or an Accept-Language
// header.
package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// codes are the shipped languages in the order of the {English, Finnish,
// Swedish} triples; English, first, is the fallback.
var codes = [3]string{"en", "fi", "sv"}

// bases are the base languages of codes.
var bases = [3]language.Base{language.MustParseBase("en"), language.MustParseBase("fi"), language.MustParseBase("sv")}

// matcher is the one language.Matcher of the library.
var matcher = language.NewMatcher([]language.Tag{language.English, language.Finnish, language.Swedish})

// Match returns where the language a reader of lang reads stands in an
// {English, Finnish, Swedish} triple, and whether lang names one of them.
// lang is a BCP 47 tag in any case, with "-" or "_" ("fi-FI", "FI",
// "sv_SE", "sv-FI"), or an ISO 639-2 code ("fin", "swe"). A language that
// is not shipped ("de", "et", "nb"), or text that is no language tag,
// gives 0 (English) and false: the caller may then try the next candidate,
// such as the company's default.
//
// A match counts when the matcher is sure (Exact), or highly confident
// about the same language in another region or script ("sv-FI" → sv); the
// matcher's guesses across languages (Estonian → Finnish) do not count.
func Match(lang string) (int, bool) {
	switch lang { // the common case, without parsing
	case "en":
		return 0, true
	case "fi":
		return 1, true
	case "sv":
		return 2, true
	case "":
		return 0, false
	}
	tag, err := language.Parse(lang)
	if err != nil {
		return 0, false
	}
	return match(tag)
}

// match is Match for a parsed tag.
func match(tag language.Tag) (int, bool) {
	_, i, c := matcher.Match(tag)
	switch {
	case c == language.Exact:
		return i, true
	case c == language.High:
		if want, _ := tag.Base(); want == bases[i] {
			return i, true
		}
	}
	return 0, false
}

// Code returns the shipped language ("en", "fi" or "sv") a reader of lang
// reads, and whether lang names one (see [Match]).
func Code(lang string) (string, bool) {
	i, ok := Match(lang)
	return codes[i], ok
}

// First returns the shipped language of the first candidate that names
// one, or "" and false when none does.
func First(candidates ...string) (string, bool) {
	for _, c := range candidates {
		if code, ok := Code(c); ok {
			return code, true
		}
	}
	return "", false
}

// Accept returns the shipped language an Accept-Language header
// ("sv-FI, fi;q=0.8, en;q=0.5") prefers: the acceptable language of the
// highest quality that names a shipped one, the first listed among equals.
// Each comma-separated item is read on its own with
// [language.ParseAcceptLanguage], so a malformed item (a quality that is
// not a number or over 1, a parameter other than q) makes that language
// unacceptable without spoiling the others. It gives "" and false when no
// item names a shipped language.
func Accept(header string) (string, bool) {
	best, bestQ := -1, float32(0)
	for item := range strings.SplitSeq(header, ",") {
		tags, q, err := language.ParseAcceptLanguage(item)
		if err != nil || len(tags) != 1 || q[0] > 1 || q[0] <= bestQ {
			continue
		}
		if i, ok := match(tags[0]); ok {
			best, bestQ = i, q[0]
		}
	}
	if best < 0 {
		return "", false
	}
	return codes[best], true
}

// Index returns where lang's text stands in an {English, Finnish, Swedish}
// triple: 1 for Finnish, 2 for Swedish, 0 for English and any other
// language (see [Match]).
func Index(lang string) int {
	i, _ := Match(lang)
	return i
}

// Pick returns lang's text from an {English, Finnish, Swedish} triple.
func Pick(lang string, t [3]string) string { return t[Index(lang)] }
