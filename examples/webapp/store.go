package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/sqlregistry"
)

// The app's own tables, beside the ones sqlregistry.Migrate creates. Every
// statement is written once for both dialects ($N placeholders, ON CONFLICT,
// RETURNING); only the type of binary columns differs. Times are stored as
// microseconds since 1970 UTC, as sqlregistry stores them.
const schema = `
CREATE TABLE IF NOT EXISTS webapp_company (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webapp_user (
	email         TEXT PRIMARY KEY,
	company_id    TEXT NOT NULL REFERENCES webapp_company (id),
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL DEFAULT 'admin',
	created_at    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webapp_session (
	id         TEXT PRIMARY KEY,
	email      TEXT NOT NULL REFERENCES webapp_user (email),
	company_id TEXT NOT NULL REFERENCES webapp_company (id),
	csrf       TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL DEFAULT 0,
	last_seen  BIGINT NOT NULL DEFAULT 0,
	client     TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS webapp_settings (
	company_id       TEXT PRIMARY KEY REFERENCES webapp_company (id),
	enabled          BOOLEAN NOT NULL,
	document_address BOOLEAN NOT NULL,
	directory        BOOLEAN NOT NULL,
	precedence       TEXT NOT NULL,
	from_name        TEXT NOT NULL,
	reply_to         TEXT NOT NULL,
	language         TEXT NOT NULL,
	updated_at       BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webapp_delivery (
	company_id TEXT NOT NULL REFERENCES webapp_company (id),
	id         TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	user_email TEXT NOT NULL,
	file_name  TEXT NOT NULL,
	number     TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	message_id TEXT NOT NULL,
	plan       TEXT NOT NULL,
	recipients TEXT NOT NULL,
	error      TEXT NOT NULL,
	outbox_id      BIGINT NOT NULL DEFAULT 0,
	scan_outbox_id BIGINT NOT NULL DEFAULT 0,
	state          TEXT NOT NULL DEFAULT '',
	customer       TEXT NOT NULL DEFAULT '',
	buyer          TEXT NOT NULL DEFAULT '',
	updated_at     BIGINT NOT NULL DEFAULT 0,
	handled_by     TEXT NOT NULL DEFAULT '',
	handled_at     BIGINT NOT NULL DEFAULT 0,
	resend_of      TEXT NOT NULL DEFAULT '',
	document       BLOB NULL,
	PRIMARY KEY (company_id, id)
);
CREATE INDEX IF NOT EXISTS webapp_delivery_recent ON webapp_delivery (company_id, created_at, id);
CREATE TABLE IF NOT EXISTS webapp_audit (
	company_id TEXT NOT NULL REFERENCES webapp_company (id),
	id         TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	user_email TEXT NOT NULL,
	action     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	before     TEXT NOT NULL,
	after      TEXT NOT NULL,
	PRIMARY KEY (company_id, id)
);
CREATE INDEX IF NOT EXISTS webapp_audit_recent ON webapp_audit (company_id, created_at, id);
CREATE TABLE IF NOT EXISTS webapp_upload (
	id          TEXT PRIMARY KEY,
	company_id  TEXT NOT NULL REFERENCES webapp_company (id),
	session_id  TEXT NOT NULL,
	kind        TEXT NOT NULL,
	file_name   TEXT NOT NULL,
	replace_all BOOLEAN NOT NULL,
	data        BLOB NOT NULL,
	created_at  BIGINT NOT NULL,
	size        BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS webapp_upload_part (
	upload_id TEXT NOT NULL,
	n         INTEGER NOT NULL,
	data      BLOB NOT NULL,
	PRIMARY KEY (upload_id, n)
);
CREATE TABLE IF NOT EXISTS webapp_import_lock (
	company_id TEXT PRIMARY KEY REFERENCES webapp_company (id),
	token      TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webapp_flash (
	session_id TEXT PRIMARY KEY,
	message    TEXT NOT NULL,
	subject    TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webapp_customer (
	company_id TEXT NOT NULL REFERENCES webapp_company (id),
	customer   TEXT NOT NULL,
	name       TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (company_id, customer)
);
`

// Lifetimes of what the store keeps for a while.
const (
	sessionLifetime = 12 * time.Hour
	uploadLifetime  = 30 * time.Minute
)

// errNotFound is returned by the store for a row that does not exist, or
// that belongs to another company or session.
var errNotFound = errors.New("webapp: not found")

// store keeps the app's own data: companies, users, sessions, each
// company's settings, its delivery log and the uploads waiting for a
// confirmation. Only main, signing in and out, and the signedIn middleware
// use it directly; the other handlers get a companyData bound to the
// signed-in user's company.
type store struct {
	db      *sql.DB
	dialect sqlregistry.Dialect
	now     func() time.Time
}

