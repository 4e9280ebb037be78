package transport

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf8"
)

// write writes the checked message into c.buf.
func (c *composer) write(m *Message) {
	size := len(m.Text)*11/10 + len(m.HTML)*11/10 + 2048
	for _, a := range m.Attachments {
		size += len(a.Data)*138/100 + 512
	}
	c.buf.Grow(size)

	c.header("Date", c.date.Format(time.RFC1123Z))
	c.addressHeader("From", []addr{c.from})
	c.addressHeader("Reply-To", c.replyTo)
	c.addressHeader("To", c.to)
	c.addressHeader("Cc", c.cc)
	if c.opts.Bcc {
		c.addressHeader("Bcc", c.bcc)
	}
	if m.Subject != "" {
		c.unstructured("Subject", m.Subject)
	}
	c.header("Message-ID", "<"+c.id+">")
	c.header("MIME-Version", "1.0")
	for _, name := range c.headerNames {
		c.unstructured(name, m.Headers[name])
	}

	sum := sha256.Sum256([]byte(c.id))
	boundary := "=_" + hex.EncodeToString(sum[:12])
	if len(m.Attachments) == 0 {
		c.body(m, boundary+".a")
		if !bytes.HasSuffix(c.buf.Bytes(), []byte("\r\n")) {
			c.buf.WriteString("\r\n") // a message ends with a line break
		}
		return
	}
	mixed := boundary + ".m"
	c.header("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
	c.buf.WriteString("\r\n--" + mixed + "\r\n")
	c.body(m, boundary+".a")
	for i, a := range m.Attachments {
		c.buf.WriteString("\r\n--" + mixed + "\r\n")
		c.attachment(a, c.contentTypes[i])
	}
	c.buf.WriteString("\r\n--" + mixed + "--\r\n")
}

// body writes the text and HTML: a single part, or multipart/alternative.
func (c *composer) body(m *Message, alt string) {
	if m.HTML == "" || m.Text == "" {
		if m.HTML != "" {
			c.textPart("text/html", m.HTML)
		} else {
			c.textPart("text/plain", m.Text)
		}
		return
	}
	c.header("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
	c.buf.WriteString("\r\n--" + alt + "\r\n")
	c.textPart("text/plain", m.Text)
	c.buf.WriteString("\r\n--" + alt + "\r\n")
	c.textPart("text/html", m.HTML)
	c.buf.WriteString("\r\n--" + alt + "--\r\n")
}

// textPart writes headers and a quoted-printable body. The body ends as
// the text does, with or without a line break: the CRLF that starts the
// next boundary line is not part of it.
func (c *composer) textPart(ct, text string) {
	c.header("Content-Type", ct+"; charset=utf-8")
	c.header("Content-Transfer-Encoding", "quoted-printable")
	c.buf.WriteString("\r\n")
	// Line breaks become LF first: mime/quotedprintable's Writer, after a
	// lone CR, drops the next LF when an encoded byte stands between them
	// ("\r\x00\n" loses its line break), so it is given LFs only.
	if strings.IndexByte(text, '\r') >= 0 {
		text = crlf.Replace(text)
	}
	qp := quotedprintable.NewWriter(&c.buf)
	qp.Write([]byte(text)) // writes to a bytes.Buffer: no error
	qp.Close()
}

// crlf turns CRLF and lone CR line breaks into LF.
var crlf = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func (c *composer) attachment(a Attachment, ct string) {
	plain := a.Filename == "" || isPlainParam(a.Filename)
	c.startHeader("Content-Type")
	if a.Filename == "" {
		c.token(ct)
	} else {
		c.token(ct + ";")
		c.filenameParam("name", a.Filename, plain)
	}
	c.endHeader()
	c.startHeader("Content-Disposition")
	if a.Filename == "" {
		c.token("attachment")
	} else {
		c.token("attachment;")
		c.filenameParam("filename", a.Filename, plain)
		if !plain {
			c.buf.WriteString(";")
			c.rfc2231("filename", a.Filename)
		}
	}
	c.endHeader()
	c.header("Content-Transfer-Encoding", "base64")
	c.buf.WriteString("\r\n")
	const lineLen = 76
	enc := base64.StdEncoding
	line := make([]byte, lineLen)
	data := a.Data
	for len(data) > 0 {
		n := min(len(data), lineLen/4*3)
		enc.Encode(line, data[:n])
		c.buf.Write(line[:enc.EncodedLen(n)])
		c.buf.WriteString("\r\n")
		data = data[n:]
	}
}

// filenameParam writes `key="value"`, as is when plain, else as RFC 2047
// encoded-words inside the quotes (what old mail programs read).
func (c *composer) filenameParam(key, v string, plain bool) {
	if plain {
		c.token(key + `="` + v + `"`)
		return
	}
	words := encodeWords(v, 78-c.line-len(key)-4, 74)
	for i, w := range words {
		if i == 0 {
			w = key + `="` + w
		}
		if i == len(words)-1 {
			w += `"`
		}
		c.token(w)
	}
}

// rfc2231 writes key*0*=utf-8”…; key*1*=… continuations of at most 78
// octets per line, split at character boundaries.
func (c *composer) rfc2231(key, v string) {
	const max = 60
	var seg strings.Builder
	n := 0
	flush := func() {
		prefix := fmt.Sprintf("%s*%d*=", key, n)
		if n == 0 {
			prefix += "utf-8''"
		}
		if n > 0 {
			c.buf.WriteString(";")
		}
		c.buf.WriteString("\r\n " + prefix + seg.String())
		c.line = 1 + len(prefix) + seg.Len()
		seg.Reset()
		n++
	}
	for _, r := range v {
		var enc string
		if r < utf8.RuneSelf && isAttrChar(byte(r)) {
			enc = string(r)
		} else {
			var b [utf8.UTFMax]byte
			for _, x := range b[:utf8.EncodeRune(b[:], r)] {
				enc += string([]byte{'%', upperHex[x>>4], upperHex[x&15]})
			}
		}
		if seg.Len()+len(enc) > max {
			flush()
		}
		seg.WriteString(enc)
	}
	if seg.Len() > 0 || n == 0 {
		flush()
	}
}

// isAttrChar reports whether b may appear unencoded in an RFC 2231 value.
func isAttrChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// isPlainParam reports whether a file name can be written as a plain
// quoted parameter value: printable ASCII without quotes, backslashes or
// "=?", short enough for one line.
func isPlainParam(v string) bool {
	if len(v) > 50 || strings.Contains(v, "=?") || strings.TrimSpace(v) != v {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' || v[i] == '"' || v[i] == '\\' {
			return false
		}
	}
	return true
}

// Header writing. Lines are folded before a space so that they stay within
// 78 octets where a token allows it.

const foldAt = 78

func (c *composer) startHeader(name string) {
	c.buf.WriteString(name + ":")
	c.line, c.lineHasToken = len(name)+1, false
}

// token writes " tok", folding the line first when it would get longer
// than foldAt and already holds a token.
func (c *composer) token(tok string) {
	if c.lineHasToken && c.line+1+len(tok) > foldAt {
		c.buf.WriteString("\r\n")
		c.line = 0
	}
	c.buf.WriteString(" " + tok)
	c.line += 1 + len(tok)
	c.lineHasToken = true
}

func (c *composer) endHeader() {
	c.buf.WriteString("\r\n")
	c.line = 0
}

// header writes a header whose value is known to be safe ASCII.
func (c *composer) header(name, value string) {
	c.startHeader(name)
	c.token(value)
	c.endHeader()
}

// unstructured writes a free-text header (Subject, extra headers): as is,
// folded at spaces, when it is plain ASCII; as encoded-words otherwise.
func (c *composer) unstructured(name, v string) {
	c.startHeader(name)
	switch {
	case v == "":
	case isPlainText(v, c.room()):
		for _, w := range strings.Split(v, " ") {
			c.token(w)
		}
	default:
		for _, w := range encodeWords(v, foldAt-c.line-1, 75) {
			c.token(w)
		}
	}
	c.endHeader()
}

// isPlainText reports whether v can be written unencoded: printable ASCII
// words separated by single spaces, without "=?", the first at most first
// octets long and the others at most 76, so that every line stays within
// foldAt.
func isPlainText(v string, first int) bool {
	if strings.Contains(v, "=?") {
		return false
	}
	word, limit := 0, min(first, 76)
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case b == ' ':
			if word == 0 {
				return false // leading or double space
			}
			word, limit = 0, 76
		case b < '!' || b > '~':
			return false
		default:
			word++
			if word > limit {
				return false
			}
		}
	}
	return word > 0
}

