package i18n

import "testing"

// TestMatch lists how people write languages and what each resolves to.
func TestMatch(t *testing.T) {
	tests := []struct {
		lang string
		want int
		ok   bool
	}{
		{"en", 0, true}, {"fi", 1, true}, {"sv", 2, true},
		{"FI", 1, true}, {"Sv", 2, true}, {"fi-FI", 1, true}, {"fi_FI", 1, true},
		{"sv_FI", 2, true}, {"sv-FI", 2, true}, {"sv_SE", 2, true}, {"sv-AX", 2, true},
		{"fin", 1, true}, {"swe", 2, true}, {"eng", 0, true}, {"en-GB", 0, true},
		{"", 0, false}, {"de", 0, false}, {"nb", 0, false}, {"et", 0, false},
		{"se", 0, false}, {"-fi", 0, false}, {"f", 0, false}, {"not a language", 0, false},
	}
	for _, tt := range tests {
		if got, ok := Match(tt.lang); got != tt.want || ok != tt.ok {
			t.Errorf("Match(%q) = %d, %v; want %d, %v", tt.lang, got, ok, tt.want, tt.ok)
		}
		if got := Index(tt.lang); got != tt.want {
			t.Errorf("Index(%q) = %d, want %d", tt.lang, got, tt.want)
		}
	}
	if got := Pick("sv-FI", [3]string{"en", "fi", "sv"}); got != "sv" {
		t.Errorf("Pick(sv-FI) = %q, want sv", got)
	}
}

// TestFirst checks that the first candidate naming a shipped language wins.
func TestFirst(t *testing.T) {
	tests := []struct {
		candidates []string
		want       string
		ok         bool
	}{
		{[]string{"fi-FI", "sv"}, "fi", true},
		{[]string{"de", "", "sv-FI"}, "sv", true},
		{[]string{"de", "nb"}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		if got, ok := First(tt.candidates...); got != tt.want || ok != tt.ok {
			t.Errorf("First(%q) = %q, %v; want %q, %v", tt.candidates, got, ok, tt.want, tt.ok)
		}
	}
}

// TestAccept checks Accept-Language headers.
func TestAccept(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"sv-FI, fi;q=0.8, en;q=0.5", "sv", true},
		{"de-DE, fi;q=0.3", "fi", true},
		{"fi;q=0.5, sv;q=0.9", "sv", true},
		{"en-US,en;q=0.9", "en", true},
		{"de, nb;q=0.9", "", false},
		{"fi;q=0", "", false},
		{"", "", false},
		{";;;", "", false},
	}
	for _, tt := range tests {
		if got, ok := Accept(tt.header); got != tt.want || ok != tt.ok {
			t.Errorf("Accept(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

// BenchmarkMatch measures resolving a plain code and a tag with a region.
func BenchmarkMatch(b *testing.B) {
	for _, lang := range []string{"fi", "sv-FI", "de"} {
		b.Run(lang, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n += Index(lang)
			}
			b.ReportMetric(float64(n)/float64(b.N), "index")
		})
	}
}
