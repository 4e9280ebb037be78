package invoicepdf

import "github.com/jakelu/jakelu/internal/i18n"

// keys are the package's message keys; the texts are in
// internal/i18n/texts/<language>/invoicepdf.json. The bank transfer form's
// labels (form.*) are bilingual Finnish/Swedish in Finnish and Swedish, as
// the standard form (tilisiirtolomake) prints them.
var keys = i18n.Prefix("invoicepdf.")

// text returns the text of key (without the "invoicepdf." prefix) in lang.
func text(lang, key string) string {
	k, _ := keys.Key(key)
	return i18n.Text(lang, k)
}
