package transporttest

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
)

// scriptConn sits between the network and go-smtp: it reads command lines
// one at a time and applies the script to them, performs STARTTLS itself,
// rewrites the EHLO capabilities and applies the script to the reply after
// the final dot. go-smtp calls Read and Write from one goroutine; Close may
// come from another.
type scriptConn struct {
	s *Server
	n int

	tcp net.Conn // the accepted connection
	mu  sync.Mutex
	raw net.Conn // the current connection: tcp, or TLS over it
	r   *bufio.Reader

	tls  bool
	user string

	pending   []byte    // the rest of a line go-smtp has not read yet
	data      bool      // reading message content
	lineStart bool      // the next content byte starts a line
	readDelay bool      // DataReadDelay still to apply
	dropAfter int       // content octets left before dropping; -1: off
	nextDrop  int       // DropAfterBytes of the last DATA command
	ehlo      []string  // EHLO reply lines being collected
	inEHLO    bool      // collecting the EHLO reply
	final     *Response // the script's response to ".", for the reply after the data
	closeNext bool      // close after the next reply
	last      string    // the verb whose reply go-smtp writes next ("." after the data)
	txOpen    bool      // a transaction is open (Script.KeepFailedTransaction)
}

func newScriptConn(s *Server, raw net.Conn, n int) *scriptConn {
	return &scriptConn{s: s, n: n, tcp: raw, raw: raw, r: bufio.NewReaderSize(raw, 4096), dropAfter: -1}
}

func (c *scriptConn) conn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.raw
}

// Close closes the connection and forgets it.
func (c *scriptConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.open, c.tcp)
	c.s.mu.Unlock()
	return c.conn().Close()
}

func (c *scriptConn) LocalAddr() net.Addr                { return c.conn().LocalAddr() }
func (c *scriptConn) RemoteAddr() net.Addr               { return c.conn().RemoteAddr() }
func (c *scriptConn) SetDeadline(t time.Time) error      { return c.conn().SetDeadline(t) }
func (c *scriptConn) SetReadDeadline(t time.Time) error  { return c.conn().SetReadDeadline(t) }
func (c *scriptConn) SetWriteDeadline(t time.Time) error { return c.conn().SetWriteDeadline(t) }

// startTLS makes the connection a TLS server connection and handshakes.
func (c *scriptConn) startTLS() error {
	tc := tls.Server(c.conn(), c.s.tlsConf)
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	c.mu.Lock()
	c.raw, c.r, c.tls = tc, bufio.NewReaderSize(tc, 4096), true
	c.mu.Unlock()
	return nil
}

// hang reads and discards until the client or the server closes the
// connection, then closes it.
func (c *scriptConn) hang() {
	io.Copy(io.Discard, c.r)
	c.Close()
}

// writeReply writes a scripted reply.
func (c *scriptConn) writeReply(r Response) error {
	lines := strings.Split(replyText(r), "\n")
	var b strings.Builder
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		b.WriteString(strconv.Itoa(r.Code) + sep)
		if r.Enhanced != "" {
			b.WriteString(r.Enhanced + " ")
		}
		b.WriteString(l + "\r\n")
	}
	_, err := io.WriteString(c.conn(), b.String())
	return err
}

// readLine reads one line (or a 4 KiB piece of a longer one).
func (c *scriptConn) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		err = nil
	}
	if len(line) > 0 {
		return append([]byte(nil), line...), nil
	}
	return nil, err
}

