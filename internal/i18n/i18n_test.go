package i18n

import "testing"

func TestIndex(t *testing.T) {
	for _, c := range []struct {
		lang string
		want int
	}{
		{"en", 0}, {"fi", 1}, {"sv", 2},
		{"FI", 1}, {"Sv", 2}, {"fi-FI", 1}, {"sv_FI", 2}, {"sv-SE", 2},
		{"", 0}, {"de", 0}, {"fin", 0}, {"-fi", 0}, {"f", 0},
	} {
		if got := Index(c.lang); got != c.want {
			t.Errorf("Index(%q) = %d, want %d", c.lang, got, c.want)
		}
	}
	if got := Pick("sv-FI", [3]string{"en", "fi", "sv"}); got != "sv" {
		t.Errorf("Pick(sv-FI) = %q, want sv", got)
	}
}
