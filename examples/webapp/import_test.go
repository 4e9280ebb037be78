package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
)

// importFile uploads an import file to /import with the fields and, when
// the app redirects to the preview or to the page of the file's problems,
// follows the redirect: the result is that page, or the page the upload
// itself gave (a missing or oversized file, say).
func (c *client) importFile(fields url.Values, name string, data []byte) response {
	c.t.Helper()
	r := c.upload("/import", fields, "file", name, data)
	if loc := r.header.Get("Location"); r.status == http.StatusSeeOther &&
		(strings.HasPrefix(loc, "/import/preview/") || strings.HasPrefix(loc, "/import/problems/")) {
		return c.get(loc)
	}
	return r
}

// confirmImport posts the confirmation of a previewed import with the form
// and, when the app redirects to the page of the import's result, follows
// the redirect: the result is that page, or the page the confirmation
// itself gave (the preview asking to tick the box, say).
func (c *client) confirmImport(form url.Values) response {
	c.t.Helper()
	r := c.post("/import/confirm", form)
	if loc := r.header.Get("Location"); r.status == http.StatusSeeOther && strings.HasPrefix(loc, "/import/done/") {
		return c.get(loc)
	}
	return r
}

// TestImportResultPages checks that the page of a rejected file's problems
// and the page of a finished import are pages of their own (GET), like the
// preview: they survive a reload and a language switch, then speak the
// language switched to, and no other session, of the same company or
// another, can open them.
func TestImportResultPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c := e.signIn(t, e.a)
		c.get("/import")
		// redirected uploads or confirms and returns where the app redirected.
		redirected := func(r response, prefix string) string {
			t.Helper()
			loc := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
				t.Fatalf("got %d to %q, want a redirect to %s…; body:\n%s", r.status, loc, prefix, r.body)
			}
			return loc
		}
		bad := []byte("Asiakasnumero;Sähköposti\n1001;laskut@asiakas.example, kopio@asiakas.example\n;orpo@asiakas.example\n")
		problems := redirected(c.upload("/import", nil, "file", "virheet.csv", bad), "/import/problems/")
		preview := redirected(c.upload("/import", nil, "file", "hyvä.csv", []byte("1001;laskut@asiakas.example\n")), "/import/preview/")
		done := redirected(c.post("/import/confirm", url.Values{"upload": {c.get(preview).uploadID(t)}}), "/import/done/")

		tests := []struct {
			name   string
			path   string
			en, sv []string // what the page shows in English and in Swedish
		}{
			{"problems", problems,
				[]string{"The file cannot be imported", "virheet.csv", "2 problems", "Row", "Column", "Extra comma between two addresses", "The customer number is missing."},
				[]string{"Filen kan inte importeras", "virheet.csv", "2 problem", "Rad", "Kolumn", "Extra kommatecken mellan två adresser"}},
			{"done", done,
				[]string{"Import complete", "1 added, 0 changed, 0 unchanged, 0 deleted."},
				[]string{"Importen är klar", "1 tillagda, 0 ändrade, 0 oförändrade, 0 borttagna."}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c.get(tt.path).want(t, http.StatusOK, tt.en...)
				c.get(tt.path+"?lang=sv").wantRedirect(t, tt.path)
				c.get(tt.path).want(t, http.StatusOK, tt.sv...)
				c.get(tt.path+"?lang=en").wantRedirect(t, tt.path)
				c.get(tt.path).want(t, http.StatusOK, tt.en...)
				for _, other := range []*client{e.signIn(t, e.a), e.signIn(t, e.b)} {
					r := other.get(tt.path)
					r.want(t, http.StatusNotFound, "expired")
					r.lacks(t, "1001", "virheet.csv", "hyvä.csv")
				}
			})
		}

		t.Run("one of each per session", func(t *testing.T) {
			again := redirected(c.upload("/import", nil, "file", "virheet2.csv", bad), "/import/problems/")
			c.get(again).want(t, http.StatusOK, "virheet2.csv", "2 problems")
			c.get(problems).want(t, http.StatusNotFound)
			c.get(done).want(t, http.StatusOK, "Import complete")
		})

		t.Run("expire", func(t *testing.T) {
			e.clock.Advance(uploadLifetime + time.Second)
			c.get(done).want(t, http.StatusNotFound, "expired")
		})
	})
}

