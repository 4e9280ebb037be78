// Package file is a [transport.Transport] that writes each message as an
// .eml file into a folder instead of sending it: the embedded default that
// lets a newcomer open the result in any mail program, and a record of what
// would have been sent.
//
// Each message is composed with [transport.Compose] (non-ASCII local parts
// allowed, and a Bcc header so the file shows every recipient), written to
// a temporary file, synced, and linked into place under a name derived from
// its Message-ID ("lasku-2026-001@example.fi.eml"; "…-2.eml" and so on
// when that name is taken). A file is never overwritten and never seen half
// written. The receipt marks every recipient [transport.Delivered].
//
// # Errors
//
// An invalid message is refused as [transport.Compose] refuses it (see
// [transport.IsInput]); a cancelled context delivers nothing; a failure to
// write leaves every recipient [transport.Deferred] at
// [transport.StageData] with the [*io/fs.PathError]. A Transport not made by
// [New] writes nothing: every recipient is Deferred with an error matching
// [transport.ErrNoTransport].
//
// # Concurrency
//
// A [Transport] is safe for concurrent use, also by several processes
// writing into the same folder.
package file
