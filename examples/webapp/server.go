package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
)

//go:embed templates static
var files embed.FS

// Default upload limits.
const (
	defaultMaxImportSize   = 32 << 20 // an import file: some 500,000 customers as CSV
	defaultMaxDocumentSize = 20 << 20 // a document: larger ones could not be mailed anyway
	// formLimit bounds the body of a form without a file.
	formLimit = 256 << 10
	// formOverhead is what a multipart body may hold besides its file.
	formOverhead = 64 << 10
)

// Sign-in throttling: failures an account may have on one client, and a
// client on all accounts, before each further try waits a growing delay;
// the longest delay; and how long a client must stay without failures to
// start over.
const (
	accountFailures = 3
	addressFailures = 20
	maxSignInDelay  = 15 * time.Minute
	forgetFailures  = 24 * time.Hour
)

// config is what the app is built from; main fills it from flags and the
// environment, tests from their fixtures.
type config struct {
	DB        *sql.DB
	Dialect   sqlregistry.Dialect
	Transport transport.Transport
	// From is the operator's address every e-mail is sent from.
	From string
	// SecureCookies marks cookies Secure even on plain HTTP requests, for
	// an app behind a proxy that terminates TLS. Requests that arrive over
	// TLS always get Secure cookies.
	SecureCookies bool
	// MaxImportSize and MaxDocumentSize bound uploads, in bytes; 0 means
	// the defaults.
	MaxImportSize, MaxDocumentSize int64
	// Hash sets the cost of password hashes; zero means defaultHashParams.
	Hash hashParams
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives errors and the router's records; nil discards.
	Logger *slog.Logger

	// Outbox configures the outbox's workers (schedule, workers, job
	// timeout, poll interval); the app sets Transport (Transport, when it
	// is a transport.RawSender), VERP and OnChange itself.
	Outbox riveroutbox.Options
	// VERP, when set, gives every recipient's transaction a VERP envelope
	// sender, so that bounces can be matched (needed by BounceAddr).
	VERP *bounce.VERP
	// BounceAddr, when set, is the host:port the bounce receiver listens
	// on (Start).
	BounceAddr string
	// ReconcileEvery is how often the log rows that may still change are
	// read back from the outbox; 0 means 3 s.
	ReconcileEvery time.Duration
}

// app is the web app: its storage, its pages and its sign-in limits. It is
// safe for concurrent use.
type app struct {
	cfg      config
	st       *store
	pages    map[string]*template.Template
	decoders []importer.Decoder

	accountLimit, addressLimit *throttle     // failed sign-ins per account on a client, and per client
	hashSlots                  chan struct{} // bounds the memory sign-ins take at once
	importReads                chan struct{} // bounds the memory import files being read take at once
	dummyHash                  string        // checked for unknown accounts, so they take as long
	secret                     []byte        // the key of the pre-sessions' CSRF tokens, shared through the database

	mail *mailer // the outbox

	mu   sync.Mutex
	dirs map[string]*sqlregistry.Registry // each company's directory, by company ID

	stopPurge func() // ends the goroutine that removes expired rows
}

// purgeEvery is how often expired sessions and uploads (with the parts of
// import files) are removed, besides at each upload and sign-in.
const purgeEvery = 5 * time.Minute

// newApp prepares the database (creating or upgrading the tables) and
// returns the app. Close it when done.
func newApp(ctx context.Context, cfg config) (*app, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxImportSize == 0 {
		cfg.MaxImportSize = defaultMaxImportSize
	}
	if cfg.MaxDocumentSize == 0 {
		cfg.MaxDocumentSize = defaultMaxDocumentSize
	}
	if cfg.Hash == (hashParams{}) {
		cfg.Hash = defaultHashParams
	}
	if _, err := address.Parse(cfg.From); err != nil {
		return nil, fmt.Errorf("the sender address %q: %w", cfg.From, err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	a := &app{
		cfg:          cfg,
		st:           &store{db: cfg.DB, dialect: cfg.Dialect, now: cfg.Now},
		pages:        pages,
		decoders:     []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)},
		accountLimit: newThrottle(accountFailures, maxSignInDelay, forgetFailures),
		addressLimit: newThrottle(addressFailures, maxSignInDelay, forgetFailures),
		hashSlots:    make(chan struct{}, runtime.GOMAXPROCS(0)),
		importReads:  make(chan struct{}, maxImportReads),
		dummyHash:    hashPassword("", cfg.Hash),
		dirs:         make(map[string]*sqlregistry.Registry),
	}
	if err := a.st.migrate(ctx); err != nil {
		return nil, fmt.Errorf("preparing the database: %w", err)
	}
	if a.secret, err = a.st.secret(ctx, "pre-session"); err != nil {
		return nil, fmt.Errorf("reading the app's secret: %w", err)
	}
	if err := a.openMailer(ctx); err != nil {
		return nil, err
	}
	a.stopPurge = a.purgeExpired(purgeEvery)
	return a, nil
}

