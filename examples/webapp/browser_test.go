package main

// Browser tests: a real Chromium, headless, drives the app the way a
// company's staff would. They skip, saying how to enable them, when no
// Chromium is installed.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/jakelu/jakelu/registry"
)

// chromium returns the path of a Chromium or Chrome binary, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no Chromium found: install it (apt-get install chromium) to run the browser tests")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// context for its first tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	profile, err := os.MkdirTemp("", "jakelu-webapp-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helper processes may still write to the profile for
		// a moment after the browser exits; try again before giving up.
		for range 50 {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s: %v", profile, err)
	})
	alloc, cancel := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// screenshotDir is where the screenshots go: $JAKELU_SCREENSHOTS, or a
// temporary folder. Never the repository.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("JAKELU_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// page drives one tab; its methods fail the test on any error.
type page struct {
	t           *testing.T
	ctx         context.Context
	base        string
	screenshots string
}

// open navigates to a path of the app.
func (p *page) open(path string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(p.base+path)); err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
}

// do runs actions that do not load a page.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// submit clicks the element and waits for the page it loads, which must
// have the status.
func (p *page) submit(sel string, status int64) {
	p.t.Helper()
	res, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
	if res.Status != status {
		p.t.Fatalf("click %s: status %d, want %d", sel, res.Status, status)
	}
}

// text returns the visible text of the first element the CSS selector
// matches.
func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// wantText checks that the element shows every text.
func (p *page) wantText(sel string, texts ...string) {
	p.t.Helper()
	got := p.text(sel)
	for _, s := range texts {
		if !strings.Contains(got, s) {
			p.t.Errorf("%s shows %q, which lacks %q", sel, got, s)
		}
	}
}

// count returns how many elements the CSS selector matches.
func (p *page) count(sel string) int {
	p.t.Helper()
	nodes, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		p.t.Fatalf("nodes %s: %v", sel, err)
	}
	return len(nodes)
}

