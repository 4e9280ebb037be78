package address

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Equal reports whether a and b are the same address: equal under Unicode
// simple case folding, as [strings.EqualFold] compares them. It is the one
// rule by which jakelu removes duplicate addresses; [Key] gives the same
// answer as a map key. Pass addresses as [Parse] returns them.
func Equal(a, b string) bool { return strings.EqualFold(a, b) }

// Key returns a key for the address a that two addresses share exactly
// when [Equal] reports them the same, for a set or a map of addresses.
// Each rune is replaced by one representative of its Unicode simple case
// folding orbit (the lower-case letter for ASCII, else the orbit's
// smallest rune), and invalid UTF-8 bytes, which EqualFold reads as
// U+FFFD, by U+FFFD. For the usual ASCII address without upper-case
// letters the key is a itself, and nothing is allocated.
func Key(a string) string {
	ascii, upper := true, false
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	switch {
	case ascii && !upper:
		return a
	case ascii:
		b := []byte(a)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(a))
	for _, r := range a { // invalid bytes come as utf8.RuneError, as in EqualFold
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the representative of r's simple case folding orbit:
// the lower-case letter when the orbit holds an ASCII letter (so that ASCII
// text is its own key), else the smallest rune of the orbit.
func foldRune(r rune) rune {
	low := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		low = min(low, f)
	}
	if 'A' <= low && low <= 'Z' {
		low += 'a' - 'A'
	}
	return low
}

// Contains reports whether list holds an address that is the same as a
// (see [Equal]).
func Contains(list []string, a string) bool {
	for _, x := range list {
		if Equal(x, a) {
			return true
		}
	}
	return false
}
