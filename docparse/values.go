package docparse

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// collapse trims s and collapses every inner run of white space to one
// space. It allocates only when s changes.
func collapse(s string) string {
	clean := true
	prevSpace := true // a leading space needs trimming
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			clean = false // leave non-ASCII spaces to the slow path
			break
		}
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if sp && (prevSpace || c != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isoDate returns the date in s as YYYY-MM-DD. It accepts ISO 8601 dates
// (with or without a time or time zone after them, "2017-11-13+01:00") and
// the compact CCYYMMDD form (CII format 102, Finvoice).
func isoDate(s string) (string, bool) {
	var d string
	switch {
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		d = s[:10]
		if len(s) > 10 && !strings.ContainsRune("T+-Z ", rune(s[10])) {
			return "", false
		}
	case len(s) == 8 && strings.Trim(s, "0123456789") == "":
		d = s[:4] + "-" + s[4:6] + "-" + s[6:]
	default:
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return "", false
	}
	return d, true
}

// decimal returns s as a decimal number with "." as the separator and no
// "+" sign, accepting sep as the document's decimal separator.
func decimal(s string, sep byte) (string, bool) {
	s = strings.TrimPrefix(s, "+")
	digits := strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(digits, string(sep))
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" ||
		hasFrac && (frac == "" || strings.Trim(frac, "0123456789") != "") {
		return "", false
	}
	if sep != '.' {
		s = strings.Replace(s, string(sep), ".", 1)
	}
	return s, true
}

// decodeBase64 decodes base64 text that may contain white space anywhere and
// may lack its padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsFunc(s, unicode.IsSpace) {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
		s = strings.TrimRight(s, "=")
	}
	return enc.DecodeString(s)
}

// magic lists the leading bytes content of a declared type must have. Types
// not listed are taken as declared.
var magic = map[string][]string{
	"application/pdf": {"%PDF"},
	"image/png":       {"\x89PNG\r\n\x1a\n"},
	"image/jpeg":      {"\xff\xd8\xff"},
	"image/gif":       {"GIF87a", "GIF89a"},
	"image/tiff":      {"II*\x00", "MM\x00*"},
	"application/zip": {"PK\x03\x04"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"PK\x03\x04"},
	"application/vnd.oasis.opendocument.spreadsheet":                    {"PK\x03\x04"},
}

// contentType returns the type data really has: application/pdf only when
// it starts with %PDF; otherwise the declared type when it is a well-formed
// media type whose signature (if it has one) the data carries; otherwise
// application/octet-stream. It reports whether the declared type was wrong.
func contentType(declared string, data []byte) (typ string, mismatch bool) {
	if bytes.HasPrefix(data, []byte("%PDF")) {
		return "application/pdf", declared != "" && !strings.EqualFold(declared, "application/pdf")
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return "application/octet-stream", declared != ""
	}
	if sigs, ok := magic[mt]; ok && !hasAnyPrefix(data, sigs) {
		return "application/octet-stream", true
	}
	return mt, false
}

// hasAnyPrefix reports whether data starts with one of prefixes.
func hasAnyPrefix(data []byte, prefixes []string) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(data, []byte(p)) {
			return true
		}
	}
	return false
}

// misdecoded reports whether s looks like text decoded with the wrong
// character encoding: it holds C1 control characters or U+FFFD, or the
// patterns UTF-8 bytes leave when read as ISO-8859-1/-15 ("Ã¤" for "ä").
func misdecoded(s string) bool {
	prev := rune(0)
	for _, r := range s {
		switch {
		case r >= 0x80 && r <= 0x9f, r == utf8.RuneError:
			return true
		case (prev == 'Ã' || prev == 'Â') && r >= 0xa0 && r <= 0xbf:
			return true
		case prev == 'ï' && r == '¿':
			return true
		}
		prev = r
	}
	return false
}
