package bounce

import (
	"bytes"
	"strings"
)

// bounceSenders are the local parts and display names of the addresses
// reports come from (lower case, matched inside the From value).
var bounceSenders = []string{
	"mailer-daemon", "postmaster", "mail delivery", "mail administrator", "maildaemon", "mdaemon",
	"mail-daemon", "mailerdaemon", "post_master", "mailer_daemon", "mail.delivery",
	"internet mail delivery", "mail router", "smtp gateway", "mailfoundry", "deliveryerror", "failure notice",
}

// weakBounceSenders are sender words that make a report only of a message
// sent with the null sender or marked Auto-Submitted (a newsletter from
// noreply@ is no bounce).
var weakBounceSenders = []string{
	"bounce", "mail system", "nobody@", "notify@", "devnull@", "returned@", "error@", "mmp",
	"microsoft outlook", "auto-notify", "no-reply@", "noreply@",
}

// bounceSubjects are words of report subjects (lower case).
var bounceSubjects = []string{
	"undeliver", "undelivered", "delivery status notification", "delivery failure", "returned mail",
	"failure notice", "mail delivery failed", "delivery has failed", "non-delivery", "nondeliverable",
	"non delivery", "could not be delivered", "delivery notification", "warning: could not send",
	"returned to sender", "delivery delayed", "delayed mail", "failed delivery", "mail system error",
	"delivery failed", "not delivered", "delivery report", "delivery problem", "mail delivery",
	"message not delivered", "returned message", "bounce", "error sending", "delivery error",
	"unable to deliver", "could not send", "rejected", "mail failure", "nicht zustellbar",
	"unzustellbar", "delivery final failure", "delivery notice", "notice of delivery",
	"不達", "配信", "undeliverable", "not member",
}

// weakBounceSubjects are subject words that make a report only of a
// message sent with the null sender (Return-Path: <>) or marked
// Auto-Submitted: a customer's "Error in invoice 1001" is no bounce.
var weakBounceSubjects = []string{"error", "warning", "delivery", "エラー", "returned", "failure"}

// autoReplySubjects are words of automatic-reply subjects (lower case).
var autoReplySubjects = []string{
	"automatic reply", "auto reply", "auto-reply", "autoreply", "auto response",
	"autoresponse", "out of office", "out of the office", "abwesenheitsnotiz",
	"réponse automatique", "automaattinen vastaus", "automatiskt svar",
	"自動応答", "自動返信",
}

// weakAutoReplySubjects are subject words of automatic replies that also
// appear in people's mail ("Holiday invoice"): they count only for mail
// sent with the null sender or marked as automatic.
var weakAutoReplySubjects = []string{
	"auto:", "abwesenheit", "vacation", "poissa", "frånvaro", "away from", "on leave", "holiday",
}