// migrate creates the directory's tables (sqlregistry.Migrate) and the
// app's own. It is idempotent and runs in one transaction; on PostgreSQL an
// advisory lock makes app instances that start together wait for each other.
func (s *store) migrate(ctx context.Context) error {
	if err := sqlregistry.Migrate(ctx, s.db, s.dialect); err != nil {
		return err
	}
	ddl := schema + usersSchema
	if s.dialect == sqlregistry.Postgres {
		ddl = strings.ReplaceAll(ddl, " BLOB ", " BYTEA ")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.dialect == sqlregistry.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7382617340524)`); err != nil {
			return err
		}
	}
	for stmt := range strings.SplitSeq(ddl, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating the web app's tables: %w", err)
		}
	}
	if err := s.addColumn(ctx, tx, "webapp_user", "role", `TEXT NOT NULL DEFAULT 'admin'`); err != nil {
		return err
	}
	if err := s.addDeliveryColumns(ctx, tx); err != nil {
		return err
	}
	if err := backfillDeliveries(ctx, tx); err != nil {
		return err
	}
	for _, c := range sessionColumns {
		if err := s.addColumn(ctx, tx, "webapp_session", c.name, c.def); err != nil {
			return err
		}
	}
	if err := s.addColumn(ctx, tx, "webapp_upload", "size", `BIGINT NOT NULL DEFAULT 0`); err != nil {
		return err
	}
	return tx.Commit()
}

// addDeliveryColumns adds to a delivery log of a previous version (one row
// per attempt, sent at once) the columns of the outbox's follow-up (one row
// per document), and their indexes.
func (s *store) addDeliveryColumns(ctx context.Context, tx *sql.Tx) error {
	blob := "BLOB NULL"
	if s.dialect == sqlregistry.Postgres {
		blob = "BYTEA NULL"
	}
	for _, c := range [][2]string{
		{"outbox_id", "BIGINT NOT NULL DEFAULT 0"},
		{"scan_outbox_id", "BIGINT NOT NULL DEFAULT 0"},
		{"state", "TEXT NOT NULL DEFAULT ''"},
		{"customer", "TEXT NOT NULL DEFAULT ''"},
		{"buyer", "TEXT NOT NULL DEFAULT ''"},
		{"updated_at", "BIGINT NOT NULL DEFAULT 0"},
		{"handled_by", "TEXT NOT NULL DEFAULT ''"},
		{"handled_at", "BIGINT NOT NULL DEFAULT 0"},
		{"resend_of", "TEXT NOT NULL DEFAULT ''"},
		{"document", blob},
	} {
		if err := s.addColumn(ctx, tx, "webapp_delivery", c[0], c[1]); err != nil {
			return err
		}
	}
	for _, stmt := range []string{
		`CREATE INDEX IF NOT EXISTS webapp_delivery_outbox ON webapp_delivery (outbox_id)`,
		`CREATE INDEX IF NOT EXISTS webapp_delivery_scan_outbox ON webapp_delivery (scan_outbox_id)`,
		`CREATE INDEX IF NOT EXISTS webapp_delivery_state ON webapp_delivery (state)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("upgrading the web app's table webapp_delivery: %w", err)
		}
	}
	return nil
}

// addColumn adds a column to a table a previous version of the app created
// without it (a company's first user was its only user, so an admin).
func (s *store) addColumn(ctx context.Context, tx *sql.Tx, table, column, def string) error {
	var n int
	q := `SELECT count(*) FROM pragma_table_info($1) WHERE name = $2`
	if s.dialect == sqlregistry.Postgres {
		q = `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
	}
	if err := tx.QueryRowContext(ctx, q, table, column).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+column+` `+def); err != nil {
		return fmt.Errorf("upgrading the web app's table %s: %w", table, err)
	}
	return nil
}

// company is a customer of the host app: the tenant of its directory.
type company struct {
	ID   string // the tenant key of its directory and of every app table
	Name string
}

// newID returns a random identifier for a row or a token: 26 characters,
// 128 random bits.
func newID() string { return rand.Text() }

// createCompany adds a company with default settings (distribution off)
// and its first user (whose CompanyID is ignored), in one transaction:
// either both are created or neither.
func (s *store) createCompany(ctx context.Context, name string, first user) (company, error) {
	c := company{ID: strings.ToLower(newID()), Name: name}
	now := s.now().UnixMicro()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_company (id, name, created_at) VALUES ($1, $2, $3)`, c.ID, c.Name, now); err != nil {
		return c, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_user (email, company_id, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)`,
		first.Email, c.ID, first.PasswordHash, roleAdmin, now); err != nil {
		return c, err
	}
	return c, tx.Commit()
}

// companyCount returns how many companies there are.
func (s *store) companyCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM webapp_company`).Scan(&n)
	return n, err
}

// Roles of users: an admin also changes the settings, the users and
// replaces the whole directory; a clerk keeps the directory, imports and
// sends.
const (
	roleAdmin = "admin"
	roleClerk = "clerk"
)

// user is someone who signs in; a user belongs to exactly one company.
type user struct {
	Email        string // lower case
	CompanyID    string
	PasswordHash string
	Role         string // roleAdmin or roleClerk
}

