package main

import (
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/distribution"
)

// settingsPage is the data of settings.html.
type settingsPage struct {
	Settings distribution.Settings
	From     string            // the operator's address e-mails are sent from
	Errors   map[string]string // field name → message
	Saved    bool
}

// showSettings renders the settings form.
func (a *app) showSettings(w http.ResponseWriter, r *http.Request, sc *scope, status int, p settingsPage) {
	p.From = a.cfg.From
	a.render(w, r, sc, status, "settings.html", &view{Title: translate(sc.lang, "settings.title"), Nav: "settings", Page: p})
}

// settingsPage shows the company's settings.
func (a *app) settingsPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	s, err := sc.data.settings(r.Context())
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	key, _, err := sc.data.takeFlash(r.Context(), "settings.")
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.showSettings(w, r, sc, http.StatusOK, settingsPage{Settings: s, Saved: key == "settings.saved"})
}

// settingsFields maps distribution.Settings fields to the form's fields.
var settingsFields = map[string]string{"Precedence": "precedence", "ReplyTo": "reply-to", "Language": "language"}

// maxFromName is the longest sender name, in characters.
const maxFromName = 100

// settingsProblem returns the form field and the message, in lang, of what
// is wrong with settings beyond what distribution.Settings.Validate checks:
// a sender name that is too long or not one line, and no language. It
// returns "" for the field when there is nothing.
func settingsProblem(lang string, s distribution.Settings) (field, message string) {
	switch {
	case utf8.RuneCountInString(s.FromName) > maxFromName || strings.ContainsFunc(s.FromName, unicode.IsControl):
		return "from-name", translate(lang, "settings.fromNameInvalid", maxFromName)
	case !languageKnown(s.Language):
		return "language", translate(lang, "settings.languageInvalid")
	}
	return "", ""
}

// saveSettings validates the settings with the library's own rules
// (distribution.Settings.Validate) and the app's bounds (settingsProblem)
// and stores them.
func (a *app) saveSettings(w http.ResponseWriter, r *http.Request, sc *scope) {
	s := distribution.Settings{
		Enabled:         r.PostFormValue("enabled") == "on",
		DocumentAddress: r.PostFormValue("document-address") == "on",
		Directory:       r.PostFormValue("directory") == "on",
		Precedence:      distribution.Precedence(r.PostFormValue("precedence")),
		FromName:        strings.TrimSpace(r.PostFormValue("from-name")),
		ReplyTo:         strings.TrimSpace(r.PostFormValue("reply-to")),
		Language:        r.PostFormValue("language"),
	}
	full := s
	full.Company, full.From = sc.session.Company.ID, a.cfg.From
	var se *distribution.SettingsError
	if err := full.Validate(); errors.As(err, &se) && settingsFields[se.Field] != "" {
		a.showSettings(w, r, sc, http.StatusUnprocessableEntity, settingsPage{Settings: s, Errors: map[string]string{settingsFields[se.Field]: se.Message(sc.lang)}})
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if field, msg := settingsProblem(sc.lang, s); field != "" {
		a.showSettings(w, r, sc, http.StatusUnprocessableEntity, settingsPage{Settings: s, Errors: map[string]string{field: msg}})
		return
	}
	if err := sc.data.updateSettings(r.Context(), sc.session.Email, s); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := sc.data.setFlash(r.Context(), "settings.saved", ""); err != nil {
		a.cfg.Logger.Error("keeping a message", "err", err)
	}
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}
