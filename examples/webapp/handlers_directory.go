package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

// Directory list bounds.
const (
	dirPageSize = 50  // customers a page of the directory lists
	maxSearch   = 200 // characters of a search that are used
	// maxAddCustomers is the most customer numbers one add form takes.
	maxAddCustomers = 100
)

// The sort orders of the directory list, by the value of ?sort=.
var dirSorts = map[string]bool{"customer": true, "-customer": true, "updated": true, "-updated": true}

// listState is where the user is in the directory list: the search, the
// sort order and the page. The add, edit and delete forms carry it, so that
// the user returns to the same list afterwards.
type listState struct {
	Search string
	Sort   string // a key of dirSorts; "customer" by default
	Page   int    // from 1
}

// listStateOf reads the list state from the request's query or form (q,
// sort, page); what is missing or invalid gets the default.
func listStateOf(r *http.Request) listState {
	s := listState{Search: strings.TrimSpace(r.FormValue("q")), Sort: r.FormValue("sort"), Page: 1}
	if utf8.RuneCountInString(s.Search) > maxSearch {
		s.Search = string([]rune(s.Search)[:maxSearch])
	}
	if !dirSorts[s.Sort] {
		s.Sort = "customer"
	}
	if p, err := strconv.Atoi(r.FormValue("page")); err == nil && p > 1 {
		s.Page = p
	}
	return s
}

// Values returns the state as query parameters, without the defaults.
func (s listState) Values() url.Values {
	v := url.Values{}
	if s.Search != "" {
		v.Set("q", s.Search)
	}
	if s.Sort != "customer" {
		v.Set("sort", s.Sort)
	}
	if s.Page > 1 {
		v.Set("page", strconv.Itoa(s.Page))
	}
	return v
}

// URL returns the directory list in this state.
func (s listState) URL() string {
	if q := s.Values().Encode(); q != "" {
		return "/directory?" + q
	}
	return "/directory"
}

// WithPage returns the URL of the list in this state with another page.
func (s listState) WithPage(page int) string {
	s.Page = page
	return s.URL()
}

// SortURL returns the URL that sorts the list by the column ("customer" or
// "updated"): ascending first for the customer number, newest first for
// the time, and the other way round when the list is sorted so already.
// It starts at the first page.
func (s listState) SortURL(column string) string {
	first, second := column, "-"+column
	if column == "updated" {
		first, second = second, first
	}
	if s.Sort == first {
		first = second
	}
	return listState{Search: s.Search, Sort: first, Page: 1}.URL()
}

// AriaSort returns the aria-sort value of the column's header: ascending,
// descending or none.
func (s listState) AriaSort(column string) string {
	switch s.Sort {
	case column:
		return "ascending"
	case "-" + column:
		return "descending"
	}
	return "none"
}