// user returns the user with the e-mail address (lower case), or errNotFound.
func (s *store) user(ctx context.Context, email string) (user, error) {
	u := user{Email: email}
	err := s.db.QueryRowContext(ctx, `SELECT company_id, password_hash, role FROM webapp_user WHERE email = $1`, email).
		Scan(&u.CompanyID, &u.PasswordHash, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return u, err
}

// session is a signed-in browser.
type session struct {
	ID       string // the SHA-256 of the cookie's token; the token itself is never stored
	Email    string
	Role     string // the user's role: roleAdmin or roleClerk
	Company  company
	CSRF     string    // the token every form of this session carries
	LastSeen time.Time // when the session last made a request (to the minute)
}

// sessionID returns the key under which the session of a cookie token is
// stored, so that a leaked database does not leak usable cookies.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// purge removes expired sessions, uploads (with their parts) and the
// one-time messages of sessions that ended.
func (s *store) purge(ctx context.Context) error {
	now := s.now()
	for _, q := range []struct {
		stmt string
		args []any
	}{
		{`DELETE FROM webapp_session WHERE expires_at < $1`, []any{now.UnixMicro()}},
		{`DELETE FROM webapp_upload WHERE created_at < $1`, []any{now.Add(-uploadLifetime).UnixMicro()}},
		{`DELETE FROM webapp_upload_part WHERE upload_id NOT IN (SELECT id FROM webapp_upload)`, nil},
		{`DELETE FROM webapp_flash WHERE session_id NOT IN (SELECT id FROM webapp_session)`, nil},
	} {
		if _, err := s.db.ExecContext(ctx, q.stmt, q.args...); err != nil {
			return err
		}
	}
	return nil
}

// createSession starts a session for u from a client (its address and
// user agent) and returns the cookie token. It also removes expired
// sessions and uploads.
func (s *store) createSession(ctx context.Context, u user, cl clientInfo) (string, error) {
	if err := s.purge(ctx); err != nil {
		return "", err
	}
	return insertSession(ctx, s.db, s.now(), u, cl)
}

// session returns the live session of a cookie token, or errNotFound.
func (s *store) session(ctx context.Context, token string) (session, error) {
	ss := session{ID: sessionID(token)}
	var seen int64
	err := s.db.QueryRowContext(ctx, `SELECT s.email, u.role, s.csrf, s.last_seen, c.id, c.name
FROM webapp_session s JOIN webapp_company c ON c.id = s.company_id JOIN webapp_user u ON u.email = s.email
WHERE s.id = $1 AND s.expires_at >= $2`, ss.ID, s.now().UnixMicro()).
		Scan(&ss.Email, &ss.Role, &ss.CSRF, &seen, &ss.Company.ID, &ss.Company.Name)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	ss.LastSeen = time.UnixMicro(seen)
	return ss, err
}

// deleteSession ends the session of a cookie token.
func (s *store) deleteSession(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM webapp_session WHERE id = $1`, sessionID(token))
	return err
}

// companyData is the app's data of one company, for one session: the only
// way handlers reach the store. Every statement filters on the company (and,
// for uploads, the session), so a handler cannot read or change another
// company's rows whatever the request says.
type companyData struct {
	st        *store
	companyID string
	sessionID string
}

// settings returns the company's distribution settings, without the
// operator-level fields (Company and From), which the app adds. A company
// that never saved its settings has distribution switched off.
func (d companyData) settings(ctx context.Context) (distribution.Settings, error) {
	return d.settingsIn(ctx, d.st.db)
}

// settingsIn reads the settings as settings does, through q: the
// database or a transaction.
func (d companyData) settingsIn(ctx context.Context, q queryer) (distribution.Settings, error) {
	s := distribution.Settings{Directory: true, Precedence: distribution.DocumentFirst, Language: "fi"}
	var precedence string
	err := q.QueryRowContext(ctx, `SELECT enabled, document_address, directory, precedence, from_name, reply_to, language
FROM webapp_settings WHERE company_id = $1`, d.companyID).
		Scan(&s.Enabled, &s.DocumentAddress, &s.Directory, &precedence, &s.FromName, &s.ReplyTo, &s.Language)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.Precedence = distribution.Precedence(precedence)
	return s, err
}

// saveSettings stores the company's distribution settings.
func (d companyData) saveSettings(ctx context.Context, s distribution.Settings) error {
	return d.saveSettingsIn(ctx, d.st.db, s)
}

// saveSettingsIn stores the settings as saveSettings does, through ex.
func (d companyData) saveSettingsIn(ctx context.Context, ex execer, s distribution.Settings) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO webapp_settings
(company_id, enabled, document_address, directory, precedence, from_name, reply_to, language, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (company_id) DO UPDATE SET enabled = excluded.enabled, document_address = excluded.document_address,
	directory = excluded.directory, precedence = excluded.precedence, from_name = excluded.from_name,
	reply_to = excluded.reply_to, language = excluded.language, updated_at = excluded.updated_at`,
		d.companyID, s.Enabled, s.DocumentAddress, s.Directory, string(s.Precedence), s.FromName, s.ReplyTo, s.Language,
		d.st.now().UnixMicro())
	return err
}

