package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
)

// sqlite is the dialect most HTTP tests run on; the ones about storage
// and isolation run on both.
var sqlite = testDBs[0]

// signedInPages are the GET pages of a signed-in user.
var signedInPages = []string{
	"/", "/directory", "/directory/new", "/directory/edit?cn=1", "/directory/delete?cn=1",
	"/directory/export/csv", "/directory/export/xlsx", "/import", "/import/template/csv",
	"/import/template/xlsx", "/import/problems/x", "/import/done/x", "/send", "/log", "/log/x", "/log/export.csv", "/settings", "/suppressions",
	"/users", "/users/remove?email=x", "/account", "/audit", "/audit/export",
}

// forms are the POST routes; every one must check the CSRF token.
var forms = []string{
	"/logout", "/directory/new", "/directory/edit", "/directory/delete", "/import",
	"/import/confirm", "/import/cancel", "/send", "/send/confirm", "/settings", "/log/x/handled",
	"/log/x/resend", "/log/x/release", "/log/x/dismiss", "/log/x/cancel", "/suppressions/remove",
	"/users/invite", "/users/invite/cancel", "/users/role", "/users/remove", "/users/reset",
	"/account/password", "/account/sessions/revoke", "/account/signout-everywhere",
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	anon := e.client(t)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	check := func(t *testing.T, r response) {
		t.Helper()
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
	}
	for _, path := range append(signedInPages, "/no-such-page") {
		t.Run("signed-in"+path, func(t *testing.T) {
			r := c.get(path)
			check(t, r)
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q: pages with company data must not be cached", r.header.Get("Cache-Control"))
			}
		})
	}
	for _, path := range []string{"/login", "/static/style.css", "/directory"} {
		t.Run("anonymous"+path, func(t *testing.T) { check(t, anon.get(path)) })
	}
}

func TestSignedOut(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.client(t)
	for _, path := range signedInPages {
		t.Run("GET "+path, func(t *testing.T) { c.get(path).wantRedirect(t, "/login") })
	}
	for _, path := range forms {
		t.Run("POST "+path, func(t *testing.T) { c.post(path, nil).wantRedirect(t, "/login") })
	}
	t.Run("forged session cookie", func(t *testing.T) {
		u, _ := url.Parse(e.srv.URL)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "FORGED"}})
		c.get("/directory").wantRedirect(t, "/login")
	})
}

func TestLogin(t *testing.T) {
	t.Run("cookies", func(t *testing.T) {
		for _, secure := range []bool{false, true} {
			t.Run(fmt.Sprint("secure=", secure), func(t *testing.T) {
				e := newEnv(t, sqlite, func(c *config) { c.SecureCookies = secure })
				c := e.client(t)
				c.get("/login")
				r := c.post("/login", url.Values{"email": {e.a.email}, "password": {e.a.password}})
				r.wantRedirect(t, "/directory")
				var session *http.Cookie
				for _, ck := range (&http.Response{Header: r.header}).Cookies() {
					if ck.Name == sessionCookie {
						session = ck
					}
				}
				if session == nil {
					t.Fatal("no session cookie")
				}
				if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure != secure {
					t.Errorf("session cookie HttpOnly=%v SameSite=%v Secure=%v, want true, Strict, %v",
						session.HttpOnly, session.SameSite, session.Secure, secure)
				}
				c.get("/directory").want(t, http.StatusOK, "Kukka Oy", e.a.email)
			})
		}
	})

	e := newEnv(t, sqlite, nil)
	tests := []struct {
		name, email, password string
		omitToken             bool
		status                int
		text                  string
	}{
		{"wrong password", e.a.email, "wrong", false, http.StatusUnauthorized, "The e-mail address or the password is wrong."},
		{"unknown user", "nobody@kukka.example", e.a.password, false, http.StatusUnauthorized, "The e-mail address or the password is wrong."},
		{"not an address", "nobody", "x", false, http.StatusUnauthorized, "The e-mail address or the password is wrong."},
		{"no CSRF token", e.a.email, e.a.password, true, http.StatusForbidden, "The form has expired"},
		{"upper-case address", strings.ToUpper(e.a.email), e.a.password, false, http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t)
			c.get("/login")
			form := url.Values{"email": {tt.email}, "password": {tt.password}}
			if tt.omitToken {
				form.Set("csrf", "")
			}
			c.post("/login", form).want(t, tt.status, tt.text)
		})
	}
	t.Run("already signed in", func(t *testing.T) {
		e.signIn(t, e.a).get("/login").wantRedirect(t, "/directory")
	})
	t.Run("logout", func(t *testing.T) {
		c := e.signIn(t, e.a)
		c.get("/directory")
		c.post("/logout", nil).wantRedirect(t, "/login")
		c.get("/directory").wantRedirect(t, "/login")
	})
	t.Run("session expires", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		c := e.signIn(t, e.a)
		e.clock.Advance(sessionLifetime + time.Second)
		c.get("/directory").wantRedirect(t, "/login")
	})
}

