package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/jakelu/jakelu/registry"
)

// TestBrowserDirectoryFinnish drives the directory, the add form and the
// import in Finnish in a real browser: names, sorting by a column header,
// paging with the position, several customer numbers in one add with each
// problem named, the import page and a preview, which the language switch
// keeps. It saves the screenshots
// fi-directory*, fi-entry-add*, fi-import and fi-import-preview.
func TestBrowserDirectoryFinnish(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t, sqlite, nil)
	p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: screenshotDir(t)}
	d := companyData{st: e.app.st, companyID: e.a.company.ID}
	companies := []string{"Kukkakauppa Orvokki Oy", "Puutarha Pihlaja Ky", "Rautakauppa Kirves Oy", "Leipomo Limppu Oy", "Apteekki Ahde", "Kirjasto Kaisa"}
	var entries []registry.Entry
	for i := range 120 {
		en := directoryEntryN(i)
		if i%9 == 4 {
			en.Profile = registry.ProfileScan
		}
		entries = append(entries, en)
		if i%2 == 0 {
			if err := d.rememberCustomer(t.Context(), en.CustomerNumber, companies[i%len(companies)]); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.put(t, e.a, entries...)

	t.Run("sign in", func(t *testing.T) {
		p.t = t
		p.open("/login?lang=fi")
		p.do(chromedp.SendKeys(chromedp.ID("email"), e.a.email), chromedp.SendKeys(chromedp.ID("password"), e.a.password))
		p.submit("form[action='/login'] button", 200)
		p.wantText("h1", "Vastaanottajahakemisto")
	})

	t.Run("list, sort and page", func(t *testing.T) {
		p.t = t
		p.wantText(".count", "120 asiakasta", "1–50 / 120")
		p.wantText("table.data tbody", "Kukkakauppa Orvokki Oy", "Skannauspalvelu")
		p.screenshot("fi-directory")
		p.submit("th[aria-sort] a[href*='sort=-updated']", 200)
		p.wantText("table.data thead", "PÄIVITETTY ↓") // the headers are in capitals by CSS
		p.submit("a[rel=next]", 200)
		p.wantText(".pager", "51–100 / 120", "Edellinen sivu", "Seuraava sivu")
		p.screenshot("fi-directory-sorted-page2")
		p.submit("a[rel=prev]", 200)
		p.wantText(".pager", "1–50 / 120")
	})

	t.Run("add several customer numbers", func(t *testing.T) {
		p.t = t
		p.open("/directory/new")
		p.wantText("h1", "Lisää asiakas")
		p.do(
			chromedp.SendKeys(chromedp.ID("customer"), "60001, 60002\n"+entries[0].CustomerNumber),
			chromedp.SendKeys(chromedp.ID("to"), "laskut@kukkatalo.example"),
			chromedp.SetValue(chromedp.ID("profile"), "scan"),
		)
		p.screenshot("fi-entry-add")
		p.submit("form button.primary", 422)
		p.wantText("#customer-error", entries[0].CustomerNumber+": on jo vastaanottajahakemistossa.")
		p.screenshot("fi-entry-add-errors")
		p.do(chromedp.SetValue(chromedp.ID("customer"), "60001, 60002\n60003"))
		p.submit("form button.primary", 200)
		p.wantText(".alert.success", "3 asiakasta lisättiin.")
		p.wantText(".count", "123 asiakasta")
	})

	t.Run("import and preview", func(t *testing.T) {
		p.t = t
		p.open("/import")
		p.wantText("h1", "Tuo asiakkaita")
		p.wantText("#template-csv", "Lataa CSV-malli")
		p.screenshot("fi-import")
		var b strings.Builder
		b.WriteString("Asiakasnumero;Sähköposti;Kopio\n")
		for i := range 8 {
			en := entries[i]
			if i%2 == 0 {
				b.WriteString(en.CustomerNumber + ";uusi" + fmt.Sprint(i) + "@asiakas.example;\n")
			} else {
				b.WriteString(en.CustomerNumber + ";" + strings.Join(en.To, " ") + ";" + strings.Join(en.Cc, " ") + "\n")
			}
		}
		b.WriteString("70001;laskut@uusiasiakas.example;\n70002;ostolaskut@toinen.example;kirjanpito@toinen.example\n")
		path := filepath.Join(t.TempDir(), "asiakkaat.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		p.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}))
		p.submit("form[action='/import'] button.primary", 200)
		p.wantText("h1", "Tarkista muutokset")
		p.wantText(".summary", "2\nUudet", "4\nMuuttuvat")
		p.screenshot("fi-import-preview")
		// The language switch keeps the preview.
		p.submit("a[hreflang=sv]", 200)
		p.wantText("h1", "Kontrollera ändringarna")
		p.wantText(".summary", "2\n", "4\n")
		p.submit("a[hreflang=fi]", 200)
		p.wantText("h1", "Tarkista muutokset")
	})
}
