package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/registry"
)

// TestDirectoryExportSafe checks the directory's exports: a customer
// number with a separator and a formula in it is quoted in either
// language, and each customer's language and profile survive an export
// imported into another company's directory.
func TestDirectoryExportSafe(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	entries := []registry.Entry{
		{CustomerNumber: "2", To: []string{"toinen@kukka.example"}, Language: "en"},
		{CustomerNumber: "3", To: []string{"kolmas@kukka.example"}},
		{CustomerNumber: "X;=1+1;", To: []string{"kaava@kukka.example"}, Cc: []string{"kopio@kukka.example"}, Language: "sv", Profile: registry.ProfileScan},
	}
	e.put(t, e.a, entries...)
	c := e.signIn(t, e.a)

	for _, tt := range []struct{ lang, want string }{
		{"en", "\ufeffCustomer number,E-mail,CC,Delivery,Language\r\n2,toinen@kukka.example,,,en\r\n3,kolmas@kukka.example,,,\r\n" +
			"\"X;=1+1;\",kaava@kukka.example,kopio@kukka.example,scan,sv\r\n"},
		{"fi", "\ufeffAsiakasnumero;Sähköposti;Kopio (CC);Toimitustapa;Kieli\r\n2;toinen@kukka.example;;;en\r\n3;kolmas@kukka.example;;;\r\n" +
			"\"X;=1+1;\";kaava@kukka.example;kopio@kukka.example;scan;sv\r\n"},
	} {
		c.lang = tt.lang
		r := c.get("/directory/export/csv")
		r.want(t, http.StatusOK)
		if string(r.raw) != tt.want {
			t.Errorf("the %s export is\n%q, want\n%q", tt.lang, r.raw, tt.want)
		}
	}

	cb := e.signIn(t, e.b)
	cb.get("/import")
	for _, format := range []string{"csv", "xlsx"} {
		r := c.get("/directory/export/" + format)
		r.want(t, http.StatusOK)
		id := cb.importFile(url.Values{"mode": {"replace"}}, "export."+format, r.raw).uploadID(t)
		cb.confirmImport(url.Values{"upload": {id}, "confirm-replace": {"yes"}}).want(t, http.StatusOK, "Import complete")
		got := e.entries(t, e.b)
		if len(got) != len(entries) {
			t.Fatalf("%s: %d entries imported, want %d", format, len(got), len(entries))
		}
		for i, want := range entries {
			g := got[i]
			if g.CustomerNumber != want.CustomerNumber || g.Language != want.Language || g.Profile != want.Profile ||
				strings.Join(g.To, " ") != strings.Join(want.To, " ") || strings.Join(g.Cc, " ") != strings.Join(want.Cc, " ") {
				t.Errorf("%s: imported %+v, want %+v", format, g, want)
			}
		}
		// Start again from an empty directory, to see the next format's
		// languages arrive rather than stay.
		if _, err := e.dir(t, e.b).Apply(t.Context(), registry.Batch{ReplaceAll: true}); err != nil {
			t.Fatal(err)
		}
	}
}
