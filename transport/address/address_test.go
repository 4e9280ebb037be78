package address

import (
	"errors"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAddress(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		in     string
		want   string
		reason Reason
	}{
		{in: "matti@example.fi", want: "matti@example.fi"},
		{in: "  Matti.Meikalainen@Example.FI \n", want: "Matti.Meikalainen@example.fi"},
		{in: "a@b.fi\u00a0", want: "a@b.fi"},
		{in: "mailto:a@b.fi", want: "a@b.fi"},
		{in: "MAILTO:a@b.fi?subject=Lasku", want: "a@b.fi"},
		{in: "Matti Meikäläinen <m@b.fi>", want: "m@b.fi"},
		{in: "<m@b.fi>", want: "m@b.fi"},
		{in: "first.o'brien+tag@sub.example.co.uk", want: "first.o'brien+tag@sub.example.co.uk"},
		{in: "info@ääkköset.fi", want: "info@ääkköset.fi"},
		{in: "salg@SIGNATØR.dk", want: "salg@signatør.dk"},
		{in: "jörg@b.fi", want: "jörg@b.fi"},
		{in: "a@xn--signatr-v1a.dk", want: "a@xn--signatr-v1a.dk"},
		{in: "x@" + long(63) + ".fi", want: "x@" + long(63) + ".fi"},
		{in: long(64) + "@b.fi", want: long(64) + "@b.fi"},

		{in: "", reason: ReasonEmpty},
		{in: "   ", reason: ReasonEmpty},
		{in: "mailto:", reason: ReasonEmpty},
		{in: "a@b", reason: ReasonNoDot},
		{in: "user@localhost", reason: ReasonNoDot},
		{in: "a@-b.fi", reason: ReasonInvalidDomain},
		{in: "a@b-.fi", reason: ReasonInvalidDomain},
		{in: "a@b_c.fi", reason: ReasonInvalidDomain},
		{in: "admin@ABC_Ltd.com.au", reason: ReasonInvalidDomain},
		{in: "a@b.fi.", reason: ReasonInvalidDomain},
		{in: "a@b..fi", reason: ReasonInvalidDomain},
		{in: "a@127.0.0.1", reason: ReasonInvalidDomain},
		{in: "a..b@c.fi", reason: ReasonInvalidLocal},
		{in: ".a@c.fi", reason: ReasonInvalidLocal},
		{in: "a.@c.fi", reason: ReasonInvalidLocal},
		{in: "a(b)@c.fi", reason: ReasonInvalidLocal},
		{in: `"john doe"@b.fi`, reason: ReasonQuotedLocal},
		{in: `"a@b"@c.fi`, reason: ReasonQuotedLocal},
		{in: "a@[127.0.0.1]", reason: ReasonAddressLiteral},
		{in: "a@[IPv6:::1]", reason: ReasonAddressLiteral},
		{in: "a\u200b@b.fi", reason: ReasonInvisible},
		{in: "a@b.fi\u200b", reason: ReasonInvisible},
		{in: "a@b.fi\r\nBcc: x@y.fi", reason: ReasonSeveral},
		{in: "a@b.fi\r\nBcc: x", reason: ReasonControlCharacter},
		{in: "a\x00@b.fi", reason: ReasonControlCharacter},
		{in: "a@b.fi; c@d.fi", reason: ReasonSeveral},
		{in: "a@b.fi, c@d.fi", reason: ReasonSeveral},
		{in: "a@b.fi c@d.fi", reason: ReasonSeveral},
		{in: "@b.fi", reason: ReasonEmptyLocal},
		{in: "a@", reason: ReasonEmptyDomain},
		{in: "Email address", reason: ReasonInvisible},
		{in: "Emailadresse", reason: ReasonMissingAt},
		{in: "[Seller@email.de]", reason: ReasonInvalidLocal},
		{in: long(65) + "@b.fi", reason: ReasonLocalTooLong},
		{in: "x@" + long(64) + ".fi", reason: ReasonInvalidDomain},
		{in: long(60) + "@" + strings.Repeat(long(60)+".", 4) + "fi", reason: ReasonTooLong},
		{in: "a@" + strings.Repeat("b", 200000) + ".fi", reason: ReasonTooLong},
		{in: "j\xf6rg@b.fi", reason: ReasonInvalidEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Reason != tt.reason || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %q, %v; want reason %q", tt.in, got, err, tt.reason)
			}
			if got != "" {
				t.Errorf("rejected address returned %q", got)
			}
		})
	}
}

