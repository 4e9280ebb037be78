package sqlregistry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/registry"
)

// Errors besides the database's own; see the package documentation.
var (
	ErrUnknownDialect = errors.New("sqlregistry: unknown dialect")
	ErrInvalidTenant  = errors.New("sqlregistry: invalid tenant key")
	ErrInvalidCursor  = errors.New("sqlregistry: invalid list cursor")
	// ErrNilDB is returned by New and Migrate for a nil *sql.DB.
	ErrNilDB = errors.New("sqlregistry: no database (nil *sql.DB); open one with sql.Open and pass it")
)

// errNotCreated is the error of the methods of a nil Registry or of one not
// made by New.
var errNotCreated = fmt.Errorf("sqlregistry: the Registry was not created by New: %w", registry.ErrNoRegistry)

// ready returns a non-nil context (nil means context.Background()), or an
// error matching [registry.ErrNoRegistry] when r was not made by [New].
func (r *Registry) ready(ctx context.Context) (context.Context, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if r == nil || r.lookup == nil {
		return ctx, errNotCreated
	}
	return ctx, nil
}

// Options configures a [Registry]. A nil *Options means the defaults.
type Options struct {
	// Now returns the time stamped on added and changed entries; nil means
	// time.Now. The database keeps microseconds, and entries come back with
	// UpdatedAt in UTC.
	Now func() time.Time
}

// Registry is one company's recipient directory in a SQL database. It
// implements [registry.Store], [registry.Lister] and [registry.Batcher].
// Create it with [New]; it is safe for concurrent use.
type Registry struct {
	db     *sql.DB
	d      *dialect
	tenant string
	now    func() time.Time

	lookup, put, remove, listAll, listSearch *sql.Stmt
}

var (
	_ registry.Store   = (*Registry)(nil)
	_ registry.Lister  = (*Registry)(nil)
	_ registry.Batcher = (*Registry)(nil)
)

// New returns the directory of the company tenant in db, which the caller
// opened and keeps owning. Every call on the Registry reads and changes only
// that company's rows. tenant is any key the host app uses for the company:
// 1 to 100 characters without control characters or white space at either
// end, or New returns an error matching [ErrInvalidTenant].
//
// New checks that [Migrate] brought the schema to the current version
// (otherwise it returns a [*SchemaError]) and prepares the statements the
// Registry uses; release them with [Registry.Close]. opts may be nil.
func New(ctx context.Context, db *sql.DB, d Dialect, tenant string, opts *Options) (*Registry, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if db == nil {
		return nil, ErrNilDB
	}
	dl, err := d.dialect()
	if err != nil {
		return nil, err
	}
	if registry.CheckCustomerNumber(tenant) != nil {
		return nil, fmt.Errorf("%w %q: use 1 to 100 characters without control characters or white space at either end", ErrInvalidTenant, tenant)
	}
	v, err := schemaVersion(ctx, db, dl)
	if err != nil {
		return nil, fmt.Errorf("sqlregistry: read the schema version: %w", withContextErr(ctx, err))
	}
	if v != len(dl.migrations) {
		return nil, &SchemaError{Found: v, Want: len(dl.migrations)}
	}
	r := &Registry{db: db, d: dl, tenant: tenant, now: time.Now}
	if opts != nil && opts.Now != nil {
		r.now = opts.Now
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&r.lookup, dl.lookup},
		{&r.put, dl.put},
		{&r.remove, dl.remove},
		{&r.listAll, dl.listAll},
		{&r.listSearch, dl.listSearch},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.query); err != nil {
			r.Close()
			return nil, fmt.Errorf("sqlregistry: prepare statements: %w", withContextErr(ctx, err))
		}
	}
	return r, nil
}

// Close releases the prepared statements. It does not close the *sql.DB.
// After Close, Lookup, Put, Delete and List return an error.
func (r *Registry) Close() error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, s := range []*sql.Stmt{r.lookup, r.put, r.remove, r.listAll, r.listSearch} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// Lookup returns the entry for customerNumber, or [registry.ErrNotFound].
// Its slices belong to the caller and UpdatedAt is in UTC.
func (r *Registry) Lookup(ctx context.Context, customerNumber string) (registry.Entry, error) {
	ctx, err := r.ready(ctx)
	if err != nil {
		return registry.Entry{}, err
	}
	if err := ctx.Err(); err != nil {
		return registry.Entry{}, err
	}
	if registry.CheckCustomerNumber(customerNumber) != nil {
		return registry.Entry{}, registry.ErrNotFound // no such entry can be stored
	}
	var to, cc, lang, prof string
	var updated int64
	err = r.lookup.QueryRowContext(ctx, r.tenant, customerNumber).Scan(&to, &cc, &lang, &prof, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Entry{}, registry.ErrNotFound
	}
	if err != nil {
		return registry.Entry{}, r.fail(ctx, fmt.Sprintf("look up customer number %q", customerNumber), err)
	}
	return decode(customerNumber, to, cc, lang, prof, updated), nil
}

