package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// Every user-facing text of the library lives in translation files: one
// JSON object of key → text per package and language, in
// texts/<language>/<package>.json ("texts/sv/importer.json"). A key starts
// with its file's name and a dot ("importer.problem.empty-file"); a text's
// placeholders are fmt verbs ("%s", "%d", "%[2]s"), the same in every
// language. The files are registered into one golang.org/x/text catalog at
// start-up; [Register] adds a language a host app brings.
//
//go:embed texts
var shipped embed.FS

// English is the language every text exists in, the reference of every
// check and the last fallback.
const English = "en"

// store is one generation of the catalog: the languages registered so far
// and their texts. A registration makes a new store (copy on write), so
// readers never lock for a text.
type store struct {
	codes   []string            // registered languages: en, fi, sv, then added ones
	index   map[string]int      // position of each code in codes
	tags    []language.Tag      // codes parsed, for the matcher
	bases   []language.Base     // their base languages
	matcher language.Matcher    // the one matcher, over tags
	texts   []map[string]string // each language's texts by key, read from the catalog
	cat     *catalog.Builder    // every text of every language
	keys    []string            // English keys, sorted
	gen     int                 // the number of registrations before this one
	english map[string]string   // English texts by key
	cache   *resolveCache       // tags resolved before, for this store's languages
}

// resolveCache remembers how tags that needed parsing resolved, so that a
// caller passing "sv-FI" to every Message pays for the parse once. It
// holds at most maxResolveCache tags, so that arbitrary input cannot grow
// it.
type resolveCache struct {
	mu sync.RWMutex
	m  map[string]int // position in codes, -1 for no language
}

const maxResolveCache = 512

var (
	current  atomic.Pointer[store]
	register sync.Mutex // serialises registrations
)

// shippedCodes are the languages of texts/: en, fi and sv first (the
// order of the deprecated triples), then any other directory's, sorted.
var shippedCodes = func() []string {
	codes := []string{"en", "fi", "sv"}
	dirs, err := fs.ReadDir(shipped, "texts")
	if err != nil {
		panic(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !slices.Contains(codes, d.Name()) {
			codes = append(codes, d.Name())
		}
	}
	return codes
}()

func init() {
	s := &store{cat: catalog.NewBuilder(), index: map[string]int{}}
	for _, code := range shippedCodes {
		sub, err := fs.Sub(shipped, "texts/"+code)
		if err != nil {
			panic(err)
		}
		texts, err := readTexts(sub)
		if err != nil {
			panic(fmt.Sprintf("i18n: shipped %s texts: %v", code, err))
		}
		if code != English {
			if err := check(s.english, texts); err != nil {
				panic(fmt.Sprintf("i18n: shipped %s texts: %v", code, err))
			}
		}
		s = s.with(language.MustParse(code), code, texts)
	}
	current.Store(s)
}

// with returns a copy of s with the language code (tag) and its texts
// added to the catalog and the matcher.
func (s *store) with(tag language.Tag, code string, texts map[string]string) *store {
	n := &store{
		codes: append(slices.Clip(s.codes), code),
		tags:  append(slices.Clip(s.tags), tag),
		texts: append(slices.Clip(s.texts), nil),
		index: make(map[string]int, len(s.index)+1),
		cat:   s.cat,
		gen:   s.gen + 1,
		cache: &resolveCache{m: map[string]int{}},
	}
	maps.Copy(n.index, s.index)
	n.index[code] = len(n.codes) - 1
	for _, t := range n.tags {
		b, _ := t.Base()
		n.bases = append(n.bases, b)
	}
	n.matcher = language.NewMatcher(n.tags)
	keys := make([]string, 0, len(texts))
	for k, v := range texts {
		keys = append(keys, k)
		// SetString only fails for a message it cannot compile, which a
		// plain string never is.
		_ = n.cat.SetString(tag, k, v)
	}
	sort.Strings(keys)
	// The lookup table is read back from the catalog, so that what a
	// message.Printer over the catalog would find is what Text prints.
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		var r rawRenderer
		if err := n.cat.Context(tag, &r).Execute(k); err == nil {
			m[k] = r.s
		}
	}
	n.texts[len(n.texts)-1] = m
	if code == English {
		n.english, n.keys = m, keys
	} else {
		n.english, n.keys = s.english, s.keys
	}
	return n
}

