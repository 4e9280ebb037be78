package bounce_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/bounce"
)

func TestVERP(t *testing.T) {
	v := bounce.VERP{Key: []byte("0123456789abcdef0123"), Local: "bounces", Domain: "bounce.example.com"}
	addr, err := v.Address("42", "Laskut@Asiakas.fi")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "bounces+42.") || !strings.HasSuffix(addr, "@bounce.example.com") {
		t.Fatalf("Address = %q", addr)
	}
	other := bounce.VERP{Key: []byte("another key, 16+ bytes"), Local: "bounces", Domain: "bounce.example.com"}
	forgedMac := strings.Replace(addr, "+42.", "+42.", 1)
	forgedMac = forgedMac[:strings.IndexByte(forgedMac, '@')-1] + "a@bounce.example.com"
	if forgedMac == addr {
		forgedMac = forgedMac[:strings.IndexByte(forgedMac, '@')-1] + "b@bounce.example.com"
	}
	tests := []struct {
		name, addr, rcpt, id string
		err                  error
	}{
		{"ok", addr, "laskut@asiakas.fi", "42", nil},
		{"upper case", strings.ToUpper(addr), "LASKUT@asiakas.fi", "42", nil},
		{"other recipient", addr, "other@asiakas.fi", "", bounce.ErrForged},
		{"other id", strings.Replace(addr, "+42.", "+43.", 1), "laskut@asiakas.fi", "", bounce.ErrForged},
		{"flipped mac", forgedMac, "laskut@asiakas.fi", "", bounce.ErrForged},
		{"other domain", strings.Replace(addr, "bounce.example.com", "example.org", 1), "laskut@asiakas.fi", "", bounce.ErrNotVERP},
		{"other local", strings.Replace(addr, "bounces+", "postmaster+", 1), "laskut@asiakas.fi", "", bounce.ErrNotVERP},
		{"no token", "bounces@bounce.example.com", "laskut@asiakas.fi", "", bounce.ErrNotVERP},
		{"short mac", "bounces+42.abc@bounce.example.com", "laskut@asiakas.fi", "", bounce.ErrNotVERP},
		{"empty", "", "laskut@asiakas.fi", "", bounce.ErrNotVERP},
		{"no recipient", addr, "", "", bounce.ErrForged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(tt.addr, tt.rcpt)
			if !errors.Is(err, tt.err) || id != tt.id {
				t.Errorf("Verify(%q, %q) = %q, %v; want %q, %v", tt.addr, tt.rcpt, id, err, tt.id, tt.err)
			}
			var ve *bounce.VERPError
			if err != nil && (!errors.As(err, &ve) || ve.Message("fi") == "" || ve.Error() == "") {
				t.Errorf("error %v is not a *VERPError with texts", err)
			}
		})
	}
	if _, err := other.Verify(addr, "laskut@asiakas.fi"); !errors.Is(err, bounce.ErrForged) {
		t.Errorf("another key verified the address: %v", err)
	}
	for _, bad := range []struct {
		v        bounce.VERP
		id, rcpt string
	}{
		{bounce.VERP{}, "42", "a@b.fi"},
		{bounce.VERP{Key: []byte("short"), Local: "b", Domain: "d.fi"}, "42", "a@b.fi"},
		{v, "Upper", "a@b.fi"},
		{v, "", "a@b.fi"},
		{v, "42", ""},
		{v, strings.Repeat("9", 41), "a@b.fi"},
		{bounce.VERP{Key: v.Key, Local: strings.Repeat("b", 40), Domain: "d.fi"}, strings.Repeat("9", 20), "a@b.fi"},
	} {
		if a, err := bad.v.Address(bad.id, bad.rcpt); !errors.Is(err, bounce.ErrVERPConfig) {
			t.Errorf("Address(%q, %q) with %+v = %q, %v; want ErrVERPConfig", bad.id, bad.rcpt, bad.v, a, err)
		}
	}
}
