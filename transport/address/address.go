package address

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/jakelu/jakelu/internal/i18n"
)

// Limits on addresses, from RFC 5321 §4.5.3.1 and RFC 3696 erratum 1690.
const (
	// MaxLength is the longest address accepted, in octets of its
	// wire (A-label) form.
	MaxLength = 254
	// MaxLocalPartLength is the longest local part accepted, in octets.
	MaxLocalPartLength = 64
	// maxInputLength caps what Parse looks at: anything longer cannot
	// become a valid address, and refusing it early keeps pathological input
	// cheap.
	maxInputLength = 1024
)

// ErrInvalid is the sentinel every [*Error] matches with
// [errors.Is].
var ErrInvalid = errors.New("address: invalid e-mail address")

// ErrNeedsSMTPUTF8 reports an address whose local part is not ASCII: it can
// only be delivered through a server that offers the SMTPUTF8 extension
// (RFC 6531).
var ErrNeedsSMTPUTF8 = errors.New("address: address needs SMTPUTF8 (non-ASCII local part)")

// Reason says why [Parse] rejected an address. The values are
// stable and language-neutral, so host apps and the importer can render their
// own messages.
type Reason string

// The reasons an address is rejected.
const (
	ReasonEmpty            Reason = "empty"               // nothing but spaces
	ReasonTooLong          Reason = "too-long"            // over MaxLength octets
	ReasonInvalidEncoding  Reason = "invalid-encoding"    // not valid UTF-8
	ReasonControlCharacter Reason = "control-character"   // CR, LF, NUL, TAB or another control character
	ReasonInvisible        Reason = "invisible-character" // a space, zero-width or other format character inside
	ReasonSeveral          Reason = "several-addresses"   // a list such as "a@x.fi, b@y.fi"
	ReasonMissingAt        Reason = "missing-at"          // no @
	ReasonEmptyLocal       Reason = "empty-local-part"    // nothing before @
	ReasonLocalTooLong     Reason = "local-part-too-long" // over MaxLocalPartLength octets
	ReasonQuotedLocal      Reason = "quoted-local-part"   // "john doe"@x.fi
	ReasonInvalidLocal     Reason = "invalid-local-part"  // a character or dot placement mail servers refuse
	ReasonEmptyDomain      Reason = "empty-domain"        // nothing after @
	ReasonAddressLiteral   Reason = "address-literal"     // a@[192.0.2.1]
	ReasonNoDot            Reason = "domain-without-dot"  // a@localhost
	ReasonInvalidDomain    Reason = "invalid-domain"      // a@b_c.fi, a@-b.fi, a@b..fi, a numeric top-level label
)

// String returns a short English description of the reason.
func (r Reason) String() string { return r.Message("en") }

// Message describes the reason in the language lang: "fi" (Finnish), "sv"
// (Swedish) or anything else (English). An unknown reason is returned as
// its code.
func (r Reason) Message(lang string) string {
	switch r {
	case ReasonTooLong:
		return i18n.Text(lang, "address.reason.too-long", MaxLength)
	case ReasonLocalTooLong:
		return i18n.Text(lang, "address.reason.local-part-too-long", MaxLocalPartLength)
	}
	if key, ok := reasonKeys.Key(string(r)); ok {
		return i18n.Text(lang, key)
	}
	return string(r)
}

// reasonKeys are the keys of the reasons' texts, address.reason.<reason>.
var reasonKeys = i18n.Prefix("address.reason.")

// Error reports an address [Parse] rejected and why. It
// matches [ErrInvalid] with [errors.Is].
type Error struct {
	Input  string // the text as given (shortened to 100 characters)
	Reason Reason // why it was rejected
}

// Error describes the rejected address and what is wrong with it.
func (e *Error) Error() string {
	return fmt.Sprintf("address: invalid e-mail address %q: %s", e.Input, e.Reason)
}

// Unwrap returns [ErrInvalid].
func (e *Error) Unwrap() error { return ErrInvalid }

// Message says in lang ("fi", "sv" or "en"; anything else gives English)
// which address was refused and why, for the person who wrote it.
func (e *Error) Message(lang string) string {
	return i18n.Text(lang, "address.error", e.Input, e.Reason.Message(lang))
}

func addrErr(input string, r Reason) error {
	if utf8.RuneCountInString(input) > 100 {
		input = string([]rune(input)[:100]) + "…"
	}
	return &Error{Input: input, Reason: r}
}

