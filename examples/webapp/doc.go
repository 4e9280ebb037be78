// Command webapp is the e-mail distribution pages a company uses, built on
// the jakelu library: the host app a Go developer can run, read and copy
// from. Staff of a company switch e-mail distribution on, keep the recipient
// directory (add, edit, delete, search, import a spreadsheet after reading
// the help and downloading a template, export it), and send documents with
// the routing explained before and after.
//
// Run it from the repository root:
//
//	go run ./examples/webapp
//
// It listens on 127.0.0.1:8080, keeps its data in ./jakelu-webapp-data (a
// SQLite database, and an outbox folder where every e-mail is written as an
// .eml file), and on its first start creates the company "Demo Oy" with a
// first user, an admin, printing the URL, the e-mail address and a random
// password. The admin invites the company's other users. Send puts e-mails
// into a durable outbox in the same database; workers inside the app
// deliver them (through SMTP with -smtp, else as .eml files).
//
// # Flags and environment
//
//	-addr host:port      where to listen (JAKELU_WEBAPP_ADDR; 127.0.0.1:8080)
//	-data DIR            the SQLite file and the outbox (JAKELU_WEBAPP_DATA)
//	-db DSN              sqlite:PATH or a postgres:// URL (JAKELU_WEBAPP_DB)
//	-smtp host:port      send through SMTP instead of the outbox (JAKELU_WEBAPP_SMTP)
//	-smtp-tls MODE       starttls (default), opportunistic, implicit, none (loopback only)
//	-from ADDRESS        the operator's sender address (JAKELU_WEBAPP_FROM)
//	-bounce-addr host:port
//	                     receive bounces by SMTP here (JAKELU_WEBAPP_BOUNCE_ADDR; needs VERP)
//	-secure-cookies      mark cookies Secure behind a TLS-terminating proxy
//	-add-company NAME -add-user EMAIL
//	                     create another company and its first user, then serve
//
// JAKELU_WEBAPP_EMAIL and JAKELU_WEBAPP_PASSWORD give the first user's
// credentials instead of the generated ones (the password is then not
// printed); JAKELU_SMTP_USERNAME and JAKELU_SMTP_PASSWORD the SMTP
// credentials, which the transport sends only over TLS. JAKELU_VERP_KEY (16
// bytes or more), JAKELU_VERP_DOMAIN and JAKELU_VERP_LOCAL (default
// "bounces") give every recipient's SMTP transaction a VERP envelope sender
// (bounces+<id>.<mac>@<domain>), as the jakelu command's outbox does; the
// bounce receiver accepts reports only to such addresses.
//
// # Pages
//
// Every page is rendered on the server with html/template and works without
// JavaScript, in Finnish, Swedish or English (the browser's preference, or
// the language switch, kept in a cookie):
//
//   - Directory (/directory; Vastaanottajahakemisto, Mottagarkatalog): the
//     recipient directory with each customer's name where a document sent
//     to the number gave one, its delivery profile (standard or scanning
//     service) and when it last changed; searchable by customer number or
//     address, sorted by customer number or last change either way, paged
//     with previous/next and the position ("1–50 / 1 234"). Add (several
//     customer numbers with the same addresses at once: all are checked and
//     each problem named before any is added), edit and delete (after a
//     confirmation) with the registry's objections shown next to the field;
//     each change returns to the list as it was (search, sort, page) and
//     says what it did once, from a message kept server-side for the
//     session, never from the URL.
//   - Import (/import): upload a CSV or XLSX file; every problem is listed
//     (row, column, value, what to do) and nothing is imported, or the
//     preview (/import/preview/{id}) shows what would be added, changed, left
//     unchanged and (only when the whole directory is replaced, behind an
//     extra confirmation) deleted; confirming it shows the counts. The
//     problems (/import/problems/{id}), the preview and the result
//     (/import/done/{id}) are pages of their own, kept server-side for the
//     session for 30 minutes, so that a reload or the language switch keeps
//     them. The help, the templates and the export sit beside the form.
//   - Send (/send): upload a document, read who would receive it and why on
//     its plan (/send/plan/{id}, with the due date and amount in the page's
//     language), send it. Send enqueues exactly the plan shown: the page carries the
//     plan's fingerprint (recipients, copy or not, delivery profile); when
//     the directory changed since, the new plan is shown with a notice and
//     nothing is queued. A document sent before (the duplicate guard) gets
//     a warning naming the earlier delivery and is sent again only when the
//     user confirms (an explicit resend recorded with the user's address).
//     Send returns at once to the document's page.
//   - Deliveries (/log): the documents (one row each, not each attempt),
//     newest first and paged by a keyset cursor, with the time, number,
//     customer number, buyer, recipients, state and who handled it when.
//     A search (document number, customer number or recipient address, any
//     case), a state filter and a date range (9.1.2015 or 2015-01-09,
//     checked on the server) stay in the URL, so paging and Back keep them;
//     the state tabs count the documents of the search and dates per state.
//     "Needs attention" gathers the failed, uncertain, expired, bounced and
//     suppressed documents nobody has marked handled; Mark handled records
//     the user and time (audited as delivery.handled). The filtered list
//     downloads as CSV (/log/export.csv) in the page's language: ';' in
//     Finnish and Swedish, every field with a separator quoted and a
//     leading = + - @ neutralised (writeCSV, which every export of the app
//     uses).
//   - The document page (/log/{id}) shows each recipient's state, attempts,
//     the last reply in words (mailbox unknown, mailbox full, busy server,
//     TLS required or not offered by the operator's server — a
//     configuration problem, not "try later" —, refused as spam …), the
//     reply code behind "Details" and the server's own words to admins
//     only, and the next attempt; it refreshes itself (a meta refresh, no
//     script) while a worker still has something to do. Its actions, each
//     a POST with the CSRF token and audited with the delivery before and
//     after: resend to the failed, expired and bounced recipients only (a
//     new outbox message with its own row, linked to the first), send an
//     ambiguous recipient again (Release) or settle it without sending
//     (Dismiss), and cancel what is not sent yet.
//   - Suppressions (/suppressions): the company's suppression list (after
//     hard bounces, complaints, repeated soft bounces): why, since when, how
//     often; remove an address (audited), removed ones listed apart.
//   - Settings (/settings, admins): the master switch, the two methods, the
//     precedence, the sender name, the reply-to address and the default
//     language of e-mails, validated by distribution.Settings.Validate and
//     the app's own bounds (a sender name of at most 100 characters on one
//     line, a language e-mails are written in).
//   - Users (/users, admins): the company's users and their roles. An
//     admin invites a user by e-mail address and role and gets a one-time
//     link (also written in the app's log, so no mail server is needed)
//     with which the invitee chooses a password and is signed in; the
//     link works once, for 72 hours. A forgotten password goes the same
//     way: the admin makes a reset link (24 hours), and setting the new
//     password ends all of the user's sessions. An admin changes roles
//     and removes users (ending their sessions); the last admin can be
//     neither removed nor made a clerk.
//   - Account (/account, the user's name in the header): change the
//     password (the current one is asked; other sessions end), the list
//     of the user's sessions (signed in, last active, client address,
//     browser) with sign-out of each, and sign out everywhere.
//   - Audit trail (/audit, admins): every change to the settings,
//     directory entries, imports (file name, counts, replace-all) and
//     users and sessions, with who and when, newest first, the before and
//     after shown field by field; filters by user, action, subject and
//     date range, keyset paging and a CSV export. The app only ever adds
//     entries; it never changes or deletes them.
//
// # Users and roles
//
// A company has several users, each with a role. A clerk keeps the
// directory, imports (adding and changing customers), sends and follows
// deliveries and suppressions. An admin also changes the settings and the
// users, reads the audit trail and may replace the whole directory with an
// import. Roles are enforced on the server (admin wraps the admins'
// handlers): a clerk gets 403 and a page that says so, also for a
// replace-all import sent by hand; the menu shows a clerk only what a
// clerk may use.
//
// # How it uses the library
//
// Each company's directory is a registry/sqlregistry Registry whose tenant
// key is the company's ID, in the same database as the app's own tables
// (companies, users, sessions, settings, the delivery log and the uploads
// waiting for a confirmation), which the app creates idempotently at start
// beside sqlregistry.Migrate, on SQLite and PostgreSQL alike. Imports go
// through importer.Read and importer.Apply, the preview through a
// comparison that counts as importer.Diff does but keeps only the entries
// it lists. A previewed file is kept server-side for the session for 30
// minutes, in parts of 1 MB in the database (so that app processes sharing
// a PostgreSQL database share it), and read again as a stream when it is
// previewed or confirmed, so the user does not upload it twice; a new
// upload replaces the session's earlier one, Cancel and expiry delete it.
// Every request that
// plans or sends builds a distribution.Router from the company's stored
// settings; Router.Enqueue (Options.Outbox, tenant = the company's ID)
// stores the e-mail in transport/outbox/riveroutbox, migrated at start, in
// the same transaction as the upload's removal and the log row; the
// router's Suppressions leave suppressed addresses out of the plan.
//
// The outbox's workers run inside the app (Start, stopped gracefully by
// Close: deliveries under way finish within the job timeout) with the
// app's transport (transport/file or transport/smtp, both
// transport.RawSender). Two or more app processes on one PostgreSQL
// database share the queue, each recipient delivered once. On SQLite River
// wants a single connection, which the app's own pool cannot have (a
// directory lookup inside the send transaction would wait for itself): the
// outbox gets a second handle on the same file with one connection and
// BEGIN IMMEDIATE transactions, and the send transaction runs on it;
// planning reads the directory and the suppression list through the app's
// pool.
//
// Each delivery row (webapp_delivery) holds outbox_id and scan_outbox_id
// (the scanning service's e-mail), state (the recipients' outbox states
// combined by outbox.Combine, or rejected, not-routed, duplicate for a
// document that never reached the outbox), customer and buyer from the
// document, updated_at, handled_by and handled_at, and the recipients
// (distribution.RecipientSummary with Outcome = the recipient's outbox
// state). riveroutbox's OnChange updates the row at once; a reconcile every
// few seconds reads back every row that may still change (not final, or
// delivered within three days, as a bounce may follow), so the log is right
// also after changes by another process or a crash. The bounce receiver
// (-bounce-addr) is the command's bounce-server inside the app: it accepts
// a report only to a VERP address the outbox made (CheckVERP), applies it
// (HandleBounce: the recipient bounced, a hard bounce suppresses the
// address) and updates the rows.
//
// # Security
//
// Passwords are hashed with argon2id (golang.org/x/crypto). Session cookies
// are HttpOnly and SameSite=Strict (and Secure over TLS or with
// -secure-cookies); only a hash of the session token is stored. Every form
// carries the session's CSRF token and is refused with 403 without it.
// Before signing in (the sign-in form, the invitation and reset forms) a
// browser has a pre-session: a random ID in a cookie, and the form's token
// is an HMAC-SHA256 of that ID with a secret the app keeps in its database
// (so that app processes sharing a database accept each other's forms); a
// token from another pre-session is refused. Invitation and reset links
// are 128 random bits, stored only as their SHA-256, used once.
// Uploads are bounded with http.MaxBytesReader (32 MB for imports, 20 MB for
// documents) and refused with 413 and a message naming the limit; a file
// over 64 kB is parsed to a temporary file, never into memory. A company
// imports one file at a time (a lock in the database, so also across app
// processes; another preview or import meanwhile gets 409), has at most 3
// files and 100 MB waiting for a confirmation (429 beyond), and the process
// reads, previews or applies at most two import files at once, with the
// garbage collector's target lowered while it does: a 31 MB CSV (430,000
// customers) raises the process's memory by some 140 MB for its preview and
// 190 MB for its import (TestImportMemory), most of it the batch
// importer.Read builds. Expired sessions and uploads are removed every 5
// minutes. File names are stored as valid UTF-8 without control characters,
// at most 200 characters. Every limit of a form is also checked on the
// server.
//
// Failed sign-ins slow down, they never lock an account: failures are
// counted per account on one client and per client (an IPv4 address, or
// an IPv6 /64); after 3 failures of an account on a client, or 20 of a
// client on any accounts, each further try from there waits 2, 4, 8 ...
// seconds after the last failure, at most 15 minutes, without the
// password being checked (429). Failures elsewhere never delay a client,
// so the right password from a client without failures always signs in,
// and an attacker cannot lock the real user out. The counts are kept in
// memory, per app process, and forgotten after a day without failures.
// The client address is the connection's, since a forwarded-for header
// could be forged.
//
// Every response carries a Content Security Policy that allows no script
// at all, frame-ancestors 'none', nosniff and Referrer-Policy: same-origin;
// responses over TLS (or with -secure-cookies) also carry
// Strict-Transport-Security.
//
// The company a request acts for is decided in one place, from the session
// cookie: the signedIn middleware hands handlers a scope whose directory and
// data are bound to the user's company. No handler takes a company from the
// request, so another company's entries, uploads and deliveries cannot be
// named and answer 404; the same holds for a document's actions. The
// server's raw replies, which may name internal hosts, are shown to admins
// only; clerks see the explanation and the reply code.
//
// # Tests
//
// go test ./examples/webapp runs the HTTP tests (net/http/httptest) of every
// page and form on SQLite; with JAKELU_TEST_POSTGRES set to a PostgreSQL URL
// the storage and isolation tests also run on PostgreSQL, each in a schema of
// its own. The browser tests drive a headless Chromium (install it with
// apt-get install chromium) and save screenshots into $JAKELU_SCREENSHOTS,
// or a temporary folder. TestImportMemory (skipped with -short and -race)
// previews a 31 MB CSV in a child process, checks that the process's peak
// resident set size grows by at most 150 MB and logs the growth, and that
// of four companies' previews at once.
package main
