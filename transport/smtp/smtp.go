package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
)

// TLSMode says how the transport protects the connection.
type TLSMode int

// The TLS modes. A certificate that does not verify always fails closed,
// at [transport.StageTLS].
const (
	// StartTLS (the default) upgrades the connection with STARTTLS and
	// fails with [ErrTLSRequired] when the server does not offer it.
	StartTLS TLSMode = iota
	// StartTLSOpportunistic uses STARTTLS when the server offers it and
	// accepts it, and goes on in plaintext otherwise. AUTH is still never
	// sent without TLS ([ErrInsecureAuth]).
	StartTLSOpportunistic
	// ImplicitTLS speaks TLS from the first byte (submission over TLS,
	// port 465).
	ImplicitTLS
	// NoTLS sends in plaintext. It is allowed only to a loopback address
	// (a local relay or a test server). With credentials, AUTH is refused
	// ([ErrInsecureAuth]) unless [Options.AllowInsecureAuth] is set.
	NoTLS
)

// tlsModeNames are the names of the TLS modes, in TLSMode order.
var tlsModeNames = [...]string{"starttls", "opportunistic", "implicit", "none"}

// String returns the mode's name: "starttls", "opportunistic", "implicit"
// or "none".
func (m TLSMode) String() string {
	if m >= 0 && int(m) < len(tlsModeNames) {
		return tlsModeNames[m]
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// MarshalText returns the mode's name, so that a TLSMode reads and writes
// as text in configuration files and flags (flag.TextVar).
func (m TLSMode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(tlsModeNames) {
		return nil, fmt.Errorf("smtp: unknown TLS mode %d", int(m))
	}
	return []byte(tlsModeNames[m]), nil
}

// UnmarshalText sets the mode from its name (see [TLSMode.String]).
func (m *TLSMode) UnmarshalText(text []byte) error {
	for i, name := range tlsModeNames {
		if string(text) == name {
			*m = TLSMode(i)
			return nil
		}
	}
	return fmt.Errorf("smtp: unknown TLS mode %q: use starttls, opportunistic, implicit or none", text)
}

// Timeouts bound each stage of a session. Zero fields take the defaults,
// which are RFC 5321 §4.5.3.2's.
type Timeouts struct {
	Connect   time.Duration // TCP connect and each TLS handshake; default 30 s
	Greeting  time.Duration // the server's banner; default 5 min
	Command   time.Duration // the reply to EHLO, STARTTLS, AUTH, RSET, MAIL, RCPT; default 5 min
	DataInit  time.Duration // the reply to DATA; default 2 min
	DataBlock time.Duration // each write of message content (no progress); default 3 min
	// DataEnd is the wait for the reply to the final dot; default 10 min.
	// When it runs out the outcome is Ambiguous: the server may have
	// stored the message.
	DataEnd time.Duration
}

// Options configures a [Transport]. A nil *Options means the defaults.
type Options struct {
	TLS TLSMode // StartTLS by default
	// TLSConfig is cloned for every TLS connection. ServerName defaults
	// to the host of addr and MinVersion to TLS 1.2. A nil RootCAs (or a
	// nil TLSConfig) means the system's root certificates; on Linux and
	// the other Unix systems except macOS, the SSL_CERT_FILE (a PEM
	// bundle) and SSL_CERT_DIR environment variables replace them for the
	// whole process. For a relay whose certificate a private CA issued,
	// set RootCAs to a pool holding that CA, e.g. from a PEM file with
	// x509.CertPool.AppendCertsFromPEM. Never set InsecureSkipVerify.
	TLSConfig *tls.Config
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN (or LOGIN when the server offers only that), only over TLS:
	// without it AUTH is refused with [ErrInsecureAuth], unless
	// AllowInsecureAuth.
	Username, Password string
	// AllowInsecureAuth lets AUTH go without TLS, and then only to a
	// loopback address: it is for tests against a local server that wants
	// credentials. Never set it for a real server.
	AllowInsecureAuth bool
	// LocalName is the name sent with EHLO; default "localhost". Set it to
	// the host's fully qualified name for relays that check it.
	LocalName string
	Timeouts  Timeouts
	// MaxConnections bounds the open connections, and so the messages sent
	// at once; Send waits for a free one. Default 4.
	MaxConnections int
	// MaxMessagesPerConnection closes a connection after this many
	// messages; default 100.
	MaxMessagesPerConnection int
	// IdleTimeout closes a pooled connection unused for this long;
	// default 30 s.
	IdleTimeout time.Duration
}

// Errors of the transport. They arrive inside a [*transport.SendError]
// (and its receipt's results); match them with [errors.Is].
var (
	// ErrTLSRequired: the server does not offer STARTTLS in [StartTLS] mode.
	ErrTLSRequired = errors.New("smtp: the server does not offer STARTTLS and TLS is required; fix the server or choose another TLS mode")
	// ErrPlaintextNotLoopback: [NoTLS] was asked for a server that is not
	// on a loopback address.
	ErrPlaintextNotLoopback = errors.New("smtp: TLS can be turned off only for a loopback server")
	// ErrInsecureAuth: credentials are set but the connection is not
	// encrypted (see [Options.AllowInsecureAuth]).
	ErrInsecureAuth = errors.New("smtp: will not send the password over a connection without TLS; use a TLS mode the server supports")
	// ErrAuthNotOffered: credentials are set but the server offers
	// neither AUTH PLAIN nor LOGIN.
	ErrAuthNotOffered = errors.New("smtp: the server does not offer AUTH PLAIN or LOGIN")
	// ErrMessageTooLarge: the message is larger than the server's SIZE,
	// found before sending it, or refused by the server with 552 5.3.4.
	ErrMessageTooLarge = errors.New("smtp: the message is larger than the server accepts")
	// ErrReply is matched by every [*ReplyError]: the server refused a
	// command or answered what the protocol does not expect.
	ErrReply = errors.New("smtp: the server refused a command")
	// ErrClosed: Send was called after Close.
	ErrClosed = errors.New("smtp: transport closed")
	// ErrSessionState: the server answered a transaction with a reply
	// that blames the session rather than the message (503 bad sequence
	// of commands, another 5.5.x, or 421): before the final dot also on a
	// new connection, or at the final dot. The recipients are Deferred:
	// the message was not sent.
	ErrSessionState = errors.New("smtp: the server's session state was wrong: it refused a command as out of sequence or was closing the session, so the message was not sent; it is kept: retry later, and check the server if this goes on")
)

// errNotCreated is the error of Send on a nil Transport or one not made
// by New; every recipient is Deferred.
var errNotCreated = fmt.Errorf("smtp: the Transport was not created by New: %w", transport.ErrNoTransport)

// Transport sends messages to one SMTP server over a pool of connections.
// It is safe for concurrent use; Close it when done. Create it with [New]:
// Send on a nil or zero Transport delivers nothing and leaves every
// recipient Deferred with an error matching [transport.ErrNoTransport].
type Transport struct {
	addr    string
	opts    Options
	tlsConf *tls.Config
	slots   chan struct{}

	mu       sync.Mutex
	idle     []*conn
	closed   bool
	inflight sync.WaitGroup
}

var _ transport.RawSender = (*Transport)(nil)

// New returns a Transport for the server at addr ("host:port"). It does
// not connect: the first Send does. It fails for an addr without port,
// negative limits, and [NoTLS] to a host that is not a loopback address
// ([ErrPlaintextNotLoopback]).
func New(addr string, opts *Options) (*Transport, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("smtp: server address %q is not host:port", addr)
	}
	t := &Transport{addr: addr}
	if opts != nil {
		t.opts = *opts
	}
	o := &t.opts
	if o.TLS < StartTLS || o.TLS > NoTLS {
		return nil, fmt.Errorf("smtp: unknown TLS mode %d", o.TLS)
	}
	if o.TLS == NoTLS {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("%w: %q", ErrPlaintextNotLoopback, host)
		}
	}
	if o.MaxConnections < 0 || o.MaxMessagesPerConnection < 0 || o.IdleTimeout < 0 {
		return nil, errors.New("smtp: MaxConnections, MaxMessagesPerConnection and IdleTimeout must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeouts.Connect, 30*time.Second)
	def(&o.Timeouts.Greeting, 5*time.Minute)
	def(&o.Timeouts.Command, 5*time.Minute)
	def(&o.Timeouts.DataInit, 2*time.Minute)
	def(&o.Timeouts.DataBlock, 3*time.Minute)
	def(&o.Timeouts.DataEnd, 10*time.Minute)
	def(&o.IdleTimeout, 30*time.Second)
	if o.MaxConnections == 0 {
		o.MaxConnections = 4
	}
	if o.MaxMessagesPerConnection == 0 {
		o.MaxMessagesPerConnection = 100
	}
	if o.LocalName == "" {
		o.LocalName = "localhost"
	}
	if o.TLSConfig != nil {
		t.tlsConf = o.TLSConfig.Clone()
	} else {
		t.tlsConf = &tls.Config{}
	}
	if t.tlsConf.ServerName == "" {
		t.tlsConf.ServerName = host
	}
	if t.tlsConf.MinVersion == 0 {
		t.tlsConf.MinVersion = tls.VersionTLS12
	}
	t.slots = make(chan struct{}, o.MaxConnections)
	return t, nil
}

// Send delivers msg as [transport.Transport] describes: it composes msg
// (refusing invalid messages before connecting), takes a pooled connection
// or opens one, checks the server's SIZE and SMTPUTF8 support, and sends
// one transaction with one RCPT per recipient, pipelined when the server
// offers PIPELINING. Recipients the server refuses as too many (452) go
// in a new transaction after the first. Each recipient's result follows
// RFC 5321: 2xx after the final dot Delivered; 4xx, 552 on RCPT and
// network failures before the final dot Deferred; other 5xx Failed; no
// reply to the final dot Ambiguous. Failures before MAIL (connect,
// greeting, EHLO, TLS, AUTH) leave every recipient Deferred.
//
// A pooled connection whose last transaction did not end with a 2xx
// after the final dot is reset with RSET first, and replaced when RSET
// does not get 250. A pooled connection that turns out dead before the
// message could have been delivered is replaced once, transparently. A
// reply before the final dot that blames the session rather than the
// message (503, another 5.5.x, 421) closes the connection and the
// transaction is tried once more on a new one; if the server answers so
// again, the recipients are Deferred with [ErrSessionState]. ctx bounds
// the whole call, including the wait for a free connection.
func (t *Transport) Send(ctx context.Context, msg *transport.Message) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	m, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true})
	if err != nil {
		return transport.Refuse(msg, err)
	}
	return t.send(ctx, m)
}

