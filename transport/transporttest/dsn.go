package transporttest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Bounces returns the reports the server generated for messages to
// [Script.Unknown] recipients, in order: each is addressed (To) to the
// message's envelope sender, with the null sender (From ""), and its Data
// is an RFC 3464 multipart/report naming the recipient (Final-Recipient,
// Action failed, Status 5.1.1, "550 5.1.1 user unknown"), the ENVID the
// client gave with MAIL (Original-Envelope-Id) and the original message's
// header. Hand them to the code that reads bounces.
func (s *Server) Bounces() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bounces)
}

// bounce records a report for every unknown recipient of a stored
// message; s.mu is held.
func (s *Server) bounce(from, envid string, to []string, data []byte) {
	if from == "" { // never bounce a bounce
		return
	}
	for _, rcpt := range to {
		if !slices.ContainsFunc(s.script.Unknown, func(u string) bool { return strings.EqualFold(u, rcpt) }) {
			continue
		}
		s.bounces = append(s.bounces, Stored{ID: len(s.bounces) + 1, To: []string{from}, Data: dsn(from, envid, rcpt, data)})
	}
}

// dsn writes the report about rcpt of the message data sent by from.
func dsn(from, envid, rcpt string, data []byte) []byte {
	header := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		header = data[:i+2]
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@transporttest.invalid>\r\nTo: <%s>\r\n", from)
	b.WriteString("Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=\"transporttest-dsn\"\r\n\r\n")
	b.WriteString("--transporttest-dsn\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	fmt.Fprintf(&b, "Your message could not be delivered to <%s>: user unknown.\r\n\r\n", rcpt)
	b.WriteString("--transporttest-dsn\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; transporttest.invalid\r\n")
	if envid != "" {
		fmt.Fprintf(&b, "Original-Envelope-Id: %s\r\n", envid)
	}
	fmt.Fprintf(&b, "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: user unknown\r\n\r\n", rcpt, rcpt)
	b.WriteString("--transporttest-dsn\r\nContent-Type: text/rfc822-headers\r\n\r\n")
	b.Write(header)
	b.WriteString("\r\n--transporttest-dsn--\r\n")
	return b.Bytes()
}
