package main

// The Deliveries page (/log): the company's documents for follow-up,
// searched, filtered by state and date, counted per state, exported as CSV,
// and marked handled.

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// logPageSize is how many documents a page of the log lists.
const logPageSize = 50

// maxLogSearch is the longest search the log takes, in characters: more
// than any document number, customer number or address.
const maxLogSearch = 200

// logQuery is the log's search and filters as the form (and the URL)
// holds them.
type logQuery struct {
	Search, State, From, To string
}

// values returns the query's URL parameters, leaving out the empty ones.
func (q logQuery) values() url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"q", q.Search}, {"state", q.State}, {"from", q.From}, {"to", q.To}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	return v
}

// url returns the path of the query's results with the extra parameters
// (key, value pairs), such as another state or a page cursor.
func (q logQuery) url(path string, extra ...string) string {
	v := q.values()
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// readLogQuery reads the log's search and filters from the request's URL.
func readLogQuery(v url.Values) logQuery {
	return logQuery{
		Search: strings.TrimSpace(v.Get("q")),
		State:  v.Get("state"),
		From:   strings.TrimSpace(v.Get("from")),
		To:     strings.TrimSpace(v.Get("to")),
	}
}

// dateLayouts are the ways a date may be written in the log's filter: as
// Finns write it (9.1.2015, also 09.01.2015) and as ISO 8601 (2015-01-09).
var dateLayouts = []string{"2.1.2006", "2006-01-02"}

// parseDate reads a date written in one of dateLayouts (spaces around it
// ignored) as the start of that day in the server's time zone. The
// Deliveries and the audit trail's filters use it.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// filter checks the query and turns it into a deliveryFilter; the errors
// (field name → message in lang) say what is wrong, and are nil when
// nothing is. The To date is inclusive: the filter ends at the start of the
// next day.
func (q logQuery) filter(lang string) (deliveryFilter, map[string]string) {
	f := deliveryFilter{Search: q.Search, State: q.State}
	errs := map[string]string{}
	if utf8.RuneCountInString(q.Search) > maxLogSearch {
		errs["q"] = translate(lang, "log.searchTooLong", maxLogSearch)
	}
	if q.State != "" && q.State != stateAttention && !slices.Contains(deliveryStates(), q.State) {
		errs["state"] = translate(lang, "log.badState")
	}
	if q.From != "" {
		var ok bool
		if f.From, ok = parseDate(q.From); !ok {
			errs["from"] = translate(lang, "log.badDate", q.From)
		}
	}
	if q.To != "" {
		if to, ok := parseDate(q.To); ok {
			f.To = to.AddDate(0, 0, 1)
		} else {
			errs["to"] = translate(lang, "log.badDate", q.To)
		}
	}
	if len(errs) == 0 && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs["to"] = translate(lang, "log.dateOrder")
	}
	if len(errs) == 0 {
		errs = nil
	}
	return f, errs
}

// logTab is one state filter of the log, with how many documents it has.
type logTab struct {
	State   string // "" for all, stateAttention, or a state
	Count   int
	URL     string
	Current bool
}

// logRow is one document of the log.
type logRow struct {
	delivery
	Attention  bool   // it needs attention: it can be marked handled
	Day, Clock string // when it was sent, the date and the time of day apart
}

// dayAndClock splits the time as formatTime writes it with the clock in
// lang into the date and the time of day ("9.1.2015", "klo 14.05"), so
// that a narrow column breaks between them.
func dayAndClock(lang string, t time.Time) (string, string) {
	day, full := formatTime(lang, t, false), formatTime(lang, t, true)
	clock, ok := strings.CutPrefix(full, day)
	if !ok {
		return full, ""
	}
	return day, strings.TrimLeft(clock, ", ")
}

// logPage is the data of log.html.
type logPage struct {
	Query  logQuery
	Errors map[string]string // field name → message; the list is not shown
	Tabs   []logTab
	Rows   []logRow
	First  bool   // this is the most recent page
	Newest string // the first page's URL
	Next   string // the next (older) page's URL, "" on the last page
	Export string // the CSV export's URL
	Return string // the query of this page, to come back to after marking a row handled
}