// ComposeOptions returns the options Send composes with: SMTPUTF8 allowed,
// no Bcc header. It implements [transport.RawSender].
func (t *Transport) ComposeOptions() transport.ComposeOptions {
	return transport.ComposeOptions{SMTPUTF8: true}
}

// SendComposed sends c.Data as is (e.g. a message signed by package
// transport/dkim) exactly as Send sends a message it composed; a c that
// [transport.CheckComposed] refuses is refused at
// [transport.StageCompose]. It implements [transport.RawSender].
func (t *Transport) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := transport.CheckComposed(c); err != nil {
		return transport.RefuseComposed(c, err)
	}
	return t.send(ctx, c)
}

// send delivers the composed message m.
func (t *Transport) send(ctx context.Context, m *transport.Composed) (*transport.Receipt, error) {
	rc := m.Receipt(transport.RecipientResult{})
	pending := make([]int, len(rc.Recipients))
	for i := range pending {
		pending[i] = i
	}
	// fail gives the recipients not yet sent err's result.
	fail := func(err *stageError) (*transport.Receipt, error) {
		for _, i := range pending {
			rc.Recipients[i] = err.result(rc.Recipients[i].Address)
		}
		return rc, rc.Err()
	}
	release, err := t.acquire(ctx)
	if err != nil {
		return fail(&stageError{stage: transport.StageConnect, err: err})
	}
	defer release()

	var fresh, staleUsed, sessionUsed bool
	for {
		c, reused, err := t.get(ctx, fresh)
		if err != nil {
			var se *stageError
			errors.As(err, &se)
			return fail(se)
		}
		again, why := t.deliver(ctx, c, m, rc, pending, reused && !staleUsed, !sessionUsed)
		t.put(c)
		switch why {
		case retryNone:
			return rc, rc.Err()
		case retryStale:
			staleUsed = true
		case retrySession:
			sessionUsed = true
		}
		pending, fresh = again, true
	}
}

