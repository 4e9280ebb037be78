package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport/address"
)

// directoryPage is the data of directory.html.
type directoryPage struct {
	Search  string
	After   string // the cursor of this page, "" on the first
	Entries []registry.Entry
	Total   int
	Next    string // the next page's URL, "" on the last page
	Flash   string // what the last change did
}

// listEntries shows one page of the directory, searched by ?q= and paged
// by ?after= (the registry's keyset cursor).
func (a *app) listEntries(w http.ResponseWriter, r *http.Request, sc *scope) {
	q := registry.Query{Search: strings.TrimSpace(r.FormValue("q")), After: r.FormValue("after")}
	page, err := sc.dir.List(r.Context(), q)
	if errors.Is(err, sqlregistry.ErrInvalidCursor) {
		a.fail(w, r, sc, http.StatusBadRequest, "error.badRequest")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p := directoryPage{Search: q.Search, After: q.After, Entries: page.Entries, Total: page.Total}
	if page.Next != "" {
		p.Next = "/directory?" + url.Values{"q": {q.Search}, "after": {page.Next}}.Encode()
	}
	for _, flash := range []string{"added", "saved", "deleted"} {
		if cn := r.FormValue(flash); cn != "" {
			p.Flash = translate(sc.lang, "dir."+flash, cn)
		}
	}
	a.render(w, r, sc, http.StatusOK, "directory.html", &view{Title: translate(sc.lang, "dir.title"), Nav: "directory", Page: p})
}

// entryPage is the data of entry.html, the form to add or edit a customer.
type entryPage struct {
	Edit                         bool
	CustomerNumber, To, Cc, Lang string
	Profile                      string            // "" (standard) or "scan"
	Errors                       map[string]string // field name → message
}

// entryForm reads the entry a form describes. The addresses may be
// separated by spaces, line breaks, commas or semicolons.
func entryForm(r *http.Request) (registry.Entry, entryPage) {
	p := entryPage{
		CustomerNumber: strings.TrimSpace(r.PostFormValue("customer")),
		To:             r.PostFormValue("to"),
		Cc:             r.PostFormValue("cc"),
		Lang:           r.PostFormValue("language"),
		Profile:        r.PostFormValue("profile"),
	}
	e := registry.Entry{
		CustomerNumber: p.CustomerNumber,
		To:             address.SplitList(p.To),
		Cc:             address.SplitList(p.Cc),
		Language:       p.Lang,
		Profile:        registry.Profile(p.Profile),
	}
	return e, p
}

// entryErrors puts why the registry refused an entry next to the field.
// It reports false for errors that are not about the entry.
func entryErrors(lang string, err error, p *entryPage) bool {
	var ee *registry.EntryError
	if !errors.As(err, &ee) {
		return false
	}
	field := map[string]string{"CustomerNumber": "customer", "To": "to", "Cc": "cc", "Language": "language", "Profile": "profile"}[ee.Field]
	if field == "" {
		field = "customer"
	}
	p.Errors = map[string]string{field: ee.Message(lang)}
	return true
}

// showEntry renders the add or edit form.
func (a *app) showEntry(w http.ResponseWriter, r *http.Request, sc *scope, status int, p entryPage) {
	title := translate(sc.lang, "entry.addTitle")
	if p.Edit {
		title = translate(sc.lang, "entry.editTitle", p.CustomerNumber)
	}
	a.render(w, r, sc, status, "entry.html", &view{Title: title, Nav: "directory", Page: p})
}

// newEntryPage shows the empty form to add a customer.
func (a *app) newEntryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.showEntry(w, r, sc, http.StatusOK, entryPage{})
}

// addEntry adds a customer that is not in the directory yet.
func (a *app) addEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	e, p := entryForm(r)
	if _, err := sc.dir.Lookup(r.Context(), e.CustomerNumber); err == nil {
		p.Errors = map[string]string{"customer": translate(sc.lang, "entry.exists")}
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	} else if !errors.Is(err, registry.ErrNotFound) {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.putEntry(w, r, sc, nil, e, p, "added")
}

// putEntry stores an entry and goes back to the directory, or shows the
// form again with the registry's objection next to its field. The change
// is recorded in the audit trail, with the entry as it was (old, nil for a
// new one) and as it is now.
func (a *app) putEntry(w http.ResponseWriter, r *http.Request, sc *scope, old *registry.Entry, e registry.Entry, p entryPage, flash string) {
	if err := sc.putEntry(r.Context(), old, e); entryErrors(sc.lang, err, &p) {
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/directory?"+url.Values{flash: {e.CustomerNumber}}.Encode(), http.StatusSeeOther)
}

// lookup returns the company's entry for the customer number in the form
// or query (?cn=), or shows 404 and reports false. An entry of another
// company is not found, since the directory is the company's own.
func (a *app) lookup(w http.ResponseWriter, r *http.Request, sc *scope) (registry.Entry, bool) {
	cn := r.FormValue("cn")
	e, err := sc.dir.Lookup(r.Context(), cn)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "entry.notFound", cn)
		return e, false
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return e, false
	}
	return e, true
}

// editEntryPage shows the form to edit a customer's addresses.
func (a *app) editEntryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	e, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	a.showEntry(w, r, sc, http.StatusOK, entryPage{Edit: true, CustomerNumber: e.CustomerNumber,
		To: strings.Join(e.To, " "), Cc: strings.Join(e.Cc, " "), Lang: e.Language, Profile: string(e.Profile.Effective())})
}

// editEntry saves a customer's new addresses; the customer number stays.
func (a *app) editEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	old, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	e, p := entryForm(r)
	e.CustomerNumber, p.CustomerNumber, p.Edit = old.CustomerNumber, old.CustomerNumber, true
	a.putEntry(w, r, sc, &old, e, p, "saved")
}

// deleteEntryPage asks for confirmation before deleting a customer.
func (a *app) deleteEntryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	e, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	a.render(w, r, sc, http.StatusOK, "delete.html", &view{Title: translate(sc.lang, "delete.title", e.CustomerNumber), Nav: "directory", Page: e})
}

// deleteEntry deletes a customer, recording the entry in the audit trail.
func (a *app) deleteEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	old, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	cn := old.CustomerNumber
	switch err := sc.deleteEntry(r.Context(), old); {
	case errors.Is(err, registry.ErrNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "entry.notFound", cn)
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
	default:
		http.Redirect(w, r, "/directory?"+url.Values{"deleted": {cn}}.Encode(), http.StatusSeeOther)
	}
}
