package bounce

import (
	"bytes"
	"encoding/json"
	"strings"
)

// scanner walks one message and gathers what a report needs.
type scanner struct {
	limits      Limits
	top         header
	parts       int
	reportType  string
	dsnMsg      header   // the per-message DSN fields
	dsnRcpts    []header // the per-recipient DSN groups
	feedback    header   // the ARF fields
	orig        header   // the returned message's header
	origFound   bool
	texts       [][]byte          // the human-readable parts, decoded
	inner       [][]byte          // message/rfc822 bodies, for a forwarded report
	phases      map[string]string // SMTP command per address, from transcripts
	textDiag    map[string]string // the text part's diagnostic per address
	depth       int               // how many forwarded reports deep this one is
	statusNotes map[int]string    // the comment of a recipient's DSN Status field, by position
}

// maxFolds bounds the continuation lines of one report field.
const maxFolds = 64

// maxHeaderFields bounds one header block.
const maxHeaderFields = 1000

func (s *scanner) scan(data []byte) {
	h, body := parseHeader(data, maxHeaderFields)
	s.top = h
	s.entity(h, body, 0)
}

// entity reads one MIME entity.
func (s *scanner) entity(h header, body []byte, depth int) {
	s.parts++
	if s.parts > s.limits.MaxParts || depth > s.limits.MaxDepth {
		return
	}
	ct := h.get("content-type")
	if ct == "" && depth == 0 {
		if b := sniffBoundary(body); b != "" {
			ct = `multipart/mixed; boundary="` + b + `"`
		}
	}
	mt := mediaType(ct)
	cte := h.get("content-transfer-encoding")
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if mt == "multipart/report" && s.reportType == "" {
			s.reportType = strings.ToLower(param(ct, "report-type"))
		}
		parts := splitMultipart(body, param(ct, "boundary"), s.limits.MaxParts)
		if len(parts) == 0 {
			s.texts = append(s.texts, decodeBody(body, cte, param(ct, "charset")))
			return
		}
		for _, p := range parts {
			ph, pb := parseHeader(p, maxHeaderFields)
			if !ph.has("content-type") && (ph.has("received") || ph.has("return-path") || ph.has("message-id")) {
				// the returned message's header without a part header
				if !s.origFound {
					s.orig, s.origFound = ph, true
				}
				continue
			}
			s.entity(ph, pb, depth+1)
		}
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		s.parseDSN(decodeBody(body, cte, ""))
	case mt == "message/feedback-report":
		fb := decodeBody(body, cte, "")
		for _, g := range fieldGroups(fb) {
			s.feedback = append(s.feedback, g...)
		}
	case mt == "message/rfc822" || mt == "message/global" || mt == "text/rfc822-headers" ||
		mt == "message/rfc822-headers" || mt == "message/global-headers" || mt == "message/partial":
		b := decodeBody(body, cte, "")
		oh, ob := parseHeader(b, maxHeaderFields)
		if !s.origFound && len(oh) > 0 {
			s.orig, s.origFound = oh, true
		}
		if len(ob) > 0 && len(s.inner) < 4 {
			s.inner = append(s.inner, b)
		}
	case mt == "" || strings.HasPrefix(mt, "text/"):
		if mt != "" && mt != "text/plain" && mt != "text/html" && mt != "text/enriched" {
			return
		}
		t := decodeBody(body, cte, param(ct, "charset"))
		if mt == "text/html" {
			if len(s.texts) > 0 {
				return // the plain alternative is read already
			}
			t = stripHTML(t)
		}
		s.texts = append(s.texts, t)
	}
}

