package main

// The suppressions page: the company's suppression list (addresses not
// mailed after a hard bounce, a complaint, or repeated soft bounces), why and
// since when, and removing an address (audited).

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport/outbox"
)

// suppressionView is one address of the suppressions page.
type suppressionView struct {
	Address   string
	Why       string // Suppression.Message in the page's language
	Since     time.Time
	Count     int
	Active    bool
	RemovedBy string
	RemovedAt time.Time
}

// suppressionsPage is the data of suppressions.html.
type suppressionsPage struct {
	Active, Removed []suppressionView
}

// suppressionsPage lists the company's suppression list: the active and
// lapsed addresses, and separately the removed ones.
func (a *app) suppressionsPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	list, err := a.mail.suppr.List(r.Context(), sc.session.Company.ID, true)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	now := a.cfg.Now()
	var p suppressionsPage
	for _, s := range list {
		v := suppressionView{Address: s.Address, Why: s.Message(sc.lang), Since: s.FirstSeen, Count: s.Count,
			Active: s.Active(now), RemovedBy: s.RemovedBy, RemovedAt: s.RemovedAt}
		if !s.RemovedAt.IsZero() {
			p.Removed = append(p.Removed, v)
		} else {
			p.Active = append(p.Active, v)
		}
	}
	a.render(w, r, sc, http.StatusOK, "suppressions.html", &view{Title: translate(sc.lang, "supp.title"), Nav: "suppressions", Page: p})
}

// suppressionAudit is what the audit trail records of a suppression.
type suppressionAudit struct {
	Address   string    `json:"address"`
	Reason    string    `json:"reason"`
	Status    string    `json:"status,omitempty"`
	Code      int       `json:"code,omitempty"`
	Source    string    `json:"source"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	RemovedBy string    `json:"removed_by,omitempty"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// auditOfSuppression returns the audit record of a suppression.
func auditOfSuppression(s *outbox.Suppression) suppressionAudit {
	return suppressionAudit{Address: s.Address, Reason: string(s.Reason), Status: s.Status, Code: s.Code, Source: string(s.Source),
		Count: s.Count, FirstSeen: s.FirstSeen, RemovedBy: s.RemovedBy, RemovedAt: s.RemovedAt}
}

// findSuppression returns the company's suppression of address (removed
// ones too, when withRemoved), or nil.
func (a *app) findSuppression(ctx context.Context, companyID, address string, withRemoved bool) (*outbox.Suppression, error) {
	list, err := a.mail.suppr.List(ctx, companyID, withRemoved)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.EqualFold(list[i].Address, address) && (withRemoved || list[i].RemovedAt.IsZero()) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// removeSuppression lifts the suppression of the form's address, recording
// the user, and audits it with the entry before and after.
func (a *app) removeSuppression(w http.ResponseWriter, r *http.Request, sc *scope) {
	ctx := context.WithoutCancel(r.Context())
	address := strings.TrimSpace(r.PostFormValue("address"))
	before, err := a.findSuppression(ctx, sc.session.Company.ID, address, false)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if before == nil {
		a.fail(w, r, sc, http.StatusNotFound, "supp.notFound")
		return
	}
	err = a.mail.ob.Suppressions().Remove(ctx, sc.session.Company.ID, before.Address, sc.session.Email)
	if errors.Is(err, outbox.ErrNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "supp.notFound")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	after, err := a.findSuppression(ctx, sc.session.Company.ID, before.Address, true)
	if err != nil || after == nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := sc.audit(ctx, "suppression.remove", before.Address, auditOfSuppression(before), auditOfSuppression(after)); err != nil {
		a.cfg.Logger.Error("auditing a suppression's removal", "err", err)
	}
	http.Redirect(w, r, "/suppressions", http.StatusSeeOther)
}
