package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/transport/address"
)

// Limits an [Entry] must respect.
const (
	// MaxCustomerNumberLength is the longest customer number, in characters.
	MaxCustomerNumberLength = 100
	// MaxAddresses is the most addresses one entry may hold (To and Cc together).
	MaxAddresses = 50
)

// ErrNotFound is returned by Lookup and Delete when the directory holds no
// entry for the customer number.
var ErrNotFound = errors.New("registry: customer number not found")

// ErrNoRegistry is the error of a nil registry: a nil interface, a nil
// pointer of an implementation such as (*Memory)(nil), a nil [LookupFunc],
// or an implementation not created by its constructor. Nothing is read or
// changed.
var ErrNoRegistry = errors.New("registry: no usable registry (nil or not created by its constructor); create it with registry.NewMemory or sqlregistry.New")

// ErrInvalidEntry is matched (with [errors.Is]) by every [*EntryError].
var ErrInvalidEntry = errors.New("registry: invalid entry")

// Entry is one customer in the recipient directory: a customer number and the
// addresses documents for that customer are mailed to.
type Entry struct {
	// CustomerNumber is the key, kept exactly as given: leading zeros and
	// case matter ("00123" and "123" are different customers).
	CustomerNumber string
	// To holds one or more recipient addresses.
	To []string
	// Cc holds optional copy addresses.
	Cc []string
	// Language is the customer's preferred language for e-mails ("fi",
	// "sv", "en"), or "" for the company's default.
	Language string
	// Profile is how documents are mailed to the customer: [ProfileStandard]
	// or "" (the usual e-mail) or [ProfileScan] (for a scanning service).
	// Stores return "" for the standard profile. In a [Batch], "" keeps the
	// stored profile and [ProfileStandard] sets the standard one.
	Profile Profile
	// UpdatedAt is when the entry last changed. Stores set it; values given
	// to Put or Apply are ignored.
	UpdatedAt time.Time
}

// EntryError reports why an [Entry] is not valid. It matches
// [ErrInvalidEntry] with [errors.Is]; Err is the cause, for example a
// [*address.Error].
type EntryError struct {
	CustomerNumber string // the entry's customer number as given
	Field          string // "CustomerNumber", "To", "Cc", "Language" or "Profile"
	Value          string // the offending value
	Err            error  // what is wrong with it
}

// Error says which entry, which field and what is wrong.
func (e *EntryError) Error() string {
	return fmt.Sprintf("registry: customer number %q: %s %q: %v", e.CustomerNumber, e.Field, e.Value, e.Err)
}

// Unwrap returns the cause and [ErrInvalidEntry].
func (e *EntryError) Unwrap() []error { return []error{ErrInvalidEntry, e.Err} }

// Message says what is wrong with the entry and how to fix it, in the
// language lang ("fi", "sv" or "en"; any other is English), for people who
// edit the directory by hand. Host apps show it next to the field named by
// Field; the Error text stays for logs.
func (e *EntryError) Message(lang string) string {
	var ae *address.Error
	if errors.As(e.Err, &ae) {
		return ae.Message(lang)
	}
	for _, m := range entryMessages {
		if errors.Is(e.Err, m.err) {
			return i18n.Text(lang, "registry.entry."+m.key, m.args...)
		}
	}
	return i18n.Text(lang, "registry.entry.other", e.Field)
}

// entryMessages maps the reasons in [EntryError.Err] to their texts'
// keys (registry.entry.<key> in the translation files) and arguments.
var entryMessages = []struct {
	err  error
	key  string
	args []any
}{
	{ErrEmptyCustomerNumber, "empty-customer-number", nil},
	{ErrCustomerNumberTooLong, "customer-number-too-long", []any{MaxCustomerNumberLength}},
	{ErrCustomerNumberSpace, "customer-number-space", nil},
	{ErrNoAddress, "no-address", nil},
	{ErrTooManyAddresses, "too-many-addresses", []any{MaxAddresses}},
	{ErrInvalidLanguage, "invalid-language", nil},
	{ErrInvalidProfile, "invalid-profile", nil},
}

// Reasons an entry is invalid, used as [EntryError.Err].
var (
	ErrEmptyCustomerNumber   = errors.New("registry: customer number is empty")
	ErrCustomerNumberTooLong = fmt.Errorf("registry: customer number is longer than %d characters", MaxCustomerNumberLength)
	ErrCustomerNumberSpace   = errors.New("registry: customer number has white space at its start or end, or a control character")
	ErrNoAddress             = errors.New("registry: entry has no To address")
	ErrTooManyAddresses      = fmt.Errorf("registry: entry has more than %d addresses", MaxAddresses)
	ErrInvalidLanguage       = errors.New("registry: language must be a lower-case language code such as fi, sv or en")
	ErrInvalidProfile        = errors.New(`registry: delivery profile must be "standard", "scan" or empty`)
)