// purgeExpired removes expired rows every interval until the returned
// function is called, which waits for the goroutine to end.
func (a *app) purgeExpired(interval time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := a.st.purge(ctx); err != nil && ctx.Err() == nil {
					a.cfg.Logger.Error("removing expired sessions and uploads", "err", err)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// Close stops removing expired rows, the outbox's workers and the bounce
// receiver (see Start), and releases the companies' directories. It does
// not close the database.
func (a *app) Close() error {
	if a.stopPurge != nil {
		a.stopPurge()
	}
	errs := []error{a.stopMailer()}
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, d := range a.dirs {
		errs = append(errs, d.Close())
		delete(a.dirs, id)
	}
	return errors.Join(errs...)
}

// directory returns the recipient directory of a company: a sqlregistry
// Registry whose tenant is the company ID, made once and kept.
func (a *app) directory(ctx context.Context, companyID string) (*sqlregistry.Registry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if d, ok := a.dirs[companyID]; ok {
		return d, nil
	}
	d, err := sqlregistry.New(ctx, a.cfg.DB, a.cfg.Dialect, companyID, nil)
	if err != nil {
		return nil, err
	}
	a.dirs[companyID] = d
	return d, nil
}

// router returns the distribution router of a company's request: the
// company's directory and stored settings, the app's transport and sender.
func (a *app) router(ctx context.Context, sc *scope) (*distribution.Router, error) {
	s, err := sc.data.settings(ctx)
	if err != nil {
		return nil, err
	}
	s.Company, s.From = sc.session.Company.ID, a.cfg.From
	return distribution.NewRouter(sc.dir, a.cfg.Transport, s, &distribution.Options{
		Parse:        &docparse.Options{MaxSize: a.cfg.MaxDocumentSize},
		Logger:       a.cfg.Logger,
		Outbox:       a.mail.ob,
		Suppressions: a.mail.suppr,
	})
}

// scope is everything a signed-in request may use: the user's session and
// the services of the user's company, already bound to it. It is built in
// one place, signedIn, from the session cookie alone; handlers never take a
// company from the request, so another company's data is out of reach and
// looks like it does not exist (404).
type scope struct {
	lang    string
	session session
	dir     *sqlregistry.Registry // the company's recipient directory
	data    companyData           // the company's settings, log and uploads
}

// admin reports whether the signed-in user is an admin of the company.
func (sc *scope) admin() bool { return sc.session.Role == roleAdmin }

// audit adds an entry by the signed-in user to the company's audit trail.
func (sc *scope) audit(ctx context.Context, action, subject string, before, after any) error {
	return sc.data.audit(ctx, sc.session.Email, action, subject, before, after)
}

// scopedHandler is a handler for signed-in users.
type scopedHandler func(w http.ResponseWriter, r *http.Request, sc *scope)

// admin lets only the company's admins through to h; a clerk gets 403 and
// a page saying the page is for admins.
func (a *app) admin(h scopedHandler) scopedHandler {
	return func(w http.ResponseWriter, r *http.Request, sc *scope) {
		if !sc.admin() {
			a.fail(w, r, sc, http.StatusForbidden, "error.adminOnly")
			return
		}
		h(w, r, sc)
	}
}

// Handler returns the app's HTTP handler.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/{file}", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", a.loginPage)
	mux.HandleFunc("POST /login", a.login)

	page := func(pattern string, h scopedHandler) { mux.Handle(pattern, a.signedIn(h)) }
	form := func(pattern string, limit int64, h scopedHandler) { mux.Handle(pattern, a.signedIn(a.form(limit, h))) }
	page("GET /{$}", func(w http.ResponseWriter, r *http.Request, _ *scope) {
		http.Redirect(w, r, "/directory", http.StatusSeeOther)
	})
	form("POST /logout", formLimit, a.logout)

	page("GET /directory", a.listEntries)
	page("GET /directory/new", a.newEntryPage)
	form("POST /directory/new", formLimit, a.addEntry)
	page("GET /directory/edit", a.editEntryPage)
	form("POST /directory/edit", formLimit, a.editEntry)
	page("GET /directory/delete", a.deleteEntryPage)
	form("POST /directory/delete", formLimit, a.deleteEntry)
	page("GET /directory/export/{format}", a.export)

	page("GET /import", a.importPage)
	page("GET /import/template/{format}", a.template)
	form("POST /import", a.cfg.MaxImportSize, a.importUpload)
	page("GET /import/preview/{id}", a.importPreview)
	page("GET /import/problems/{id}", a.importProblems)
	page("GET /import/done/{id}", a.importDone)
	form("POST /import/confirm", formLimit, a.importConfirm)
	form("POST /import/cancel", formLimit, a.importCancel)

	page("GET /send", a.sendPage)
	form("POST /send", a.cfg.MaxDocumentSize, a.sendUpload)
	page("GET /send/plan/{id}", a.planView)
	form("POST /send/confirm", formLimit, a.sendConfirm)
	page("GET /log", a.logPage)
	page("GET /log/export.csv", a.logExport)
	form("POST /log/{id}/handled", formLimit, a.markHandled)
	page("GET /log/{id}", a.deliveryPage)
	form("POST /log/{id}/resend", formLimit, a.resendFailed)
	form("POST /log/{id}/release", formLimit, a.deliveryAction("delivery.release", a.releaseRecipient))
	form("POST /log/{id}/dismiss", formLimit, a.deliveryAction("delivery.dismiss", a.dismissRecipient))
	form("POST /log/{id}/cancel", formLimit, a.deliveryAction("delivery.cancel", a.cancelDelivery))
	page("GET /suppressions", a.suppressionsPage)
	form("POST /suppressions/remove", formLimit, a.removeSuppression)

	page("GET /settings", a.admin(a.settingsPage))
	form("POST /settings", formLimit, a.admin(a.saveSettings))

	page("GET /users", a.admin(a.usersPage))
	form("POST /users/invite", formLimit, a.admin(a.inviteUser))
	form("POST /users/invite/cancel", formLimit, a.admin(a.cancelInvite))
	form("POST /users/role", formLimit, a.admin(a.changeRole))
	page("GET /users/remove", a.admin(a.removeUserPage))
	form("POST /users/remove", formLimit, a.admin(a.removeUser))
	form("POST /users/reset", formLimit, a.admin(a.resetLink))
	mux.HandleFunc("GET /invite/{token}", a.linkPage(tokenInvite))
	mux.HandleFunc("POST /invite/{token}", a.redeemLink(tokenInvite))
	mux.HandleFunc("GET /reset/{token}", a.linkPage(tokenReset))
	mux.HandleFunc("POST /reset/{token}", a.redeemLink(tokenReset))

	page("GET /account", a.accountPage)
	form("POST /account/password", formLimit, a.changePassword)
	form("POST /account/sessions/revoke", formLimit, a.revokeSession)
	form("POST /account/signout-everywhere", formLimit, a.signOutEverywhere)

	page("GET /audit", a.admin(a.auditPage))
	page("GET /audit/export", a.admin(a.auditExport))

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, nil, http.StatusNotFound, "error.notFound")
	})
	return secure(a.hsts(a.switchLanguage(mux)))
}

