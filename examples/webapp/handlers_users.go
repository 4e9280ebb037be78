package main

import (
	"errors"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/jakelu/jakelu/transport/address"
)

// Password rules for passwords users choose: long enough to resist
// guessing, short enough to hash without waste.
const (
	minPasswordLength = 10   // characters
	maxPasswordLength = 1024 // bytes
)

// MinPassword is the shortest password a user may choose, for the forms'
// hints.
func (v *view) MinPassword() int { return minPasswordLength }

// passwordProblem returns the text key of what is wrong with a new password
// and its confirmation, or "".
func passwordProblem(password, confirm string) string {
	switch {
	case utf8.RuneCountInString(password) < minPasswordLength:
		return "password.tooShort"
	case len(password) > maxPasswordLength:
		return "password.tooLong"
	case password != confirm:
		return "password.mismatch"
	}
	return ""
}

// passwordText is the message of a passwordProblem in the language.
func passwordText(lang, problem string) string {
	if problem == "password.tooShort" {
		return translate(lang, problem, minPasswordLength)
	}
	return translate(lang, problem)
}

// hash returns the argon2id hash of a new password, computing at most
// GOMAXPROCS hashes at once as sign-ins do.
func (a *app) hash(r *http.Request, password string) (string, error) {
	select {
	case a.hashSlots <- struct{}{}:
	case <-r.Context().Done():
		return "", r.Context().Err()
	}
	defer func() { <-a.hashSlots }()
	return hashPassword(password, a.cfg.Hash), nil
}

// usersPage is the data of users.html.
type usersPage struct {
	Users   []companyUser
	Invites []pendingInvite
	Me      string // the signed-in admin
	Link    *shownLink
	Done    string            // the text of what the last change did
	Error   string            // why the last change was refused
	Email   string            // the invite form's address
	Role    string            // the invite form's role
	Errors  map[string]string // the invite form's field → message
}

// shownLink is a one-time link just made, shown once to the admin.
type shownLink struct {
	Kind    string // tokenInvite or tokenReset
	Email   string
	URL     string
	Expires time.Time
}

// usersDone maps ?done= of the users page to its text: the message comes
// from the server's own list, never from the request.
var usersDone = map[string]string{"role": "users.roleChanged", "removed": "users.removed", "cancelled": "users.inviteCancelled"}

// usersPage lists the company's users and pending invitations.
func (a *app) usersPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	p := usersPage{Role: roleClerk}
	if key, ok := usersDone[r.FormValue("done")]; ok {
		p.Done = translate(sc.lang, key)
	}
	a.showUsers(w, r, sc, http.StatusOK, p)
}

// showUsers renders the users page with the company's users and invitations.
func (a *app) showUsers(w http.ResponseWriter, r *http.Request, sc *scope, status int, p usersPage) {
	var err error
	if p.Users, err = sc.data.users(r.Context()); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if p.Invites, err = sc.data.invites(r.Context()); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p.Me = sc.session.Email
	a.render(w, r, sc, status, "users.html", &view{Title: translate(sc.lang, "users.title"), Nav: "users", Page: p})
}

// validEmail reports whether s is an e-mail address users can sign in with.
func validEmail(s string) bool {
	_, err := address.Parse(s)
	return err == nil
}

// validRole reports whether role is one of the app's roles.
func validRole(role string) bool { return role == roleAdmin || role == roleClerk }

// linkURL is the full address of a one-time link, on the host and scheme
// the admin reached the app with.
func (a *app) linkURL(r *http.Request, kind, token string) string {
	scheme := "http"
	if a.overTLS(r) {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: "/" + kind + "/" + token}).String()
}

