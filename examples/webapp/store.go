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
	for _, c := range deliveryUpgrade {
		if err := s.addColumn(ctx, tx, "webapp_delivery", c[0], c[1]); err != nil {
			return err
		}
	}
	if err := backfillDeliveries(ctx, tx); err != nil {
		return err
	}
	for _, c := range sessionColumns {
		if err := s.addColumn(ctx, tx, "webapp_session", c.name, c.def); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// deliveryUpgrade are the columns of webapp_delivery that came after its
// first version (name, definition), added to older databases by migrate.
var deliveryUpgrade = [][2]string{
	{"outbox_id", "BIGINT NOT NULL DEFAULT 0"},
	{"scan_outbox_id", "BIGINT NOT NULL DEFAULT 0"},
	{"state", "TEXT NOT NULL DEFAULT ''"},
	{"customer", "TEXT NOT NULL DEFAULT ''"},
	{"buyer", "TEXT NOT NULL DEFAULT ''"},
	{"updated_at", "BIGINT NOT NULL DEFAULT 0"},
	{"handled_by", "TEXT NOT NULL DEFAULT ''"},
	{"handled_at", "BIGINT NOT NULL DEFAULT 0"},
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

// purge removes expired sessions and uploads.
func (s *store) purge(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webapp_session WHERE expires_at < $1`, now.UnixMicro()); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM webapp_upload WHERE created_at < $1`, now.Add(-uploadLifetime).UnixMicro())
	return err
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
type delivery struct {
	ID         string
	At         time.Time
	User       string
	File       string
	Number     string
	Outcome    distribution.Outcome
	MessageID  string
	Plan       *distribution.Plan // nil when routing did not start
	Recipients []distribution.RecipientSummary
	Error      string // technical detail (English) when the outcome is not Sent

	OutboxID     int64  // the outbox message of the document, 0 when it never reached the outbox
	ScanOutboxID int64  // the outbox message of its scanning-service e-mail, 0 when none
	State        string // the document's combined state (see deliveryStates)
	Customer     string // the buyer's customer number, "" when the document has none
	Buyer        string // the buyer's name, "" when the document has none
	UpdatedAt    time.Time
	HandledBy    string    // who marked it handled (an e-mail address), "" when nobody did
	HandledAt    time.Time // when; the zero time when nobody did
}

// addDelivery records a delivery, setting its ID and time.
func (d companyData) addDelivery(ctx context.Context, dl *delivery) error {
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
	_, err = d.st.db.ExecContext(ctx, `INSERT INTO webapp_delivery
(company_id, id, created_at, user_email, file_name, number, outcome, message_id, plan, recipients, error,
	outbox_id, scan_outbox_id, state, customer, buyer, updated_at, handled_by, handled_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		d.companyID, dl.ID, dl.At.UnixMicro(), dl.User, dl.File, dl.Number, string(dl.Outcome), dl.MessageID,
		string(plan), string(rcpts), dl.Error,
		dl.OutboxID, dl.ScanOutboxID, dl.State, dl.Customer, dl.Buyer, dl.UpdatedAt.UnixMicro(), dl.HandledBy, microsOf(dl.HandledAt))
	return err
}

// deliveryColumns are the columns scanDelivery reads, in its order.
const deliveryColumns = `id, created_at, user_email, file_name, number, outcome, message_id, plan, recipients, error,
	outbox_id, scan_outbox_id, state, customer, buyer, updated_at, handled_by, handled_at`

// scanDelivery reads a row of deliveryColumns.
func scanDelivery(row interface{ Scan(...any) error }) (delivery, error) {
	var (
		dl                   delivery
		at, updated, handled int64
		outcome              string
		plan, rcpts          string
	)
	if err := row.Scan(&dl.ID, &at, &dl.User, &dl.File, &dl.Number, &outcome, &dl.MessageID, &plan, &rcpts, &dl.Error,
		&dl.OutboxID, &dl.ScanOutboxID, &dl.State, &dl.Customer, &dl.Buyer, &updated, &dl.HandledBy, &handled); err != nil {
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
