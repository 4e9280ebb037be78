package sqlregistry

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect selects the SQL spoken to the database.
type Dialect int

// The supported dialects.
const (
	// SQLite is for modernc.org/sqlite (driver name "sqlite") and other
	// drivers for SQLite 3.33 or later.
	SQLite Dialect = iota + 1
	// Postgres is for PostgreSQL 9.5 or later through
	// github.com/jackc/pgx/v5/stdlib (driver name "pgx") or any other
	// database/sql driver for PostgreSQL.
	Postgres
)

// String returns "sqlite", "postgres" or "Dialect(N)" for an unknown value.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// dialect holds the SQL that differs between databases. Values are created
// once and never changed.
type dialect struct {
	migrations [][]string // migrations[i] brings the schema from version i to i+1

	schemaExists    string // returns 1 if the schema version table exists, else 0
	beforeMigration string // run before Migrate's transaction, or ""
	lockMigration   string // first statement of Migrate's transaction

	// beforeApply runs in Apply's transaction after lockTenant.
	beforeApply []string
	// rowsPerStatement is how many rows of cols columns Apply sends in one
	// statement.
	rowsPerStatement func(cols int) int
	// rows returns a table expression of n rows of cols text columns,
	// named column1, column2 …, whose parameters come after $1 … $first-1.
	rows func(first, cols, n int) string
	// rowArgs returns the parameters for rows, given the values of n rows
	// one row after the other.
	rowArgs func(values []string, cols int) []any

	lookup, put, remove, listAll, listSearch string
}

func (d Dialect) dialect() (*dialect, error) {
	switch d {
	case SQLite:
		return sqliteDialect, nil
	case Postgres:
		return postgresDialect, nil
	}
	return nil, fmt.Errorf("%w %d: use sqlregistry.SQLite or sqlregistry.Postgres", ErrUnknownDialect, int(d))
}

var sqliteDialect = newDialect(dialect{
	migrations: [][]string{{`
CREATE TABLE jakelu_registry (
	tenant          TEXT NOT NULL,
	customer_number TEXT NOT NULL,
	to_addrs        TEXT NOT NULL,
	cc_addrs        TEXT NOT NULL,
	language        TEXT NOT NULL,
	updated_at      BIGINT NOT NULL,
	cn_fold         TEXT NOT NULL,
	addr_fold       TEXT NOT NULL,
	PRIMARY KEY (tenant, customer_number)
)`, `
CREATE TABLE jakelu_registry_tenant (
	tenant     TEXT NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`}, addProfile},
	schemaExists: `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'jakelu_registry_schema'`,
	// A write as the first statement makes SQLite take the write lock at
	// once, waiting under busy_timeout as BEGIN IMMEDIATE does; a
	// transaction that read first could fail with SQLITE_BUSY when it
	// starts writing. The write needs the version table, so it is created
	// beforehand (SQLite serializes that on its own).
	beforeMigration: createSchemaTable,
	lockMigration:   `DELETE FROM jakelu_registry_schema WHERE version < 0`,
	// SQLite runs in process, so a statement costs little; its parameters
	// are limited to 999 in older builds.
	rowsPerStatement: func(cols int) int { return 960 / cols },
	// The rows' parameters are anonymous: SQLite numbers them after the
	// $1 and $2 that precede them in every statement, and finding a named
	// parameter costs a scan of all names, which made binding quadratic.
	rows: func(_, cols, n int) string {
		row := "(?" + strings.Repeat(",?", cols-1) + ")"
		return "(VALUES " + row + strings.Repeat(","+row, n-1) + ") AS b"
	},
	rowArgs: func(values []string, _ int) []any {
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		return args
	},
}, "instr")

