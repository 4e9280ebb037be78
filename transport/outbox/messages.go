package outbox

import "github.com/jakelu/jakelu/internal/i18n"

// The outbox's texts for people are in
// internal/i18n/texts/<language>/outbox.json, under "outbox." keys.

// stateKeys are the keys of the states' texts.
var stateKeys = i18n.Prefix("outbox.state.")

// Message returns the state described in lang for a person.
func (s State) Message(lang string) string {
	k, _ := stateKeys.Key(string(s))
	return i18n.Text(lang, k)
}
