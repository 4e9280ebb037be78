package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/address"
)

func TestCheckCustomerNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"123", nil},
		{"00123", nil},
		{"Äijälä", nil},
		{"inner space", nil},
		{strings.Repeat("ä", registry.MaxCustomerNumberLength), nil},
		{"", registry.ErrEmptyCustomerNumber},
		{strings.Repeat("1", registry.MaxCustomerNumberLength+1), registry.ErrCustomerNumberTooLong},
		{" 123", registry.ErrCustomerNumberSpace},
		{"123\u00a0", registry.ErrCustomerNumberSpace},
		{"12\t3", registry.ErrCustomerNumberSpace},
		{"12\x003", registry.ErrCustomerNumberSpace},
		{"12\u200b3", registry.ErrCustomerNumberSpace},
		{"12\xff", registry.ErrCustomerNumberSpace},
	} {
		if got := registry.CheckCustomerNumber(c.in); got != c.want {
			t.Errorf("CheckCustomerNumber(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestEntryNormalize(t *testing.T) {
	for _, c := range []struct {
		name string
		in   registry.Entry
		want registry.Entry
	}{
		{
			name: "already normal",
			in:   registry.Entry{CustomerNumber: "00123", To: []string{"matti@example.fi"}, Language: "fi"},
			want: registry.Entry{CustomerNumber: "00123", To: []string{"matti@example.fi"}, Language: "fi"},
		},
		{
			name: "forms people type",
			in:   registry.Entry{CustomerNumber: "A1", To: []string{" Matti M <Matti@EXAMPLE.fi> ", "mailto:liisa@example.fi"}, Cc: []string{"kopio@Äijälä.FI"}},
			want: registry.Entry{CustomerNumber: "A1", To: []string{"Matti@example.fi", "liisa@example.fi"}, Cc: []string{"kopio@äijälä.fi"}},
		},
		{
			name: "duplicates dropped, first spelling kept",
			in:   registry.Entry{CustomerNumber: "1", To: []string{"Matti@example.fi", "matti@example.fi"}, Cc: []string{"MATTI@example.fi", "x@example.fi", "x@example.fi"}},
			want: registry.Entry{CustomerNumber: "1", To: []string{"Matti@example.fi"}, Cc: []string{"x@example.fi"}},
		},
		{
			name: "UpdatedAt cleared, empty Cc is nil",
			in:   registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}, Cc: []string{}, UpdatedAt: time.Unix(1, 0)},
			want: registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in.Clone()
			got, err := c.in.Normalize()
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !got.Equal(c.want) || !got.UpdatedAt.IsZero() || (got.Cc == nil) != (c.want.Cc == nil) {
				t.Errorf("Normalize = %+v, want %+v", got, c.want)
			}
			if !c.in.Equal(in) {
				t.Errorf("Normalize changed its receiver to %+v", c.in)
			}
			if err := c.in.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// TestEntryNormalizeCopies checks that the result of Normalize shares no
// slice with an entry that was already normalized.
func TestEntryNormalizeCopies(t *testing.T) {
	in := registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}, Cc: []string{"b@example.fi"}}
	got, err := in.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	got.To[0], got.Cc[0] = "changed@example.fi", "changed@example.fi"
	if in.To[0] != "a@example.fi" || in.Cc[0] != "b@example.fi" {
		t.Errorf("changing Normalize's result changed its receiver: %+v", in)
	}
}

func TestEntryNormalizeErrors(t *testing.T) {
	tooMany := make([]string, registry.MaxAddresses+1)
	for i := range tooMany {
		tooMany[i] = "a" + strings.Repeat("a", i) + "@example.fi"
	}
	for _, c := range []struct {
		name      string
		in        registry.Entry
		field     string
		value     string
		wantCause error
	}{
		{"empty customer number", registry.Entry{To: []string{"a@example.fi"}}, "CustomerNumber", "", registry.ErrEmptyCustomerNumber},
		{"padded customer number", registry.Entry{CustomerNumber: "123 ", To: []string{"a@example.fi"}}, "CustomerNumber", "123 ", registry.ErrCustomerNumberSpace},
		{"no To", registry.Entry{CustomerNumber: "1", Cc: []string{"a@example.fi"}}, "To", "", registry.ErrNoAddress},
		{"too many addresses", registry.Entry{CustomerNumber: "1", To: tooMany}, "To", "", registry.ErrTooManyAddresses},
		{"bad language", registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}, Language: "Finnish"}, "Language", "Finnish", registry.ErrInvalidLanguage},
		{"bad To", registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi", "matti@"}}, "To", "matti@", address.ErrInvalid},
		{"list in one Cc", registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}, Cc: []string{"b@example.fi; c@example.fi"}}, "Cc", "b@example.fi; c@example.fi", address.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.in.Normalize()
			var ee *registry.EntryError
			if !errors.As(err, &ee) || !errors.Is(err, registry.ErrInvalidEntry) || !errors.Is(err, c.wantCause) {
				t.Fatalf("Normalize: %v, want an *EntryError matching ErrInvalidEntry and %v", err, c.wantCause)
			}
			if ee.Field != c.field || ee.Value != c.value || ee.CustomerNumber != c.in.CustomerNumber {
				t.Errorf("EntryError = %+v, want field %q value %q", ee, c.field, c.value)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "registry: customer number ") || !strings.Contains(msg, c.field) {
				t.Errorf("Error() = %q, want the customer number and the field", msg)
			}
			if c.in.Validate() == nil {
				t.Error("Validate accepted what Normalize refuses")
			}
		})
	}
}

