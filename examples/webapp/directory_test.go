package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
)

// TestFlash checks that the success messages come only from the server:
// a link with a message of the attacker's shows nothing, and a message is
// shown once, to the session that made the change.
func TestFlash(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c := e.signIn(t, e.a)
		other := e.signIn(t, e.a) // the same user in another browser
		attacks := []string{
			"/directory?deleted=" + url.QueryEscape("Your account is closed, call +358 40 000"),
			"/directory?added=HUIJAUS&saved=HUIJAUS",
			"/settings?saved=1",
		}
		for _, path := range attacks {
			r := c.get(path)
			r.want(t, http.StatusOK)
			r.lacks(t, "Your account is closed", "HUIJAUS", "was deleted", "was added", "was saved", "The settings were saved.", `class="alert success"`)
		}
		c.get("/directory/new")
		c.post("/directory/new", url.Values{"customer": {"500"}, "to": {"a@asiakas.example"}}).wantRedirect(t, "/directory")
		other.get("/directory").lacks(t, "was added")
		c.get("/directory?deleted=HUIJAUS").want(t, http.StatusOK, "Customer 500 was added.")
		c.get("/directory").lacks(t, "was added", "HUIJAUS")
		c.get("/directory/delete?cn=500")
		c.post("/directory/delete", url.Values{"cn": {"500"}}).wantRedirect(t, "/directory")
		c.get("/directory").want(t, http.StatusOK, "Customer 500 was deleted.")
		c.get("/settings")
		c.post("/settings", url.Values{"precedence": {"document"}, "language": {"fi"}}).wantRedirect(t, "/settings")
		c.get("/directory").lacks(t, "The settings were saved.") // another page's message waits for its page
		c.get("/settings").want(t, http.StatusOK, "The settings were saved.")
		c.get("/settings").lacks(t, "The settings were saved.")
	})
}

