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
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
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
	expires_at BIGINT NOT NULL
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
	created_at  BIGINT NOT NULL
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
	ddl := schema
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
		// Rows sent at once by a previous version: their outcome is final.
		`UPDATE webapp_delivery SET state = outcome, updated_at = created_at WHERE state = '' AND outbox_id = 0 AND scan_outbox_id = 0`,
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
	ID      string // the SHA-256 of the cookie's token; the token itself is never stored
	Email   string
	Role    string // the user's role: roleAdmin or roleClerk
	Company company
	CSRF    string // the token every form of this session carries
}

// sessionID returns the key under which the session of a cookie token is
// stored, so that a leaked database does not leak usable cookies.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// purge removes expired sessions and uploads.
func (s *store) purge(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webapp_session WHERE expires_at < $1`, now.UnixMicro()); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM webapp_upload WHERE created_at < $1`, now.Add(-uploadLifetime).UnixMicro())
	return err
}

// createSession starts a session for u and returns the cookie token. It
// also removes expired sessions and uploads.
func (s *store) createSession(ctx context.Context, u user) (string, error) {
	if err := s.purge(ctx); err != nil {
		return "", err
	}
	now := s.now()
	token := newID()
	_, err := s.db.ExecContext(ctx, `INSERT INTO webapp_session (id, email, company_id, csrf, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		sessionID(token), u.Email, u.CompanyID, newID(), now.Add(sessionLifetime).UnixMicro())
	return token, err
}

// session returns the live session of a cookie token, or errNotFound.
func (s *store) session(ctx context.Context, token string) (session, error) {
	ss := session{ID: sessionID(token)}
	err := s.db.QueryRowContext(ctx, `SELECT s.email, u.role, s.csrf, c.id, c.name
FROM webapp_session s JOIN webapp_company c ON c.id = s.company_id JOIN webapp_user u ON u.email = s.email
WHERE s.id = $1 AND s.expires_at >= $2`, ss.ID, s.now().UnixMicro()).
		Scan(&ss.Email, &ss.Role, &ss.CSRF, &ss.Company.ID, &ss.Company.Name)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
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
	s := distribution.Settings{Directory: true, Precedence: distribution.DocumentFirst, Language: "fi"}
	var precedence string
	err := d.st.db.QueryRowContext(ctx, `SELECT enabled, document_address, directory, precedence, from_name, reply_to, language
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
	_, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_settings
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

// execer is what a statement runs on: the database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// addDelivery records a delivery, setting its ID and time.
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
	dl.ID, dl.At = newID(), d.st.now()
	dl.UpdatedAt = dl.At
	if dl.State == "" {
		dl.State = string(dl.Outcome)
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
	if updated != 0 {
		dl.UpdatedAt = time.UnixMicro(updated)
	}
	if handled != 0 {
		dl.HandledAt = time.UnixMicro(handled)
	}
	if err := json.Unmarshal([]byte(plan), &dl.Plan); err != nil {
		return dl, fmt.Errorf("delivery %s: stored plan: %w", dl.ID, err)
	}
	if err := json.Unmarshal([]byte(rcpts), &dl.Recipients); err != nil {
		return dl, fmt.Errorf("delivery %s: stored recipients: %w", dl.ID, err)
	}
	return dl, nil
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

// deliveries returns up to limit deliveries of the company, most recent
// first, starting after the cursor, and the cursor of the next page (zero
// when there is none).
func (d companyData) deliveries(ctx context.Context, after deliveryCursor, limit int) ([]delivery, deliveryCursor, error) {
	q := `SELECT ` + deliveryColumns + ` FROM webapp_delivery WHERE company_id = $1`
	args := []any{d.companyID}
	if after.ID != "" {
		q += ` AND (created_at < $2 OR (created_at = $2 AND id < $3))`
		args = append(args, after.At, after.ID)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit+1)
	rows, err := d.st.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, deliveryCursor{}, err
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, deliveryCursor{}, err
		}
		out = append(out, dl)
	}
	if err := rows.Err(); err != nil {
		return nil, deliveryCursor{}, err
	}
	var next deliveryCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = deliveryCursor{At: last.At.UnixMicro(), ID: last.ID}
	}
	return out, next, nil
}

// upload is a file a user uploaded and has yet to confirm: an import file
// between its preview and the import, or a document between its routing
// plan and sending it. It belongs to the session that uploaded it and
// expires after uploadLifetime.
type upload struct {
	ID         string
	Kind       string // "import" or "send"
	FileName   string
	ReplaceAll bool // for an import: delete the customers not in the file
	Data       []byte
}

// putUpload keeps an upload for the session and sets its ID. It also
// removes expired sessions and uploads.
func (d companyData) putUpload(ctx context.Context, u *upload) error {
	if err := d.st.purge(ctx); err != nil {
		return err
	}
	u.ID = newID()
	_, err := d.st.db.ExecContext(ctx, `INSERT INTO webapp_upload (id, company_id, session_id, kind, file_name, replace_all, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, d.companyID, d.sessionID, u.Kind, u.FileName, u.ReplaceAll, u.Data, d.st.now().UnixMicro())
	return err
}

// upload returns the session's live upload of the kind with the ID, or
// errNotFound. When take is set the upload is also removed, in the same
// statement, so that it can be used only once.
func (d companyData) upload(ctx context.Context, kind, id string, take bool) (upload, error) {
	verb := `SELECT id, kind, file_name, replace_all, data FROM webapp_upload`
	suffix := ""
	if take {
		verb, suffix = `DELETE FROM webapp_upload`, ` RETURNING id, kind, file_name, replace_all, data`
	}
	var u upload
	err := d.st.db.QueryRowContext(ctx, verb+` WHERE id = $1 AND company_id = $2 AND session_id = $3 AND kind = $4 AND created_at >= $5`+suffix,
		id, d.companyID, d.sessionID, kind, d.st.now().Add(-uploadLifetime).UnixMicro()).
		Scan(&u.ID, &u.Kind, &u.FileName, &u.ReplaceAll, &u.Data)
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
	_, err := d.st.db.ExecContext(ctx, `DELETE FROM webapp_upload WHERE id = $1 AND company_id = $2 AND session_id = $3`,
		id, d.companyID, d.sessionID)
	return err
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
	_, err = d.st.db.ExecContext(ctx, `INSERT INTO webapp_audit (company_id, id, created_at, user_email, action, subject, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.companyID, newID(), d.st.now().UnixMicro(), user, action, subject, b, a)
	return err
}