// get takes the most recently used idle connection, or dials a new one
// (always when fresh).
func (t *Transport) get(ctx context.Context, fresh bool) (c *conn, reused bool, err error) {
	t.mu.Lock()
	if n := len(t.idle); n > 0 && !fresh {
		c = t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		c.timer.Stop()
		return c, true, nil
	}
	t.mu.Unlock()
	c, err = t.dial(ctx)
	return c, false, err
}

// put returns c to the pool, or closes it when it is broken or used up.
func (t *Transport) put(c *conn) {
	t.mu.Lock()
	if c.broken || t.closed || c.used >= t.opts.MaxMessagesPerConnection {
		t.mu.Unlock()
		c.quit()
		return
	}
	c.timer = time.AfterFunc(t.opts.IdleTimeout, func() { t.expire(c) })
	t.idle = append(t.idle, c)
	t.mu.Unlock()
}

// expire closes c if it is still idle.
func (t *Transport) expire(c *conn) {
	t.mu.Lock()
	for i, x := range t.idle {
		if x == c {
			t.idle = append(t.idle[:i], t.idle[i+1:]...)
			t.mu.Unlock()
			c.quit()
			return
		}
	}
	t.mu.Unlock()
}

// Close waits for the sends in progress to finish, then ends every pooled
// session with QUIT. Send after Close fails with [ErrClosed] and delivers
// nothing.
func (t *Transport) Close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.inflight.Wait()
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, c := range idle {
		c.timer.Stop()
		c.quit()
	}
	return nil
}

// retryKind says why [Transport.deliver] wants recipients sent again on a
// new connection.
type retryKind int

