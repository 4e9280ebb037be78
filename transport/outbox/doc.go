// Package outbox defines a durable outbox for e-mail: the types, states,
// policies and errors of an [Outbox], with no database or queue behind
// them. Package transport/outbox/riveroutbox implements it on River with
// SQLite or PostgreSQL.
//
// An accepted message is composed once; its exact bytes, Message-ID and
// envelope are stored in the caller's transaction, so a document is
// either accepted and kept, or not accepted at all. Workers then deliver
// it one recipient per SMTP transaction. Every recipient moves through
// [State]s:
//
//	pending → sending → delivered
//	                  → deferred → sending → …  (until Schedule.MaxAge: expired)
//	                  → failed
//	                  → ambiguous               (Hold: until Release or Dismiss)
//	pending, deferred, ambiguous → cancelled    (Cancel)
//
// A recipient is committed as [Sending] before its SMTP transaction
// begins; one found in that state by a later attempt, after its lease
// ran out (the worker died), may or may not have been delivered and
// becomes [Ambiguous]. The [Ambiguity] policy says what happens next:
// [Hold] (the default) reports it and sends nothing until a person
// releases it, [Retry] sends it again ("twice rather than never").
// Retries send the stored bytes, with the same Message-ID, only to the
// recipients still open; never to one that accepted.
package outbox
