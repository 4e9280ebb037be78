package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// usersSchema adds the tables of invitations and password resets and of
// the app's own secrets to schema. An invite or reset token is stored only
// as its SHA-256 (as session tokens are), so a leaked database holds no
// usable link.
const usersSchema = `
CREATE TABLE IF NOT EXISTS webapp_token (
	id         TEXT PRIMARY KEY,
	company_id TEXT NOT NULL REFERENCES webapp_company (id),
	kind       TEXT NOT NULL,
	email      TEXT NOT NULL,
	role       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS webapp_token_company ON webapp_token (company_id, kind, email);
CREATE TABLE IF NOT EXISTS webapp_secret (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`

// sessionColumns are the columns of webapp_session that earlier versions
// of the app created the table without; migrate adds them.
var sessionColumns = []struct{ name, def string }{
	{"created_at", "BIGINT NOT NULL DEFAULT 0"},
	{"last_seen", "BIGINT NOT NULL DEFAULT 0"},
	{"client", "TEXT NOT NULL DEFAULT ''"},
	{"user_agent", "TEXT NOT NULL DEFAULT ''"},
}

// Kinds of one-time links, and how long each works.
const (
	tokenInvite    = "invite"
	tokenReset     = "reset"
	inviteLifetime = 72 * time.Hour
	resetLifetime  = 24 * time.Hour
)

// Errors of user administration, shown to the admin in words.
var (
	errLastAdmin  = errors.New("webapp: the company's last admin cannot be removed or made a clerk")
	errUserExists = errors.New("webapp: the address already has an account")
)

// execer is what both *sql.DB and *sql.Tx offer to run a statement.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// queryer is what both *sql.DB and *sql.Tx offer to read a row.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// clientInfo describes the browser a session was started from, for the
// user's list of sessions.
type clientInfo struct {
	Address   string
	UserAgent string
}

// maxUserAgent bounds the user agent stored with a session.
const maxUserAgent = 300

// insertSession stores a new session of u and returns its cookie token.
func insertSession(ctx context.Context, ex execer, now time.Time, u user, cl clientInfo) (string, error) {
	token := newID()
	ua := cl.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	_, err := ex.ExecContext(ctx, `INSERT INTO webapp_session (id, email, company_id, csrf, expires_at, created_at, last_seen, client, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)`,
		sessionID(token), u.Email, u.CompanyID, newID(), now.Add(sessionLifetime).UnixMicro(), now.UnixMicro(), cl.Address, validUTF8(ua))
	return token, err
}

// validUTF8 replaces invalid UTF-8 in s, which PostgreSQL would refuse to
// store.
func validUTF8(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

// touch records that the session made a request now.
func (s *store) touch(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE webapp_session SET last_seen = $1 WHERE id = $2`, s.now().UnixMicro(), id)
	return err
}

// secret returns the app's secret of the name: 32 random bytes made on
// first use and kept in the database, so that every app process on the
// same database shares it.
func (s *store) secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	enc := base64.RawStdEncoding
	if _, err := s.db.ExecContext(ctx, `INSERT INTO webapp_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, enc.EncodeToString(fresh)); err != nil {
		return nil, err
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM webapp_secret WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, err
	}
	return enc.DecodeString(v)
}

// sessionInfo is one of a user's sessions as the account page lists it.
type sessionInfo struct {
	ID        string
	Created   time.Time
	LastSeen  time.Time
	Client    string
	UserAgent string
	Current   bool // the session of the request
}

