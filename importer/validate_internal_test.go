package importer

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDuplicatesWhenHashesCollide reads rows whose customer numbers all
// have one of a few hashes, so that the duplicate index must tell apart
// different numbers with the same hash, and checks that it reports the
// same problems as with the real hash.
func TestDuplicatesWhenHashesCollide(t *testing.T) {
	var rows []Row
	for i := 1; i <= 3000; i++ {
		rows = append(rows, Row{Number: i, Cells: []Cell{{Value: fmt.Sprintf("c%d", i%1000)}, {Value: "a@x.fi"}}})
	}
	read := func(hash func(string) uint64) error {
		v := newValidator(CSV, (&Options{MaxProblems: 5000}).withDefaults(), 0)
		if hash != nil {
			v.hash = hash
		}
		err := v.run(func(yield func(*Row) error) error {
			for i := range rows {
				if err := yield(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.finish()
		return err
	}
	want := read(nil)
	ie, ok := want.(*ImportError)
	if !ok || ie.Total != 2000 {
		t.Fatalf("with the real hash: %v, want 2000 duplicates", want)
	}
	for _, collisions := range []uint64{1, 3, 64} {
		got := read(func(cn string) uint64 { return uint64(len(cn)) % collisions << 32 })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("with %d hashes: %v, want %v", collisions, got, want)
		}
	}
}

// FuzzFastPaths checks that the fast paths for customer numbers and
// address cells agree with the careful ones: whenever plainCustomerNumber
// or plainAddresses takes a value, the careful checks (which they skip)
// find nothing wrong and give the same result, and the slab holds nothing
// of the cells plainAddresses does not take.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{
		"a@x.fi", "a@x.fi b@y.fi", " a@x.fi  A@x.fi ", "a@x.fi,b@y.fi", "a@x.fi, b@y.fi",
		"Matti <m@x.fi>", "mailto:a@x.fi", "a@X.FI", "a@x", "a@x.fi\tb@y.fi", "a@ä.fi",
		"00123", "1.23E+10", "1e5", " 12", "A-1/2", "'00123",
	} {
		f.Add(s, "b@y.fi")
	}
	f.Fuzz(func(t *testing.T, s, to string) {
		if plainCustomerNumber(s) {
			careful := &chunk{}
			if got := careful.anyCustomerNumber(1, Cell{Value: s}, s); got != s || len(careful.problems) > 0 {
				t.Fatalf("plainCustomerNumber(%q) is true; the careful path gives %q, %v", s, got, careful.problems)
			}
		}
		c := &chunk{}
		toList := []string{to}
		got, ok := c.plainAddresses(s, toList)
		if !ok {
			if len(c.addrs) != 0 {
				t.Fatalf("plainAddresses(%q) refused the cell but kept %q", s, c.addrs)
			}
			return
		}
		careful := &chunk{}
		want := careful.anyAddresses(1, "B", s, toList)
		if len(careful.problems) > 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("plainAddresses(%q) = %q; the careful path gives %q, %v", s, got, want, careful.problems)
		}
	})
}

func TestShorten(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{strings.Repeat("a", 100), strings.Repeat("a", 100)},
		{strings.Repeat("a", 101), strings.Repeat("a", 100) + "…"},
		{strings.Repeat("ä", 100), strings.Repeat("ä", 100)},
		{strings.Repeat("ä", 101), strings.Repeat("ä", 100) + "…"},
		{strings.Repeat("€", 60) + strings.Repeat("a", 1<<20), strings.Repeat("€", 60) + strings.Repeat("a", 40) + "…"},
		{"\xff" + strings.Repeat("a", 200), "\xff" + strings.Repeat("a", 99) + "…"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in); got != tt.want {
			t.Errorf("shorten(%d bytes) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
	long := strings.Repeat("a", 1<<20)
	if n := testing.AllocsPerRun(10, func() { shorten(long) }); n > 1 {
		t.Errorf("shorten of a megabyte allocates %v times, want once", n)
	}
}

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"E-mail", "email"},
		{" KUNDNUMMER ", "kundnummer"},
		{"Sähköpostiosoitteet", "sähköpostiosoitteet"},
		{"Kopio (CC)", "kopiocc"},
		{strings.Repeat("Ä", maxHeaderKey+5), strings.Repeat("ä", maxHeaderKey)},
		{"E-mail" + strings.Repeat("-", 1<<20), "email"},
	}
	for _, tt := range tests {
		if got := headerKey(tt.in); got != tt.want {
			t.Errorf("headerKey(%.30q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for w := range words() {
		if n := utf8.RuneCountInString(w); n >= maxHeaderKey {
			t.Errorf("header word %q has %d letters; maxHeaderKey must be more", w, n)
		}
	}
	// The words the translation files give are the ones recognised before
	// they moved there.
	want := map[string]int{
		"asiakasnumero": 1, "asiakasnro": 1, "asiakas": 1, "asiakastunnus": 1,
		"kundnummer": 1, "kundnr": 1, "kund": 1,
		"customernumber": 1, "customerno": 1, "customernr": 1, "customer": 1, "customerid": 1,

		"sähköposti": 2, "sähköpostiosoite": 2, "sähköpostiosoitteet": 2, "sposti": 2, "vastaanottaja": 2,
		"epost": 2, "epostadress": 2, "epostadresser": 2, "mottagare": 2,
		"email": 2, "emails": 2, "emailaddress": 2, "emailaddresses": 2, "mail": 2, "to": 2, "recipient": 2, "recipients": 2,

		"cc": 3, "kopio": 3, "kopiocc": 3, "kopiot": 3, "kopioosoitteet": 3,
		"kopia": 3, "kopiacc": 3, "kopieadresser": 3, "copy": 3, "copycc": 3, "copies": 3,

		"toimitustapa": 4, "toimitusprofiili": 4, "profiili": 4,
		"leveranssätt": 4, "leveransprofil": 4, "profil": 4,
		"delivery": 4, "deliveryprofile": 4, "profile": 4,

		"kieli": 5, "kielikoodi": 5, "asiointikieli": 5,
		"språk": 5, "språkkod": 5,
		"language": 5, "lang": 5, "languagecode": 5,
	}
	if got := words(); !maps.Equal(got, want) {
		t.Errorf("header words %v, want %v", got, want)
	}
	long := strings.Repeat("a", 1<<20)
	if n := testing.AllocsPerRun(10, func() { headerKey(long) }); n > 1 {
		t.Errorf("headerKey of a megabyte allocates %v times, want at most once", n)
	}
}
