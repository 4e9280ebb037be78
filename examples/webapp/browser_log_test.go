package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// browserLog is the log the Deliveries browser test follows up: a month
// of a flower shop's invoices, some of which need attention.
var browserLog = []seedRow{
	{2, "2026-1041", "delivered", "10202", "Vasa Trädgård Ab", []string{"laskut@vasatradgard.example", "reskontra@bokforing.example"}},
	{3, "2026-1042", "delivered", "30001", "Kemin Kukka Oy", []string{"ostolaskut@kemin-kukka.example"}},
	{4, "2026-1043", "failed", "40404", "Lapin Ruusu Ky", []string{"info@lapin-ruusu.example"}},
	{8, "2026-1044", "bounced", "50120", "Puutarha Pihlaja", []string{"laskut@pihlaja.example"}},
	{9, "2026-1045", "delivered", "50127", "Rautakauppa Rauta-Aho", []string{"laskut@rauta-aho.example"}},
	{11, "2026-1046", "ambiguous", "50134", "Leipomo Lämmin", []string{"talous@leipomo.example"}},
	{14, "2026-1047", "deferred", "50141", "Apteekki Aalto", []string{"laskut@apteekki.example"}},
	{15, "2026-1048", "not-routed", "50148", "Kirjasto Kaari", nil},
	{16, "2026-1049", "suppressed", "50155", "Kukkakauppa Kielo", []string{"vanha@kielo.example"}},
	{17, "2026-1050", "delivered", "10202", "Vasa Trädgård Ab", []string{"laskut@vasatradgard.example", "reskontra@bokforing.example"}},
}

// TestBrowserLog follows up deliveries in Finnish in a real browser:
// filter the list by "needs attention", mark one handled, and see it
// leave the filter and show who handled it.
func TestBrowserLog(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t, sqlite, nil)
	seedLog(t, e, e.a, browserLog)
	p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: screenshotDir(t)}

	p.open("/login?lang=fi")
	p.do(chromedp.SendKeys(chromedp.ID("email"), e.a.email), chromedp.SendKeys(chromedp.ID("password"), e.a.password))
	p.submit("form[action='/login'] button", 200)

	p.open("/log")
	p.wantText("h1", "Lähetykset")
	p.wantText("nav.tabs", "Kaikki\n10", "Vaatii toimia\n4", "Toimitettu\n4", "Epäonnistui\n1")
	if n := p.count("table.log tbody tr"); n != 10 {
		t.Errorf("%d rows, want 10", n)
	}
	p.screenshot("log-all-fi")

	// Needs attention: the failed, bounced, uncertain and suppressed ones.
	p.submit("nav.tabs a.attention", 200)
	p.wantText("nav.tabs a[aria-current=page]", "Vaatii toimia")
	p.wantText("table.log tbody", "2026-1043", "2026-1044", "2026-1046", "2026-1049", "Epäonnistui", "Palautui", "Epävarma", "Estetty")
	if n := p.count("table.log tbody tr"); n != 4 {
		t.Errorf("%d rows need attention, want 4", n)
	}
	p.screenshot("log-attention-fi")

	// The list as it is filtered downloads as CSV, in Finnish.
	dir := t.TempDir()
	enabled := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled,
	}); err != nil {
		t.Fatal(err)
	}
	name, data := p.download("a[href^='/log/export.csv']", dir)
	if name != "jakelu-deliveries-2026-12-20.csv" {
		t.Errorf("downloaded %q", name)
	}
	lines := strings.Split(string(data), "\r\n")
	if len(lines) != 6 || lines[0] != "\ufeffAika;Numero;Asiakasnumero;Ostaja;Vastaanottajat;Tila;Käsittelijä;Käsittelyaika" ||
		lines[1] != "16.12.2026 12.00;2026-1049;50155;Kukkakauppa Kielo;vanha@kielo.example;Estetty;;" {
		t.Errorf("the CSV of needs attention: %q", lines)
	}

	// Search within it, then mark the bounced one handled.
	p.do(chromedp.SendKeys(chromedp.ID("q"), "pihlaja"))
	p.submit("form.log-filter button", 200)
	if n := p.count("table.log tbody tr"); n != 1 {
		t.Fatalf("%d rows for pihlaja, want 1", n)
	}
	p.wantText("table.log tbody", "2026-1044", "Puutarha Pihlaja", "laskut@pihlaja.example")
	p.submit("table.log tbody form button", 200)
	p.wantText("nav.tabs a[aria-current=page]", "Vaatii toimia\n0")
	p.wantText("p.empty", "Haulla ja rajauksilla ei löytynyt asiakirjoja.")

	// It has left "needs attention" and shows who handled it.
	p.open("/log?state=attention")
	p.wantText("nav.tabs", "Vaatii toimia\n3")
	if n := p.count("table.log tbody tr"); n != 3 {
		t.Errorf("%d rows need attention after marking, want 3", n)
	}
	p.open("/log?state=bounced")
	p.wantText("table.log tbody", "2026-1044", "Käsitellyt anna@kukka.example 20.12.2026 klo 09.00")
	p.open("/log")
	p.screenshot("log-handled-fi")

	// A date range that is not a date is explained next to its field.
	p.do(chromedp.SendKeys(chromedp.ID("from"), "31.2.2026"))
	p.submit("form.log-filter button", 422)
	p.wantText("#from-error", "31.2.2026 ei ole päivämäärä. Kirjoita se muodossa 9.1.2015 tai 2015-01-09.")
	p.screenshot("log-date-error-fi")
}