// fieldGroups splits a delivery-status or feedback-report body into its
// blank-line separated groups of fields. Lines that are not fields are
// skipped.
func fieldGroups(b []byte) []header {
	var groups []header
	var cur header
	folds := 0 // continuation lines of the last field
	for len(b) > 0 {
		line, rest := cutLine(b)
		b = rest
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = nil
			}
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(cur) > 0 {
			if last := &cur[len(cur)-1]; len(last.value) < maxFieldLen && folds < maxFolds {
				last.value += " " + string(t)
				folds++
			}
			continue
		}
		folds = 0
		colon := bytes.IndexByte(t, ':')
		if colon <= 0 || !isFieldName(bytes.TrimRight(t[:colon], " \t")) {
			continue
		}
		if len(cur) < maxHeaderFields {
			cur = append(cur, field{name: lowerName(bytes.TrimRight(t[:colon], " \t")), value: string(bytes.TrimSpace(t[colon+1:]))})
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// parseDSN reads a message/delivery-status body: the per-message group
// and one group per recipient. Recipients not separated by blank lines
// are split where a second Final-Recipient (or an Original-Recipient after
// one) starts.
func (s *scanner) parseDSN(b []byte) {
	for _, g := range fieldGroups(b) {
		var cur header
		flush := func() {
			if len(cur) == 0 {
				return
			}
			if cur.has("final-recipient") || cur.has("original-recipient") {
				s.dsnRcpts = append(s.dsnRcpts, cur)
			} else {
				s.dsnMsg = append(s.dsnMsg, cur...)
			}
			cur = nil
		}
		for _, f := range g {
			if f.name == "final-recipient" || f.name == "original-recipient" {
				if cur.has(f.name) || cur.has("action") || cur.has("status") {
					flush()
				}
			}
			cur = append(cur, f)
		}
		flush()
	}
}

// stripHTML turns HTML into text: tags dropped, block ends as newlines,
// a few entities decoded.
func stripHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '<' {
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				break
			}
			tag := bytes.ToLower(b[i+1 : i+j])
			if bytes.HasPrefix(tag, []byte("br")) || bytes.HasPrefix(tag, []byte("/p")) || bytes.HasPrefix(tag, []byte("/div")) ||
				bytes.HasPrefix(tag, []byte("/tr")) || bytes.HasPrefix(tag, []byte("p")) || bytes.HasPrefix(tag, []byte("/h")) || bytes.HasPrefix(tag, []byte("/li")) {
				out = append(out, '\n')
			} else {
				out = append(out, ' ')
			}
			i += j
			continue
		}
		out = append(out, c)
	}
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&quot;", `"`, "&#39;", "'")
	return []byte(r.Replace(string(out)))
}

// sesNotification is the part of an Amazon SES (SNS) notification read
// here.
type sesNotification struct {
	Message          string `json:"Message"`
	NotificationType string `json:"notificationType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
	} `json:"delivery"`
	Mail *struct {
		MessageID string `json:"messageId"`
		Headers   []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
	} `json:"mail"`
}

// parseSES reads an Amazon SES notification (JSON, possibly wrapped in an
// SNS envelope) from a text part. ok is false when t is none.
func parseSES(t []byte, max int) (rep *Report, ok bool) {
	t = bytes.TrimSpace(t)
	if len(t) == 0 || t[0] != '{' || !bytes.Contains(t, []byte("notificationType")) {
		return nil, false
	}
	var n sesNotification
	// The JSON object may be followed by text (SNS's unsubscribe note).
	if json.NewDecoder(bytes.NewReader(t)).Decode(&n) != nil {
		// mailers fold long lines: join them back
		t = bytes.ReplaceAll(t, []byte("\n "), nil)
		t = bytes.ReplaceAll(t, []byte("\n"), nil)
		if json.NewDecoder(bytes.NewReader(t)).Decode(&n) != nil {
			return nil, false
		}
	}
	if n.Message != "" && n.NotificationType == "" {
		var inner sesNotification
		if json.Unmarshal([]byte(n.Message), &inner) != nil {
			return nil, false
		}
		n = inner
	}
	rep = &Report{}
	if n.Mail != nil {
		for _, h := range n.Mail.Headers {
			if strings.EqualFold(h.Name, "Message-ID") {
				rep.OriginalMessageID = trimAngle(h.Value)
			}
		}
	}
	switch strings.ToLower(n.NotificationType) {
	case "bounce":
		if n.Bounce == nil {
			return nil, false
		}
		for _, br := range n.Bounce.BouncedRecipients {
			if len(rep.Recipients) >= max {
				rep.Truncated = true
				break
			}
			r := Recipient{Address: cleanAddress(br.EmailAddress), Action: strings.ToLower(br.Action), Status: br.Status}
			r.Diagnostic = collapse(stripType(br.DiagnosticCode))
			if n.Bounce.BounceType == "Transient" && r.Action == "" {
				r.Action = "delayed"
			}
			rep.Recipients = append(rep.Recipients, r)
		}
	case "complaint":
		rep.Kind = KindComplaint
		if n.Complaint != nil {
			for _, c := range n.Complaint.ComplainedRecipients {
				rep.Recipients = append(rep.Recipients, Recipient{Address: cleanAddress(c.EmailAddress), Reason: ReasonComplaint, Kind: KindComplaint, Diagnostic: n.Complaint.ComplaintFeedbackType})
			}
		}
	case "delivery":
		if n.Delivery == nil {
			return nil, false
		}
		for _, a := range n.Delivery.Recipients {
			rep.Recipients = append(rep.Recipients, Recipient{Address: cleanAddress(a), Action: "delivered", Diagnostic: collapse(n.Delivery.SMTPResponse)})
		}
	default:
		return nil, false
	}
	return rep, true
}

// sniffBoundary finds the boundary of a multipart body whose header lost
// its Content-Type: a "--token" line among the first lines that comes
// back later. "" when there is none.
func sniffBoundary(body []byte) string {
	b := body
	for i := 0; i < 20 && len(b) > 0; i++ {
		line, rest := cutLine(b)
		b = rest
		line = bytes.TrimRight(line, " \t")
		if len(line) > 10 && line[0] == '-' && line[1] == '-' && line[2] != '-' && bytes.IndexByte(line, ' ') < 0 &&
			bytes.Contains(rest, line) {
			return string(line[2:])
		}
	}
	return ""
}