// Read gives go-smtp one command line at a time, after applying the
// script, or message content.
func (c *scriptConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		var err error
		if c.data {
			err = c.readContent()
		} else {
			err = c.readCommand()
		}
		if err != nil {
			return 0, err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *scriptConn) readContent() error {
	if c.readDelay {
		c.readDelay = false
		if !c.s.sleep(c.s.script.DataReadDelay) {
			return net.ErrClosed
		}
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	if c.dropAfter >= 0 {
		if len(line) >= c.dropAfter {
			c.Close()
			return net.ErrClosed
		}
		c.dropAfter -= len(line)
	}
	if c.lineStart && string(line) == ".\r\n" {
		c.data, c.last = false, "."
	}
	c.lineStart = line[len(line)-1] == '\n'
	c.pending = line
	return nil
}

func (c *scriptConn) readCommand() error {
	line, err := c.readLine()
	if err != nil {
		return err
	}
	text := strings.TrimRight(string(line), "\r\n")
	verb, arg, _ := strings.Cut(text, " ")
	cmd := Command{Conn: c.n, Verb: strings.ToUpper(verb), Arg: arg}
	if cmd.Verb == "MAIL" || cmd.Verb == "RCPT" {
		if i := strings.IndexByte(arg, '<'); i >= 0 {
			if j := strings.IndexByte(arg[i:], '>'); j >= 0 {
				cmd.Address = arg[i+1 : i+j]
			}
		}
	}
	r := c.s.respond(cmd)
	if !c.s.sleep(r.Delay) {
		return net.ErrClosed
	}
	switch {
	case r.Hang:
		c.hang()
		return net.ErrClosed
	case r.Drop:
		c.Close()
		return net.ErrClosed
	case r.Code != 0:
		if err := c.writeReply(r); err != nil {
			return err
		}
		if r.CloseAfter {
			c.Close()
			return net.ErrClosed
		}
		return nil // swallowed: go-smtp never sees the command
	case c.s.script.KeepFailedTransaction && c.txOpen && cmd.Verb == "MAIL":
		return c.writeReply(Response{Code: 503, Enhanced: "5.5.1", Text: "Bad sequence of commands"})
	}
	c.closeNext = r.CloseAfter
	c.last = cmd.Verb
	if cmd.Verb == "RSET" || cmd.Verb == "EHLO" || cmd.Verb == "HELO" {
		c.txOpen = false
	}
	switch cmd.Verb {
	case "STARTTLS":
		if c.s.script.TLS == StartTLS && !c.tls && !c.s.hidden("STARTTLS") {
			if err := c.writeReply(Response{Code: 220, Enhanced: "2.0.0", Text: "Ready to start TLS"}); err != nil {
				return err
			}
			if err := c.startTLS(); err != nil {
				c.Close()
				return net.ErrClosed
			}
			return nil
		}
	case "EHLO":
		c.inEHLO = true
	case "DATA":
		c.nextDrop = r.DropAfterBytes
	}
	c.pending = line
	return nil
}

// Write passes go-smtp's replies on, rewriting the EHLO capabilities and
// applying the script to the reply after the message data.
func (c *scriptConn) Write(p []byte) (int, error) {
	line := string(p)
	switch {
	case c.inEHLO:
		c.ehlo = append(c.ehlo, line)
		if len(line) < 4 || line[3] != ' ' {
			return len(p), nil // more lines to come
		}
		c.inEHLO = false
		p = []byte(c.capabilities())
		c.ehlo = nil
	case strings.HasPrefix(line, "354"):
		c.data, c.lineStart, c.readDelay = true, true, true
		c.dropAfter = -1
		if c.nextDrop > 0 {
			c.dropAfter = c.nextDrop
		}
	case c.final != nil:
		r := *c.final
		c.final = nil
		if !c.s.sleep(r.Delay) {
			return 0, net.ErrClosed
		}
		switch {
		case r.Hang:
			c.hang()
			return 0, net.ErrClosed
		case r.Drop:
			c.Close()
			return 0, net.ErrClosed
		case r.Code != 0:
			p = []byte(strconv.Itoa(r.Code) + " " + strings.TrimSpace(r.Enhanced+" "+replyText(r)) + "\r\n")
		}
		c.closeNext = c.closeNext || r.CloseAfter
	}
	if code, ok := replyCode(p); ok {
		switch c.last {
		case "MAIL":
			c.txOpen = c.txOpen || code/100 == 2
		case ".":
			c.txOpen = c.txOpen && code/100 != 2
		}
	}
	if _, err := c.conn().Write(p); err != nil {
		return 0, err
	}
	if c.closeNext && len(line) >= 4 && line[3] == ' ' {
		c.Close()
	}
	return len(p), nil
}

// replyCode returns the code of a reply whose last line p holds.
func replyCode(p []byte) (int, bool) {
	text := strings.TrimRight(string(p), "\r\n")
	last := text[strings.LastIndexByte(text, '\n')+1:]
	if len(last) < 4 || last[3] != ' ' {
		return 0, false
	}
	code, err := strconv.Atoi(last[:3])
	return code, err == nil
}

// capabilities rewrites go-smtp's EHLO reply: hidden keywords and CHUNKING
// (BDAT chunks would bypass the script) removed, STARTTLS added while TLS
// is offered and not yet on.
func (c *scriptConn) capabilities() string {
	if !strings.HasPrefix(c.ehlo[0], "250") {
		return strings.Join(c.ehlo, "")
	}
	var kept []string
	for i, l := range c.ehlo {
		text := strings.TrimRight(l[4:], "\r\n")
		keyword, _, _ := strings.Cut(text, " ")
		if k := strings.ToUpper(keyword); i > 0 && (k == "CHUNKING" || c.s.hidden(k)) {
			continue
		}
		kept = append(kept, text)
	}
	if c.s.script.TLS == StartTLS && !c.tls && !c.s.hidden("STARTTLS") {
		kept = append(kept, "STARTTLS")
	}
	var b strings.Builder
	for i, t := range kept {
		sep := "-"
		if i == len(kept)-1 {
			sep = " "
		}
		b.WriteString("250" + sep + t + "\r\n")
	}
	return b.String()
}

func newPlainServer(check func(user, pass string) error) sasl.Server {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if identity != "" && identity != user {
			return sasl.ErrUnexpectedClientResponse
		}
		return check(user, pass)
	})
}

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// does not provide.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch {
	case l.step == 1 && resp == nil:
		return []byte("Username:"), false, nil
	case l.step == 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case l.step == 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}
