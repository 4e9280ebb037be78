// Package i18ntest converts texts still written as {English, Finnish,
// Swedish} triples in Go into the library's translation files, for a
// one-off test that moves a package's texts to internal/i18n/texts.
//
// The recipe, for a package outbox with
//
//	var texts = map[string][3]string{"outbox.state.deferred": {"Deferred", "Viivästynyt", "Fördröjd"}}
//
// is a temporary test in that package:
//
//	func TestMoveTexts(t *testing.T) { i18ntest.WriteTriples(t, "", "outbox", texts) }
//
// run once (go test -run TestMoveTexts ./outbox), which writes
// internal/i18n/texts/{en,fi,sv}/outbox.json; then the test and the map
// are deleted and each lookup becomes i18n.Text(lang, key, args...).
package i18ntest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// WriteTriples writes the texts of triples, keyed by message key, into
// <dir>/<lang>/<file>.json for en, fi and sv, adding to what the files
// hold (a key given here replaces the file's text). dir "" means
// internal/i18n/texts of the source tree. Every key must start with file
// and a dot, as the catalog requires.
func WriteTriples(t testing.TB, dir, file string, triples map[string][3]string) {
	t.Helper()
	if dir == "" {
		_, self, _, ok := runtime.Caller(0)
		if !ok {
			t.Fatal("i18ntest: cannot find the source tree")
		}
		dir = filepath.Join(filepath.Dir(filepath.Dir(self)), "texts")
	}
	for k := range triples {
		if !strings.HasPrefix(k, file+".") {
			t.Fatalf("i18ntest: key %q does not start with %q", k, file+".")
		}
	}
	for i, lang := range []string{"en", "fi", "sv"} {
		if err := os.MkdirAll(filepath.Join(dir, lang), 0o755); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, lang, file+".json")
		texts := map[string]string{}
		if data, err := os.ReadFile(name); err == nil {
			if err := json.Unmarshal(data, &texts); err != nil {
				t.Fatalf("i18ntest: %s: %v", name, err)
			}
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for k, v := range triples {
			texts[k] = v[i]
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "\t")
		if err := enc.Encode(texts); err != nil { // maps encode with sorted keys
			t.Fatal(err)
		}
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
