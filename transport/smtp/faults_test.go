package smtp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// Outcome shorthands for the fault table.
const (
	ok   = transport.Delivered
	amb  = transport.Ambiguous
	def  = transport.Deferred
	fail = transport.Failed
)

// scenario is one row of the fault matrix: a scripted server, the
// transport's options and the message, and what must happen.
type scenario struct {
	name   string
	script transporttest.Script
	opts   func(*smtp.Options)
	msg    func(*transport.Message)
	// cancelAt cancels the Send's context when the server reads this verb.
	cancelAt string
	// want is each recipient's outcome (address → outcome); the base
	// message's recipients are a@, b@ and c@example.com.
	want  map[string]transport.Outcome
	stage transport.Stage // the SendError's stage, "" when all delivered
	errIs error           // a target the error must match, if any
	// config is whether the error must be a configuration error
	// (transport.IsConfig).
	config bool
	// errAs checks the error further, if set.
	errAs func(error) bool
	// stored is the number of messages the server must have stored.
	stored int
	// retry sends the message again with the same Message-ID after the
	// first attempt, as a caller does after an ambiguous outcome; the
	// second attempt must deliver to every recipient.
	retry bool
	check func(t *testing.T, srv *transporttest.Server)
	// batch, when set, sends many messages one after another through one
	// transport instead of the one message.
	batch *batch
}

// batch is a scenario's run of messages: message i (from 1) is the base
// message named "<scenario> <i>", and want counts the messages by outcome
// (every recipient of a message must have the same outcome). The
// scenario's stage and errIs apply to the messages not delivered.
type batch struct {
	messages int
	want     map[transport.Outcome]int
}

// nth answers r to the n-th command verb ("." for the end of data) the
// server reads, counted across connections, and normally to the others.
// Each call makes a new counter.
func nth(verb string, n int32, r transporttest.Response) func(transporttest.Command) transporttest.Response {
	var seen atomic.Int32
	return func(c transporttest.Command) transporttest.Response {
		if c.Verb == verb && seen.Add(1) == n {
			return r
		}
		return transporttest.Response{}
	}
}

func all(o transport.Outcome) map[string]transport.Outcome {
	return map[string]transport.Outcome{"a@example.com": o, "b@example.com": o, "c@example.com": o}
}

// reply scripts one verb (and, for RCPT, one address) to get r.
func reply(verb, addr string, r transporttest.Response) func(transporttest.Command) transporttest.Response {
	return func(c transporttest.Command) transporttest.Response {
		if c.Verb == verb && (addr == "" || c.Address == addr) {
			return r
		}
		return transporttest.Response{}
	}
}

func certError(err error) bool {
	var ce *tls.CertificateVerificationError
	return errors.As(err, &ce)
}