// Link returns a page of the directory's (edit, delete, add) with the
// customer number, if any, and the list state, to come back to.
func (s listState) Link(path, cn string) string {
	v := s.Values()
	if cn != "" {
		v.Set("cn", cn)
	}
	if q := v.Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

// dirRow is a line of the directory list: an entry and the customer's name
// where the app knows it (from the last document sent to the number).
type dirRow struct {
	registry.Entry
	Name string
}

// directoryPage is the data of directory.html.
type directoryPage struct {
	State       listState
	Rows        []dirRow
	Total       int
	First, Last int    // the positions of the page's first and last customer, from 1
	Position    string // "1–50 / 1 234"
	Prev, Next  string // the previous and next page's URLs, "" at the ends
	Flash       string // what the last change did
}

// listEntries shows one page of the directory, searched by ?q=, sorted by
// ?sort= and paged by ?page=, with the one-time message of the last change.
func (a *app) listEntries(w http.ResponseWriter, r *http.Request, sc *scope) {
	s := listStateOf(r)
	rows, total, err := sc.data.listDirectory(r.Context(), s.Search, s.Sort, (s.Page-1)*dirPageSize, dirPageSize)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if len(rows) == 0 && s.Page > 1 && total > 0 {
		// Past the end (the list shrank): go to the last page.
		last := (total + dirPageSize - 1) / dirPageSize
		http.Redirect(w, r, s.WithPage(last), http.StatusSeeOther)
		return
	}
	p := directoryPage{State: s, Rows: rows, Total: total}
	if len(rows) > 0 {
		p.First = (s.Page-1)*dirPageSize + 1
		p.Last = p.First + len(rows) - 1
		p.Position = fmt.Sprintf("%s–%s / %s", formatCount(sc.lang, p.First), formatCount(sc.lang, p.Last), formatCount(sc.lang, total))
	}
	if s.Page > 1 {
		p.Prev = s.WithPage(s.Page - 1)
	}
	if p.Last < total {
		p.Next = s.WithPage(s.Page + 1)
	}
	key, subject, err := sc.data.takeFlash(r.Context(), "dir.")
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if key != "" {
		p.Flash = translate(sc.lang, key, subject)
	}
	a.render(w, r, sc, http.StatusOK, "directory.html", &view{Title: translate(sc.lang, "dir.title"), Nav: "directory", Page: p})
}

// formatCount writes a count with the thousands grouped as the language
// does: "1 234" (with a no-break space) in Finnish and Swedish, "1,234" in
// English.
func formatCount(lang string, n int) string { return i18n.FormatInt(lang, int64(n)) }

// entryPage is the data of entry.html, the form to add or edit a customer.
type entryPage struct {
	Edit                         bool
	CustomerNumber, To, Cc, Lang string // CustomerNumber: one or several (add) as typed
	Profile                      string // "" (standard) or "scan"
	State                        listState
	Errors                       map[string]string // field name → message
}

// entryForm reads the entry a form describes, for each of customers. The
// addresses may be separated by spaces, line breaks, commas or semicolons.
func entryForm(r *http.Request) entryPage {
	return entryPage{
		CustomerNumber: strings.TrimSpace(r.PostFormValue("customer")),
		To:             r.PostFormValue("to"),
		Cc:             r.PostFormValue("cc"),
		Lang:           r.PostFormValue("language"),
		Profile:        r.PostFormValue("profile"),
		State:          listStateOf(r),
	}
}

// entry returns the entry of the form for a customer number.
func (p entryPage) entry(customer string) registry.Entry {
	return registry.Entry{
		CustomerNumber: customer,
		To:             address.SplitList(p.To),
		Cc:             address.SplitList(p.Cc),
		Language:       p.Lang,
		Profile:        registry.Profile(p.Profile),
	}
}

// entryField maps registry.EntryError fields to the form's fields.
var entryField = map[string]string{"CustomerNumber": "customer", "To": "to", "Cc": "cc", "Language": "language", "Profile": "profile"}

// entryErrors puts why the registry refused an entry next to the field.
// It reports false for errors that are not about the entry.
func entryErrors(lang string, err error, p *entryPage) bool {
	var ee *registry.EntryError
	if !errors.As(err, &ee) {
		return false
	}
	field := entryField[ee.Field]
	if field == "" {
		field = "customer"
	}
	p.Errors = map[string]string{field: ee.Message(lang)}
	return true
}

// checkLanguage refuses a language the e-mails are not written in.
func checkLanguage(lang string, p *entryPage) bool {
	if p.Lang == "" || languageKnown(p.Lang) {
		return true
	}
	p.Errors = map[string]string{"language": translate(lang, "entry.badLanguage")}
	return false
}

// languageKnown reports whether e-mails can be written in the language.
func languageKnown(lang string) bool { return slices.Contains(distribution.Languages(), lang) }

// showEntry renders the add or edit form.
func (a *app) showEntry(w http.ResponseWriter, r *http.Request, sc *scope, status int, p entryPage) {
	title := translate(sc.lang, "entry.addTitle")
	if p.Edit {
		title = translate(sc.lang, "entry.editTitle", p.CustomerNumber)
	}
	a.render(w, r, sc, status, "entry.html", &view{Title: title, Nav: "directory", Page: p})
}

// newEntryPage shows the empty form to add customers.
func (a *app) newEntryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.showEntry(w, r, sc, http.StatusOK, entryPage{State: listStateOf(r)})
}

