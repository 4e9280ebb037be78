package transport

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/transport/address"
)

// MaxHeaderValueLength is the longest header value [Compose] accepts (a
// subject, a display name, a file name, an extra header's value), in octets
// before encoding. It is the RFC 5322 line limit: longer values are almost
// certainly a mistake.
const MaxHeaderValueLength = 998

// HeaderReason says why [Compose] refused a field. The values are stable.
type HeaderReason string

// The reasons a field is refused.
const (
	HeaderMissing            HeaderReason = "missing"              // a required field is empty (From)
	HeaderControlCharacter   HeaderReason = "control-character"    // CR, LF, NUL or another control character
	HeaderInvalidEncoding    HeaderReason = "invalid-encoding"     // not valid UTF-8
	HeaderTooLong            HeaderReason = "too-long"             // over MaxHeaderValueLength octets
	HeaderInvalidAddress     HeaderReason = "invalid-address"      // address.Parse refused it; Err is the *address.Error
	HeaderNeedsSMTPUTF8      HeaderReason = "needs-smtputf8"       // a non-ASCII local part without ComposeOptions.SMTPUTF8
	HeaderInvalidName        HeaderReason = "invalid-field-name"   // an extra header name that is not an RFC 5322 field name
	HeaderReserved           HeaderReason = "reserved-field"       // an extra header the writer sets itself
	HeaderInvalidMessageID   HeaderReason = "invalid-message-id"   // not "local@domain" in RFC 5322 dot-atom form
	HeaderInvalidContentType HeaderReason = "invalid-content-type" // not a "type/subtype" media type
)

var headerReasonText = map[HeaderReason]string{
	HeaderMissing:            "it is required; set it",
	HeaderControlCharacter:   "it contains a line break or another control character; remove it",
	HeaderInvalidEncoding:    "it is not valid UTF-8 text; convert it to UTF-8",
	HeaderTooLong:            fmt.Sprintf("it is longer than %d octets; shorten it", MaxHeaderValueLength),
	HeaderInvalidAddress:     "it is not a valid e-mail address",
	HeaderNeedsSMTPUTF8:      "the part before the @ is not ASCII, which needs a server with SMTPUTF8; use another address or allow SMTPUTF8",
	HeaderInvalidName:        "it is not a header field name (printable ASCII without spaces or colons, at most 76 characters)",
	HeaderReserved:           "the writer sets this header itself; use the Message field instead",
	HeaderInvalidMessageID:   `it is not of the form "local@domain" (without angle brackets, no spaces)`,
	HeaderInvalidContentType: `it is not a media type such as "application/pdf"`,
}

// String returns a short English description of the reason, with what to do.
func (r HeaderReason) String() string {
	if s, ok := headerReasonText[r]; ok {
		return s
	}
	return string(r)
}

// HeaderError reports a field of a [Message] that [Compose] cannot write
// safely: a header value, an address, an attachment's name or type, or a
// body that is not UTF-8. Nothing is written or sent. It unwraps to Err
// (an [*address.Error] or [address.ErrNeedsSMTPUTF8]) when there is one.
type HeaderError struct {
	// Field names the field: "Subject", "From", "To[1]", "Cc[0].Name",
	// "Headers[X-Foo]", "Attachments[0].Filename", "Text", "MessageID".
	Field  string
	Reason HeaderReason
	Value  string // the refused value, shortened to 100 characters
	Err    error  // the underlying error, if any
}

// Error says which field was refused, its value and what to do.
func (e *HeaderError) Error() string {
	s := fmt.Sprintf("transport: cannot write %s %q: %s", e.Field, e.Value, e.Reason)
	if e.Err != nil && e.Reason == HeaderInvalidAddress {
		s += ": " + e.Err.Error()
	}
	return s
}

// ErrInvalidMessage is matched by every [*HeaderError]: a field of the
// Message cannot be written safely, and nothing was written or sent.
var ErrInvalidMessage = errors.New("transport: message cannot be written")

// Unwrap returns [ErrInvalidMessage] and the underlying error, if any.
func (e *HeaderError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidMessage}
	}
	return []error{ErrInvalidMessage, e.Err}
}

// Message explains the refused field in lang ("fi", "sv" or "en"; anything
// else gives English) for the person who set it up: which field, its value
// and what is wrong with it.
func (e *HeaderError) Message(lang string) string {
	reason := e.Reason.Message(lang)
	var ae *address.Error
	if e.Reason == HeaderInvalidAddress && errors.As(e.Err, &ae) {
		reason += ": " + ae.Reason.Message(lang)
	}
	return fmt.Sprintf(i18n.Pick(lang, headerErrorText), e.Field, e.Value, reason)
}

