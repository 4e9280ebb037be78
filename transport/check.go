package transport

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jakelu/jakelu/transport/address"
)

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
	if m.EnvelopeFrom != "" {
		ef, _, err := c.address("EnvelopeFrom", mail.Address{Address: m.EnvelopeFrom})
		if err != nil {
			return err
		}
		c.envFrom = ef.wire
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

// isAtext reports whether c is one of the ASCII characters RFC 5322 allows
// in an atom besides the dot (letters, digits and !#$%&'*+-/=?^_`{|}~).
func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