func faultScenarios() []scenario {
	// Each timeout scenario shortens only the stage it tests, so that a
	// busy machine cannot make another stage time out.
	greetingTimeout := func(o *smtp.Options) { o.Timeouts.Greeting = 200 * time.Millisecond }
	commandTimeout := func(o *smtp.Options) { o.Timeouts.Command = time.Second }
	finalTimeout := func(o *smtp.Options) { o.Timeouts.DataEnd = 200 * time.Millisecond }
	r := func(code int, enh, text string) transporttest.Response {
		return transporttest.Response{Code: code, Enhanced: enh, Text: text}
	}
	return []scenario{
		{name: "delivered", want: all(ok), stored: 1},
		{name: "banner 421", script: transporttest.Script{Respond: reply("CONNECT", "", r(421, "4.3.2", "try later"))},
			want: all(def), stage: transport.StageGreeting},
		{name: "banner 554 is not a bounce", script: transporttest.Script{Respond: reply("CONNECT", "", r(554, "5.3.2", "no service"))},
			want: all(def), stage: transport.StageGreeting},
		{name: "banner never sent", script: transporttest.Script{Respond: reply("CONNECT", "", transporttest.Response{Hang: true})},
			opts: greetingTimeout, want: all(def), stage: transport.StageGreeting},
		{name: "closed before banner", script: transporttest.Script{Respond: reply("CONNECT", "", transporttest.Response{Drop: true})},
			want: all(def), stage: transport.StageGreeting},
		{name: "EHLO 421", script: transporttest.Script{Respond: reply("EHLO", "", r(421, "4.7.0", "busy"))},
			want: all(def), stage: transport.StageHello},
		{name: "no ESMTP, HELO fallback", script: transporttest.Script{Respond: reply("EHLO", "", r(502, "5.5.1", "EHLO not implemented"))},
			want: all(ok), stored: 1},
		{name: "no PIPELINING", script: transporttest.Script{Hide: []string{"PIPELINING"}}, want: all(ok), stored: 1},
		{name: "STARTTLS required, not offered", opts: tlsOn, want: all(def), stage: transport.StageTLS, errIs: smtp.ErrTLSRequired, config: true},
		{name: "STARTTLS refused 454", script: transporttest.Script{TLS: transporttest.StartTLS, Respond: reply("STARTTLS", "", r(454, "4.7.0", "TLS not available"))},
			opts: tlsOn, want: all(def), stage: transport.StageTLS},
		{name: "STARTTLS opportunistic, refused: plaintext", script: transporttest.Script{TLS: transporttest.StartTLS, Respond: reply("STARTTLS", "", r(454, "4.7.0", "TLS not available"))},
			opts: func(o *smtp.Options) { tlsOn(o); o.TLS = smtp.StartTLSOpportunistic }, want: all(ok), stored: 1},
		{name: "certificate self-signed", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertSelfSigned},
			opts: tlsOn, want: all(def), stage: transport.StageTLS, errAs: certError, config: true},
		{name: "certificate wrong name", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertWrongName},
			opts: tlsOn, want: all(def), stage: transport.StageTLS, errAs: certError, config: true},
		{name: "certificate expired", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertExpired},
			opts: tlsOn, want: all(def), stage: transport.StageTLS, errAs: certError, config: true},
		{name: "certificate bad, opportunistic still fails closed", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertWrongName},
			opts: func(o *smtp.Options) { tlsOn(o); o.TLS = smtp.StartTLSOpportunistic }, want: all(def), stage: transport.StageTLS, errAs: certError, config: true},
		{name: "implicit TLS", script: transporttest.Script{TLS: transporttest.ImplicitTLS},
			opts: func(o *smtp.Options) { tlsOn(o); o.TLS = smtp.ImplicitTLS }, want: all(ok), stored: 1,
			check: func(t *testing.T, srv *transporttest.Server) {
				if !srv.Messages()[0].TLS {
					t.Errorf("message was not sent over TLS")
				}
			}},
		{name: "AUTH PLAIN over STARTTLS", script: transporttest.Script{TLS: transporttest.StartTLS, Auth: []string{"PLAIN", "LOGIN"}, Username: "u", Password: "p", RequireAuth: true},
			opts: auth("u", "p"), want: all(ok), stored: 1,
			check: func(t *testing.T, srv *transporttest.Server) {
				if m := srv.Messages()[0]; m.User != "u" || !m.TLS {
					t.Errorf("stored by user %q, TLS %v; want u over TLS", m.User, m.TLS)
				}
			}},
		{name: "AUTH LOGIN", script: transporttest.Script{TLS: transporttest.StartTLS, Auth: []string{"LOGIN"}, Username: "u", Password: "p", RequireAuth: true},
			opts: auth("u", "p"), want: all(ok), stored: 1},
		{name: "AUTH wrong password", script: transporttest.Script{TLS: transporttest.StartTLS, Auth: []string{"PLAIN"}, Username: "u", Password: "p", RequireAuth: true},
			opts: auth("u", "wrong"), want: all(def), stage: transport.StageAuth, config: true},
		{name: "AUTH not offered", script: transporttest.Script{TLS: transporttest.StartTLS},
			opts: auth("u", "p"), want: all(def), stage: transport.StageAuth, errIs: smtp.ErrAuthNotOffered, config: true},
		{name: "AUTH never without TLS", script: transporttest.Script{Auth: []string{"PLAIN"}, Username: "u", Password: "p"},
			opts: func(o *smtp.Options) { auth("u", "p")(o); o.TLS = smtp.StartTLSOpportunistic }, want: all(def), stage: transport.StageAuth, errIs: smtp.ErrInsecureAuth, config: true,
			check: noAuth},
		{name: "AUTH never without TLS, also on loopback with TLS off", script: transporttest.Script{Auth: []string{"PLAIN"}, Username: "u", Password: "p", RequireAuth: true},
			opts: func(o *smtp.Options) { o.Username, o.Password = "u", "p" }, want: all(def), stage: transport.StageAuth, errIs: smtp.ErrInsecureAuth, config: true,
			check: noAuth},
		{name: "AUTH without TLS when allowed, on loopback", script: transporttest.Script{Auth: []string{"PLAIN"}, Username: "u", Password: "p", RequireAuth: true},
			opts: func(o *smtp.Options) { o.Username, o.Password, o.AllowInsecureAuth = "u", "p", true }, want: all(ok), stored: 1,
			check: func(t *testing.T, srv *transporttest.Server) {
				if m := srv.Messages()[0]; m.User != "u" {
					t.Errorf("stored by user %q, want u", m.User)
				}
			}},
		{name: "implicit TLS to a plaintext server", opts: func(o *smtp.Options) { tlsOn(o); o.TLS = smtp.ImplicitTLS },
			want: all(def), stage: transport.StageTLS, config: true},
		{name: "AUTH required, none configured", script: transporttest.Script{RequireAuth: true},
			want: all(def), stage: transport.StageMail, config: true},
		{name: "MAIL 451", script: transporttest.Script{Respond: reply("MAIL", "", r(451, "4.3.0", "local error"))},
			want: all(def), stage: transport.StageMail},
		{name: "MAIL 550", script: transporttest.Script{Respond: reply("MAIL", "", r(550, "5.1.8", "bad sender domain"))},
			want: all(fail), stage: transport.StageMail},
		{name: "MAIL dropped", script: transporttest.Script{Respond: reply("MAIL", "", transporttest.Response{Drop: true})},
			want: all(def), stage: transport.StageMail},
		{name: "RCPT 550, 450, ok: the others still delivered once", script: transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
			switch c.Address {
			case "b@example.com":
				return r(550, "5.1.1", "no such user")
			case "c@example.com":
				return r(450, "4.2.1", "greylisted")
			}
			return transporttest.Response{}
		}}, want: map[string]transport.Outcome{"a@example.com": ok, "b@example.com": fail, "c@example.com": def}, stage: transport.StageRcpt, stored: 1},
		{name: "RCPT 552 is temporary", script: transporttest.Script{Respond: reply("RCPT", "b@example.com", r(552, "5.2.2", "mailbox full"))},
			want: map[string]transport.Outcome{"a@example.com": ok, "b@example.com": def, "c@example.com": ok}, stage: transport.StageRcpt, stored: 1},
		{name: "RCPT multi-line 550 and 450 without enhanced code", script: transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
			switch c.Address {
			case "a@example.com":
				return r(550, "5.1.1", "no such user\nsee https://example.com/help")
			case "b@example.com":
				return r(450, "", "try again")
			}
			return transporttest.Response{}
		}}, want: map[string]transport.Outcome{"a@example.com": fail, "b@example.com": def, "c@example.com": ok}, stage: transport.StageRcpt, stored: 1},
		{name: "every RCPT refused", script: transporttest.Script{Respond: reply("RCPT", "", r(550, "5.1.1", "no such user"))},
			want: all(fail), stage: transport.StageRcpt},
		{name: "RCPT dropped after one accepted", script: transporttest.Script{Respond: reply("RCPT", "b@example.com", transporttest.Response{Drop: true})},
			want: all(def), stage: transport.StageRcpt},
		{name: "RCPT 421 and close", script: transporttest.Script{Respond: reply("RCPT", "a@example.com", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "shutting down", CloseAfter: true})},
			want: all(def), stage: transport.StageRcpt},
		{name: "RCPT reply slower than the timeout", script: transporttest.Script{Respond: reply("RCPT", "c@example.com", transporttest.Response{Delay: 10 * time.Second})},
			opts: commandTimeout, want: all(def), stage: transport.StageRcpt},
		{name: "too many recipients 452: new transactions", script: transporttest.Script{MaxRecipients: 2},
			msg: func(m *transport.Message) {
				m.Bcc = []mail.Address{{Address: "d@example.com"}, {Address: "e@example.com"}}
			},
			want: map[string]transport.Outcome{"a@example.com": ok, "b@example.com": ok, "c@example.com": ok, "d@example.com": ok, "e@example.com": ok}, stored: 3},
		{name: "DATA 451", script: transporttest.Script{Respond: reply("DATA", "", r(451, "4.3.0", "try later"))},
			want: all(def), stage: transport.StageData},
		{name: "DATA 554", script: transporttest.Script{Respond: reply("DATA", "", r(554, "5.7.1", "rejected by policy"))},
			want: all(fail), stage: transport.StageData},
		{name: "DATA 554 5.5.1 blames the session: deferred after one retry", script: transporttest.Script{Respond: reply("DATA", "", r(554, "5.5.1", "no valid recipients"))},
			want: all(def), stage: transport.StageData, errIs: smtp.ErrSessionState, check: connections(2)},
		{name: "connection reset mid-DATA", script: transporttest.Script{Respond: reply("DATA", "", transporttest.Response{DropAfterBytes: 4096})},
			// Larger than the socket buffers, so the reset meets a write.
			msg: attach(24 << 20), want: all(def), stage: transport.StageData},
		{name: "slow reader after DATA", script: transporttest.Script{DataReadDelay: 300 * time.Millisecond},
			msg: attach(2 << 20), want: all(ok), stored: 1},
		{name: "final 451", script: transporttest.Script{Respond: reply(".", "", r(451, "4.3.0", "queue full"))},
			want: all(def), stage: transport.StageFinal},
		{name: "final 552 message too large", script: transporttest.Script{Respond: reply(".", "", r(552, "5.3.4", "too big"))},
			want: all(fail), stage: transport.StageFinal, errIs: smtp.ErrMessageTooLarge},
		{name: "final 554 5.7.1", script: transporttest.Script{Respond: reply(".", "", r(554, "5.7.1", "spam"))},
			want: all(fail), stage: transport.StageFinal},
		{name: "SIZE checked before sending", script: transporttest.Script{MaxMessageBytes: 1000},
			want: all(fail), stage: transport.StageMail, errIs: smtp.ErrMessageTooLarge,
			check: func(t *testing.T, srv *transporttest.Server) {
				for _, c := range srv.Commands() {
					if c.Verb == "MAIL" || c.Verb == "DATA" {
						t.Errorf("client sent %s although the message exceeds SIZE", c.Verb)
					}
				}
			}},
		{name: "stored, then closed before 250; retried with the same Message-ID", script: transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
			if c.Verb == "." && c.Conn == 1 {
				return transporttest.Response{Drop: true}
			}
			return transporttest.Response{}
		}}, want: all(amb), stage: transport.StageFinal, stored: 2, retry: true},
		{name: "final reply after the client's timeout", script: transporttest.Script{Respond: reply(".", "", transporttest.Response{Delay: 2 * time.Second})},
			opts: finalTimeout, want: all(amb), stage: transport.StageFinal, stored: 1},
		{name: "final reply never sent", script: transporttest.Script{Respond: reply(".", "", transporttest.Response{Hang: true})},
			opts: finalTimeout, want: all(amb), stage: transport.StageFinal, stored: 1},
		{name: "context cancelled while awaiting RCPT", script: transporttest.Script{Hide: []string{"PIPELINING"}, Respond: reply("RCPT", "b@example.com", transporttest.Response{Delay: time.Second})},
			cancelAt: "RCPT", want: all(def), stage: transport.StageRcpt, errIs: context.Canceled},
		{name: "context cancelled after the final dot", script: transporttest.Script{Respond: reply(".", "", transporttest.Response{Delay: time.Second})},
			cancelAt: ".", want: all(amb), stage: transport.StageFinal, errIs: context.Canceled, stored: 1},
		{name: "MAIL 503 on the first connection: retried on a new one", script: transporttest.Script{Respond: onConn(1, reply("MAIL", "", r(503, "5.5.1", "Bad sequence of commands")))},
			want: all(ok), stored: 1, check: connections(2)},
		{name: "MAIL 503 on every connection: deferred after one retry", script: transporttest.Script{Respond: reply("MAIL", "", r(503, "5.5.1", "Bad sequence of commands"))},
			want: all(def), stage: transport.StageMail, errIs: smtp.ErrSessionState, check: connections(2)},
		{name: "MAIL 421 and close on the first connection: retried on a new one", script: transporttest.Script{Respond: onConn(1, reply("MAIL", "", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "shutting down", CloseAfter: true}))},
			want: all(ok), stored: 1, check: connections(2)},
		{name: "RCPT 503 after one accepted, first connection: retried, each stored once", script: transporttest.Script{Respond: onConn(1, reply("RCPT", "b@example.com", r(503, "5.5.1", "Bad sequence of commands")))},
			want: all(ok), stored: 1, check: connections(2)},
		{name: "RCPT 500 without enhanced code on every connection", script: transporttest.Script{Hide: []string{"ENHANCEDSTATUSCODES"}, Respond: reply("RCPT", "c@example.com", r(500, "", "command unrecognized"))},
			want: all(def), stage: transport.StageRcpt, errIs: smtp.ErrSessionState, check: connections(2)},
		{name: "final 503 is deferred, not failed", script: transporttest.Script{Respond: reply(".", "", r(503, "5.5.1", "Bad sequence of commands"))},
			want: all(def), stage: transport.StageFinal, errIs: smtp.ErrSessionState},
		{name: "final 421 and close", script: transporttest.Script{Respond: reply(".", "", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "shutting down", CloseAfter: true})},
			want: all(def), stage: transport.StageFinal, errIs: smtp.ErrSessionState},
		// Mailpit answered 451 at the dot for message 90 of 180 and then
		// 503 to every MAIL on the same connection, as it kept the failed
		// transaction's state: only message 90 may be deferred.
		{name: "180 messages, final 451 on message 90, server keeps the failed state",
			script: transporttest.Script{KeepFailedTransaction: true, Respond: nth(".", 90, r(451, "4.3.0", "shutting down"))},
			batch:  &batch{messages: 180, want: map[transport.Outcome]int{ok: 179, def: 1}}, stage: transport.StageFinal},
		{name: "180 messages, final 421 and close on message 90",
			script: transporttest.Script{KeepFailedTransaction: true, Respond: nth(".", 90, transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "shutting down", CloseAfter: true})},
			batch:  &batch{messages: 180, want: map[transport.Outcome]int{ok: 179, def: 1}}, stage: transport.StageFinal},
		{name: "180 messages, DATA 451 on message 90, server keeps the failed state",
			script: transporttest.Script{KeepFailedTransaction: true, Respond: nth("DATA", 90, r(451, "4.3.0", "try later"))},
			batch:  &batch{messages: 180, want: map[transport.Outcome]int{ok: 179, def: 1}}, stage: transport.StageData},
		{name: "180 messages, every RCPT of message 90 refused, server keeps the failed state",
			script: transporttest.Script{KeepFailedTransaction: true, Respond: func() func(transporttest.Command) transporttest.Response {
				var mails atomic.Int32
				return func(c transporttest.Command) transporttest.Response {
					if c.Verb == "MAIL" {
						mails.Add(1)
					}
					if c.Verb == "RCPT" && mails.Load() == 90 {
						return r(550, "5.1.1", "no such user")
					}
					return transporttest.Response{}
				}
			}()},
			batch: &batch{messages: 180, want: map[transport.Outcome]int{ok: 179, fail: 1}}, stage: transport.StageRcpt},
		{name: "SMTPUTF8 needed, not offered", msg: func(m *transport.Message) { m.Cc = []mail.Address{{Address: "jörg@example.com"}} },
			want: map[string]transport.Outcome{"a@example.com": fail, "b@example.com": fail, "jörg@example.com": fail}, stage: transport.StageMail, errIs: address.ErrNeedsSMTPUTF8},
		{name: "SMTPUTF8 offered", script: transporttest.Script{SMTPUTF8: true}, msg: func(m *transport.Message) { m.Cc = []mail.Address{{Address: "jörg@example.com"}} },
			want: map[string]transport.Outcome{"a@example.com": ok, "b@example.com": ok, "jörg@example.com": ok}, stored: 1},
		{name: "IDN domain sent as A-label", msg: func(m *transport.Message) { m.Cc = []mail.Address{{Address: "info@ääkköset.fi"}} },
			want: map[string]transport.Outcome{"a@example.com": ok, "b@example.com": ok, "info@ääkköset.fi": ok}, stored: 1,
			check: func(t *testing.T, srv *transporttest.Server) {
				if to := srv.Messages()[0].To; !slices.Contains(to, "info@xn--kkset-fraa0m.fi") {
					t.Errorf("envelope recipients %q, want the A-label form", to)
				}
			}},
	}
}

