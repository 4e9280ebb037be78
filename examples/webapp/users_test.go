package main

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
)

// clientFrom returns a client whose connections come from the loopback
// address ip (any 127.x.y.z), so that tests can sign in from several
// client addresses.
func (e *env) clientFrom(t testing.TB, ip string) *client {
	t.Helper()
	c := e.client(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	c.http.Transport = tr
	return c
}

// syncBuffer is a bytes.Buffer safe for the app's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logTo makes the app log into buf.
func logTo(buf *syncBuffer) func(*config) {
	return func(c *config) { c.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// makeLink asks for a one-time link on the users page (path
// /users/invite or /users/reset) and returns its path, /invite/TOKEN or
// /reset/TOKEN.
func makeLink(t testing.TB, admin *client, path string, form url.Values) string {
	t.Helper()
	admin.get("/users")
	r := admin.post(path, form)
	r.want(t, http.StatusOK)
	u, err := url.Parse(regexpFind(t, r.body, `id="link" readonly value="([^"]+)"`))
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// invite invites email with the role as admin and returns the link's path.
func invite(t testing.TB, admin *client, email, role string) string {
	t.Helper()
	return makeLink(t, admin, "/users/invite", url.Values{"email": {email}, "role": {role}})
}

// accept sets the password of a one-time link from a new client and
// returns the client, signed in.
func (e *env) accept(t testing.TB, path, password string) *client {
	t.Helper()
	c := e.client(t)
	c.get(path).want(t, http.StatusOK)
	c.post(path, url.Values{"password": {password}, "confirm": {password}}).wantRedirect(t, "/directory")
	c.get("/directory").want(t, http.StatusOK) // for the session's CSRF token
	return c
}

// signInAs signs in with an e-mail address and password.
func (e *env) signInAs(t testing.TB, email, password string) *client {
	t.Helper()
	return e.signIn(t, account{email: email, password: password})
}

// clerkPassword is the password test users choose.
const clerkPassword = "pitkä salasana 2026"

func TestInvite(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		var log syncBuffer
		e := newEnv(t, db, logTo(&log))
		admin := e.signIn(t, e.a)
		admin.get("/users").want(t, http.StatusOK, "Users", e.a.email, "Invite a user")

		path := invite(t, admin, "Kalle@Kukka.example", roleClerk)
		if !strings.HasPrefix(path, "/invite/") {
			t.Fatalf("link path %q", path)
		}
		if !strings.Contains(log.String(), path) || !strings.Contains(log.String(), "kalle@kukka.example") {
			t.Errorf("the link is not in the log:\n%s", log.String())
		}
		admin.get("/users").want(t, http.StatusOK, "Invitations not yet accepted", "kalle@kukka.example")

		t.Run("the password form", func(t *testing.T) {
			c := e.client(t)
			c.get(path).want(t, http.StatusOK, "kalle@kukka.example", "Kukka Oy")
			c.post(path, url.Values{"password": {"lyhyt"}, "confirm": {"lyhyt"}}).want(t, http.StatusUnprocessableEntity, "at least 10 characters")
			c.post(path, url.Values{"password": {clerkPassword}, "confirm": {clerkPassword + "x"}}).want(t, http.StatusUnprocessableEntity, "The two passwords differ.")
		})

		clerk := e.accept(t, path, clerkPassword)
		clerk.get("/directory").want(t, http.StatusOK, "kalle@kukka.example", "Kukka Oy")
		t.Run("used twice", func(t *testing.T) {
			c := e.client(t)
			c.get(path).want(t, http.StatusNotFound, "already been used or has expired")
			c.get("/login")
			c.post(path, url.Values{"password": {"toinen salasana 1"}, "confirm": {"toinen salasana 1"}}).want(t, http.StatusNotFound)
			e.signInAs(t, "kalle@kukka.example", clerkPassword)
		})
		t.Run("an address with an account", func(t *testing.T) {
			admin.get("/users")
			admin.post("/users/invite", url.Values{"email": {e.b.email}, "role": {roleClerk}}).want(t, http.StatusConflict, "already has an account")
			admin.post("/users/invite", url.Values{"email": {"not an address"}, "role": {roleClerk}}).want(t, http.StatusUnprocessableEntity, "Write an e-mail address")
			admin.post("/users/invite", url.Values{"email": {"x@kukka.example"}, "role": {"owner"}}).want(t, http.StatusUnprocessableEntity, "Choose a role")
		})
		t.Run("cancel", func(t *testing.T) {
			p := invite(t, admin, "matti@kukka.example", roleAdmin)
			id := regexpFind(t, admin.get("/users").body, `name="id" value="([^"]+)"`)
			admin.post("/users/invite/cancel", url.Values{"id": {id}}).wantRedirect(t, "/users?done=cancelled")
			e.client(t).get(p).want(t, http.StatusNotFound)
			// Company B cannot cancel A's invitations.
			p = invite(t, admin, "matti@kukka.example", roleAdmin)
			id = regexpFind(t, admin.get("/users").body, `name="id" value="([^"]+)"`)
			other := e.signIn(t, e.b)
			other.get("/users")
			other.post("/users/invite/cancel", url.Values{"id": {id}}).want(t, http.StatusNotFound)
			e.client(t).get(p).want(t, http.StatusOK)
		})

		t.Run("the clerk may not", func(t *testing.T) {
			e.put(t, e.a, registry.Entry{CustomerNumber: "1", To: []string{"a@asiakas.example"}})
			for _, p := range []string{"/settings", "/users", "/users/remove?email=" + e.a.email, "/audit", "/audit/export"} {
				clerk.get(p).want(t, http.StatusForbidden, "This page is for your company's admins.")
			}
			clerk.get("/directory")
			for _, p := range []string{"/settings", "/users/invite", "/users/role", "/users/remove", "/users/reset"} {
				clerk.post(p, url.Values{"enabled": {"on"}, "email": {"x@kukka.example"}, "role": {roleAdmin}}).want(t, http.StatusForbidden)
			}
			clerk.post("/users/role", url.Values{"email": {"kalle@kukka.example"}, "role": {roleAdmin}}).want(t, http.StatusForbidden)
			clerk.get("/directory").lacks(t, `href="/settings"`, `href="/users"`, `href="/audit"`)
			imp := clerk.get("/import")
			imp.want(t, http.StatusOK, `value="update"`)
			imp.lacks(t, `value="replace"`)
			clerk.upload("/import", url.Values{"mode": {"replace"}}, "file", "uusi.csv", []byte("2;b@asiakas.example\n")).
				want(t, http.StatusForbidden, "for your company's admins")
			// An update import is the clerk's to do.
			r := clerk.importFile(url.Values{"mode": {"update"}}, "uusi.csv", []byte("2;b@asiakas.example\n"))
			r.want(t, http.StatusOK)
			clerk.confirmImport(url.Values{"upload": {r.uploadID(t)}}).want(t, http.StatusOK)
			if got := e.entries(t, e.a); len(got) != 2 {
				t.Errorf("after the clerk's import: %v", got)
			}
			if s, _ := (companyData{st: e.app.st, companyID: e.a.company.ID}).settings(t.Context()); s.Enabled {
				t.Error("the clerk changed the settings")
			}
		})
		t.Run("replace-all confirmed after a demotion", func(t *testing.T) {
			second := invite(t, admin, "toinen@kukka.example", roleAdmin)
			other := e.accept(t, second, clerkPassword)
			r := other.importFile(url.Values{"mode": {"replace"}}, "kaikki.csv", []byte("3;c@asiakas.example\n"))
			r.want(t, http.StatusOK)
			admin.get("/users")
			admin.post("/users/role", url.Values{"email": {"toinen@kukka.example"}, "role": {roleClerk}}).wantRedirect(t, "/users?done=role")
			other.confirmImport(url.Values{"upload": {r.uploadID(t)}, "confirm-replace": {"yes"}}).want(t, http.StatusForbidden)
			if got := e.entries(t, e.a); len(got) != 2 {
				t.Errorf("a demoted admin replaced the directory: %v", got)
			}
		})
		// Last, as it moves the clock past every session's end.
		t.Run("expired", func(t *testing.T) {
			p := invite(t, admin, "liisa@kukka.example", roleClerk)
			c := e.client(t)
			c.get(p).want(t, http.StatusOK)
			e.clock.Advance(inviteLifetime + time.Second)
			c.get(p).want(t, http.StatusNotFound, "already been used or has expired")
			c.post(p, url.Values{"password": {clerkPassword}, "confirm": {clerkPassword}}).want(t, http.StatusNotFound)
			admin = e.signIn(t, e.a)
		})
	})
}

func TestLastAdmin(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		admin := e.signIn(t, e.a)
		admin.get("/users")
		admin.post("/users/role", url.Values{"email": {e.a.email}, "role": {roleClerk}}).want(t, http.StatusConflict, "at least one admin")
		admin.post("/users/remove", url.Values{"email": {e.a.email}}).want(t, http.StatusConflict, "at least one admin")
		admin.get("/users").want(t, http.StatusOK, "Admin")

		// The other company's user is not A's to change.
		admin.post("/users/role", url.Values{"email": {e.b.email}, "role": {roleClerk}}).want(t, http.StatusNotFound)
		admin.post("/users/remove", url.Values{"email": {e.b.email}}).want(t, http.StatusNotFound)
		admin.post("/users/reset", url.Values{"email": {e.b.email}}).want(t, http.StatusNotFound)
		e.signIn(t, e.b).get("/users").want(t, http.StatusOK, "Admin")

		clerk := e.accept(t, invite(t, admin, "kalle@kukka.example", roleClerk), clerkPassword)
		clerk.get("/directory").want(t, http.StatusOK)
		admin.get("/users/remove?email=kalle@kukka.example").want(t, http.StatusOK, "Remove kalle@kukka.example?")
		admin.post("/users/remove", url.Values{"email": {"kalle@kukka.example"}}).wantRedirect(t, "/users?done=removed")
		clerk.get("/directory").wantRedirect(t, "/login")
		c := e.client(t)
		c.get("/login")
		c.post("/login", url.Values{"email": {"kalle@kukka.example"}, "password": {clerkPassword}}).want(t, http.StatusUnauthorized)

		// With a second admin, the first may step down.
		second := e.accept(t, invite(t, admin, "toinen@kukka.example", roleAdmin), clerkPassword)
		admin.get("/users")
		admin.post("/users/role", url.Values{"email": {e.a.email}, "role": {roleClerk}}).wantRedirect(t, "/directory")
		admin.get("/settings").want(t, http.StatusForbidden)
		second.get("/users").want(t, http.StatusOK)
		second.post("/users/role", url.Values{"email": {"toinen@kukka.example"}, "role": {roleClerk}}).want(t, http.StatusConflict, "at least one admin")
	})
}

