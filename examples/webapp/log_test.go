package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/distribution"
)

// setClock sets the test clock to t.
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// seedRow is a delivery to seed the log with.
type seedRow struct {
	day                     int // of December 2026, at noon in the server's time zone
	number, state, customer string
	buyer                   string
	to                      []string
}

// seedLog adds the rows to an account's log, in order, and returns their
// IDs by number.
func seedLog(t *testing.T, e *env, acc account, rows []seedRow) map[string]string {
	t.Helper()
	data := companyData{st: e.app.st, companyID: acc.company.ID}
	ids := make(map[string]string)
	for i, r := range rows {
		e.clock.set(time.Date(2026, 12, r.day, 12, 0, i, 0, time.Local))
		dl := delivery{User: acc.email, File: r.number + ".xml", Number: r.number, Outcome: distribution.Sent,
			State: r.state, Customer: r.customer, Buyer: r.buyer}
		for _, a := range r.to {
			dl.Recipients = append(dl.Recipients, distribution.RecipientSummary{Address: a, Outcome: r.state})
		}
		if err := data.addDelivery(t.Context(), &dl); err != nil {
			t.Fatal(err)
		}
		ids[r.number] = dl.ID
	}
	e.clock.set(time.Date(2026, 12, 20, 9, 0, 0, 0, time.Local))
	return ids
}

// logFixture is company A's log of the tests: one row of each kind, and
// company B's row with the same customer number and address.
var logFixture = []seedRow{
	{1, "D-001", "delivered", "C-100", "Alpha Oy", []string{"laskut@alpha.example"}},
	{5, "D-002", "failed", "C-200", "Beta Ab", []string{"x@beta.example", "y@beta.example"}},
	{10, "D-003", "ambiguous", "C-300", "Gamma", []string{"Mixed@Case.Example"}},
	{12, "D-004", "bounced", "C-400", "Delta", []string{"d@delta.example"}},
	{15, "D-005", "deferred", "C-500", "Epsilon", []string{"e@epsilon.example"}},
	{16, "INV-6", "suppressed", "X;=1+1;", `=HYPERLINK("http://evil.example")`, []string{"z@zeta.example"}},
	{17, "D-007", "not-routed", "C-700", "Eta", nil},
	{18, "50%_OFF", "delivered", "C-800", "Theta", []string{"t@theta.example"}},
}

// listed returns the document numbers of logFixture the page lists.
func listed(body string) []string {
	var out []string
	for _, r := range logFixture {
		if strings.Contains(body, ">"+r.number+"</a>") {
			out = append(out, r.number)
		}
	}
	return out
}

func TestLogSearchAndFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		seedLog(t, e, e.a, logFixture)
		seedLog(t, e, e.b, []seedRow{{5, "B-001", "failed", "C-100", "Ruusu", []string{"laskut@alpha.example"}}})
		c := e.signIn(t, e.a)
		for _, tt := range []struct {
			name  string
			query url.Values
			want  []string
		}{
			{"all", nil, []string{"D-001", "D-002", "D-003", "D-004", "D-005", "INV-6", "D-007", "50%_OFF"}},
			{"number, any case", url.Values{"q": {"d-00"}}, []string{"D-001", "D-002", "D-003", "D-004", "D-005", "D-007"}},
			{"customer number", url.Values{"q": {"c-20"}}, []string{"D-002"}},
			{"the issue's customer number", url.Values{"q": {"x;=1"}}, []string{"INV-6"}},
			{"address, any case", url.Values{"q": {"mixed@CASE"}}, []string{"D-003"}},
			{"second address", url.Values{"q": {"y@beta"}}, []string{"D-002"}},
			{"percent is literal", url.Values{"q": {"%"}}, []string{"50%_OFF"}},
			{"underscore is literal", url.Values{"q": {"0_o"}}, nil},
			{"not a state word", url.Values{"q": {"delivered"}}, nil},
			{"state", url.Values{"state": {"failed"}}, []string{"D-002"}},
			{"state not-routed", url.Values{"state": {"not-routed"}}, []string{"D-007"}},
			{"needs attention", url.Values{"state": {"attention"}}, []string{"D-002", "D-003", "D-004", "INV-6"}},
			{"needs attention and search", url.Values{"state": {"attention"}, "q": {"d-"}}, []string{"D-002", "D-003", "D-004"}},
			{"Finnish dates, inclusive", url.Values{"from": {"10.12.2026"}, "to": {"15.12.2026"}}, []string{"D-003", "D-004", "D-005"}},
			{"ISO dates", url.Values{"from": {"2026-12-16"}}, []string{"INV-6", "D-007", "50%_OFF"}},
			{"zero-padded Finnish date", url.Values{"to": {"05.12.2026"}}, []string{"D-001", "D-002"}},
			{"one day", url.Values{"from": {"12.12.2026"}, "to": {"2026-12-12"}}, []string{"D-004"}},
			{"dates, state and search", url.Values{"from": {"1.12.2026"}, "to": {"12.12.2026"}, "state": {"attention"}, "q": {"example"}}, []string{"D-002", "D-003", "D-004"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := c.get("/log?" + tt.query.Encode())
				r.want(t, http.StatusOK)
				if got := listed(r.body); !sameSet(got, tt.want) {
					t.Errorf("listed %v, want %v", got, tt.want)
				}
				if strings.Contains(r.body, "B-001") || strings.Contains(r.body, "Ruusu") {
					t.Error("company B's document is listed")
				}
				if len(tt.want) == 0 {
					r.want(t, http.StatusOK, "No documents match the search and filters.")
				}
				// The filters are kept in the form and in every tab.
				for k, v := range tt.query {
					if k != "state" && !strings.Contains(r.body, `value="`+v[0]+`"`) {
						t.Errorf("the form lost %s=%q", k, v[0])
					}
				}
			})
		}

		// Newest first.
		body := c.get("/log").body
		var order []int
		for _, n := range []string{"50%_OFF", "D-007", "INV-6", "D-005", "D-004", "D-003", "D-002", "D-001"} {
			order = append(order, strings.Index(body, ">"+n+"</a>"))
		}
		if !slices.IsSorted(order) {
			t.Errorf("not newest first: positions %v", order)
		}

		// Company B sees only its own.
		rb := e.signIn(t, e.b).get("/log?q=alpha")
		rb.want(t, http.StatusOK, "B-001")
		rb.lacks(t, "D-001", "Alpha Oy")
	})
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestLogDateValidation(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	seedLog(t, e, e.a, logFixture)
	c := e.signIn(t, e.a)
	for _, tt := range []struct {
		name  string
		query url.Values
		want  string
	}{
		{"not a date", url.Values{"from": {"eilen"}}, "eilen is not a date. Write it as 9.1.2015 or 2015-01-09."},
		{"no such day", url.Values{"to": {"31.2.2026"}}, "31.2.2026 is not a date."},
		{"two-digit year", url.Values{"from": {"9.1.15"}}, "9.1.15 is not a date."},
		{"American", url.Values{"from": {"12/24/2026"}}, "12/24/2026 is not a date."},
		{"markup is text", url.Values{"from": {"<b>x</b>"}}, "<b>x</b> is not a date."},
		{"end before start", url.Values{"from": {"10.12.2026"}, "to": {"2026-12-09"}}, "The end date is before the start date."},
		{"unknown state", url.Values{"state": {"lost"}}, "Choose a state from the list."},
		{"search too long", url.Values{"q": {strings.Repeat("ä", maxLogSearch+1)}}, "Search with at most 200 characters."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get("/log?" + tt.query.Encode())
			r.want(t, http.StatusUnprocessableEntity, tt.want, "Please correct the marked field.")
			if strings.Contains(string(r.raw), "<b>x</b>") {
				t.Error("the value is not escaped")
			}
			if got := listed(r.body); len(got) > 0 {
				t.Errorf("an invalid filter listed %v", got)
			}
			e := c.get("/log/export.csv?" + tt.query.Encode())
			e.want(t, http.StatusUnprocessableEntity, tt.want)
		})
	}
	// In Finnish.
	c.get("/log?lang=fi")
	c.get("/log?from="+url.QueryEscape("1.13.2026")).want(t, http.StatusUnprocessableEntity,
		"1.13.2026 ei ole päivämäärä. Kirjoita se muodossa 9.1.2015 tai 2015-01-09.")
}