func tlsOn(o *smtp.Options) { o.TLS = smtp.StartTLS }

// onConn applies respond on connection n only.
func onConn(n int, respond func(transporttest.Command) transporttest.Response) func(transporttest.Command) transporttest.Response {
	return func(c transporttest.Command) transporttest.Response {
		if c.Conn != n {
			return transporttest.Response{}
		}
		return respond(c)
	}
}

// connections checks that the client opened n connections.
func connections(n int) func(t *testing.T, srv *transporttest.Server) {
	return func(t *testing.T, srv *transporttest.Server) {
		if got := srv.Connections(); got != n {
			t.Errorf("%d connections, want %d", got, n)
		}
	}
}

// noAuth checks that no credentials were sent.
func noAuth(t *testing.T, srv *transporttest.Server) {
	for _, c := range srv.Commands() {
		if c.Verb == "AUTH" {
			t.Errorf("credentials sent without TLS")
		}
	}
}

func auth(user, pass string) func(*smtp.Options) {
	return func(o *smtp.Options) { o.TLS, o.Username, o.Password = smtp.StartTLS, user, pass }
}

func attach(size int) func(*transport.Message) {
	return func(m *transport.Message) {
		m.Attachments = append(m.Attachments, transport.Attachment{Filename: "big.bin", Data: make([]byte, size)})
	}
}