// sessionIDs returns the IDs of the sessions the account page lists.
func sessionIDs(t testing.TB, c *client) []string {
	t.Helper()
	r := c.get("/account")
	r.want(t, http.StatusOK)
	var ids []string
	for _, m := range regexp.MustCompile(`name="id" value="([^"]+)"`).FindAllStringSubmatch(r.body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// cookieSession returns the session ID of a client's session cookie.
func cookieSession(t testing.TB, c *client) string {
	t.Helper()
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return sessionID(ck.Value)
		}
	}
	t.Fatal("the client has no session")
	return ""
}

func TestPasswordChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c1, c2 := e.signIn(t, e.a), e.signIn(t, e.a)
		other := e.signIn(t, e.b)
		c1.get("/account").want(t, http.StatusOK, "Your account", "Change password", e.a.email)
		const newPassword = "uusi hyvä salasana"
		tests := []struct {
			name                     string
			current, password, again string
			text                     string
		}{
			{"wrong current", "väärä", newPassword, newPassword, "The current password is wrong."},
			{"too short", e.a.password, "lyhyt", "lyhyt", "at least 10 characters"},
			{"differ", e.a.password, newPassword, newPassword + "!", "The two passwords differ."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c1.post("/account/password", url.Values{"current": {tt.current}, "password": {tt.password}, "confirm": {tt.again}}).
					want(t, http.StatusUnprocessableEntity, tt.text)
			})
		}
		c2.get("/directory").want(t, http.StatusOK)
		c1.post("/account/password", url.Values{"current": {e.a.password}, "password": {newPassword}, "confirm": {newPassword}}).
			wantRedirect(t, "/account?done=password")
		c1.get("/account?done=password").want(t, http.StatusOK, "Your password was changed")
		c2.get("/directory").wantRedirect(t, "/login")
		other.get("/directory").want(t, http.StatusOK) // another user's session stays
		c := e.client(t)
		c.get("/login")
		c.post("/login", url.Values{"email": {e.a.email}, "password": {e.a.password}}).want(t, http.StatusUnauthorized)
		e.signInAs(t, e.a.email, newPassword)
	})
}

func TestSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c1 := e.signIn(t, e.a)
		c2 := e.clientFrom(t, "127.0.0.2")
		c2.get("/login")
		c2.post("/login", url.Values{"email": {e.a.email}, "password": {e.a.password}}).wantRedirect(t, "/directory")
		other := e.signIn(t, e.b)

		r := c1.get("/account")
		r.want(t, http.StatusOK, "Where you are signed in", "this browser", "127.0.0.2", "127.0.0.1", "Go-http-client/1.1")
		ids := sessionIDs(t, c1)
		if len(ids) != 2 {
			t.Fatalf("sessions listed: %v", ids)
		}
		t.Run("last seen", func(t *testing.T) {
			e.clock.Advance(10 * time.Minute)
			c2.get("/directory")
			want := formatTime("en", e.clock.Now(), true)
			c1.get("/account").want(t, http.StatusOK, want)
		})
		t.Run("revoke another company's session", func(t *testing.T) {
			c1.get("/account")
			c1.post("/account/sessions/revoke", url.Values{"id": {cookieSession(t, other)}}).want(t, http.StatusNotFound)
			other.get("/directory").want(t, http.StatusOK)
		})
		t.Run("revoke", func(t *testing.T) {
			c1.get("/account")
			c1.post("/account/sessions/revoke", url.Values{"id": {cookieSession(t, c2)}}).wantRedirect(t, "/account?done=revoked")
			c2.get("/directory").wantRedirect(t, "/login")
			c1.get("/directory").want(t, http.StatusOK)
			if ids := sessionIDs(t, c1); len(ids) != 1 {
				t.Errorf("sessions after revoking: %v", ids)
			}
		})
		t.Run("sign out everywhere", func(t *testing.T) {
			c3 := e.signIn(t, e.a)
			c1.get("/account")
			c1.post("/account/signout-everywhere", nil).wantRedirect(t, "/login")
			c1.get("/directory").wantRedirect(t, "/login")
			c3.get("/directory").wantRedirect(t, "/login")
			other.get("/directory").want(t, http.StatusOK)
			e.signIn(t, e.a).get("/directory").want(t, http.StatusOK)
		})
		t.Run("audited", func(t *testing.T) {
			admin := e.signIn(t, e.a)
			admin.get("/audit").want(t, http.StatusOK, "Session signed out", "Signed out everywhere", "127.0.0.2")
		})
	})
}

