package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// reply is one SMTP reply.
type reply struct {
	code     int
	enhanced string // RFC 3463 code from the first line, "" if none
	text     string // the text lines without code and enhanced code, joined with "\n"
}

// Limits on what a server may send in one reply.
const (
	maxReplyLine  = 4096
	maxReplyLines = 200
)

// errMalformed reports a reply that is not SMTP.
var errMalformed = errors.New("smtp: malformed reply from server")

// readReply reads one (possibly multi-line) reply.
func readReply(br *bufio.Reader) (reply, error) {
	var r reply
	var text []string
	for n := 0; ; n++ {
		if n == maxReplyLines {
			return r, fmt.Errorf("%w: more than %d lines", errMalformed, maxReplyLines)
		}
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return r, fmt.Errorf("%w: a line longer than %d octets", errMalformed, maxReplyLine)
		}
		if err != nil {
			return r, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) < 3 || len(line) > 3 && line[3] != ' ' && line[3] != '-' {
			return r, fmt.Errorf("%w: %q", errMalformed, line)
		}
		code, err := strconv.Atoi(string(line[:3]))
		if err != nil || code < 100 || code > 599 {
			return r, fmt.Errorf("%w: %q", errMalformed, line)
		}
		if n > 0 && code != r.code {
			return r, fmt.Errorf("%w: code %d in a reply that began with %d", errMalformed, code, r.code)
		}
		r.code = code
		var t string
		if len(line) > 4 {
			t = string(line[4:])
		}
		if e, rest, ok := cutEnhanced(t, code); ok {
			if n == 0 {
				r.enhanced = e
			}
			if e == r.enhanced {
				t = rest
			}
		}
		text = append(text, t)
		if len(line) == 3 || line[3] == ' ' {
			r.text = strings.Join(text, "\n")
			return r, nil
		}
	}
}