func baseMessage(name string) *transport.Message {
	return &transport.Message{
		From:    mail.Address{Name: "Laskutus", Address: "laskutus@example.fi"},
		To:      []mail.Address{{Address: "a@example.com"}, {Address: "b@example.com"}},
		Cc:      []mail.Address{{Address: "c@example.com"}},
		Subject: "Lasku – " + name,
		Text:    "Hei,\n.\n..two dots\n.\r\nlasku liitteenä.\n",
		Attachments: []transport.Attachment{
			{Filename: "lasku.pdf", ContentType: "application/pdf", Data: []byte(strings.Repeat("%PDF\r\n.\n", 300))},
		},
		MessageID: "fault-" + strings.NewReplacer(" ", "-", ",", "", ";", "", ":", "").Replace(name) + "@example.fi",
		Date:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	}
}

// faultTally counts the fault matrix's figures.
type faultTally struct{ scenarios, pass, lost, dup, ambiguous, misclassified int }

// TestFaultMatrix sends a message through every scripted fault and checks
// the receipt, the error's class and stage, and what the server stored,
// then prints the FAULTS summary line.
func TestFaultMatrix(t *testing.T) {
	var tally faultTally
	for _, sc := range faultScenarios() {
		tally.scenarios++
		var lost, dup, misclassified int
		var ambiguous bool
		passed := t.Run(sc.name, func(t *testing.T) {
			lost, dup, misclassified, ambiguous = runScenario(t, sc)
		})
		if passed {
			tally.pass++
		}
		tally.lost += lost
		tally.dup += dup
		tally.misclassified += misclassified
		if ambiguous {
			tally.ambiguous++
		}
	}
	fmt.Printf("FAULTS scenarios=%d pass=%d lost=%d dup=%d ambiguous=%d misclassified=%d\n",
		tally.scenarios, tally.pass, tally.lost, tally.dup, tally.ambiguous, tally.misclassified)
	if tally.scenarios < 25 || tally.pass != tally.scenarios || tally.lost != 0 || tally.misclassified != 0 {
		t.Errorf("fault matrix failed: %+v", tally)
	}
}

