package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
)

// updateSettings stores the company's settings for user and records the
// change, before and after, in the audit trail, in one transaction.
func (d companyData) updateSettings(ctx context.Context, user string, s distribution.Settings) error {
	tx, err := d.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.lockCompany(ctx, tx); err != nil {
		return err
	}
	old, err := d.settingsIn(ctx, tx)
	if err != nil {
		return err
	}
	if err := d.saveSettingsIn(ctx, tx, s); err != nil {
		return err
	}
	if err := d.auditIn(ctx, tx, user, "settings.update", "", auditedSettingsOf(old), auditedSettingsOf(s)); err != nil {
		return err
	}
	return tx.Commit()
}

// auditEntries returns up to limit entries of the company's audit trail
// that match f, newest first, after the cursor, and the next page's cursor
// (zero when there is none). Dates that do not parse do not filter; the
// page says so.
func (d companyData) auditEntries(ctx context.Context, f auditFilter, after auditCursor, limit int) ([]auditEntry, auditCursor, error) {
	q := `SELECT id, created_at, user_email, action, subject, before, after FROM webapp_audit WHERE company_id = $1`
	args := []any{d.companyID}
	cond := func(c string, v ...any) {
		for i := range v {
			c = strings.Replace(c, "?", "$"+strconv.Itoa(len(args)+i+1), 1)
		}
		q += " AND " + c
		args = append(args, v...)
	}
	if f.User != "" {
		cond(`user_email = ?`, f.User)
	}
	if f.Action != "" {
		cond(`action = ?`, f.Action)
	}
	if s := strings.TrimSpace(f.Subject); s != "" {
		cond(`lower(subject) LIKE ? ESCAPE '\'`, likePattern(s))
	}
	if t, ok := parseDate(f.From); ok {
		cond(`created_at >= ?`, t.UnixMicro())
	}
	if t, ok := parseDate(f.To); ok {
		cond(`created_at < ?`, t.AddDate(0, 0, 1).UnixMicro())
	}
	if after.ID != "" {
		cond(`(created_at < ? OR (created_at = ? AND id < ?))`, after.At, after.At, after.ID)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit+1)
	rows, err := d.st.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, auditCursor{}, err
	}
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var e auditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Action, &e.Subject, &e.Before, &e.After); err != nil {
			return nil, auditCursor{}, err
		}
		e.At = time.UnixMicro(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, auditCursor{}, err
	}
	var next auditCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = auditCursor{At: last.At.UnixMicro(), ID: last.ID}
	}
	return out, next, nil
}

// auditChoices returns the users and the actions that occur in the
// company's audit trail, sorted, for the filter's lists.
func (d companyData) auditChoices(ctx context.Context) (users, actions []string, err error) {
	for _, c := range []struct {
		column string
		out    *[]string
	}{{"user_email", &users}, {"action", &actions}} {
		rows, err := d.st.db.QueryContext(ctx, `SELECT DISTINCT `+c.column+` FROM webapp_audit WHERE company_id = $1 ORDER BY `+c.column, d.companyID)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, nil, err
			}
			*c.out = append(*c.out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return users, actions, nil
}