// delivery is one entry of the delivery log: a document a user sent and
// what happened to it. The plan is kept as its steps, so that the
// explanation can be rendered in the language of whoever reads the log.
// A document sent through the outbox has one row, kept current from the
// outbox (State, Recipients, UpdatedAt); a resend to some recipients has a
// row of its own linked to the first (ResendOf).
type delivery struct {
	ID         string
	At         time.Time
	User       string
	File       string
	Number     string
	Outcome    distribution.Outcome // what Send did: queued, or why it did not reach the outbox
	MessageID  string
	Plan       *distribution.Plan // nil when routing did not start
	Recipients []distribution.RecipientSummary
	Error      string // technical detail (English) when the outcome is not Sent

	// OutboxID and ScanOutboxID are the outbox messages of the document
	// (the scanning service's e-mail in the second), 0 for none.
	OutboxID, ScanOutboxID int64
	// State is the recipients' outbox states combined (outbox.Combine), or
	// the outcome of a document that never reached the outbox (rejected,
	// not-routed, duplicate).
	State     string
	Customer  string // the buyer's customer number in the document
	Buyer     string // the buyer's name
	UpdatedAt time.Time
	HandledBy string // who marked it handled, "" when nobody did
	HandledAt time.Time
	ResendOf  string // the delivery this one resends to some recipients, "" for a first send
}

// addDelivery records a delivery, setting its ID and time, and its state
// from its outcome when it has none (stateOf), so that every row's state is
// one of deliveryStates.
func (d companyData) addDelivery(ctx context.Context, dl *delivery) error {
	return d.insertDelivery(ctx, d.st.db, dl, nil)
}