// headerErrorText frames [HeaderError.Message] in English, Finnish and
// Swedish: field, value, reason.
var headerErrorText = [3]string{
	"The e-mail cannot be written: %s “%s”: %s.",
	"Sähköpostia ei voi kirjoittaa: %s ”%s”: %s.",
	"E-postmeddelandet kan inte skrivas: %s ”%s”: %s.",
}

// Message describes the reason in lang ("fi", "sv" or "en"; anything else
// gives English). An unknown reason is returned as its code.
func (r HeaderReason) Message(lang string) string {
	t, ok := headerReasonMessages[r]
	if !ok {
		return string(r)
	}
	return i18n.Pick(lang, t)
}

// headerReasonMessages hold the reasons' descriptions for people in
// English, Finnish and Swedish.
var headerReasonMessages = map[HeaderReason][3]string{
	HeaderMissing: {"it is required",
		"se on pakollinen",
		"det är obligatoriskt"},
	HeaderControlCharacter: {"it contains a line break or another control character",
		"siinä on rivinvaihto tai muu ohjausmerkki",
		"det innehåller en radbrytning eller ett annat kontrolltecken"},
	HeaderInvalidEncoding: {"it is not valid UTF-8 text",
		"se ei ole kelvollista UTF-8-tekstiä",
		"det är inte giltig UTF-8-text"},
	HeaderTooLong: {fmt.Sprintf("it is longer than %d bytes", MaxHeaderValueLength),
		fmt.Sprintf("se on yli %d tavua pitkä", MaxHeaderValueLength),
		fmt.Sprintf("det är längre än %d byte", MaxHeaderValueLength)},
	HeaderInvalidAddress: {"it is not a valid e-mail address",
		"se ei ole kelvollinen sähköpostiosoite",
		"det är inte en giltig e-postadress"},
	HeaderNeedsSMTPUTF8: {"the part before the @ is not ASCII, which the mail server must support (SMTPUTF8)",
		"@-merkkiä edeltävässä osassa on muita kuin ASCII-merkkejä, joita postipalvelimen pitää tukea (SMTPUTF8)",
		"delen före @ innehåller tecken utanför ASCII, som e-postservern måste stödja (SMTPUTF8)"},
	HeaderInvalidName: {"it is not a valid header field name",
		"se ei ole kelvollinen otsakekentän nimi",
		"det är inte ett giltigt namn på ett huvudfält"},
	HeaderReserved: {"the e-mail writer sets this header itself",
		"sähköpostin kirjoittaja asettaa tämän otsakkeen itse",
		"e-postskrivaren sätter detta huvudfält själv"},
	HeaderInvalidMessageID: {"it is not a valid Message-ID (local@domain)",
		"se ei ole kelvollinen Message-ID (paikallinen@verkkotunnus)",
		"det är inte ett giltigt Message-ID (lokal@domän)"},
	HeaderInvalidContentType: {"it is not a media type such as application/pdf",
		"se ei ole mediatyyppi kuten application/pdf",
		"det är inte en medietyp som application/pdf"},
}

func headerErr(field string, r HeaderReason, value string, err error) *HeaderError {
	if utf8.RuneCountInString(value) > 100 {
		value = string([]rune(value)[:100]) + "…"
	}
	return &HeaderError{Field: field, Reason: r, Value: value, Err: err}
}

// ComposeOptions configures [Compose]. A nil *ComposeOptions means the
// defaults.
type ComposeOptions struct {
	// SMTPUTF8 allows addresses whose local part is not ASCII (RFC 6531).
	// The message then carries them as UTF-8 (RFC 6532) and
	// [Composed.SMTPUTF8] is set: it can only go to a server that offers
	// SMTPUTF8. Without it such an address is a [*HeaderError] wrapping
	// [address.ErrNeedsSMTPUTF8].
	SMTPUTF8 bool
	// Bcc writes a Bcc header field listing the Bcc recipients: for files
	// and drafts, never for a message handed to a mail server.
	Bcc bool
}

// Composed is a [Message] written as an RFC 5322 / MIME message, with its
// envelope.
type Composed struct {
	MessageID string // the Message-ID written, without angle brackets
	From      string // envelope sender in wire form (A-label domain)
	// Recipients are the distinct recipients (see [address.Equal]) of To,
	// Cc and Bcc in that
	// order, as [address.Parse] returns them; RcptTo holds the same
	// recipients in wire form (A-label domains), for RCPT TO.
	Recipients []string
	RcptTo     []string
	// SMTPUTF8 is set when an address has a non-ASCII local part: the
	// message can only go through a server that offers SMTPUTF8.
	SMTPUTF8 bool
	// Data is the message: CRLF line ends only (no bare CR or LF), no line
	// over 998 octets, ending with CRLF. It is not dot-stuffed.
	Data []byte
}