// hsts tells browsers that reached the app over TLS to use only HTTPS for
// it from now on (Strict-Transport-Security, for a year). Plain HTTP
// responses do not carry it, as browsers ignore it there.
func (a *app) hsts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.overTLS(r) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// secure sets the security headers of every response: a Content Security
// Policy that allows no script at all (the app needs none), no framing, no
// MIME sniffing, no referrer to other sites, and no caching of pages that
// hold company data.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// switchLanguage implements the language switch: a GET with ?lang=fi (sv,
// en) stores the choice in a cookie and redirects to the same page without
// the parameter, so the switch works on every page without JavaScript.
func (a *app) switchLanguage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := r.URL.Query().Get("lang")
		if r.Method != http.MethodGet || lang == "" {
			h.ServeHTTP(w, r)
			return
		}
		if _, ok := texts[lang]; ok {
			http.SetCookie(w, a.cookie(r, langCookie, lang, "/", 365*24*time.Hour))
		}
		q := r.URL.Query()
		q.Del("lang")
		// One leading slash, so that "//host/" cannot redirect off the site.
		target := "/" + strings.TrimLeft(r.URL.EscapedPath(), "/")
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// sessionCookie holds a signed-in browser's session token.
const sessionCookie = "jakelu_session"

// signedIn resolves the session cookie to the user's company and hands h
// the company's scope. It is the one place that decides which company a
// request acts for. Without a live session it redirects to the sign-in page.
func (a *app) signedIn(h scopedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		ss, err := a.st.session(r.Context(), c.Value)
		if errors.Is(err, errNotFound) {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
			return
		}
		if now := a.cfg.Now(); now.Sub(ss.LastSeen) >= time.Minute {
			if err := a.st.touch(r.Context(), ss.ID); err != nil {
				a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
				return
			}
		}
		sc := &scope{lang: requestLanguage(r), session: ss,
			data: companyData{st: a.st, companyID: ss.Company.ID, sessionID: ss.ID}}
		if sc.dir, err = a.directory(r.Context(), ss.Company.ID); err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		h(w, r, sc)
	})
}

