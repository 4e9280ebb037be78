package smtp

import "testing"

func TestXtext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"jakelu-42", "jakelu-42"},
		{"a+b=c", "a+2Bb+3Dc"},
		{"sp ace\x7f", "sp+20ace+7F"},
		{"laskut@asiakas.fi", "laskut@asiakas.fi"},
	} {
		if got := xtext(tc.in); got != tc.want {
			t.Errorf("xtext(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