func TestLoginRateLimit(t *testing.T) {
	attempt := func(c *client, email, password string) response {
		c.get("/login")
		return c.post("/login", url.Values{"email": {email}, "password": {password}})
	}
	t.Run("another client is not affected", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		a, b := e.clientFrom(t, "127.0.0.2"), e.clientFrom(t, "127.0.0.3")
		for range 5 {
			attempt(a, e.a.email, "guess")
		}
		// On client A even the right password waits now, unchecked...
		attempt(a, e.a.email, e.a.password).want(t, http.StatusTooManyRequests, "Too many failed sign-ins from this device.")
		// ...but the real user on client B signs in at once.
		attempt(b, e.a.email, e.a.password).wantRedirect(t, "/directory")
		// And after the wait, client A may try again: there is no lockout.
		e.clock.Advance(maxSignInDelay)
		attempt(a, e.a.email, e.a.password).wantRedirect(t, "/directory")
	})
	t.Run("the delay grows", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		a := e.clientFrom(t, "127.0.0.2")
		for range accountFailures - 1 {
			attempt(a, e.a.email, "guess").want(t, http.StatusUnauthorized)
		}
		for _, wait := range []int{2, 4, 8, 16, 32} {
			attempt(a, e.a.email, "guess").want(t, http.StatusUnauthorized)
			attempt(a, e.a.email, e.a.password).want(t, http.StatusTooManyRequests, fmt.Sprintf("Try again in %d seconds.", wait))
			e.clock.Advance(time.Duration(wait-1) * time.Second)
			attempt(a, e.a.email, e.a.password).want(t, http.StatusTooManyRequests, "Try again in a second.")
			e.clock.Advance(time.Second)
		}
		for range 10 {
			attempt(a, e.a.email, "guess").want(t, http.StatusUnauthorized)
			e.clock.Advance(maxSignInDelay)
		}
		attempt(a, e.a.email, "guess").want(t, http.StatusUnauthorized)
		attempt(a, e.a.email, e.a.password).want(t, http.StatusTooManyRequests, "Try again in 15 minutes.")
		e.clock.Advance(maxSignInDelay)
		attempt(a, e.a.email, e.a.password).wantRedirect(t, "/directory")
	})
	t.Run("many accounts from one client", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		a, b := e.clientFrom(t, "127.0.0.2"), e.clientFrom(t, "127.0.0.3")
		for i := range 30 {
			attempt(a, fmt.Sprintf("guess%d@kukka.example", i), "guess")
		}
		// Client A now waits for every account...
		attempt(a, e.b.email, e.b.password).want(t, http.StatusTooManyRequests, "Too many failed sign-ins from this device.")
		// ...and another client does not.
		attempt(b, e.b.email, e.b.password).wantRedirect(t, "/directory")
		attempt(e.clientFrom(t, "127.0.0.3"), e.a.email, e.a.password).wantRedirect(t, "/directory")
	})
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, registry.Entry{CustomerNumber: "1", To: []string{"a@kukka.example"}})
	c := e.signIn(t, e.a)
	c.get("/directory")
	for _, token := range []string{"", "WRONGTOKEN"} {
		for _, path := range forms {
			t.Run(fmt.Sprintf("%s token %q", path, token), func(t *testing.T) {
				form := url.Values{"csrf": {token}, "cn": {"1"}, "customer": {"2"}, "to": {"b@kukka.example"}, "enabled": {"on"}}
				c.post(path, form).want(t, http.StatusForbidden, "The form has expired or did not come from this site.")
				r := c.upload(path, url.Values{"csrf": {token}}, "file", "d.csv", []byte("3;c@kukka.example"))
				r.want(t, http.StatusForbidden)
			})
		}
	}
	// Nothing changed and the session still works.
	if got := e.entries(t, e.a); len(got) != 1 || got[0].To[0] != "a@kukka.example" {
		t.Errorf("the directory changed: %v", got)
	}
	if s, _ := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context()); s.Enabled {
		t.Error("the settings changed")
	}
	c.get("/directory").want(t, http.StatusOK)
}