// splitCustomers splits the customer numbers of the add form, separated by
// white space, commas or semicolons.
func splitCustomers(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// addEntry adds one entry for each customer number of the form (separated
// by spaces, commas or line breaks), all with the same addresses, language
// and profile. Every number is checked first: if any is invalid or already
// in the directory, none is added and each problem is named.
func (a *app) addEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	p := entryForm(r)
	customers := splitCustomers(p.CustomerNumber)
	if !checkLanguage(sc.lang, &p) {
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	}
	switch {
	case len(customers) == 0:
		customers = []string{""} // the registry says what is missing
	case len(customers) > maxAddCustomers:
		p.Errors = map[string]string{"customer": translate(sc.lang, "entry.tooMany", maxAddCustomers)}
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	}
	var entries []registry.Entry
	var problems []string
	seen := make(map[string]bool)
	for _, cn := range customers {
		e, err := p.entry(cn).Normalize()
		var ee *registry.EntryError
		switch {
		case errors.As(err, &ee) && entryField[ee.Field] != "customer" && entryField[ee.Field] != "":
			// The addresses or the profile: the same for every number.
			entryErrors(sc.lang, err, &p)
			a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
			return
		case err != nil && len(customers) == 1:
			if !entryErrors(sc.lang, err, &p) {
				a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
				return
			}
			a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
			return
		case errors.As(err, &ee):
			problems = append(problems, translate(sc.lang, "entry.numberProblem", cn, ee.Message(sc.lang)))
			continue
		case err != nil:
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		case seen[cn]:
			problems = append(problems, translate(sc.lang, "entry.numberProblem", cn, translate(sc.lang, "entry.twice")))
			continue
		}
		seen[cn] = true
		switch _, err := sc.dir.Lookup(r.Context(), cn); {
		case err == nil:
			msg := translate(sc.lang, "entry.exists")
			if len(customers) > 1 {
				msg = translate(sc.lang, "entry.numberProblem", cn, translate(sc.lang, "entry.existsOne"))
			}
			problems = append(problems, msg)
			continue
		case !errors.Is(err, registry.ErrNotFound):
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		entries = append(entries, e)
	}
	if len(problems) > 0 {
		p.Errors = map[string]string{"customer": strings.Join(problems, " ")}
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	}
	// One atomic step: all of them or, on an error, none.
	if err := sc.addEntries(r.Context(), entries); entryErrors(sc.lang, err, &p) {
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	key, subject := "dir.added", entries[0].CustomerNumber
	if len(entries) > 1 {
		key, subject = "dir.addedMany", strconv.Itoa(len(entries))
	}
	a.done(w, r, sc, p.State, key, subject)
}

// done keeps the one-time message of a change for the session and returns
// to the directory list as the user left it.
func (a *app) done(w http.ResponseWriter, r *http.Request, sc *scope, s listState, key, subject string) {
	if err := sc.data.setFlash(r.Context(), key, subject); err != nil {
		a.cfg.Logger.Error("keeping a message", "err", err)
	}
	http.Redirect(w, r, s.URL(), http.StatusSeeOther)
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
		To: strings.Join(e.To, " "), Cc: strings.Join(e.Cc, " "), Lang: e.Language, Profile: string(e.Profile.Effective()),
		State: listStateOf(r)})
}

// editEntry saves a customer's new addresses; the customer number stays.
func (a *app) editEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	old, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	p := entryForm(r)
	p.CustomerNumber, p.Edit = old.CustomerNumber, true
	if !checkLanguage(sc.lang, &p) {
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	}
	if err := sc.putEntry(r.Context(), &old, p.entry(old.CustomerNumber)); entryErrors(sc.lang, err, &p) {
		a.showEntry(w, r, sc, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.done(w, r, sc, p.State, "dir.saved", old.CustomerNumber)
}

// deletePage is the data of delete.html.
type deletePage struct {
	registry.Entry
	State listState
}

// deleteEntryPage asks for confirmation before deleting a customer.
func (a *app) deleteEntryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	e, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	a.render(w, r, sc, http.StatusOK, "delete.html", &view{Title: translate(sc.lang, "delete.title", e.CustomerNumber), Nav: "directory",
		Page: deletePage{Entry: e, State: listStateOf(r)}})
}

// deleteEntry deletes a customer.
func (a *app) deleteEntry(w http.ResponseWriter, r *http.Request, sc *scope) {
	old, ok := a.lookup(w, r, sc)
	if !ok {
		return
	}
	switch err := sc.deleteEntry(r.Context(), old); {
	case errors.Is(err, registry.ErrNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "entry.notFound", old.CustomerNumber)
		return
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.done(w, r, sc, listStateOf(r), "dir.deleted", old.CustomerNumber)
}

// maxRememberedNumbers is how many of a document's customer numbers get
// the buyer's name.
const maxRememberedNumbers = 5

// rememberBuyer keeps the buyer's name of a sent document (nil: none) for
// each of its customer numbers, so that the directory shows the name next
// to the number that keyed the entry. A failure is logged only: the
// document has been sent.
func (a *app) rememberBuyer(ctx context.Context, sc *scope, doc *docparse.Document) {
	if doc == nil || strings.TrimSpace(doc.Buyer.Name) == "" {
		return
	}
	for i, id := range doc.CustomerNumbers {
		if i == maxRememberedNumbers {
			break
		}
		if err := sc.data.rememberCustomer(ctx, id.Value, doc.Buyer.Name); err != nil {
			a.cfg.Logger.Error("remembering a customer's name", "err", err)
		}
	}
}