// form reads the body of a POST, at most limit bytes of file plus the
// fields, and checks the session's CSRF token before calling h. An oversized
// body gets 413 with a message naming the limit; a missing or wrong token
// 403, and h is not called.
func (a *app) form(limit int64, h scopedHandler) scopedHandler {
	return func(w http.ResponseWriter, r *http.Request, sc *scope) {
		r.Body = http.MaxBytesReader(w, r.Body, limit+formOverhead)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			// Files beyond formOverhead go to temporary files on disk,
			// which the handlers read as streams: an import file of tens
			// of megabytes is never held in memory whole.
			err = r.ParseMultipartForm(formOverhead)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		} else {
			err = r.ParseForm()
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge) || fileOver(r, limit):
			a.fail(w, r, sc, http.StatusRequestEntityTooLarge, "error.tooLarge", formatSize(sc.lang, limit))
		case err != nil:
			a.fail(w, r, sc, http.StatusBadRequest, "error.badRequest")
		case !tokenMatches(r.PostFormValue("csrf"), sc.session.CSRF):
			a.fail(w, r, sc, http.StatusForbidden, "error.csrf")
		default:
			h(w, r, sc)
		}
	}
}

// fileOver reports whether a file in a multipart form is larger than limit.
func fileOver(r *http.Request, limit int64) bool {
	if r.MultipartForm == nil {
		return false
	}
	for _, fhs := range r.MultipartForm.File {
		for _, fh := range fhs {
			if fh.Size > limit {
				return true
			}
		}
	}
	return false
}

// tokenMatches compares a token from a form with the expected one in
// constant time; an empty token never matches.
func tokenMatches(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// view is what every page template is executed with.
type view struct {
	Lang    string
	Title   string
	Nav     string // the active menu item
	User    string // "" on the sign-in page
	Company string
	CSRF    string
	Admin   bool // the user is an admin: the admin's menu items are shown
	Refresh int  // seconds after which the page reloads itself; 0 never
	Page    any  // the page's own data
}

// T returns the UI text for key in the page's language.
func (v *view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// N returns the text for key with the count n in front of args, using the
// singular text (key+".one") when n is 1.
func (v *view) N(key string, n int, args ...any) string {
	if n == 1 {
		return translate(v.Lang, key+".one", args...)
	}
	return translate(v.Lang, key, append([]any{n}, args...)...)
}

// Time formats a date and time for the page's language.
func (v *view) Time(t time.Time) string { return formatTime(v.Lang, t, true) }

// Date formats the date of t for the page's language.
func (v *view) Date(t time.Time) string { return formatTime(v.Lang, t, false) }

// Languages lists the languages of the UI and of e-mails.
func (v *view) Languages() []string { return languages }

// NativeName returns a language's name in itself, for the language switch.
func (v *view) NativeName(lang string) string { return translate(lang, "language.name") }

// LanguageName returns a language's name in the page's language, or the
// code itself for a language the app does not know.
func (v *view) LanguageName(lang string) string {
	if _, ok := texts[lang]; !ok {
		return lang
	}
	return v.T("lang." + lang)
}

// Sub returns the view with other page data, for a template that renders
// a part of the page.
func (v *view) Sub(page any) *view {
	c := *v
	c.Page = page
	return &c
}

// parsePages parses every page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"join": strings.Join, "list": func(s ...string) []string { return s }}
	pages := make(map[string]*template.Template)
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", name)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page with the status. sc is nil on the sign-in page.
// The page is rendered into memory first, so that a template error gives a
// clean 500 rather than half a page.
func (a *app) render(w http.ResponseWriter, r *http.Request, sc *scope, status int, name string, v *view) {
	if sc != nil {
		v.Lang, v.User, v.Company, v.CSRF, v.Admin = sc.lang, sc.session.Email, sc.session.Company.Name, sc.session.CSRF, sc.admin()
	} else if v.Lang == "" {
		v.Lang = requestLanguage(r)
	}
	var buf bytes.Buffer
	if err := a.pages[name].Execute(&buf, v); err != nil {
		a.cfg.Logger.Error("rendering a page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	Message string
	Back    string // where "Go back" leads
}

// fail shows the error page with a message (a text key and its arguments)
// and the status. An error among args is logged, not shown: only 500s carry
// one, and their details are for the operator.
func (a *app) fail(w http.ResponseWriter, r *http.Request, sc *scope, status int, key string, args ...any) {
	var shown []any
	for _, arg := range args {
		if err, ok := arg.(error); ok {
			a.cfg.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			continue
		}
		shown = append(shown, arg)
	}
	lang := requestLanguage(r)
	if sc != nil {
		lang = sc.lang
	}
	// "Go back" leads to the section the request was in.
	section, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	back := "/" + section
	if status == http.StatusNotFound {
		back = "/"
	}
	a.render(w, r, sc, status, "error.html", &view{Lang: lang, Title: translate(lang, "error.title"),
		Page: errorPage{Message: translate(lang, key, shown...), Back: back}})
}
