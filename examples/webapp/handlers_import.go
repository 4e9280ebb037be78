package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/registry"
)

// importPage is the data of import.html: the upload form, the help panel
// and the template and export links.
type importPage struct {
	HelpTitle string
	Help      []string
	Replace   bool
	Errors    map[string]string // field name → message
}

// showImport renders the upload form.
func (a *app) showImport(w http.ResponseWriter, r *http.Request, sc *scope, status int, p importPage) {
	help := importer.Help(sc.lang)
	p.HelpTitle, p.Help = help[0], help[1:]
	a.render(w, r, sc, status, "import.html", &view{Title: translate(sc.lang, "import.title"), Nav: "import", Page: p})
}

// importPage shows the upload form.
func (a *app) importPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.showImport(w, r, sc, http.StatusOK, importPage{})
}

// problemRow is one line of the import error table.
type problemRow struct {
	Row      int    // 0 for the whole file
	Column   string // "" for a whole row
	Position string // row and column in words, "" for the whole file
	Value    string
	Message  string
}

// problemRows renders importer problems in the UI language.
func problemRows(lang string, problems []importer.Problem) []problemRow {
	rows := make([]problemRow, len(problems))
	for i, p := range problems {
		rows[i] = problemRow{Row: p.Row, Column: p.Column, Position: p.Position(lang), Value: p.Value, Message: p.Message(lang)}
	}
	return rows
}

// importErrorsPage is the data of import_errors.html.
type importErrorsPage struct {
	File     string
	Problems []problemRow
	Total    int // every problem, also those not listed
}

// capped is the start of a long list and how many items were left out.
type capped[T any] struct {
	Items []T
	More  int
}

// previewRows is how many rows of each kind a preview lists.
const previewRows = 100

// previewPage is the data of preview.html: what an import would change.
type previewPage struct {
	Upload       string // the ID the confirmation refers to
	File         string
	ReplaceAll   bool
	Summary      registry.Summary
	Added        capped[registry.Entry]
	Changed      capped[importer.Change]
	Unchanged    capped[registry.Entry]
	Deleted      capped[registry.Entry]
	Warnings     []problemRow
	WarningsMore int    // warnings not listed
	ConfirmError string // set when replace-all was not confirmed
}

// HasChanges reports whether importing would change anything.
func (p previewPage) HasChanges() bool {
	s := p.Summary
	return s.Added+s.Changed+s.Deleted > 0
}

// importGCPercent is the garbage collector's target (as GOGC) while an
// import file is read. The batch importer.Read builds is most of what the
// import holds (some 250 bytes a customer); with the default target of 100
// the heap may grow to twice that before a collection, with 10 to a tenth
// more.
const importGCPercent = 10

// maxImportReads is how many import files the process reads, previews or
// applies at once.
const maxImportReads = 2

// importGC lowers the garbage collector's target while imports are read:
// the process's, since Go has no other. The first import in lowers it, the
// last one out restores what it was; a lower target (or GOGC=off) is kept.
var importGC struct {
	sync.Mutex
	n      int // imports being read
	before int // the target before the first
}

// enterImportGC lowers the collector's target for an import being read and
// returns the function that ends that.
func enterImportGC() func() {
	importGC.Lock()
	defer importGC.Unlock()
	if importGC.n == 0 {
		importGC.before = debug.SetGCPercent(importGCPercent)
		if importGC.before < importGCPercent { // lower already, or off (-1)
			debug.SetGCPercent(importGC.before)
		}
	}
	importGC.n++
	return func() {
		importGC.Lock()
		defer importGC.Unlock()
		if importGC.n--; importGC.n == 0 {
			debug.SetGCPercent(importGC.before)
		}
	}
}

// read reads an import file of size bytes from r, a stream. A file with
// problems gives no batch but the problems (their first
// importer.DefaultMaxProblems, and how many there are). The caller holds
// an import slot (importSlot).
func (a *app) read(r io.Reader, size int64) (*importer.Batch, *keptProblems, error) {
	batch, err := importer.Read(r, a.decoders, &importer.Options{MaxFileSize: a.cfg.MaxImportSize, Size: size})
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		return nil, &keptProblems{Problems: ie.Problems[:min(len(ie.Problems), importer.DefaultMaxProblems)], Total: ie.Total}, nil
	}
	return batch, nil, err
}