// cutEnhanced splits an RFC 3463 enhanced status code ("5.1.1") whose class
// matches the reply code from the start of text.
func cutEnhanced(text string, code int) (enhanced, rest string, ok bool) {
	e, rest, _ := strings.Cut(text, " ")
	parts := strings.Split(e, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(code/100) {
		return "", text, false
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 || len(p) > 3 {
			return "", text, false
		}
	}
	return e, rest, true
}

// ReplyError is a server reply that refused a command, or was not the one
// the protocol expects.
type ReplyError struct {
	Command      string // what was answered: "greeting", "EHLO", "MAIL FROM", "RCPT TO:<a@example.fi>", "DATA", "end of data", …
	Code         int
	EnhancedCode string
	Text         string // the server's text, lines joined with "\n"
}

// Error quotes the reply: server text is never trusted to be printable.
func (e *ReplyError) Error() string {
	code := strconv.Itoa(e.Code)
	if e.EnhancedCode != "" {
		code += " " + e.EnhancedCode
	}
	return fmt.Sprintf("smtp: server replied %s %q to %s", code, e.Text, e.Command)
}

// Is reports whether e matches target: every ReplyError matches
// [ErrReply], and a size refusal (552 with enhanced code 5.3.4 or 5.2.3)
// also [ErrMessageTooLarge].
func (e *ReplyError) Is(target error) bool {
	return target == ErrReply ||
		target == ErrMessageTooLarge && e.Code == 552 && (e.EnhancedCode == "5.3.4" || e.EnhancedCode == "5.2.3")
}

func replyErr(cmd string, r reply) *ReplyError {
	return &ReplyError{Command: cmd, Code: r.code, EnhancedCode: r.enhanced, Text: r.text}
}

// outcome classifies a reply that did not succeed, or a failure without
// reply (code 0), at a stage: 4xx and network failures before the final
// dot are Deferred, 5xx Failed except 552 on RCPT (RFC 5321 §4.5.3.1.10),
// 530 (authentication required, RFC 4954), a reply that blames the
// session rather than the message ([sessionReply]) and at the session
// stages: a 5xx banner, EHLO, TLS or AUTH refusal is the server's or the
// configuration's problem, not the message's. After the final dot
// anything but 2xx, 4xx or 5xx is Ambiguous: the server may have stored
// the message.
func outcome(stage transport.Stage, r reply) transport.Outcome {
	class := r.code / 100
	switch {
	case stage == transport.StageFinal && class == 2:
		return transport.Delivered
	case stage == transport.StageFinal && class != 4 && class != 5:
		return transport.Ambiguous
	case class == 5 && stage == transport.StageRcpt && r.code == 552, r.code == 530, sessionReply(r):
		return transport.Deferred
	case class == 5 && !sessionStage(stage):
		return transport.Failed
	}
	return transport.Deferred
}

// sessionReply reports whether r says that the session is wrong rather
// than the message: 421 (the server is closing the session), 503 (bad
// sequence of commands), a 5xx with an RFC 3463 code 5.5.x other than
// 5.5.3 (too many recipients) — invalid command, syntax error, invalid
// arguments, wrong protocol version — or, without an enhanced code, 500
// and 501 (syntax errors). Such a reply is never a permanent failure of
// the message: the server and the client are out of step.
func sessionReply(r reply) bool {
	switch {
	case r.code == 421 || r.code == 503:
		return true
	case r.code/100 != 5:
		return false
	case r.enhanced != "":
		return strings.HasPrefix(r.enhanced, "5.5.") && r.enhanced != "5.5.3"
	}
	return r.code == 500 || r.code == 501
}

// sessionStage reports whether stage comes before MAIL: a failure there is
// not the message's.
func sessionStage(stage transport.Stage) bool {
	switch stage {
	case transport.StageConnect, transport.StageGreeting, transport.StageHello, transport.StageTLS, transport.StageAuth:
		return true
	}
	return false
}

// configProblem reports whether a failure shows that the set-up is wrong
// rather than the message or the moment: a certificate that does not
// verify, a TLS handshake with a server that does not speak TLS there, TLS
// required but not offered or refused for good (5xx to STARTTLS),
// plaintext to a host that is not loopback, and authentication refused
// (5xx to AUTH), impossible or required but not configured (530).
func configProblem(stage transport.Stage, r reply, err error) bool {
	var (
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, ErrTLSRequired), errors.Is(err, ErrPlaintextNotLoopback),
		errors.Is(err, ErrInsecureAuth), errors.Is(err, ErrAuthNotOffered):
		return true
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return true
	case stage == transport.StageTLS && (errors.As(err, &record) || r.code/100 == 5):
		return true
	case stage == transport.StageAuth && r.code/100 == 5:
		return true
	}
	return r.code == 530
}