// Put adds e or replaces the entry with its customer number; see
// [registry.Store]. An entry equal to the stored one is left as it is,
// UpdatedAt included.
func (r *Registry) Put(ctx context.Context, e registry.Entry) error {
	ctx, err := r.ready(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := e.Normalize()
	if err != nil {
		return err
	}
	row := newRow(n)
	_, err = r.put.ExecContext(ctx, r.tenant, row[0], row[1], row[2], row[3], r.now().UnixMicro(), row[4], row[5], storedProfileOf(n.Profile))
	if err != nil {
		return r.fail(ctx, fmt.Sprintf("put customer number %q", n.CustomerNumber), err)
	}
	return nil
}

// Delete removes the entry for customerNumber, or returns
// [registry.ErrNotFound] if there is none.
func (r *Registry) Delete(ctx context.Context, customerNumber string) error {
	ctx, err := r.ready(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if registry.CheckCustomerNumber(customerNumber) != nil {
		return registry.ErrNotFound
	}
	res, err := r.remove.ExecContext(ctx, r.tenant, customerNumber)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return r.fail(ctx, fmt.Sprintf("delete customer number %q", customerNumber), err)
	}
	if n == 0 {
		return registry.ErrNotFound
	}
	return nil
}

// List returns one page of entries in byte-wise customer number order; see
// [registry.Lister]. The page and its Total are read in one statement, so
// they agree even while the directory changes. Counting the Total reads
// every entry of the company that matches, so a search over a million
// entries takes a fraction of a second. A Query.After that is not valid
// UTF-8 or holds a NUL byte gives an error matching [ErrInvalidCursor].
func (r *Registry) List(ctx context.Context, q registry.Query) (registry.Page, error) {
	ctx, err := r.ready(ctx)
	if err != nil {
		return registry.Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return registry.Page{}, err
	}
	if !utf8.ValidString(q.After) || strings.IndexByte(q.After, 0) >= 0 {
		return registry.Page{}, fmt.Errorf("%w %q: pass \"\" for the first page or a Page.Next value", ErrInvalidCursor, q.After)
	}
	limit := registry.PageSize(q.Limit)
	stmt, args := r.listAll, []any{r.tenant, q.After, limit + 1}
	if q.Search != "" {
		search := strings.ToLower(q.Search)
		if strings.ContainsFunc(search, unicode.IsControl) {
			// Customer numbers and addresses never hold control characters.
			return registry.Page{}, nil
		}
		// Addresses are stored separated by spaces and never hold white
		// space, so a search with white space can match customer numbers
		// only.
		addrSearch := search
		if strings.ContainsFunc(search, unicode.IsSpace) {
			addrSearch = ""
		}
		stmt, args = r.listSearch, append(args, search, addrSearch)
	}
	p, err := r.list(ctx, stmt, args)
	if err != nil {
		return registry.Page{}, r.fail(ctx, fmt.Sprintf("list entries after %q matching %q", q.After, q.Search), err)
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		p.Next = p.Entries[limit-1].CustomerNumber
	}
	return p, nil
}

func (r *Registry) list(ctx context.Context, stmt *sql.Stmt, args []any) (registry.Page, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return registry.Page{}, err
	}
	defer rows.Close()
	var p registry.Page
	for rows.Next() {
		var cn, to, cc, lang, prof sql.NullString
		var updated sql.NullInt64
		var total int64
		if err := rows.Scan(&cn, &to, &cc, &lang, &prof, &updated, &total); err != nil {
			return registry.Page{}, err
		}
		p.Total = int(total)
		if cn.Valid { // else the only row, of an empty page
			p.Entries = append(p.Entries, decode(cn.String, to.String, cc.String, lang.String, prof.String, updated.Int64))
		}
	}
	return p, rows.Err()
}