// room returns how long the next token may be to fit within foldAt: on the
// current line when it holds no token yet (the token cannot be folded onto
// a line of its own), else on a new line.
func (c *composer) room() int {
	if c.lineHasToken {
		return foldAt - 1
	}
	return foldAt - c.line - 1
}

func (c *composer) addressHeader(name string, list []addr) {
	if len(list) == 0 {
		return
	}
	c.startHeader(name)
	for i, a := range list {
		var toks []string
		if a.name != "" {
			toks = c.phrase(a.name)
		}
		last := "<" + a.wire + ">"
		if a.name == "" {
			last = a.wire
		}
		if i < len(list)-1 {
			last += ","
		}
		for _, t := range append(toks, last) {
			c.token(t)
		}
	}
	c.endHeader()
}

// phrase renders a display name as tokens: atoms, one quoted string, or
// encoded-words.
func (c *composer) phrase(name string) []string {
	atoms := true
	printable := true
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b < ' ' || b > '~' {
			printable, atoms = false, false
			break
		}
		if b != ' ' && !isAtext(b) {
			atoms = false
		}
	}
	switch {
	case atoms && isPlainText(name, c.room()):
		return strings.Split(name, " ")
	case printable && len(name) <= 60 && !strings.Contains(name, "=?") && strings.TrimSpace(name) == name:
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
		return []string{`"` + r.Replace(name) + `"`}
	}
	return encodeWords(name, foldAt-c.line-1, 75)
}