// TestPreviewChanges checks that the preview's comparison agrees with
// importer.Diff, counts and listed entries, both when it looks entries up
// and when it walks the directory, with and without replace-all.
func TestPreviewChanges(t *testing.T) {
	e := newEnv(t, sqlite, nil)
	var stored []registry.Entry
	for i := range 1500 {
		en := registry.Entry{CustomerNumber: fmt.Sprintf("%05d", i*2), To: []string{fmt.Sprintf("a%d@asiakas.example", i)}}
		if i%7 == 0 {
			en.Language = "sv"
		}
		if i%11 == 0 {
			en.Profile = registry.ProfileScan
		}
		stored = append(stored, en)
	}
	e.put(t, e.a, stored...)
	dir := e.dir(t, e.a)
	// batch returns n entries from the end of the number range backwards,
	// so that file order differs from customer-number order: every third
	// is new, every third changes its address, the others are the same.
	batch := func(n int) []registry.Entry {
		var out []registry.Entry
		for i := range n {
			k := 1499 - i
			switch i % 3 {
			case 0:
				out = append(out, registry.Entry{CustomerNumber: fmt.Sprintf("%05d", k*2+1), To: []string{"uusi@asiakas.example"}})
			case 1:
				out = append(out, registry.Entry{CustomerNumber: fmt.Sprintf("%05d", k*2), To: []string{"muuttunut@asiakas.example"}})
			default:
				out = append(out, registry.Entry{CustomerNumber: fmt.Sprintf("%05d", k*2), To: []string{fmt.Sprintf("a%d@asiakas.example", k)}})
			}
		}
		return out
	}
	tests := []struct {
		name    string
		n       int
		replace bool
	}{
		{"lookups", 10, false},
		{"walk", 1200, false},
		{"replace-all small", 10, true},
		{"replace-all large", 1200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &importer.Batch{Entries: batch(tt.n), ReplaceAll: tt.replace}
			got, err := previewChanges(t.Context(), dir, b)
			if err != nil {
				t.Fatal(err)
			}
			want, err := importer.Diff(t.Context(), dir, b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Summary != want.Summary() {
				t.Errorf("summary %+v, want %+v", got.Summary, want.Summary())
			}
			check := func(kind string, got capped[registry.Entry], want []registry.Entry) {
				t.Helper()
				if got.More != max(0, len(want)-previewRows) || !slices.EqualFunc(got.Items, want[:min(len(want), previewRows)], registry.Entry.Equal) {
					t.Errorf("%s: %d listed and %d more, want the first %d of %d as Diff gives them", kind, len(got.Items), got.More, previewRows, len(want))
				}
			}
			check("added", got.Added, want.Added)
			check("unchanged", got.Unchanged, want.Unchanged)
			check("deleted", got.Deleted, want.Deleted)
			wantChanged := want.Changed[:min(len(want.Changed), previewRows)]
			if got.Changed.More != len(want.Changed)-len(wantChanged) || !slices.EqualFunc(got.Changed.Items, wantChanged, func(a, b importer.Change) bool {
				return a.Old.Equal(b.Old) && a.New.Equal(b.New)
			}) {
				t.Errorf("changed: %d listed and %d more, want the first of %d as Diff gives them", len(got.Changed.Items), got.Changed.More, len(want.Changed))
			}
		})
	}
}

// TestImportLimits checks the import's server-side bounds: one import of a
// company at a time (409 while another is read, previewed or applied, also
// for the preview page and the confirmation), at most maxPendingImports
// pending files per company, files dropped on cancel and when they expire,
// and a preview page that survives a language switch.
func TestImportLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		file := []byte("Asiakasnumero;Sähköposti\n1001;laskut@asiakas.example\n")
		c := e.signIn(t, e.a)
		c.get("/import")

		t.Run("preview survives a language switch", func(t *testing.T) {
			r := c.upload("/import", nil, "file", "asiakkaat.csv", file)
			loc := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/import/preview/") {
				t.Fatalf("upload: %d to %q", r.status, loc)
			}
			c.get(loc+"?lang=fi").wantRedirect(t, loc)
			c.lang = "sv" // the cookie wins over the header
			c.get(loc).want(t, http.StatusOK, "Tarkista muutokset", "1001", "asiakkaat.csv")
			c.get(loc+"?lang=en").wantRedirect(t, loc)
			c.get(loc).want(t, http.StatusOK, "Check the changes", "1001")
			c.lang = "en"
			c.post("/import/cancel", url.Values{"upload": {c.get(loc).uploadID(t)}}).wantRedirect(t, "/import")
			c.get(loc).want(t, http.StatusNotFound, "expired")
		})

		t.Run("one import at a time", func(t *testing.T) {
			r := c.importFile(nil, "a.csv", file)
			id := r.uploadID(t)
			release, err := companyData{st: e.app.st, companyID: e.a.company.ID}.lockImport(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c.upload("/import", nil, "file", "b.csv", file).want(t, http.StatusConflict, "Another import of your company")
			c.get("/import/preview/"+id).want(t, http.StatusConflict, "Another import of your company")
			c.confirmImport(url.Values{"upload": {id}}).want(t, http.StatusConflict, "Another import of your company")
			// Another company is not held up.
			other := e.signIn(t, e.b)
			other.get("/import")
			other.importFile(nil, "b.csv", file).want(t, http.StatusOK, "Check the changes")
			release()
			c.confirmImport(url.Values{"upload": {id}}).want(t, http.StatusOK, "1 added")
		})

		t.Run("pending files per company", func(t *testing.T) {
			// Each session's new upload replaces its own pending one.
			var sessions []*client
			for range maxPendingImports {
				s := e.signIn(t, e.a)
				s.get("/import")
				s.importFile(nil, "a.csv", file).uploadID(t)
				s.importFile(nil, "a.csv", file).uploadID(t)
				sessions = append(sessions, s)
			}
			if n := countRows(t, e, `SELECT count(*) FROM webapp_upload WHERE company_id = $1 AND kind = 'import'`, e.a.company.ID); n != maxPendingImports {
				t.Errorf("%d pending uploads, want %d", n, maxPendingImports)
			}
			late := e.signIn(t, e.a)
			late.get("/import")
			late.upload("/import", nil, "file", "c.csv", file).want(t, http.StatusTooManyRequests, "at most 3 files and 100 MB together")
			// Cancelling one makes room, and drops its parts.
			sessions[0].get("/import")
			id := sessions[0].importFile(nil, "a.csv", file).uploadID(t)
			sessions[0].post("/import/cancel", url.Values{"upload": {id}}).wantRedirect(t, "/import")
			if n := countRows(t, e, `SELECT count(*) FROM webapp_upload_part WHERE upload_id = $1`, id); n != 0 {
				t.Errorf("%d parts of a cancelled upload are left", n)
			}
			late.importFile(nil, "c.csv", file).want(t, http.StatusOK, "Check the changes")
			// Expired files are dropped with their parts.
			e.clock.Advance(uploadLifetime + time.Second)
			late.importFile(nil, "c.csv", file).want(t, http.StatusOK, "Check the changes")
			if n := countRows(t, e, `SELECT count(*) FROM webapp_upload_part WHERE upload_id NOT IN (SELECT id FROM webapp_upload WHERE company_id <> $1)`, ""); n != 0 {
				t.Errorf("%d parts of expired uploads are left", n)
			}
			if n := countRows(t, e, `SELECT count(*) FROM webapp_upload WHERE company_id = $1 AND kind = 'import'`, e.a.company.ID); n != 1 {
				t.Errorf("%d pending uploads after the others expired, want 1", n)
			}
		})
	})
}

