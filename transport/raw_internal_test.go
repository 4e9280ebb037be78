package transport

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzWellFormed: the fast check of CheckComposed accepts exactly the
// data its octet by octet loop accepts.
func FuzzWellFormed(f *testing.F) {
	for _, s := range []string{
		"A: b\r\n\r\nbody\r\n", "A: b\n\r\n", "A: b\r\r\n", "\r\n", "A\x00\r\n",
		"X: " + strings.Repeat("a", 995) + "\r\n", "X: " + strings.Repeat("a", 996) + "\r\n",
		"\n\r\r\n", "a\rb\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		d = append(d, '\r', '\n')
		slow := checkLines(d, fmt.Errorf)
		if got := wellFormed(d); got != (slow == nil) {
			t.Fatalf("wellFormed(%q) = %v, CheckComposed: %v", d, got, slow)
		}
	})
}