// keptProblems is what the session keeps of a file that was not imported
// for the page that lists its problems (GET /import/problems/{id}): the
// problems themselves, so that the page speaks the language of each
// request, at most importer.DefaultMaxProblems of them, and how many there
// are.
type keptProblems struct {
	Problems []importer.Problem `json:"problems"`
	Total    int                `json:"total"`
}

// keepResult keeps what became of an import file (kind "import-problems"
// or "import-done") as JSON for the session and returns the ID of its
// page.
func (a *app) keepResult(ctx context.Context, sc *scope, kind, file string, v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	u := upload{Kind: kind, FileName: file, Data: data}
	if err := sc.data.putImportResult(ctx, &u); err != nil {
		return "", err
	}
	return u.ID, nil
}

// keptResult reads into v the session's import result of the kind with
// the ID in the path, or shows that it expired or is not the session's
// (404) and reports false.
func (a *app) keptResult(w http.ResponseWriter, r *http.Request, sc *scope, kind string, v any) (upload, bool) {
	u, ok := a.sessionUpload(w, r, sc, kind, r.PathValue("id"), "preview.expired")
	if !ok {
		return u, false
	}
	if err := json.Unmarshal(u.Data, v); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return u, false
	}
	return u, true
}

// importProblems lists every problem of a file that was not imported. It
// is a page of its own (GET /import/problems/{id}), so that reloading it or
// switching the language keeps it.
func (a *app) importProblems(w http.ResponseWriter, r *http.Request, sc *scope) {
	var kept keptProblems
	u, ok := a.keptResult(w, r, sc, "import-problems", &kept)
	if !ok {
		return
	}
	a.render(w, r, sc, http.StatusOK, "import_errors.html", &view{Title: translate(sc.lang, "importErr.title"), Nav: "import",
		Page: importErrorsPage{File: u.FileName, Problems: problemRows(sc.lang, kept.Problems), Total: kept.Total}})
}

// importSlot waits for one of the maxImportReads slots in which import
// files are read, previewed and applied, so that imports of many companies
// at once take a bounded amount of memory, and lowers the garbage
// collector's target meanwhile (enterImportGC). It returns the function
// that gives the slot back, or the request's error if it ends first.
func (a *app) importSlot(w http.ResponseWriter, r *http.Request, sc *scope) (func(), bool) {
	select {
	case a.importReads <- struct{}{}:
	case <-r.Context().Done():
		a.fail(w, r, sc, http.StatusServiceUnavailable, "import.busy")
		return nil, false
	}
	leave := enterImportGC()
	return func() {
		leave()
		<-a.importReads
	}, true
}

// lockImport takes the company's import lock for the request, or shows
// that another import is in progress (409) and reports false. The caller
// releases the lock when done.
func (a *app) lockImport(w http.ResponseWriter, r *http.Request, sc *scope) (func(), bool) {
	release, err := sc.data.lockImport(r.Context())
	switch {
	case errors.Is(err, errImportBusy):
		a.fail(w, r, sc, http.StatusConflict, "import.busy")
		return nil, false
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return nil, false
	}
	return release, true
}

