package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
)

// sendPage is the data of send.html: the upload form, and why the last
// upload cannot be sent.
type sendPage struct {
	Errors map[string]string // field name → message
	Detail string            // technical detail of a document that cannot be read
}

// showSend renders the upload form.
func (a *app) showSend(w http.ResponseWriter, r *http.Request, sc *scope, status int, p sendPage) {
	a.render(w, r, sc, status, "send.html", &view{Title: translate(sc.lang, "send.title"), Nav: "send", Page: p})
}

// sendPage shows the form to upload a document.
func (a *app) sendPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	a.showSend(w, r, sc, http.StatusOK, sendPage{})
}

// planPage is the data of plan.html: who would receive a document and why.
type planPage struct {
	Upload   string // the ID the Send button refers to; "" when it cannot be sent
	Doc      *docparse.Document
	Plan     *distribution.Plan // nil when routing did not start
	Steps    []string           // the plan explained, one sentence per step
	Problem  string             // why it cannot be sent, "" when it can
	Disabled bool               // distribution is switched off
}

// parseProblem explains in the UI language why a document cannot be read,
// and gives the parser's own (English) message as the detail.
func parseProblem(lang string, err error) (string, string) {
	var pe *docparse.ParseError
	if errors.As(err, &pe) {
		return pe.Message(lang), pe.Error()
	}
	return docparse.CodeInvalidDocument.Message(lang), err.Error()
}

// explain renders the plan's steps as sentences in lang.
func explain(lang string, p *distribution.Plan) []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Explain(lang)
	}
	return out
}

// sendUpload reads an uploaded document and shows its routing plan. A
// document that can be sent is kept for the session until Send.
func (a *app) sendUpload(w http.ResponseWriter, r *http.Request, sc *scope) {
	file, header, err := r.FormFile("document")
	if err != nil {
		a.showSend(w, r, sc, http.StatusUnprocessableEntity, sendPage{Errors: map[string]string{"document": translate(sc.lang, "send.noFile")}})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	doc, err := docparse.Parse(data, &docparse.Options{MaxSize: a.cfg.MaxDocumentSize})
	if err != nil {
		msg, detail := parseProblem(sc.lang, err)
		a.showSend(w, r, sc, http.StatusUnprocessableEntity, sendPage{Errors: map[string]string{"document": msg}, Detail: detail})
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
		p.Plan = plan
		u := upload{Kind: "send", FileName: header.Filename, Data: data}
		if err := sc.data.putUpload(r.Context(), &u); err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}

		// The plan that can be sent is a page of its own, so that
		// reloading it or switching the language keeps it (planView).
		http.Redirect(w, r, "/send/plan/"+url.PathEscape(u.ID), http.StatusSeeOther)
		return
	}
	p.Steps = explain(sc.lang, p.Plan)
	a.render(w, r, sc, http.StatusOK, "plan.html", &view{Title: translate(sc.lang, "plan.title", doc.Number), Nav: "send", Page: p})
}

// sendConfirm sends a planned document, records the result in the delivery
// log and shows it. The upload is taken in one statement, so a document is
// sent once even when Send is pressed twice. Once sending has started it is
// finished and logged even if the browser goes away.
func (a *app) sendConfirm(w http.ResponseWriter, r *http.Request, sc *scope) {
	ctx := context.WithoutCancel(r.Context())
	u, err := sc.data.upload(ctx, "send", r.PostFormValue("upload"), true)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "send.expired")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	router, err := a.router(ctx, sc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	res, _ := router.Distribute(ctx, u.Data) // the error is res.Err

	// The buyer's name, for the directory page.
	a.rememberBuyer(ctx, sc, res.Document)

	dl := deliveryOf(res)
	dl.User, dl.File = sc.session.Email, u.FileName
	if err := sc.data.addDelivery(ctx, &dl); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	http.Redirect(w, r, "/log/"+url.PathEscape(dl.ID), http.StatusSeeOther)
}

// deliveryOf turns a distribution result into a delivery log entry, from
// the library's summary of it (the plan is kept whole, to be explained in
// each viewer's language).
func deliveryOf(res *distribution.Result) delivery {
	sum := res.Summary("en")
	dl := delivery{Number: sum.Number, Outcome: sum.Outcome, MessageID: sum.MessageID, Plan: res.Plan, Recipients: sum.Recipients, Error: sum.Error}
	dl.State, dl.Customer = stateOf(sum), customerOf(res)
	if res.Document != nil {
		dl.Buyer = res.Document.Buyer.Name
	}
	return dl
}

// deliveryView is a delivery as a page shows it, explained in the viewer's
// language from the steps stored with it.
type deliveryView struct {
	delivery
	Steps []string
}

// Explanation is the whole explanation in one paragraph.
func (d deliveryView) Explanation() string { return strings.Join(d.Steps, " ") }

// deliveryPage shows one delivery: the outcome per recipient and the
// explanation. A delivery of another company is not found.
func (a *app) deliveryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	dl, err := sc.data.delivery(r.Context(), r.PathValue("id"))
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "delivery.notFound")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	number := dl.Number
	if number == "" {
		number = translate(sc.lang, "delivery.noNumber")
	}
	a.render(w, r, sc, http.StatusOK, "delivery.html", &view{Title: translate(sc.lang, "delivery.title", number), Nav: "log",
		Page: deliveryView{dl, explain(sc.lang, dl.Plan)}})
}