// stageError is a failure of the session with its stage and reply.
type stageError struct {
	stage transport.Stage
	reply reply             // code 0 when there was none
	out   transport.Outcome // the outcome, when not derived from stage and reply
	// config marks the failure as a configuration problem also when
	// configProblem does not (Verify: a server that cannot be reached).
	config bool
	err    error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// result turns e into the result of a recipient; a configuration problem's
// error is wrapped in a [transport.ConfigError].
func (e *stageError) result(addr string) transport.RecipientResult {
	out := e.out
	if out == 0 {
		out = outcome(e.stage, e.reply)
	}
	err := e.err
	if e.config || configProblem(e.stage, e.reply, e.err) {
		err = &transport.ConfigError{Err: err}
	}
	return transport.RecipientResult{
		Address: addr, Outcome: out, Stage: e.stage,
		Code: e.reply.code, EnhancedCode: e.reply.enhanced, Err: err,
	}
}

// conn is one SMTP connection.
type conn struct {
	t     *Transport
	nc    net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	ext   map[string]string // EHLO keywords (upper case) → parameters
	tls   bool
	used  int    // mail transactions started on this connection
	dirty bool   // the last transaction did not end with 2xx after its data: RSET before the next
	buf   []byte // reused buffer for dot-stuffed message data
	timer *time.Timer
	// broken is set when the connection must not be reused.
	broken bool
}

var past = time.Unix(1, 0)

// deadline sets the deadline for the next I/O, keeping it in the past once
// ctx is done (context.AfterFunc in Send sets it there).
func (c *conn) deadline(ctx context.Context, d time.Duration) {
	c.nc.SetDeadline(time.Now().Add(d))
	if ctx.Err() != nil {
		c.nc.SetDeadline(past)
	}
}

// fail builds the stageError for an I/O failure, preferring ctx's error.
func (c *conn) fail(ctx context.Context, stage transport.Stage, err error) *stageError {
	c.broken = true
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return &stageError{stage: stage, err: err}
}

// cmd writes and flushes one command and reads its reply.
func (c *conn) cmd(ctx context.Context, stage transport.Stage, line string) (reply, error) {
	c.deadline(ctx, c.t.opts.Timeouts.Command)
	c.bw.WriteString(line + "\r\n")
	if err := c.bw.Flush(); err != nil {
		return reply{}, c.fail(ctx, stage, err)
	}
	return c.read(ctx, stage, c.t.opts.Timeouts.Command)
}

// read reads one reply; a 421 marks the connection as closing.
func (c *conn) read(ctx context.Context, stage transport.Stage, d time.Duration) (reply, error) {
	c.deadline(ctx, d)
	r, err := readReply(c.br)
	if err != nil {
		return r, c.fail(ctx, stage, err)
	}
	if r.code == 421 {
		c.broken = true
	}
	return r, nil
}

// expect reads the reply to cmd and turns anything but code into a
// stageError.
func (c *conn) expect(ctx context.Context, stage transport.Stage, cmd, line string, code int) error {
	r, err := c.cmd(ctx, stage, line)
	if err != nil {
		return err
	}
	if r.code != code {
		return &stageError{stage: stage, reply: r, err: replyErr(cmd, r)}
	}
	return nil
}

// dial opens a connection and runs the session up to a state where MAIL
// may be sent: greeting, EHLO, TLS and AUTH.
func (t *Transport) dial(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: t.opts.Timeouts.Connect}
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, &stageError{stage: transport.StageConnect, err: err}
	}
	if t.opts.TLS == NoTLS && !isLoopback(nc.RemoteAddr()) {
		nc.Close()
		return nil, &stageError{stage: transport.StageConnect, err: ErrPlaintextNotLoopback}
	}
	c := &conn{t: t, nc: nc}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(past) })
	err = c.setUp(ctx)
	if !stop() && err == nil {
		// ctx ended just after the session was set up.
		err = &stageError{stage: transport.StageConnect, err: ctx.Err()}
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *conn) setUp(ctx context.Context) error {
	o := &c.t.opts
	if o.TLS == ImplicitTLS {
		if err := c.handshake(ctx); err != nil {
			return err
		}
	} else {
		c.br, c.bw = bufio.NewReaderSize(c.nc, maxReplyLine), bufio.NewWriter(c.nc)
	}
	r, err := c.read(ctx, transport.StageGreeting, o.Timeouts.Greeting)
	if err != nil {
		return err
	}
	if r.code != 220 {
		return &stageError{stage: transport.StageGreeting, reply: r, err: replyErr("greeting", r)}
	}
	if err := c.hello(ctx); err != nil {
		return err
	}
	if o.TLS == StartTLS || o.TLS == StartTLSOpportunistic {
		_, offered := c.ext["STARTTLS"]
		switch {
		case !offered && o.TLS == StartTLS:
			return &stageError{stage: transport.StageTLS, err: ErrTLSRequired}
		case offered:
			r, err := c.cmd(ctx, transport.StageTLS, "STARTTLS")
			if err != nil {
				return err
			}
			if r.code != 220 {
				if o.TLS == StartTLS {
					return &stageError{stage: transport.StageTLS, reply: r, err: replyErr("STARTTLS", r)}
				}
				break // opportunistic: the server declined, go on without TLS
			}
			if err := c.handshake(ctx); err != nil {
				return err
			}
			if err := c.hello(ctx); err != nil {
				return err
			}
		}
	}
	if o.Username != "" {
		return c.auth(ctx)
	}
	return nil
}

