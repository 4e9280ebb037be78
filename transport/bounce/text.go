package bounce

import (
	"bytes"
	"strings"
)

// Plain-text reports: the recipients, each with the lines that explain it,
// read from the human-readable text without a per-server table. A line
// that starts with an address (optionally in angle brackets, optionally
// after a label such as "Recipient address:") names a recipient; the lines
// after it up to the next recipient line are its diagnostic. The copy of
// the original message that most servers append is cut off first.

// originalMarkers start the returned copy of the original message in
// plain-text reports (lower case, matched inside a line).
var originalMarkers = []string{
	"below this line is a copy of the message",
	"this is a copy of the message",
	"this is a copy of your message",
	"original message follows",
	"----- original message -----",
	"unsent message follows",
	"returned message follows",
	"------ returned mail ------",
	"header of the original message",
	"original message headers",
	"original message header",
	"this is the original message",
	"-- the header and top 20 lines of the message follows --",
	"original mail follows",
	"----- message header follows -----",
	"----- the header of the original message is following. -----",
	"content-type: message/rfc822",
	"------ a copy of the original message",
	"--- the message header follows",
	"元のメッセージ",
	"message headers follow",
	"returned message --",
}

// splitOriginal cuts text where the returned original message starts and
// returns the report's own text and the original's header (nil when none
// is found).
func splitOriginal(t []byte) (own []byte, orig header) {
	b := t
	pos := 0
	afterBlank := false
	for len(b) > 0 {
		line, rest := cutLine(b)
		lineStart := pos
		pos += len(b) - len(rest)
		b = rest
		if len(line) > 0 && len(line) < 200 {
			if hasAnyFold(line, originalMarkers) {
				h, _ := parseHeader(bytes.TrimLeft(rest, "\n"), maxHeaderFields)
				return t[:lineStart], h
			}
			if afterBlank && lineStart > 0 && isOrigHeaderStart(line) {
				h, _ := parseHeader(t[lineStart:], maxHeaderFields)
				if len(h) >= 2 {
					return t[:lineStart], h
				}
			}
		}
		afterBlank = len(bytes.TrimSpace(line)) == 0
	}
	return t, nil
}

// isOrigHeaderStart reports whether line looks like the first header
// field of a returned message.
func isOrigHeaderStart(line []byte) bool {
	return hasPrefixFold(line, "return-path:") || hasPrefixFold(line, "received: from") || hasPrefixFold(line, "received: by") ||
		hasPrefixFold(line, "received:from") ||
		hasPrefixFold(line, "received: (") || hasPrefixFold(line, "x-original-to:") || hasPrefixFold(line, "delivered-to:")
}

// textRecipient is a recipient found in report text.
type textRecipient struct {
	addr  string
	lines []string
}

// recipientLabels are labels before a recipient's address at the start of
// a line (lower case).
var recipientLabels = []string{
	"recipient address:", "recipient:", "failed recipient:", "failed address:", "original recipient:",
	"address:", "rcpt to:", "invalid recipient:", "unknown recipient:", "bad address:",
	"final-recipient: rfc822;", "original-recipient: rfc822;", "final-recipient:", "original-recipient:", "x-failed-recipients:",
	"email:", "e-mail:", "could not be delivered to:", "delivery to the following recipient failed permanently:",
	"delivery to the following recipient has been delayed:", "undeliverable to",
}

