// Package i18n picks the language of the texts jakelu's packages write for
// people: English, Finnish and Swedish.
package i18n

import "strings"

// Index returns where lang's text stands in an {English, Finnish, Swedish}
// triple: 1 for Finnish ("fi"), 2 for Swedish ("sv"), 0 for English and
// any other language. Case and a region are ignored ("FI", "sv-FI",
// "fi_FI").
func Index(lang string) int {
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	switch strings.ToLower(lang) {
	case "fi":
		return 1
	case "sv":
		return 2
	}
	return 0
}

// Pick returns lang's text from an {English, Finnish, Swedish} triple.
func Pick(lang string, t [3]string) string { return t[Index(lang)] }