// logPage lists the company's documents, most recent first, as the URL's
// search and filters select them, with the totals per state.
func (a *app) logPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	q := readLogQuery(r.URL.Query())
	f, errs := q.filter(sc.lang)
	p := logPage{Query: q, Errors: errs, Newest: q.url("/log"), Export: q.url("/log/export.csv")}
	title := translate(sc.lang, "log.title")
	if errs != nil {
		a.render(w, r, sc, http.StatusUnprocessableEntity, "log.html", &view{Title: title, Nav: "log", Page: p})
		return
	}
	after := parseDeliveryCursor(r.URL.Query().Get("after"))
	p.First = after.ID == ""
	ret := q.values()
	if after.ID != "" {
		ret.Set("after", after.String())
	}
	p.Return = ret.Encode()
	list, next, err := sc.data.deliveries(r.Context(), f, after, logPageSize)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	totals, err := sc.data.deliveryTotals(r.Context(), f)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	all := 0
	for s, n := range totals {
		if s != stateAttention {
			all += n
		}
	}
	p.Tabs = []logTab{{State: "", Count: all}, {State: stateAttention, Count: totals[stateAttention]}}
	for _, s := range deliveryStates() {
		if totals[s] > 0 || s == q.State {
			p.Tabs = append(p.Tabs, logTab{State: s, Count: totals[s]})
		}
	}
	for i := range p.Tabs {
		p.Tabs[i].URL = q.url("/log", "state", p.Tabs[i].State)
		p.Tabs[i].Current = p.Tabs[i].State == q.State
	}
	for _, dl := range list {
		day, clock := dayAndClock(sc.lang, dl.At)
		p.Rows = append(p.Rows, logRow{dl, needsAttention(dl), day, clock})
	}
	if next.ID != "" {
		p.Next = q.url("/log", "after", next.String())
	}
	a.render(w, r, sc, http.StatusOK, "log.html", &view{Title: title, Nav: "log", Page: p})
}

// logCSV returns the CSV rows of the log's documents in lang: a header,
// then one row per document (time, number, customer number, buyer,
// recipients, state in words, handled by and at).
func logCSV(lang string, list []delivery) [][]string {
	rows := [][]string{{
		translate(lang, "col.time"), translate(lang, "col.number"), translate(lang, "col.customer"),
		translate(lang, "col.buyer"), translate(lang, "col.recipients"), translate(lang, "col.state"),
		translate(lang, "col.handledBy"), translate(lang, "col.handledAt"),
	}}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format(translate(lang, "format.csvDateTime"))
	}
	for _, dl := range list {
		addrs := make([]string, len(dl.Recipients))
		for i, rc := range dl.Recipients {
			addrs[i] = rc.Address
		}
		rows = append(rows, []string{
			stamp(dl.At), dl.Number, dl.Customer, dl.Buyer, strings.Join(addrs, " "),
			stateName(lang, dl.State), dl.HandledBy, stamp(dl.HandledAt),
		})
	}
	return rows
}

// stateName returns a document's state in words in lang ("" for a row
// stored before states were kept).
func stateName(lang, state string) string {
	if state == "" {
		return ""
	}
	return translate(lang, "state."+state)
}

// logExport sends the documents the URL's search and filters select (all
// of them, not one page) as a CSV file in the UI language (see writeCSV).
func (a *app) logExport(w http.ResponseWriter, r *http.Request, sc *scope) {
	f, errs := readLogQuery(r.URL.Query()).filter(sc.lang)
	for _, field := range []string{"q", "state", "from", "to"} {
		if msg, ok := errs[field]; ok {
			a.fail(w, r, sc, http.StatusUnprocessableEntity, "log.exportProblem", msg)
			return
		}
	}
	list, _, err := sc.data.deliveries(r.Context(), f, deliveryCursor{}, 0)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, sc.lang, logCSV(sc.lang, list)); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	name := "jakelu-deliveries-" + a.cfg.Now().Format("2006-01-02") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

// markHandled records that the signed-in user has handled a document that
// needs attention (audited as delivery.handled) and goes back to the list
// the form came from. Another company's document is not found.
func (a *app) markHandled(w http.ResponseWriter, r *http.Request, sc *scope) {
	_, err := sc.data.markHandled(r.Context(), r.PathValue("id"), sc.session.Email)
	switch {
	case errors.Is(err, errNotFound):
		a.fail(w, r, sc, http.StatusNotFound, "delivery.notFound")
		return
	case errors.Is(err, errNoAttention):
		a.fail(w, r, sc, http.StatusConflict, "log.notAttention")
		return
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	back, err := url.ParseQuery(r.PostFormValue("return"))
	if err != nil {
		back = url.Values{}
	}
	// Only the log's own parameters, so the form cannot lead anywhere else.
	http.Redirect(w, r, readLogQuery(back).url("/log", "after", back.Get("after")), http.StatusSeeOther)
}