// Receipt returns a receipt giving every recipient of c the result res
// (with Address set): a helper for transports that deliver or fail a
// message as a whole.
func (c *Composed) Receipt(res RecipientResult) *Receipt {
	r := &Receipt{MessageID: c.MessageID, Recipients: make([]RecipientResult, len(c.Recipients))}
	for i, a := range c.Recipients {
		res.Address = a
		r.Recipients[i] = res
	}
	return r
}

// Compose validates m and writes it as a MIME message: RFC 5322 headers
// with RFC 2047 encoded-words for non-ASCII text, folded to 78 octets where
// practical and never over 998; a quoted-printable text part, an HTML
// alternative in multipart/alternative when m.HTML is set, and base64
// attachments (lines of 76) with RFC 2231 file names (plus RFC 2047 for old
// mail programs) in multipart/mixed. Addresses are checked with
// [address.Parse]; internationalised domains are written as A-labels.
//
// Compose does not modify m. A message without recipients (or a nil m)
// gives [ErrNoRecipients]; a field that cannot be written safely (control
// characters, invalid UTF-8, over-long values, invalid addresses, header
// names or Message-ID) gives a [*HeaderError]: header injection is
// impossible through any field. When m.MessageID is empty a random one is
// generated with the sender's domain; when m.Date is zero the current time
// is used. The MIME boundaries derive from the Message-ID, so the same
// message with the same Message-ID and Date composes to the same bytes.
func Compose(m *Message, opts *ComposeOptions) (*Composed, error) {
	c, err := check(m, opts)
	if err != nil {
		return nil, err
	}
	c.write(m)
	e := c.envelope()
	e.Data = c.buf.Bytes()
	return e, nil
}

// Envelope checks m exactly as [Compose] does and returns what Compose
// would, without writing the message: Data is nil. It is for transports
// and test doubles that need the Message-ID and the recipients but not the
// bytes.
func Envelope(m *Message, opts *ComposeOptions) (*Composed, error) {
	c, err := check(m, opts)
	if err != nil {
		return nil, err
	}
	return c.envelope(), nil
}

// check returns a composer that has checked m.
func check(m *Message, opts *ComposeOptions) (*composer, error) {
	if opts == nil {
		opts = &ComposeOptions{}
	}
	c := &composer{opts: opts, seen: make(map[string]bool)}
	if err := c.check(m); err != nil {
		return nil, err
	}
	return c, nil
}

// envelope returns the envelope of the checked message.
func (c *composer) envelope() *Composed {
	return &Composed{
		MessageID:  c.id,
		From:       c.from.wire,
		Recipients: c.rcpt,
		RcptTo:     c.rcptWire,
		SMTPUTF8:   c.utf8,
	}
}

// addr is a checked address: its display name and wire form.
type addr struct{ name, wire string }

// composer checks a Message and writes it; one per Compose call.
type composer struct {
	opts *ComposeOptions

	from                 addr
	replyTo, to, cc, bcc []addr
	rcpt, rcptWire       []string
	seen                 map[string]bool
	utf8                 bool
	id                   string
	date                 time.Time
	headerNames          []string
	contentTypes         []string // per attachment, with parameters
	buf                  bytes.Buffer
	line                 int  // length of the header line being written
	lineHasToken         bool // the line holds a token after the field name
}

// reserved lists the header fields the writer sets (lower case).
var reserved = map[string]bool{
	"date": true, "from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"subject": true, "message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "content-disposition": true,
}

