package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
)

func TestAuditTrail(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		e.put(t, e.a, registry.Entry{CustomerNumber: "1001", To: []string{"vanha@asiakas.example"}})
		c := e.signIn(t, e.a)
		c.get("/directory")

		// A directory entry: changed, added, deleted.
		e.clock.Advance(time.Second)
		c.post("/directory/edit", url.Values{"cn": {"1001"}, "to": {"uusi@asiakas.example"}, "cc": {"kopio@asiakas.example"}}).
			wantRedirect(t, "/directory")
		e.clock.Advance(time.Second)
		c.post("/directory/new", url.Values{"customer": {"2002"}, "to": {"toinen@asiakas.example"}}).wantRedirect(t, "/directory")
		e.clock.Advance(time.Second)
		c.post("/directory/delete", url.Values{"cn": {"2002"}}).wantRedirect(t, "/directory")
		c.post("/directory/delete", url.Values{"cn": {"2002"}}).want(t, http.StatusNotFound)
		// The settings.
		e.clock.Advance(time.Second)
		c.post("/settings", url.Values{"enabled": {"on"}, "directory": {"on"}, "precedence": {"directory"}, "from-name": {"Kukka Oy laskutus"},
			"language": {"fi"}}).wantRedirect(t, "/settings")
		// An import.
		e.clock.Advance(time.Second)
		r := c.importFile(url.Values{"mode": {"replace"}}, "asiakkaat.csv", []byte("3003;c@asiakas.example\n4004;d@asiakas.example\n"))
		r.want(t, http.StatusOK)
		c.confirmImport(url.Values{"upload": {r.uploadID(t)}, "confirm-replace": {"yes"}}).want(t, http.StatusOK)

		page := c.get("/audit")
		page.body = auditTable(page.body)
		page.want(t, http.StatusOK,
			"Customer changed", "1001", "vanha@asiakas.example", "uusi@asiakas.example", "Copy (CC)", "kopio@asiakas.example",
			"Customer added", "Customer deleted", "toinen@asiakas.example",
			"Settings changed", "Distribution on", "Kukka Oy laskutus",
			"File imported", "asiakkaat.csv", "Whole directory replaced")
		// Newest first: the import before the edit.
		if i, j := strings.Index(page.body, "File imported"), strings.Index(page.body, "Customer changed"); i < 0 || j < 0 || i > j {
			t.Error("the entries are not newest first")
		}
		// Only what changed is shown of an edit: not the unchanged customer number as a change.
		edit := regexpFind(t, page.body, `(?s)Customer changed.*?(<ul class="changes">.*?</ul>)`)
		if strings.Contains(edit, "Customer number") {
			t.Errorf("the edit lists an unchanged field:\n%s", edit)
		}
		if !strings.Contains(edit, `<del class="old">vanha@asiakas.example</del> → <ins class="new">uusi@asiakas.example</ins>`) {
			t.Errorf("the edit does not show the address before and after:\n%s", edit)
		}
		counts := regexpFind(t, page.body, `(?s)File imported.*?(<ul class="changes">.*?</ul>)`)
		for _, want := range []string{`<span class="field">Added:</span> <ins class="new">2</ins>`,
			`<span class="field">Deleted:</span> <ins class="new">1</ins>`} {
			if !strings.Contains(counts, want) {
				t.Errorf("the import's counts lack %s:\n%s", want, counts)
			}
		}

		t.Run("company scoped", func(t *testing.T) {
			b := e.signIn(t, e.b)
			r := b.get("/audit")
			r.want(t, http.StatusOK, "No entries match.")
			r.lacks(t, "1001", "asiakkaat.csv", e.a.email)
			csv := b.get("/audit/export")
			csv.want(t, http.StatusOK)
			csv.lacks(t, "1001", e.a.email)
			b.get("/audit?user="+url.QueryEscape(e.a.email)).lacks(t, "1001")
		})

		t.Run("filters", func(t *testing.T) {
			tests := []struct {
				query      string
				want, lack []string
			}{
				{"action=entry.update", []string{"Customer changed"}, []string{"File imported", "Settings changed"}},
				{"q=100", []string{"Customer changed"}, []string{"Customer added", "File imported"}},
				{"q=ASIAKKAAT", []string{"File imported"}, []string{"Customer changed"}},
				{"q=%25", []string{"No entries match."}, []string{"Customer changed"}}, // a literal %, not a wildcard
				{"user=nobody@kukka.example", []string{"No entries match."}, []string{"Customer changed"}},
				{"user=" + url.QueryEscape(e.a.email), []string{"Customer changed", "File imported"}, nil},
				{"from=2026-12-17&to=2026-12-17", []string{"Customer changed"}, nil},
				{"from=18.12.2026", []string{"No entries match."}, []string{"Customer changed"}},
				{"to=2026-12-16", []string{"No entries match."}, []string{"Customer changed"}},
				{"from=tomorrow", []string{"Write the date as 9.1.2015", "Customer changed"}, nil},
			}
			for _, tt := range tests {
				t.Run(tt.query, func(t *testing.T) {
					r := c.get("/audit?" + tt.query)
					r.want(t, http.StatusOK, tt.want...)
					r.body = auditTable(r.body)
					r.lacks(t, tt.lack...)
				})
			}
		})

		t.Run("paging", func(t *testing.T) {
			d := companyData{st: e.app.st, companyID: e.a.company.ID}
			for i := range 60 {
				e.clock.Advance(time.Second)
				if err := d.audit(t.Context(), e.a.email, "entry.add", fmt.Sprintf("P%03d", i), nil, map[string]string{"CustomerNumber": "x"}); err != nil {
					t.Fatal(err)
				}
			}
			first := c.get("/audit?q=P0")
			first.want(t, http.StatusOK, "P059", "P010")
			first.lacks(t, "P009")
			next := regexpFind(t, first.body, `href="(/audit\?[^"]+)" rel="next"`)
			if !strings.Contains(next, "q=P0") {
				t.Errorf("the next page %q loses the filter", next)
			}
			second := c.get(next)
			second.want(t, http.StatusOK, "P009", "P000", "Most recent")
			second.lacks(t, "P010", `rel="next"`)
		})

		t.Run("removed users' entries stay", func(t *testing.T) {
			clerk := e.accept(t, invite(t, c, "kalle@kukka.example", roleClerk), clerkPassword)
			clerk.post("/directory/new", url.Values{"customer": {"5005"}, "to": {"e@asiakas.example"}}).wantRedirect(t, "/directory")
			c.get("/users")
			c.post("/users/remove", url.Values{"email": {"kalle@kukka.example"}}).wantRedirect(t, "/users?done=removed")
			c.get("/audit?user=kalle@kukka.example").want(t, http.StatusOK, "5005", "Invitation accepted")
			c.get("/audit?action=user.remove").want(t, http.StatusOK, "User removed", "kalle@kukka.example", "Clerk")
		})
	})
}