// textRecipients finds the recipients of a plain-text report and their
// diagnostic lines. skip is the sender (the report's addressee), never a
// failed recipient.
func textRecipients(t []byte, skip string, max int) (rs []textRecipient, truncated bool) {
	var cur = -1
	codedCur := false         // the current recipient came from a "550 <addr>... text" line
	prev, last := "", ""      // the line before this one, and this one
	index := map[string]int{} // lower-case address → position in rs
	b := t
	for len(b) > 0 {
		line, rest := cutLine(b)
		b = rest
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		prev, last = last, s
		if addr, tail, ok := recipientLine(s); ok && !strings.EqualFold(addr, skip) {
			key := strings.ToLower(addr)
			found, seen := index[key]
			if !seen {
				if len(rs) >= max {
					truncated = true
					cur = -1
					continue
				}
				rs = append(rs, textRecipient{addr: addr})
				found = len(rs) - 1
				index[key] = found
			}
			cur = found
			codedCur = len(s) > 3 && isDigit(s[0])
			if codedCur && strings.HasSuffix(prev, ":") && len(rs[cur].lines) < maxDiagLines {
				// "host [192.0.2.25] did not like our RCPT TO:" before "550 <addr>: ..."
				rs[cur].lines = append(rs[cur].lines, prev)
			}
			if tail != "" && len(rs[cur].lines) < maxDiagLines {
				rs[cur].lines = append(rs[cur].lines, tail)
			}
			continue
		}
		if codedCur && len(s) > 4 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && (s[3] == ' ' || s[3] == '-') {
			cur = -1 // sendmail's next "NNN host... text" line is not this recipient's
		}
		if cur >= 0 && len(rs[cur].lines) < maxDiagLines {
			rs[cur].lines = append(rs[cur].lines, s)
		}
	}
	return rs, truncated
}

// maxDiagLines bounds the lines kept per recipient.
const maxDiagLines = 12

// recipientLine reports whether s (trimmed) names a recipient: an address
// first, optionally in angle brackets or quotes, optionally after a label;
// then nothing, ":", "...", " on <date>", "(...)" or a diagnostic.
func recipientLine(s string) (addr, tail string, ok bool) {
	ls := s
	for _, l := range recipientLabels {
		if hasPrefixFold([]byte(s), l) {
			ls = strings.TrimSpace(s[len(l):])
			break
		}
	}
	coded := false
	if ls == s && len(s) > 5 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && s[3] == ' ' {
		// sendmail's "550 <addr>... User unknown" (or "550 5.1.1 <addr>...")
		r := s[4:]
		if st, at := statusAt(r); at == 0 {
			r = strings.TrimSpace(r[len(st):])
		}
		if !strings.HasPrefix(r, "<") {
			return "", "", false
		}
		ls, coded = r, true
	}
	if ls == s && (len(s) > 0 && (s[0] >= '0' && s[0] <= '9')) {
		return "", "", false
	}
	r := ls
	r = strings.TrimLeft(r, `"'*-• `)
	if strings.HasPrefix(r, "mailto:") {
		r = r[7:]
	}
	bracket := false
	if strings.HasPrefix(r, "<") {
		r = r[1:]
		bracket = true
	}
	end := 0
	for end < len(r) && isAddrChar(r[end]) {
		end++
	}
	a := r[:end]
	at := strings.IndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || !strings.Contains(a[at:], ".") {
		return "", "", false
	}
	a = strings.TrimRight(a, ".")
	rest := r[end:]
	if bracket {
		if !strings.HasPrefix(rest, ">") {
			return "", "", false
		}
		rest = rest[1:]
	}
	rest = strings.TrimSpace(rest)
	rest = strings.TrimLeft(rest, `"'`)
	rest = strings.TrimSpace(rest)
	switch {
	case rest == "", rest == ":", rest == ",", rest == ";":
		return a, "", true
	case coded:
		return a, s, true // the code and status are the diagnostic's
	case strings.HasPrefix(rest, "..."):
		return a, strings.TrimSpace(rest[3:]), true
	case rest[0] == ':' || rest[0] == ',':
		return a, strings.TrimSpace(rest[1:]), true
	case strings.HasPrefix(rest, "on ") || rest[0] == '(' || rest[0] == '[':
		return a, rest, true
	case ls != s: // after a label anything may follow
		return a, rest, true
	case !bracket && hasAnyFoldString(rest, failureWords):
		return a, rest, true // "addr Invalid Address, ERROR_CODE :550"
	}
	return "", "", false
}

// failureWords, after a bare address at the start of a line, make the
// line a recipient's.
var failureWords = []string{"invalid", "error", "unknown", "failed", "rejected", "not found", "does not exist", "full", "disabled", "[#"}

// isAddrChar reports whether c may appear in an address as reports print
// it.
func isAddrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("@.!#$%&'*+-/=?^_`{|}~", c) >= 0 || c >= 0x80
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix p,
// ignoring case.
func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// hasAnyFold reports whether b contains any of the lower-case needles,
// ignoring ASCII case, without allocating.
func hasAnyFold(b []byte, needles []string) bool {
	for _, n := range needles {
		if containsFold(b, n) {
			return true
		}
	}
	return false
}