// report turns what the scan gathered into the Report.
func (s *scanner) report() *Report {
	rep := &Report{}
	rep.EnvelopeID = stripType(s.dsnMsg.get("original-envelope-id"))
	if !s.origFound {
		for i, t := range s.texts {
			own, oh := splitOriginal(t)
			if oh != nil {
				s.texts[i] = own
				if !s.origFound {
					s.orig, s.origFound = oh, true
				}
			}
		}
	} else {
		for i, t := range s.texts {
			own, _ := splitOriginal(t)
			s.texts[i] = own
		}
	}
	rep.OriginalMessageID = trimAngle(s.orig.get("message-id"))
	if rep.OriginalMessageID == "" {
		rep.OriginalMessageID = trimAngle(s.dsnMsg.get("x-original-message-id"))
	}
	rep.VERP = s.verp()
	from := strings.ToLower(decodeWords(s.top.get("from")))
	subject := strings.ToLower(decodeWords(s.top.get("subject")))
	as := strings.ToLower(strings.TrimSpace(s.top.get("auto-submitted")))
	automatic := strings.TrimSpace(s.top.get("return-path")) == "<>" || as != "" && as != "no"
	bounceLike := s.reportType == "delivery-status" || containsAny(from, bounceSenders) ||
		containsAny(subject, bounceSubjects) || s.top.has("x-failed-recipients") ||
		automatic && (containsAny(subject, weakBounceSubjects) || containsAny(from, weakBounceSenders))

	max := s.limits.MaxRecipients
	switch {
	case len(s.feedback) > 0 || s.reportType == "feedback-report":
		s.complaint(rep)
		return rep
	case len(s.dsnRcpts) > 0:
		s.fromDSN(rep)
	default:
		for _, t := range s.texts {
			if ses, ok := parseSES(t, max); ok {
				if ses.OriginalMessageID != "" {
					rep.OriginalMessageID = ses.OriginalMessageID
				}
				rep.Recipients, rep.Truncated = ses.Recipients, ses.Truncated
				if ses.Kind == KindComplaint {
					rep.Kind = KindComplaint
					return rep
				}
				break
			}
		}
		if len(rep.Recipients) == 0 && s.autoReply(from, subject, bounceLike) {
			rep.Kind = KindAutoReply
			if a := cleanAddress(s.top.get("from")); a != "" {
				rep.Recipients = []Recipient{{Address: a, Reason: ReasonAutoReply, Kind: KindAutoReply}}
			}
			return rep
		}
		if len(rep.Recipients) == 0 && bounceLike {
			s.fromText(rep)
		}
	}
	if len(rep.Recipients) == 0 && len(s.inner) > 0 && s.depth < 2 {
		// a report forwarded as an attachment
		in := scanner{limits: s.limits, depth: s.depth + 1}
		in.scan(s.inner[0])
		if inner := in.report(); len(inner.Recipients) > 0 && inner.Kind != KindNotBounce && inner.Kind != KindAutoReply {
			if rep.OriginalMessageID != "" && inner.OriginalMessageID == "" {
				inner.OriginalMessageID = rep.OriginalMessageID
			}
			if inner.VERP == "" {
				inner.VERP = rep.VERP
			}
			return inner
		}
	}
	if len(rep.Recipients) == 0 {
		if !bounceLike {
			rep.Kind = KindNotBounce
			return rep
		}
		// A report whose recipients cannot be told: name the original's
		// recipient, explained by the whole text.
		a := cleanAddress(s.top.get("x-failed-recipients"))
		if a == "" {
			a = cleanAddress(s.orig.get("to"))
		}
		if a == "" {
			rep.Kind = KindNotBounce
			return rep
		}
		rep.Recipients = []Recipient{{Address: a, Diagnostic: s.allText()}}
	}
	s.finish(rep)
	return rep
}