// insertDelivery records a delivery on ex (the database or a transaction),
// with the document's bytes (nil for none), setting its ID and time.
func (d companyData) insertDelivery(ctx context.Context, ex execer, dl *delivery, document []byte) error {
	plan, err := json.Marshal(dl.Plan)
	if err != nil {
		return err
	}
	rcpts, err := json.Marshal(dl.Recipients)
	if err != nil {
		return err
	}
	dl.ID, dl.At, dl.File = newID(), d.st.now(), cleanFileName(dl.File)
	dl.UpdatedAt = dl.At
	if dl.State == "" {
		dl.State = stateOf(distribution.Summary{Outcome: dl.Outcome, Recipients: dl.Recipients})
	}
	_, err = ex.ExecContext(ctx, `INSERT INTO webapp_delivery
(company_id, id, created_at, user_email, file_name, number, outcome, message_id, plan, recipients, error,
 outbox_id, scan_outbox_id, state, customer, buyer, updated_at, resend_of, document)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		d.companyID, dl.ID, dl.At.UnixMicro(), dl.User, dl.File, dl.Number, string(dl.Outcome), dl.MessageID,
		string(plan), string(rcpts), dl.Error, dl.OutboxID, dl.ScanOutboxID, dl.State, dl.Customer, dl.Buyer,
		dl.UpdatedAt.UnixMicro(), dl.ResendOf, document)
	return err
}

// deliveryColumns are the columns scanDelivery reads, in its order.
const deliveryColumns = `id, created_at, user_email, file_name, number, outcome, message_id, plan, recipients, error,
outbox_id, scan_outbox_id, state, customer, buyer, updated_at, handled_by, handled_at, resend_of`

// scanDelivery reads a row of deliveryColumns.
func scanDelivery(row interface{ Scan(...any) error }) (delivery, error) {
	var (
		dl                   delivery
		at, updated, handled int64
		outcome              string
		plan, rcpts          string
	)
	if err := row.Scan(&dl.ID, &at, &dl.User, &dl.File, &dl.Number, &outcome, &dl.MessageID, &plan, &rcpts, &dl.Error,
		&dl.OutboxID, &dl.ScanOutboxID, &dl.State, &dl.Customer, &dl.Buyer, &updated, &dl.HandledBy, &handled, &dl.ResendOf); err != nil {
		return dl, err
	}
	dl.At, dl.Outcome = time.UnixMicro(at), distribution.Outcome(outcome)
	dl.UpdatedAt, dl.HandledAt = timeOf(updated), timeOf(handled)
	if err := json.Unmarshal([]byte(plan), &dl.Plan); err != nil {
		return dl, fmt.Errorf("delivery %s: stored plan: %w", dl.ID, err)
	}
	if err := json.Unmarshal([]byte(rcpts), &dl.Recipients); err != nil {
		return dl, fmt.Errorf("delivery %s: stored recipients: %w", dl.ID, err)
	}
	return dl, nil
}

// microsOf stores a time as microseconds since 1970, the zero time as 0.
func microsOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// timeOf reads a time stored by microsOf.
func timeOf(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// delivery returns one delivery of the company, or errNotFound.
func (d companyData) delivery(ctx context.Context, id string) (delivery, error) {
	dl, err := scanDelivery(d.st.db.QueryRowContext(ctx,
		`SELECT `+deliveryColumns+` FROM webapp_delivery WHERE company_id = $1 AND id = $2`, d.companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return dl, err
}

// deliveryDocument returns the document bytes a delivery of the company
// sent, or errNotFound (also for a delivery stored without them).
func (d companyData) deliveryDocument(ctx context.Context, id string) ([]byte, error) {
	var doc []byte
	err := d.st.db.QueryRowContext(ctx, `SELECT document FROM webapp_delivery WHERE company_id = $1 AND id = $2`, d.companyID, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(doc) == 0) {
		err = errNotFound
	}
	return doc, err
}

// deliveryByOutbox returns the company's delivery of an outbox message,
// or errNotFound.
func (d companyData) deliveryByOutbox(ctx context.Context, id int64) (delivery, error) {
	dl, err := scanDelivery(d.st.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webapp_delivery
WHERE company_id = $1 AND (outbox_id = $2 OR scan_outbox_id = $2) ORDER BY created_at LIMIT 1`, d.companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return dl, err
}

// resends returns the IDs and times of the company's deliveries that resend
// the delivery id to some of its recipients, oldest first.
func (d companyData) resends(ctx context.Context, id string) ([]delivery, error) {
	rows, err := d.st.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webapp_delivery
WHERE company_id = $1 AND resend_of = $2 ORDER BY created_at, id`, d.companyID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, rows.Err()
}

// deliveryRef is a delivery row that follows outbox messages.
type deliveryRef struct {
	CompanyID              string
	ID                     string
	OutboxID, ScanOutboxID int64
	Recipients             []distribution.RecipientSummary
}

// deliveriesOfOutbox returns the delivery rows (of any company) of an
// outbox message.
func (s *store) deliveriesOfOutbox(ctx context.Context, id int64) ([]deliveryRef, error) {
	return s.deliveryRefs(ctx, `SELECT company_id, id, outbox_id, scan_outbox_id, recipients FROM webapp_delivery
WHERE outbox_id = $1 OR scan_outbox_id = $1`, id)
}

// unsettledDeliveries returns the delivery rows whose state may still
// change: not final in the outbox, or delivered since recently (a bounce
// may still turn it into bounced).
func (s *store) unsettledDeliveries(ctx context.Context, deliveredSince time.Time) ([]deliveryRef, error) {
	return s.deliveryRefs(ctx, `SELECT company_id, id, outbox_id, scan_outbox_id, recipients FROM webapp_delivery
WHERE (outbox_id <> 0 OR scan_outbox_id <> 0)
AND (state IN ('', 'pending', 'sending', 'deferred', 'ambiguous') OR (state = 'delivered' AND updated_at >= $1))`,
		deliveredSince.UnixMicro())
}

// deliveryRefs runs a query of deliveryRef's columns.
func (s *store) deliveryRefs(ctx context.Context, q string, args ...any) ([]deliveryRef, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []deliveryRef
	for rows.Next() {
		var r deliveryRef
		var rcpts string
		if err := rows.Scan(&r.CompanyID, &r.ID, &r.OutboxID, &r.ScanOutboxID, &rcpts); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(rcpts), &r.Recipients); err != nil {
			return nil, fmt.Errorf("delivery %s: stored recipients: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// updateDeliveryState stores what the outbox says of a delivery: the
// combined state and the recipients. It changes nothing when both are as
// stored, so updated_at tells when the state last changed.
func (s *store) updateDeliveryState(ctx context.Context, companyID, id, state string, rcpts []distribution.RecipientSummary) error {
	b, err := json.Marshal(rcpts)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE webapp_delivery SET state = $3, recipients = $4, updated_at = $5
WHERE company_id = $1 AND id = $2 AND (state <> $3 OR recipients <> $4)`, companyID, id, state, string(b), s.now().UnixMicro())
	return err
}

// deliveryCursor marks where a page of the log ends: the last delivery's
// time and ID. Its zero value starts at the most recent delivery.
type deliveryCursor struct {
	At int64
	ID string
}

// String encodes the cursor for a URL.
func (c deliveryCursor) String() string { return fmt.Sprintf("%d.%s", c.At, c.ID) }

// parseDeliveryCursor decodes a cursor made by deliveryCursor.String; ""
// and anything malformed give the zero cursor (the first page).
func parseDeliveryCursor(s string) deliveryCursor {
	var c deliveryCursor
	at, id, ok := strings.Cut(s, ".")
	if _, err := fmt.Sscan(at, &c.At); !ok || err != nil || id == "" {
		return deliveryCursor{}
	}
	c.ID = id
	return c
}

// upload is a file a user uploaded and has yet to confirm: an import file
// between its preview and the import, or a document between its routing
// plan and sending it. It belongs to the session that uploaded it and
// expires after uploadLifetime. A document is kept whole in Data; an import
// file, which may be tens of megabytes, in parts of uploadPartSize bytes
// (webapp_upload_part) that are written and read one at a time, so that
// the app never holds the whole file in memory (see putImport and
// uploadReader).
type upload struct {
	ID         string
	Kind       string // "import", "send", or an import's result: "import-problems", "import-done"
	FileName   string
	ReplaceAll bool // for an import: delete the customers not in the file
	Data       []byte
	Size       int64 // bytes
}

