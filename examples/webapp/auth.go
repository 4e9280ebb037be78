package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/jakelu/jakelu/transport/address"
)

// hashParams are the argon2id costs of a password hash.
type hashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// defaultHashParams are OWASP's recommended argon2id minimum (19 MiB, two
// passes, one thread): about 30 ms per sign-in on one core.
var defaultHashParams = hashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLength = 16
	keyLength  = 32
)

// hashPassword returns the argon2id hash of password in the PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$SALT$KEY.
func hashPassword(password string, p hashParams) string {
	salt := make([]byte, saltLength)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLength)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errBadHash reports a stored hash that is not one hashPassword wrote.
var errBadHash = errors.New("webapp: the stored password hash is malformed (not an argon2id hash as this app writes them)")

// maxHashMemory bounds the memory cost a stored hash may ask for (1 GiB),
// so that a corrupted row cannot make a sign-in allocate without limit.
const maxHashMemory = 1 << 20

// storedHash is a password hash taken apart.
type storedHash struct {
	params    hashParams
	salt, key []byte
}

// parseHash takes apart a PHC string as hashPassword writes it, checking
// that its costs and lengths are within bounds; anything else is errBadHash.
func parseHash(s string) (storedHash, error) {
	var h storedHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return h, errBadHash
	}
	p := &h.params
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); n != 3 || err != nil ||
		p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > 100 || p.Threads == 0 {
		return h, errBadHash
	}
	var err error
	b64 := base64.RawStdEncoding
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, errBadHash
	}
	return h, nil
}

// checkPassword reports whether password matches the PHC string hash, in
// time that does not depend on where they differ.
func checkPassword(password, hash string) (bool, error) {
	h, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	p := h.params
	got := argon2.IDKey([]byte(password), h.salt, p.Time, p.Memory, p.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

// limiter counts failed sign-ins per key (an account or a client address)
// in a fixed window: after max failures the key is blocked until the window
// that started with the first failure ends. It is safe for concurrent use.
type limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string]failures
}

// failures is one key's count in its current window.
type failures struct {
	count int
	first time.Time
}

// maxLimiterKeys bounds the memory a flood of distinct keys can take: when
// more keys are counted, the expired ones are dropped.
const maxLimiterKeys = 100_000

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: make(map[string]failures)}
}

// blocked reports whether key is blocked at now, and until when.
func (l *limiter) blocked(key string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fails[key]
	if !ok || now.Sub(f.first) >= l.window {
		return time.Time{}, false
	}
	until := f.first.Add(l.window)
	return until, f.count >= l.max
}

// fail counts a failure of key at now.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[key]
	if f.count == 0 || now.Sub(f.first) >= l.window {
		f = failures{first: now}
	}
	f.count++
	l.fails[key] = f
	if len(l.fails) > maxLimiterKeys {
		for k, f := range l.fails {
			if now.Sub(f.first) >= l.window {
				delete(l.fails, k)
			}
		}
	}
}

// reset forgets the failures of key.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// loginCookie holds the CSRF token of the sign-in form: there is no session
// yet to keep it in, so the form's hidden field must match this cookie.
const loginCookie = "jakelu_login"

// loginPage is the data of login.html.
type loginPage struct {
	CSRF    string
	Email   string
	Message string // why the last attempt failed
}

// loginPage shows the sign-in form.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, err := a.st.session(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, "/directory", http.StatusSeeOther)
			return
		}
	}
	a.showLogin(w, r, http.StatusOK, loginPage{})
}

// showLogin renders the sign-in form, reusing the form's CSRF cookie when
// there is one, so that sign-in pages open in two tabs both work.
func (a *app) showLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	if c, err := r.Cookie(loginCookie); err == nil && c.Value != "" {
		p.CSRF = c.Value
	} else {
		p.CSRF = newID()
		http.SetCookie(w, a.cookie(r, loginCookie, p.CSRF, "/login", time.Hour))
	}
	lang := requestLanguage(r)
	a.render(w, r, nil, status, "login.html", &view{Lang: lang, Title: translate(lang, "login.title"), Page: p})
}

// cookie returns an HttpOnly, SameSite=Strict cookie, Secure over TLS or
// when the app is configured for it. A zero maxAge deletes the cookie.
func (a *app) cookie(r *http.Request, name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.cfg.SecureCookies || r.TLS != nil}
	if maxAge == 0 {
		c.MaxAge = -1
	}
	return c
}

// login checks the credentials and starts a session. Failures are counted
// per account and per client address; past the limit, sign-ins are refused
// (429) without checking the password until the window ends.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, nil, http.StatusBadRequest, "error.badRequest")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !tokenMatches(r.PostFormValue("csrf"), c.Value) {
		a.fail(w, r, nil, http.StatusForbidden, "error.csrf")
		return
	}
	email := accountKey(r.PostFormValue("email"))
	address, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		address = r.RemoteAddr
	}
	lang := requestLanguage(r)
	now := a.cfg.Now()
	until, blocked := a.accountLimit.blocked(email, now)
	if untilAddr, blockedAddr := a.addressLimit.blocked(address, now); blockedAddr {
		if !blocked || untilAddr.After(until) {
			until = untilAddr
		}
		blocked = true
	}
	if blocked {
		minutes := int((until.Sub(now) + time.Minute - 1) / time.Minute)
		a.showLogin(w, r, http.StatusTooManyRequests, loginPage{Email: email, Message: translate(lang, "login.blocked", minutes)})
		return
	}
	u, ok, err := a.authenticate(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if !ok {
		a.accountLimit.fail(email, now)
		a.addressLimit.fail(address, now)
		a.showLogin(w, r, http.StatusUnauthorized, loginPage{Email: email, Message: translate(lang, "login.failed")})
		return
	}
	a.accountLimit.reset(email)
	token, err := a.st.createSession(r.Context(), u)
	if err != nil {
		a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.SetCookie(w, a.cookie(r, sessionCookie, token, "/", sessionLifetime))
	http.SetCookie(w, a.cookie(r, loginCookie, "", "/login", 0))
	http.Redirect(w, r, "/directory", http.StatusSeeOther)
}

// accountKey is the form of an e-mail address users sign in with: as
// address.Parse normalizes it, in lower case. Input that is not an
// address is cut to the longest address, since it also keys the sign-in
// limiter.
func accountKey(s string) string {
	if addr, err := address.Parse(s); err == nil {
		s = addr
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > address.MaxLength {
		s = s[:address.MaxLength]
	}
	return s
}

// authenticate returns the user whose e-mail address and password these
// are. An unknown address costs as much time as a wrong password, and at
// most GOMAXPROCS hashes are computed at once, since each takes memory.
func (a *app) authenticate(ctx context.Context, email, password string) (user, bool, error) {
	u, err := a.st.user(ctx, email)
	known := err == nil
	if err != nil && !errors.Is(err, errNotFound) {
		return user{}, false, err
	}
	hash := u.PasswordHash
	if !known {
		hash = a.dummyHash
	}
	select {
	case a.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return user{}, false, ctx.Err()
	}
	ok, err := checkPassword(password, hash)
	<-a.hashSlots
	if err != nil {
		return user{}, false, fmt.Errorf("user %s: %w", email, err)
	}
	return u, ok && known, nil
}

// logout ends the session.
func (a *app) logout(w http.ResponseWriter, r *http.Request, sc *scope) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.st.deleteSession(r.Context(), c.Value); err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
	}
	http.SetCookie(w, a.cookie(r, sessionCookie, "", "/", 0))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