// TestEntryErrorMessage checks that every reason an entry is refused has
// its own message in each language, with the limit where there is one.
func TestEntryErrorMessage(t *testing.T) {
	for _, c := range []struct {
		err  error
		want [3]string // en, fi, sv
	}{
		{registry.ErrEmptyCustomerNumber, [3]string{"Enter the customer number.", "Kirjoita asiakasnumero.", "Ange kundnumret."}},
		{registry.ErrCustomerNumberTooLong, [3]string{
			"The customer number is longer than 100 characters: shorten it.",
			"Asiakasnumero on yli 100 merkkiä pitkä: lyhennä sitä.",
			"Kundnumret är längre än 100 tecken: korta av det."}},
		{registry.ErrCustomerNumberSpace, [3]string{"Remove the spaces", "Poista asiakasnumeron", "Ta bort mellanslagen"}},
		{registry.ErrNoAddress, [3]string{"Enter at least one e-mail address.", "Kirjoita vähintään yksi sähköpostiosoite.", "Ange minst en e-postadress."}},
		{registry.ErrTooManyAddresses, [3]string{"at most 50 addresses", "enintään 50 osoitetta", "högst 50 adresser"}},
		{registry.ErrInvalidLanguage, [3]string{"such as fi, sv or en", "esimerkiksi fi, sv tai en", "till exempel fi, sv eller en"}},
		{errors.New("something new"), [3]string{"The value of To cannot be used.", "Kentän To arvoa ei voi käyttää.", "Värdet i fältet To kan inte användas."}},
	} {
		t.Run(c.err.Error(), func(t *testing.T) {
			ee := &registry.EntryError{CustomerNumber: "1", Field: "To", Err: c.err}
			for i, lang := range []string{"en", "fi", "sv"} {
				if got := ee.Message(lang); !strings.Contains(got, c.want[i]) {
					t.Errorf("Message(%q) = %q, want it to contain %q", lang, got, c.want[i])
				}
			}
			if got, want := ee.Message("de"), ee.Message("en"); got != want {
				t.Errorf("Message(\"de\") = %q, want the English %q", got, want)
			}
		})
	}
}

func TestValidLanguages(t *testing.T) {
	for lang, ok := range map[string]bool{
		"": true, "fi": true, "sv": true, "en-GB": true, "zh-Hant": true, "se-FI": true,
		"FI": false, "f i": false, "en-": false, "-en": false, "en--GB": false, "fi_FI": false, "abcdefgh-ijklmnop": false,
	} {
		err := registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi"}, Language: lang}.Validate()
		if (err == nil) != ok {
			t.Errorf("language %q: Validate() = %v, want ok=%t", lang, err, ok)
		}
	}
}

func TestEntryEqualAndClone(t *testing.T) {
	e := registry.Entry{CustomerNumber: "1", To: []string{"a@example.fi", "b@example.fi"}, Cc: []string{"c@example.fi"}, Language: "fi", UpdatedAt: time.Unix(1, 0)}
	c := e.Clone()
	c.UpdatedAt = time.Unix(2, 0)
	if !e.Equal(c) {
		t.Error("Equal compares UpdatedAt")
	}
	c.To[0] = "x@example.fi"
	if e.To[0] != "a@example.fi" || e.Equal(c) {
		t.Error("Clone shares its To slice")
	}
	c = e.Clone()
	c.To[0], c.To[1] = c.To[1], c.To[0]
	if e.Equal(c) {
		t.Error("Equal ignores the order of addresses")
	}
}