func TestDirectory(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)

	c.get("/directory").want(t, http.StatusOK, "0 customers", "The directory is empty.")
	c.get("/directory/new").want(t, http.StatusOK, "Add a customer", `name="customer"`)

	t.Run("add", func(t *testing.T) {
		r := c.post("/directory/new", url.Values{"customer": {" 00123 "}, "to": {"laskut@asiakas.example\nreskontra@Asiakas.Example"}, "cc": {"johto@asiakas.example"}, "language": {"sv"}})
		r.wantRedirect(t, "/directory")
		got, err := e.dir(t, e.a).Lookup(t.Context(), "00123")
		if err != nil {
			t.Fatal(err)
		}
		want := registry.Entry{CustomerNumber: "00123", To: []string{"laskut@asiakas.example", "reskontra@asiakas.example"}, Cc: []string{"johto@asiakas.example"}, Language: "sv"}
		if !got.Equal(want) {
			t.Errorf("stored %+v, want %+v", got, want)
		}
		c.get("/directory").want(t, http.StatusOK, "Customer 00123 was added.", "1 customer", "reskontra@asiakas.example", "johto@asiakas.example", "Swedish")
		c.get("/directory").lacks(t, "was added") // shown once
	})

	t.Run("scan profile", func(t *testing.T) {
		c.post("/directory/new", url.Values{"customer": {"00777"}, "to": {"skannaus@palvelu.example"}, "profile": {"scan"}}).wantRedirect(t, "/directory")
		if got, err := e.dir(t, e.a).Lookup(t.Context(), "00777"); err != nil || got.Profile != registry.ProfileScan {
			t.Fatalf("stored %+v, %v; want the scan profile", got, err)
		}
		c.get("/directory/edit?cn=00777").want(t, http.StatusOK, `<option value="scan" selected>`)
		c.post("/directory/new", url.Values{"customer": {"00778"}, "to": {"a@palvelu.example"}, "profile": {"fax"}}).want(t, http.StatusUnprocessableEntity, "Give the delivery profile as standard")
		if err := e.dir(t, e.a).Delete(t.Context(), "00777"); err != nil {
			t.Fatal(err)
		}
	})

	invalid := []struct {
		name, customer, to, cc, field, message string
	}{
		{"empty customer number", "", "a@asiakas.example", "", "customer", "Enter the customer number."},
		{"control character", "12\x0034", "a@asiakas.example", "", "customer", "invisible character"},
		{"too long customer number", strings.Repeat("9", 101), "a@asiakas.example", "", "customer", "longer than 100 characters"},
		{"no address", "200", " ", "", "to", "Enter at least one e-mail address."},
		{"invalid address", "200", "a@asiakas.example b@localhost", "", "to", "“b@localhost” is not a valid e-mail address: the domain after the @ has no dot."},
		{"invalid copy address", "200", "a@asiakas.example", "kopio(at)asiakas.example", "cc", "is not a valid e-mail address: the address has no @."},
		{"already in the directory", "00123", "a@asiakas.example", "", "customer", "This customer number is already in the directory"},
	}
	for _, tt := range invalid {
		t.Run("add/"+tt.name, func(t *testing.T) {
			r := c.post("/directory/new", url.Values{"customer": {tt.customer}, "to": {tt.to}, "cc": {tt.cc}})
			r.want(t, http.StatusUnprocessableEntity, "Please correct the marked field.", tt.message,
				fmt.Sprintf(`id="%s-error"`, tt.field), `aria-invalid="true"`)
			if !strings.Contains(r.body, tt.message) {
				return
			}
			// The message is next to its field: after its label, before its input.
			label := strings.Index(r.body, fmt.Sprintf(`for="%s"`, tt.field))
			msg := strings.Index(r.body, tt.message)
			input := strings.Index(r.body, fmt.Sprintf(`name="%s"`, tt.field))
			if !(label < msg && msg < input) {
				t.Errorf("the message is not between the label and the input of %s", tt.field)
			}
		})
	}
	if n := len(e.entries(t, e.a)); n != 1 {
		t.Errorf("%d entries after invalid adds, want 1", n)
	}

	t.Run("edit", func(t *testing.T) {
		c.get("/directory/edit?cn=00123").want(t, http.StatusOK, "Edit customer 00123", "laskut@asiakas.example reskontra@asiakas.example")
		c.post("/directory/edit", url.Values{"cn": {"00123"}, "to": {"uusi@asiakas.example, toinen@asiakas.example"}, "language": {""}}).
			wantRedirect(t, "/directory")
		got, _ := e.dir(t, e.a).Lookup(t.Context(), "00123")
		if want := []string{"uusi@asiakas.example", "toinen@asiakas.example"}; !slices.Equal(got.To, want) || len(got.Cc) != 0 || got.Language != "" {
			t.Errorf("after the edit: %+v", got)
		}
		c.post("/directory/edit", url.Values{"cn": {"00123"}, "to": {"broken@"}}).
			want(t, http.StatusUnprocessableEntity, "“broken@” is not a valid e-mail address")
		c.get("/directory/edit?cn=404").want(t, http.StatusNotFound, "Customer number 404 is not in your directory.")
		c.post("/directory/edit", url.Values{"cn": {"404"}, "to": {"a@asiakas.example"}}).want(t, http.StatusNotFound)
		if _, err := e.dir(t, e.a).Lookup(t.Context(), "404"); err == nil {
			t.Error("editing an unknown customer number created it")
		}
	})

	t.Run("delete", func(t *testing.T) {
		c.get("/directory/delete?cn=00123").want(t, http.StatusOK, "Delete customer 00123?", "uusi@asiakas.example")
		c.post("/directory/delete", url.Values{"cn": {"00123"}}).wantRedirect(t, "/directory")
		c.get("/directory").want(t, http.StatusOK, "Customer 00123 was deleted.", "The directory is empty.")
		c.post("/directory/delete", url.Values{"cn": {"00123"}}).want(t, http.StatusNotFound)
	})

	t.Run("search and pages", func(t *testing.T) {
		var batch []registry.Entry
		for i := range 120 {
			batch = append(batch, registry.Entry{CustomerNumber: fmt.Sprintf("C%03d", i), To: []string{fmt.Sprintf("asiakas%d@esimerkki.example", i)}})
		}
		batch[77].Cc = []string{"erikoinen@kopio.example"}
		e.put(t, e.a, batch...)

		r := c.get("/directory")
		r.want(t, http.StatusOK, "120 customers", "1–50 / 120", "C000", "C049", "Next page", `href="/directory?page=2"`)
		r.lacks(t, "C050", "Previous page")
		r = c.get("/directory?page=2")
		r.want(t, http.StatusOK, "51–100 / 120", "C050", "C099", "Previous page", "Next page", `href="/directory?page=3"`)
		r.lacks(t, "C049<", "C100")
		r = c.get("/directory?page=3")
		r.want(t, http.StatusOK, "101–120 / 120", "C100", "C119", `href="/directory?page=2"`)
		r.lacks(t, "Next page")
		c.get("/directory?page=9").wantRedirect(t, "/directory?page=3")
		c.get("/directory?page=x&sort=nonsense").want(t, http.StatusOK, "1–50 / 120", "C000")
		r = c.get("/directory?sort=-customer")
		r.want(t, http.StatusOK, "C119", "C070", `aria-sort="descending"`)
		r.lacks(t, "C069<")
		if strings.Index(r.body, "C119") > strings.Index(r.body, "C118") {
			t.Error("sorted descending, C119 is not before C118")
		}

		c.get("/directory?q=KOPIO.example").want(t, http.StatusOK, "1 customer matches “KOPIO.example”", "C077")
		c.get("/directory?q=c11").want(t, http.StatusOK, "10 customers match", "C110", "C119")
		c.get("/directory?q=nothing-like-this").want(t, http.StatusOK, "No customer matches your search.")
		c.get("/directory?q=%00").want(t, http.StatusOK, "No customer matches your search.")
	})
}

