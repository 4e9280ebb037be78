package i18n

import (
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestCompleteness checks every shipped language against English: every
// key has a text, no text is empty, and each has the placeholders of the
// English text (the same verbs for the same arguments, as often). A new
// key without its Finnish or Swedish text fails here.
func TestCompleteness(t *testing.T) {
	for _, lang := range shippedCodes {
		t.Run(lang, func(t *testing.T) {
			sub, err := fs.Sub(shipped, "texts/"+lang)
			if err != nil {
				t.Fatal(err)
			}
			texts, err := readTexts(sub)
			if err != nil {
				t.Fatal(err)
			}
			if err := check(current.Load().english, texts); err != nil {
				t.Errorf("texts/%s: %v", lang, err)
			}
			if err := Check(lang); err != nil {
				t.Error(err)
			}
			// Each package's file of this language has the keys of the
			// English file of the same name, so that a text is always
			// added where the English one is.
			names, _ := fs.Glob(sub, "*.json")
			enNames, _ := fs.Glob(shipped, "texts/en/*.json")
			for i := range enNames {
				enNames[i] = strings.TrimPrefix(enNames[i], "texts/en/")
			}
			if !slices.Equal(names, enNames) {
				t.Errorf("texts/%s has the files %q, English %q", lang, names, enNames)
			}
		})
	}
	if len(Keys()) < 140 {
		t.Errorf("only %d keys", len(Keys()))
	}
}

// TestVerbs lists how placeholders are compared.
func TestVerbs(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"no placeholder", nil},
		{"100 %% sure", nil},
		{"%s and %d", []string{"1:s", "2:d"}},
		{"%[2]s before %[1]s", []string{"1:s", "2:s"}},
		{"%[4]s, at most %[4]s", []string{"4:s", "4:s"}},
		{"%[2]s then %s", []string{"2:s", "3:s"}},
		{"%-5.2f%%", []string{"1:f"}},
		{"trailing %", []string{"bad:%"}},
	}
	for _, tt := range tests {
		if got := verbs(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("verbs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// englishFiles returns the English texts as a MapFS of one file per package,
// the shape Register takes.
func englishFiles(t *testing.T, edit func(map[string]string)) fstest.MapFS {
	t.Helper()
	sub, _ := fs.Sub(shipped, "texts/en")
	texts, err := readTexts(sub)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(texts)
	}
	files := map[string]map[string]string{}
	for k, v := range texts {
		pkg, _, _ := strings.Cut(k, ".")
		if files[pkg] == nil {
			files[pkg] = map[string]string{}
		}
		files[pkg][k] = v
	}
	out := fstest.MapFS{}
	for pkg, m := range files {
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out[pkg+".json"] = &fstest.MapFile{Data: data}
	}
	return out
}

// TestRegister adds Icelandic (English texts with one changed) and checks
// that it resolves, speaks and can be replaced, and that broken files are
// refused with every faulty key named and nothing changed.
func TestRegister(t *testing.T) {
	bad := englishFiles(t, func(m map[string]string) {
		delete(m, "docparse.error.empty")
		m["address.reason.empty"] = ""
		m["distribution.lookup"] = "%d"
		m["importer.nope"] = "x"
	})
	err := Register("is", bad)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Register(broken) = %v, want a *MissingError", err)
	}
	if !slices.Equal(me.Missing, []string{"docparse.error.empty"}) || !slices.Equal(me.Empty, []string{"address.reason.empty"}) ||
		len(me.Placeholders) != 1 || !strings.HasPrefix(me.Placeholders[0], "distribution.lookup") || !slices.Equal(me.Unknown, []string{"importer.nope"}) {
		t.Errorf("MissingError %+v", me)
	}
	if _, ok := Code("is"); ok || slices.Contains(Languages(), "is") {
		t.Fatal("a refused language resolves")
	}
	gen := Generation()
	good := englishFiles(t, func(m map[string]string) { m["docparse.error.empty"] = "Skráin er tóm." })
	if err := Register("is-IS", good); err != nil {
		t.Fatal(err)
	}
	if Generation() == gen {
		t.Error("Generation did not change")
	}
	for _, tag := range []string{"is-IS", "is", "isl", "IS_is"} {
		if code, ok := Code(tag); !ok || code != "is-IS" {
			t.Errorf("Code(%q) = %q, %v; want is-IS", tag, code, ok)
		}
		if got := Text(tag, "docparse.error.empty"); got != "Skráin er tóm." {
			t.Errorf("Text(%q) = %q", tag, got)
		}
	}
	if i, ok := Match("is"); i != 0 || ok {
		t.Errorf("Match(is) = %d, %v: the deprecated triple index has no Icelandic", i, ok)
	}
	// Registering again replaces the texts.
	if err := Register("is-IS", englishFiles(t, func(m map[string]string) { m["docparse.error.empty"] = "Tóm skrá." })); err != nil {
		t.Fatal(err)
	}
	if got := Text("is", "docparse.error.empty"); got != "Tóm skrá." {
		t.Errorf("after replacing: %q", got)
	}
	for _, tag := range []string{"", "x-private", "not a tag"} {
		if err := Register(tag, good); err == nil {
			t.Errorf("Register(%q) succeeded", tag)
		}
	}
	for _, shipped := range []string{"en", "fi", "sv"} {
		if err := Register(shipped, good); err == nil || !Shipped(shipped) {
			t.Errorf("Register(%s) replaced a shipped language", shipped)
		}
	}
	if Shipped("is-IS") {
		t.Error("an added language counts as shipped")
	}
	if err := Register("et", nil); err == nil {
		t.Error("Register with a nil fs.FS succeeded")
	}
	if err := Register("et", fstest.MapFS{}); err == nil {
		t.Error("Register without files succeeded")
	}
}

// TestText checks lookups, fallbacks and formatting.
func TestText(t *testing.T) {
	tests := []struct{ lang, key, want string }{
		{"fi-FI", "docparse.error.empty", "Tiedosto on tyhjä."},
		{"sv_SE", "docparse.error.empty", "Filen är tom."},
		{"de", "docparse.error.empty", "The file is empty."},
		{"", "docparse.error.empty", "The file is empty."},
		{"fi", "no.such.key", "no.such.key"},
	}
	for _, tt := range tests {
		if got := Text(tt.lang, tt.key); got != tt.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if got := Text("sv", "registry.entry.too-many-addresses", 50); !strings.Contains(got, "högst 50 adresser") {
		t.Errorf("with an argument: %q", got)
	}
	if got := Text("en", "docparse.error.empty", "extra"); got != "The file is empty." {
		t.Errorf("a text without placeholders given an argument: %q", got)
	}
	if got := All("format.decimal"); len(got) < 3 || got[0] != "." || got[1] != "," || got[2] != "," {
		t.Errorf("All(format.decimal) = %q", got)
	}
	if !Has("format.quote") || Has("format.nothing") {
		t.Error("Has")
	}
	if Catalog() == nil {
		t.Error("no catalog")
	}
}

// TestFormat checks the value formats of the shipped languages.
func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{Quote("en", "x"), "“x”"},
		{Quote("fi", "x"), "”x”"},
		{FormatInt("en", 1234567), "1,234,567"},
		{FormatInt("sv", -1234567), "-1\u00a0234\u00a0567"},
		{FormatInt("fi", 999), "999"},
		{FormatDate("fi", "2026-01-05"), "5.1.2026"},
		{FormatDate("sv-FI", "2026-11-25+02:00"), "25.11.2026"},
		{FormatDate("en", "2026-01-05"), "2026-01-05"},
		{FormatDate("fi", "2026-00-05"), "2026-00-05"},
		{FormatDate("fi", "5.1.2026"), "5.1.2026"},
		{FormatAmount("fi", "-1234.5", "EUR"), "-1\u00a0234,5\u00a0EUR"},
		{FormatAmount("en", "1234", ""), "1,234"},
		{FormatAmount("en", "", "EUR"), ""},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: %q, want %q", i, tt.got, tt.want)
		}
	}
}

