package bounce

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// This file is a small, tolerant MIME reader over a byte slice whose lines
// end in LF (Parse normalises CRLF and CR first). The standard library's
// net/mail and mime/multipart were tried first: they are strict where
// bounces are sloppy (header lines without a colon, boundaries quoted
// wrongly, parts cut off without the closing delimiter, bodies of
// message/rfc822 parts that are only headers) and allocate a reader per
// part. Here a part is two sub-slices of the input; only decoded text is
// copied. Encoded words, charsets and quoted-printable still come from the
// standard library and golang.org/x/text.

// field is one header field: its name in lower case and its unfolded value.
type field struct {
	name  string
	value string
}

// header is a header block in order.
type header []field

// get returns the first value of the field name (lower case), or "".
func (h header) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// has reports whether the field name (lower case) is present.
func (h header) has(name string) bool {
	for _, f := range h {
		if f.name == name {
			return true
		}
	}
	return false
}

// parseHeader reads a header block from b and returns it and the rest
// after the blank line (or nil when the block runs to the end). A line
// without a colon that is not a continuation ends the block when it comes
// first after at least one field, so a body without the blank line is not
// eaten as header; an mbox "From " line before the first field is skipped.
func parseHeader(b []byte, maxFields int) (header, []byte) {
	h := make(header, 0, 12)
	var fold []byte // the continuation lines of the last field
	keep := false   // the last field's value is kept
	flush := func() {
		if keep && len(fold) > 0 && len(h) > 0 {
			h[len(h)-1].value += string(fold)
		}
		fold = fold[:0]
	}
	defer flush()
	for len(b) > 0 {
		line, rest := cutLine(b)
		if len(line) == 0 {
			return h, rest
		}
		if line[0] == ' ' || line[0] == '\t' {
			if keep && len(fold) < maxFieldLen {
				fold = append(fold, ' ')
				fold = append(fold, bytes.TrimSpace(line)...)
			}
			b = rest
			continue
		}
		flush()
		keep = false
		if len(h) == 0 && bytes.HasPrefix(line, []byte("From ")) {
			b = rest // an mbox separator line
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isFieldName(bytes.TrimRight(line[:colon], " \t")) {
			if len(h) > 0 && h[len(h)-1].name == "content-type" && isParamLine(line) {
				// a Content-Type parameter on a line of its own, not indented
				h[len(h)-1].value += "; " + string(bytes.TrimSpace(line))
				b = rest
				continue
			}
			return h, b // not a field: the body starts here
		}
		if len(h) < maxFields {
			// Only the fields read here keep their value; the others
			// are counted (a header block is recognised by them) but
			// not copied.
			name, want := headerName(bytes.TrimRight(line[:colon], " \t"))
			v := ""
			if want {
				v = string(bytes.TrimSpace(line[colon+1:]))
				keep = true
			}
			h = append(h, field{name: name, value: v})
		}
		b = rest
	}
	return h, nil
}

// headerName returns the lower-case name of a message header field the
// package reads and whether its value is needed; other fields get ""
// (or their name without value, for those only tested for presence).
func headerName(b []byte) (string, bool) {
	var buf [76]byte
	n := copy(buf[:], b)
	for i := range n {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	switch string(buf[:n]) {
	case "content-type":
		return "content-type", true
	case "content-transfer-encoding":
		return "content-transfer-encoding", true
	case "from":
		return "from", true
	case "to":
		return "to", true
	case "subject":
		return "subject", true
	case "message-id":
		return "message-id", true
	case "return-path":
		return "return-path", true
	case "auto-submitted":
		return "auto-submitted", true
	case "precedence":
		return "precedence", true
	case "delivered-to":
		return "delivered-to", true
	case "envelope-to":
		return "envelope-to", true
	case "x-original-to":
		return "x-original-to", true
	case "x-envelope-to":
		return "x-envelope-to", true
	case "x-failed-recipients":
		return "x-failed-recipients", true
	case "x-apple-action":
		return "x-apple-action", true
	case "x-autoreply":
		return "x-autoreply", true
	case "x-autorespond":
		return "x-autorespond", true
	case "x-autoresponder":
		return "x-autoresponder", true
	case "received":
		return "received", false
	case "x-auto-response-suppress":
		return "x-auto-response-suppress", false
	}
	return "", false
}

// maxFieldLen bounds an unfolded header value.
const maxFieldLen = 64 << 10

// isFieldName reports whether b is a plausible header field name.
func isFieldName(b []byte) bool {
	if len(b) == 0 || len(b) > 76 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// lowerName returns the field name in lower case, sharing the common
// names' strings.
func lowerName(b []byte) string {
	var buf [76]byte
	n := copy(buf[:], b)
	for i := range n {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	switch string(buf[:n]) { // no allocation for these comparisons
	case "content-type":
		return "content-type"
	case "content-transfer-encoding":
		return "content-transfer-encoding"
	case "from":
		return "from"
	case "to":
		return "to"
	case "subject":
		return "subject"
	case "received":
		return "received"
	case "message-id":
		return "message-id"
	case "date":
		return "date"
	case "final-recipient":
		return "final-recipient"
	case "original-recipient":
		return "original-recipient"
	case "action":
		return "action"
	case "status":
		return "status"
	case "diagnostic-code":
		return "diagnostic-code"
	case "remote-mta":
		return "remote-mta"
	case "return-path":
		return "return-path"
	}
	return string(buf[:n])
}

// cutLine splits b after its first LF: the line without the LF and the
// rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// mediaType returns the lower-case media type of a Content-Type value
// ("text/plain"), "" when absent.
func mediaType(ct string) string {
	ct = strings.TrimSpace(ct)
	if i := strings.IndexAny(ct, "; \t"); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(ct)
}

// param returns the parameter name (lower case) of a header value, without
// quotes; tolerant of missing semicolons, spaces around "=" and case.
func param(v, name string) string {
	lv := strings.ToLower(v)
	from := 0
	for {
		i := strings.Index(lv[from:], name)
		if i < 0 {
			return ""
		}
		i += from
		from = i + len(name)
		if i > 0 {
			if c := lv[i-1]; c != ';' && c != ' ' && c != '\t' {
				continue
			}
		}
		j := from
		for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
			j++
		}
		if j >= len(v) || v[j] != '=' {
			continue
		}
		j++
		for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
			j++
		}
		if j < len(v) && v[j] == '"' {
			k := strings.IndexByte(v[j+1:], '"')
			if k < 0 {
				return v[j+1:]
			}
			return v[j+1 : j+1+k]
		}
		k := j
		for k < len(v) && v[k] != ';' && v[k] != ' ' && v[k] != '\t' {
			k++
		}
		return v[j:k]
	}
}

// splitMultipart returns the parts of a multipart body with the given
// boundary, at most max of them. A missing closing delimiter ends the last
// part at the end of the body.
func splitMultipart(body []byte, boundary string, max int) [][]byte {
	if boundary == "" {
		return nil
	}
	var parts [][]byte
	start := -1
	b := body
	pos := 0
	for len(b) > 0 {
		line, rest := cutLine(b)
		if len(line) >= 2+len(boundary) && line[0] == '-' && line[1] == '-' && string(line[2:2+len(boundary)]) == boundary {
			tail := line[2+len(boundary):]
			closing := len(tail) >= 2 && tail[0] == '-' && tail[1] == '-'
			if start >= 0 {
				end := pos
				if end > start && body[end-1] == '\n' {
					end--
				}
				parts = append(parts, body[start:end])
				if len(parts) >= max {
					return parts
				}
			}
			if closing {
				return parts
			}
			start = len(body) - len(rest)
		}
		pos += len(b) - len(rest)
		b = rest
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// decodeBody undoes the Content-Transfer-Encoding and converts the charset
// to UTF-8. Bodies that need neither are returned as they are.
func decodeBody(body []byte, cte, charset string) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		body = decodeBase64(body)
	case "quoted-printable":
		body = decodeQP(body)
	}
	return toUTF8(body, charset)
}

// decodeBase64 decodes base64 text, skipping whitespace and anything
// outside the alphabet, and stopping at padding.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			// a MIME boundary-like line inside: stop
		}
	}
	clean = clean[:len(clean)/4*4+func() int {
		if r := len(clean) % 4; r >= 2 {
			return r
		}
		return 0
	}()]
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return out[:n]
	}
	return bytes.ReplaceAll(bytes.ReplaceAll(out[:n], []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
}

// decodeQP decodes quoted-printable text leniently: a broken escape is
// kept as it is.
func decodeQP(b []byte) []byte {
	if bytes.IndexByte(b, '=') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' { // soft line break
			i++
			continue
		}
		// soft line break with trailing spaces
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == '\n' && j > i+1 {
			i = j
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// toUTF8 converts b from charset to UTF-8 when b is not already valid
// UTF-8 or holds ISO-2022 escapes. Unknown charsets leave b as it is.
func toUTF8(b []byte, charset string) []byte {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	hasEsc := bytes.IndexByte(b, 0x1b) >= 0
	if !hasEsc && (cs == "" || cs == "us-ascii" || cs == "utf-8" || cs == "utf8" || utf8.Valid(b)) {
		return b
	}
	if cs == "" || cs == "us-ascii" || cs == "utf-8" {
		if hasEsc {
			cs = "iso-2022-jp"
		} else {
			cs = "iso-8859-1"
		}
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return b
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return out
}

// maxDecodedHeader bounds the header text decoded for encoded words.
const maxDecodedHeader = 4096

// wordDecoder decodes RFC 2047 encoded words in header values.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeWords decodes the encoded words of a header value, or returns it as
// it is.
func decodeWords(v string) string {
	if len(v) > maxDecodedHeader {
		v = v[:maxDecodedHeader] // From and Subject are only matched against short words
	}
	if !strings.Contains(v, "=?") {
		if strings.IndexByte(v, 0x1b) >= 0 {
			return string(toUTF8([]byte(v), "iso-2022-jp"))
		}
		return v
	}
	s, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

// charsetReader returns a reader converting charset to UTF-8, for the
// encoded-word decoder.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(strings.ToLower(charset))
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}

// isParamLine reports whether line is a lone MIME parameter
// ("boundary=\"x\"", "charset=us-ascii").
func isParamLine(line []byte) bool {
	eq := bytes.IndexByte(line, '=')
	if eq <= 0 {
		return false
	}
	name := bytes.ToLower(bytes.TrimSpace(line[:eq]))
	return bytes.Equal(name, []byte("boundary")) || bytes.Equal(name, []byte("charset")) ||
		bytes.Equal(name, []byte("report-type")) || bytes.Equal(name, []byte("format"))
}
