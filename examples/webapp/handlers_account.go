package main

import (
	"errors"
	"net/http"
	"strings"
)

// accountPage is the data of account.html: the signed-in user's password
// form and sessions.
type accountPage struct {
	Email    string
	Role     string
	Sessions []sessionInfo
	Errors   map[string]string // the password form's field → message
	Done     string            // the text of what the last change did
}

// accountDone maps ?done= of the account page to its text.
var accountDone = map[string]string{"password": "account.passwordChanged", "revoked": "account.revoked"}

// accountPage shows the signed-in user's account.
func (a *app) accountPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	p := accountPage{}
	if key, ok := accountDone[r.FormValue("done")]; ok {
		p.Done = translate(sc.lang, key)
	}
	a.showAccount(w, r, sc, http.StatusOK, p)
}

// showAccount renders the account page with the user's live sessions.
func (a *app) showAccount(w http.ResponseWriter, r *http.Request, sc *scope, status int, p accountPage) {
	var err error
	if p.Sessions, err = sc.data.sessions(r.Context(), sc.session.Email); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p.Email, p.Role = sc.session.Email, sc.session.Role
	a.render(w, r, sc, status, "account.html", &view{Title: translate(sc.lang, "account.title"), Nav: "account", Page: p})
}

// changePassword sets a new password after checking the current one, and
// ends the user's other sessions. Wrong current passwords count as failed
// sign-ins of the account on this client.
func (a *app) changePassword(w http.ResponseWriter, r *http.Request, sc *scope) {
	now := a.cfg.Now()
	pairK := sc.session.Email + "\x00" + clientKey(r.RemoteAddr)
	if wait := a.accountLimit.wait(pairK, now); wait > 0 {
		a.showAccount(w, r, sc, http.StatusTooManyRequests, accountPage{Errors: map[string]string{"current": waitText(sc.lang, wait)}})
		return
	}
	_, ok, err := a.authenticate(r.Context(), sc.session.Email, r.PostFormValue("current"))
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if !ok {
		a.accountLimit.fail(pairK, now)
		a.showAccount(w, r, sc, http.StatusUnprocessableEntity, accountPage{Errors: map[string]string{"current": translate(sc.lang, "account.wrongPassword")}})
		return
	}
	password := r.PostFormValue("password")
	if problem := passwordProblem(password, r.PostFormValue("confirm")); problem != "" {
		field := "password"
		if problem == "password.mismatch" {
			field = "confirm"
		}
		a.showAccount(w, r, sc, http.StatusUnprocessableEntity, accountPage{Errors: map[string]string{field: passwordText(sc.lang, problem)}})
		return
	}
	hash, err := a.hash(r, password)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := sc.data.changePassword(r.Context(), sc.session.Email, hash); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// revokeSession ends one of the user's sessions; ending the current one
// signs out.
func (a *app) revokeSession(w http.ResponseWriter, r *http.Request, sc *scope) {
	id := r.PostFormValue("id")
	switch err := sc.data.revokeSession(r.Context(), sc.session.Email, id); {
	case errors.Is(err, errNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "account.sessionNotFound")
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
	case id == sc.session.ID:
		http.SetCookie(w, a.cookie(r, sessionCookie, "", "/", 0))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
	}
}

// signOutEverywhere ends every session of the user, this one too.
func (a *app) signOutEverywhere(w http.ResponseWriter, r *http.Request, sc *scope) {
	if err := sc.data.endSessions(r.Context(), sc.session.Email); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.SetCookie(w, a.cookie(r, sessionCookie, "", "/", 0))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// Agent names the browser and system of a user agent header briefly, such
// as "Firefox · Windows", for the list of sessions.
func (s sessionInfo) Agent() string {
	ua := s.UserAgent
	has := func(sub string) bool { return strings.Contains(ua, sub) }
	var browser, system string
	switch {
	case has("Edg/"):
		browser = "Edge"
	case has("OPR/"):
		browser = "Opera"
	case has("Firefox/"):
		browser = "Firefox"
	case has("Chrome/"), has("Chromium/"):
		browser = "Chrome"
	case has("Safari/"):
		browser = "Safari"
	}
	switch {
	case has("Android"):
		system = "Android"
	case has("iPhone"), has("iPad"):
		system = "iOS"
	case has("Windows"):
		system = "Windows"
	case has("Mac OS X"), has("Macintosh"):
		system = "macOS"
	case has("Linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "" || system != "":
		return browser + system
	}
	// Something else, such as a command-line client: its first word.
	first, _, _ := strings.Cut(ua, " ")
	if len([]rune(first)) > 40 {
		first = string([]rune(first)[:40]) + "…"
	}
	return first
}
