package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
)

func TestPreferredLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en"},
		{"fi", "fi"},
		{"fi-FI,fi;q=0.9,en-US;q=0.8,en;q=0.7", "fi"},
		{"sv-FI, fi;q=0.8", "sv"},
		{"de-DE, sv;q=0.5, fi;q=0.6", "fi"},
		{"de, fr", "en"},
		{"en;q=0.1, SV;q=0.2", "sv"},
		{"fi;q=0, sv;q=0.001", "sv"},
		{"fi;q=abc, sv", "sv"},
		{"fi;q=2", "en"},
		{"fi;level=1;q=0.4, en;q=0.3", "en"}, // Accept-Language has no parameter but q (RFC 9110 §12.5.4)
		{"fin, sv;q=0.9", "fi"},
		{"sv_SE", "sv"},
		{"et, fi;q=0.5", "fi"}, // Estonian is not Finnish
		{"*", "en"},
	}
	for _, tt := range tests {
		if got := preferredLanguage(tt.header); got != tt.want {
			t.Errorf("preferredLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func FuzzPreferredLanguage(f *testing.F) {
	for _, s := range []string{"", "fi-FI,fi;q=0.9,en;q=0.7", "sv;q=0.5", ",,;q=", "fi;q=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if got := preferredLanguage(header); !slices.Contains(languages, got) {
			t.Fatalf("preferredLanguage(%q) = %q", header, got)
		}
	})
}

var verb = regexp.MustCompile(`%[sdvq]`)

// TestTexts checks the catalogue: every UI language has every English
// key, each text non-empty with the English placeholders and no other
// keys, and every key the code and the templates use is present.
func TestTexts(t *testing.T) {
	en := texts["en"]
	for _, l := range languages {
		for key := range texts[l] {
			if _, ok := en[key]; !ok {
				t.Errorf("texts/%s.json: %s is not an English key", l, key)
			}
		}
		for key, e := range en {
			s, ok := texts[l][key]
			switch {
			case !ok:
				t.Errorf("texts/%s.json: %s is missing", l, key)
			case strings.TrimSpace(s) == "":
				t.Errorf("texts/%s.json: %s is empty", l, key)
			}
			if got, want := verb.FindAllString(s, -1), verb.FindAllString(e, -1); !slices.Equal(got, want) {
				t.Errorf("texts/%s.json: %s has placeholders %v, English %v", l, key, got, want)
			}
		}
	}
	for key := range en {
		if _, ok := en[strings.TrimSuffix(key, ".one")]; strings.HasSuffix(key, ".one") && !ok {
			t.Errorf("%s: a singular without its plural", key)
		}
	}

	used := map[string]string{} // key → where it is used
	find := func(pattern, where, text string) {
		for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(text, -1) {
			used[m[1]] = where
		}
	}
	goFiles, _ := filepath.Glob("*.go")
	for _, name := range goFiles {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		find(`translate\([^,()]+, "([^"]+)"[,)]`, name, string(b))
		find(`return "(reply\.[A-Za-z]+)"`, name, string(b))
		find(`a\.fail\([^"]+"([^"]+)"[,)]`, name, string(b))
		find(`a\.sessionUpload\(.*, "([^"]+)"\)`, name, string(b)) // its 404 text
	}
	tmpls, _ := fs.Glob(files, "templates/*.html")
	for _, name := range tmpls {
		b, _ := fs.ReadFile(files, name)
		find(`\.[TN] "([^"]+)"`, name, string(b))
	}
	// Keys made at run time from the library's codes.
	for _, o := range []distribution.Outcome{distribution.Sent, distribution.PartlySent, distribution.Failed,
		distribution.Deferred, distribution.Ambiguous, distribution.Rejected, distribution.NotRouted} {
		used["outcome."+string(o)] = "distribution.Outcome"
	}
	// A document's state (the log, its CSV export, the document page) and
	// a recipient's (rcptView.StateKey: a transport outcome or an outbox
	// state, all of which are document states too).
	for _, s := range deliveryStates() {
		used["state."+s] = "stateName"
	}
	for _, o := range []transport.Outcome{transport.Delivered, transport.Deferred, transport.Failed, transport.Ambiguous} {
		if !slices.Contains(deliveryStates(), o.String()) {
			t.Errorf("the recipient outcome %q has no state name", o)
		}
	}
	for _, s := range outbox.States() {
		used[rcptView{State: string(s)}.StateKey()] = "rcptView.StateKey"
	}
	for _, d := range []docparse.DocType{docparse.TypeInvoice, docparse.TypeCreditNote} {
		used["doc."+string(d)] = "docparse.DocType"
	}
	for _, l := range languages {
		used["lang."+l] = "view.LanguageName"
	}
	for _, k := range []string{"dir.added", "dir.addedMany", "dir.saved", "dir.deleted"} {
		used[k] = "listEntries"
	}
	used["plan.changed"] = "sendConfirm"            // a one-time message planView shows
	used["preview.confirmNeeded"] = "importConfirm" // a one-time message importPreview shows
	for _, k := range []string{"language.name", "format.mb", "format.kb", "format.date", "format.dateTime", "format.csvDateTime"} {
		used[k] = "i18n.go"
	}
	for _, k := range usersTextKeys() {
		used[k] = "users, account and audit pages"
	}
	for key, where := range used {
		if _, ok := en[key]; !ok {
			if _, ok := en[key+".one"]; !ok {
				t.Errorf("%s uses the text %q, which is missing", where, key)
			}
		}
	}
	for key := range en {
		if _, ok := used[strings.TrimSuffix(key, ".one")]; !ok {
			t.Errorf("the text %q is not used", key)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, tt := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 32 << 20, "32 MB"}, {"fi", 20 << 20, "20 Mt"}, {"sv", 64 << 10, "64 kB"}, {"fi", 16 << 10, "16 kt"}} {
		if got := formatSize(tt.lang, tt.n); got != tt.want {
			t.Errorf("formatSize(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}
