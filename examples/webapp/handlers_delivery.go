package main

// The document page (/log/{id}) and its actions: each recipient's state in
// the outbox, its attempts, the last reply in words, the next attempt; resend
// to the failed recipients only, release or dismiss an ambiguous recipient,
// cancel. Every action is audited.

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/outbox"
)

// rcptView is one recipient as the document page shows it.
type rcptView struct {
	Address     string
	Scan        bool // the scanning service's e-mail
	State       string
	Attempts    int
	Reply       string // the last reply in words, "" for none
	Code        int
	Enhanced    string
	Text        string // the server's own words: shown to admins only
	NextAttempt time.Time
	Dismissed   bool
}

// rcptOwnStates are the recipient states named otherwise than a
// document's (the rcpt.* texts: "Not sent (suppressed)" for the address,
// "Suppressed" for the document); every other recipient state is named as
// a document's (state.*).
var rcptOwnStates = []string{string(outbox.Suppressed)}

// StateKey is the text key of the recipient's state in words.
func (v rcptView) StateKey() string {
	if slices.Contains(rcptOwnStates, v.State) {
		return "rcpt." + v.State
	}
	return "state." + v.State
}

// deliveryPageData is the data of delivery.html.
type deliveryPageData struct {
	delivery
	Steps      []string
	Rcpts      []rcptView
	Open       bool // a worker still has something to do: the page refreshes itself
	CanResend  bool // some recipient failed, expired or bounced
	CanCancel  bool // some recipient can still be cancelled
	Ambiguous  int  // recipients waiting for release or dismissal
	Original   *delivery
	Resends    []delivery
	OutboxLost bool // the row names outbox messages the outbox no longer has
}

// Explanation is the whole explanation in one paragraph.
func (d deliveryPageData) Explanation() string { return strings.Join(d.Steps, " ") }

// failedStates are the states "resend to failed recipients" sends again.
var failedStates = []outbox.State{outbox.Failed, outbox.Expired, outbox.Bounced}

// loadDelivery returns the company's delivery of the request's path and its
// outbox messages; a delivery of another company is not found (404).
func (a *app) loadDelivery(w http.ResponseWriter, r *http.Request, sc *scope) (delivery, []messageStatus, bool) {
	dl, err := sc.data.delivery(r.Context(), r.PathValue("id"))
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusNotFound, "delivery.notFound")
		return dl, nil, false
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return dl, nil, false
	}
	sts, err := a.outboxStatus(r.Context(), sc.session.Company.ID, dl.OutboxID, dl.ScanOutboxID)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return dl, nil, false
	}
	return dl, sts, true
}

// deliveryPage shows one document: each recipient's state, attempts, last
// reply and next attempt, and the actions that apply. While a worker still
// has something to do the page refreshes itself every 5 seconds.
func (a *app) deliveryPage(w http.ResponseWriter, r *http.Request, sc *scope) {
	dl, sts, ok := a.loadDelivery(w, r, sc)
	if !ok {
		return
	}
	p := deliveryPageData{delivery: dl, Steps: explain(sc.lang, dl.Plan)}
	if len(sts) > 0 {
		p.delivery = withOutboxState(dl, sts) // fresher than the row
	} else {
		p.OutboxLost = dl.OutboxID != 0 || dl.ScanOutboxID != 0
		for _, rc := range dl.Recipients {
			p.Rcpts = append(p.Rcpts, rcptView{Address: rc.Address, Scan: rc.Profile == "scan", State: rc.Outcome, Code: rc.Code})
		}
	}
	for _, st := range sts {
		for _, rc := range st.Recipients {
			v := rcptView{Address: rc.Address, Scan: st.Scan || scanProfile(dl.Recipients, rc.Address), State: string(rc.State), Attempts: rc.Attempts,
				Reply: replyKey(rc.State, rc.Code, rc.EnhancedCode, rc.Text), Code: rc.Code, Enhanced: rc.EnhancedCode,
				NextAttempt: rc.NextAttempt, Dismissed: rc.Dismissed}
			if sc.admin() {
				v.Text = rc.Text
			}
			p.Rcpts = append(p.Rcpts, v)
			p.Open = p.Open || rc.State.Open()
			p.CanResend = p.CanResend || slices.Contains(failedStates, rc.State)
			p.CanCancel = p.CanCancel || rc.State == outbox.Pending || rc.State == outbox.Deferred || unsettled(rc)
			if unsettled(rc) {
				p.Ambiguous++
			}
		}
	}
	if dl.ResendOf != "" {
		if o, err := sc.data.delivery(r.Context(), dl.ResendOf); err == nil {
			p.Original = &o
		}
	}
	var err error
	if p.Resends, err = sc.data.resends(r.Context(), dl.ID); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	number := dl.Number
	if number == "" {
		number = translate(sc.lang, "delivery.noNumber")
	}
	v := &view{Title: translate(sc.lang, "delivery.title", number), Nav: "log", Page: p}
	if p.Open {
		v.Refresh = 5
	}
	a.render(w, r, sc, http.StatusOK, "delivery.html", v)
}