// Profile is a directory entry's delivery profile: how the documents for
// the customer are mailed.
type Profile string

// The delivery profiles.
const (
	// ProfileStandard is the usual e-mail: the document's PDFs and its
	// XML attached, a text and an HTML body. The empty Profile means the
	// same.
	ProfileStandard Profile = "standard"
	// ProfileScan is for an address at a scanning service, which turns
	// PDFs into e-invoices: exactly one PDF per e-mail (the document's own
	// or the rendered invoice image), nothing else attached, a plain-text
	// body and the invoice number in the subject.
	ProfileScan Profile = "scan"
)

// Valid reports whether p is "", [ProfileStandard] or [ProfileScan].
func (p Profile) Valid() bool {
	return p == "" || p == ProfileStandard || p == ProfileScan
}

// Effective returns p, or [ProfileStandard] for "".
func (p Profile) Effective() Profile {
	if p == "" {
		return ProfileStandard
	}
	return p
}

// stored returns how stores keep p: "" for the standard profile.
func (p Profile) stored() Profile {
	if p == ProfileStandard {
		return ""
	}
	return p
}

// ParseProfile returns the profile written as s ("standard", "scan" or
// "", case and surrounding spaces ignored), or [ErrInvalidProfile].
func ParseProfile(s string) (Profile, error) {
	p := Profile(strings.ToLower(strings.TrimSpace(s)))
	if !p.Valid() {
		return "", ErrInvalidProfile
	}
	return p, nil
}

// CheckCustomerNumber reports whether s can be a customer number: not empty,
// at most [MaxCustomerNumberLength] characters, valid UTF-8 without control
// characters and without white space at either end. It returns one of
// [ErrEmptyCustomerNumber], [ErrCustomerNumberTooLong] and
// [ErrCustomerNumberSpace], or nil.
func CheckCustomerNumber(s string) error {
	if s == "" {
		return ErrEmptyCustomerNumber
	}
	if printableASCII(s) { // the common case, checked without decoding
		switch {
		case len(s) > MaxCustomerNumberLength:
			return ErrCustomerNumberTooLong
		case s[0] == ' ' || s[len(s)-1] == ' ':
			return ErrCustomerNumberSpace
		}
		return nil
	}
	switch {
	case utf8.RuneCountInString(s) > MaxCustomerNumberLength:
		return ErrCustomerNumberTooLong
	case !utf8.ValidString(s):
		return ErrCustomerNumberSpace
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return ErrCustomerNumberSpace
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ErrCustomerNumberSpace
		}
	}
	return nil
}

// printableASCII reports whether s holds only ASCII characters from the
// space to the tilde.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// Validate reports the first problem with e as an [*EntryError], or nil.
// Addresses are checked with [address.Parse].
func (e Entry) Validate() error {
	_, err := e.Normalize()
	return err
}

// Normalize returns the canonical copy of e that stores keep: every address
// as [address.Parse] returns it, duplicates removed (addresses
// compare as [address.Equal] says; the first spelling is kept), Cc addresses
// that are also in To dropped, and UpdatedAt cleared. It returns an
// [*EntryError] if e is not valid. e itself is not modified, and the result
// shares no slices with it.
func (e Entry) Normalize() (Entry, error) {
	n, err := e.normalize()
	if err != nil {
		return Entry{}, err
	}
	if n == &e {
		e = e.Clone() // already normalized: only the slices need copying
	} else {
		e = *n
	}
	e.UpdatedAt = time.Time{}
	return e, nil
}

// normalize is Normalize without the copy: it returns e itself if e is
// already canonical (UpdatedAt aside), without allocating, or else a
// normalized copy. Stores that copy what they keep use it.
func (e *Entry) normalize() (*Entry, error) {
	if err := e.checkShape(); err != nil {
		return nil, err
	}
	fail := func(field, value string, err error) (*Entry, error) {
		return nil, &EntryError{CustomerNumber: e.CustomerNumber, Field: field, Value: value, Err: err}
	}
	// First check without allocating: an entry written by a store or read
	// by the importer is canonical already.
	same := e.Cc == nil || len(e.Cc) > 0
	for i, a := range e.To {
		p, err := address.Parse(a)
		if err != nil {
			return fail("To", a, err)
		}
		same = same && p == a && !address.Contains(e.To[:i], a)
	}
	for i, a := range e.Cc {
		p, err := address.Parse(a)
		if err != nil {
			return fail("Cc", a, err)
		}
		same = same && p == a && !address.Contains(e.To, a) && !address.Contains(e.Cc[:i], a)
	}
	if same {
		return e, nil
	}
	// Every address is valid: parse them again into new slices, dropping
	// duplicates. Entries hold a few addresses, so a linear search beats a
	// map.
	n := &Entry{CustomerNumber: e.CustomerNumber, Language: e.Language, Profile: e.Profile}
	seen := make([]string, 0, len(e.To)+len(e.Cc))
	norm := func(in []string) []string {
		start := len(seen)
		for _, a := range in {
			if p, _ := address.Parse(a); !address.Contains(seen, p) {
				seen = append(seen, p)
			}
		}
		return seen[start:len(seen):len(seen)]
	}
	n.To = norm(e.To)
	if n.Cc = norm(e.Cc); len(n.Cc) == 0 {
		n.Cc = nil
	}
	return n, nil
}

