package outbox

import (
	"strconv"
	"strings"

	"github.com/jakelu/jakelu/internal/i18n"
)

// The outbox's texts for people are in
// internal/i18n/texts/<language>/outbox.json, under "outbox." keys.

// stateKeys are the keys of the states' texts.
var stateKeys = i18n.Prefix("outbox.state.")

// Message returns the state described in lang for a person.
func (s State) Message(lang string) string {
	k, _ := stateKeys.Key(string(s))
	return i18n.Text(lang, k)
}

// suppressionText says why s's address was left out.
func suppressionText(lang string, s *Suppression) string {
	if s == nil {
		return ""
	}
	since := s.LastSeen
	if s.Hard || s.Source != SourceBounce {
		since = s.FirstSeen
	}
	date := i18n.FormatDate(lang, since.Format("2006-01-02"))
	switch s.Source {
	case SourceComplaint:
		return i18n.Text(lang, "outbox.suppressed.complaint", s.Address, date)
	case SourceManual, "":
		return i18n.Text(lang, "outbox.suppressed.manual", s.Address, date, s.Text)
	}
	var why []string
	if s.Code != 0 && strings.HasPrefix(s.Text, strconv.Itoa(s.Code)) { // the server's words start with its code
		return i18n.Text(lang, "outbox.suppressed.bounce", s.Address, date, s.Text)
	}
	if s.Code != 0 {
		why = append(why, strconv.Itoa(s.Code))
	}
	if s.Status != "" {
		why = append(why, s.Status)
	}
	if s.Text != "" {
		why = append(why, s.Text)
	} else if s.Reason != "" {
		why = append(why, string(s.Reason))
	}
	return i18n.Text(lang, "outbox.suppressed.bounce", s.Address, date, strings.Join(why, " "))
}
