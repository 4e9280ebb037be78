// Package registrytest is the conformance kit for recipient directories: it
// tells an implementation of [registry.Registry], in its own go test,
// whether it keeps the contract the rest of the library relies on.
//
// Add one test that returns a registry holding exactly the entries it is
// given:
//
//	func TestConformance(t *testing.T) {
//		registrytest.Run(t, func(t *testing.T, seed []registry.Entry) registry.Registry {
//			reg := newMyRegistry(t) // clean up with t.Cleanup
//			for _, e := range seed {
//				if err := reg.Put(t.Context(), e); err != nil {
//					t.Fatal(err)
//				}
//			}
//			return reg
//		})
//	}
//
// [Run] checks each rule as a named subtest; a failure names its rule, for
// example "registrytest: rule Lookup/NotFound: …". The rules:
//
//   - Lookup: seeded entries are found with their addresses (compared as
//     sets); unknown and empty customer numbers give [registry.ErrNotFound]
//     and the zero Entry; customer numbers are kept exactly (leading zeros,
//     case, Unicode normalization, quotes, backslashes, "%" and "_",
//     non-ASCII); returned slices belong to the caller; a cancelled or
//     expired context gives an error matching it; 32 goroutines look up at
//     once (run with -race).
//   - Store, when implemented: Put adds and replaces, stores the normalized
//     entry and sets UpdatedAt, refuses an invalid entry with a
//     [*registry.EntryError] and changes nothing, and keeps no reference to
//     the caller's slices; Delete removes and gives ErrNotFound for a missing
//     entry; a cancelled context changes nothing.
//   - Lister, when implemented: byte-wise order across pages; Total and Next
//     agree with the pages; default and maximum page sizes; search by
//     customer number prefix or address substring, case-insensitive for
//     non-ASCII letters too; pages neither skip nor repeat entries while
//     others are added and deleted; returned slices belong to the caller; a
//     cancelled context gives an error.
//   - Batcher, when implemented: the Summary counts added, changed,
//     unchanged and deleted entries; an unchanged entry keeps its UpdatedAt;
//     ReplaceAll leaves exactly the batch; an entry without a language keeps
//     the stored entry's language (and is unchanged if that is its only
//     difference), with and without ReplaceAll; a batch normalized already
//     applies as the same batch before; an invalid batch gives a
//     [*registry.BatchError] naming the item and changes nothing (also when
//     its addresses are normalized and something else is wrong); a context
//     cancelled before or at any point during Apply (the kit cancels it at
//     the 1st, 2nd, 3rd … call of its Err method) leaves the directory
//     exactly as before, and an Apply that returns no error leaves exactly
//     the new directory.
//
// The kit cannot inject faults into a database; test that a write failing
// half-way through Apply changes nothing in the implementation's own tests,
// as package sqlregistry does. [CancelAtCheck] helps there: it cancels an
// operation at exactly its n-th context check.
//
// [Failing] returns a registry whose lookups always fail, for testing code
// that uses a registry. The kit uses only the standard library.
package registrytest
