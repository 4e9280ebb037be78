package main

import (
	"net/http"

	"github.com/jakelu/jakelu/docparse"
)

// planView shows the routing plan of a document the session uploaded and
// has not sent yet (GET /send/plan/{id}), the page sendUpload redirects
// to: reloading it or switching the language shows it again instead of an
// empty form. The document is planned again, so the page shows what Send
// would do now; if it can no longer be sent (distribution was switched off
// meanwhile, say), the page says why and offers no Send button.
func (a *app) planView(w http.ResponseWriter, r *http.Request, sc *scope) {
	u, ok := a.sessionUpload(w, r, sc, "send", r.PathValue("id"), "send.expired")
	if !ok {
		return
	}
	doc, err := docparse.Parse(u.Data, &docparse.Options{MaxSize: a.cfg.MaxDocumentSize})
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p, ok, err := a.planDocument(r.Context(), sc, doc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if ok {
		p.Upload = u.ID
	}
	// A Send that found the directory changed comes back here to say so.
	if key, _, err := sc.data.takeFlash(r.Context(), "plan."); err != nil {
		a.cfg.Logger.Error("reading a message", "err", err)
	} else if key != "" {
		p.Notice = translate(sc.lang, key)
	}
	a.render(w, r, sc, http.StatusOK, "plan.html", &view{Title: translate(sc.lang, "plan.title", doc.Number), Nav: "send", Page: p})
}