// containsFold reports whether b contains the lower-case needle n,
// ignoring ASCII case.
func containsFold(b []byte, n string) bool {
	if len(n) == 0 {
		return true
	}
	c0 := n[0]
	u0 := c0
	if 'a' <= c0 && c0 <= 'z' {
		u0 = c0 - 'a' + 'A'
	}
	for i := 0; i+len(n) <= len(b); i++ {
		c := b[i]
		if c != c0 && c != u0 {
			continue
		}
		if hasPrefixFold(b[i:], n) {
			return true
		}
	}
	return false
}

// collapse joins whitespace runs into single spaces and trims.
func collapse(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanAddress returns the bare address of an address field value
// ("rfc822; <a@b>", "Name <a@b>", "a@b (comment)").
func cleanAddress(v string) string {
	v = strings.TrimSpace(stripType(v))
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		}
	}
	if i := strings.IndexAny(v, " \t("); i >= 0 && strings.IndexByte(v[:i], '@') > 0 {
		v = v[:i]
	}
	if strings.ContainsAny(v, " \t\r\n") { // "Name addr@x" or garbage: the token with "@", else the first
		f := strings.Fields(v)
		v = f[0]
		for _, w := range f {
			if strings.IndexByte(w, '@') > 0 {
				v = w
				break
			}
		}
	}
	v = strings.Trim(v, `"'<>;,. `)
	if strings.ContainsAny(v, "<>") {
		v = strings.Map(func(r rune) rune {
			if r == '<' || r == '>' {
				return -1
			}
			return r
		}, v)
	}
	return v
}

// stripType removes an RFC 3464 type prefix ("rfc822;", "smtp;", "x-unix;").
func stripType(v string) string {
	if i := strings.IndexByte(v, ';'); i > 0 && i < 16 && !strings.ContainsAny(v[:i], " @<") {
		return strings.TrimSpace(v[i+1:])
	}
	return strings.TrimSpace(v)
}

// trimAngle removes the angle brackets and spaces around a message ID.
func trimAngle(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	return strings.Trim(v, "<> ")
}

// inlineWords make a line naming an <address> inside it a recipient's
// ("rejected recipient <a@b>", "error delivering your mail to <a@b>").
var inlineWords = []string{"recipient", "deliver", "undeliverable", "mailbox", "user"}

// inlineRecipients finds recipients named in angle brackets inside lines
// about delivery, for reports whose lines do not start with the address.
// The diagnostic is the line and the ones after it up to a blank line.
func inlineRecipients(t []byte, skip string, max int) []textRecipient {
	var rs []textRecipient
	seen := map[string]bool{}
	b := t
	for len(b) > 0 && len(rs) < max {
		line, rest := cutLine(b)
		b = rest
		a, _, ok := addressIn(string(line))
		if !ok || strings.EqualFold(a, skip) || seen[strings.ToLower(a)] || !hasAnyFold(line, inlineWords) {
			continue
		}
		seen[strings.ToLower(a)] = true
		r := textRecipient{addr: a, lines: []string{strings.TrimSpace(string(line))}}
		for nb := rest; len(nb) > 0 && len(r.lines) < maxDiagLines; {
			l, nr := cutLine(nb)
			nb = nr
			if len(bytes.TrimSpace(l)) == 0 {
				break
			}
			r.lines = append(r.lines, strings.TrimSpace(string(l)))
		}
		rs = append(rs, r)
	}
	return rs
}

// addressIn returns the first <address> in s and where it starts.
func addressIn(s string) (string, int, bool) {
	from := 0
	for {
		i := strings.IndexByte(s[from:], '<')
		if i < 0 {
			return "", 0, false
		}
		i += from
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return "", 0, false
		}
		if a := s[i+1 : i+j]; strings.IndexByte(a, '@') > 0 && !strings.ContainsAny(a, " <") {
			return a, i, true
		}
		from = i + 1
	}
}

// hasAnyFoldString is hasAnyFold for a string.
func hasAnyFoldString(s string, needles []string) bool {
	ls := strings.ToLower(s)
	for _, n := range needles {
		if strings.Contains(ls, n) {
			return true
		}
	}
	return false
}