func TestResetLink(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		var log syncBuffer
		e := newEnv(t, db, logTo(&log))
		admin := e.signIn(t, e.a)
		clerk := e.accept(t, invite(t, admin, "kalle@kukka.example", roleClerk), clerkPassword)
		clerk2 := e.signInAs(t, "kalle@kukka.example", clerkPassword)

		path := makeLink(t, admin, "/users/reset", url.Values{"email": {"kalle@kukka.example"}})
		if !strings.HasPrefix(path, "/reset/") || !strings.Contains(log.String(), path) {
			t.Fatalf("reset link %q, log:\n%s", path, log.String())
		}
		// A reset link is not an invitation, nor the other way round.
		e.client(t).get(strings.Replace(path, "/reset/", "/invite/", 1)).want(t, http.StatusNotFound)
		const newPassword = "unohdin vanhan salasanan"
		c := e.client(t)
		c.get(path).want(t, http.StatusOK, "Choose a new password", "kalle@kukka.example")
		c.post(path, url.Values{"password": {newPassword}, "confirm": {newPassword}}).wantRedirect(t, "/directory")
		c.get("/directory").want(t, http.StatusOK, "kalle@kukka.example")
		// Every earlier session of the user ended, the admin's did not.
		clerk.get("/directory").wantRedirect(t, "/login")
		clerk2.get("/directory").wantRedirect(t, "/login")
		admin.get("/users").want(t, http.StatusOK)
		e.signInAs(t, "kalle@kukka.example", newPassword)
		old := e.client(t)
		old.get("/login")
		old.post("/login", url.Values{"email": {"kalle@kukka.example"}, "password": {clerkPassword}}).want(t, http.StatusUnauthorized)
		// The link works once.
		e.client(t).get(path).want(t, http.StatusNotFound)
		// Unknown users get no link.
		admin.post("/users/reset", url.Values{"email": {"nobody@kukka.example"}}).want(t, http.StatusNotFound)
		admin.get("/audit").want(t, http.StatusOK, "Password reset link made", "Password reset", "kalle@kukka.example")
	})
}