// BenchmarkText measures a lookup with and without arguments, in a plain
// code and a tag with a region.
func BenchmarkText(b *testing.B) {
	for _, lang := range []string{"fi", "sv-FI"} {
		b.Run(lang, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n += len(Text(lang, "docparse.error.empty"))
				n += len(Text(lang, "registry.entry.too-many-addresses", 50))
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
		})
	}
}

// FuzzVerbs checks the placeholder scanner on any text, seeded with every
// shipped text: it never panics, finds nothing in a text without "%", and
// finds a text's verbs again when the text is doubled.
func FuzzVerbs(f *testing.F) {
	for _, lang := range []string{"en", "fi", "sv"} {
		sub, _ := fs.Sub(shipped, "texts/"+lang)
		texts, err := readTexts(sub)
		if err != nil {
			f.Fatal(err)
		}
		for _, t := range texts {
			f.Add(t)
		}
	}
	f.Add("%[")
	f.Add("%[x]d %[99999999999999999999]s %!")
	f.Fuzz(func(t *testing.T, s string) {
		v := verbs(s)
		if !strings.Contains(s, "%") && v != nil {
			t.Fatalf("verbs(%q) = %q without a %%", s, v)
		}
		if len(v) > strings.Count(s, "%") {
			t.Fatalf("verbs(%q) = %q: more verbs than %%", s, v)
		}
	})
}