// makeLink creates a one-time link, logs it for the operator (no mail
// server is needed to hand it over) and shows it to the admin on the users
// page, or shows why it could not be made.
func (a *app) makeLink(w http.ResponseWriter, r *http.Request, sc *scope, kind, email, role string) {
	token, expires, err := sc.data.createLink(r.Context(), sc.session.Email, kind, email, role)
	switch {
	case errors.Is(err, errUserExists):
		a.showUsers(w, r, sc, http.StatusConflict, usersPage{Email: email, Role: role,
			Errors: map[string]string{"email": translate(sc.lang, "users.exists")}})
		return
	case errors.Is(err, errNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "users.notFound")
		return
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	u := a.linkURL(r, kind, token)
	a.cfg.Logger.Info("one-time link", "kind", kind, "company", sc.session.Company.ID, "email", email,
		"by", sc.session.Email, "expires", expires.UTC().Format(time.RFC3339), "url", u)
	a.showUsers(w, r, sc, http.StatusOK, usersPage{Role: roleClerk, Link: &shownLink{Kind: kind, Email: email, URL: u, Expires: expires}})
}

// inviteUser makes an invitation link for a new user of the company.
func (a *app) inviteUser(w http.ResponseWriter, r *http.Request, sc *scope) {
	raw, role := r.PostFormValue("email"), r.PostFormValue("role")
	email := accountKey(raw)
	p := usersPage{Email: raw, Role: role, Errors: map[string]string{}}
	if !validEmail(raw) {
		p.Errors["email"] = translate(sc.lang, "users.badEmail")
	}
	if !validRole(role) {
		p.Errors["role"] = translate(sc.lang, "users.badRole")
	}
	if len(p.Errors) > 0 {
		a.showUsers(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	}
	a.makeLink(w, r, sc, tokenInvite, email, role)
}

// resetLink makes a password reset link for a user of the company.
func (a *app) resetLink(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.makeLink(w, r, sc, tokenReset, r.PostFormValue("email"), "")
}

// cancelInvite withdraws a pending invitation.
func (a *app) cancelInvite(w http.ResponseWriter, r *http.Request, sc *scope) {
	switch err := sc.data.cancelInvite(r.Context(), sc.session.Email, r.PostFormValue("id")); {
	case errors.Is(err, errNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "users.inviteNotFound")
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
	default:
		http.Redirect(w, r, "/users?done=cancelled", http.StatusSeeOther)
	}
}

// userChangeFailed shows why a change of a user was refused.
func (a *app) userChangeFailed(w http.ResponseWriter, r *http.Request, sc *scope, err error) {
	switch {
	case errors.Is(err, errLastAdmin):
		a.showUsers(w, r, sc, http.StatusConflict, usersPage{Role: roleClerk, Error: translate(sc.lang, "users.lastAdmin")})
	case errors.Is(err, errNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "users.notFound")
	default:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
	}
}

// changeRole makes a user an admin or a clerk; the last admin stays one.
// An admin who makes themselves a clerk goes to the directory, since the
// users page is no longer theirs.
func (a *app) changeRole(w http.ResponseWriter, r *http.Request, sc *scope) {
	email, role := r.PostFormValue("email"), r.PostFormValue("role")
	if !validRole(role) {
		a.fail(w, r, sc, http.StatusBadRequest, "users.badRole")
		return
	}
	if err := sc.data.setRole(r.Context(), sc.session.Email, email, role); err != nil {
		a.userChangeFailed(w, r, sc, err)
		return
	}
	if email == sc.session.Email && role != roleAdmin {
		http.Redirect(w, r, "/directory", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/users?done=role", http.StatusSeeOther)
}

// removeUserPage asks for confirmation before removing a user.
func (a *app) removeUserPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	email := r.FormValue("email")
	users, err := sc.data.users(r.Context())
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	for _, u := range users {
		if u.Email == email {
			a.render(w, r, sc, http.StatusOK, "user_remove.html", &view{Title: translate(sc.lang, "users.removeTitle", email), Nav: "users", Page: u})
			return
		}
	}
	a.fail(w, r, sc, http.StatusNotFound, "users.notFound")
}

// removeUser removes a user and ends the user's sessions; the last admin
// stays.
func (a *app) removeUser(w http.ResponseWriter, r *http.Request, sc *scope) {
	email := r.PostFormValue("email")
	if err := sc.data.removeUser(r.Context(), sc.session.Email, email); err != nil {
		a.userChangeFailed(w, r, sc, err)
		return
	}
	if email == sc.session.Email {
		http.SetCookie(w, a.cookie(r, sessionCookie, "", "/", 0))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/users?done=removed", http.StatusSeeOther)
}

// linkForm is the data of link.html: the form where an invited user or a
// user with a reset link sets a password.
type linkForm struct {
	Kind    string
	Token   string
	Email   string
	Company string
	CSRF    string
	Error   string
}

// showLinkForm renders the password form of a one-time link.
func (a *app) showLinkForm(w http.ResponseWriter, r *http.Request, status int, l link, token, problem string) {
	lang := requestLanguage(r)
	p := linkForm{Kind: l.Kind, Token: token, Email: l.Email, Company: l.Company, CSRF: a.preSession(w, r)}
	if problem != "" {
		p.Error = passwordText(lang, problem)
	}
	a.render(w, r, nil, status, "link.html", &view{Lang: lang, Title: translate(lang, "link."+l.Kind+"Title"), Page: p})
}

// liveLink returns the live one-time link of the kind with the token, or
// shows that it is used or expired (or the error) and reports false.
func (a *app) liveLink(w http.ResponseWriter, r *http.Request, kind, token string) (link, bool) {
	l, err := a.st.link(r.Context(), kind, token)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, nil, http.StatusNotFound, "link.invalid")
		return l, false
	} else if err != nil {
		a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		return l, false
	}
	return l, true
}

// linkPage shows the password form of a live one-time link of the kind,
// or says that the link is used or expired.
func (a *app) linkPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		l, ok := a.liveLink(w, r, kind, token)
		if !ok {
			return
		}
		a.showLinkForm(w, r, http.StatusOK, l, token, "")
	}
}

// redeemLink sets the password of a one-time link and signs the user in;
// the link then no longer works.
func (a *app) redeemLink(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.preSessionForm(w, r) {
			return
		}
		token := r.PathValue("token")
		l, ok := a.liveLink(w, r, kind, token)
		if !ok {
			return
		}
		password := r.PostFormValue("password")
		if problem := passwordProblem(password, r.PostFormValue("confirm")); problem != "" {
			a.showLinkForm(w, r, http.StatusUnprocessableEntity, l, token, problem)
			return
		}
		hash, err := a.hash(r, password)
		if err != nil {
			a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
			return
		}
		session, err := a.st.redeem(r.Context(), kind, token, hash, clientOf(r))
		switch {
		case errors.Is(err, errNotFound):
			a.fail(w, r, nil, http.StatusNotFound, "link.invalid")
		case errors.Is(err, errUserExists):
			a.fail(w, r, nil, http.StatusConflict, "users.exists")
		case err != nil:
			a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		default:
			a.startSession(w, r, session)
		}
	}
}