func TestPreSessionCSRF(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	x, y := e.client(t), e.client(t)
	x.get("/login")
	y.get("/login")
	if x.csrf == y.csrf {
		t.Fatal("two pre-sessions have the same token")
	}
	creds := url.Values{"email": {e.a.email}, "password": {e.a.password}}
	with := func(token string) url.Values {
		f := url.Values{"csrf": {token}}
		for k, v := range creds {
			f[k] = v
		}
		return f
	}
	u, _ := url.Parse(e.srv.URL)
	var yCookie string
	for _, ck := range y.http.Jar.Cookies(u) {
		if ck.Name == preSessionCookie {
			yCookie = ck.Value
		}
	}
	for name, token := range map[string]string{
		"another pre-session's token": x.csrf,
		"the cookie as the token":     yCookie,
		"no token":                    "",
	} {
		t.Run(name, func(t *testing.T) {
			y.post("/login", with(token)).want(t, http.StatusForbidden, "The form has expired")
		})
	}
	t.Run("without a pre-session", func(t *testing.T) {
		z := e.client(t)
		z.post("/login", with(x.csrf)).want(t, http.StatusForbidden)
	})
	t.Run("invitation", func(t *testing.T) {
		path := invite(t, e.signIn(t, e.a), "kalle@kukka.example", roleClerk)
		y.get(path).want(t, http.StatusOK)
		y.post(path, url.Values{"csrf": {x.csrf}, "password": {clerkPassword}, "confirm": {clerkPassword}}).want(t, http.StatusForbidden)
		y.get(path).want(t, http.StatusOK) // the link still works
	})
	y.post("/login", with(y.csrf)).wantRedirect(t, "/directory")
	t.Run("shared by app processes", func(t *testing.T) {
		// A second app on the same database accepts the first one's token.
		a2, err := newApp(t.Context(), e.app.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a2.Close()
		if a2.preSessionToken("ID") != e.app.preSessionToken("ID") {
			t.Error("two app processes on one database make different tokens")
		}
	})
}

func TestHSTS(t *testing.T) {
	const want = "max-age=31536000"
	t.Run("TLS", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		srv := httptest.NewTLSServer(e.app.Handler())
		defer srv.Close()
		for _, path := range []string{"/login", "/directory", "/static/style.css"} {
			res, err := srv.Client().Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Strict-Transport-Security"); got != want {
				t.Errorf("%s over TLS: Strict-Transport-Security %q, want %q", path, got, want)
			}
			for _, ck := range res.Cookies() {
				if !ck.Secure {
					t.Errorf("%s over TLS: cookie %s is not Secure", path, ck.Name)
				}
			}
		}
	})
	t.Run("plain HTTP", func(t *testing.T) {
		e := newEnv(t, sqlite, nil)
		r := e.client(t).get("/login")
		if got := r.header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("plain HTTP: Strict-Transport-Security %q", got)
		}
	})
	t.Run("behind a TLS proxy", func(t *testing.T) {
		e := newEnv(t, sqlite, func(c *config) { c.SecureCookies = true })
		r := e.client(t).get("/login")
		if got := r.header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("-secure-cookies: Strict-Transport-Security %q, want %q", got, want)
		}
	})
}

