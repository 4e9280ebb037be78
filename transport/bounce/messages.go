package bounce

import "github.com/jakelu/jakelu/internal/i18n"

// The package's user-facing texts are in the library's translation files,
// internal/i18n/texts/<language>/bounce.json, under keys bounce.error.*,
// bounce.kind.<kind> and bounce.reason.<reason>.

// text returns the text of key in lang ("fi", "sv", "en" or a language
// added with distribution.AddLanguage; others get English), formatted
// with args, or key itself when it is unknown.
func text(lang, key string, args ...any) string { return i18n.Text(lang, key, args...) }

// The keys of the kinds' and reasons' texts.
var (
	kindKeys   = i18n.Prefix("bounce.kind.")
	reasonKeys = i18n.Prefix("bounce.reason.")
)

// Message returns the kind as a short sentence in the reader's language
// ("fi", "sv", "en"; others get English).
func (k Kind) Message(lang string) string {
	key, ok := kindKeys.Key(string(k))
	if !ok {
		return string(k)
	}
	return text(lang, key)
}

// Message returns the reason as a short phrase in the reader's language
// ("fi", "sv", "en"; others get English).
func (r Reason) Message(lang string) string {
	key, ok := reasonKeys.Key(string(r))
	if !ok {
		return string(r)
	}
	return text(lang, key)
}