// countRows returns the count a query with one argument gives.
func countRows(t *testing.T, e *env, query string, arg any) int {
	t.Helper()
	var n int
	if err := e.app.st.db.QueryRowContext(t.Context(), query, arg).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFileNames checks that a file name that is not valid UTF-8, holds
// control characters or is very long is stored cleaned and bounded, for
// imports and for documents to send, on every database.
func TestFileNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		c := e.signIn(t, e.a)
		enable(t, c)
		tests := []struct {
			name, file, want string
		}{
			{"latin-1", "asiakkaat-\xe4.csv", "asiakkaat-\uFFFD.csv"},
			{"latin-1 twice", "\xe4\xf6.csv", "\uFFFD.csv"},
			{"long", strings.Repeat("ä", 300) + ".csv", strings.Repeat("ä", maxFileName-1) + "…"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c.get("/import")
				r := c.importFile(nil, tt.file, []byte("1;a@asiakas.example\n"))
				r.want(t, http.StatusOK, "Check the changes", tt.want)
				c.post("/import/cancel", url.Values{"upload": {r.uploadID(t)}})
				c.get("/send")
				r = c.sendFile(tt.file, readFile(t, "../quickstart/documents/ubl-invoice.xml"))
				if r.status != http.StatusOK {
					t.Fatalf("send upload: %d\n%s", r.status, r.body)
				}
				var name string
				if err := e.app.st.db.QueryRowContext(t.Context(), `SELECT file_name FROM webapp_upload WHERE id = $1`, r.uploadID(t)).Scan(&name); err != nil {
					t.Fatal(err)
				}
				if name != tt.want {
					t.Errorf("stored %q, want %q", name, tt.want)
				}
			})
		}
	})
}

// TestCleanFileName checks the file names the app stores.
func TestCleanFileName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "asiakkaat.csv", "asiakkaat.csv"},
		{"invalid UTF-8", "a\xe4\xf6b.csv", "a\uFFFDb.csv"},
		{"control characters", "a\x00b\x1bc\x7f\u0085d.csv", "abcd.csv"},
		{"spaces around", "  a.csv\t", "a.csv"},
		{"long", strings.Repeat("x", 1000), strings.Repeat("x", maxFileName-1) + "…"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanFileName(tt.in)
			if got != tt.want {
				t.Errorf("cleanFileName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := len([]rune(got)); n > maxFileName {
				t.Errorf("%d characters, want at most %d", n, maxFileName)
			}
		})
	}
}

// sendFile uploads a document to /send and, when the app redirects to its
// plan, follows the redirect: the result is the plan, or the page the
// upload itself gave.
func (c *client) sendFile(name string, data []byte) response {
	c.t.Helper()
	r := c.upload("/send", nil, "document", name, data)
	if loc := r.header.Get("Location"); r.status == http.StatusSeeOther && strings.HasPrefix(loc, "/send/plan/") {
		return c.get(loc)
	}
	return r
}