// rawRenderer receives a catalog message as it is written, placeholders
// and all: the library formats it with fmt (see [Text]).
type rawRenderer struct{ s string }

func (r *rawRenderer) Arg(int) any     { return nil }
func (r *rawRenderer) Render(s string) { r.s += s }

// readTexts reads every *.json file at the root of fsys: each one JSON
// object of key → text whose keys start with the file's name and a dot.
func readTexts(fsys fs.FS) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no translation files (*.json)")
	}
	texts := make(map[string]string)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var file map[string]string
		if err := json.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		prefix := strings.TrimSuffix(path.Base(name), ".json") + "."
		for k, v := range file {
			if !strings.HasPrefix(k, prefix) {
				return nil, fmt.Errorf("%s: key %q does not start with %q", name, k, prefix)
			}
			texts[k] = v
		}
	}
	return texts, nil
}

// MissingError reports a language whose translation files are incomplete
// or inconsistent with English: the keys without a text, the keys whose
// text is empty or has other placeholders than the English one, and keys
// English does not have. Each list is sorted.
type MissingError struct {
	Missing      []string // keys without a text
	Empty        []string // keys whose text is empty
	Placeholders []string // keys whose placeholders differ from English, with both texts' verbs
	Unknown      []string // keys English does not have (a typo, or a text of another version)
}

// Error lists the faulty keys.
func (e *MissingError) Error() string {
	var parts []string
	add := func(what string, keys []string) {
		if len(keys) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s: %s", len(keys), what, strings.Join(keys, ", ")))
		}
	}
	add("keys without a text", e.Missing)
	add("empty texts", e.Empty)
	add("texts whose placeholders differ from English", e.Placeholders)
	add("unknown keys", e.Unknown)
	return strings.Join(parts, "; ")
}

// check compares a language's texts with English: every key has a
// non-empty text with the same placeholders, and there are no other keys.
func check(english, texts map[string]string) error {
	var e MissingError
	for k, en := range english {
		t, ok := texts[k]
		switch {
		case !ok:
			e.Missing = append(e.Missing, k)
		case t == "" || strings.TrimSpace(t) == "" && k != "format.group": // a no-break space groups digits
			e.Empty = append(e.Empty, k)
		case k == "format.date" && !checkLayout(t):
			e.Placeholders = append(e.Placeholders, k+" (a date layout needs YYYY, M or MM and D or DD)")
		default:
			want, got := verbs(en), verbs(t)
			if !slices.Equal(want, got) {
				e.Placeholders = append(e.Placeholders, fmt.Sprintf("%s (English %s, here %s)", k, strings.Join(want, " "), strings.Join(got, " ")))
			}
		}
	}
	for k := range texts {
		if _, ok := english[k]; !ok {
			e.Unknown = append(e.Unknown, k)
		}
	}
	if e.Missing == nil && e.Empty == nil && e.Placeholders == nil && e.Unknown == nil {
		return nil
	}
	for _, l := range [][]string{e.Missing, e.Empty, e.Placeholders, e.Unknown} {
		sort.Strings(l)
	}
	return &e
}

// verbs returns the fmt verbs of a text as "argument:verb" ("1:s", "2:d"),
// sorted, with the argument each one formats counted as fmt counts it
// ("%s %[1]s %d" gives 1:s 1:s 2:d). Two texts print the same arguments the
// same way when their verbs are equal. "%%" is no verb.
func verbs(s string) []string {
	var out []string
	arg := 1
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		// Flags, width, precision and an explicit argument index.
		for i < len(s) && strings.IndexByte("+-# 0123456789.*[]", s[i]) >= 0 {
			if s[i] == '[' {
				j := strings.IndexByte(s[i:], ']')
				if j < 0 {
					break
				}
				if n, err := strconv.Atoi(s[i+1 : i+j]); err == nil {
					arg = n
				}
				i += j
			}
			i++
		}
		if i >= len(s) {
			out = append(out, "bad:%")
			break
		}
		if s[i] == '%' {
			continue
		}
		out = append(out, strconv.Itoa(arg)+":"+string(s[i]))
		arg++
	}
	sort.Strings(out)
	return out
}