// importUpload reads an uploaded file and redirects either to the page of
// every problem in it (nothing is imported; the problems are kept for the
// session for a while) or, after keeping the file for the session until it
// is confirmed, cancelled or expires, to its preview. The file is
// read as a stream from the temporary file the form was parsed into and
// kept in parts, so that memory does not grow with its size. One import of
// a company is read at a time; the pending files of a company are bounded
// (maxPendingImports, maxPendingImportBytes).
func (a *app) importUpload(w http.ResponseWriter, r *http.Request, sc *scope) {
	replace := r.PostFormValue("mode") == "replace"
	if replace && !sc.admin() {
		a.fail(w, r, sc, http.StatusForbidden, "error.adminOnly")
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		a.showImport(w, r, sc, http.StatusUnprocessableEntity, importPage{Replace: replace,
			Errors: map[string]string{"file": translate(sc.lang, "import.noFile")}})
		return
	}
	defer file.Close()
	release, ok := a.lockImport(w, r, sc)
	if !ok {
		return
	}
	defer release()
	leave, ok := a.importSlot(w, r, sc)
	if !ok {
		return
	}
	defer leave()
	name := cleanFileName(header.Filename)
	// The batch is dropped at once: the preview reads the stored file
	// again, so that it is not held while the file is stored.
	_, problems, err := a.read(file, header.Size)
	if err == nil && problems != nil {
		var id string
		if id, err = a.keepResult(r.Context(), sc, "import-problems", name, problems); err == nil {
			http.Redirect(w, r, "/import/problems/"+url.PathEscape(id), http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	// The batch of a large file is tens of megabytes of garbage now:
	// collect it before the preview reads the file again, so that the two
	// readings do not add up.
	runtime.GC()
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	u := upload{FileName: name, ReplaceAll: replace, Size: header.Size}
	switch err := sc.data.putImport(r.Context(), &u, file); {
	case errors.Is(err, errQuota):
		a.fail(w, r, sc, http.StatusTooManyRequests, "import.quota", maxPendingImports, formatSize(sc.lang, maxPendingImportBytes))
		return
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/import/preview/"+url.PathEscape(u.ID), http.StatusSeeOther)
}

// pendingImport returns the session's pending import file with the ID, or
// shows that it expired (404) and reports false.
func (a *app) pendingImport(w http.ResponseWriter, r *http.Request, sc *scope, id string) (upload, bool) {
	return a.sessionUpload(w, r, sc, "import", id, "preview.expired")
}

// sessionUpload returns the session's upload of the kind with the ID, or
// shows that it expired or is not the session's (404, the text expired)
// and reports false.
func (a *app) sessionUpload(w http.ResponseWriter, r *http.Request, sc *scope, kind, id, expired string) (upload, bool) {
	u, err := sc.data.upload(r.Context(), kind, id, false)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, expired)
		return u, false
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return u, false
	}
	return u, true
}

// readPending reads a pending import file again from its stored parts.
func (a *app) readPending(w http.ResponseWriter, r *http.Request, sc *scope, u upload) (*importer.Batch, bool) {
	batch, problems, err := a.read(sc.data.uploadReader(r.Context(), u), u.Size)
	if err == nil && problems != nil {
		err = errors.New("an upload that was read without problems now has problems")
	}
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return nil, false
	}
	batch.ReplaceAll = u.ReplaceAll
	return batch, true
}

// importPreview shows what importing a pending file would change. It is a
// page of its own (GET /import/preview/{id}), so that reloading it or
// switching the language keeps it.
func (a *app) importPreview(w http.ResponseWriter, r *http.Request, sc *scope) {
	release, ok := a.lockImport(w, r, sc)
	if !ok {
		return
	}
	defer release()
	u, ok := a.pendingImport(w, r, sc, r.PathValue("id"))
	if !ok {
		return
	}
	leave, ok := a.importSlot(w, r, sc)
	if !ok {
		return
	}
	defer leave()
	batch, ok := a.readPending(w, r, sc, u)
	if !ok {
		return
	}
	confirm := ""
	if key, _, err := sc.data.takeFlash(r.Context(), "preview."); err != nil {
		a.cfg.Logger.Error("reading a message", "err", err)
	} else if key != "" {
		confirm = translate(sc.lang, key)
	}
	a.showPreview(w, r, sc, http.StatusOK, u, batch, confirm)
}

// showPreview renders what importing batch would change.
func (a *app) showPreview(w http.ResponseWriter, r *http.Request, sc *scope, status int, u upload, batch *importer.Batch, confirmError string) {
	p, err := previewChanges(r.Context(), sc.dir, batch)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p.Upload, p.File, p.ReplaceAll, p.ConfirmError = u.ID, u.FileName, u.ReplaceAll, confirmError
	p.Warnings, p.WarningsMore = problemRows(sc.lang, batch.Warnings), batch.WarningTotal-len(batch.Warnings)
	a.render(w, r, sc, status, "preview.html", &view{Title: translate(sc.lang, "preview.title"), Nav: "import", Page: p})
}

// importDonePage is the data of import_done.html.
type importDonePage struct {
	File    string
	Summary registry.Summary
}

// importConfirm imports a previewed file in one atomic step and redirects
// to the page of its result (GET /import/done/{id}, kept for the session
// for a while). In replace-all mode the extra confirmation box must be
// ticked, or it goes back to the preview's page, which asks to tick it. The
// import is added to the audit trail.
func (a *app) importConfirm(w http.ResponseWriter, r *http.Request, sc *scope) {
	release, ok := a.lockImport(w, r, sc)
	if !ok {
		return
	}
	defer release()
	u, ok := a.pendingImport(w, r, sc, r.PostFormValue("upload"))
	if !ok {
		return
	}
	if u.ReplaceAll && !sc.admin() {
		a.fail(w, r, sc, http.StatusForbidden, "error.adminOnly")
		return
	}
	if u.ReplaceAll && r.PostFormValue("confirm-replace") != "yes" {
		// Back to the preview's own page (which a language switch keeps),
		// asking once to tick the box.
		if err := sc.data.setFlash(r.Context(), "preview.confirmNeeded", ""); err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		http.Redirect(w, r, "/import/preview/"+url.PathEscape(u.ID), http.StatusSeeOther)
		return
	}
	leave, ok := a.importSlot(w, r, sc)
	if !ok {
		return
	}
	defer leave()
	batch, ok := a.readPending(w, r, sc, u)
	if !ok {
		return
	}
	sum, err := importer.Apply(r.Context(), sc.dir, batch)
	if err == nil {
		err = sc.audit(r.Context(), "import", u.FileName, nil, auditedImport{File: u.FileName,
			Added: sum.Added, Changed: sum.Changed, Deleted: sum.Deleted, ReplaceAll: u.ReplaceAll})
	}
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := sc.data.dropUpload(r.Context(), u.ID); err != nil {
		a.cfg.Logger.Error("removing an imported upload", "err", err)
	}
	id, err := a.keepResult(r.Context(), sc, "import-done", u.FileName, sum)
	if err != nil {
		// The import is done: say so on this response rather than fail.
		a.cfg.Logger.Error("keeping an import's result", "err", err)
		a.showImportDone(w, r, sc, importDonePage{File: u.FileName, Summary: sum})
		return
	}
	http.Redirect(w, r, "/import/done/"+url.PathEscape(id), http.StatusSeeOther)
}

// importDone shows what a finished import did. It is a page of its own
// (GET /import/done/{id}), so that reloading it or switching the language
// keeps it.
func (a *app) importDone(w http.ResponseWriter, r *http.Request, sc *scope) {
	var sum registry.Summary
	u, ok := a.keptResult(w, r, sc, "import-done", &sum)
	if !ok {
		return
	}
	a.showImportDone(w, r, sc, importDonePage{File: u.FileName, Summary: sum})
}

// showImportDone renders what an import did.
func (a *app) showImportDone(w http.ResponseWriter, r *http.Request, sc *scope, p importDonePage) {
	a.render(w, r, sc, http.StatusOK, "import_done.html", &view{Title: translate(sc.lang, "importDone.title"), Nav: "import", Page: p})
}

// importCancel forgets a previewed file and its stored parts.
func (a *app) importCancel(w http.ResponseWriter, r *http.Request, sc *scope) {
	if err := sc.data.dropUpload(r.Context(), r.PostFormValue("upload")); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/import", http.StatusSeeOther)
}

// previewChanges compares batch with the directory and returns what
// importing it would change, as importer.Diff does (an entry without a
// language or profile keeps the stored one's), but keeping only the counts
// and the first previewRows entries of each kind: a preview of half a
// million customers costs a byte per customer besides the batch, not a
// copy of it. A batch much smaller than the directory is looked up entry
// by entry; any other, and every replace-all batch, is compared with the
// directory in one pass over both in customer-number order.
func previewChanges(ctx context.Context, dir registry.Lister, b *importer.Batch) (previewPage, error) {
	var p previewPage
	n := len(b.Entries)
	state := make([]change, n)
	// The stored entries of the first changed and unchanged ones, in file
	// order, when looked up; the walk does not keep them, and those listed
	// are looked up afterwards.
	var oldChanged, oldUnchanged []registry.Entry
	walk := b.ReplaceAll
	if !walk && n > registry.MaxPageSize {
		first, err := dir.List(ctx, registry.Query{Limit: 1})
		if err != nil {
			return p, err
		}
		walk = first.Total <= 4*n
	}
	var deleted []registry.Entry
	if walk {
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(i, j int32) int { return strings.Compare(b.Entries[i].CustomerNumber, b.Entries[j].CustomerNumber) })
		k := 0 // the next of order to match
		q := registry.Query{Limit: registry.MaxPageSize}
		for {
			page, err := dir.List(ctx, q)
			if err != nil {
				return p, err
			}
			for _, old := range page.Entries {
				for k < n && b.Entries[order[k]].CustomerNumber < old.CustomerNumber {
					k++ // added: the zero value of state
				}
				if k < n && b.Entries[order[k]].CustomerNumber == old.CustomerNumber {
					state[order[k]] = compareEntry(b.Entries[order[k]], old)
					k++
				} else if b.ReplaceAll {
					p.Summary.Deleted++
					if len(deleted) < previewRows {
						deleted = append(deleted, old)
					}
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	} else {
		for i, e := range b.Entries {
			old, err := dir.Lookup(ctx, e.CustomerNumber)
			switch {
			case errors.Is(err, registry.ErrNotFound):
				continue
			case err != nil:
				return p, err
			}
			state[i] = compareEntry(e, old)
			if state[i] == changeChanged && len(oldChanged) < previewRows {
				oldChanged = append(oldChanged, old)
			} else if state[i] == changeUnchanged && len(oldUnchanged) < previewRows {
				oldUnchanged = append(oldUnchanged, old)
			}
		}
	}
	var added, unchanged []registry.Entry
	var changes []importer.Change
	// stored returns the stored entry of e, the k-th listed of its kind.
	stored := func(known []registry.Entry, k int, e registry.Entry) (registry.Entry, error) {
		if k < len(known) {
			return known[k], nil
		}
		return dir.Lookup(ctx, e.CustomerNumber)
	}
	for i, e := range b.Entries {
		switch state[i] {
		case changeAdded:
			p.Summary.Added++
			if len(added) < previewRows {
				added = append(added, e)
			}
		case changeUnchanged:
			p.Summary.Unchanged++
			if len(unchanged) < previewRows {
				old, err := stored(oldUnchanged, len(unchanged), e)
				if err != nil {
					return p, err
				}
				unchanged = append(unchanged, keptFields(e, old))
			}
		case changeChanged:
			p.Summary.Changed++
			if len(changes) < previewRows {
				old, err := stored(oldChanged, len(changes), e)
				if err != nil {
					return p, err
				}
				changes = append(changes, importer.Change{Old: old, New: keptFields(e, old)})
			}
		}
	}
	p.Added = capped[registry.Entry]{Items: added, More: p.Summary.Added - len(added)}
	p.Changed = capped[importer.Change]{Items: changes, More: p.Summary.Changed - len(changes)}
	p.Unchanged = capped[registry.Entry]{Items: unchanged, More: p.Summary.Unchanged - len(unchanged)}
	p.Deleted = capped[registry.Entry]{Items: deleted, More: p.Summary.Deleted - len(deleted)}
	return p, nil
}

// change is what importing would do to one entry of a batch.
type change uint8

// The changes; the zero value is added, so that an entry not found in the
// directory needs no marking.
const (
	changeAdded change = iota
	changeChanged
	changeUnchanged
)

// keptFields returns the entry e as importing it over old would store it:
// with old's language and profile where e has none (see registry.Batch).
func keptFields(e, old registry.Entry) registry.Entry {
	if e.Language == "" {
		e.Language = old.Language
	}
	if e.Profile == "" {
		e.Profile = old.Profile
	}
	return e
}

// compareEntry tells whether importing e over the stored old changes it.
func compareEntry(e, old registry.Entry) change {
	if old.Equal(keptFields(e, old)) {
		return changeUnchanged
	}
	return changeChanged
}

// spreadsheet is one of the file formats the directory is imported from
// and exported to.
type spreadsheet struct {
	contentType string
	template    func(w io.Writer, lang string) error
	export      func(ctx context.Context, w io.Writer, reg registry.Registry, lang string) error
}

// spreadsheets are the formats by the name in their URLs and file names.
var spreadsheets = map[string]spreadsheet{
	"csv":  {"text/csv; charset=utf-8", csvimport.WriteTemplate, csvimport.Export},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsximport.WriteTemplate, xlsximport.Export},
}

// template sends the import template in the UI language.
func (a *app) template(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.download(w, r, sc, "jakelu-template", func(f spreadsheet, buf *bytes.Buffer) error {
		return f.template(buf, sc.lang)
	})
}

// export sends the whole directory as a file that imports back unchanged.
func (a *app) export(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.download(w, r, sc, "jakelu-directory", func(f spreadsheet, buf *bytes.Buffer) error {
		return f.export(r.Context(), buf, sc.dir, sc.lang)
	})
}

// download sends the file write makes in the format named in the path,
// as an attachment. The file is made in memory first, so that an error
// gives an error page rather than a truncated file.
func (a *app) download(w http.ResponseWriter, r *http.Request, sc *scope, name string, write func(spreadsheet, *bytes.Buffer) error) {
	format := r.PathValue("format")
	f, ok := spreadsheets[format]
	if !ok {
		a.fail(w, r, sc, http.StatusNotFound, "error.notFound")
		return
	}
	var buf bytes.Buffer
	if err := write(f, &buf); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+sc.lang+"."+format+`"`)
	w.Write(buf.Bytes())
}