// Bounds of uploads kept for a confirmation.
const (
	// uploadPartSize is the size of the parts an import file is kept in.
	uploadPartSize = 1 << 20
	// maxFileName is the most characters of a file name that are kept.
	maxFileName = 200
	// maxPendingImports and maxPendingImportBytes bound the import files
	// a company's users have uploaded and not yet imported or cancelled.
	maxPendingImports     = 3
	maxPendingImportBytes = 100 << 20
)

// errQuota is returned by putImport when the company has as many pending
// import files, or as many bytes of them, as maxPendingImports and
// maxPendingImportBytes allow.
var errQuota = errors.New("webapp: too many pending imports")

// cleanFileName returns a file name as the app stores and shows it: valid
// UTF-8 (each invalid byte sequence becomes U+FFFD), without control
// characters (PostgreSQL refuses NUL in text) and at most maxFileName
// characters long.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > maxFileName {
		name = string([]rune(name)[:maxFileName-1]) + "…"
	}
	return strings.TrimSpace(name)
}

// putUpload keeps an upload for the session and sets its ID. It also
// removes expired sessions and uploads.
func (d companyData) putUpload(ctx context.Context, u *upload) error {
	if err := d.st.purge(ctx); err != nil {
		return err
	}
	u.ID, u.FileName, u.Size = newID(), cleanFileName(u.FileName), int64(len(u.Data))
	_, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_upload (id, company_id, session_id, kind, file_name, replace_all, data, created_at, size)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, d.companyID, d.sessionID, u.Kind, u.FileName, u.ReplaceAll, u.Data, d.st.now().UnixMicro(), u.Size)
	return err
}

// putImport keeps an import file of u.Size bytes, read from r, for the
// session in parts, and sets u's ID; u.Data is not used. The session's
// earlier import files are dropped: a new upload replaces them. If the
// company's other pending import files and this one would exceed
// maxPendingImports or maxPendingImportBytes, nothing is stored and the
// error is errQuota. It also removes expired sessions and uploads.
func (d companyData) putImport(ctx context.Context, u *upload, r io.Reader) error {
	if err := d.st.purge(ctx); err != nil {
		return err
	}
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_upload_part WHERE upload_id IN
	(SELECT id FROM webapp_upload WHERE company_id = $1 AND session_id = $2 AND kind = 'import')`, d.companyID, d.sessionID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_upload WHERE company_id = $1 AND session_id = $2 AND kind = 'import'`,
		d.companyID, d.sessionID); err != nil {
		return err
	}
	var n, bytes int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM webapp_upload WHERE company_id = $1 AND kind = 'import'`,
		d.companyID).Scan(&n, &bytes); err != nil {
		return err
	}
	if n >= maxPendingImports || bytes+u.Size > maxPendingImportBytes {
		return errQuota
	}
	u.ID, u.Kind, u.FileName = newID(), "import", cleanFileName(u.FileName)
	if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_upload (id, company_id, session_id, kind, file_name, replace_all, data, created_at, size)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, d.companyID, d.sessionID, u.Kind, u.FileName, u.ReplaceAll, []byte{}, d.st.now().UnixMicro(), u.Size); err != nil {
		return err
	}
	buf := make([]byte, uploadPartSize)
	var total int64
	for part := 0; ; part++ {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			total += int64(k)
			if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_upload_part (upload_id, n, data) VALUES ($1, $2, $3)`, u.ID, part, buf[:k]); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		} else if err != nil {
			return err
		}
	}
	if total != u.Size {
		return fmt.Errorf("the import file has %d bytes, not the %d expected", total, u.Size)
	}
	return tx.Commit()
}