// handshake runs the TLS client handshake over the connection; a
// certificate that does not verify fails here, at the TLS stage.
func (c *conn) handshake(ctx context.Context) error {
	tc := tls.Client(c.nc, c.t.tlsConf)
	c.deadline(ctx, c.t.opts.Timeouts.Connect)
	if err := tc.HandshakeContext(ctx); err != nil {
		return c.fail(ctx, transport.StageTLS, err)
	}
	c.nc, c.tls = tc, true
	c.br, c.bw = bufio.NewReaderSize(tc, maxReplyLine), bufio.NewWriter(tc)
	return nil
}

// hello sends EHLO, falling back to HELO when the server does not know
// EHLO, and records the extensions.
func (c *conn) hello(ctx context.Context) error {
	r, err := c.cmd(ctx, transport.StageHello, "EHLO "+c.t.opts.LocalName)
	if err != nil {
		return err
	}
	c.ext = make(map[string]string)
	if r.code == 250 {
		for _, l := range strings.Split(r.text, "\n")[1:] {
			k, v, _ := strings.Cut(l, " ")
			c.ext[strings.ToUpper(k)] = v
		}
		return nil
	}
	if r.code/100 != 5 {
		return &stageError{stage: transport.StageHello, reply: r, err: replyErr("EHLO", r)}
	}
	return c.expect(ctx, transport.StageHello, "HELO", "HELO "+c.t.opts.LocalName, 250)
}

// auth authenticates with PLAIN or LOGIN, never without TLS unless
// Options.AllowInsecureAuth allows it to a loopback server.
func (c *conn) auth(ctx context.Context) error {
	o := &c.t.opts
	if !c.tls && !(o.AllowInsecureAuth && isLoopback(c.nc.RemoteAddr())) {
		return &stageError{stage: transport.StageAuth, err: ErrInsecureAuth}
	}
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	b64 := base64.StdEncoding.EncodeToString
	switch {
	case slices.Contains(mechs, "PLAIN"):
		return c.expect(ctx, transport.StageAuth, "AUTH PLAIN", "AUTH PLAIN "+b64([]byte("\x00"+o.Username+"\x00"+o.Password)), 235)
	case slices.Contains(mechs, "LOGIN"):
		if err := c.expect(ctx, transport.StageAuth, "AUTH LOGIN", "AUTH LOGIN", 334); err != nil {
			return err
		}
		if err := c.expect(ctx, transport.StageAuth, "AUTH LOGIN user name", b64([]byte(o.Username)), 334); err != nil {
			return err
		}
		return c.expect(ctx, transport.StageAuth, "AUTH LOGIN password", b64([]byte(o.Password)), 235)
	}
	return &stageError{stage: transport.StageAuth, err: fmt.Errorf("%w (it offers %q)", ErrAuthNotOffered, c.ext["AUTH"])}
}

// reset ends whatever transaction the server may still hold with RSET;
// anything but 250 means the connection cannot be trusted: it is then
// marked broken, and the caller dials a new one.
func (c *conn) reset(ctx context.Context) error {
	r, err := c.cmd(ctx, transport.StageMail, "RSET")
	if err != nil {
		return err
	}
	if r.code != 250 {
		c.broken = true
		return &stageError{stage: transport.StageMail, reply: r, err: replyErr("RSET", r)}
	}
	c.dirty = false
	return nil
}

// quit ends the session politely and closes the connection.
func (c *conn) quit() {
	if !c.broken {
		c.nc.SetDeadline(time.Now().Add(5 * time.Second))
		c.bw.WriteString("QUIT\r\n")
		if c.bw.Flush() == nil {
			readReply(c.br)
		}
	}
	c.nc.Close()
}

// stuff appends data to dst dot-stuffed (a "." at the start of a line
// doubled), followed by the end-of-data line. It copies whole runs
// between line starts instead of working byte by byte. data must end with
// CRLF, as transport.Compose guarantees.
func stuff(dst, data []byte) []byte {
	if len(data) > 0 && data[0] == '.' {
		dst = append(dst, '.')
	}
	for {
		i := bytes.Index(data, []byte("\n."))
		if i < 0 {
			break
		}
		dst = append(dst, data[:i+2]...)
		dst = append(dst, '.')
		data = data[i+2:]
	}
	dst = append(dst, data...)
	return append(dst, ".\r\n"...)
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
