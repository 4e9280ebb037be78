package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
)

// auditedEntry is a directory entry as the audit trail records it: what
// the clerk keeps, without the time it was stored.
type auditedEntry struct {
	CustomerNumber string
	To             []string
	Cc             []string `json:",omitempty"`
	Language       string   `json:",omitempty"`
	Profile        string   `json:",omitempty"`
}

// audited returns the audit trail's record of an entry.
func audited(e registry.Entry) auditedEntry {
	return auditedEntry{CustomerNumber: e.CustomerNumber, To: e.To, Cc: e.Cc, Language: e.Language, Profile: string(e.Profile.Effective())}
}

// putEntry stores a directory entry and records the change in the audit
// trail: old is the entry as it was, nil for a new one. The registry's own
// objections (a *registry.EntryError) come back unchanged. The directory
// and the trail are not one transaction, so when the entry cannot be
// recorded the change is undone and the error returned.
func (sc *scope) putEntry(ctx context.Context, old *registry.Entry, e registry.Entry) error {
	if err := sc.dir.Put(ctx, e); err != nil {
		return err
	}
	action, before := "entry.add", any(nil)
	if old != nil {
		action, before = "entry.update", audited(*old)
	}
	if err := sc.audit(ctx, action, e.CustomerNumber, before, audited(e)); err != nil {
		undo := func() error { return sc.dir.Delete(ctx, e.CustomerNumber) }
		if old != nil {
			undo = func() error { return sc.dir.Put(ctx, *old) }
		}
		return errors.Join(fmt.Errorf("recording the change of %s in the audit trail, so it was undone: %w", e.CustomerNumber, err), undo())
	}
	return nil
}

// addEntries adds new directory entries in one step (all or none) and
// records each in the audit trail; when they cannot be recorded, the
// entries are deleted again and the error returned.
func (sc *scope) addEntries(ctx context.Context, entries []registry.Entry) error {
	if _, err := sc.dir.Apply(ctx, registry.Batch{Put: entries}); err != nil {
		return err
	}
	for _, e := range entries {
		if err := sc.audit(ctx, "entry.add", e.CustomerNumber, nil, audited(e)); err != nil {
			undo := registry.Batch{}
			for _, e := range entries {
				undo.Delete = append(undo.Delete, e.CustomerNumber)
			}
			_, uerr := sc.dir.Apply(ctx, undo)
			return errors.Join(fmt.Errorf("recording the new entry %s in the audit trail, so the entries were not added: %w", e.CustomerNumber, err), uerr)
		}
	}
	return nil
}

// deleteEntry deletes a directory entry (old, as it was looked up) and
// records it in the audit trail; when it cannot be recorded, the entry is
// put back and the error returned. A missing entry is registry.ErrNotFound.
func (sc *scope) deleteEntry(ctx context.Context, old registry.Entry) error {
	if err := sc.dir.Delete(ctx, old.CustomerNumber); err != nil {
		return err
	}
	if err := sc.audit(ctx, "entry.delete", old.CustomerNumber, audited(old), nil); err != nil {
		return errors.Join(fmt.Errorf("recording the deletion of %s in the audit trail, so it was undone: %w", old.CustomerNumber, err),
			sc.dir.Put(ctx, old))
	}
	return nil
}

// auditedSettings are a company's settings as the audit trail records them:
// the fields the company sets.
type auditedSettings struct {
	Enabled         bool
	DocumentAddress bool
	Directory       bool
	Precedence      string
	FromName        string
	ReplyTo         string
	Language        string
}

// auditedSettingsOf returns the audit trail's record of settings.
func auditedSettingsOf(s distribution.Settings) auditedSettings {
	return auditedSettings{Enabled: s.Enabled, DocumentAddress: s.DocumentAddress, Directory: s.Directory,
		Precedence: string(s.Precedence), FromName: s.FromName, ReplyTo: s.ReplyTo, Language: s.Language}
}

// auditedImport is what the audit trail records of an import.
type auditedImport struct {
	File       string
	Added      int
	Changed    int
	Deleted    int
	ReplaceAll bool
}

// auditFilter narrows the audit trail; empty fields do not filter.
type auditFilter struct {
	User    string
	Action  string
	Subject string // a part of the subject, in any case
	From    string // a date, as entered
	To      string // a date, as entered; the whole day is included
}

