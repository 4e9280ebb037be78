package main

import (
	"errors"
	"net/http"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
)

// planView shows the routing plan of a document the session uploaded and
// has not sent yet (GET /send/plan/{id}), the page sendUpload redirects
// to: reloading it or switching the language shows it again instead of an
// empty form. The document is planned again, so the page shows what Send
// would do now; if it can no longer be sent (distribution was switched off
// meanwhile, say), the page says why and offers no Send button.
func (a *app) planView(w http.ResponseWriter, r *http.Request, sc *scope) {
	u, err := sc.data.upload(r.Context(), "send", r.PathValue("id"), false)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "send.expired")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	doc, err := docparse.Parse(u.Data, &docparse.Options{MaxSize: a.cfg.MaxDocumentSize})
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	router, err := a.router(r.Context(), sc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	p := planPage{Doc: doc}
	plan, err := router.Plan(r.Context(), doc)
	var noRecipient *distribution.NoRecipientError
	var lookup *distribution.LookupError
	switch {
	case errors.Is(err, distribution.ErrDistributionDisabled):
		p.Problem, p.Disabled = translate(sc.lang, "plan.disabled"), true
	case errors.As(err, &noRecipient):
		p.Plan, p.Problem = noRecipient.Plan, translate(sc.lang, "plan.noRecipient")
	case errors.As(err, &lookup):
		a.cfg.Logger.Error("planning a document", "err", err)
		p.Problem = translate(sc.lang, "plan.lookupFailed")
	case err != nil:
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	default:
		p.Plan, p.Upload = plan, u.ID
	}
	p.Steps = explain(sc.lang, p.Plan)
	a.render(w, r, sc, http.StatusOK, "plan.html", &view{Title: translate(sc.lang, "plan.title", doc.Number), Nav: "send", Page: p})
}