// sessions returns the live sessions of the signed-in user, most recently
// seen first.
func (d companyData) sessions(ctx context.Context, email string) ([]sessionInfo, error) {
	rows, err := d.st.db.QueryContext(ctx, `SELECT id, created_at, last_seen, client, user_agent FROM webapp_session
WHERE company_id = $1 AND email = $2 AND expires_at >= $3 ORDER BY last_seen DESC, id`, d.companyID, email, d.st.now().UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sessionInfo
	for rows.Next() {
		var si sessionInfo
		var created, seen int64
		if err := rows.Scan(&si.ID, &created, &seen, &si.Client, &si.UserAgent); err != nil {
			return nil, err
		}
		si.Created, si.LastSeen, si.Current = time.UnixMicro(created), time.UnixMicro(seen), si.ID == d.sessionID
		out = append(out, si)
	}
	return out, rows.Err()
}

// revokeSession ends one session of the user, recording it in the audit
// trail in the same transaction, or reports errNotFound.
func (d companyData) revokeSession(ctx context.Context, email, id string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var created int64
	var client, ua string
	err = tx.QueryRowContext(ctx, `DELETE FROM webapp_session WHERE id = $1 AND company_id = $2 AND email = $3
RETURNING created_at, client, user_agent`, id, d.companyID, email).Scan(&created, &client, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	} else if err != nil {
		return err
	}
	before := map[string]any{"Created": time.UnixMicro(created).UTC(), "Client": client, "UserAgent": ua}
	if err := d.auditIn(ctx, tx, email, "session.revoke", email, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// endSessions ends every session of the user, recording it.
func (d companyData) endSessions(ctx context.Context, email string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM webapp_session WHERE company_id = $1 AND email = $2`, d.companyID, email)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if err := d.auditIn(ctx, tx, email, "session.revokeAll", email, map[string]any{"Sessions": n}, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// companyUser is a user as the users page lists it.
type companyUser struct {
	Email   string
	Role    string
	Created time.Time
}

// users returns the company's users, by e-mail address.
func (d companyData) users(ctx context.Context) ([]companyUser, error) {
	rows, err := d.st.db.QueryContext(ctx, `SELECT email, role, created_at FROM webapp_user WHERE company_id = $1 ORDER BY email`, d.companyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []companyUser
	for rows.Next() {
		var u companyUser
		var created int64
		if err := rows.Scan(&u.Email, &u.Role, &created); err != nil {
			return nil, err
		}
		u.Created = time.UnixMicro(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// lockCompany makes a transaction wait for any other that changes the
// company's users, on SQLite and PostgreSQL alike (a write to the
// company's row), so that two admins demoting each other at once cannot
// leave the company without one.
func (d companyData) lockCompany(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE webapp_company SET name = name WHERE id = $1`, d.companyID)
	return err
}

// userRole returns the role of the company's user, or errNotFound.
func (d companyData) userRole(ctx context.Context, tx *sql.Tx, email string) (string, error) {
	var role string
	err := tx.QueryRowContext(ctx, `SELECT role FROM webapp_user WHERE company_id = $1 AND email = $2`, d.companyID, email).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return role, err
}

// keepAdmin returns errLastAdmin when the user email, whose role is role,
// is the company's only admin: the user may then be neither removed nor
// made a clerk. Call it after lockCompany.
func (d companyData) keepAdmin(ctx context.Context, tx *sql.Tx, email, role string) error {
	if role != roleAdmin {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webapp_user WHERE company_id = $1 AND role = $2 AND email <> $3`,
		d.companyID, roleAdmin, email).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errLastAdmin
	}
	return nil
}

// setRole changes the role of a user of the company, by actor. The last
// admin cannot become a clerk (errLastAdmin).
func (d companyData) setRole(ctx context.Context, actor, email, role string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.lockCompany(ctx, tx); err != nil {
		return err
	}
	old, err := d.userRole(ctx, tx, email)
	if err != nil || old == role {
		return err
	}
	if err := d.keepAdmin(ctx, tx, email, old); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webapp_user SET role = $1 WHERE company_id = $2 AND email = $3`, role, d.companyID, email); err != nil {
		return err
	}
	if err := d.auditIn(ctx, tx, actor, "user.role", email, map[string]string{"Role": old}, map[string]string{"Role": role}); err != nil {
		return err
	}
	return tx.Commit()
}

// removeUser removes a user of the company, its sessions and its pending
// links, by actor. The last admin cannot be removed (errLastAdmin).
func (d companyData) removeUser(ctx context.Context, actor, email string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.lockCompany(ctx, tx); err != nil {
		return err
	}
	role, err := d.userRole(ctx, tx, email)
	if err != nil {
		return err
	}
	if err := d.keepAdmin(ctx, tx, email, role); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM webapp_session WHERE company_id = $1 AND email = $2`,
		`DELETE FROM webapp_token WHERE company_id = $1 AND email = $2`,
		`DELETE FROM webapp_user WHERE company_id = $1 AND email = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, d.companyID, email); err != nil {
			return err
		}
	}
	if err := d.auditIn(ctx, tx, actor, "user.remove", email, map[string]string{"Email": email, "Role": role}, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// createLink makes a one-time link of the kind (tokenInvite or
// tokenReset) for email, by actor, and returns its token and when it
// expires. An invitation needs an address without an account
// (errUserExists), a reset a user of the company (errNotFound). A new link
// replaces an earlier one of the same kind for the address.
func (d companyData) createLink(ctx context.Context, actor, kind, email, role string) (string, time.Time, error) {
	now := d.st.now()
	lifetime := inviteLifetime
	if kind == tokenReset {
		lifetime = resetLifetime
	}
	expires := now.Add(lifetime)
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return "", expires, err
	}
	defer tx.Rollback()
	if err := d.lockCompany(ctx, tx); err != nil {
		return "", expires, err
	}
	var company, current string // the account of the address, if it has one
	err = tx.QueryRowContext(ctx, `SELECT company_id, role FROM webapp_user WHERE email = $1`, email).Scan(&company, &current)
	switch {
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return "", expires, err
	case kind == tokenInvite && err == nil:
		return "", expires, errUserExists
	case kind == tokenReset && (err != nil || company != d.companyID):
		return "", expires, errNotFound
	}
	if kind == tokenReset {
		role = current
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_token WHERE (company_id = $1 AND kind = $2 AND email = $3) OR expires_at < $4`,
		d.companyID, kind, email, now.UnixMicro()); err != nil {
		return "", expires, err
	}
	token := newID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_token (id, company_id, kind, email, role, created_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sessionID(token), d.companyID, kind, email, role, actor, now.UnixMicro(), expires.UnixMicro()); err != nil {
		return "", expires, err
	}
	after := map[string]any{"Expires": expires.UTC()}
	if kind == tokenInvite {
		after["Role"] = role
	}
	if err := d.auditIn(ctx, tx, actor, "user."+kind, email, nil, after); err != nil {
		return "", expires, err
	}
	return token, expires, tx.Commit()
}

// pendingInvite is an invitation not yet accepted, as the users page lists
// it.
type pendingInvite struct {
	ID      string // the token's hash, to cancel it by
	Email   string
	Role    string
	By      string
	Expires time.Time
}

// invites returns the company's invitations that can still be accepted.
func (d companyData) invites(ctx context.Context) ([]pendingInvite, error) {
	rows, err := d.st.db.QueryContext(ctx, `SELECT id, email, role, created_by, expires_at FROM webapp_token
WHERE company_id = $1 AND kind = $2 AND expires_at >= $3 ORDER BY email`, d.companyID, tokenInvite, d.st.now().UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingInvite
	for rows.Next() {
		var p pendingInvite
		var expires int64
		if err := rows.Scan(&p.ID, &p.Email, &p.Role, &p.By, &expires); err != nil {
			return nil, err
		}
		p.Expires = time.UnixMicro(expires)
		out = append(out, p)
	}
	return out, rows.Err()
}

// cancelInvite withdraws a pending invitation of the company, by actor, or
// reports errNotFound.
func (d companyData) cancelInvite(ctx context.Context, actor, id string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var email string
	err = tx.QueryRowContext(ctx, `DELETE FROM webapp_token WHERE id = $1 AND company_id = $2 AND kind = $3 RETURNING email`,
		id, d.companyID, tokenInvite).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	} else if err != nil {
		return err
	}
	if err := d.auditIn(ctx, tx, actor, "user.inviteCancel", email, nil, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// link is a live one-time link: whom it is for and what it does.
type link struct {
	Kind      string
	Email     string
	Role      string
	CompanyID string
	Company   string // the company's name
	Expires   time.Time
}

// link returns the live link of the kind with the token, or errNotFound
// for one that never existed, was used or has expired.
func (s *store) link(ctx context.Context, kind, token string) (link, error) {
	l := link{Kind: kind}
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT t.email, t.role, t.company_id, c.name, t.expires_at
FROM webapp_token t JOIN webapp_company c ON c.id = t.company_id WHERE t.id = $1 AND t.kind = $2 AND t.expires_at >= $3`,
		sessionID(token), kind, s.now().UnixMicro()).Scan(&l.Email, &l.Role, &l.CompanyID, &l.Company, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	l.Expires = time.UnixMicro(expires)
	return l, err
}

// redeem uses a one-time link: it sets the password (hash) of the invited
// user, creating the user, or of the user whose password is reset, ending
// all of that user's sessions; then it starts a session for the client and
// returns its cookie token. It all happens in one transaction that also
// removes the link, so the link works once. A used, expired or unknown
// link is errNotFound; an invited address that got an account meanwhile is
// errUserExists.
func (s *store) redeem(ctx context.Context, kind, token, hash string, cl clientInfo) (string, error) {
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var u user
	err = tx.QueryRowContext(ctx, `DELETE FROM webapp_token WHERE id = $1 AND kind = $2 AND expires_at >= $3 RETURNING email, company_id, role`,
		sessionID(token), kind, now.UnixMicro()).Scan(&u.Email, &u.CompanyID, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	} else if err != nil {
		return "", err
	}
	d := companyData{st: s, companyID: u.CompanyID}
	action := "user.join"
	if kind == tokenInvite {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webapp_user WHERE email = $1`, u.Email).Scan(&n); err != nil {
			return "", err
		} else if n > 0 {
			return "", errUserExists
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webapp_user (email, company_id, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)`,
			u.Email, u.CompanyID, hash, u.Role, now.UnixMicro()); err != nil {
			return "", err
		}
	} else {
		action = "user.resetDone"
		res, err := tx.ExecContext(ctx, `UPDATE webapp_user SET password_hash = $1 WHERE email = $2 AND company_id = $3`, hash, u.Email, u.CompanyID)
		if err != nil {
			return "", err
		}
		if n, err := res.RowsAffected(); err != nil {
			return "", err
		} else if n == 0 {
			return "", errNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webapp_session WHERE email = $1`, u.Email); err != nil {
			return "", err
		}
	}
	session, err := insertSession(ctx, tx, now, u, cl)
	if err != nil {
		return "", err
	}
	var after any
	if kind == tokenInvite {
		after = map[string]string{"Role": u.Role}
	}
	if err := d.auditIn(ctx, tx, u.Email, action, u.Email, nil, after); err != nil {
		return "", err
	}
	return session, tx.Commit()
}

// changePassword sets the signed-in user's password hash and ends the
// user's other sessions, keeping the session of the request.
func (d companyData) changePassword(ctx context.Context, email, hash string) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE webapp_user SET password_hash = $1 WHERE company_id = $2 AND email = $3`, hash, d.companyID, email); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM webapp_session WHERE company_id = $1 AND email = $2 AND id <> $3`, d.companyID, email, d.sessionID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if err := d.auditIn(ctx, tx, email, "user.password", email, nil, map[string]any{"OtherSessionsEnded": n}); err != nil {
		return err
	}
	return tx.Commit()
}
