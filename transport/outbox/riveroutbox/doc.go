// Package riveroutbox is a durable outbox for e-mail on River
// (github.com/riverqueue/river), with SQLite (modernc.org/sqlite, River's
// riversqlite driver) or PostgreSQL (pgx's database/sql driver, River's
// riverdatabasesql driver) behind one *sql.DB, as in registry/sqlregistry.
// It implements [outbox.Outbox]; it is the only jakelu package that
// imports River.
//
// River schedules; jakelu's tables are the record. [Migrate] creates
// jakelu_outbox_message and jakelu_outbox_rcpt (versioned, idempotent)
// and River's tables, in a schema of their own on PostgreSQL. [Outbox.Enqueue]
// composes a message once and stores its exact bytes, Message-ID and
// envelope with one River job, in the caller's transaction or its own.
//
// Workers ([Outbox.Start]) run the job of a message: for each recipient
// that is due they commit it as sending (with a lease of JobTimeout plus a
// second), send the stored bytes to that one recipient through the
// [transport.RawSender] (one SMTP transaction per recipient), and commit
// the outcome: delivered, failed (5xx), deferred (4xx, network; the job
// snoozes until the next attempt of the [outbox.Schedule]; 421 and 452 do
// not count as an attempt), expired (deferred after MaxAge) or ambiguous
// (the connection was lost after the dot). A recipient found sending after
// its lease ran out (its worker died) is ambiguous: held under
// [outbox.Hold], sent again and counted under [outbox.Retry]. River's
// rescuer gives the job of a dead process to another worker after
// RescueAfter. The intent is committed durably; on PostgreSQL the
// outcome's commit does not wait for the disk (synchronous_commit off for
// that transaction): if a database crash loses it, the recipient is found
// sending and becomes ambiguous, so nothing is lost or sent twice.
//
// Throughput: two transactions per recipient, so on PostgreSQL delivery
// is bound by the database's commits; [Outbox.EnqueueBatch] stores a
// thousand documents with a few statements.
//
// # Set-up
//
// SQLite: one file, db.SetMaxOpenConns(1) as River recommends, WAL and a
// busy timeout; one machine only. A host that runs its own River on
// SQLite gives the outbox a file of its own. PostgreSQL: any number of
// worker processes on one database (River fetches with FOR UPDATE SKIP
// LOCKED); give the pool SetMaxIdleConns of at least MaxWorkers.
//
// # DKIM
//
// Messages are stored unsigned; a transport/dkim Transport given as the
// transport signs at each attempt, so a retry days later carries a fresh
// signature made with the key published then.
//
// # Bounces and suppressions
//
// With Options.VERP each recipient's transaction has its own envelope
// sender, and where the server offers DSN it asks for failure and delay
// reports with ENVID jakelu-<id>. [Outbox.HandleBounce] applies a
// returned report (recipient bounced, ambiguity resolved, complaint
// recorded) and keeps the tenant's suppression list ([Outbox.Suppressions],
// schema version 2); [Outbox.CheckVERP] is what an inbound receiver asks
// at RCPT. The worker leaves a suppressed address unsent (state
// suppressed) unless Options.IgnoreSuppressions is set.
package riveroutbox