func TestBatchNormalize(t *testing.T) {
	a := registry.Entry{CustomerNumber: "A", To: []string{"A <a@EXAMPLE.fi>"}}
	b := registry.Entry{CustomerNumber: "B", To: []string{"b@example.fi"}}
	bad := registry.Entry{CustomerNumber: "C", To: []string{"c@"}}
	for _, c := range []struct {
		name      string
		in        registry.Batch
		index     int
		cn        string
		wantCause error
	}{
		{"ReplaceAll with deletes", registry.Batch{Put: []registry.Entry{a}, Delete: []string{"B"}, ReplaceAll: true}, -1, "", registry.ErrReplaceAllWithDelete},
		{"invalid entry", registry.Batch{Put: []registry.Entry{a, b, bad}}, 2, "C", registry.ErrInvalidEntry},
		{"duplicate put", registry.Batch{Put: []registry.Entry{a, b, a}}, 2, "A", registry.ErrDuplicateCustomerNumber},
		{"put and delete", registry.Batch{Put: []registry.Entry{a}, Delete: []string{"X", "A"}}, 1, "A", registry.ErrDuplicateCustomerNumber},
		{"duplicate delete", registry.Batch{Delete: []string{"X", "Y", "X"}}, 2, "X", registry.ErrDuplicateCustomerNumber},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.in.Normalize()
			var be *registry.BatchError
			if !errors.As(err, &be) || !errors.Is(err, registry.ErrInvalidBatch) || !errors.Is(err, c.wantCause) {
				t.Fatalf("Normalize: %v, want a *BatchError matching %v", err, c.wantCause)
			}
			if be.Index != c.index || be.CustomerNumber != c.cn {
				t.Errorf("BatchError = %+v, want index %d, customer number %q", be, c.index, c.cn)
			}
			if !strings.HasPrefix(err.Error(), "registry: invalid batch") {
				t.Errorf("Error() = %q", err)
			}
		})
	}

	t.Run("valid batch is copied and normalized", func(t *testing.T) {
		in := registry.Batch{Put: []registry.Entry{a, b}, Delete: []string{"X"}}
		out, err := in.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		if out.Put[0].To[0] != "a@example.fi" || out.Delete[0] != "X" {
			t.Errorf("Normalize = %+v", out)
		}
		in.Put[1].To[0], in.Delete[0] = "changed@example.fi", "Y"
		if out.Put[1].To[0] != "b@example.fi" || out.Delete[0] != "X" {
			t.Error("Normalize's result shares slices with its receiver")
		}
	})
}

func TestPageSize(t *testing.T) {
	for in, want := range map[int]int{-5: registry.DefaultPageSize, 0: registry.DefaultPageSize, 1: 1, 1000: 1000, 1001: registry.MaxPageSize} {
		if got := registry.PageSize(in); got != want {
			t.Errorf("PageSize(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestLookupFunc(t *testing.T) {
	var got string
	f := registry.LookupFunc(func(_ context.Context, cn string) (registry.Entry, error) {
		got = cn
		return registry.Entry{}, registry.ErrNotFound
	})
	if _, err := f.Lookup(t.Context(), "123"); !errors.Is(err, registry.ErrNotFound) || got != "123" {
		t.Errorf("LookupFunc.Lookup = %v, called with %q", err, got)
	}
}

// FuzzEntryNormalize checks that Normalize never panics, that what it
// accepts is stable (normalizing again changes nothing) and holds only
// addresses the address function returns unchanged, and that what it
// refuses is an *EntryError. To and Cc hold addresses separated by
// newlines. Seeds are in testdata/fuzz/FuzzEntryNormalize.
func FuzzEntryNormalize(f *testing.F) {
	f.Fuzz(func(t *testing.T, cn, to, cc, lang string) {
		e := registry.Entry{CustomerNumber: cn, Language: lang}
		if to != "" {
			e.To = strings.Split(to, "\n")
		}
		if cc != "" {
			e.Cc = strings.Split(cc, "\n")
		}
		n, err := e.Normalize()
		if err != nil {
			var ee *registry.EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("Normalize(%+v): %v is not an *EntryError", e, err)
			}
			return
		}
		again, err := n.Normalize()
		if err != nil || !again.Equal(n) {
			t.Fatalf("Normalize is not stable: %+v, then %+v, %v", n, again, err)
		}
		seen := map[string]bool{}
		for _, a := range append(append([]string(nil), n.To...), n.Cc...) {
			if p, err := address.Parse(a); err != nil || p != a {
				t.Errorf("normalized address %q parses to %q, %v", a, p, err)
			}
			if k := strings.ToLower(a); seen[k] {
				t.Errorf("normalized entry holds %q twice", a)
			} else {
				seen[k] = true
			}
		}
	})
}

// BenchmarkBatchNormalize measures the validation every Apply starts with,
// per entry, against a baseline that only copies the entries.
func benchBatch() registry.Batch {
	batch := registry.Batch{Put: make([]registry.Entry, 10000)}
	for i := range batch.Put {
		e := registry.Entry{CustomerNumber: fmt.Sprintf("%07d", i), To: []string{fmt.Sprintf("asiakas%d@yritys%d.fi", i, i%100)}}
		if i%3 == 0 {
			e.To = append(e.To, fmt.Sprintf("Laskut <laskut%d@Yritys%d.FI>", i, i%100))
		}
		if i%10 == 0 {
			e.Cc = []string{"kirjanpito@yritys.fi"}
		}
		batch.Put[i] = e
	}
	return batch
}

func BenchmarkBatchNormalize(b *testing.B) {
	batch := benchBatch()
	perEntry := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch.Put)), "ns/entry")
	}
	b.Run("normalize", func(b *testing.B) {
		for b.Loop() {
			if _, err := batch.Normalize(); err != nil {
				b.Fatal(err)
			}
		}
		perEntry(b)
	})
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			out := make([]registry.Entry, len(batch.Put))
			for i, e := range batch.Put {
				out[i] = e.Clone()
			}
		}
		perEntry(b)
	})
}