// Apply applies b in one transaction; see [registry.Batcher]. It reads
// what the directory holds for the batch's customer numbers (for ReplaceAll,
// the whole directory of the company), compares, and writes only the
// entries that are new, changed or deleted, many rows per statement: a
// re-import that changes little writes little, and a million entries take
// seconds. An entry without a language keeps the stored one's, in the same
// statements. Concurrent Apply calls for the same company run one after the
// other. Lookups never wait for Apply and see the directory as it was until
// it commits.
//
// If the connection breaks while the COMMIT is under way, Apply returns an
// error although the database may have committed (as with any database
// reached over a network); look an entry up to find out.
func (r *Registry) Apply(ctx context.Context, b registry.Batch) (registry.Summary, error) {
	ctx, err := r.ready(ctx)
	if err != nil {
		return registry.Summary{}, err
	}
	if err := ctx.Err(); err != nil {
		return registry.Summary{}, err
	}
	b, err = b.Normalize()
	if err != nil {
		return registry.Summary{}, err
	}
	// Customer numbers that cannot be stored cannot be deleted either.
	b.Delete = slices.DeleteFunc(b.Delete, func(cn string) bool { return registry.CheckCustomerNumber(cn) != nil })
	if len(b.Put) == 0 && len(b.Delete) == 0 && !b.ReplaceAll {
		return registry.Summary{}, nil
	}
	s, err := r.apply(ctx, b)
	if err != nil {
		return registry.Summary{}, r.fail(ctx, fmt.Sprintf("apply a batch of %d entries and %d deletes (replace all: %t)", len(b.Put), len(b.Delete), b.ReplaceAll), err)
	}
	return s, nil
}

// What Apply found for each entry of a batch.
const (
	isNew uint8 = iota
	isChanged
	isUnchanged
)

func (r *Registry) apply(ctx context.Context, b registry.Batch) (registry.Summary, error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return registry.Summary{}, err
	}
	defer tx.Rollback() // after Commit, a no-op
	c := &chunker{ctx: ctx, tx: tx, d: r.d, stmts: map[string]*sql.Stmt{}}
	defer c.close()
	now := r.now().UnixMicro()
	if _, err := tx.ExecContext(ctx, lockTenant, r.tenant, now); err != nil {
		return registry.Summary{}, fmt.Errorf("lock the company's row: %w", err)
	}
	for _, q := range r.d.beforeApply {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return registry.Summary{}, fmt.Errorf("%s: %w", q, err)
		}
	}

	// Compare the batch with what is stored.
	index := make(map[string]int, len(b.Put))
	for i, e := range b.Put {
		index[e.CustomerNumber] = i
	}
	state := make([]uint8, len(b.Put)) // isNew until a stored entry is seen
	deletes := b.Delete
	visit := func(cn, to, cc, lang, prof sql.RawBytes) {
		if i, ok := index[string(cn)]; ok {
			state[i] = isChanged
			if sameAsStored(b.Put[i], to, cc, lang, prof) {
				state[i] = isUnchanged
			}
		} else if b.ReplaceAll {
			deletes = append(deletes, string(cn))
		}
	}
	if b.ReplaceAll {
		err = c.query(selectAll, []any{r.tenant}, visit)
	} else {
		err = c.each(1, len(b.Put), func(i int, v []string) []string { return append(v, b.Put[i].CustomerNumber) },
			func(n int, args []any) error {
				return c.query(r.d.selectKeys(n), append([]any{r.tenant}, args...), visit)
			})
	}
	if err != nil {
		return registry.Summary{}, fmt.Errorf("read the stored entries: %w", err)
	}

	var s registry.Summary
	err = c.each(1, len(deletes), func(i int, v []string) []string { return append(v, deletes[i]) },
		func(n int, args []any) error {
			deleted, err := c.exec(r.d.deleteKeys(n), append([]any{r.tenant}, args...))
			s.Deleted += deleted
			return err
		})
	if err != nil {
		return registry.Summary{}, fmt.Errorf("delete entries: %w", err)
	}
	var added, changed []int
	for i, st := range state {
		switch st {
		case isNew:
			added = append(added, i)
		case isChanged:
			changed = append(changed, i)
		default:
			s.Unchanged++
		}
	}
	s.Added, s.Changed = len(added), len(changed)
	for _, w := range []struct {
		what  string
		which []int
		query func(n int) string
	}{{"update changed entries", changed, r.d.updateRows}, {"insert new entries", added, r.d.insertRows}} {
		err = c.each(len(batchRow{}), len(w.which), func(i int, v []string) []string {
			row := newRow(b.Put[w.which[i]])
			return append(v, row[:]...)
		}, func(n int, args []any) error {
			_, err := c.exec(w.query(n), append([]any{r.tenant, now}, args...))
			return err
		})
		if err != nil {
			return registry.Summary{}, fmt.Errorf("%s: %w", w.what, err)
		}
	}
	if err := ctx.Err(); err != nil { // honour ctx until the commit
		return registry.Summary{}, err
	}
	return s, tx.Commit()
}

