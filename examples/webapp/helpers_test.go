package main

// Test fixtures: a database per test (a SQLite file, or a PostgreSQL schema
// that is dropped afterwards), the app with two companies on a test server,
// and an HTTP client that signs in and carries the CSRF token of the last
// page it read.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// postgresEnv names the variable holding the PostgreSQL URL for tests.
const postgresEnv = "JAKELU_TEST_POSTGRES"

// testDB is one dialect and how to get an empty database of it.
type testDB struct {
	name    string
	dialect sqlregistry.Dialect
	open    func(t testing.TB) *sql.DB
}

var testDBs = []testDB{
	{"sqlite", sqlregistry.SQLite, openSQLite},
	{"postgres", sqlregistry.Postgres, openPostgres},
}

// forEachDB runs f as a subtest per dialect, each with a database of its
// own. The PostgreSQL subtest skips, saying how to enable it, when
// JAKELU_TEST_POSTGRES is unset.
func forEachDB(t *testing.T, f func(t *testing.T, db testDB)) {
	for _, db := range testDBs {
		t.Run(db.name, func(t *testing.T) { f(t, db) })
	}
}

func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "webapp.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", postgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresSchema creates a schema of its own for the test, dropped when
// the test ends, and returns the URL of JAKELU_TEST_POSTGRES with that
// schema as the search path. It skips the test when the variable is unset.
func postgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test on PostgreSQL", postgresEnv)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	ctx := context.WithoutCancel(t.Context())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := "webapp_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create a test schema in %s: %v", postgresEnv, err)
	}
	// Registered first, so it runs after the cleanups that close the
	// connections using the schema.
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop the test schema: %v", err)
		}
		// The outbox's River tables, in a schema of their own (riveroutbox.Migrate).
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+"_jakelu_river CASCADE"); err != nil {
			t.Errorf("drop the test schema's River schema: %v", err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// clock is a test clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fastHash makes password hashes cheap, so that tests sign in quickly.
var fastHash = hashParams{Memory: 64, Time: 1, Threads: 1}

// account is a company of the fixture and its user's credentials.
type account struct {
	company  company
	email    string
	password string
}

// env is the app on a test server with two companies, A and B.
type env struct {
	app   *app
	srv   *httptest.Server
	sent  *transporttest.Recorder // what the app sent
	clock *clock
	a, b  account
}

// newEnv starts the app on db with the companies A and B. adjust, if not
// nil, changes the configuration first.
func newEnv(t testing.TB, db testDB, adjust func(*config)) *env {
	t.Helper()
	e := &env{sent: &transporttest.Recorder{}, clock: &clock{now: time.Date(2026, 12, 17, 10, 0, 0, 0, time.UTC)}}
	cfg := config{DB: db.open(t), Dialect: db.dialect, Transport: e.sent, From: "laskut@operaattori.example",
		Hash: fastHash, Now: e.clock.Now, Outbox: testOutbox, ReconcileEvery: 50 * time.Millisecond}
	if adjust != nil {
		adjust(&cfg)
	}
	a, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e.app = a
	e.a = e.addCompany(t, "Kukka Oy", "anna@kukka.example")
	e.b = e.addCompany(t, "Ruusu Oy", "bertil@ruusu.example")
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// testOutbox are the outbox options of tests: workers that look for work
// often, and retries soon after a temporary failure.
var testOutbox = riveroutbox.Options{
	PollInterval: 20 * time.Millisecond,
	JobTimeout:   20 * time.Second,
	Schedule:     outbox.Schedule{Delays: []time.Duration{100 * time.Millisecond}, Every: 100 * time.Millisecond, Snooze: 100 * time.Millisecond, MaxAge: time.Hour},
}

// start starts the app's outbox workers (and bounce receiver); the app's
// cleanup stops them.
func (e *env) start(t testing.TB) {
	t.Helper()
	if err := e.app.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds; a generous watchdog fails the test
// when it never does.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	watchdog := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(watchdog) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) addCompany(t testing.TB, name, email string) account {
	t.Helper()
	password := "salasana-" + strings.ToLower(rand.Text()[:8])
	c, err := e.app.st.createCompany(t.Context(), name, user{Email: email, PasswordHash: hashPassword(password, e.app.cfg.Hash)})
	if err != nil {
		t.Fatal(err)
	}
	return account{company: c, email: email, password: password}
}

// dir returns an account's recipient directory, to arrange and check state
// beside the HTTP interface.
func (e *env) dir(t testing.TB, acc account) *sqlregistry.Registry {
	t.Helper()
	d, err := e.app.directory(t.Context(), acc.company.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// entries returns every entry of an account's directory.
func (e *env) entries(t testing.TB, acc account) []registry.Entry {
	t.Helper()
	p, err := e.dir(t, acc).List(t.Context(), registry.Query{Limit: registry.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

// put stores entries in an account's directory.
func (e *env) put(t testing.TB, acc account, entries ...registry.Entry) {
	t.Helper()
	if _, err := e.dir(t, acc).Apply(t.Context(), registry.Batch{Put: entries}); err != nil {
		t.Fatal(err)
	}
}

// client is a browser stand-in: it keeps cookies, does not follow
// redirects, and remembers the CSRF token of the last page it read.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
	lang string // the Accept-Language header it sends
}

// response is what the client got.
type response struct {
	status int
	header http.Header
	body   string // HTML entities decoded, for easy matching of texts
	raw    []byte
}

func (e *env) client(t testing.TB) *client { return newClient(t, e.srv.URL) }

// newClient returns a client of the app at base.
func newClient(t testing.TB, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, lang: "en", http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signIn returns a client signed in as acc.
func (e *env) signIn(t testing.TB, acc account) *client {
	t.Helper()
	c := e.client(t)
	c.get("/login")
	r := c.post("/login", url.Values{"email": {acc.email}, "password": {acc.password}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/directory" {
		t.Fatalf("signing in as %s: %d %s", acc.email, r.status, r.body)
	}
	return c
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	req.Header.Set("Accept-Language", c.lang)
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if m := csrfField.FindSubmatch(raw); m != nil {
		c.csrf = string(m[1])
	}
	return response{status: res.StatusCode, header: res.Header, body: html.UnescapeString(string(raw)), raw: raw}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form with the client's CSRF token, unless form sets "csrf"
// itself.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload sends a multipart form with one file and the client's CSRF token,
// unless fields sets "csrf" itself.
func (c *client) upload(path string, fields url.Values, field, name string, data []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields["csrf"]; !ok {
		mw.WriteField("csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// want checks the status and that the body holds every text.
func (r response) want(t testing.TB, status int, texts ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body:\n%s", r.status, status, r.body)
		return
	}
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Errorf("the page lacks %q; body:\n%s", s, r.body)
		}
	}
}

// wantRedirect checks a 303 to location.
func (r response) wantRedirect(t testing.TB, location string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.header.Get("Location") != location {
		t.Errorf("got %d to %q, want 303 to %q; body:\n%s", r.status, r.header.Get("Location"), location, r.body)
	}
}

// lacks checks that the body holds none of the texts.
func (r response) lacks(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(r.body, s) {
			t.Errorf("the page shows %q, which it must not", s)
		}
	}
}

var (
	uploadField = regexp.MustCompile(`name="upload" value="([^"]+)"`)
	planField   = regexp.MustCompile(`name="plan" value="([^"]*)"`)
)

// confirmation returns the form of a plan page's Send button: the upload
// and the plan's fingerprint.
func (r response) confirmation(t testing.TB) url.Values {
	t.Helper()
	m := planField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the page has no plan to confirm; body:\n%s", r.body)
	}
	return url.Values{"upload": {r.uploadID(t)}, "plan": {m[1]}}
}

// uploadID returns the pending upload a preview or plan page refers to.
func (r response) uploadID(t testing.TB) string {
	t.Helper()
	m := uploadField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the page has no upload to confirm; body:\n%s", r.body)
	}
	return m[1]
}

// readFile reads a file of the repository's examples.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// regexpFind returns the first submatch of pattern in s.
func regexpFind(t testing.TB, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	return m[1]
}