// encodeWords splits s into RFC 2047 encoded-words (UTF-8; Q encoding,
// which keeps Latin text readable, unless B is much shorter) of at most
// limit octets, the first at most first octets (but never under 20), each
// holding whole characters.
func encodeWords(s string, first, limit int) []string {
	useB := qLen(s) > (len(s)+2)/3*4*3/2
	size := func(chunk string) int {
		if useB {
			return (len(chunk) + 2) / 3 * 4
		}
		return qLen(chunk)
	}
	var words []string
	budget := max(first, 20) - len("=?utf-8?q??=")
	start := 0
	for i, r := range s {
		if i > start && size(s[start:i+utf8.RuneLen(r)]) > budget {
			words = append(words, encodeWord(s[start:i], useB))
			start = i
			budget = limit - len("=?utf-8?q??=")
		}
	}
	return append(words, encodeWord(s[start:], useB))
}

func encodeWord(chunk string, useB bool) string {
	if useB {
		return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(chunk)) + "?="
	}
	b := make([]byte, 0, qLen(chunk)+12)
	b = append(b, "=?utf-8?q?"...)
	for i := 0; i < len(chunk); i++ {
		switch x := chunk[i]; {
		case x == ' ':
			b = append(b, '_')
		case isQSafe(x):
			b = append(b, x)
		default:
			b = append(b, '=', upperHex[x>>4], upperHex[x&15])
		}
	}
	return string(append(b, "?="...))
}

const upperHex = "0123456789ABCDEF"

// qLen is the length of s in Q encoding.
func qLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isQSafe(s[i]) || s[i] == ' ' {
			n++
		} else {
			n += 3
		}
	}
	return n
}

// isQSafe reports whether b may appear as itself in a Q-encoded word in any
// header position (RFC 2047 §5 (3): letters, digits and "!*+-/").
func isQSafe(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return b == '!' || b == '*' || b == '+' || b == '-' || b == '/'
}