// auditTable returns the table of entries of an audit page, without the
// filter's lists.
func auditTable(body string) string {
	_, table, _ := strings.Cut(body, `<table class="data audit">`)
	return table
}

func TestAuditExport(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	d := companyData{st: e.app.st, companyID: e.a.company.ID}
	hostile := "X;=1+1;"
	if err := d.audit(t.Context(), e.a.email, "entry.update", hostile,
		map[string]any{"To": []string{"a@x.example"}}, map[string]any{"To": []string{"=cmd|' /C calc'!A0", "b@x.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.audit(t.Context(), "@evil", "import", "-2+3", nil, map[string]any{"File": "a,b\"c.csv"}); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(t, e.a)
	tests := []struct {
		lang  string
		lines []string // the lines the file must hold
	}{
		{"fi", []string{
			"\ufeffAika;Käyttäjä;Tapahtuma;Kohde;Ennen → jälkeen;Ennen (JSON);Jälkeen (JSON)\r\n",
			`;'@evil;Tiedosto tuotu;'-2+3;"Tiedosto:  → a,b""c.csv";;"{""File"":""a,b\""c.csv""}"` + "\r\n",
			`;Asiakasta muutettu;"X;=1+1;";"Sähköpostiosoitteet: a@x.example → =cmd|' /C calc'!A0, b@x.example";`,
		}},
		{"en", []string{
			"\ufeffTime,User,Action,Subject,Before → after,Before (JSON),After (JSON)\r\n",
			`,'@evil,File imported,'-2+3,"File:  → a,b""c.csv",,"{""File"":""a,b\""c.csv""}"` + "\r\n",
			`,Customer changed,"X;=1+1;","E-mail addresses: a@x.example → =cmd|' /C calc'!A0, b@x.example",`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			c.lang = tt.lang
			r := c.get("/audit/export")
			r.want(t, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="jakelu-audit-`+tt.lang+`.csv"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			body := string(r.raw)
			for _, line := range tt.lines {
				if !strings.Contains(body, line) {
					t.Errorf("the export lacks %q:\n%s", line, body)
				}
			}
		})
	}
}

func TestAuditExportChunks(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	d := companyData{st: e.app.st, companyID: e.a.company.ID}
	for i := range 25 {
		e.clock.Advance(time.Second)
		if err := d.audit(t.Context(), e.a.email, "entry.add", fmt.Sprintf("C%02d", i), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(t, e.a)
	defer func(max, chunk int) { maxAuditExport, auditExportChunk = max, chunk }(maxAuditExport, auditExportChunk)
	auditExportChunk = 4
	tests := []struct {
		max   int
		lines int // after the header
		last  string
	}{
		{100, 25, "C00"},
		{25, 25, "C00"},
		{10, 11, "Only the newest 10 entries are in this file."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			maxAuditExport = tt.max
			r := c.get("/audit/export?action=entry.add")
			r.want(t, http.StatusOK)
			body := string(r.raw)
			if strings.Count(body, "\ufeff") != 1 || !strings.HasPrefix(body, "\ufeff") {
				t.Errorf("the byte order mark is not once at the start:\n%q", body)
			}
			lines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
			if len(lines) != tt.lines+1 {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tt.lines+1, body)
			}
			if !strings.Contains(lines[1], "C24") || !strings.Contains(lines[len(lines)-1], tt.last) {
				t.Errorf("first line %q, last %q; want C24 and %q", lines[1], lines[len(lines)-1], tt.last)
			}
		})
	}
}

func TestWriteCSVFields(t *testing.T) {
	tests := []struct {
		lang string
		rows [][]string
		want string
	}{
		{"en", [][]string{{"a", "b"}, {"1,5", "x"}}, "\ufeffa,b\r\n\"1,5\",x\r\n"},
		{"fi", [][]string{{"a;b", "c,d"}}, "\ufeff\"a;b\";\"c,d\"\r\n"},
		{"sv", [][]string{{"tab\there", "quote\"here", "line\nbreak", "cr\rhere"}}, "\ufeff\"tab\there\";\"quote\"\"here\";\"line\nbreak\";\"cr\rhere\"\r\n"},
		{"en", [][]string{{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b"}}, "\ufeff'=1+1,'+1,'-1,'@SUM(A1),\"'\tx\",\"'\rx\",a=b\r\n"},
		{"fi", [][]string{{"X;=1+1;"}}, "\ufeff\"X;=1+1;\"\r\n"},
		{"en", nil, "\ufeff"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := writeCSV(&b, tt.lang, tt.rows); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("writeCSV(%s, %q) = %q, want %q", tt.lang, tt.rows, b.String(), tt.want)
		}
	}
}

func TestAuditChanges(t *testing.T) {
	tests := []struct {
		name, before, after string
		want                []fieldChange
	}{
		{"edit", `{"CustomerNumber":"1","To":["a@x"],"Language":"fi"}`, `{"CustomerNumber":"1","To":["b@x","c@x"],"Language":"fi"}`,
			[]fieldChange{{"E-mail addresses", "a@x", "b@x, c@x"}}},
		{"add", ``, `{"CustomerNumber":"1","Enabled":true}`,
			[]fieldChange{{"Customer number", "", "1"}, {"Distribution on", "", "yes"}}},
		{"delete", `{"Role":"clerk","Unknown":2.5}`, ``,
			[]fieldChange{{"Role", "Clerk", ""}, {"Unknown", "2.5", ""}}},
		{"not objects", `"x"`, `[1,2]`, []fieldChange{{"", "x", "1, 2"}}},
		{"not JSON", `{`, ``, []fieldChange{{"", "{", ""}}},
		{"nothing", ``, ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := auditChanges("en", tt.before, tt.after)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("auditChanges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAuditUndo(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		e.put(t, e.a, registry.Entry{CustomerNumber: "1001", To: []string{"vanha@asiakas.example"}})
		c := e.signIn(t, e.a)
		c.get("/directory")
		// The audit trail cannot be written: every change must be undone.
		if _, err := e.app.cfg.DB.ExecContext(t.Context(), `ALTER TABLE webapp_audit RENAME TO webapp_audit_away`); err != nil {
			t.Fatal(err)
		}
		c.post("/directory/edit", url.Values{"cn": {"1001"}, "to": {"uusi@asiakas.example"}}).want(t, http.StatusInternalServerError)
		c.post("/directory/new", url.Values{"customer": {"2002"}, "to": {"toinen@asiakas.example"}}).want(t, http.StatusInternalServerError)
		c.post("/directory/delete", url.Values{"cn": {"1001"}}).want(t, http.StatusInternalServerError)
		got := e.entries(t, e.a)
		if len(got) != 1 || got[0].CustomerNumber != "1001" || got[0].To[0] != "vanha@asiakas.example" {
			t.Errorf("after failed audits the directory is %v, want only 1001 as it was", got)
		}
		c.post("/settings", url.Values{"enabled": {"on"}, "directory": {"on"}, "precedence": {"directory"}, "language": {"fi"}}).
			want(t, http.StatusInternalServerError)
		if s, _ := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context()); s.Enabled {
			t.Error("the settings changed without an audit entry")
		}
		if _, err := e.app.cfg.DB.ExecContext(t.Context(), `ALTER TABLE webapp_audit_away RENAME TO webapp_audit`); err != nil {
			t.Fatal(err)
		}
	})
}