// screenshot saves the whole page as a PNG.
func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(p.screenshots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// download clicks a link and returns the file the browser saved.
func (p *page) download(sel, dir string) (name string, data []byte) {
	p.t.Helper()
	begin := chromedp.BrowserEvents(p.ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(p.ctx, browser.DownloadProgress)
	p.do(chromedp.Click(chromedp.CSS(sel)))
	var guid string
	for ev, err := range begin {
		if err != nil {
			p.t.Fatal(err)
		}
		guid, name = ev.GUID, ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			p.t.Fatal(err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			p.t.Fatalf("the download of %s was cancelled", name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		p.t.Fatal(err)
	}
	return name, data
}

func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t, sqlite, nil)
	p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: screenshotDir(t)}
	files := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("log in", func(t *testing.T) {
		p.t = t
		p.open("/directory") // redirected to the sign-in page
		p.wantText("h1", "Sign in")
		p.screenshot("login")
		p.do(chromedp.SendKeys(chromedp.ID("email"), e.a.email), chromedp.SendKeys(chromedp.ID("password"), e.a.password))
		p.submit("form[action='/login'] button", 200)
		p.wantText("h1", "Directory")
		p.wantText(".company", "Kukka Oy")
	})

	t.Run("add an entry", func(t *testing.T) {
		p.t = t
		p.submit("a[href='/directory/new']", 200)
		p.do(
			chromedp.SendKeys(chromedp.ID("customer"), "00777"),
			chromedp.SendKeys(chromedp.ID("to"), "laskut@selain.example reskontra@selain.example"),
			chromedp.SendKeys(chromedp.ID("cc"), "kopio@selain.example"),
			chromedp.SetValue(chromedp.ID("language"), "sv"),
		)
		p.submit("form button.primary", 200)
		p.wantText(".alert.success", "Customer 00777 was added.")
		p.wantText("table.data tbody", "00777", "reskontra@selain.example", "kopio@selain.example", "Swedish")
	})

	t.Run("a wrong address is shown next to its field", func(t *testing.T) {
		p.t = t
		p.open("/directory/new")
		p.do(chromedp.SendKeys(chromedp.ID("customer"), "00888"), chromedp.SendKeys(chromedp.ID("to"), "laskut@selain"))
		p.submit("form button.primary", 422)
		p.wantText("#to-error", "“laskut@selain” is not a valid e-mail address: the domain after the @ has no dot.")
		p.screenshot("entry-error")
	})

	t.Run("search", func(t *testing.T) {
		p.t = t
		e.put(t, e.a, directoryEntry)
		p.open("/directory")
		p.wantText(".count", "2 customers")
		p.do(chromedp.SendKeys(chromedp.ID("q"), "SELAIN"))
		p.submit("form.search button", 200)
		p.wantText(".count", "1 customer matches “SELAIN”")
		p.wantText("table.data tbody", "00777")
		if n := p.count("table.data tbody tr"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})

	t.Run("edit", func(t *testing.T) {
		p.t = t
		p.submit("a[href^='/directory/edit?cn=00777']", 200) // the link keeps the search
		p.wantText("h1", "Edit customer 00777")
		p.do(chromedp.SetValue(chromedp.ID("to"), "uusi@selain.example"))
		p.submit("form button.primary", 200)
		p.wantText(".alert.success", "Customer 00777 was saved.")
		p.wantText("table.data tbody", "uusi@selain.example")
	})

	t.Run("delete", func(t *testing.T) {
		p.t = t
		p.submit("a[href^='/directory/delete?cn=00777']", 200)
		p.wantText("h1", "Delete customer 00777?")
		p.submit("button.danger", 200)
		p.wantText(".alert.success", "Customer 00777 was deleted.")
		p.wantText(".count", "0 customers match “SELAIN”") // back to the same search
		p.open("/directory")
		p.wantText(".count", "1 customer")
	})

	t.Run("download both templates", func(t *testing.T) {
		p.t = t
		dir := t.TempDir()
		enabled := true
		if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled,
		}); err != nil {
			t.Fatal(err)
		}
		p.open("/import")
		p.screenshot("import")
		name, data := p.download("#template-csv", dir)
		if name != "jakelu-template-en.csv" || !bytes.Contains(data, []byte("Customer number,E-mail")) {
			t.Errorf("CSV template %s: %q", name, data)
		}
		name, data = p.download("#template-xlsx", dir)
		if name != "jakelu-template-en.xlsx" || !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			t.Errorf("XLSX template %s is not a workbook (%d bytes)", name, len(data))
		}
	})

	t.Run("import a file with errors", func(t *testing.T) {
		p.t = t
		bad := write("asiakkaat.csv", "Asiakasnumero;Sähköposti;Kopio\n"+
			"10202;laskut@vasatradgard.example, reskontra@bokforing.example\n"+
			"30001;\n"+
			";orpo@kemin-kukka.example\n"+
			"40404;info@lapin-ruusu;kopio@lapin-ruusu.example\n"+
			"30001;ostolaskut@kemin-kukka.example\n"+
			"50505;ok@esimerkki.example kaksi@@esimerkki.example\n")
		p.open("/import")
		p.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{bad}))
		p.submit("form[action='/import'] button.primary", 200)
		p.wantText("h1", "The file cannot be imported")
		p.wantText(".alert.error", "Nothing was imported.")
		p.wantText(".count", "6 problems")
		if n := p.count("table.problems tbody tr"); n != 6 {
			t.Errorf("%d rows in the error table, want 6", n)
		}
		p.wantText("table.problems",
			"Extra comma between two addresses",
			"The e-mail address is missing.",
			"The customer number is missing.",
			"“info@lapin-ruusu” is not a valid e-mail address",
			"Customer number “30001” is also on row 3.",
			"“kaksi@@esimerkki.example” is not a valid e-mail address")
		p.screenshot("import-errors")
		// The language switch keeps the page and its problems.
		p.submit("a[hreflang=sv]", 200)
		p.wantText("h1", "Filen kan inte importeras")
		p.wantText("table.problems", "Extra kommatecken mellan två adresser")
		p.submit("a[hreflang=en]", 200)
		p.wantText("h1", "The file cannot be imported")
		if got := e.entries(t, e.a); len(got) != 1 {
			t.Errorf("the directory changed: %v", got)
		}
	})

	t.Run("import a good file via the preview", func(t *testing.T) {
		p.t = t
		good, err := filepath.Abs("../quickstart/directory.csv")
		if err != nil {
			t.Fatal(err)
		}
		p.open("/import")
		p.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}))
		p.submit("form[action='/import'] button.primary", 200)
		p.wantText("h1", "Check the changes")
		p.wantText(".summary", "2\nNew", "1\nChanged", "0\nUnchanged")
		p.screenshot("import-preview")
		p.submit("form.confirm button.primary", 200)
		p.wantText("h1", "Import complete")
		p.wantText(".alert.success", "2 added, 1 changed, 0 unchanged, 0 deleted.")
		// The language switch keeps the result.
		p.submit("a[hreflang=sv]", 200)
		p.wantText(".alert.success", "2 tillagda, 1 ändrade, 0 oförändrade, 0 borttagna.")
		p.submit("a[hreflang=en]", 200)
		p.wantText("h1", "Import complete")
		if got := e.entries(t, e.a); len(got) != 3 {
			t.Errorf("%d entries after the import, want 3", len(got))
		}
		p.submit("a[href='/directory']", 200)
		for i := range 12 { // enough entries to look like a directory in the screenshot
			e.put(t, e.a, directoryEntryN(i))
		}
		p.open("/directory")
		p.screenshot("directory")
	})

	t.Run("send a document and read its explanation", func(t *testing.T) {
		p.t = t
		p.open("/settings")
		p.do(
			chromedp.Click(chromedp.CSS("input[name=enabled]")),
			chromedp.Click(chromedp.CSS("input[name=document-address]")),
			chromedp.Click(chromedp.CSS("input[name=precedence][value=directory]")),
		)
		p.submit("form[action='/settings'] button.primary", 200)
		p.wantText(".alert.success", "The settings were saved.")
		p.screenshot("settings")

		doc, err := filepath.Abs(creditNote)
		if err != nil {
			t.Fatal(err)
		}
		p.open("/send")
		p.do(chromedp.SetUploadFiles(chromedp.ID("document"), []string{doc}))
		p.submit("form[action='/send'] button.primary", 200)
		p.wantText("h1", "Who receives document HL-2026-0042")
		p.wantText(".explanation", "The document gives no usable e-mail address.",
			"Customer number 10202 is in the recipient directory: laskut@vasatradgard.example, reskontra@bokforing.example; copy to ekonomi@vasatradgard.example.",
			"The document is sent to the addresses in the recipient directory.")
		p.screenshot("send-plan")
		p.submit("form[action='/send/confirm'] button", 200)
		p.wantText("h1", "Document HL-2026-0042")
		p.wantText(".badge.large", "Queued")
		// The workers start now; the page refreshes itself until delivered.
		e.start(t)
		p.waitText(".badge.large", "Delivered")
		p.wantText("table.data", "laskut@vasatradgard.example", "ekonomi@vasatradgard.example", "Delivered")
		p.wantText(".explanation", "Customer number 10202 is in the recipient directory")
		p.screenshot("delivery")
		if n := len(e.sent.Messages()); n != 3 {
			t.Errorf("%d transactions, want 3 (one per recipient)", n)
		}

		// The log lists it in the reader's language.
		p.open("/log?lang=fi")
		p.wantText("table.log", "HL-2026-0042", "10202", "Vasa Trädgård Ab", "Toimitettu")
		p.screenshot("log-fi")
	})
}

// directoryEntryN is an entry for the directory screenshot.
func directoryEntryN(i int) registry.Entry {
	names := []string{"kukkakauppa", "puutarha", "rautakauppa", "leipomo", "apteekki", "kirjasto"}
	n := names[i%len(names)]
	e := registry.Entry{CustomerNumber: fmt.Sprintf("5%04d", 100+i*7), To: []string{"laskut@" + n + ".example"}}
	if i%3 == 0 {
		e.To = append(e.To, "reskontra@"+n+".example")
	}
	if i%4 == 1 {
		e.Cc = []string{"talous@" + n + ".example"}
	}
	if i%5 == 2 {
		e.Language = "sv"
	}
	return e
}
