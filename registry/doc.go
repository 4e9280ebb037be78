// Package registry defines the recipient directory: the mapping from a
// company's customer numbers to the e-mail addresses its documents are sent
// to.
//
// The host app owns storage, so the package defines the contract and ships
// implementations good enough to use as they are: [Memory] here (the
// embedded default, tests, small deployments) and
// [github.com/jakelu/jakelu/registry/sqlregistry] for SQLite and PostgreSQL.
//
// # Implementing
//
// A directory needs one method, [Registry.Lookup]; [LookupFunc] adapts a
// function. Further capability is optional and found by type assertion:
// [Store] (Put, Delete), [Lister] (search and pagination) and [Batcher]
// (atomic bulk changes, which the importer needs). Normalize entries with
// [Entry.Normalize] and batches with [Batch.Normalize] before storing them,
// and run the conformance kit
// [github.com/jakelu/jakelu/registry/registrytest] from your tests:
//
//	func TestConformance(t *testing.T) {
//		registrytest.Run(t, func(t *testing.T, seed []registry.Entry) registry.Registry {
//			return newMyRegistry(t, seed)
//		})
//	}
//
// # Customer numbers
//
// Customer numbers are strings, never numbers: "00123" and "123" are
// different customers, and so are "a1" and "A1". A valid customer number is
// not empty, has no control characters and no white space at either end
// ([CheckCustomerNumber]).
//
// # Errors
//
// A missing entry is [ErrNotFound]; an invalid entry an [*EntryError]
// (matching [ErrInvalidEntry]); an invalid batch a [*BatchError] (matching
// [ErrInvalidBatch]). A cancelled context gives an error matching ctx.Err();
// a nil context means context.Background(). A nil registry (a nil
// interface, a typed nil such as (*Memory)(nil), a nil LookupFunc) gives
// [ErrNoRegistry] wherever the library is handed one; a zero Memory is an
// empty directory.
//
// # Ownership and concurrency
//
// Every implementation is safe for concurrent use. Slices in returned entries
// belong to the caller; slices passed in are not kept.
package registry