func TestImport(t *testing.T) {
	e := newEnv(t, sqlite, func(c *config) { c.MaxImportSize = 64 << 10 })
	c := e.signIn(t, e.a)
	e.put(t, e.a,
		registry.Entry{CustomerNumber: "10202", To: []string{"vanha@vasatradgard.example"}},
		registry.Entry{CustomerNumber: "30001", To: []string{"ostolaskut@kemin-kukka.example"}},
		registry.Entry{CustomerNumber: "99999", To: []string{"poistuva@asiakas.example"}},
	)
	before := e.entries(t, e.a)
	unchanged := func(t *testing.T) {
		t.Helper()
		after := e.entries(t, e.a)
		if !slices.EqualFunc(before, after, registry.Entry.Equal) {
			t.Errorf("the directory changed:\nbefore %v\nafter  %v", before, after)
		}
	}

	t.Run("page", func(t *testing.T) {
		c.get("/import").want(t, http.StatusOK, "How to fill in the customer list", "Column B: the e-mail address",
			`href="/import/template/xlsx"`, `href="/import/template/csv"`, `href="/directory/export/csv"`, `href="/directory/export/xlsx"`,
			`enctype="multipart/form-data"`)
		c.lang = "fi"
		c.get("/import").want(t, http.StatusOK, "Näin täytät asiakasluettelon", "Tarkista tiedosto")
		c.lang = "en"
	})

	t.Run("templates and exports", func(t *testing.T) {
		r := c.get("/import/template/csv")
		r.want(t, http.StatusOK, "Customer number,E-mail")
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="jakelu-template-en.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		r = c.get("/import/template/xlsx")
		if r.status != http.StatusOK || !bytes.HasPrefix(r.raw, []byte("PK\x03\x04")) {
			t.Errorf("the XLSX template is not a zip archive: %d %q", r.status, r.raw[:min(len(r.raw), 16)])
		}
		c.get("/import/template/ods").want(t, http.StatusNotFound)

		for _, format := range []string{"csv", "xlsx"} {
			r := c.get("/directory/export/" + format)
			if r.status != http.StatusOK {
				t.Fatalf("export %s: %d", format, r.status)
			}
			// An export imports back unchanged.
			p := c.importFile(nil, "export."+format, r.raw)
			p.want(t, http.StatusOK, "Check the changes", "<strong>0</strong> New", "<strong>0</strong> Changed", "<strong>3</strong> Unchanged",
				"there is nothing to import")
			p.lacks(t, `>Import</button>`)
		}
	})

	t.Run("file with errors", func(t *testing.T) {
		file := "Asiakasnumero;Sähköposti;Kopio\n" +
			"10202;a@x.example, b@x.example\n" +
			"40404;\n" +
			";orpo@x.example\n" +
			"50505;c@x.example;kopio@@x.example\n" +
			"10202;d@x.example\n" +
			"60606;ok@x.example\n"
		r := c.importFile(nil, "virheet.csv", []byte(file))
		r.want(t, http.StatusOK, "The file cannot be imported", "Nothing was imported.", "5 problems",
			"Extra comma between two addresses", "The e-mail address is missing.", "The customer number is missing.",
			"“kopio@@x.example” is not a valid e-mail address", "Customer number “10202” is also on row 2.")
		if rows := strings.Count(r.body, `<td class="num">`); rows != 5 {
			t.Errorf("the table has %d rows, want 5 (one per problem)", rows)
		}
		unchanged(t)
		c.lang = "sv"
		c.importFile(nil, "virheet.csv", []byte(file)).
			want(t, http.StatusOK, "Filen kan inte importeras", "Extra kommatecken mellan två adresser", "Rad", "Kolumn")
		c.lang = "en"
	})

	t.Run("not a spreadsheet", func(t *testing.T) {
		c.importFile(nil, "kuva.pdf", []byte("%PDF-1.7\n...")).
			want(t, http.StatusOK, "This is not a CSV or XLSX file", "the whole file")
		unchanged(t)
	})

	t.Run("no file", func(t *testing.T) {
		c.upload("/import", nil, "", "", nil).want(t, http.StatusUnprocessableEntity, "Choose the file to import.", `id="file-error"`)
	})

	t.Run("oversized", func(t *testing.T) {
		big := bytes.Repeat([]byte("12345;a@x.example\n"), 8<<10) // 144 KiB, over the 64 KiB limit
		c.importFile(nil, "big.csv", big).
			want(t, http.StatusRequestEntityTooLarge, "The file is larger than 64 kB")
		unchanged(t)
	})

	good := readFile(t, "../quickstart/directory.csv") // 10202 changes, 30001 stays, 40404 is new

	t.Run("preview, cancel", func(t *testing.T) {
		r := c.importFile(url.Values{"mode": {"update"}}, "directory.csv", good)
		r.want(t, http.StatusOK, "Check the changes", "<strong>1</strong> New", "<strong>1</strong> Changed", "<strong>1</strong> Unchanged",
			"40404", "info@lapin-ruusu.example", "vanha@vasatradgard.example", "reskontra@bokforing.example")
		r.lacks(t, "Deleted", "confirm-replace")
		id := r.uploadID(t)
		unchanged(t)
		c.post("/import/cancel", url.Values{"upload": {id}}).wantRedirect(t, "/import")
		c.confirmImport(url.Values{"upload": {id}}).want(t, http.StatusNotFound, "This upload has expired or was already used.")
		unchanged(t)
	})

	t.Run("preview expires", func(t *testing.T) {
		id := c.importFile(nil, "directory.csv", good).uploadID(t)
		e.clock.Advance(uploadLifetime + time.Second)
		c.confirmImport(url.Values{"upload": {id}}).want(t, http.StatusNotFound, "expired")
		unchanged(t)
	})

	t.Run("replace all needs the extra confirmation", func(t *testing.T) {
		r := c.importFile(url.Values{"mode": {"replace"}}, "directory.csv", good)
		r.want(t, http.StatusOK, "<strong>1</strong> Deleted", "poistuva@asiakas.example", "delete the 1 customers that are not in the file")
		id := r.uploadID(t)
		c.confirmImport(url.Values{"upload": {id}}).wantRedirect(t, "/import/preview/"+id)
		c.get("/import/preview/"+id+"?lang=sv").wantRedirect(t, "/import/preview/"+id) // the language switch keeps the page
		c.get("/import/preview/"+id).want(t, http.StatusOK, `id="confirm-error"`, `name="confirm-replace"`)
		c.get("/import/preview/" + id + "?lang=en")
		c.get("/import/preview/"+id).lacks(t, `id="confirm-error"`) // asked once
		unchanged(t)
		c.confirmImport(url.Values{"upload": {id}, "confirm-replace": {"yes"}}).
			want(t, http.StatusOK, "Import complete", "1 added, 1 changed, 1 unchanged, 1 deleted.")
		var got []string
		for _, en := range e.entries(t, e.a) {
			got = append(got, en.CustomerNumber+" "+strings.Join(en.To, " "))
		}
		want := []string{"10202 laskut@vasatradgard.example reskontra@bokforing.example", "30001 ostolaskut@kemin-kukka.example", "40404 info@lapin-ruusu.example"}
		if !slices.Equal(got, want) {
			t.Errorf("after the import: %q, want %q", got, want)
		}
		c.confirmImport(url.Values{"upload": {id}, "confirm-replace": {"yes"}}).want(t, http.StatusNotFound)
	})

	t.Run("update keeps the others", func(t *testing.T) {
		e.put(t, e.b, registry.Entry{CustomerNumber: "1", To: []string{"b@ruusu.example"}})
		id := c.importFile(nil, "more.csv", []byte("77;seitsemän@asiakas.example\n")).uploadID(t)
		c.confirmImport(url.Values{"upload": {id}}).want(t, http.StatusOK, "1 added, 0 changed, 0 unchanged, 0 deleted.")
		if n := len(e.entries(t, e.a)); n != 4 {
			t.Errorf("%d entries, want 4", n)
		}
		if n := len(e.entries(t, e.b)); n != 1 {
			t.Errorf("company B has %d entries, want its 1", n)
		}
	})
}