func runScenario(t *testing.T, sc scenario) (lost, dup, misclassified int, ambiguous bool) {
	if sc.batch != nil {
		return runBatch(t, sc)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	script := sc.script
	if respond := script.Respond; sc.cancelAt != "" || respond != nil {
		script.Respond = func(c transporttest.Command) transporttest.Response {
			if c.Verb == sc.cancelAt {
				cancel()
			}
			if respond == nil {
				return transporttest.Response{}
			}
			return respond(c)
		}
	}
	srv := transporttest.NewServer(t, &script)
	opts := &smtp.Options{TLS: smtp.NoTLS, TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}}
	if sc.opts != nil {
		sc.opts(opts)
	}
	if opts.TLS != smtp.NoTLS {
		// TLS modes need a name the certificate can be checked against.
		opts.TLSConfig.ServerName = "localhost"
	}
	tr, err := smtp.New(srv.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	msg := baseMessage(sc.name)
	if sc.msg != nil {
		sc.msg(msg)
	}
	composed, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true})
	if err != nil {
		t.Fatal(err)
	}

	rc, err := tr.Send(ctx, msg)
	if rc == nil {
		t.Fatalf("nil receipt")
	}
	got := make(map[string]transport.Outcome)
	for _, r := range rc.Recipients {
		got[r.Address] = r.Outcome
		if r.Outcome == transport.Ambiguous {
			ambiguous = true
		}
	}
	if !mapsEqual(got, sc.want) {
		t.Errorf("outcomes %v, want %v (error: %v)", got, sc.want, err)
		misclassified++
	}
	checkErrorClass(t, sc, rc, err, &misclassified)

	firstStored := len(srv.Messages())
	if sc.retry {
		rc2, err := tr.Send(t.Context(), msg)
		if err != nil {
			t.Errorf("retry: %v", err)
		}
		for _, r := range rc2.Recipients {
			if r.Outcome != transport.Delivered {
				t.Errorf("retry: %s %v", r.Address, r.Outcome)
			}
		}
	}

	// What the server stored is final once it is closed: a message may
	// be stored just after the client gave up (an ambiguous outcome).
	tr.Close()
	srv.Close()
	stored := srv.Messages()
	if len(stored) != sc.stored {
		t.Errorf("server stored %d messages, want %d", len(stored), sc.stored)
	}
	copies := make(map[string]int)
	for i, s := range stored {
		if string(s.Data) != string(composed.Data) {
			t.Errorf("stored message %d differs from the composed bytes", s.ID)
		}
		for _, to := range s.To {
			copies[to]++
			if i < firstStored {
				// Stored by the first attempt: the receipt must say
				// delivered or ambiguous for it.
				if o := got[fromWire(composed, to)]; o != transport.Delivered && o != transport.Ambiguous {
					t.Errorf("%s was stored but reported %v", to, o)
					misclassified++
				}
			}
		}
	}
	for addr, o := range got {
		wire := toWire(composed, addr)
		if o == transport.Delivered && copies[wire] == 0 {
			t.Errorf("%s reported delivered but not stored", addr)
			lost++
		}
		if copies[wire] > 1 {
			dup = max(dup, copies[wire]-1) // extra copies of the message
			if o != transport.Ambiguous {
				t.Errorf("%s stored %d times although its outcome was %v", addr, copies[wire], o)
			}
		}
	}
	if sc.check != nil {
		sc.check(t, srv)
	}
	return lost, dup, misclassified, ambiguous
}

