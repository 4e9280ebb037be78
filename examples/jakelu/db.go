package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// tenant is the company key the tool uses in a SQL registry. A host app
// uses one per company; the tool manages one directory.
const tenant = "default"

// dbUsage describes the values of --db.
const dbUsage = "recipient directory: " + exampledb.Usage + "; without it an empty in-memory directory"

// openRegistry opens the recipient directory a --db value names: "" an
// empty in-memory one, otherwise the database exampledb.Open opens, migrated
// if needed. The caller must call the returned close function; calling it
// again does nothing.
func openRegistry(ctx context.Context, dsn string) (registry.Registry, func() error, error) {
	if dsn == "" {
		return registry.NewMemory(nil), func() error { return nil }, nil
	}
	db, dialect, err := exampledb.Open(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("--db: %w", err)
	}
	if err := sqlregistry.Migrate(ctx, db, dialect); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("--db: preparing the database: %w", err), db.Close())
	}
	reg, err := sqlregistry.New(ctx, db, dialect, tenant, nil)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("--db: %w", err), db.Close())
	}
	return reg, sync.OnceValue(func() error { return errors.Join(reg.Close(), db.Close()) }), nil
}