// Parse is the library's one e-mail address validation function: the
// document parser, the recipient directory, the importer and the transports
// all use it.
//
// It is kind where people are: it trims surrounding white space (including
// no-break spaces), strips a "mailto:" prefix (and any "?subject=…" query)
// and accepts the "Display Name <addr>" form, keeping only the address. It is
// strict where mail servers are: the domain must be a dotted host name whose
// labels are letters, digits and hyphens (or an internationalised name that
// IDNA 2008 accepts), the whole address at most 254 octets on the wire and the
// local part at most 64; control characters, invisible characters, quoted
// local parts and address literals such as a@[192.0.2.1] are refused.
//
// The result keeps the local part exactly as written and lower-cases the
// domain; an internationalised domain is returned in its Unicode form (use
// [ToASCII] for the form to put on the wire). A rejected address gives an
// [*Error] saying why.
//
// Parse takes one address. Text that holds a list ("a@x.fi; b@y.fi")
// gives [ReasonSeveral]; split it first with [SplitList].
func Parse(s string) (string, error) {
	if plainASCII(s) {
		return s, nil
	}
	return parse(s)
}

// parse is Parse for input that is not plainly an address.
func parse(s string) (string, error) {
	if len(s) > maxInputLength {
		return "", addrErr(s, ReasonTooLong)
	}
	if !utf8.ValidString(s) {
		return "", addrErr(s, ReasonInvalidEncoding)
	}
	in := s
	s = strings.TrimFunc(s, unicode.IsSpace)
	if s == "" {
		return "", addrErr(in, ReasonEmpty)
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimFunc(s, unicode.IsSpace)
	}
	// "Display Name <addr>": keep the address only. The name is never used.
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			s = strings.TrimFunc(s[i+1:len(s)-1], unicode.IsSpace)
		}
	}
	if s == "" {
		return "", addrErr(in, ReasonEmpty)
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) && strings.Count(s, "@") > 1:
			return "", addrErr(in, ReasonSeveral)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return "", addrErr(in, ReasonControlCharacter)
		case unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			if strings.HasPrefix(s, `"`) {
				return "", addrErr(in, ReasonQuotedLocal)
			}
			return "", addrErr(in, ReasonInvisible)
		case r == ',' || r == ';':
			if strings.Count(s, "@") > 1 {
				return "", addrErr(in, ReasonSeveral)
			}
		case !unicode.IsGraphic(r) || unicode.Is(unicode.Co, r):
			return "", addrErr(in, ReasonInvisible)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", addrErr(in, ReasonMissingAt)
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return "", addrErr(in, ReasonEmptyLocal)
	}
	if strings.HasPrefix(local, `"`) {
		return "", addrErr(in, ReasonQuotedLocal)
	}
	if len(local) > MaxLocalPartLength {
		return "", addrErr(in, ReasonLocalTooLong)
	}
	if !validLocal(local) {
		return "", addrErr(in, ReasonInvalidLocal)
	}
	if domain == "" {
		return "", addrErr(in, ReasonEmptyDomain)
	}
	if strings.HasPrefix(domain, "[") {
		return "", addrErr(in, ReasonAddressLiteral)
	}
	uDomain, aDomain, reason := normalizeDomain(domain)
	if reason != "" {
		return "", addrErr(in, reason)
	}
	if len(local)+1+len(aDomain) > MaxLength {
		return "", addrErr(in, ReasonTooLong)
	}
	return local + "@" + uDomain, nil
}