// TestCrossCompany proves that a user of one company can neither see nor
// change another company's data, whatever the request names: the other
// company's things look as if they did not exist.
func TestCrossCompany(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		e.put(t, e.a, registry.Entry{CustomerNumber: "A-1", To: []string{"salainen@kukka.example"}})
		alice, bob := e.signIn(t, e.a), e.signIn(t, e.b)
		enable(t, alice)

		// Company A has an import and a document waiting, and a delivery.
		alice.get("/import")
		importID := alice.importFile(nil, "a.csv", []byte("A-2;toinen@kukka.example\n")).uploadID(t)
		doc := readFile(t, "../quickstart/documents/ubl-invoice.xml")
		alice.get("/send")
		sendForm := alice.sendFile("lasku.xml", doc).confirmation(t)
		sendID := sendForm.Get("upload")
		alice.get("/send")
		sent := alice.sendFile("lasku.xml", doc).confirmation(t)
		loc := alice.post("/send/confirm", sent).header.Get("Location")
		if !strings.HasPrefix(loc, "/log/") {
			t.Fatalf("sending did not lead to the log: %q", loc)
		}
		messages := len(e.sent.Messages())

		bob.get("/directory").want(t, http.StatusOK, "Ruusu Oy", "0 customers")
		attempts := []struct {
			name string
			do   func() response
		}{
			{"list", func() response { return bob.get("/directory?q=kukka") }},
			{"edit page", func() response { return bob.get("/directory/edit?cn=A-1") }},
			{"edit", func() response {
				return bob.post("/directory/edit", url.Values{"cn": {"A-1"}, "to": {"varas@ruusu.example"}})
			}},
			{"delete page", func() response { return bob.get("/directory/delete?cn=A-1") }},
			{"delete", func() response { return bob.post("/directory/delete", url.Values{"cn": {"A-1"}}) }},
			{"import preview", func() response { return bob.get("/import/preview/" + importID) }},
			{"confirm import", func() response { return bob.confirmImport(url.Values{"upload": {importID}}) }},
			{"cancel import", func() response { return bob.post("/import/cancel", url.Values{"upload": {importID}}) }},
			{"send", func() response { return bob.post("/send/confirm", url.Values{"upload": {sendID}}) }},
			{"delivery", func() response { return bob.get(loc) }},
			{"resend", func() response { return bob.post(loc+"/resend", nil) }},
			{"release", func() response { return bob.post(loc+"/release", nil) }},
			{"dismiss", func() response { return bob.post(loc+"/dismiss", nil) }},
			{"cancel", func() response { return bob.post(loc+"/cancel", nil) }},
			{"log", func() response { return bob.get("/log") }},
		}
		for _, a := range attempts {
			t.Run(a.name, func(t *testing.T) {
				r := a.do()
				if r.status != http.StatusNotFound && r.status != http.StatusOK && r.status != http.StatusSeeOther {
					t.Errorf("status %d", r.status)
				}
				if r.status == http.StatusOK {
					r.lacks(t, "A-1", "salainen@kukka.example", "Kukka Oy", "2026-1")
				}
			})
		}
		for _, path := range []string{"/directory/edit?cn=A-1", "/directory/delete?cn=A-1", loc} {
			bob.get(path).want(t, http.StatusNotFound)
		}
		for _, action := range []string{"resend", "release", "dismiss", "cancel"} {
			bob.post(loc+"/"+action, nil).want(t, http.StatusNotFound)
		}
		bob.confirmImport(url.Values{"upload": {importID}}).want(t, http.StatusNotFound)
		bob.get("/import/preview/"+importID).want(t, http.StatusNotFound)
		bob.post("/send/confirm", url.Values{"upload": {sendID}}).want(t, http.StatusNotFound)

		// Company A's data is intact, and its uploads still work for A.
		if got := e.entries(t, e.a); len(got) != 1 || got[0].To[0] != "salainen@kukka.example" {
			t.Errorf("company A's directory: %v", got)
		}
		if len(e.entries(t, e.b)) != 0 {
			t.Error("company B's directory is not empty")
		}
		if n := len(e.sent.Messages()); n != messages {
			t.Errorf("%d messages sent, want %d", n, messages)
		}
		alice.get(loc).want(t, http.StatusOK, "Sent")
		alice.confirmImport(url.Values{"upload": {importID}}).want(t, http.StatusOK, "1 added")
		// The same document again: the duplicate guard asks first.
		alice.post("/send/confirm", sendForm).want(t, http.StatusConflict, "was already sent")
		sendForm.Set("resend", "1")
		if r := alice.post("/send/confirm", sendForm); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/log/") {
			t.Errorf("company A could not send its own document: %d %s", r.status, r.header.Get("Location"))
		}
	})
}