// runBatch sends sc.batch.messages messages one after another through one
// transport and checks each receipt, its error's class and what the server
// stored.
func runBatch(t *testing.T, sc scenario) (lost, dup, misclassified int, ambiguous bool) {
	srv := transporttest.NewServer(t, &sc.script)
	opts := &smtp.Options{TLS: smtp.NoTLS}
	if sc.opts != nil {
		sc.opts(opts)
	}
	tr, err := smtp.New(srv.Addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	got := make(map[transport.Outcome]int)
	outcomes := make(map[string]transport.Outcome) // Message-ID → outcome
	data := make(map[string]string)                // Message-ID → composed bytes
	for i := 1; i <= sc.batch.messages; i++ {
		msg := baseMessage(fmt.Sprintf("%s %d", sc.name, i))
		composed, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true})
		if err != nil {
			t.Fatal(err)
		}
		data[msg.MessageID] = string(composed.Data)
		rc, err := tr.Send(t.Context(), msg)
		o := rc.Recipients[0].Outcome
		for _, r := range rc.Recipients {
			if r.Outcome != o {
				t.Errorf("message %d: recipients' outcomes differ: %v", i, rc.Recipients)
				misclassified++
			}
		}
		got[o]++
		outcomes[msg.MessageID] = o
		ambiguous = ambiguous || o == transport.Ambiguous
		if o != transport.Delivered {
			t.Logf("message %d %v: %v", i, o, err)
		}
		checkErrorClass(t, sc, rc, err, &misclassified)
	}
	if !mapsEqual(got, sc.batch.want) {
		t.Errorf("messages by outcome %v, want %v", got, sc.batch.want)
		misclassified++
	}
	tr.Close()
	srv.Close()
	copies := make(map[string]int)
	for _, st := range srv.Messages() {
		m, err := transporttest.ParseMessage(st.Data)
		if err != nil {
			t.Fatalf("stored message %d: %v", st.ID, err)
		}
		copies[m.MessageID]++
		if string(st.Data) != data[m.MessageID] {
			t.Errorf("stored message %d (%s) differs from the composed bytes", st.ID, m.MessageID)
		}
		if o := outcomes[m.MessageID]; o != transport.Delivered && o != transport.Ambiguous {
			t.Errorf("%s was stored but reported %v", m.MessageID, o)
			misclassified++
		}
	}
	for id, o := range outcomes {
		if o == transport.Delivered && copies[id] == 0 {
			t.Errorf("%s reported delivered but not stored", id)
			lost++
		}
		if copies[id] > 1 {
			dup += copies[id] - 1
			t.Errorf("%s stored %d times", id, copies[id])
		}
	}
	return lost, dup, misclassified, ambiguous
}

