// Package address is jakelu's one place for e-mail addresses: [Parse]
// validates and normalizes one address, [SplitList] splits text that holds
// several, [ToASCII] gives the form to put on the wire, and [Key] and
// [Equal] are the one rule by which two addresses are the same (to remove
// duplicates from a document's addresses, a directory entry, a delivery
// plan or an envelope).
//
// It imports no other jakelu package, so the document parser, the
// recipient directory, the importer and the transports all depend on it
// and not on each other.
//
// # Errors
//
// A rejected address is an [*Error] matching [ErrInvalid] with
// [errors.Is]; its [Reason] is a stable, language-neutral code whose
// [Reason.Message] describes it for a person.
//
// # Sameness
//
// Two addresses are the same when they are equal under Unicode simple case
// folding, as [strings.EqualFold] compares them: "Matti@Example.fi" and
// "matti@example.fi" are one address, and so are "Σ@b.fi" and "ς@b.fi".
// [Key] maps an address to a string that two addresses share exactly when
// [Equal] reports them the same, for use as a map key. Compare addresses
// as [Parse] returns them (domains lower-cased, in Unicode form).
package address
