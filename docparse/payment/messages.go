package payment

import "github.com/jakelu/jakelu/internal/i18n"

// keys are the package's message keys; the texts are in
// internal/i18n/texts/<language>/payment.json.
var keys = i18n.Prefix("payment.")

// text returns the text of key (without the "payment." prefix) in lang.
func text(lang, key string) string {
	k, _ := keys.Key(key)
	return i18n.Text(lang, k)
}
