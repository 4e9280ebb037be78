package address_test

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/transport/address"
)

// TestKey checks, for every rune, that Key gives one key to the whole of
// the rune's simple case folding orbit and that the key is in the orbit
// itself, so that two strings share a key exactly when Equal says they are
// the same.
func TestKey(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		key := address.Key(string(r))
		if !address.Equal(key, string(r)) {
			t.Fatalf("key %q of %U is not in its orbit", key, r)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if k := address.Key(string(f)); k != key {
				t.Fatalf("%U has key %q but %U, of the same orbit, %q", r, key, f, k)
			}
		}
	}
	if address.Key("\xff") != address.Key("\ufffd") || address.Key("a\xffb") != address.Key("A\xfeB") {
		t.Error("invalid UTF-8 bytes must key as U+FFFD, as EqualFold reads them")
	}
}

// TestEqual lists the pairs the one sameness rule joins and separates.
func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"matti@example.fi", "matti@example.fi", true},
		{"Matti@Example.FI", "matti@example.fi", true},
		{"\u212Aim@b.fi", "kim@b.fi", true}, // Kelvin sign
		{"σ@b.fi", "ς@b.fi", true},
		{"Ä@b.fi", "ä@b.fi", true},
		{"straße@b.fi", "STRAẞE@b.fi", true},
		{"a@b.fi", "a@b.fj", false},
		{"a@b.fi", "a.@b.fi", false},
		{"ss@b.fi", "ß@b.fi", false}, // full case folding is not used
	}
	for _, tt := range tests {
		if got := address.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := address.Key(tt.a) == address.Key(tt.b); got != tt.want {
			t.Errorf("Key(%q) == Key(%q) is %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := address.Contains([]string{"x@y.fi", tt.b}, tt.a); got != tt.want {
			t.Errorf("Contains([x@y.fi %q], %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// FuzzKey checks that two strings share a Key exactly when Equal reports
// them the same.
func FuzzKey(f *testing.F) {
	for _, s := range [][2]string{
		{"kim@b.fi", "\u212Aim@B.FI"}, {"σ", "ς"}, {"straße", "STRAẞE"}, {"ǅ", "ǆ"},
		{"\xff", "\ufffd"}, {"a@b.fi", "a@b.fj"}, {"İ", "i"}, {"ſ", "S"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if eq, same := address.Equal(a, b), address.Key(a) == address.Key(b); eq != same {
			t.Fatalf("Equal(%q, %q) = %v but their keys are %q and %q", a, b, eq, address.Key(a), address.Key(b))
		}
	})
}

// BenchmarkKey measures the key of an address already in the form Parse
// returns (no allocation) and of one with upper-case letters.
func BenchmarkKey(b *testing.B) {
	for _, in := range []string{"matti.meikalainen@example.fi", "Matti.Meikalainen@example.fi", "jörg@ääkköset.fi"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n += len(address.Key(in))
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
		})
	}
}