func TestToASCII(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"a@b.fi", "a@b.fi", nil},
		{"salg@signatør.dk", "salg@xn--signatr-v1a.dk", nil},
		{"info@ääkköset.fi", "info@xn--kkset-fraa0m.fi", nil},
		{"jörg@b.fi", "jörg@b.fi", ErrNeedsSMTPUTF8},
	}
	for _, tt := range tests {
		got, err := ToASCII(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ToASCII(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSplitAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a@b.fi", []string{"a@b.fi"}},
		{" a@b.fi; c@d.fi ,e@f.fi\n\tg@h.fi ", []string{"a@b.fi", "c@d.fi", "e@f.fi", "g@h.fi"}},
		{"a@b.fi,,;", []string{"a@b.fi"}},
		{"Matti Meikäläinen <m@b.fi>, c@d.fi", []string{"Matti Meikäläinen <m@b.fi>", "c@d.fi"}},
		{"<m@b.fi> <n@b.fi>", []string{"<m@b.fi>", "<n@b.fi>"}},
		{"Emailadresse", []string{"Emailadresse"}},
		{"see below a@b.fi Name <c@d.fi>", []string{"see", "below", "a@b.fi", "Name <c@d.fi>"}},
		{"x y <z", []string{"x y <z"}},
	}
	for _, tt := range tests {
		if got := SplitList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitList(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestSplitAddressList_ManyWords splits a text of a million words without
// an address among them but one at the end, as a hostile document can
// write at an e-mail position: every word stays a part (each word used to
// be scanned to the end again, which never finished).
func TestSplitAddressList_ManyWords(t *testing.T) {
	const n = 1_000_000
	parts := SplitList(strings.Repeat("word ", n) + "a@b.fi")
	if len(parts) != n+1 || parts[0] != "word" || parts[n-1] != "word" || parts[n] != "a@b.fi" {
		t.Fatalf("%d parts, want %d words and the address", len(parts), n)
	}
}

// FuzzParse checks that an accepted address is safe to put in a
// header or an SMTP command, fits the length limits, parses with net/mail
// and is a fixed point of Parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"matti@example.fi", "mailto:a@b.fi", "Matti <m@b.fi>", "a@b", "a@b_c.fi",
		"salg@signatør.dk", "jörg@b.fi", `"x y"@b.fi`, "a@[127.0.0.1]", "a\u200b@b.fi",
		"a@b.fi\r\nBcc: x@y.fi", "a@b.fi; c@d.fi", "a@xn--signatr-v1a.dk",
		".a@b.fi", "a.@b.fi", "a..b@b.fi", "a@b.123", "a@-b.fi", "a@b-.fi", "a@b..fi", "a@B.fi", "A.b+c@b1.fi",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The fast path takes only what the careful one returns unchanged.
		if plainASCII(s) {
			if got, err := parse(s); got != s || err != nil {
				t.Fatalf("plainASCII(%q) is true, but the careful path gives %q, %v", s, got, err)
			}
		}
		got, err := Parse(s)
		if err != nil {
			if got != "" || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %q, %v", s, got, err)
			}
			return
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\r\n\x00 \t,;<>") {
			t.Fatalf("Parse(%q) = %q: unsafe character", s, got)
		}
		again, err := Parse(got)
		if err != nil || again != got {
			t.Fatalf("not a fixed point: %q -> %q -> %q, %v", s, got, again, err)
		}
		wire, err := ToASCII(got)
		if err != nil && !errors.Is(err, ErrNeedsSMTPUTF8) {
			t.Fatalf("ToASCII(%q): %v", got, err)
		}
		if len(wire) > MaxLength {
			t.Fatalf("ToASCII(%q) = %d octets", got, len(wire))
		}
		if _, err := mail.ParseAddress(wire); err != nil {
			t.Fatalf("net/mail rejects accepted %q: %v", wire, err)
		}
	})
}

func TestReasonMessages(t *testing.T) {
	for _, r := range []Reason{ReasonEmpty, ReasonTooLong, ReasonInvalidEncoding, ReasonControlCharacter, ReasonInvisible,
		ReasonSeveral, ReasonMissingAt, ReasonEmptyLocal, ReasonLocalTooLong, ReasonQuotedLocal, ReasonInvalidLocal,
		ReasonEmptyDomain, ReasonAddressLiteral, ReasonNoDot, ReasonInvalidDomain} {
		seen := map[string]bool{}
		for _, lang := range []string{"en", "fi", "sv"} {
			m := r.Message(lang)
			if m == "" || m == string(r) || seen[m] {
				t.Errorf("%s.Message(%s) = %q: missing or not translated", r, lang, m)
			}
			seen[m] = true
		}
	}
	if got := ReasonNoDot.Message("de"); got != ReasonNoDot.String() {
		t.Errorf("unknown language gives %q, want English", got)
	}
}

func BenchmarkParseAddress(b *testing.B) {
	for _, in := range []string{"matti.meikalainen@example.fi", " Matti.Meikalainen@Example.FI ", "info@ääkköset.fi"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestError_Message checks that the message names the input and the
// reason in the language asked for, in that language's quotation marks.
func TestError_Message(t *testing.T) {
	_, err := Parse("matti@localhost")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse gave %v, want an *Error", err)
	}
	tests := []struct{ lang, want string }{
		{"en", "“matti@localhost” is not a valid e-mail address: the domain after the @ has no dot."},
		{"fi", "”matti@localhost” ei ole kelvollinen sähköpostiosoite: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä."},
		{"sv-FI", "”matti@localhost” är inte en giltig e-postadress: domänen efter @ saknar punkt."},
		{"de", "“matti@localhost” is not a valid e-mail address: the domain after the @ has no dot."},
	}
	for _, tt := range tests {
		if got := e.Message(tt.lang); got != tt.want {
			t.Errorf("Message(%s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}