const (
	retryNone    retryKind = iota // every recipient has its result
	retryStale                    // the pooled connection was dead at its first reply
	retrySession                  // a reply blamed the session ([sessionReply])
	retryReset                    // RSET before a transaction did not get 250
)

// deliver runs transactions on c for the recipients idx until each has a
// result. Otherwise it returns the recipients to send again on a new
// connection and why: a pooled connection found dead at its first reply
// (only when mayStale: then no result is recorded for them), a reply that
// blamed the session (only when maySession; their results say so, in case
// the next attempt cannot be made), or an RSET that failed (nothing was
// attempted for them on c).
func (t *Transport) deliver(ctx context.Context, c *conn, m *transport.Composed, rc *transport.Receipt, idx []int, mayStale, maySession bool) (again []int, why retryKind) {
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(past) })
	defer func() {
		if !stop() {
			c.broken = true
		}
	}()
	setAll := func(idx []int, err *stageError) {
		for _, i := range idx {
			rc.Recipients[i] = err.result(rc.Recipients[i].Address)
		}
	}
	if m.SMTPUTF8 {
		if _, ok := c.ext["SMTPUTF8"]; !ok {
			setAll(idx, &stageError{stage: transport.StageMail, out: transport.Failed,
				err: fmt.Errorf("%w: the server does not offer it", address.ErrNeedsSMTPUTF8)})
			return nil, retryNone
		}
	}
	if limit, err := strconv.Atoi(c.ext["SIZE"]); err == nil && limit > 0 && len(m.Data) > limit {
		setAll(idx, &stageError{stage: transport.StageMail, out: transport.Failed,
			err: fmt.Errorf("%w: %d octets, the server's SIZE is %d", ErrMessageTooLarge, len(m.Data), limit)})
		return nil, retryNone
	}
	pending := idx
	for len(pending) > 0 {
		if c.dirty {
			if err := c.reset(ctx); err != nil {
				if ctx.Err() != nil {
					setAll(pending, err.(*stageError))
					return nil, retryNone
				}
				return pending, retryReset
			}
		}
		end := c.transaction(ctx, m, rc, pending, mayStale)
		mayStale = false
		switch {
		case end.stale:
			return pending, retryStale
		case len(end.session) > 0 && maySession:
			return end.session, retrySession
		case len(end.session) > 0:
			return nil, retryNone
		}
		pending = end.next
		if c.broken && len(pending) > 0 {
			return nil, retryNone // the recipients refused as too many keep their 452
		}
	}
	return nil, retryNone
}

// acquire waits for a free connection slot and returns the function that
// frees it. It fails when ctx is done, when t was not made by New
// (errNotCreated), and after Close (ErrClosed); Close then waits for
// release.
func (t *Transport) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t == nil || t.slots == nil {
		return nil, errNotCreated
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	t.inflight.Add(1)
	t.mu.Unlock()
	select {
	case t.slots <- struct{}{}:
		return func() { <-t.slots; t.inflight.Done() }, nil
	case <-ctx.Done():
		t.inflight.Done()
		return nil, ctx.Err()
	}
}

// Verify checks the configuration without sending anything, like
// nodemailer's verify: it opens a new connection and runs the session up
// to where a message could be sent (greeting, EHLO, STARTTLS or implicit
// TLS with the certificate check, AUTH when credentials are set), then
// keeps the connection in the pool for the next Send. Call it once before
// sending a batch, so that a wrong configuration shows before any message
// is attempted.
//
// It returns nil when a message could be sent now, and otherwise a
// [*transport.SendError] without recipients at the stage that failed, with
// the server's reply if there was one. [transport.IsConfig] reports true
// for it when the server cannot be reached (connection refused, unknown
// host, connect timeout), for TLS and certificate problems, STARTTLS
// missing, plaintext to a host that is not loopback, and authentication
// refused or impossible; other failures (a busy server's 421) are
// temporary. ctx bounds the whole call.
func (t *Transport) Verify(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	fail := func(e *stageError) error {
		res := e.result("")
		return &transport.SendError{Stage: res.Stage, Code: res.Code, EnhancedCode: res.EnhancedCode,
			Temporary: res.Outcome == transport.Deferred, Config: transport.IsConfig(res.Err), Err: res.Err}
	}
	release, err := t.acquire(ctx)
	if err != nil {
		return fail(&stageError{stage: transport.StageConnect, err: err})
	}
	defer release()
	c, err := t.dial(ctx)
	if err != nil {
		var se *stageError
		errors.As(err, &se)
		// Not reaching the server at all is a configuration problem
		// here, before sending: a wrong host or port, or a firewall.
		se.config = se.config || se.stage == transport.StageConnect && ctx.Err() == nil
		return fail(se)
	}
	t.put(c)
	return nil
}
