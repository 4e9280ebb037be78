package sqlregistry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// createSchemaTable creates the table that records which schema versions
// have been applied, one row per version.
const createSchemaTable = `CREATE TABLE IF NOT EXISTS jakelu_registry_schema (
	version    INTEGER NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// ErrSchemaVersion is matched (with [errors.Is]) by every [*SchemaError].
var ErrSchemaVersion = errors.New("sqlregistry: database schema version does not match")

// SchemaError reports that the database's registry schema is not the version
// this package needs: [New] returns it before [Migrate] has run (Found is
// 0), or after an older library version migrated the database; [Migrate] and
// New return it when a newer library version already did (Found > Want).
type SchemaError struct {
	Found int // the version recorded in the database, 0 if none
	Want  int // the version this package uses
}

// Error says which versions differ and what to do about it.
func (e *SchemaError) Error() string {
	switch {
	case e.Found == 0:
		return fmt.Sprintf("sqlregistry: the database has no registry tables (schema version 0, need %d): call sqlregistry.Migrate first", e.Want)
	case e.Found < e.Want:
		return fmt.Sprintf("sqlregistry: the registry schema is at version %d, this package needs %d: call sqlregistry.Migrate", e.Found, e.Want)
	}
	return fmt.Sprintf("sqlregistry: the registry schema is at version %d, newer than version %d this package knows: upgrade github.com/jakelu/jakelu", e.Found, e.Want)
}

// Unwrap returns [ErrSchemaVersion].
func (e *SchemaError) Unwrap() error { return ErrSchemaVersion }

// Migrate creates the registry's tables in db, or brings them up to the
// version this package uses. It is idempotent: when the schema is current it
// changes nothing. Each run is one transaction, so a failed Migrate leaves the
// schema as it was; concurrent Migrate calls, for example from several app
// instances starting at once, wait for each other.
//
// The tables are jakelu_registry (the entries), jakelu_registry_tenant (one
// row per company, written by Apply) and jakelu_registry_schema (the applied
// versions). On PostgreSQL they are created in the first schema of the
// connection's search_path. Migrate returns a [*SchemaError] if the database
// was migrated by a newer version of this package.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if db == nil {
		return ErrNilDB
	}
	dl, err := d.dialect()
	if err != nil {
		return err
	}
	if err := migrate(ctx, db, dl); err != nil {
		return fmt.Errorf("sqlregistry: migrate %s schema: %w", d, withContextErr(ctx, err))
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB, dl *dialect) error {
	if dl.beforeMigration != "" {
		if _, err := db.ExecContext(ctx, dl.beforeMigration); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit, a no-op
	for _, q := range []string{dl.lockMigration, createSchemaTable} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	var found int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM jakelu_registry_schema`).Scan(&found); err != nil {
		return err
	}
	if found > len(dl.migrations) {
		return &SchemaError{Found: found, Want: len(dl.migrations)}
	}
	for v := found; v < len(dl.migrations); v++ {
		for _, q := range dl.migrations[v] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO jakelu_registry_schema (version, applied_at) VALUES ($1, $2)`, v+1, time.Now().UnixMicro()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// schemaVersion returns the version recorded in db, 0 if Migrate never ran.
func schemaVersion(ctx context.Context, db *sql.DB, dl *dialect) (int, error) {
	var exists, v int
	if err := db.QueryRowContext(ctx, dl.schemaExists).Scan(&exists); err != nil || exists == 0 {
		return 0, err
	}
	err := db.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM jakelu_registry_schema`).Scan(&v)
	return v, err
}