// sameAsStored reports whether the stored columns already hold what
// applying the normalized entry e makes of them: e's addresses and e's
// language, or the stored one if e has none (see registry.Batch), and
// likewise e's profile.
func sameAsStored(e registry.Entry, to, cc, lang, prof sql.RawBytes) bool {
	return (e.Language == "" || string(lang) == e.Language) &&
		(e.Profile == "" || string(prof) == storedProfileOf(e.Profile)) &&
		joined(e.To, to) && joined(e.Cc, cc)
}

// storedProfileOf returns the profile column's value for p: "" for the
// standard profile.
func storedProfileOf(p registry.Profile) string {
	if p == registry.ProfileStandard {
		return ""
	}
	return string(p)
}

// joined reports whether s is addrs joined by spaces, without building it.
func joined(addrs []string, s []byte) bool {
	for i, a := range addrs {
		if i > 0 {
			if len(s) == 0 || s[0] != ' ' {
				return false
			}
			s = s[1:]
		}
		if len(s) < len(a) || string(s[:len(a)]) != a {
			return false
		}
		s = s[len(a):]
	}
	return len(s) == 0
}

// chunker runs Apply's statements within its transaction, preparing each
// distinct statement once.
type chunker struct {
	ctx   context.Context
	tx    *sql.Tx
	d     *dialect
	stmts map[string]*sql.Stmt
}

func (c *chunker) stmt(query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.tx.PrepareContext(c.ctx, query)
	if err == nil {
		c.stmts[query] = s
	}
	return s, err
}

func (c *chunker) close() {
	for _, s := range c.stmts {
		s.Close()
	}
}

// each splits n rows of cols values into statements: for each chunk it
// gathers the rows' values with add and calls run with the chunk's size and
// parameters.
func (c *chunker) each(cols, n int, add func(i int, values []string) []string, run func(n int, args []any) error) error {
	per := c.d.rowsPerStatement(cols)
	values := make([]string, 0, min(n, per)*cols)
	for start := 0; start < n; start += per {
		values = values[:0]
		end := min(start+per, n)
		for i := start; i < end; i++ {
			values = add(i, values)
		}
		if err := run(end-start, c.d.rowArgs(values, cols)); err != nil {
			return err
		}
	}
	return nil
}

func (c *chunker) exec(query string, args []any) (int, error) {
	s, err := c.stmt(query)
	if err != nil {
		return 0, err
	}
	res, err := s.ExecContext(c.ctx, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// query calls visit for each row of customer number, To, Cc, language and
// profile. The values are valid only during the call.
func (c *chunker) query(query string, args []any, visit func(cn, to, cc, lang, prof sql.RawBytes)) error {
	s, err := c.stmt(query)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(c.ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cn, to, cc, lang, prof sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&cn, &to, &cc, &lang, &prof); err != nil {
			return err
		}
		visit(cn, to, cc, lang, prof)
	}
	return rows.Err()
}

// newRow returns the stored form of a normalized entry, in the order
// insertRows, updateRows and the put statement expect: the customer number, the To and
// Cc addresses each joined by spaces (addresses never hold white space), the
// language, the lower-cased customer number and addresses that List
// searches, and the profile as the batch gives it ("" keeps the stored one).
func newRow(e registry.Entry) batchRow {
	to, cc := strings.Join(e.To, " "), strings.Join(e.Cc, " ")
	addrs := to
	if cc != "" {
		addrs += " " + cc
	}
	return batchRow{e.CustomerNumber, to, cc, e.Language, strings.ToLower(e.CustomerNumber), strings.ToLower(addrs), string(e.Profile)}
}

// decode is the inverse of newRow.
func decode(cn, to, cc, lang, prof string, updated int64) registry.Entry {
	e := registry.Entry{CustomerNumber: cn, To: strings.Split(to, " "), Language: lang, Profile: registry.Profile(prof), UpdatedAt: time.UnixMicro(updated).UTC()}
	if cc != "" {
		e.Cc = strings.Split(cc, " ")
	}
	return e
}

// fail wraps a database error with the company and the operation.
func (r *Registry) fail(ctx context.Context, op string, err error) error {
	return fmt.Errorf("sqlregistry: tenant %q: %s: %w", r.tenant, op, withContextErr(ctx, err))
}

// withContextErr makes err match ctx.Err() when ctx is done, since drivers
// report a cancelled statement in their own words.
func withContextErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
		return fmt.Errorf("%w: %w", ce, err)
	}
	return err
}
