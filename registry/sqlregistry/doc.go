// Package sqlregistry stores recipient directories in a SQL database through
// database/sql: SQLite for an embedded deployment, PostgreSQL when several
// app instances share one directory.
//
// The host app opens the *sql.DB with the driver of its choice and keeps
// owning it; this package never opens connections and imports no driver.
// Call [Migrate] once at start-up, then [New] for each company (tenant):
//
//	db, err := sql.Open("sqlite", "file:jakelu.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
//	...
//	if err := sqlregistry.Migrate(ctx, db, sqlregistry.SQLite); err != nil { ... }
//	reg, err := sqlregistry.New(ctx, db, sqlregistry.SQLite, "company-42", nil)
//	...
//	defer reg.Close()
//
// A [*Registry] implements [registry.Store], [registry.Lister] and
// [registry.Batcher], and passes the conformance kit
// [github.com/jakelu/jakelu/registry/registrytest] on both dialects.
//
// # Tenants
//
// Several companies share the tables. Every row carries the tenant key given
// to [New], every statement filters on it, and no method takes another key,
// so a Registry can neither read nor change another company's entries.
//
// # Schema
//
// [Migrate] creates and upgrades the tables in one transaction and records
// each applied version in jakelu_registry_schema; running it again changes
// nothing. [New] refuses a database whose version differs from this
// package's ([*SchemaError]). Entries live in jakelu_registry, keyed by
// (tenant, customer_number): the To and Cc addresses are stored as text with
// the addresses separated by single spaces, updated_at as microseconds since
// 1970 UTC, and two lower-cased copies (cn_fold, addr_fold) serve searches,
// since SQLite's lower() folds ASCII only. Customer numbers sort byte-wise
// in both dialects (PostgreSQL columns are COLLATE "C"). Schema version 2
// adds the delivery profile (profile: "" for the standard one, "scan");
// Migrate adds the column to a version 1 database, its entries keeping the
// standard profile.
//
// # SQLite
//
// Use modernc.org/sqlite (driver name "sqlite", pure Go) or another driver
// for SQLite 3.33 or later. Open the database with WAL, so that lookups go
// on while an Apply writes, and a busy timeout longer than your largest
// Apply takes, so that writers wait for each other instead of failing; with
// modernc.org/sqlite:
//
//	file:/path/jakelu.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)
//
// synchronous(NORMAL) is safe in WAL mode but may lose the last commits on
// power loss; use synchronous(FULL) if that matters. Do not use ":memory:"
// with more than one connection: each connection would get its own
// database. Apply's first statement is a write, which makes SQLite take the
// write lock at once, as BEGIN IMMEDIATE does (a transaction that reads
// first can fail with SQLITE_BUSY when it starts writing).
//
// # PostgreSQL
//
// Use github.com/jackc/pgx/v5/stdlib (driver name "pgx") or any other
// database/sql driver, with PostgreSQL 9.5 or later. To keep the registry
// in its own schema, set search_path on the connection (with pgx, add
// search_path=myschema to the connection string). Apply never uses
// TRUNCATE, which would make the directory look empty to transactions that
// started earlier.
//
// # Apply
//
// [Registry.Apply] runs in one transaction. It reads what the company's
// directory holds for the batch (the whole directory for a ReplaceAll batch,
// streamed, not kept), compares in Go, and writes only what differs: new
// entries with INSERT, changed ones with UPDATE, removed ones with DELETE,
// many rows per statement. A re-import that changes little writes
// little, and no temporary table is created. SQLite gets 160 rows per
// statement as parameters of a multi-row VALUES list; PostgreSQL gets 10,000
// rows per statement as one text array literal per column, which the server
// unnests. COPY would load new rows faster on PostgreSQL, but it needs the
// driver's own connection type (pgx's) and cannot update or delete; array
// literals are plain text parameters, work through every driver and import
// a million entries in seconds. A batch entry without a language keeps the
// stored entry's (registry.Batch): the comparison in Go counts it as
// unchanged when only the language differs, and the INSERT and UPDATE
// statements keep the stored language themselves. A batch entry without a
// profile keeps the stored one in the same way.
//
// # Errors
//
// Database errors come wrapped with the company and the operation, and still
// match the driver's error types with [errors.As]. A cancelled context gives
// an error matching ctx.Err(). [New] may return an error matching
// [ErrUnknownDialect], [ErrInvalidTenant] or [ErrSchemaVersion] (a
// [*SchemaError]), [Migrate] one matching ErrUnknownDialect or
// ErrSchemaVersion, and [Registry.List] one matching [ErrInvalidCursor]. Invalid entries and
// batches give the registry package's [registry.EntryError] and
// [registry.BatchError], before anything is written. New and Migrate return
// [ErrNilDB] for a nil *sql.DB; the methods of a nil Registry or of one not
// made by New (Registry{}) return an error matching [registry.ErrNoRegistry].
// A nil context means context.Background().
//
// # Concurrency
//
// A Registry is safe for concurrent use; its statements are prepared once
// per connection by database/sql. Apply runs in one transaction: a failed
// Apply changes nothing and readers never see half of one. On SQLite it
// holds the database's write lock until it commits, so other writes wait
// for it. On PostgreSQL, Put and Delete are single statements that do not
// wait for a running Apply, which may keep or overwrite what they do.
package sqlregistry