// enable switches e-mail distribution on with both methods, through the
// settings form.
func enable(t *testing.T, c *client) {
	t.Helper()
	c.get("/settings")
	c.post("/settings", url.Values{"enabled": {"on"}, "document-address": {"on"}, "directory": {"on"},
		"precedence": {"directory"}, "language": {"fi"}}).wantRedirect(t, "/settings")
}

func TestSettings(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	r := c.get("/settings")
	r.want(t, http.StatusOK, "E-mail distribution", "Send to the e-mail address in the document", "laskut@operaattori.example")
	r.lacks(t, `name="enabled" checked`)

	c.post("/settings", url.Values{"enabled": {"on"}, "reply-to": {"asiakaspalvelu@kukka"}, "precedence": {"both"}, "language": {"sv"}}).
		want(t, http.StatusUnprocessableEntity, "Please correct the marked field.", "is not a usable e-mail address: the domain after the @ has no dot.", `id="reply-to-error"`)
	c.post("/settings", url.Values{"enabled": {"on"}, "precedence": {"sometimes"}, "language": {"sv"}}).
		want(t, http.StatusUnprocessableEntity, "the directory or both come first", `id="precedence-error"`)
	c.post("/settings", url.Values{"enabled": {"on"}, "precedence": {"both"}, "language": {"de"}}).
		want(t, http.StatusUnprocessableEntity, "Choose Finnish, Swedish or English", `id="language-error"`)
	if s, _ := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context()); s.Enabled {
		t.Error("invalid settings were saved")
	}

	c.post("/settings", url.Values{"enabled": {"on"}, "directory": {"on"}, "precedence": {"both"}, "from-name": {" Kukka Oy laskutus "},
		"reply-to": {"asiakaspalvelu@kukka.example"}, "language": {"sv"}}).wantRedirect(t, "/settings")
	c.get("/settings").want(t, http.StatusOK, "The settings were saved.", `value="Kukka Oy laskutus"`, `value="asiakaspalvelu@kukka.example"`,
		`name="enabled" checked`, `value="both" checked`, `value="sv" selected`)
	s, err := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Enabled || s.DocumentAddress || !s.Directory || s.Precedence != "both" || s.FromName != "Kukka Oy laskutus" || s.ReplyTo != "asiakaspalvelu@kukka.example" || s.Language != "sv" {
		t.Errorf("stored %+v", s)
	}
	// Company B still has its defaults.
	if s, _ := (companyData{st: e.app.st, companyID: e.b.company.ID}).settings(t.Context()); s.Enabled {
		t.Error("company B's settings changed")
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	c.lang = "sv-FI, fi;q=0.8"
	c.get("/directory").want(t, http.StatusOK, `<html lang="sv">`, "Mottagarkatalog", "Lägg till kund")
	c.get("/directory?lang=fi&q=x").wantRedirect(t, "/directory?q=x")
	c.get("/directory").want(t, http.StatusOK, `<html lang="fi">`, "Vastaanottajahakemisto", "Lisää asiakas", "Kirjaudu ulos")
	c.get("/directory?lang=de").wantRedirect(t, "/directory")
	c.get("/directory").want(t, http.StatusOK, `<html lang="fi">`)
	c.get("/settings?lang=en").wantRedirect(t, "/settings")
	c.get("//evil.example/?lang=en").wantRedirect(t, "/evil.example/")
	c.get("/%5Cevil.example?lang=en").wantRedirect(t, "/%5Cevil.example")
	c.get("/settings").want(t, http.StatusOK, `<html lang="en">`, "Default language of e-mails")
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	c := e.signIn(t, e.a)
	c.get("/no/such/page").want(t, http.StatusNotFound, "The page was not found.")
	c.get("/log/NOSUCHID").want(t, http.StatusNotFound, "This delivery is not in your company's log.")
	c.get("/static/").want(t, http.StatusNotFound)
	r := c.get("/static/style.css")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
