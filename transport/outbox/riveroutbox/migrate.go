package riveroutbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/jakelu/jakelu/transport/outbox"
)

// SchemaVersion is the version of jakelu's outbox tables this package
// reads and writes.
const SchemaVersion = 3

// Migrate creates or upgrades the outbox's tables in db: jakelu's own
// (jakelu_outbox_*, in the current schema) and River's. It is explicit,
// versioned and idempotent: run it at deployment or start-up; running it
// again, also from several processes at once, changes nothing.
//
// On PostgreSQL River's tables go into a schema of their own, created
// here: jakelu_river when the current schema is public, else
// <current schema>_jakelu_river. A host's own River (in public or
// anywhere else) never sees jakelu's jobs, and its leader cannot discard
// them. On SQLite River's tables go into the database file (schema main).
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if db == nil {
		return &outbox.Error{Op: "migrate", Err: outbox.ErrInvalid, Detail: "nil *sql.DB"}
	}
	dl, ok := d.dialect()
	if !ok {
		return errDialect("migrate", d)
	}
	if err := migrate(ctx, db, d, dl); err != nil {
		return &outbox.Error{Op: "migrate", Detail: d.String() + " schema", Err: err}
	}
	return nil
}

func errDialect(op string, d Dialect) error {
	return &outbox.Error{Op: op, Err: outbox.ErrInvalid, Detail: fmt.Sprintf("unknown dialect %d: use riveroutbox.SQLite or riveroutbox.Postgres", int(d))}
}

func migrate(ctx context.Context, db *sql.DB, d Dialect, dl *dialect) error {
	if dl.beforeMigration != "" {
		if _, err := db.ExecContext(ctx, dl.beforeMigration); err != nil {
			return err
		}
	}
	// On PostgreSQL a session lock on a connection of its own serializes
	// whole Migrate calls: River runs each of its versions in a
	// transaction of its own (one adds an enum value a later statement
	// uses), on other connections of the pool.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d == Postgres {
		if _, err := conn.ExecContext(ctx, dl.lockMigration); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7382617340524)`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d == SQLite {
		if _, err := tx.ExecContext(ctx, dl.lockMigration); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, createSchemaTable); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM jakelu_outbox_schema`).Scan(&version); err != nil {
		return err
	}
	if version > len(dl.migrations) {
		return fmt.Errorf("the database has outbox tables of version %d, newer than this program's %d: upgrade the program", version, len(dl.migrations))
	}
	for v := version; v < len(dl.migrations); v++ {
		for _, stmt := range dl.migrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO jakelu_outbox_schema (version, applied_at) VALUES ($1, $2)`, v+1, time.Now().Unix()); err != nil {
			return err
		}
	}
	// River's own migrations: on SQLite in the same transaction, on
	// PostgreSQL after it, under the same lock.
	switch d {
	case SQLite:
		m, err := rivermigrate.New(riversqlite.New(db), nil)
		if err != nil {
			return err
		}
		if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river: %w", err)
		}
	case Postgres:
		schema, err := riverSchema(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(schema)); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		m, err := rivermigrate.New(riverdatabasesql.New(db), &rivermigrate.Config{Schema: schema})
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river in schema %s: %w", schema, err)
		}
		return nil
	}
	return tx.Commit()
}

// queryer is a *sql.DB, *sql.Tx or *sql.Conn.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// riverSchema returns the PostgreSQL schema of River's tables for the
// current schema of q's connection.
func riverSchema(ctx context.Context, q queryer) (string, error) {
	var cur sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&cur); err != nil {
		return "", err
	}
	if !cur.Valid || cur.String == "" {
		return "", errors.New("no current schema: set search_path to the schema of the outbox tables")
	}
	if cur.String == "public" {
		return "jakelu_river", nil
	}
	return cur.String + "_jakelu_river", nil
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}