// Register adds the language tag ("nb", "nb-NO", "et") with the texts of
// the translation files at the root of fsys (*.json, one object of key →
// text per file, each key starting with the file's name and a dot, as in
// the library's own texts/<language> directories). Every key English has
// must have a non-empty text with the same placeholders, and no other key
// may be there; otherwise Register returns a [*MissingError] listing them
// and changes nothing. Registering a language again replaces its texts.
//
// From then on [Code], [First] and [Accept] resolve the language and its
// variants ("nb-NO" and "no" for "nb") and [Text] speaks it. Register is
// safe for concurrent use with every function of the package.
func Register(tag string, fsys fs.FS) error {
	t, code, err := parseTag(tag)
	if err != nil {
		return err
	}
	if fsys == nil {
		return fmt.Errorf("i18n: language %s: no translation files (fsys is nil)", code)
	}
	texts, err := readTexts(fsys)
	if err != nil {
		return fmt.Errorf("i18n: language %s: %w", code, err)
	}
	return registerTexts(t, code, texts)
}

// registerTexts is [Register] with the texts read.
func registerTexts(t language.Tag, code string, texts map[string]string) error {
	register.Lock()
	defer register.Unlock()
	s := current.Load()
	if err := check(s.english, texts); err != nil {
		return fmt.Errorf("i18n: language %s: %w", code, err)
	}
	if i, ok := s.index[code]; ok { // replace
		if i < len(shippedCodes) {
			return fmt.Errorf("i18n: %s ships with the library and cannot be replaced", code)
		}
		n := *s
		n.texts = slices.Clone(s.texts)
		for k, v := range texts {
			_ = n.cat.SetString(t, k, v)
		}
		n.texts[i] = maps.Clone(texts)
		n.gen++
		n.cache = &resolveCache{m: map[string]int{}}
		current.Store(&n)
		return nil
	}
	current.Store(s.with(t, code, texts))
	return nil
}

// Canonical returns the code a language tag is registered under: the tag
// in canonical BCP 47 form ("nb", "nb-NO" for "nb_no"), or an error saying
// that tag names no language.
func Canonical(tag string) (string, error) {
	_, code, err := parseTag(tag)
	return code, err
}

// parseTag checks a language tag given to Register and returns it with
// its code: the canonical tag ("nb", "nb-NO") without extensions.
func parseTag(tag string) (language.Tag, string, error) {
	t, err := language.Parse(strings.ReplaceAll(tag, "_", "-"))
	if err != nil || tag == "" {
		return language.Und, "", fmt.Errorf("i18n: %q is not a language tag (use a BCP 47 tag such as nb or nb-NO)", tag)
	}
	if b, conf := t.Base(); conf != language.Exact || b.String() == "und" {
		return language.Und, "", fmt.Errorf("i18n: %q names no language (use a BCP 47 tag such as nb or nb-NO)", tag)
	}
	return t, t.String(), nil
}

// Shipped reports whether the language code ships with the library.
func Shipped(code string) bool { return slices.Contains(shippedCodes, code) }

// Languages returns the registered languages, "en", "fi" and "sv" first,
// then the other shipped ones, then those added, in a new slice.
func Languages() []string { return slices.Clone(current.Load().codes) }

// Check reports whether the registered language lang has every text
// English has, none empty and each with the English placeholders (a
// [*MissingError] otherwise).
func Check(lang string) error {
	s := current.Load()
	i, ok := s.index[lang]
	if !ok {
		return fmt.Errorf("i18n: language %q is not registered", lang)
	}
	return check(s.english, s.texts[i])
}