// putImportResult keeps what became of an import file for the session's
// page about it (the problems of a rejected file, the counts of a finished
// import: u.Kind "import-problems" or "import-done", u.Data as JSON), for
// uploadLifetime, and sets u's ID. The session's earlier result of the
// kind is dropped, so that a session keeps one of each.
func (d companyData) putImportResult(ctx context.Context, u *upload) error {
	if err := d.st.purge(ctx); err != nil {
		return err
	}
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_upload WHERE company_id = $1 AND session_id = $2 AND kind = $3`,
		d.companyID, d.sessionID, u.Kind); err != nil {
		return err
	}
	u.ID, u.FileName, u.Size = newID(), cleanFileName(u.FileName), int64(len(u.Data))
	if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_upload (id, company_id, session_id, kind, file_name, replace_all, data, created_at, size)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, d.companyID, d.sessionID, u.Kind, u.FileName, u.ReplaceAll, u.Data, d.st.now().UnixMicro(), u.Size); err != nil {
		return err
	}
	return tx.Commit()
}

// uploadReader reads an import file putImport kept, one part at a time.
// The upload must have been found with upload first: the parts are read by
// the upload's ID alone.
func (d companyData) uploadReader(ctx context.Context, u upload) io.Reader {
	return &partReader{ctx: ctx, db: d.st.db, id: u.ID}
}

// partReader reads the parts of a kept import file in order.
type partReader struct {
	ctx  context.Context
	db   *sql.DB
	id   string
	next int    // the part to read when buf is empty
	buf  []byte // what is left of the current part
	err  error  // sticky
}

// Read reads from the current part and fetches the next when it is used up.
func (p *partReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 && p.err == nil {
		err := p.db.QueryRowContext(p.ctx, `SELECT data FROM webapp_upload_part WHERE upload_id = $1 AND n = $2`, p.id, p.next).Scan(&p.buf)
		if errors.Is(err, sql.ErrNoRows) {
			p.err = io.EOF
		} else if err != nil {
			p.err = err
		}
		p.next++
	}
	if len(p.buf) == 0 {
		return 0, p.err
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// upload returns the session's live upload of the kind with the ID, or
// errNotFound. When take is set the upload is also removed, in the same
// statement, so that it can be used only once (a document's: an import
// file's parts are removed by dropUpload).
func (d companyData) upload(ctx context.Context, kind, id string, take bool) (upload, error) {
	verb := `SELECT id, kind, file_name, replace_all, data, size FROM webapp_upload`
	suffix := ""
	if take {
		verb, suffix = `DELETE FROM webapp_upload`, ` RETURNING id, kind, file_name, replace_all, data, size`
	}
	var u upload
	err := d.st.db.QueryRowContext(ctx, verb+` WHERE id = $1 AND company_id = $2 AND session_id = $3 AND kind = $4 AND created_at >= $5`+suffix,
		id, d.companyID, d.sessionID, kind, d.st.now().Add(-uploadLifetime).UnixMicro()).
		Scan(&u.ID, &u.Kind, &u.FileName, &u.ReplaceAll, &u.Data, &u.Size)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return u, err
}

// takeUpload removes the session's live upload of the kind with the ID in
// tx and returns it, or errNotFound: the upload is used up only if tx
// commits.
func (d companyData) takeUpload(ctx context.Context, tx *sql.Tx, kind, id string) (upload, error) {
	var u upload
	err := tx.QueryRowContext(ctx, `DELETE FROM webapp_upload
WHERE id = $1 AND company_id = $2 AND session_id = $3 AND kind = $4 AND created_at >= $5
RETURNING id, kind, file_name, replace_all, data`,
		id, d.companyID, d.sessionID, kind, d.st.now().Add(-uploadLifetime).UnixMicro()).
		Scan(&u.ID, &u.Kind, &u.FileName, &u.ReplaceAll, &u.Data)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return u, err
}

// dropUpload removes the session's upload with the ID, if there is one.
func (d companyData) dropUpload(ctx context.Context, id string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM webapp_upload WHERE id = $1 AND company_id = $2 AND session_id = $3`,
		id, d.companyID, d.sessionID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_upload_part WHERE upload_id = $1`, id); err != nil {
		return err
	}
	return tx.Commit()
}

// importLease is how long the import lock is held at most: a process that
// dies holding it does not block the company's imports for longer.
const importLease = 15 * time.Minute

// errImportBusy is returned by lockImport while another import of the
// company is being read, previewed or applied.
var errImportBusy = errors.New("webapp: an import is in progress")

// lockImport takes the company's import lock, which one request at a time
// holds while it reads, previews or applies an import file, also across
// app processes sharing the database. It returns the function that releases
// it, or errImportBusy.
func (d companyData) lockImport(ctx context.Context) (func(), error) {
	token, now := newID(), d.st.now()
	res, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_import_lock (company_id, token, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (company_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
WHERE webapp_import_lock.expires_at < $4`, d.companyID, token, now.Add(importLease).UnixMicro(), now.UnixMicro())
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, errImportBusy
	}
	return func() {
		d.st.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM webapp_import_lock WHERE company_id = $1 AND token = $2`, d.companyID, token)
	}, nil
}

// setFlash keeps a one-time message for the session: the text key and the
// subject it names (a customer number, say), shown once by the next page
// that takes it.
func (d companyData) setFlash(ctx context.Context, key, subject string) error {
	_, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_flash (session_id, message, subject, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (session_id) DO UPDATE SET message = excluded.message, subject = excluded.subject, created_at = excluded.created_at`,
		d.sessionID, key, subject, d.st.now().UnixMicro())
	return err
}

