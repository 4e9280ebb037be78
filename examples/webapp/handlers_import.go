package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

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

func capList[T any](items []T) capped[T] {
	if len(items) <= previewRows {
		return capped[T]{Items: items}
	}
	return capped[T]{Items: items[:previewRows], More: len(items) - previewRows}
}

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

// read reads an import file. A file with problems gives no batch but the
// page that lists them all.
func (a *app) read(lang, name string, data []byte) (*importer.Batch, *importErrorsPage, error) {
	batch, err := importer.Read(bytes.NewReader(data), a.decoders, &importer.Options{MaxFileSize: a.cfg.MaxImportSize})
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		return nil, &importErrorsPage{File: name, Problems: problemRows(lang, ie.Problems), Total: ie.Total}, nil
	}
	return batch, nil, err
}

// importUpload reads an uploaded file and shows either every problem in it
// (nothing is imported) or a preview of the changes. The file is kept for
// the session until it is confirmed, cancelled or expires.
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
	data, err := io.ReadAll(file)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	batch, problems, err := a.read(sc.lang, header.Filename, data)
	switch {
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	case problems != nil:
		a.render(w, r, sc, http.StatusUnprocessableEntity, "import_errors.html",
			&view{Title: translate(sc.lang, "importErr.title"), Nav: "import", Page: problems})
		return
	}
	u := upload{Kind: "import", FileName: header.Filename, ReplaceAll: replace, Data: data}
	if err := sc.data.putUpload(r.Context(), &u); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	a.showPreview(w, r, sc, http.StatusOK, u, batch, "")
}

// showPreview renders what importing batch would change.
func (a *app) showPreview(w http.ResponseWriter, r *http.Request, sc *scope, status int, u upload, batch *importer.Batch, confirmError string) {
	batch.ReplaceAll = u.ReplaceAll
	ch, err := importer.Diff(r.Context(), sc.dir, batch)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p := previewPage{
		Upload: u.ID, File: u.FileName, ReplaceAll: u.ReplaceAll, Summary: ch.Summary(),
		Added: capList(ch.Added), Changed: capList(ch.Changed), Unchanged: capList(ch.Unchanged), Deleted: capList(ch.Deleted),
		Warnings: problemRows(sc.lang, batch.Warnings), WarningsMore: batch.WarningTotal - len(batch.Warnings), ConfirmError: confirmError,
	}
	a.render(w, r, sc, status, "preview.html", &view{Title: translate(sc.lang, "preview.title"), Nav: "import", Page: p})
}

// importDonePage is the data of import_done.html.
type importDonePage struct {
	File    string
	Summary registry.Summary
}

// importConfirm imports a previewed file in one atomic step. In replace-all
// mode the extra confirmation box must be ticked, or the preview is shown
// again with the request to tick it.
func (a *app) importConfirm(w http.ResponseWriter, r *http.Request, sc *scope) {
	u, err := sc.data.upload(r.Context(), "import", r.PostFormValue("upload"), false)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "preview.expired")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	batch, problems, err := a.read(sc.lang, u.FileName, u.Data)
	if err == nil && problems != nil {
		err = errors.New("an upload that was read without problems now has problems")
	}
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if u.ReplaceAll && !sc.admin() {
		a.fail(w, r, sc, http.StatusForbidden, "error.adminOnly")
		return
	}
	if u.ReplaceAll && r.PostFormValue("confirm-replace") != "yes" {
		a.showPreview(w, r, sc, http.StatusUnprocessableEntity, u, batch, translate(sc.lang, "preview.confirmNeeded"))
		return
	}
	batch.ReplaceAll = u.ReplaceAll
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
	a.render(w, r, sc, http.StatusOK, "import_done.html", &view{Title: translate(sc.lang, "importDone.title"), Nav: "import",
		Page: importDonePage{File: u.FileName, Summary: sum}})
}

// importCancel forgets a previewed file.
func (a *app) importCancel(w http.ResponseWriter, r *http.Request, sc *scope) {
	if err := sc.data.dropUpload(r.Context(), r.PostFormValue("upload")); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/import", http.StatusSeeOther)
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