var postgresDialect = newDialect(dialect{
	migrations: [][]string{{`
CREATE TABLE jakelu_registry (
	tenant          TEXT COLLATE "C" NOT NULL,
	customer_number TEXT COLLATE "C" NOT NULL,
	to_addrs        TEXT NOT NULL,
	cc_addrs        TEXT NOT NULL,
	language        TEXT NOT NULL,
	updated_at      BIGINT NOT NULL,
	cn_fold         TEXT NOT NULL,
	addr_fold       TEXT NOT NULL,
	PRIMARY KEY (tenant, customer_number)
)`, `
CREATE TABLE jakelu_registry_tenant (
	tenant     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`}, addProfile},
	schemaExists: `SELECT count(*) FROM pg_catalog.pg_class WHERE oid = to_regclass('jakelu_registry_schema')`,
	// Serializes concurrent Migrate calls on the whole database, before the
	// version table may even exist. The key is an arbitrary constant.
	lockMigration: `SELECT pg_advisory_xact_lock(7382617340523)`,
	// Apply's statements each join a chunk of rows with the directory by
	// primary key. Right after an import the planner has no statistics,
	// takes the company's rows for a few and hashes all of them for every
	// chunk: a million rows took 35 s instead of 5. Nested loops over the
	// primary key index are right whatever the statistics say.
	beforeApply: []string{`SET LOCAL enable_hashjoin = off`, `SET LOCAL enable_mergejoin = off`},
	// Each round trip costs more than the rows it carries: one text array
	// per column, which the server unnests. Array literals are plain text
	// parameters, so this works through any driver.
	rowsPerStatement: func(int) int { return 10000 },
	rows: func(first, cols, _ int) string {
		var b strings.Builder
		b.WriteString("unnest(")
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d::text[]", first+c)
		}
		b.WriteString(") AS b(")
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "column%d", c+1)
		}
		b.WriteByte(')')
		return b.String()
	},
	rowArgs: func(values []string, cols int) []any {
		args := make([]any, cols)
		var lit []byte
		for c := range cols {
			lit = append(lit[:0], '{')
			for i := c; i < len(values); i += cols {
				if i > c {
					lit = append(lit, ',')
				}
				lit = appendArrayElement(lit, values[i])
			}
			args[c] = string(append(lit, '}'))
		}
		return args
	},
}, "strpos")

// addProfile is version 2, the same in both dialects: the entry's delivery
// profile, "" for the standard one (registry.Profile as stores keep it).
var addProfile = []string{`ALTER TABLE jakelu_registry ADD COLUMN profile TEXT NOT NULL DEFAULT ''`}

// newDialect fills in the statements both dialects share. strpos names the
// function that returns the 1-based position of a substring (0 if absent).
// Customer numbers sort byte-wise: SQLite compares text with memcmp, and
// the PostgreSQL columns are COLLATE "C".
func newDialect(d dialect, strpos string) *dialect {
	d.lookup = `SELECT to_addrs, cc_addrs, language, profile, updated_at FROM jakelu_registry WHERE tenant = $1 AND customer_number = $2`
	d.put = `INSERT INTO jakelu_registry (tenant, customer_number, to_addrs, cc_addrs, language, updated_at, cn_fold, addr_fold, profile)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ` + upsert(`excluded.language`, `excluded.profile`)
	d.remove = `DELETE FROM jakelu_registry WHERE tenant = $1 AND customer_number = $2`

	// One statement, so the page and the total come from one snapshot. The
	// count always yields a row; the LEFT JOIN adds the page's rows to it.
	// $3 is the page size plus one, to learn whether another page follows.
	list := func(match string) string {
		return `SELECT p.customer_number, p.to_addrs, p.cc_addrs, p.language, p.profile, p.updated_at, n.total
FROM (SELECT count(*) AS total FROM jakelu_registry WHERE tenant = $1` + match + `) n
LEFT JOIN (SELECT customer_number, to_addrs, cc_addrs, language, profile, updated_at FROM jakelu_registry
	WHERE tenant = $1 AND customer_number > $2` + match + `
	ORDER BY customer_number LIMIT $3) p ON true
ORDER BY p.customer_number`
	}
	d.listAll = list("")
	// $4 is the folded search text, $5 the same or "" when it cannot be
	// part of one address.
	d.listSearch = list(fmt.Sprintf(` AND (%[1]s(cn_fold, $4) = 1 OR ($5 <> '' AND %[1]s(addr_fold, $5) > 0))`, strpos))
	return &d
}

// upsert returns the clause that makes an INSERT of an entry replace the
// stored one, with the language and profile the SQL expressions language
// and profile give, unless nothing changes (then UpdatedAt stays as it
// was).
func upsert(language, profile string) string {
	return `ON CONFLICT (tenant, customer_number) DO UPDATE SET
	to_addrs = excluded.to_addrs, cc_addrs = excluded.cc_addrs, language = ` + language + `,
	profile = ` + profile + `, addr_fold = excluded.addr_fold, updated_at = excluded.updated_at
WHERE jakelu_registry.to_addrs <> excluded.to_addrs OR jakelu_registry.cc_addrs <> excluded.cc_addrs
	OR jakelu_registry.language <> ` + language + ` OR jakelu_registry.profile <> ` + profile
}

