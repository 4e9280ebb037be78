package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/jakelu/jakelu/registry"
)

// TestBrowserUsers drives the users, account and audit trail pages in
// Finnish: an admin invites a clerk, the clerk accepts and cannot open the
// settings, the admin changes a customer's address and reads the change
// in the audit trail. It saves Finnish screenshots of the three pages.
func TestBrowserUsers(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t, sqlite, nil)
	e.put(t, e.a, registry.Entry{CustomerNumber: "1001", To: []string{"vanha@asiakas.example"}})
	p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: screenshotDir(t)}
	signIn := func(email, password string) {
		p.t.Helper()
		p.open("/login")
		p.do(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
		p.submit("form[action='/login'] button", 200)
	}
	signOut := func() {
		p.t.Helper()
		p.submit("button.signout", 200)
		p.wantText("h1", "Kirjaudu")
	}

	var link string
	t.Run("invite", func(t *testing.T) {
		p.t = t
		p.open("/login?lang=fi")
		signIn(e.a.email, e.a.password)
		p.submit("a[href='/users']", 200)
		p.wantText("h1", "Käyttäjät")
		p.do(chromedp.SendKeys(chromedp.ID("invite-email"), "kalle@kukka.example"))
		p.submit("form[action='/users/invite'] button", 200)
		p.wantText(".link-made", "Kutsulinkki käyttäjälle kalle@kukka.example", "Se toimii kerran")
		v, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.ID("link")))
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		link = u.Path
		p.wantText("table.data.compact", "kalle@kukka.example", "Käsittelijä", e.a.email)
		p.screenshot("users-fi")
		signOut()
	})

	t.Run("accept; the clerk cannot open the settings", func(t *testing.T) {
		p.t = t
		if link == "" {
			t.Skip("no invitation")
		}
		p.open(link)
		p.wantText("h1", "Valitse salasanasi")
		p.wantText(".lead", "Kukka Oy")
		p.screenshot("invite-fi")
		p.do(chromedp.SendKeys(chromedp.ID("password"), clerkPassword), chromedp.SendKeys(chromedp.ID("confirm"), clerkPassword))
		p.submit("form button.primary", 200)
		p.wantText(".user", "kalle@kukka.example")
		if n := p.count("nav.menu a[href='/settings']"); n != 0 {
			t.Error("the clerk's menu has Settings")
		}
		for _, path := range []string{"/settings", "/users", "/audit"} {
			p.open(path)
			p.wantText(".alert.error", "Tämä sivu on yrityksesi pääkäyttäjille.")
		}
		p.screenshot("clerk-forbidden-fi")
		signOut()
		// The link worked once.
		p.open(link)
		p.wantText(".alert.error", "Linkki on jo käytetty tai vanhentunut.")
	})

	t.Run("the audit trail shows an address change", func(t *testing.T) {
		p.t = t
		e.clock.Advance(time.Minute) // the test clock stands still otherwise
		signIn(e.a.email, e.a.password)
		p.open("/directory/edit?cn=1001")
		p.do(chromedp.SetValue(chromedp.ID("to"), "uusi@asiakas.example"))
		p.submit("form button.primary", 200)
		p.submit("a[href='/audit']", 200)
		p.wantText("h1", "Muutoshistoria")
		p.wantText("table.audit tbody tr:first-child", "Asiakasta muutettu", "1001", e.a.email,
			"Sähköpostiosoitteet", "vanha@asiakas.example", "uusi@asiakas.example")
		p.wantText("table.audit tbody tr:first-child del.old", "vanha@asiakas.example")
		p.wantText("table.audit tbody tr:first-child ins.new", "uusi@asiakas.example")
		p.wantText("table.audit", "Kutsu hyväksytty", "Käyttäjä kutsuttu")
		p.screenshot("audit-fi")
	})

	t.Run("account", func(t *testing.T) {
		p.t = t
		p.submit("a.user", 200)
		p.wantText("h1", "Oma tili")
		p.wantText("table.data", "tämä selain", "Chrome")
		p.screenshot("account-fi")
	})
}