func TestSessionAgent(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":           "Edge · Windows",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                                  "Firefox · Linux",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1": "Safari · iOS",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                            "Chrome · Android",
		"Go-http-client/1.1": "Go-http-client/1.1",
		"":                   "",
		// A long first word is cut at 40 characters.
		strings.Repeat("ä", 45) + " x": strings.Repeat("ä", 40) + "…",
	} {
		if got := (sessionInfo{UserAgent: ua}).Agent(); got != want {
			t.Errorf("Agent(%q) = %q, want %q", ua, got, want)
		}
	}
}

// usersTextKeys are the text keys the users, account and audit pages make
// at run time, for TestTexts.
func usersTextKeys() []string {
	keys := []string{"password.tooShort", "password.tooLong", "password.mismatch",
		"link.inviteTitle", "link.resetTitle", "account.field.current", "account.field.password", "account.field.confirm"}
	for _, a := range auditActions {
		keys = append(keys, "audit.action."+a)
	}
	for _, f := range auditFields {
		keys = append(keys, "audit.field."+f)
	}
	for _, m := range []map[string]string{usersDone, accountDone} {
		for _, k := range m {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestPasswordProblem(t *testing.T) {
	for _, tt := range []struct{ password, confirm, want string }{
		{"kymmenen m", "kymmenen m", ""},
		{"yhdeksän!", "yhdeksän!", "password.tooShort"},
		{"ääääääääää", "ääääääääää", ""}, // characters, not bytes
		{strings.Repeat("x", maxPasswordLength+1), strings.Repeat("x", maxPasswordLength+1), "password.tooLong"},
		{"kymmenen m", "kymmenen n", "password.mismatch"},
	} {
		if got := passwordProblem(tt.password, tt.confirm); got != tt.want {
			t.Errorf("passwordProblem(%q, %q) = %q, want %q", tt.password, tt.confirm, got, tt.want)
		}
	}
}

func TestMigrateSessionColumns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c := e.signIn(t, e.a)
		// Make the sessions table as an earlier version of the app left it.
		for _, col := range sessionColumns {
			if _, err := e.app.cfg.DB.ExecContext(t.Context(), "ALTER TABLE webapp_session DROP COLUMN "+col.name); err != nil {
				t.Fatal(err)
			}
		}
		a2, err := newApp(t.Context(), e.app.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a2.Close()
		srv := httptest.NewServer(a2.Handler())
		defer srv.Close()
		// The session from before the upgrade still works and is listed.
		c.base = srv.URL
		c.get("/account").want(t, http.StatusOK, "Where you are signed in")
		if ids := sessionIDs(t, c); len(ids) != 1 {
			t.Errorf("sessions after the upgrade: %v", ids)
		}
		e.signIn(t, e.a)
		if ids := sessionIDs(t, c); len(ids) != 2 {
			t.Errorf("sessions after a new sign-in: %v", ids)
		}
	})
}