func checkErrorClass(t *testing.T, sc scenario, rc *transport.Receipt, err error, misclassified *int) {
	t.Helper()
	var anyDef, anyAmb, allOK = false, false, true
	for _, r := range rc.Recipients {
		anyDef = anyDef || r.Outcome == transport.Deferred
		anyAmb = anyAmb || r.Outcome == transport.Ambiguous
		allOK = allOK && r.Outcome == transport.Delivered
	}
	bad := func(format string, args ...any) {
		t.Errorf(format, args...)
		*misclassified++
	}
	if allOK {
		if err != nil {
			bad("all delivered but error %v", err)
		}
		return
	}
	var se *transport.SendError
	if !errors.As(err, &se) {
		bad("error %v is not a *transport.SendError", err)
		return
	}
	if transport.IsTemporary(err) != anyDef || transport.IsAmbiguous(err) != anyAmb || transport.IsInput(err) {
		bad("error class temporary=%v ambiguous=%v input=%v for outcomes %v: %v",
			transport.IsTemporary(err), transport.IsAmbiguous(err), transport.IsInput(err), rc.Recipients, err)
	}
	if sc.stage != "" && se.Stage != sc.stage {
		bad("error stage %s, want %s: %v", se.Stage, sc.stage, err)
	}
	if sc.errIs != nil && !errors.Is(err, sc.errIs) {
		bad("error %v does not match %v", err, sc.errIs)
	}
	if sc.errAs != nil && !sc.errAs(err) {
		bad("error %v is not of the expected type", err)
	}
	if transport.IsConfig(err) != sc.config {
		bad("IsConfig = %v, want %v: %v", transport.IsConfig(err), sc.config, err)
	}
}

func toWire(c *transport.Composed, addr string) string {
	if i := slices.Index(c.Recipients, addr); i >= 0 {
		return c.RcptTo[i]
	}
	return addr
}

func fromWire(c *transport.Composed, wire string) string {
	if i := slices.Index(c.RcptTo, wire); i >= 0 {
		return c.Recipients[i]
	}
	return wire
}

func mapsEqual[K, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