// checkShape checks all of e but its addresses themselves: the customer
// number, the number of addresses and the language. It is what is left of
// normalize before the addresses.
func (e *Entry) checkShape() error {
	fail := func(field, value string, err error) error {
		return &EntryError{CustomerNumber: e.CustomerNumber, Field: field, Value: value, Err: err}
	}
	if err := CheckCustomerNumber(e.CustomerNumber); err != nil {
		return fail("CustomerNumber", e.CustomerNumber, err)
	}
	switch {
	case len(e.To) == 0:
		return fail("To", "", ErrNoAddress)
	case len(e.To)+len(e.Cc) > MaxAddresses:
		return fail("To", "", ErrTooManyAddresses)
	case !validLanguage(e.Language):
		return fail("Language", e.Language, ErrInvalidLanguage)
	case !e.Profile.Valid():
		return fail("Profile", string(e.Profile), ErrInvalidProfile)
	}
	return nil
}

func validLanguage(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > 16 {
		return false
	}
	primary := true // the first part, which must be lower-case letters
	for part := range strings.SplitSeq(s, "-") {
		if part == "" {
			return false
		}
		for _, c := range []byte(part) {
			lower := c >= 'a' && c <= 'z'
			if primary && !lower || !(lower || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
		primary = false
	}
	return true
}

// Equal reports whether e and o hold the same customer number, addresses
// (in the same order), language and profile ("" and [ProfileStandard] are
// the same). UpdatedAt is not compared.
func (e Entry) Equal(o Entry) bool {
	return e.CustomerNumber == o.CustomerNumber && e.Language == o.Language &&
		e.Profile.Effective() == o.Profile.Effective() &&
		slices.Equal(e.To, o.To) && slices.Equal(e.Cc, o.Cc)
}

// Clone returns a copy of e that shares no slices with it.
func (e Entry) Clone() Entry {
	e.To = slices.Clone(e.To)
	e.Cc = slices.Clone(e.Cc)
	return e
}

// Registry finds the entry for a customer number. It is the one method the
// distribution Router needs.
//
// Lookup returns the entry, whose slices belong to the caller, or
// [ErrNotFound] (possibly wrapped) when there is none, including for the empty
// customer number. It honours ctx: a cancelled context gives an error that
// matches ctx.Err(). Implementations must be safe for concurrent use.
type Registry interface {
	Lookup(ctx context.Context, customerNumber string) (Entry, error)
}

// LookupFunc adapts a function to the [Registry] interface.
type LookupFunc func(ctx context.Context, customerNumber string) (Entry, error)

// Lookup calls f; a nil f returns [ErrNoRegistry].
func (f LookupFunc) Lookup(ctx context.Context, customerNumber string) (Entry, error) {
	if f == nil {
		return Entry{}, ErrNoRegistry
	}
	return f(ctx, customerNumber)
}

// Store is a [Registry] whose entries can be changed one at a time. Lookup
// serves as its Get.
//
// Put adds the entry or replaces the one with the same customer number. It
// stores the entry's normalized form (see [Entry.Normalize]) and returns an
// [*EntryError] for an invalid entry, changing nothing. Delete removes the
// entry and returns [ErrNotFound] if there was none.
type Store interface {
	Registry
	Put(ctx context.Context, e Entry) error
	Delete(ctx context.Context, customerNumber string) error
}

// Query selects a page of entries for [Lister.List].
type Query struct {
	// Search, when not empty, keeps the entries whose customer number starts
	// with it or that have an address (To or Cc) containing it; both
	// compare case-insensitively.
	Search string
	// After is the cursor: the page starts after this customer number. Use
	// "" for the first page and [Page.Next] for the following ones. Because
	// the cursor is a key, not an offset, pages neither skip nor repeat
	// entries when others are added or deleted between calls.
	After string
	// Limit is the most entries to return; 0 means 50, and at most 1000 are
	// returned.
	Limit int
}

// Page is one page of [Lister.List] results, ordered by customer number
// (byte-wise, so "0123" sorts before "123" and "B" before "a").
type Page struct {
	Entries []Entry // this page; the slices belong to the caller
	Total   int     // how many entries match the search in all pages
	Next    string  // cursor for the next page, or "" when this is the last
}

// Page-size limits for [Query.Limit].
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageSize returns the effective page size for a [Query.Limit].
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// Lister is a [Registry] whose entries can be searched and paged through.
type Lister interface {
	Registry
	List(ctx context.Context, q Query) (Page, error)
}

// Batch is a set of changes applied together by [Batcher.Apply].
type Batch struct {
	// Put holds the entries to add or replace. A customer number may appear
	// only once. An entry replaces the stored entry's addresses; its
	// Language replaces the stored language unless it is "": an entry
	// without a language keeps the language the stored entry has (an
	// import file has no language column, so importing must not erase
	// one). Use [Store.Put], which replaces the whole entry, to clear a
	// language. Likewise a Profile of "" keeps the stored profile (a new
	// entry gets the standard one); [ProfileStandard] sets it.
	Put []Entry
	// Delete holds customer numbers to remove; unknown ones are ignored.
	Delete []string
	// ReplaceAll makes the directory hold exactly the entries in Put: every
	// other entry is deleted. Delete must be empty when it is set.
	ReplaceAll bool
}

// ErrInvalidBatch is matched (with [errors.Is]) by every [*BatchError].
var ErrInvalidBatch = errors.New("registry: invalid batch")

// BatchError reports why a [Batch] was refused as a whole.
type BatchError struct {
	Index          int    // position in Batch.Put or Batch.Delete, -1 if none
	CustomerNumber string // the customer number concerned, if any
	Err            error  // the cause, e.g. an *EntryError
}

// Error names the position and the cause.
func (e *BatchError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("registry: invalid batch: %v", e.Err)
	}
	return fmt.Sprintf("registry: invalid batch at item %d (customer number %q): %v", e.Index, e.CustomerNumber, e.Err)
}

// Unwrap returns the cause and [ErrInvalidBatch].
func (e *BatchError) Unwrap() []error { return []error{ErrInvalidBatch, e.Err} }

// Errors a [BatchError] can carry besides an [*EntryError].
var (
	ErrDuplicateCustomerNumber = errors.New("registry: customer number appears twice in the batch")
	ErrReplaceAllWithDelete    = errors.New("registry: a ReplaceAll batch cannot also list deletes")
)

// Normalize checks b and returns a copy whose entries are normalized (see
// [Entry.Normalize]), or a [*BatchError] naming the first problem. Batcher
// implementations call it before changing anything. Every entry is
// checked in full, whoever made the batch; an entry that is normalized
// already (as importer.Read's are) costs one scan of its addresses and no
// allocation besides the copy.
func (b Batch) Normalize() (Batch, error) {
	if b.ReplaceAll && len(b.Delete) > 0 {
		return Batch{}, &BatchError{Index: -1, Err: ErrReplaceAllWithDelete}
	}
	out := Batch{Put: make([]Entry, len(b.Put)), ReplaceAll: b.ReplaceAll}
	seen := make(map[string]int, len(b.Put))
	for i, e := range b.Put {
		n, err := e.Normalize()
		if err != nil {
			return Batch{}, &BatchError{Index: i, CustomerNumber: e.CustomerNumber, Err: err}
		}
		if _, dup := seen[e.CustomerNumber]; dup {
			return Batch{}, &BatchError{Index: i, CustomerNumber: e.CustomerNumber, Err: ErrDuplicateCustomerNumber}
		}
		seen[e.CustomerNumber] = i
		out.Put[i] = n
	}
	if len(b.Delete) > 0 {
		out.Delete = make([]string, 0, len(b.Delete))
		for i, cn := range b.Delete {
			if _, dup := seen[cn]; dup {
				return Batch{}, &BatchError{Index: i, CustomerNumber: cn, Err: ErrDuplicateCustomerNumber}
			}
			seen[cn] = -1
			out.Delete = append(out.Delete, cn)
		}
	}
	return out, nil
}

// Summary counts what [Batcher.Apply] did. Changed and Unchanged compare
// the stored entry with what it becomes, a kept language included (see
// [Batch].Put).
type Summary struct {
	Added     int // new customer numbers
	Changed   int // existing customer numbers whose addresses, language or profile changed
	Unchanged int // existing customer numbers whose entry was already the same
	Deleted   int // customer numbers removed
}

// Batcher is a [Registry] that applies a [Batch] atomically: either every
// change is made or, on any error, none is; concurrent Lookups see the
// directory as it was before or as it is after, never a mix. Apply validates
// the batch first (as [Batch.Normalize] does, reporting the same first
// problem) and honours ctx until it commits.
//
// Each Put entry gets exactly its addresses; its language replaces the
// stored one unless it is "", in which case the stored entry keeps its
// language; its profile likewise. An entry that ends up as it was stored is unchanged and keeps
// its UpdatedAt; the others get the time of the Apply.
type Batcher interface {
	Registry
	Apply(ctx context.Context, b Batch) (Summary, error)
}