// KeySet holds the message keys that share a prefix, so that a package
// turning a code into its key ("docparse.error." + code) does not build
// the string on every message.
type KeySet struct {
	prefix string
	keys   map[string]string // name → prefix+name
}

// Prefix returns the keys of the English texts that start with prefix
// ("distribution.step.").
func Prefix(prefix string) KeySet {
	k := KeySet{prefix: prefix, keys: map[string]string{}}
	for _, key := range current.Load().keys {
		if name, ok := strings.CutPrefix(key, prefix); ok {
			k.keys[name] = key
		}
	}
	return k
}

// Key returns prefix+name, and whether that key has a text.
func (k KeySet) Key(name string) (string, bool) {
	if key, ok := k.keys[name]; ok {
		return key, true
	}
	return k.prefix + name, false
}

// Generation returns a number that changes whenever a language is
// registered, for a package that derives a table from every language's
// texts (such as the importer's header words) to know when to derive it
// again.
func Generation() int { return current.Load().gen }

// All returns key's text in every registered language, in the order of
// [Languages].
func All(key string) []string {
	s := current.Load()
	out := make([]string, len(s.texts))
	for i, m := range s.texts {
		out[i] = m[key]
	}
	return out
}

// Has reports whether key has a text (in English, and so in every
// registered language).
func Has(key string) bool {
	_, ok := current.Load().english[key]
	return ok
}

// Keys returns every message key, sorted.
func Keys() []string { return slices.Clone(current.Load().keys) }

// Catalog returns the catalog holding every registered text, for a
// golang.org/x/text/message.Printer (which, unlike [Text], formats
// numbers the way the language writes them).
func Catalog() catalog.Catalog { return current.Load().cat }

// Text returns the text of key in the registered language a reader of lang
// reads (see [Code]), formatted with args as fmt.Sprintf formats them
// (numbers as Go writes them: the texts' own wording decides the rest); a
// language that is not registered gives English. A text without a
// placeholder is returned as it is, whatever args are given. A key without a text (a
// programming error the completeness test catches) gives the key.
func Text(lang, key string, args ...any) string {
	s := current.Load()
	t, ok := s.texts[s.lookup(lang)][key]
	if !ok {
		if t, ok = s.english[key]; !ok {
			return key
		}
	}
	if len(args) == 0 || strings.IndexByte(t, '%') < 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// lookup returns the position of the registered language a reader of lang
// reads, 0 (English) when none.
func (s *store) lookup(lang string) int {
	if i, ok := s.resolve(lang); ok {
		return i
	}
	return 0
}

// resolve is [Code] for one store.
func (s *store) resolve(lang string) (int, bool) {
	switch lang { // the common cases, without parsing
	case "en":
		return 0, true
	case "fi":
		return 1, true
	case "sv":
		return 2, true
	case "":
		return 0, false
	}
	if i, ok := s.index[lang]; ok {
		return i, true
	}
	s.cache.mu.RLock()
	i, ok := s.cache.m[lang]
	s.cache.mu.RUnlock()
	if ok {
		return max(i, 0), i >= 0
	}
	i, ok = 0, false
	if tag, err := language.Parse(lang); err == nil {
		i, ok = s.match(tag)
	}
	s.cache.mu.Lock()
	if len(s.cache.m) < maxResolveCache {
		if ok {
			s.cache.m[lang] = i
		} else {
			s.cache.m[lang] = -1
		}
	}
	s.cache.mu.Unlock()
	return i, ok
}

// match resolves a parsed tag: a match counts when the matcher is sure
// (Exact), or highly confident about the same language in another region
// or script ("sv-FI" → sv); the matcher's guesses across languages
// (Estonian → Finnish) do not count.
func (s *store) match(tag language.Tag) (int, bool) {
	_, i, c := s.matcher.Match(tag)
	switch {
	case c == language.Exact:
		return i, true
	case c == language.High:
		if want, _ := tag.Base(); want == s.bases[i] {
			return i, true
		}
	}
	return 0, false
}