func TestParseDate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"9.1.2015", time.Date(2015, 1, 9, 0, 0, 0, 0, time.Local), true},
		{"09.01.2015", time.Date(2015, 1, 9, 0, 0, 0, 0, time.Local), true},
		{"2015-01-09", time.Date(2015, 1, 9, 0, 0, 0, 0, time.Local), true},
		{"29.2.2024", time.Date(2024, 2, 29, 0, 0, 0, 0, time.Local), true},
		{"29.2.2025", time.Time{}, false},
		{"2015-1-9", time.Time{}, false},
		{"9.1.", time.Time{}, false},
		{"", time.Time{}, false},
		{"9.1.2015 12.00", time.Time{}, false},
	} {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// tabCount returns the count a state tab of the log shows.
func tabCount(t *testing.T, body, label string) string {
	t.Helper()
	return regexpFind(t, body, `(?s)>\s*`+regexp.QuoteMeta(label)+`\s*<span class="n">(\d+)</span>`)
}

func TestLogTotals(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		seedLog(t, e, e.a, logFixture)
		seedLog(t, e, e.b, []seedRow{{5, "B-001", "failed", "C-100", "Ruusu", []string{"laskut@alpha.example"}}})
		c := e.signIn(t, e.a)
		for _, tt := range []struct {
			name  string
			query url.Values
			want  map[string]string // tab label → count
			lacks []string          // tabs not shown
		}{
			{"all", nil, map[string]string{"All": "8", "Needs attention": "4", "Delivered": "2", "Failed": "1", "Uncertain": "1",
				"Bounced": "1", "Deferred": "1", "Suppressed": "1", "No recipient": "1"}, []string{"Queued", "Cancelled"}},
			// The totals are of the search and dates, whichever state is shown.
			{"search", url.Values{"q": {"d-00"}, "state": {"failed"}}, map[string]string{"All": "6", "Needs attention": "3", "Delivered": "1", "Failed": "1"},
				[]string{"Suppressed"}},
			{"dates", url.Values{"from": {"10.12.2026"}, "to": {"16.12.2026"}}, map[string]string{"All": "4", "Needs attention": "3", "Deferred": "1"},
				[]string{"Delivered", "Failed"}},
			// A chosen state is shown even without documents.
			{"empty state", url.Values{"state": {"cancelled"}}, map[string]string{"All": "8", "Cancelled": "0"}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := c.get("/log?" + tt.query.Encode())
				r.want(t, http.StatusOK)
				for label, n := range tt.want {
					if got := tabCount(t, r.body, label); got != n {
						t.Errorf("%s: %s, want %s", label, got, n)
					}
				}
				for _, label := range tt.lacks {
					if regexp.MustCompile(`(?s)>\s*` + label + `\s*<span class="n">`).MatchString(r.body) {
						t.Errorf("a tab %s is shown", label)
					}
				}
				// Each tab keeps the search and dates.
				for k, v := range tt.query {
					if k != "state" && strings.Count(r.body, k+"="+url.QueryEscape(v[0])) < 2 {
						t.Errorf("the tabs lose %s=%s", k, v[0])
					}
				}
			})
		}
		// In Finnish.
		c.get("/log?lang=fi")
		r := c.get("/log")
		if got := tabCount(t, r.body, "Vaatii toimia"); got != "4" {
			t.Errorf("Vaatii toimia: %s", got)
		}
		r.want(t, http.StatusOK, "Epäonnistui", "Palautui", "Estetty", "Ei vastaanottajaa", "Lataa CSV-tiedostona")
	})
}