// SplitList splits text that may hold several addresses, as documents
// write them ("a@x.fi; b@y.fi", "a@x.fi, b@y.fi", one per line), into its
// parts, trimmed, without empty ones. It does not validate: pass each part to
// [Parse]. A "Display Name <addr>" part stays whole.
func SplitList(s string) []string {
	var parts []string
	start, angle := -1, false
	for i, r := range s {
		sep := !angle && (r == ',' || r == ';' || unicode.IsSpace(r))
		switch {
		case r == '<':
			angle = true
		case r == '>':
			angle = false
		}
		if sep {
			if start >= 0 {
				parts = append(parts, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		parts = append(parts, s[start:])
	}
	// A display name written before "<addr>" was split into words: join the
	// words back onto the part that holds the angle address.
	out := parts[:0]
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if !strings.Contains(p, "@") && !strings.HasPrefix(p, "<") {
			j := i
			for j < len(parts) && !strings.Contains(parts[j], "<") && !strings.Contains(parts[j], "@") {
				j++
			}
			if j < len(parts) && strings.Contains(parts[j], "<") {
				out = append(out, strings.Join(parts[i:j+1], " "))
				i = j
				continue
			}
			// No angle address follows: each of these words stays a part,
			// and none is scanned again (which made many words quadratic).
			out = append(out, parts[i:j]...)
			i = j - 1
			continue
		}
		out = append(out, p)
	}
	return out
}

// ToASCII returns the form of a valid address (as [Parse] returns it)
// that goes on the wire without the SMTPUTF8 extension: an internationalised
// domain becomes its A-label ("salg@signatør.dk" → "salg@xn--signatr-90a.dk").
// A non-ASCII local part cannot be written in ASCII: it gives
// [ErrNeedsSMTPUTF8] together with the address (domain converted), so a
// caller whose server offers SMTPUTF8 may still use it.
func ToASCII(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", addrErr(addr, ReasonMissingAt)
	}
	local, domain := addr[:at], addr[at+1:]
	if !isASCII(domain) {
		a, err := idnaProfile.ToASCII(domain)
		if err != nil {
			return "", addrErr(addr, ReasonInvalidDomain)
		}
		domain = a
	}
	if !isASCII(local) {
		return local + "@" + domain, ErrNeedsSMTPUTF8
	}
	return local + "@" + domain, nil
}

// idnaProfile validates and maps internationalised domain names (UTS #46
// lookup mapping: lower-casing and NFC), rejecting what registries refuse.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

// normalizeDomain returns the domain in lower-case Unicode form and its ASCII
// form, or the reason it is not a valid host name.
func normalizeDomain(d string) (unicodeForm, asciiForm string, reason Reason) {
	if isASCII(d) {
		d = strings.ToLower(d)
		if r := checkHostname(d); r != "" {
			return "", "", r
		}
		return d, d, ""
	}
	a, err := idnaProfile.ToASCII(d)
	if err != nil {
		if !strings.Contains(d, ".") {
			return "", "", ReasonNoDot
		}
		return "", "", ReasonInvalidDomain
	}
	if r := checkHostname(a); r != "" {
		return "", "", r
	}
	u, err := idnaProfile.ToUnicode(a)
	if err != nil {
		return "", "", ReasonInvalidDomain
	}
	return u, a, ""
}

// checkHostname checks a lower-case ASCII host name: at least two labels,
// each 1–63 letters, digits or hyphens, not starting or ending with a hyphen,
// and a top-level label that is not all digits.
func checkHostname(d string) Reason {
	if len(d) > 253 {
		return ReasonTooLong
	}
	dot := strings.LastIndexByte(d, '.')
	if dot < 0 {
		if checkLabel(d) {
			return ReasonNoDot
		}
		return ReasonInvalidDomain
	}
	for rest := d; ; {
		label, after, more := strings.Cut(rest, ".")
		if !checkLabel(label) {
			return ReasonInvalidDomain
		}
		if !more {
			break
		}
		rest = after
	}
	if allDigits(d[dot+1:]) {
		return ReasonInvalidDomain
	}
	return ""
}

// allDigits reports whether s is made of ASCII digits only: a top-level
// label like that makes the name look like an IPv4 address.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// plainASCII reports whether s is already a valid address in the form
// Parse returns: printable ASCII, a local part of dot-separated
// atext atoms, one @ and a lower-case host name of at least two LDH labels
// whose last is not all digits. Such input, the common case in bulk
// imports, is returned as it is, without allocating. It reads s once; any
// other input takes Parse's careful path.
func plainASCII(s string) bool {
	if len(s) > MaxLength {
		return false
	}
	at := 0
	for dot := true; ; at++ { // dot: the previous character was a dot, or there was none
		if at == len(s) {
			return false // no @
		}
		c := s[at]
		if c == '@' {
			if dot || at > MaxLocalPartLength {
				return false // empty local part, or one that ends with a dot
			}
			break
		}
		if c == '.' {
			if dot {
				return false // leading or double dot
			}
			dot = true
			continue
		}
		if !atext[c] {
			return false
		}
		dot = false
	}
	label, digits, dots := at+1, true, 0 // the label's start; whether it is all digits
	for i := at + 1; ; i++ {
		if i == len(s) || s[i] == '.' {
			if n := i - label; n == 0 || n > 63 || s[label] == '-' || s[i-1] == '-' {
				return false
			}
			if i == len(s) {
				return dots > 0 && !digits && len(s)-at-1 <= 253
			}
			label, digits = i+1, true
			dots++
			continue
		}
		switch c := s[i]; {
		case c >= 'a' && c <= 'z' || c == '-':
			digits = false
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
}

func checkLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validLocal checks an unquoted local part: dot-separated atoms of RFC 5322
// atext, or any printable non-ASCII character (RFC 6531).
func validLocal(l string) bool {
	if l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		if atext[l[i]] || l[i] == '.' {
			continue
		}
		if l[i] < 0x80 {
			return false
		}
		return validLocalUnicode(l[i:])
	}
	return true
}

// validLocalUnicode checks the rest of a local part from its first
// character that is not ASCII.
func validLocalUnicode(l string) bool {
	for _, r := range l {
		if r >= 0x80 {
			if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r) {
				return false
			}
			continue
		}
		if !isAtext(byte(r)) && r != '.' {
			return false
		}
	}
	return true
}

func isAtext(c byte) bool {
	return atext[c]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// atext holds the ASCII characters RFC 5322 allows in an unquoted local
// part besides the dot.
var atext = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-/=?^_`{|}~", byte(c)) >= 0
	}
	return t
}()