// withOutboxState returns dl with the state and the recipients its outbox
// messages have now.
func withOutboxState(dl delivery, sts []messageStatus) delivery {
	state, rcpts := summarize(sts, dl.Recipients)
	dl.State, dl.Recipients = string(state), rcpts
	return dl
}

// unsettled reports whether a recipient is ambiguous and waits for release
// or dismissal.
func unsettled(rc outbox.RecipientStatus) bool {
	return rc.State == outbox.Ambiguous && !rc.Dismissed
}

// scanProfile reports whether the stored recipients give address the scan
// delivery profile.
func scanProfile(rcpts []distribution.RecipientSummary, address string) bool {
	for _, r := range rcpts {
		if strings.EqualFold(r.Address, address) {
			return r.Profile == "scan"
		}
	}
	return false
}

// replyKey returns the text key that explains a recipient's last reply in
// words: the enhanced status code and the reply code first, then the
// words of the common servers; "" when there was no reply.
func replyKey(st outbox.State, code int, enhanced, text string) string {
	lower := strings.ToLower(text)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(lower, w) {
				return true
			}
		}
		return false
	}
	class := code / 100
	if enhanced != "" && class == 0 {
		class = int(enhanced[0] - '0')
	}
	switch {
	case st == outbox.Delivered || st == outbox.Pending || st == outbox.Sending || st == outbox.Cancelled:
		return "" // nothing to explain
	case st == outbox.Suppressed:
		return "reply.suppressed"
	case has("does not offer starttls", "starttls not offered", "starttls is not"):
		return "reply.tlsNotOffered"
	case enhanced == "5.7.10" || enhanced == "5.7.11" || code == 530 && has("starttls", "tls") || has("must issue a starttls", "tls required", "encryption required"):
		return "reply.tlsRequired"
	case has("certificate", "x509", "tls handshake"):
		return "reply.tlsFailed"
	case strings.HasSuffix(enhanced, ".1.1") || strings.HasSuffix(enhanced, ".1.10") || has("user unknown", "no such user", "unknown user", "mailbox unavailable", "does not exist", "recipient not found", "mailbox not found"):
		return "reply.mailboxUnknown"
	case strings.HasSuffix(enhanced, ".1.2") || has("no such host", "host not found", "domain not found"):
		return "reply.domainUnknown"
	case strings.HasSuffix(enhanced, ".2.2") || has("quota", "mailbox full", "mailbox is full", "over quota", "insufficient storage"):
		return "reply.mailboxFull"
	case strings.HasSuffix(enhanced, ".2.1") || has("disabled", "suspended", "inactive"):
		return "reply.mailboxDisabled"
	case strings.HasSuffix(enhanced, ".3.4") || code == 552 || has("too large", "too big", "size limit"):
		return "reply.tooLarge"
	case has("spam", "blocked", "blacklist", "block list", "blocklist", "reputation"):
		return "reply.spam"
	case st == outbox.Ambiguous:
		return "reply.ambiguous"
	case code == 421 || code == 450 || code == 451 || code == 452 || has("greylist", "try again later", "try later", "busy"):
		return "reply.tryLater"
	case strings.HasPrefix(enhanced, "5.7.") || strings.HasPrefix(enhanced, "4.7."):
		return "reply.policy"
	case code == 0 && has("connection refused", "timeout", "timed out", "i/o timeout", "connection reset", "broken pipe", "dial tcp", "eof"):
		return "reply.network"
	case st == outbox.Bounced:
		return "reply.bounced"
	case st == outbox.Expired:
		return "reply.expired"
	case class == 4:
		return "reply.temporary"
	case class == 5:
		return "reply.permanent"
	case code == 0 && text == "":
		return ""
	}
	return "reply.other"
}