func TestLogPagingKeepsFilters(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	var rows []seedRow
	for i := range logPageSize + 3 {
		state := "failed"
		if i%2 == 1 {
			state = "delivered"
		}
		rows = append(rows, seedRow{1 + i/2, fmt.Sprintf("P-%03d", i), state, "C", "B", []string{"p@x.example"}})
	}
	seedLog(t, e, e.a, rows)
	// 27 failed rows (P-000, P-002, …) and 26 delivered ones; a page of
	// the state, and pages of the search.
	c := e.signIn(t, e.a)
	r := c.get("/log?q=P-0&state=delivered")
	r.want(t, http.StatusOK)
	if n := strings.Count(r.body, `class="badge delivered"`); n != 26 {
		t.Errorf("%d delivered rows, want 26", n)
	}
	r = c.get("/log?q=P&state=attention")
	if strings.Contains(r.body, `rel="next"`) {
		t.Error("27 rows have a next page")
	}
	r = c.get("/log?q=p-")
	next := regexpFind(t, r.asSent(), `href="(/log\?[^"]+)" rel="next"`)
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("q") != "p-" || u.Query().Get("after") == "" {
		t.Fatalf("the next page %s loses the search", next)
	}
	r = c.get(next)
	r.want(t, http.StatusOK, "P-002", "P-001", "P-000", "Most recent")
	if n := strings.Count(r.body, `<th scope="row"`); n != 3 {
		t.Errorf("the second page has %d rows, want 3", n)
	}
	newest := regexpFind(t, r.asSent(), `href="(/log\?[^"]+)">Most recent`)
	if newest != "/log?q=p-" {
		t.Errorf("Most recent leads to %s", newest)
	}
}

// asSent is the response body as sent but with &amp; as &, to read URLs
// out of attributes.
func (r response) asSent() string { return strings.ReplaceAll(string(r.raw), "&amp;", "&") }

func TestLogExport(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		ids := seedLog(t, e, e.a, logFixture)
		seedLog(t, e, e.b, []seedRow{{5, "B-001", "failed", "C-100", "Ruusu", []string{"laskut@alpha.example"}}})
		c := e.signIn(t, e.a)
		if _, err := (companyData{st: e.app.st, companyID: e.a.company.ID}).markHandled(t.Context(), ids["D-004"], e.a.email); err != nil {
			t.Fatal(err)
		}

		r := c.get("/log/export.csv?state=attention")
		r.want(t, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="jakelu-deliveries-`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		body, ok := bytes.CutPrefix(r.raw, []byte("\ufeff"))
		if !ok {
			t.Fatal("no byte order mark")
		}
		lines := strings.Split(string(body), "\r\n")
		want := []string{
			"Time,Number,Customer number,Buyer,Recipients,State,Handled by,Handled at",
			`2026-12-16 12:00,INV-6,"X;=1+1;","'=HYPERLINK(""http://evil.example"")",z@zeta.example,Suppressed,,`,
			"2026-12-10 12:00,D-003,C-300,Gamma,Mixed@Case.Example,Uncertain,,",
			"2026-12-05 12:00,D-002,C-200,Beta Ab,x@beta.example y@beta.example,Failed,,",
			"",
		}
		if !slices.Equal(lines, want) {
			t.Errorf("export:\n%q\nwant\n%q", lines, want)
		}

		// Everything, in Finnish: ';', Finnish words and dates, the handled row.
		c.get("/log?lang=fi")
		r = c.get("/log/export.csv?q=d-00")
		body, _ = bytes.CutPrefix(r.raw, []byte("\ufeff"))
		recs, err := readCSV(body, ';')
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 7 || strings.Join(recs[0], "|") != "Aika|Numero|Asiakasnumero|Ostaja|Vastaanottajat|Tila|Käsittelijä|Käsittelyaika" {
			t.Fatalf("export: %q", recs)
		}
		byNumber := map[string][]string{}
		for _, rec := range recs[1:] {
			byNumber[rec[1]] = rec
		}
		if got := byNumber["D-004"]; strings.Join(got, "|") != "12.12.2026 12.00|D-004|C-400|Delta|d@delta.example|Palautui|anna@kukka.example|20.12.2026 09.00" {
			t.Errorf("the handled row: %q", got)
		}
		if got := byNumber["D-007"]; got[4] != "" || got[5] != "Ei vastaanottajaa" {
			t.Errorf("the row without recipients: %q", got)
		}
		if strings.Contains(string(r.raw), "B-001") || strings.Contains(string(r.raw), "Ruusu") {
			t.Error("company B's document is exported")
		}

		// Company B's export has only its own.
		rb := e.signIn(t, e.b).get("/log/export.csv")
		if !strings.Contains(string(rb.raw), "B-001") || strings.Contains(string(rb.raw), "D-00") {
			t.Errorf("company B's export: %q", rb.raw)
		}
	})
}