// auditCursor marks where a page of the audit trail ends: the last
// entry's time (microseconds) and ID. Its zero value is the newest entry.
type auditCursor struct {
	At int64
	ID string
}

// String encodes the cursor for a URL.
func (c auditCursor) String() string { return fmt.Sprintf("%d.%s", c.At, c.ID) }

// parseAuditCursor decodes a cursor made by auditCursor.String; "" and
// anything malformed give the zero cursor (the first page).
func parseAuditCursor(s string) auditCursor {
	at, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return auditCursor{}
	}
	return auditCursor{At: n, ID: id}
}

// fieldChange is one field of an audit entry's subject, before and after.
type fieldChange struct {
	Field         string
	Before, After string
}

// auditRow is an audit entry as the page and the export show it.
type auditRow struct {
	auditEntry
	Label   string        // the action in words
	Changes []fieldChange // what changed, field by field
}

// auditActions are the actions the app records, each with its words
// (audit.action.*); an action without words is shown as it is.
var auditActions = []string{"settings.update", "entry.add", "entry.update", "entry.delete", "import",
	"user.invite", "user.inviteCancel", "user.join", "user.role", "user.remove", "user.reset", "user.resetDone",
	"user.password", "session.revoke", "session.revokeAll",
	"delivery.send", "delivery.resend", "delivery.resendFailed", "delivery.release", "delivery.dismiss", "delivery.cancel",
	"delivery.handled", "suppression.remove"}

// auditFields are the fields of before and after that have words
// (audit.field.*); other fields are shown by their JSON names.
var auditFields = []string{"CustomerNumber", "To", "Cc", "Language", "Profile", "Enabled", "DocumentAddress",
	"Directory", "Precedence", "FromName", "ReplyTo", "File", "Added", "Changed", "Deleted", "ReplaceAll",
	"Role", "Expires", "Email", "Sessions", "OtherSessionsEnded", "Created", "Client", "UserAgent"}

// actionLabel is an action in words, or the action itself when the app
// has no words for it.
func actionLabel(lang, action string) string {
	if slices.Contains(auditActions, action) {
		return translate(lang, "audit.action."+action)
	}
	return action
}