// keptLanguage is the language of an entry written by Apply: the batch
// entry's, in the column col, or the stored one's if the batch entry has
// none (see registry.Batch).
func keptLanguage(col string) string {
	return `CASE WHEN ` + col + ` = '' THEN jakelu_registry.language ELSE ` + col + ` END`
}

// keptProfile is the stored profile of an entry written by Apply, given
// the batch entry's profile in the column col: the stored one if the batch
// entry has none, "" for "standard", else the batch entry's (see
// registry.Batch).
func keptProfile(col string) string {
	return `CASE WHEN ` + col + ` = '' THEN jakelu_registry.profile WHEN ` + col + ` = 'standard' THEN '' ELSE ` + col + ` END`
}

// Statements Apply sends once; the chunked ones follow.
const (
	// lockTenant stamps the company's row. As the first statement of
	// Apply it takes the locks: on PostgreSQL the row lock serializes
	// Apply calls for the company; on SQLite a write first takes the
	// database's write lock at once.
	lockTenant = `INSERT INTO jakelu_registry_tenant (tenant, applied_at) VALUES ($1, $2)
ON CONFLICT (tenant) DO UPDATE SET applied_at = excluded.applied_at`
	// selectAll reads what the company's entries hold.
	selectAll = `SELECT customer_number, to_addrs, cc_addrs, language, profile FROM jakelu_registry WHERE tenant = $1`
)

// selectKeys reads the entries of n customer numbers.
func (d *dialect) selectKeys(n int) string {
	return `SELECT customer_number, to_addrs, cc_addrs, language, profile FROM jakelu_registry
WHERE tenant = $1 AND customer_number IN (SELECT column1 FROM ` + d.rows(2, 1, n) + `)`
}

// deleteKeys deletes the entries of n customer numbers.
func (d *dialect) deleteKeys(n int) string {
	return `DELETE FROM jakelu_registry WHERE tenant = $1 AND customer_number IN (SELECT column1 FROM ` + d.rows(2, 1, n) + `)`
}

// insertRows adds n entries given as batch rows. ON CONFLICT covers an
// entry that a concurrent Put added after Apply read the directory
// (PostgreSQL); WHERE true keeps SQLite from parsing ON as a join.
func (d *dialect) insertRows(n int) string {
	return `INSERT INTO jakelu_registry (tenant, customer_number, to_addrs, cc_addrs, language, updated_at, cn_fold, addr_fold, profile)
SELECT $1, column1, column2, column3, column4, CAST($2 AS BIGINT), column5, column6, ` + storedProfile(`column7`) + ` FROM ` + d.rows(3, len(batchRow{}), n) + `
WHERE true ` + upsert(keptLanguage(`excluded.language`), `excluded.profile`)
}

// updateRows updates n entries given as batch rows. $1 and $2 come first in
// the text, as SQLite's anonymous row parameters require.
func (d *dialect) updateRows(n int) string {
	return `UPDATE jakelu_registry SET to_addrs = u.column2, cc_addrs = u.column3, language = ` + keptLanguage(`u.column4`) + `,
	profile = ` + keptProfile(`u.column7`) + `, addr_fold = u.column6, updated_at = u.now
FROM (SELECT $1 AS tenant, CAST($2 AS BIGINT) AS now, column1, column2, column3, column4, column6, column7
	FROM ` + d.rows(3, len(batchRow{}), n) + `) AS u
WHERE jakelu_registry.tenant = u.tenant AND jakelu_registry.customer_number = u.column1`
}

// batchRow is an entry as Apply sends it, in the order insertRows and
// updateRows expect.
type batchRow [7]string

// storedProfile is the profile a new entry gets from the batch entry's in
// the column col: "" for "" and "standard".
func storedProfile(col string) string {
	return `CASE WHEN ` + col + ` = 'standard' THEN '' ELSE ` + col + ` END`
}

// appendArrayElement appends s to a PostgreSQL array literal as a quoted
// element, so that "", "NULL", braces, commas and spaces stay text.
func appendArrayElement(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