// readCSV reads a CSV file with the separator.
func readCSV(b []byte, sep rune) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sep
	return r.ReadAll()
}

func TestMarkHandled(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		ids := seedLog(t, e, e.a, logFixture)
		idsB := seedLog(t, e, e.b, []seedRow{{5, "B-001", "failed", "C-100", "Ruusu", []string{"laskut@alpha.example"}}})
		a := companyData{st: e.app.st, companyID: e.a.company.ID}
		c := e.signIn(t, e.a)
		r := c.get("/log?state=attention&q=d-")
		r.want(t, http.StatusOK, `action="/log/`+ids["D-002"]+`/handled"`, "Mark handled")
		if n := strings.Count(r.body, "Mark handled"); n != 3 {
			t.Errorf("%d Mark handled buttons, want 3 (D-002, D-003, D-004)", n)
		}
		ret := regexpFind(t, r.body, `name="return" value="([^"]+)"`)

		// Without the CSRF token nothing changes.
		for _, token := range []string{"", "WRONG"} {
			c.post("/log/"+ids["D-002"]+"/handled", url.Values{"csrf": {token}}).want(t, http.StatusForbidden)
		}
		// Company B cannot mark company A's document, nor A company B's.
		cb := e.signIn(t, e.b)
		cb.get("/log")
		cb.post("/log/"+ids["D-002"]+"/handled", nil).want(t, http.StatusNotFound, "This delivery is not in your company's log.")
		c.post("/log/"+idsB["B-001"]+"/handled", nil).want(t, http.StatusNotFound)
		c.post("/log/NOSUCHID/handled", nil).want(t, http.StatusNotFound)
		for _, n := range []string{"D-002"} {
			if dl, _ := a.delivery(t.Context(), ids[n]); dl.HandledBy != "" {
				t.Fatalf("%s was marked: %+v", n, dl)
			}
		}
		if dl, _ := (companyData{st: e.app.st, companyID: e.b.company.ID}).delivery(t.Context(), idsB["B-001"]); dl.HandledBy != "" {
			t.Fatal("company B's document was marked")
		}

		// Marked, back to the same list.
		e.clock.Advance(time.Hour)
		c.post("/log/"+ids["D-002"]+"/handled", url.Values{"return": {ret}}).wantRedirect(t, "/log?q=d-&state=attention")
		dl, err := a.delivery(t.Context(), ids["D-002"])
		if err != nil {
			t.Fatal(err)
		}
		if dl.HandledBy != e.a.email || !dl.HandledAt.Equal(e.clock.Now()) || dl.State != "failed" {
			t.Errorf("stored %q at %v, state %s", dl.HandledBy, dl.HandledAt, dl.State)
		}
		r = c.get("/log?state=attention")
		if got := listed(r.body); !sameSet(got, []string{"D-003", "D-004", "INV-6"}) {
			t.Errorf("needs attention after marking: %v", got)
		}
		if got := tabCount(t, r.body, "Needs attention"); got != "3" {
			t.Errorf("Needs attention: %s", got)
		}
		if got := tabCount(t, r.body, "Failed"); got != "1" {
			t.Errorf("Failed: %s (a handled document keeps its state)", got)
		}
		c.get("/log?state=failed").want(t, http.StatusOK, "D-002", "Handled by anna@kukka.example on 20 Dec 2026, 10:00")

		// Audited, once.
		var n int
		var user, subject, before, after string
		if err := e.app.st.db.QueryRowContext(t.Context(), `SELECT count(*), min(user_email), min(subject), min(before), min(after)
FROM webapp_audit WHERE company_id = $1 AND action = 'delivery.handled'`, e.a.company.ID).Scan(&n, &user, &subject, &before, &after); err != nil {
			t.Fatal(err)
		}
		if n != 1 || user != e.a.email || subject != "D-002" ||
			before != `{"delivery":"`+ids["D-002"]+`","state":"failed","handled_by":""}` ||
			after != `{"delivery":"`+ids["D-002"]+`","state":"failed","handled_by":"anna@kukka.example","handled_at":"`+e.clock.Now().UTC().Format(time.RFC3339)+`"}` {
			t.Errorf("audit: %d %s %s %s → %s", n, user, subject, before, after)
		}

		// Twice, or a document that does not need attention: 409, no new entry.
		c.post("/log/"+ids["D-002"]+"/handled", nil).want(t, http.StatusConflict, "already marked it handled")
		c.post("/log/"+ids["D-001"]+"/handled", nil).want(t, http.StatusConflict)
		if err := e.app.st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM webapp_audit WHERE company_id = $1`, e.a.company.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d audit entries, %v", n, err)
		}
		if dl, _ := a.delivery(t.Context(), ids["D-001"]); dl.HandledBy != "" {
			t.Error("a delivered document was marked handled")
		}

		// The return address keeps only the log's own parameters.
		for _, tt := range []struct{ number, ret, want string }{
			{"D-003", "", "/log"},
			{"D-004", "%zz", "/log"},
			{"INV-6", "next=https://evil.example&q=a&state=attention&after=1.X&x=//evil", "/log?after=1.X&q=a&state=attention"},
		} {
			c.post("/log/"+ids[tt.number]+"/handled", url.Values{"return": {tt.ret}}).wantRedirect(t, tt.want)
		}
	})
}

func TestDeliveryUpgrade(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		// A database of the app's first version: a delivery without the
		// follow-up columns.
		sqlDB := db.open(t)
		for _, stmt := range []string{
			`CREATE TABLE webapp_company (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)`,
			`CREATE TABLE webapp_delivery (
	company_id TEXT NOT NULL REFERENCES webapp_company (id), id TEXT NOT NULL, created_at BIGINT NOT NULL,
	user_email TEXT NOT NULL, file_name TEXT NOT NULL, number TEXT NOT NULL, outcome TEXT NOT NULL,
	message_id TEXT NOT NULL, plan TEXT NOT NULL, recipients TEXT NOT NULL, error TEXT NOT NULL,
	PRIMARY KEY (company_id, id))`,
			`INSERT INTO webapp_company VALUES ('c1', 'Vanha Oy', 1)`,
			`INSERT INTO webapp_delivery VALUES ('c1', 'OLD', 1765965600000000, 'u@x.example', 'f.xml', 'V-1', 'failed', '', 'null', '[{"address":"a@x.example","outcome":"failed"}]', 'boom')`,
			`INSERT INTO webapp_delivery VALUES ('c1', 'OLD2', 1765965600000001, 'u@x.example', 'g.xml', 'V-2', 'partly-sent', 'm@x', '{"number":"V-2","steps":[{"code":"directory-hit","customerNumber":"007"}]}',
	'[{"address":"b@x.example","outcome":"delivered"},{"address":"c@x.example","outcome":"deferred"}]', '')`,
		} {
			if _, err := sqlDB.ExecContext(t.Context(), stmt); err != nil {
				t.Fatal(err)
			}
		}
		a, err := newApp(t.Context(), config{DB: sqlDB, Dialect: db.dialect, Transport: nil, From: "x@y.example", Hash: fastHash})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		data := companyData{st: a.st, companyID: "c1"}
		dl, err := data.delivery(t.Context(), "OLD")
		if err != nil {
			t.Fatal(err)
		}
		// The state comes from the stored outcome and recipients, the
		// customer number from the plan.
		if dl.Number != "V-1" || dl.State != "failed" || dl.Customer != "" || dl.HandledBy != "" || !dl.HandledAt.IsZero() || dl.OutboxID != 0 {
			t.Errorf("upgraded row: %+v", dl)
		}
		if dl, err := data.delivery(t.Context(), "OLD2"); err != nil || dl.State != "deferred" || dl.Customer != "007" {
			t.Errorf("upgraded partly sent row: %+v, %v", dl, err)
		}
		list, _, err := data.deliveries(t.Context(), deliveryFilter{Search: "a@x"}, deliveryCursor{}, 10)
		if err != nil || len(list) != 1 {
			t.Errorf("search in the upgraded log: %d, %v", len(list), err)
		}
		list, _, err = data.deliveries(t.Context(), deliveryFilter{State: stateAttention}, deliveryCursor{}, 10)
		if err != nil || len(list) != 1 || list[0].ID != "OLD" {
			t.Errorf("needs attention in the upgraded log: %d, %v", len(list), err)
		}
		// Migrating again changes nothing.
		if err := a.st.migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDayAndClock(t *testing.T) {
	at := time.Date(2015, 1, 9, 14, 5, 0, 0, time.Local)
	for _, tt := range []struct{ lang, day, clock string }{
		{"fi", "9.1.2015", "klo 14.05"},
		{"sv", "2015-01-09", "kl. 14.05"},
		{"en", "9 Jan 2015", "14:05"},
	} {
		if day, clock := dayAndClock(tt.lang, at); day != tt.day || clock != tt.clock {
			t.Errorf("%s: %q %q, want %q %q", tt.lang, day, clock, tt.day, tt.clock)
		}
	}
}

// TestStateNames checks that the log and a document's page name each state
// of a document with the same word, in every language: the log's badge and
// the page's headline badge.
func TestStateNames(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	var rows []seedRow
	for _, s := range deliveryStates() {
		rows = append(rows, seedRow{1, "S-" + s, s, "C-1", "Kukka", []string{"laskut@kukka.example"}})
	}
	ids := seedLog(t, e, e.a, rows)
	c := e.signIn(t, e.a)
	for _, lang := range languages {
		for _, s := range deliveryStates() {
			t.Run(lang+"/"+s, func(t *testing.T) {
				c.lang = lang
				want := translate(lang, "state."+s)
				list := regexpFind(t, c.get("/log?q=S-"+s).body, `<span class="badge `+regexp.QuoteMeta(s)+`">([^<]*)</span>`)
				page := regexpFind(t, c.get("/log/"+ids["S-"+s]).body, `<span class="badge large `+regexp.QuoteMeta(s)+`">([^<]*)</span>`)
				if list != want || page != want {
					t.Errorf("the log says %q, the document's page %q; want %q in both", list, page, want)
				}
			})
		}
	}
}