// auditValue writes one JSON value of an audit entry readably: lists
// joined by commas, times as the language writes them, true and false in
// words.
func auditValue(lang string, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return formatTime(lang, t, true)
		}
		return v
	case bool:
		if v {
			return translate(lang, "audit.yes")
		}
		return translate(lang, "audit.no")
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = auditValue(lang, x)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// auditChanges compares the before and after JSON of an entry field by
// field: for a change only the fields that differ, for an addition or a
// removal every field that has a value. A value that is not a JSON object
// is one field without a name.
func auditChanges(lang, before, after string) []fieldChange {
	decode := func(s string) (map[string]any, any) {
		if s == "" {
			return map[string]any{}, nil
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, s
		}
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
		return nil, v
	}
	bm, bv := decode(before)
	am, av := decode(after)
	if bm == nil || am == nil {
		return []fieldChange{{Before: auditValue(lang, bv), After: auditValue(lang, av)}}
	}
	var keys []string
	for k := range bm {
		keys = append(keys, k)
	}
	for k := range am {
		if _, ok := bm[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []fieldChange
	for _, k := range keys {
		b, a := auditValue(lang, bm[k]), auditValue(lang, am[k])
		if k == "Role" {
			b, a = roleName(lang, b), roleName(lang, a)
		}
		if b == a {
			continue
		}
		field := k
		if slices.Contains(auditFields, k) {
			field = translate(lang, "audit.field."+k)
		}
		out = append(out, fieldChange{Field: field, Before: b, After: a})
	}
	return out
}

// roleName is a role in words, or s itself when it is not a role.
func roleName(lang, s string) string {
	if validRole(s) {
		return translate(lang, "role."+s)
	}
	return s
}

// auditRows renders entries in the language.
func auditRows(lang string, entries []auditEntry) []auditRow {
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{auditEntry: e, Label: actionLabel(lang, e.Action), Changes: auditChanges(lang, e.Before, e.After)}
	}
	return rows
}

// auditFilterOf reads the filter from a request's query.
func auditFilterOf(r *http.Request) auditFilter {
	return auditFilter{User: r.FormValue("user"), Action: r.FormValue("action"), Subject: r.FormValue("q"),
		From: r.FormValue("from"), To: r.FormValue("to")}
}

// query returns the filter as URL parameters.
func (f auditFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": f.User, "action": f.Action, "q": f.Subject, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// option is an entry of a select list.
type option struct {
	Value, Label string
}

// auditPage is the data of audit.html.
type auditPage struct {
	Filter  auditFilter
	Users   []string
	Actions []option
	Rows    []auditRow
	First   string            // the first page's URL when this is not it
	Next    string            // the next page's URL, "" on the last
	Export  string            // the CSV export's URL with the filter
	Errors  map[string]string // filter field → message
}

// auditPageSize is how many entries a page of the audit trail shows.
const auditPageSize = 50

// auditPage shows the company's audit trail, newest first, filtered and
// paged by ?after= (a keyset cursor).
func (a *app) auditPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	f := auditFilterOf(r)
	entries, next, err := sc.data.auditEntries(r.Context(), f, parseAuditCursor(r.FormValue("after")), auditPageSize)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	users, actions, err := sc.data.auditChoices(r.Context())
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p := auditPage{Filter: f, Users: users, Rows: auditRows(sc.lang, entries), Errors: map[string]string{}}
	for _, act := range actions {
		p.Actions = append(p.Actions, option{act, actionLabel(sc.lang, act)})
	}
	slices.SortFunc(p.Actions, func(x, y option) int { return strings.Compare(x.Label, y.Label) })
	for field, s := range map[string]string{"from": f.From, "to": f.To} {
		if _, ok := parseDate(s); s != "" && !ok {
			p.Errors[field] = translate(sc.lang, "audit.badDate")
		}
	}
	q := f.query()
	if r.FormValue("after") != "" {
		p.First = "/audit?" + q.Encode()
	}
	if next.ID != "" {
		nq := f.query()
		nq.Set("after", next.String())
		p.Next = "/audit?" + nq.Encode()
	}
	p.Export = "/audit/export?" + q.Encode()
	a.render(w, r, sc, http.StatusOK, "audit.html", &view{Title: translate(sc.lang, "audit.title"), Nav: "audit", Page: p})
}

// maxAuditExport bounds the entries one export holds, and
// auditExportChunk how many are read from the database at a time. They are
// variables only so that a test can make them small.
var (
	maxAuditExport   = 100_000
	auditExportChunk = 1000
)

// auditExport sends the filtered audit trail as CSV (writeCSV): time, user,
// action, subject, the changes in words, and the raw before and after. The
// entries are read a chunk at a time and the file is made in memory first,
// so that an error gives an error page rather than a truncated file. Past
// maxAuditExport entries a last line says that older ones were left out.
func (a *app) auditExport(w http.ResponseWriter, r *http.Request, sc *scope) {
	var buf bytes.Buffer
	header := []string{translate(sc.lang, "col.time"), translate(sc.lang, "audit.user"), translate(sc.lang, "audit.action"),
		translate(sc.lang, "audit.subject"), translate(sc.lang, "audit.changes"), translate(sc.lang, "audit.before"), translate(sc.lang, "audit.after")}
	err := writeCSV(&buf, sc.lang, [][]string{header})
	f, cursor, n := auditFilterOf(r), auditCursor{}, 0
	for err == nil {
		var entries []auditEntry
		if entries, cursor, err = sc.data.auditEntries(r.Context(), f, cursor, min(auditExportChunk, maxAuditExport-n)); err != nil {
			break
		}
		rows := make([][]string, 0, len(entries)+1)
		for _, e := range auditRows(sc.lang, entries) {
			var changes []string
			for _, c := range e.Changes {
				s := c.Before + " → " + c.After
				if c.Field != "" {
					s = c.Field + ": " + s
				}
				changes = append(changes, s)
			}
			rows = append(rows, []string{formatTime(sc.lang, e.At, true), e.User, e.Label, e.Subject, strings.Join(changes, "\n"), e.Before, e.After})
		}
		n += len(entries)
		more := cursor.ID != ""
		if more && n >= maxAuditExport {
			rows = append(rows, []string{translate(sc.lang, "audit.exportTruncated", maxAuditExport)})
			more = false
		}
		err = writeCSVRows(&buf, sc.lang, rows)
		if !more {
			break
		}
	}
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="jakelu-audit-`+sc.lang+`.csv"`)
	w.Write(buf.Bytes())
}