// TestServerLimits sends, as a client that ignores the forms' own limits,
// what the forms would not let through, and checks that the server refuses
// each and stores nothing.
func TestServerLimits(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	c.get("/settings")
	many := make([]string, registry.MaxAddresses+1)
	for i := range many {
		many[i] = fmt.Sprintf("a%d@asiakas.example", i)
	}
	numbers := make([]string, maxAddCustomers+1)
	for i := range numbers {
		numbers[i] = fmt.Sprint(1000 + i)
	}
	tests := []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"sender name of 5,000 characters", "/settings", url.Values{"from-name": {strings.Repeat("K", 5000)}, "language": {"fi"}},
			"Use a name of at most 100 characters on one line."},
		{"sender name of two lines", "/settings", url.Values{"from-name": {"Kukka Oy\r\nBcc: x@y.example"}, "language": {"fi"}},
			"Use a name of at most 100 characters on one line."},
		{"no language", "/settings", url.Values{"language": {""}}, "Choose one of the languages in the list."},
		{"unknown language", "/settings", url.Values{"language": {"xx"}}, `id="language-error"`},
		{"reply-to that is not an address", "/settings", url.Values{"language": {"fi"}, "reply-to": {"<script>@x"}}, `id="reply-to-error"`},
		{"customer number of 101 characters", "/directory/new", url.Values{"customer": {strings.Repeat("1", 101)}, "to": {"a@asiakas.example"}},
			"longer than 100 characters"},
		{"too many addresses", "/directory/new", url.Values{"customer": {"1"}, "to": {strings.Join(many, " ")}}, `id="to-error"`},
		{"too many customer numbers", "/directory/new", url.Values{"customer": {strings.Join(numbers, " ")}, "to": {"a@asiakas.example"}},
			"Enter at most 100 customer numbers at a time."},
		{"unknown e-mail language", "/directory/new", url.Values{"customer": {"1"}, "to": {"a@asiakas.example"}, "language": {"xx"}},
			"Choose one of the languages in the list."},
		{"unknown profile", "/directory/new", url.Values{"customer": {"1"}, "to": {"a@asiakas.example"}, "profile": {"fax"}}, `id="profile-error"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.post(tt.path, tt.form).want(t, http.StatusUnprocessableEntity, tt.want)
		})
	}
	if n := len(e.entries(t, e.a)); n != 0 {
		t.Errorf("%d entries stored", n)
	}
	s, err := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.FromName != "" || s.ReplyTo != "" {
		t.Errorf("settings stored: %+v", s)
	}

	t.Run("edit", func(t *testing.T) {
		e.put(t, e.a, registry.Entry{CustomerNumber: "7", To: []string{"a@asiakas.example"}})
		c.get("/directory/edit?cn=7")
		c.post("/directory/edit", url.Values{"cn": {"7"}, "to": {"a@asiakas.example"}, "language": {"de"}}).
			want(t, http.StatusUnprocessableEntity, "Choose one of the languages in the list.")
		c.post("/directory/edit", url.Values{"cn": {"7"}, "to": {strings.Join(many, " ")}}).want(t, http.StatusUnprocessableEntity, `id="to-error"`)
		if got, _ := e.dir(t, e.a).Lookup(t.Context(), "7"); len(got.To) != 1 || got.Language != "" {
			t.Errorf("stored %+v", got)
		}
	})
}

// TestAddSeveral checks the add form with several customer numbers: one
// entry each, all or none.
func TestAddSeveral(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	e.put(t, e.a, registry.Entry{CustomerNumber: "300", To: []string{"vanha@asiakas.example"}})
	c.get("/directory/new").want(t, http.StatusOK, "Customer numbers", `<textarea id="customer" name="customer"`)

	t.Run("each problem is named, none is saved", func(t *testing.T) {
		r := c.post("/directory/new", url.Values{"customer": {"100, 200\n300 " + strings.Repeat("9", 101) + " 100"}, "to": {"a@asiakas.example"}})
		r.want(t, http.StatusUnprocessableEntity, "300: already in the directory.", strings.Repeat("9", 101)+": ", "longer than 100 characters",
			"100: entered twice.", `id="customer-error"`)
		if n := len(e.entries(t, e.a)); n != 1 {
			t.Errorf("%d entries, want the 1 there was", n)
		}
	})
	t.Run("all are added", func(t *testing.T) {
		c.post("/directory/new", url.Values{"customer": {"100, 200\n201;202"}, "to": {"laskut@asiakas.example"}, "cc": {"kopio@asiakas.example"},
			"language": {"sv"}, "profile": {"scan"}}).wantRedirect(t, "/directory")
		c.get("/directory").want(t, http.StatusOK, "4 customers were added.")
		for _, cn := range []string{"100", "200", "201", "202"} {
			got, err := e.dir(t, e.a).Lookup(t.Context(), cn)
			want := registry.Entry{CustomerNumber: cn, To: []string{"laskut@asiakas.example"}, Cc: []string{"kopio@asiakas.example"}, Language: "sv", Profile: registry.ProfileScan}
			if err != nil || !got.Equal(want) {
				t.Errorf("%s: %+v, %v", cn, got, err)
			}
		}
		if n := countRows(t, e, `SELECT count(*) FROM webapp_audit WHERE action = 'entry.add' AND company_id = $1`, e.a.company.ID); n != 4 {
			t.Errorf("%d audit entries, want 4", n)
		}
	})
}

// TestDirectoryList checks the list's sorting, names, profile column and
// that a change returns to the list as it was, on every database.
func TestDirectoryList(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c := e.signIn(t, e.a)
		for i := range 60 {
			e.put(t, e.a, registry.Entry{CustomerNumber: fmt.Sprintf("K%02d", i), To: []string{fmt.Sprintf("laskut%d@asiakas.example", i)}})
			e.clock.Advance(time.Minute)
		}
		e.put(t, e.a, registry.Entry{CustomerNumber: "S1", To: []string{"skanneri@palvelu.example"}, Profile: registry.ProfileScan})
		d := companyData{st: e.app.st, companyID: e.a.company.ID}
		if err := d.rememberCustomer(t.Context(), "K07", "Kukkakauppa Orvokki Oy"); err != nil {
			t.Fatal(err)
		}
		if err := d.rememberCustomer(t.Context(), "K07", "Kukkakauppa Orvokki Oyj"); err != nil { // the latest wins
			t.Fatal(err)
		}

		r := c.get("/directory")
		r.want(t, http.StatusOK, "61 customers", "1–50 / 61", "Kukkakauppa Orvokki Oyj", `aria-sort="ascending"`,
			`href="/directory?sort=-customer"`, `href="/directory?sort=-updated"`)
		r = c.get("/directory?sort=-updated")
		r.want(t, http.StatusOK, "1–50 / 61", "Scanning service", `aria-sort="descending"`)
		if i, j := strings.Index(r.body, ">S1<"), strings.Index(r.body, ">K59<"); i < 0 || j < 0 || i > j {
			t.Error("newest first: S1 is not before K59")
		}
		r.lacks(t, ">K10<")
		c.get("/directory?sort=-updated&page=2").want(t, http.StatusOK, "51–61 / 61", ">K00<", ">K10<", `href="/directory?sort=-updated"`)
		c.get("/directory?sort=updated").want(t, http.StatusOK, ">K00<", `href="/directory?page=2&sort=updated"`)

		// A change returns to the list as it was: search, sort and page.
		state := url.Values{"q": {"laskut1"}, "sort": {"-customer"}, "page": {"1"}}
		r = c.get("/directory?" + state.Encode())
		r.want(t, http.StatusOK, "11 customers match", `href="/directory/edit?cn=K19&q=laskut1&sort=-customer"`,
			`href="/directory/new?q=laskut1&sort=-customer"`)
		back := "/directory?q=laskut1&sort=-customer"
		c.get("/directory/edit?cn=K19&q=laskut1&sort=-customer").want(t, http.StatusOK, `name="q" value="laskut1"`, `href="`+back+`"`)
		c.post("/directory/edit", url.Values{"cn": {"K19"}, "to": {"reskontra@uusi.example"}, "q": {"laskut1"}, "sort": {"-customer"}}).wantRedirect(t, back)
		c.get(back).want(t, http.StatusOK, "Customer K19 was saved.", "10 customers match")
		c.get("/directory/delete?cn=K18&q=laskut1&sort=-customer").want(t, http.StatusOK, `name="q" value="laskut1"`)
		c.post("/directory/delete", url.Values{"cn": {"K18"}, "q": {"laskut1"}, "sort": {"-customer"}}).wantRedirect(t, back)
		c.post("/directory/new", url.Values{"customer": {"K99"}, "to": {"laskut1999@asiakas.example"}, "q": {"laskut1"}}).
			wantRedirect(t, "/directory?q=laskut1")
		if n := countRows(t, e, `SELECT count(*) FROM webapp_audit WHERE action IN ('entry.update', 'entry.delete') AND company_id = $1`, e.a.company.ID); n != 2 {
			t.Errorf("%d audit entries for the edit and the delete, want 2", n)
		}
		// Another company's names are not shown.
		other := e.signIn(t, e.b)
		e.put(t, e.b, registry.Entry{CustomerNumber: "K07", To: []string{"b@ruusu.example"}})
		other.get("/directory").lacks(t, "Orvokki")
	})
}

// TestFormatCount checks the grouping of counts.
func TestFormatCount(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"fi", 0, "0"}, {"fi", 999, "999"}, {"fi", 1234, "1\u00a0234"}, {"sv", 1234567, "1\u00a0234\u00a0567"}, {"en", 1234, "1,234"},
	}
	for _, tt := range tests {
		if got := formatCount(tt.lang, tt.n); got != tt.want {
			t.Errorf("formatCount(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

// TestFinnishPages checks dates and amounts in Finnish on the plan and the
// directory, that a plan survives a language switch, and that the
// directory shows the buyer's name once a document has been sent.
func TestFinnishPages(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	enable(t, c)
	e.put(t, e.a, registry.Entry{CustomerNumber: "30001", To: []string{"ostolaskut@asiakas.example"}})
	c.lang = "fi"
	data := readFile(t, "../quickstart/documents/ubl-invoice.xml")
	doc, err := docparse.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.get("/send")
	r := c.upload("/send", nil, "document", "lasku.xml", data)
	plan := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(plan, "/send/plan/") {
		t.Fatalf("upload: %d to %q", r.status, plan)
	}
	r = c.get(plan)
	r.want(t, http.StatusOK, "Kuka saa asiakirjan", "31.1.2027", "1\u00a0488,00\u00a0€", "vastaanottajahakemistossa")
	r.lacks(t, "2027-01-31", "1488.00", "Contact/ElectronicMail")
	c.get(plan+"?lang=sv").wantRedirect(t, plan)
	c.get(plan).want(t, http.StatusOK, "Vem får dokument", "31.1.2027", `name="upload"`)
	c.get(plan+"?lang=fi").wantRedirect(t, plan)
	c.post("/send/confirm", c.get(plan).confirmation(t))
	c.get(plan).want(t, http.StatusNotFound)
	r = c.get("/directory")
	r.want(t, http.StatusOK, "Vastaanottajahakemisto", doc.Buyer.Name, "Nimi")
	if !regexp.MustCompile(`title="[1-3]?[0-9]\.1?[0-9]\.20[0-9][0-9] klo [0-9]+\.[0-9][0-9]">[1-3]?[0-9]\.1?[0-9]\.20[0-9][0-9]<`).MatchString(r.body) {
		t.Error("the directory's Updated column is not written as 9.1.2015")
	}
}