// deliveryAction runs an outbox action on the request's delivery and
// records it in the audit trail with the delivery before and after; an
// action that finds nothing to do returns outbox.ErrNotAmbiguous or
// outbox.ErrNotCancellable (409). It then shows the delivery's page.
func (a *app) deliveryAction(name string, act func(ctx context.Context, sts []messageStatus, r *http.Request) error) scopedHandler {
	return func(w http.ResponseWriter, r *http.Request, sc *scope) {
		ctx := context.WithoutCancel(r.Context())
		dl, sts, ok := a.loadDelivery(w, r, sc)
		if !ok {
			return
		}
		if len(sts) == 0 {
			a.fail(w, r, sc, http.StatusConflict, "delivery.notInOutbox")
			return
		}
		before := withOutboxState(dl, sts)
		switch err := act(ctx, sts, r); {
		case errors.Is(err, outbox.ErrNotAmbiguous):
			a.fail(w, r, sc, http.StatusConflict, "delivery.notAmbiguous")
			return
		case errors.Is(err, outbox.ErrNotCancellable):
			a.fail(w, r, sc, http.StatusConflict, "delivery.notCancellable")
			return
		case err != nil:
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		ref := deliveryRef{CompanyID: sc.session.Company.ID, ID: dl.ID, OutboxID: dl.OutboxID, ScanOutboxID: dl.ScanOutboxID}
		if err := a.refreshRow(ctx, ref); err != nil {
			a.cfg.Logger.Error("updating the delivery log", "delivery", dl.ID, "err", err)
		}
		after, err := sc.data.delivery(ctx, dl.ID)
		if err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		if err := sc.audit(ctx, name, dl.Number, auditOfDelivery(before), auditOfDelivery(after)); err != nil {
			a.cfg.Logger.Error("auditing a delivery action", "delivery", dl.ID, "err", err)
		}
		http.Redirect(w, r, "/log/"+url.PathEscape(dl.ID), http.StatusSeeOther)
	}
}

// ambiguousIn returns the messages holding the ambiguous (not dismissed)
// recipient address, or every ambiguous one when address is "", with the
// addresses per message.
func ambiguousIn(sts []messageStatus, address string) map[outbox.ID][]string {
	out := make(map[outbox.ID][]string)
	for _, st := range sts {
		for _, rc := range st.Recipients {
			if unsettled(rc) && (address == "" || strings.EqualFold(rc.Address, address)) {
				out[st.ID] = append(out[st.ID], rc.Address)
			}
		}
	}
	return out
}

// releaseRecipient re-sends an ambiguous recipient (the form's address, or
// all) with the same bytes and Message-ID.
func (a *app) releaseRecipient(ctx context.Context, sts []messageStatus, r *http.Request) error {
	return a.settleAmbiguous(ctx, sts, r.PostFormValue("address"), a.mail.ob.Release)
}

// dismissRecipient closes the ambiguity of a recipient (the form's
// address, or all) without sending.
func (a *app) dismissRecipient(ctx context.Context, sts []messageStatus, r *http.Request) error {
	return a.settleAmbiguous(ctx, sts, r.PostFormValue("address"), a.mail.ob.Dismiss)
}

// settleAmbiguous applies Release or Dismiss to the ambiguous recipients;
// it returns outbox.ErrNotAmbiguous when there is none.
func (a *app) settleAmbiguous(ctx context.Context, sts []messageStatus, address string, f func(context.Context, outbox.ID, []string) error) error {
	targets := ambiguousIn(sts, address)
	if len(targets) == 0 {
		return outbox.ErrNotAmbiguous
	}
	for id, addrs := range targets {
		if err := f(ctx, id, addrs); err != nil {
			return err
		}
	}
	return nil
}

// cancelDelivery cancels every recipient not delivered yet; it returns
// outbox.ErrNotCancellable when there was none in any of the messages.
func (a *app) cancelDelivery(ctx context.Context, sts []messageStatus, _ *http.Request) error {
	cancelled := false
	for _, st := range sts {
		err := a.mail.ob.Cancel(ctx, st.ID)
		switch {
		case errors.Is(err, outbox.ErrNotCancellable):
		case err != nil:
			return err
		default:
			cancelled = true
		}
	}
	if !cancelled {
		return outbox.ErrNotCancellable
	}
	return nil
}

// resendFailed sends the document again to its failed, expired and
// bounced recipients only: a new outbox message (through the duplicate
// guard as an explicit resend by the user) with its own log row, linked to
// the first delivery, stored in one transaction.
func (a *app) resendFailed(w http.ResponseWriter, r *http.Request, sc *scope) {
	ctx := context.WithoutCancel(r.Context())
	dl, sts, ok := a.loadDelivery(w, r, sc)
	if !ok {
		return
	}
	failed := make(map[string]bool)
	for _, st := range sts {
		for _, rc := range st.Recipients {
			if slices.Contains(failedStates, rc.State) {
				failed[strings.ToLower(rc.Address)] = true
			}
		}
	}
	if len(failed) == 0 || dl.Plan == nil {
		a.fail(w, r, sc, http.StatusConflict, "delivery.nothingToResend")
		return
	}
	data, err := sc.data.deliveryDocument(ctx, dl.ID)
	if errors.Is(err, errNotFound) {
		a.fail(w, r, sc, http.StatusConflict, "delivery.nothingToResend")
		return
	} else if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	doc, err := docparse.Parse(data, &docparse.Options{MaxSize: a.cfg.MaxDocumentSize})
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	router, err := a.router(ctx, sc)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	std, scan := failedPlans(dl.Plan, failed)
	tx, err := a.mail.db.BeginTx(ctx, nil)
	if err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	defer tx.Rollback()
	root := dl.ID
	if dl.ResendOf != "" {
		root = dl.ResendOf
	}
	nd := delivery{User: sc.session.Email, File: dl.File, Number: dl.Number, Outcome: distribution.Queued, State: string(outbox.Pending),
		Customer: dl.Customer, Buyer: dl.Buyer, ResendOf: root, Recipients: []distribution.RecipientSummary{}}
	for i, part := range []*distribution.Plan{std, scan} {
		if part == nil {
			continue
		}
		msg, err := router.Compose(doc, part)
		if err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		msg.MessageID = "jakelu.resend." + strings.ToLower(rand.Text()) + msg.MessageID[strings.LastIndexByte(msg.MessageID, '@'):]
		opts := &outbox.EnqueueOptions{Tenant: sc.session.Company.ID, DocumentRef: string(doc.Type) + " " + doc.Number,
			DocumentKey: doc.Seller.Name + "\n" + string(doc.Type) + "\n" + doc.Number, AllowDuplicate: true, RequestedBy: sc.session.Email}
		if i == 1 {
			opts.DocumentRef += " (scan)"
			opts.DocumentKey += "\nscan"
		}
		id, err := a.mail.ob.Enqueue(ctx, tx, msg, opts)
		if err != nil {
			a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
			return
		}
		if i == 0 {
			nd.OutboxID, nd.MessageID = int64(id), msg.MessageID
		} else {
			nd.ScanOutboxID = int64(id)
			if nd.MessageID == "" {
				nd.MessageID = msg.MessageID
			}
		}
		nd.Recipients = append(nd.Recipients, pendingRecipients(part)...)
	}
	nd.Plan = mergePlans(dl.Plan, std, scan)
	if err := sc.data.insertDelivery(ctx, tx, &nd, data); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := tx.Commit(); err != nil {
		a.fail(w, r, sc, http.StatusInternalServerError, "error.internal", err)
		return
	}
	if err := sc.audit(ctx, "delivery.resendFailed", dl.Number, auditOfDelivery(withOutboxState(dl, sts)), auditOfDelivery(nd)); err != nil {
		a.cfg.Logger.Error("auditing a resend", "delivery", nd.ID, "err", err)
	}
	http.Redirect(w, r, "/log/"+url.PathEscape(nd.ID), http.StatusSeeOther)
}

// failedPlans returns the plan's recipients among failed (lower-case
// addresses) as one plan per e-mail: the standard one and the scanning
// service's (nil when it has nobody). A copy recipient alone becomes a
// primary one, as an e-mail needs one.
func failedPlans(p *distribution.Plan, failed map[string]bool) (std, scan *distribution.Plan) {
	pick := func(rs []distribution.Recipient, profile bool) []distribution.Recipient {
		var out []distribution.Recipient
		for _, r := range rs {
			if failed[strings.ToLower(r.Address)] && (r.Profile == registry.ProfileScan) == profile {
				out = append(out, r)
			}
		}
		return out
	}
	part := func(profile bool) *distribution.Plan {
		c := *p
		c.To, c.Cc = pick(p.To, profile), pick(p.Cc, profile)
		if len(c.To) == 0 {
			c.To, c.Cc = c.Cc, nil
		}
		if len(c.To) == 0 {
			return nil
		}
		return &c
	}
	return part(false), part(true)
}

// mergePlans returns the plan of a resend: the first delivery's plan with
// the recipients of its parts.
func mergePlans(p *distribution.Plan, parts ...*distribution.Plan) *distribution.Plan {
	c := *p
	c.To, c.Cc = nil, nil
	for _, part := range parts {
		if part != nil {
			c.To, c.Cc = append(c.To, part.To...), append(c.Cc, part.Cc...)
		}
	}
	return &c
}
