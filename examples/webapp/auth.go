package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
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

// throttle counts failed sign-ins per key (an account on one client, or a
// client) and slows a key down without ever locking it: after free
// failures, the key must wait 2^(n-free+1) seconds after its n-th failure,
// up to maxDelay, before it may try again. A key without failures for
// forget starts over. Keys never affect each other, so failures from one
// client never delay another. It is safe for concurrent use.
type throttle struct {
	free     int
	maxDelay time.Duration
	forget   time.Duration

	mu    sync.Mutex
	fails map[string]failures
}

// failures is one key's count and its latest failure.
type failures struct {
	count int
	last  time.Time
}

// maxLimiterKeys bounds the memory a flood of distinct keys can take: when
// more keys are counted, the keys that need not wait now are dropped.
const maxLimiterKeys = 100_000

// newThrottle returns a throttle that lets free failures pass without a
// delay and waits at most maxDelay.
func newThrottle(free int, maxDelay, forget time.Duration) *throttle {
	return &throttle{free: free, maxDelay: maxDelay, forget: forget, fails: make(map[string]failures)}
}

// delay is how long a key with n failures waits after the latest.
func (l *throttle) delay(n int) time.Duration {
	if n < l.free {
		return 0
	}
	shift := min(n-l.free+1, 30)
	return min(time.Second<<shift, l.maxDelay)
}

// wait returns how long key must still wait at now before it may try to
// sign in; 0 means it may try.
func (l *throttle) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fails[key]
	if !ok || now.Sub(f.last) >= l.forget {
		return 0
	}
	return max(f.last.Add(l.delay(f.count)).Sub(now), 0)
}

// fail counts a failure of key at now.
func (l *throttle) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[key]
	if now.Sub(f.last) >= l.forget {
		f = failures{}
	}
	f.count++
	f.last = now
	l.fails[key] = f
	if len(l.fails) > maxLimiterKeys {
		for k, f := range l.fails {
			if !now.Before(f.last.Add(l.delay(f.count))) {
				delete(l.fails, k)
			}
		}
	}
}

// reset forgets the failures of key.
func (l *throttle) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// clientKey is the key of a client address in the sign-in throttle: the
// address itself for IPv4, its /64 network for IPv6 (one subscriber's
// share, which a single attacker has whole).
func clientKey(remoteAddr string) string {
	host := remoteHost(remoteAddr)
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// preSessionCookie holds the random ID of a browser's pre-session: the
// time before it signs in (or accepts an invitation, or resets its
// password). The forms of that time carry a CSRF token derived from it
// with the app's secret, so a token from another pre-session is refused.
const preSessionCookie = "jakelu_login"

// preSessionToken is the CSRF token of the pre-session with the ID: an
// HMAC-SHA256 of it with the app's secret.
func (a *app) preSessionToken(id string) string {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("pre-session\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// preSession returns the CSRF token of the request's pre-session, starting
// one (setting its cookie) when there is none, so that pre-session pages
// open in two tabs both work.
func (a *app) preSession(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preSessionCookie); err == nil && len(c.Value) >= 26 {
		return a.preSessionToken(c.Value)
	}
	id := newID()
	http.SetCookie(w, a.cookie(r, preSessionCookie, id, "/", time.Hour))
	return a.preSessionToken(id)
}

// preSessionValid reports whether the form's CSRF token is the one of the
// request's pre-session.
func (a *app) preSessionValid(r *http.Request) bool {
	c, err := r.Cookie(preSessionCookie)
	return err == nil && len(c.Value) >= 26 && tokenMatches(r.PostFormValue("csrf"), a.preSessionToken(c.Value))
}

// preSessionForm reads the posted form of a pre-session page (up to
// formLimit) and checks its CSRF token; when either fails it says so and
// reports false.
func (a *app) preSessionForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, nil, http.StatusBadRequest, "error.badRequest")
		return false
	}
	if !a.preSessionValid(r) {
		a.fail(w, r, nil, http.StatusForbidden, "error.csrf")
		return false
	}
	return true
}

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

// showLogin renders the sign-in form with the pre-session's token.
func (a *app) showLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.CSRF = a.preSession(w, r)
	lang := requestLanguage(r)
	a.render(w, r, nil, status, "login.html", &view{Lang: lang, Title: translate(lang, "login.title"), Page: p})
}

// cookie returns an HttpOnly, SameSite=Strict cookie, Secure over TLS or
// when the app is configured for it. A zero maxAge deletes the cookie.
func (a *app) cookie(r *http.Request, name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.overTLS(r)}
	if maxAge == 0 {
		c.MaxAge = -1
	}
	return c
}

// overTLS reports whether the browser reached the app over TLS: the
// request came over TLS, or the app is configured as served by a TLS proxy.
func (a *app) overTLS(r *http.Request) bool { return a.cfg.SecureCookies || r.TLS != nil }

// clientOf describes the browser of a request for its session.
func clientOf(r *http.Request) clientInfo {
	return clientInfo{Address: remoteHost(r.RemoteAddr), UserAgent: r.UserAgent()}
}

// remoteHost is the host of a request's remote address (host:port), or
// the whole address when it has no port.
func remoteHost(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// waitText says how long a throttled client waits, in the language.
func waitText(lang string, d time.Duration) string {
	if d < 2*time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		if n == 1 {
			return translate(lang, "login.blockedSeconds.one")
		}
		return translate(lang, "login.blockedSeconds", n)
	}
	return translate(lang, "login.blocked", int((d+time.Minute-1)/time.Minute))
}

// login checks the credentials and starts a session. Failures are counted
// per account on this client and per client; a key past its free failures
// waits a growing delay (429, the password not checked), but failures on
// other clients never delay this one, so the right password from a client
// without failures always signs in.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	if !a.preSessionForm(w, r) {
		return
	}
	email := accountKey(r.PostFormValue("email"))
	clientK := clientKey(r.RemoteAddr)
	pairK := email + "\x00" + clientK
	lang := requestLanguage(r)
	now := a.cfg.Now()
	if wait := max(a.accountLimit.wait(pairK, now), a.addressLimit.wait(clientK, now)); wait > 0 {
		a.showLogin(w, r, http.StatusTooManyRequests, loginPage{Email: email, Message: waitText(lang, wait)})
		return
	}
	u, ok, err := a.authenticate(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if !ok {
		a.accountLimit.fail(pairK, now)
		a.addressLimit.fail(clientK, now)
		a.showLogin(w, r, http.StatusUnauthorized, loginPage{Email: email, Message: translate(lang, "login.failed")})
		return
	}
	a.accountLimit.reset(pairK)
	token, err := a.st.createSession(r.Context(), u, clientOf(r))
	if err != nil {
		a.fail(w, r, nil, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.startSession(w, r, token)
}

// startSession sets the cookie of a new session, ends the pre-session and
// goes to the directory.
func (a *app) startSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, a.cookie(r, sessionCookie, token, "/", sessionLifetime))
	http.SetCookie(w, a.cookie(r, preSessionCookie, "", "/", 0))
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