func containsAny(s string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// autoReply reports whether a message without delivery-status or
// feedback parts is an automatic reply (RFC 3834 and the common
// non-standard markers).
func (s *scanner) autoReply(from, subject string, bounceLike bool) bool {
	as := strings.ToLower(s.top.get("auto-submitted"))
	if strings.HasPrefix(as, "auto-replied") && !containsAny(from, bounceSenders[:6]) {
		return true
	}
	if s.top.has("x-autoreply") || s.top.has("x-autorespond") || s.top.has("x-autoresponder") ||
		strings.Contains(strings.ToLower(s.top.get("x-apple-action")), "vacation") ||
		strings.Contains(strings.ToLower(s.top.get("precedence")), "auto_reply") {
		return true
	}
	if bounceLike {
		return false
	}
	automatic := strings.TrimSpace(s.top.get("return-path")) == "<>" || as != "" && as != "no" ||
		s.top.has("x-auto-response-suppress") || strings.Contains(strings.ToLower(s.top.get("precedence")), "bulk")
	return containsAny(subject, autoReplySubjects) || automatic && containsAny(subject, weakAutoReplySubjects)
}

// complaint fills a complaint report from the ARF fields.
func (s *scanner) complaint(rep *Report) {
	rep.Kind = KindComplaint
	ft := s.feedback.get("feedback-type")
	var addrs []string
	for _, f := range s.feedback {
		if f.name == "original-rcpt-to" || f.name == "removal-recipient" {
			if a := cleanAddress(f.value); a != "" {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		if a := cleanAddress(s.orig.get("to")); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		for _, t := range s.texts {
			if rs, _ := textRecipients(t, "", 1); len(rs) > 0 {
				addrs = append(addrs, rs[0].addr)
				break
			}
		}
	}
	for _, a := range addrs {
		if len(rep.Recipients) >= s.limits.MaxRecipients {
			rep.Truncated = true
			break
		}
		rep.Recipients = append(rep.Recipients, Recipient{Address: a, Reason: ReasonComplaint, Kind: KindComplaint, Diagnostic: ft})
	}
	if id := trimAngle(s.orig.get("message-id")); id != "" {
		rep.OriginalMessageID = id
	}
}

// fromDSN fills the recipients from RFC 3464 groups.
func (s *scanner) fromDSN(rep *Report) {
	for _, g := range s.dsnRcpts {
		if len(rep.Recipients) >= s.limits.MaxRecipients {
			rep.Truncated = true
			break
		}
		a := cleanAddress(g.get("final-recipient"))
		if a == "" || !strings.Contains(a, "@") {
			if o := cleanAddress(g.get("original-recipient")); o != "" {
				a = o
			}
		}
		st := g.get("status")
		r := Recipient{
			Address:    a,
			Action:     strings.ToLower(strings.TrimSpace(firstWord(g.get("action")))),
			Status:     statusIn(st),
			Diagnostic: collapse(stripType(g.get("diagnostic-code"))),
		}
		rep.Recipients = append(rep.Recipients, r)
		// "Status: 5.2.1 (mailbox disabled, not accepting messages)"
		if i := strings.IndexByte(st, '('); i >= 0 {
			if s.statusNotes == nil {
				s.statusNotes = map[int]string{}
			}
			s.statusNotes[len(rep.Recipients)-1] = strings.Trim(st[i:], "() ")
		}
	}
	// Merge duplicates a server lists twice (same address, same status).
	// Text diagnostics explain recipients the DSN leaves bare.
	texts := s.textMap()
	s.textDiag = texts
	for i := range rep.Recipients {
		r := &rep.Recipients[i]
		if d, ok := texts[strings.ToLower(r.Address)]; ok && (r.Diagnostic == "" || len(r.Diagnostic) < 8) {
			r.Diagnostic = d
		}
	}
	if len(rep.Recipients) == 1 && rep.Recipients[0].Diagnostic == "" {
		rep.Recipients[0].Diagnostic = s.allText()
	}
}

// fromText fills the recipients from a plain-text report.
func (s *scanner) fromText(rep *Report) {
	// Text that carries DSN fields without the MIME part.
	for _, t := range s.texts {
		save := len(s.dsnRcpts)
		s.parseDSN(t)
		if len(s.dsnRcpts) > save {
			s.fromDSN(rep)
			return
		}
	}
	skip := cleanAddress(s.top.get("to"))
	if strings.Contains(strings.ToLower(skip), "postmaster") || strings.Contains(strings.ToLower(skip), "mailer-daemon") {
		skip = ""
	}
	var rs []textRecipient
	for _, t := range s.texts {
		found, trunc := textRecipients(t, skip, s.limits.MaxRecipients-len(rs))
		rs = append(rs, found...)
		if trunc {
			rep.Truncated = true
			break
		}
	}
	if len(rs) == 0 {
		for _, t := range s.texts {
			rs = append(rs, inlineRecipients(t, skip, s.limits.MaxRecipients-len(rs))...)
		}
	}
	// X-Failed-Recipients (Exim) names the failed ones exactly.
	if xf := s.top.get("x-failed-recipients"); xf != "" {
		var keep []textRecipient
		for _, a := range strings.Split(xf, ",") {
			a = cleanAddress(a)
			if a == "" {
				continue
			}
			tr := textRecipient{addr: a}
			for _, r := range rs {
				if strings.EqualFold(r.addr, a) {
					tr = r
				}
			}
			keep = append(keep, tr)
		}
		rs = keep
	}
	all := ""
	for _, r := range rs {
		d := collapse(strings.Join(r.lines, " "))
		if st, code := statusAndCode(d); st == "" && code == 0 && classify(d, "") == ReasonOther {
			d = "" // the lines after the address do not explain it: the report's text does
		}
		if d == "" {
			if all == "" {
				all = s.allText()
			}
			d = all
		}
		rep.Recipients = append(rep.Recipients, Recipient{Address: r.addr, Diagnostic: d})
	}
}

// textMap returns the text diagnostics per lower-case address.
func (s *scanner) textMap() map[string]string {
	m := map[string]string{}
	for _, t := range s.texts {
		rs, _ := textRecipients(t, "", 64)
		for _, r := range rs {
			if d := collapse(strings.Join(r.lines, " ")); d != "" {
				m[strings.ToLower(r.addr)] = d
			}
		}
	}
	return m
}

// allText returns the report's own text, collapsed and bounded.
func (s *scanner) allText() string {
	var b strings.Builder
	for _, t := range s.texts {
		if b.Len() > 4096 {
			break
		}
		b.Write(t)
		b.WriteByte('\n')
	}
	d := collapse(b.String())
	if len(d) > 4096 {
		d = d[:4096]
	}
	return d
}

// finish derives status, code, reason, hardness, action and kind of each
// recipient and the report's kind.
func (s *scanner) finish(rep *Report) {
	var failed, delayed, delivered bool
	for i := range rep.Recipients {
		r := &rep.Recipients[i]
		if r.Kind != "" {
			continue
		}
		ds, code := statusAndCode(r.Diagnostic)
		if r.Status == "" || (strings.HasSuffix(r.Status, ".0.0") && ds != "" && ds[0] == r.Status[0]) {
			if ds != "" {
				r.Status = ds
			}
		}
		r.Code = code
		switch r.Action {
		case "delivered", "relayed", "expanded":
			r.Reason = ReasonDelivered
			if r.Status == "" {
				r.Status = "2.0.0"
			}
		default:
			cs := r.Status
			if ds != "" {
				cs = ds // the server's own status over the reporting MTA's
			}
			why := r.Diagnostic
			if note := s.statusNotes[i]; note != "" {
				why += " (" + note + ")"
			}
			r.Reason = classify(why, cs)
			if r.Reason == ReasonUserUnknown && s.filtered(r) {
				r.Reason = ReasonPolicy
			}
			if r.Reason == ReasonHostUnknown && (strings.HasPrefix(r.Status, "4.") || strings.Contains(strings.ToLower(r.Diagnostic), "not found, try again")) {
				// a failed lookup that may succeed later
				r.Reason = ReasonNetwork
			}

		}
		if r.Status == "" {
			r.Status = defaultStatus(r.Reason, r.Action, r.Code)
		}
		if r.Action == "" {
			switch {
			case r.Status[0] == '2':
				r.Action = "delivered"
				r.Reason = ReasonDelivered
			case r.Status[0] == '4' && r.Reason != ReasonExpired:
				r.Action = "delayed"
			default:
				r.Action = "failed"
			}
		}
		r.Hard = r.Reason.Hard() || r.Reason == ReasonNotAccepting && r.Status[0] == '5'
		// The kind follows the status: a temporary (4.x.x) failure is a
		// delay unless the server gave up (expired), whatever the action
		// says.
		switch {
		case r.Action == "delivered" || r.Action == "relayed" || r.Action == "expanded":
			r.Kind = KindDelivered
			r.Hard = false
			delivered = true
		case r.Status[0] == '4' && r.Reason != ReasonExpired:
			r.Kind = KindDelay
			delayed = true
		default:
			r.Kind = KindBounce
			failed = true
		}
	}
	switch {
	case rep.Kind != "":
	case failed:
		rep.Kind = KindBounce
	case delayed:
		rep.Kind = KindDelay
	case delivered:
		rep.Kind = KindDelivered
	default:
		rep.Kind = KindBounce
	}
}

// defaultStatus infers a status when the report gives none.
func defaultStatus(r Reason, action string, code int) string {
	class := byte('5')
	switch {
	case action == "delayed" || code >= 400 && code < 500:
		class = '4'
	case action == "delivered" || action == "relayed" || code >= 200 && code < 300:
		class = '2'
	}
	sub := ".0.0"
	switch r {
	case ReasonUserUnknown:
		sub = ".1.1"
	case ReasonHostUnknown:
		sub = ".1.2"
	case ReasonHasMoved:
		sub = ".1.6"
	case ReasonMailboxFull:
		sub = ".2.2"
	case ReasonSuspended:
		sub = ".2.1"
	case ReasonTooLarge:
		sub = ".3.4"
	case ReasonExpired:
		sub = ".4.7"
	case ReasonBlocked, ReasonSpam, ReasonPolicy:
		sub = ".7.1"
	case ReasonNetwork:
		sub = ".4.0"
	case ReasonSystem:
		sub = ".3.0"
	}
	return string(class) + sub
}

// statusIn returns the first RFC 3463 status in s, or "".
func statusIn(s string) string {
	st, _ := statusAt(s)
	return st
}

// statusAt returns the first status in s and where it starts (-1 when
// none).
func statusAt(s string) (string, int) {
	for i := 0; i+4 < len(s); i++ {
		c := s[i]
		if c != '2' && c != '4' && c != '5' || s[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.' || isLetter(s[i-1])) {
			continue // part of a number, an address or a version ("v4.6.1")
		}
		j := i + 2
		k := j
		for k < len(s) && k-j < 3 && isDigit(s[k]) {
			k++
		}
		if k == j || k >= len(s) || s[k] != '.' {
			continue
		}
		m := k + 1
		n := m
		for n < len(s) && n-m < 3 && isDigit(s[n]) {
			n++
		}
		if n == m || n < len(s) && (isDigit(s[n]) || s[n] == '.' && n+1 < len(s) && isDigit(s[n+1])) {
			continue
		}
		return s[i:n], i
	}
	return "", -1
}

// statusAndCode returns the status and SMTP reply code a diagnostic
// names: the code right before the status when there is one, else the
// first free-standing 4xx/5xx (or 2xx) number.
func statusAndCode(d string) (string, int) {
	st, at := statusAt(d)
	if at >= 4 {
		p := d[at-4 : at]
		if isDigit(p[0]) && isDigit(p[1]) && isDigit(p[2]) && (p[3] == ' ' || p[3] == '-') && (at == 4 || !isDigit(d[at-5])) {
			return st, int(p[0]-'0')*100 + int(p[1]-'0')*10 + int(p[2]-'0')
		}
	}
	for i := 0; i+2 < len(d); i++ {
		c := d[i]
		if c != '2' && c != '4' && c != '5' || !isDigit(d[i+1]) || !isDigit(d[i+2]) {
			continue
		}
		if i > 0 && !strings.ContainsRune(" :(#[\"'", rune(d[i-1])) {
			continue
		}
		if i+3 < len(d) && !strings.ContainsRune(" -)]", rune(d[i+3])) {
			continue
		}
		code := int(c-'0')*100 + int(d[i+1]-'0')*10 + int(d[i+2]-'0')
		if (code/10)%10 > 5 || c == '2' && (code < 250 || code > 252) { // not a reply code (e.g. a port or count)
			continue
		}
		return st, code
	}
	return st, 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t(;"); i >= 0 {
		return s[:i]
	}
	return s
}

// verpHeaders are the report's header fields naming the envelope
// recipient of the report, most reliable first.
var verpHeaders = []string{"x-original-to", "delivered-to", "envelope-to", "x-envelope-to", "to"}

// verp returns the first envelope address of the report with a "+" in
// its local part.
func (s *scanner) verp() string {
	for _, name := range verpHeaders {
		for _, f := range s.top {
			if f.name != name {
				continue
			}
			if a := cleanAddress(f.value); isVERP(a) {
				return a
			}
		}
	}
	if a := cleanAddress(s.orig.get("return-path")); isVERP(a) {
		return a
	}
	return ""
}

func isVERP(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && strings.IndexByte(a[:at], '+') > 0
}

// filtered reports whether a "user unknown" wording came from a content
// filter rather than a missing mailbox. In order: an addressing status
// (5.1.x) says missing mailbox; a diagnostic naming the command says RCPT
// (missing) or DATA (filter: the recipient had been accepted); so does a
// transcript's RCPT; a security, system or content status says filter;
// the reporting MTA's own 5.1.x line says missing; a transcript's DATA
// says filter; otherwise only wordings that name the recipient itself as
// unknown (recipientUnknown) say missing.
func (s *scanner) filtered(r *Recipient) bool {
	if len(r.Status) >= 3 && r.Status[2] == '1' {
		return false // the server's own status says addressing
	}
	td := s.textDiag[strings.ToLower(r.Address)]
	phase := phaseOf(r.Diagnostic)
	if phase == "" && !strings.Contains(td, ">>>") { // a transcript is read below
		phase = phaseOf(td)
	}
	switch phase {
	case "rcpt":
		return false
	case "data":
		return true
	}
	tphase := s.transcriptPhase(r.Address)
	if tphase == "rcpt" {
		return false
	}
	// A security (5.7.x), system (5.3.x) or content (5.6.x) status says
	// the words are a filter's.
	if len(r.Status) >= 3 && (r.Status[2] == '7' || r.Status[2] == '3' || r.Status[2] == '6') {
		return true
	}
	for d := td; ; {
		st, at := statusAt(d)
		if at < 0 {
			break
		}
		if st[2] == '1' {
			return false // the reporting MTA's own line for it says addressing
		}
		d = d[at+len(st):]
	}
	if tphase == "data" {
		return true
	}
	// Neither the command nor an addressing status is known: only the
	// wordings that name the recipient as the one unknown say the
	// mailbox is missing; a bare "user unknown" may be a filter's.
	return !hasAnyFoldString(r.Diagnostic, recipientUnknown)
}

// recipientUnknown are wordings that say the recipient itself is unknown
// (lower case), whatever the SMTP command.
var recipientUnknown = []string{
	">: user unknown", "recipient name is not recognized", "invalid final delivery userid",
	"and other recipients in the same domain", "not listed in public name", "mailbox unavailable",
	"dd this user doesn't have", "no such user here", "invalid recipient",
	"no such user", "unknown recipient", "recipient unknown", "recipient not found", "mailbox not found",
	"no mailbox", "does not exist", "not a valid mailbox", "unrouteable address",
	"存在しません", "宛先不明", "ユーザが存在しない",
}

// phaseOf returns the SMTP command a diagnostic says it answers:
// "rcpt", "data", "mail" or "".
func phaseOf(d string) string {
	if d == "" {
		return ""
	}
	ld := strings.ToLower(d)
	switch {
	case dataPhase(ld):
		return "data"
	case strings.Contains(ld, "rcpt to") || strings.Contains(ld, "after rcpt") || strings.Contains(ld, "rcpt_to") ||
		strings.Contains(ld, "does not like recipient") || strings.Contains(ld, "rcpt command") || strings.Contains(ld, "smtp:rcpt"):
		return "rcpt"
	case strings.Contains(ld, "mail from") || strings.Contains(ld, "after mail"):
		return "mail"
	}
	return ""
}

// transcriptPhase returns the SMTP command (lower case: "rcpt", "data",
// "mail") a session transcript shows the server answering when it
// refused addr: the last ">>> " line before the first "<<< " line naming
// addr. "" when the transcript does not say.
func (s *scanner) transcriptPhase(addr string) string {
	if s.phases == nil {
		s.phases = map[string]string{}
		for _, t := range s.texts {
			last, lastAddr := "", ""
			b := t
			for len(b) > 0 {
				line, rest := cutLine(b)
				b = rest
				l := bytes.TrimSpace(line)
				switch {
				case bytes.HasPrefix(l, []byte(">>>")):
					last = strings.ToLower(firstWord(string(l[3:])))
					lastAddr = ""
					if last == "rcpt" {
						lastAddr = addrToken(string(l))
					}
				case bytes.HasPrefix(l, []byte("<<<")):
					if _, seen := s.phases[""]; !seen && len(l) > 4 && (l[4] == '4' || l[4] == '5') {
						s.phases[""] = last
					}
					a := addrToken(string(l))
					if a == "" {
						a = lastAddr
					}
					if a == "" {
						continue
					}
					a = strings.ToLower(a)
					if _, seen := s.phases[a]; seen {
						continue
					}
					phase := last
					if st := statusIn(string(l)); len(st) > 2 && st[2] == '1' {
						phase = "rcpt" // an addressing status answers RCPT, pipelined before DATA
					}
					s.phases[a] = phase
				}
			}
		}
	}
	if p, ok := s.phases[strings.ToLower(addr)]; ok {
		return p
	}
	return s.phases[""] // the first refusal's, when it names no address
}

// addrToken returns the first address-like token (around an "@") in s.
func addrToken(s string) string {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return ""
	}
	i, j := at, at+1
	for i > 0 && isAddrChar(s[i-1]) {
		i--
	}
	for j < len(s) && isAddrChar(s[j]) {
		j++
	}
	return strings.Trim(s[i:j], ".")
}
