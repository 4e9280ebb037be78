package smtp

import "fmt"

// xtext encodes s as RFC 3461 xtext: "+", "=" and every octet outside
// "!" to "~" become "+HH".
func xtext(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			b = fmt.Appendf(b, "+%02X", c)
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// ascii reports whether s has only ASCII octets.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
