package main

// Browser tests of sending through the outbox: the document page follows
// the outbox by refreshing itself (a meta refresh, no script).

import (
	"context"
	"net/smtp"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	jsmtp "github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// waitText waits until the element shows the text, while the page reloads
// itself; a generous watchdog fails the test when it never does.
func (p *page) waitText(sel, text string) {
	p.t.Helper()
	watchdog := time.Now().Add(90 * time.Second)
	last := ""
	for time.Now().Before(watchdog) {
		ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			if strings.Contains(s, text) {
				return
			}
			last = s
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s never showed %q (last %q)", sel, text, last)
}

// signInBrowser signs the browser in as acc, in Finnish.
func (p *page) signInBrowser(acc account) {
	p.t.Helper()
	p.open("/login?lang=fi")
	p.do(chromedp.SendKeys(chromedp.ID("email"), acc.email), chromedp.SendKeys(chromedp.ID("password"), acc.password))
	p.submit("form[action='/login'] button", 200)
}

// sendDocument sends a document through the browser's send pages; status
// is the status of the page Send leads to.
func (p *page) sendDocument(path string, status int64) {
	p.t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		p.t.Fatal(err)
	}
	p.open("/send")
	p.do(chromedp.SetUploadFiles(chromedp.ID("document"), []string{abs}))
	p.submit("form[action='/send'] button.primary", 200)
	p.submit("form[action='/send/confirm'] button", status)
}

// TestBrowserOutbox follows documents through the outbox in a browser, in
// Finnish: the document page refreshes itself while sending is under way.
func TestBrowserOutbox(t *testing.T) {
	ctx := newBrowser(t)
	shots := screenshotDir(t)
	const to, cc = "laskut@asiakas.example", "kopio@asiakas.example"
	setup := func(t *testing.T, outcomes map[string]transport.Outcome) (*env, *page, *switchable) {
		sw := newSwitchable(outcomes)
		e := newEnv(t, sqlite, func(c *config) { c.Transport = &transporttest.Recorder{Outcome: sw.outcome} })
		e.put(t, e.a, directoryEntry)
		enable(t, e.signIn(t, e.a))
		p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: shots}
		p.signInBrowser(e.a)
		e.start(t)
		return e, p, sw
	}

	t.Run("deferred, then delivered", func(t *testing.T) {
		_, p, sw := setup(t, map[string]transport.Outcome{to: transport.Deferred})
		p.sendDocument(creditNote, 200)
		p.waitText(".badge.large", "Viivästyi")
		p.wantText("table.recipients", to, "Viivästyi", "kiireinen tai pyysi yrittämään myöhemmin", cc)
		p.wantText("[role=status]", "sivu päivittyy itsestään")
		p.screenshot("document-deferred-fi")
		sw.set(to, transport.Delivered)
		p.waitText(".badge.large", "Toimitettu")
		if n := p.count("[role=status]"); n != 0 {
			t.Errorf("a delivered document's page still says it refreshes")
		}
		p.screenshot("document-delivered-fi")
	})

	t.Run("ambiguous, released", func(t *testing.T) {
		_, p, sw := setup(t, map[string]transport.Outcome{cc: transport.Ambiguous})
		p.sendDocument(creditNote, 200)
		p.waitText(".badge.large", "Epävarma")
		p.wantText("table.recipients", "ei tiedetä, menikö se perille", "Lähetä uudelleen", "Selvitetty, älä lähetä")
		p.screenshot("document-ambiguous-fi")
		sw.set(cc, transport.Delivered)
		p.submit("form[action$='/release'] button", 200)
		p.waitText(".badge.large", "Toimitettu")
		if n := sw.got(cc); n != 2 {
			t.Errorf("%s got %d transactions, want 2", cc, n)
		}
	})

	t.Run("resend to the failed only", func(t *testing.T) {
		_, p, sw := setup(t, map[string]transport.Outcome{cc: transport.Failed})
		p.sendDocument(creditNote, 200)
		p.waitText(".badge.large", "Epäonnistui")
		p.wantText("table.recipients", "Epäonnistui", "hylkäsi sähköpostin pysyvästi", "Lisätiedot")
		p.screenshot("document-failed-fi")
		sw.set(cc, transport.Delivered)
		p.submit("form[action$='/resend'] button", 200)
		p.wantText("main", "Uudelleenlähetys epäonnistuneille vastaanottajille")
		p.waitText(".badge.large", "Toimitettu")
		p.wantText("table.recipients", cc)
		if n := p.count("table.recipients tbody tr"); n != 1 {
			t.Errorf("the resend has %d recipients, want 1", n)
		}
		if sw.got(to) != 1 || sw.got(cc) != 1 {
			t.Errorf("transactions: %s %d, %s %d; want 1 each", to, sw.got(to), cc, sw.got(cc))
		}
		p.screenshot("document-resent-fi")
	})

	t.Run("duplicate warning", func(t *testing.T) {
		e, p, _ := setup(t, nil)
		p.sendDocument(creditNote, 200)
		p.waitText(".badge.large", "Toimitettu")
		p.sendDocument(creditNote, 409)
		p.wantText(".alert.warning", "Asiakirja HL-2026-0042 lähetettiin jo", to, "Lähetetäänkö silti uudelleen?")
		p.screenshot("document-duplicate-fi")
		p.submit("form[action='/send/confirm'] button", 200)
		p.waitText(".badge.large", "Toimitettu")
		if n := len(e.sent.Messages()); n != 0 {
			t.Errorf("the fixture's recorder got %d messages; the test's own should", n)
		}
	})

	t.Run("bounce marks bounced and suppressed", func(t *testing.T) {
		e, srv := smtpEnv(t, &transporttest.Script{Unknown: []string{cc}}, jsmtp.NoTLS)
		e.put(t, e.a, directoryEntry)
		enable(t, e.signIn(t, e.a))
		p := &page{t: t, ctx: ctx, base: e.srv.URL, screenshots: shots}
		p.signInBrowser(e.a)
		p.sendDocument(creditNote, 200)
		p.waitText(".badge.large", "Toimitettu")
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		bounces := srv.Bounces()
		if len(bounces) != 1 {
			t.Fatalf("%d bounces, want 1", len(bounces))
		}
		if err := smtp.SendMail(e.app.mail.bounce.ln.Addr().String(), nil, "", bounces[0].To, bounces[0].Data); err != nil {
			t.Fatal(err)
		}
		e.waitState(t, e.a, strings.TrimPrefix(loc, e.srv.URL), outbox.Bounced)
		p.open(strings.TrimPrefix(loc, e.srv.URL))
		p.wantText(".badge.large", "Palautui")
		p.wantText("table.recipients", cc, "Palautui", "Postilaatikkoa ei ole")
		p.screenshot("document-bounced-fi")
		p.open("/suppressions")
		p.wantText("table.suppressions", cc, "jätettiin pois")
		p.screenshot("suppressions-fi")
		p.submit("form[action='/suppressions/remove'] button", 200)
		p.wantText("main", "Poistettu listalta", e.a.email)
		p.screenshot("suppressions-removed-fi")
	})
}