func (c *composer) check(m *Message) error {
	if m == nil || len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		return ErrNoRecipients
	}
	if strings.TrimSpace(m.From.Address) == "" {
		return headerErr("From", HeaderMissing, m.From.Address, nil)
	}
	var err error
	if c.from, _, err = c.address("From", m.From); err != nil {
		return err
	}
	list := func(field string, in []mail.Address, recipients bool) ([]addr, error) {
		out := make([]addr, len(in))
		for i, a := range in {
			f := fmt.Sprintf("%s[%d]", field, i)
			ad, norm, err := c.address(f, a)
			if err != nil {
				return nil, err
			}
			out[i] = ad
			if k := address.Key(norm); recipients && !c.seen[k] {
				c.seen[k] = true
				c.rcpt = append(c.rcpt, norm)
				c.rcptWire = append(c.rcptWire, ad.wire)
			}
		}
		return out, nil
	}
	if c.replyTo, err = list("ReplyTo", m.ReplyTo, false); err != nil {
		return err
	}
	if c.to, err = list("To", m.To, true); err != nil {
		return err
	}
	if c.cc, err = list("Cc", m.Cc, true); err != nil {
		return err
	}
	if c.bcc, err = list("Bcc", m.Bcc, true); err != nil {
		return err
	}
	if err := checkValue("Subject", m.Subject); err != nil {
		return err
	}
	c.headerNames = slices.Sorted(maps.Keys(m.Headers)) // written, and checked, in this order
	for _, name := range c.headerNames {
		if !validFieldName(name) {
			return headerErr("Headers["+name+"]", HeaderInvalidName, name, nil)
		}
		if reserved[strings.ToLower(name)] {
			return headerErr("Headers["+name+"]", HeaderReserved, name, nil)
		}
		if err := checkValue("Headers["+name+"]", m.Headers[name]); err != nil {
			return err
		}
	}
	for i, a := range m.Attachments {
		field := fmt.Sprintf("Attachments[%d]", i)
		if err := checkValue(field+".Filename", a.Filename); err != nil {
			return err
		}
		ct, err := contentType(a.ContentType)
		if err != nil {
			return headerErr(field+".ContentType", HeaderInvalidContentType, a.ContentType, nil)
		}
		c.contentTypes = append(c.contentTypes, ct)
	}
	if !utf8.ValidString(m.Text) {
		return headerErr("Text", HeaderInvalidEncoding, m.Text, nil)
	}
	if !utf8.ValidString(m.HTML) {
		return headerErr("HTML", HeaderInvalidEncoding, m.HTML, nil)
	}
	c.id = m.MessageID
	if c.id == "" {
		c.id = newMessageID(c.from.wire)
	} else if !validMessageID(c.id) {
		return headerErr("MessageID", HeaderInvalidMessageID, c.id, nil)
	}
	c.date = m.Date
	if c.date.IsZero() {
		c.date = time.Now()
	}
	return nil
}

// address checks one address and its display name; it returns the checked
// form and the address as address.Parse returns it.
func (c *composer) address(field string, a mail.Address) (addr, string, error) {
	norm, err := address.Parse(a.Address)
	if err != nil {
		return addr{}, "", headerErr(field, HeaderInvalidAddress, a.Address, err)
	}
	wire, err := address.ToASCII(norm)
	switch {
	case errors.Is(err, address.ErrNeedsSMTPUTF8):
		if !c.opts.SMTPUTF8 {
			return addr{}, "", headerErr(field, HeaderNeedsSMTPUTF8, a.Address, err)
		}
		c.utf8 = true
	case err != nil:
		return addr{}, "", headerErr(field, HeaderInvalidAddress, a.Address, err)
	}
	if err := checkValue(field+".Name", a.Name); err != nil {
		return addr{}, "", err
	}
	return addr{name: a.Name, wire: wire}, norm, nil
}

// checkValue refuses what must never reach a header: control characters
// (TAB excepted), invalid UTF-8 and over-long values.
func checkValue(field, v string) error {
	if len(v) > MaxHeaderValueLength {
		return headerErr(field, HeaderTooLong, v, nil)
	}
	if !utf8.ValidString(v) {
		return headerErr(field, HeaderInvalidEncoding, v, nil)
	}
	for _, r := range v {
		if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return headerErr(field, HeaderControlCharacter, v, nil)
		}
	}
	return nil
}

// validFieldName reports whether s is an RFC 5322 field name of at most 76
// characters (printable ASCII except colon).
func validFieldName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == ':' {
			return false
		}
	}
	return true
}

// validMessageID reports whether id is "left@right" with both sides RFC 5322
// dot-atom-text, at most 250 octets.
func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	return ok && len(id) <= 250 && dotAtom(left) && dotAtom(right)
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func newMessageID(fromWire string) string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + fromWire[strings.LastIndexByte(fromWire, '@')+1:]
}

// contentType returns the attachment's media type with its parameters
// (except name), "application/octet-stream" for "".
func contentType(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "application/octet-stream", nil
	}
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") {
		return "", errors.New("invalid media type")
	}
	delete(params, "name")
	ct := mime.FormatMediaType(mt, params)
	if ct == "" || len(ct) > 200 {
		return "", errors.New("invalid media type")
	}
	return ct, nil
}

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

// isAtext reports whether c is one of the ASCII characters RFC 5322 allows
// in an atom besides the dot (letters, digits and !#$%&'*+-/=?^_`{|}~).
func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
