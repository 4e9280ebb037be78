package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport/outbox"
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
	Confirm  string // the plan's fingerprint (planKey), what Send confirms
	Doc      *docparse.Document
	Plan     *distribution.Plan // nil when routing did not start
	Steps    []string           // the plan explained, one sentence per step
	Problem  string             // why it cannot be sent, "" when it can
	Notice   string             // why the plan is shown again instead of sending
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

// planKey is the fingerprint of a plan's recipients: each address with
// its role (to, cc) and delivery profile. The plan page carries it, and
// Send enqueues only when the document's plan still has it.
func planKey(p *distribution.Plan) string {
	if p == nil {
		return ""
	}
	var lines []string
	for _, r := range p.To {
		lines = append(lines, "to\x00"+strings.ToLower(r.Address)+"\x00"+string(r.Profile))
	}
	for _, r := range p.Cc {
		lines = append(lines, "cc\x00"+strings.ToLower(r.Address)+"\x00"+string(r.Profile))
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

// planPageOf returns the plan page of a parsed document from the outcome
// of router.Plan: the plan, or why it cannot be sent. ok reports a plan
// that can be sent; a nil page means err is for a 500.
func (a *app) planPageOf(lang string, doc *docparse.Document, plan *distribution.Plan, err error) (*planPage, bool) {
	p := &planPage{Doc: doc}
	var noRecipient *distribution.NoRecipientError
	var lookup *distribution.LookupError
	switch {
	case errors.Is(err, distribution.ErrDistributionDisabled):
		p.Problem, p.Disabled = translate(lang, "plan.disabled"), true
	case errors.As(err, &noRecipient):
		p.Plan, p.Problem = noRecipient.Plan, translate(lang, "plan.noRecipient")
	case errors.As(err, &lookup):
		a.cfg.Logger.Error("planning a document", "err", err)
		p.Problem = translate(lang, "plan.lookupFailed")
	case err != nil:
		return nil, false
	default:
		p.Plan, p.Confirm = plan, planKey(plan)
	}
	p.Steps = explain(lang, p.Plan)
	return p, err == nil
}

// planDocument plans doc with the company's router and returns its plan
// page; ok reports a plan that can be sent. An error is for a 500.
func (a *app) planDocument(ctx context.Context, sc *scope, doc *docparse.Document) (p *planPage, ok bool, err error) {
	router, err := a.router(ctx, sc)
	if err != nil {
		return nil, false, err
	}
	plan, err := router.Plan(ctx, doc)
	if p, ok = a.planPageOf(sc.lang, doc, plan, err); p == nil {
		return nil, false, err
	}
	return p, ok, nil
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
	p, ok, err := a.planDocument(r.Context(), sc, doc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if ok {
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
	a.render(w, r, sc, http.StatusOK, "plan.html", &view{Title: translate(sc.lang, "plan.title", doc.Number), Nav: "send", Page: p})
}

// duplicatePage is the data of duplicate.html: the duplicate guard's
// question before a document is sent again.
type duplicatePage struct {
	Number   string
	SentAt   time.Time
	Previous *delivery // the earlier delivery in the log, nil when not found
	Upload   string
	Confirm  string
}

// sendConfirm puts a planned document into the outbox and shows its page.
// The upload is taken, the e-mail stored and the log row added in one
// transaction, so a document is queued once even when Send is pressed
// twice, and never without its row. It enqueues only the plan the user
// confirmed: when the directory changed since, the new plan is shown
// instead. A document sent before gets the duplicate guard's question; its
// confirmation (resend=1) sends it again.
func (a *app) sendConfirm(w http.ResponseWriter, r *http.Request, sc *scope) {
	ctx := context.WithoutCancel(r.Context())
	resend := r.PostFormValue("resend") == "1"
	router, err := a.router(ctx, sc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	tx, err := a.mail.db.BeginTx(ctx, nil)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	defer tx.Rollback()
	u, err := sc.data.takeUpload(ctx, tx, "send", r.PostFormValue("upload"))
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "send.expired")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	opts := &distribution.EnqueueOptions{Tenant: sc.session.Company.ID}
	if resend {
		opts.AllowDuplicate, opts.RequestedBy = true, sc.session.Email
	}
	res, err := router.Enqueue(ctx, tx, u.Data, opts)
	var dup *distribution.DuplicateError
	switch {
	case errors.Is(err, distribution.ErrDistributionDisabled):
		tx.Rollback()
		a.fail(w, r, sc, http.StatusConflict, "plan.disabled")
		return
	case res.Document != nil && planKey(res.Plan) != r.PostFormValue("plan") && res.Outcome != distribution.Rejected:
		// The directory changed since the plan was shown: show the new
		// one, and keep the upload (the transaction is rolled back).
		tx.Rollback()
		if err := sc.data.setFlash(ctx, "plan.changed", ""); err != nil {
			a.cfg.Logger.Error("keeping a message", "err", err)
		}
		http.Redirect(w, r, "/send/plan/"+url.PathEscape(u.ID), http.StatusSeeOther)
		return
	case errors.As(err, &dup):
		tx.Rollback()
		p := duplicatePage{Number: res.Document.Number, SentAt: dup.SentAt, Upload: u.ID, Confirm: r.PostFormValue("plan")}
		if prev, err := sc.data.deliveryByOutbox(ctx, int64(dup.Previous)); err == nil {
			p.Previous = &prev
		}
		a.render(w, r, sc, http.StatusConflict, "duplicate.html", &view{Title: translate(sc.lang, "duplicate.title", p.Number), Nav: "send", Page: p})
		return
	case res.Outcome == distribution.Deferred:
		// The outbox or the directory failed: nothing is stored, the
		// upload stays for another try.
		a.fail(w, r, sc, http.StatusServiceUnavailable, "send.notQueued", err)
		return
	}
	dl := deliveryOf(res)
	dl.User, dl.File = sc.session.Email, u.FileName
	if err := sc.data.insertDelivery(ctx, tx, &dl, u.Data); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := tx.Commit(); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	// The buyer's name, for the directory page.
	a.rememberBuyer(ctx, sc, res.Document)
	action := "delivery.send"
	if resend {
		action = "delivery.resend"
	}
	if err := sc.audit(ctx, action, dl.Number, nil, auditOfDelivery(dl)); err != nil {
		a.cfg.Logger.Error("auditing a send", "delivery", dl.ID, "err", err)
	}
	http.Redirect(w, r, "/log/"+url.PathEscape(dl.ID), http.StatusSeeOther)
}

// deliveryAudit is what the audit trail records of a delivery.
type deliveryAudit struct {
	Delivery   string   `json:"delivery"`
	Number     string   `json:"number"`
	Outcome    string   `json:"outcome"`
	State      string   `json:"state"`
	Recipients []string `json:"recipients"` // "address: state"
	OutboxIDs  []int64  `json:"outbox_ids,omitempty"`
	ResendOf   string   `json:"resend_of,omitempty"`
}

// auditOfDelivery returns the audit record of a delivery.
func auditOfDelivery(dl delivery) deliveryAudit {
	a := deliveryAudit{Delivery: dl.ID, Number: dl.Number, Outcome: string(dl.Outcome), State: dl.State, Recipients: []string{}, ResendOf: dl.ResendOf}
	for _, r := range dl.Recipients {
		a.Recipients = append(a.Recipients, r.Address+": "+r.Outcome)
	}
	for _, id := range []int64{dl.OutboxID, dl.ScanOutboxID} {
		if id != 0 {
			a.OutboxIDs = append(a.OutboxIDs, id)
		}
	}
	return a
}

// deliveryOf turns the result of Enqueue into a delivery log row: queued
// with its outbox messages and the plan's recipients pending, or the
// outcome that kept it out of the outbox. The plan is kept whole, to be
// explained in each viewer's language.
func deliveryOf(res *distribution.Result) delivery {
	sum := res.Summary("en")
	dl := delivery{Number: sum.Number, Outcome: sum.Outcome, MessageID: sum.MessageID, Plan: res.Plan, Recipients: sum.Recipients,
		Error: sum.Error, OutboxID: int64(res.OutboxID), ScanOutboxID: int64(res.ScanOutboxID), State: string(sum.Outcome)}
	if res.Outcome == distribution.Queued {
		dl.State, dl.Error, dl.Recipients = string(outbox.Pending), "", pendingRecipients(res.Plan)
	}
	if d := res.Document; d != nil {
		dl.Buyer = d.Buyer.Name
		dl.Customer = customerOf(d, res.Plan)
	}
	return dl
}

// pendingRecipients lists a plan's recipients as the log stores them
// before a worker tried them.
func pendingRecipients(p *distribution.Plan) []distribution.RecipientSummary {
	out := []distribution.RecipientSummary{}
	if p == nil {
		return out
	}
	for _, r := range append(slices.Clone(p.To), p.Cc...) {
		out = append(out, distribution.RecipientSummary{Address: r.Address, Outcome: string(outbox.Pending), Profile: string(r.Profile)})
	}
	return out
}

// customerOf returns the buyer's customer number of a document: the one
// the directory matched, else the first the document (nil: none) has.
func customerOf(d *docparse.Document, p *distribution.Plan) string {
	if p != nil {
		for _, r := range append(slices.Clone(p.To), p.Cc...) {
			if r.CustomerNumber != "" {
				return r.CustomerNumber
			}
		}
		for _, s := range p.Steps { // a stored plan of an older version
			if s.Code == distribution.StepDirectoryHit && s.CustomerNumber != "" {
				return s.CustomerNumber
			}
		}
	}
	if d != nil && len(d.CustomerNumbers) > 0 {
		return d.CustomerNumbers[0].Value
	}
	return ""
}

// deliveryView is a delivery as a page shows it, explained in the viewer's
// language from the steps stored with it.
type deliveryView struct {
	delivery
	Steps []string
}

// Explanation is the whole explanation in one paragraph.
func (d deliveryView) Explanation() string { return strings.Join(d.Steps, " ") }