// takeFlash returns and removes the session's one-time message if its key
// starts with prefix (the page's own messages: "dir." on the directory),
// or "" for the key when there is none. Another page's message is left for
// that page.
func (d companyData) takeFlash(ctx context.Context, prefix string) (key, subject string, err error) {
	err = d.st.db.QueryRowContext(ctx, `DELETE FROM webapp_flash WHERE session_id = $1 AND substr(message, 1, $2) = $3 RETURNING message, subject`,
		d.sessionID, len(prefix), prefix).Scan(&key, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return key, subject, err
}

// listDirectory returns a page of the company's directory, limit entries
// from offset, with the customers' known names, and how many entries match
// in all. It reads the registry's table (its schema is documented in
// package sqlregistry) for what registry.Lister does not offer: sorting by
// the time of the last change, in both directions, and paging backwards.
// The search matches as sqlregistry's List does: the start of the customer
// number or a part of an address, ignoring case. sort is a key of dirSorts.
func (d companyData) listDirectory(ctx context.Context, search, sort string, offset, limit int) ([]dirRow, int, error) {
	where := ` WHERE r.tenant = $1`
	args := []any{d.companyID}
	if search != "" {
		folded := strings.ToLower(search)
		if strings.ContainsFunc(folded, unicode.IsControl) {
			return nil, 0, nil // customer numbers and addresses never hold one
		}
		addr := folded
		if strings.ContainsFunc(folded, unicode.IsSpace) {
			addr = "" // addresses hold no white space
		}
		strpos := "instr"
		if d.st.dialect == sqlregistry.Postgres {
			strpos = "strpos"
		}
		where += fmt.Sprintf(` AND (%[1]s(r.cn_fold, $2) = 1 OR ($3 <> '' AND %[1]s(r.addr_fold, $3) > 0))`, strpos)
		args = append(args, folded, addr)
	}
	var total int
	if err := d.st.db.QueryRowContext(ctx, `SELECT count(*) FROM jakelu_registry r`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := map[string]string{
		"customer":  `r.customer_number`,
		"-customer": `r.customer_number DESC`,
		"updated":   `r.updated_at, r.customer_number`,
		"-updated":  `r.updated_at DESC, r.customer_number`,
	}[sort]
	if order == "" {
		return nil, 0, fmt.Errorf("unknown sort order %q", sort)
	}
	rows, err := d.st.db.QueryContext(ctx, `SELECT r.customer_number, r.to_addrs, r.cc_addrs, r.language, r.profile, r.updated_at, coalesce(c.name, '')
FROM jakelu_registry r LEFT JOIN webapp_customer c ON c.company_id = r.tenant AND c.customer = r.customer_number`+where+
		fmt.Sprintf(` ORDER BY %s LIMIT %d OFFSET %d`, order, limit, offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []dirRow
	for rows.Next() {
		var row dirRow
		var to, cc, profile string
		var updated int64
		if err := rows.Scan(&row.CustomerNumber, &to, &cc, &row.Language, &profile, &updated, &row.Name); err != nil {
			return nil, 0, err
		}
		row.To, row.Cc = strings.Fields(to), strings.Fields(cc)
		row.Profile, row.UpdatedAt = registry.Profile(profile), time.UnixMicro(updated)
		out = append(out, row)
	}
	return out, total, rows.Err()
}

// maxCustomerName is the most characters of a customer's name kept.
const maxCustomerName = 200

// rememberCustomer keeps the name of the customer with the customer number,
// as the last document sent to it gave it, for the directory page. An empty
// customer number or name is not kept.
func (d companyData) rememberCustomer(ctx context.Context, customer, name string) error {
	name = cleanFileName(name) // the same rules: valid UTF-8, one line, bounded
	if utf8.RuneCountInString(name) > maxCustomerName {
		name = string([]rune(name)[:maxCustomerName])
	}
	if customer == "" || name == "" || !utf8.ValidString(customer) || strings.IndexByte(customer, 0) >= 0 {
		return nil
	}
	_, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_customer (company_id, customer, name, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (company_id, customer) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
		d.companyID, customer, name, d.st.now().UnixMicro())
	return err
}

// customerNames returns the known names of the customer numbers.
func (d companyData) customerNames(ctx context.Context, customers []string) (map[string]string, error) {
	names := make(map[string]string)
	if len(customers) == 0 {
		return names, nil
	}
	args := []any{d.companyID}
	marks := make([]string, len(customers))
	for i, c := range customers {
		args = append(args, c)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := d.st.db.QueryContext(ctx, `SELECT customer, name FROM webapp_customer WHERE company_id = $1 AND customer IN (`+
		strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		names[c] = n
	}
	return names, rows.Err()
}

// auditEntry is one line of a company's audit trail: who did what to what,
// when, and the subject before and after (as JSON, "" when there was none).
// The app only ever adds entries; it never edits or deletes them.
type auditEntry struct {
	ID      string
	At      time.Time
	User    string
	Action  string // what was done, e.g. "entry.update", "settings.update"
	Subject string // what it was done to, e.g. a customer number
	Before  string
	After   string
}

// audit adds an entry to the company's audit trail, setting its ID and
// time. before and after are stored as JSON; nil stores "".
func (d companyData) audit(ctx context.Context, user, action, subject string, before, after any) error {
	return d.auditIn(ctx, d.st.db, user, action, subject, before, after)
}

// auditIn adds an entry as audit does, through ex: a transaction, so that
// the entry is written together with the change it records, or not at all.
func (d companyData) auditIn(ctx context.Context, ex execer, user, action, subject string, before, after any) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, `INSERT INTO webapp_audit (company_id, id, created_at, user_email, action, subject, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.companyID, newID(), d.st.now().UnixMicro(), user, action, validUTF8(subject), b, a)
	return err
}
