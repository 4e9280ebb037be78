package bounce_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/bounce"
)

// TestParseTestdata reads the hand-written samples in testdata in LF,
// CRLF and CR form.
func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file      string
		kind      bounce.Kind
		addr      string
		status    string
		code      int
		reason    bounce.Reason
		hard      bool
		messageID string
		diag      string // a part of the diagnostic
	}{
		{"postfix-user-unknown.eml", bounce.KindBounce, "laskut@asiakas.example", "5.1.1", 550, bounce.ReasonUserUnknown, true, "lasku-1001@jakelu.example", "User unknown in local recipient table"},
		{"qmail-mailbox-full.eml", bounce.KindBounce, "maija@example.net", "5.2.2", 552, bounce.ReasonMailboxFull, false, "lasku-7@jakelu.example", "552 5.2.2 Mailbox full"},
		{"out-of-office.eml", bounce.KindAutoReply, "matti@asiakas.example", "", 0, bounce.ReasonAutoReply, false, "", ""},
		{"arf-complaint.eml", bounce.KindComplaint, "pekka@asiakas.example", "", 0, bounce.ReasonComplaint, false, "lasku-9@jakelu.example", "abuse"},
		{"iso2022jp-base64.eml", bounce.KindBounce, "taro@ezweb.example", "5.1.1", 550, bounce.ReasonUserUnknown, true, "", "存在しません"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile("testdata/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, nl := range []struct {
			name string
			f    func([]byte) []byte
		}{{"LF", asIs}, {"CRLF", toCRLF}, {"CR", toCR}} {
			t.Run(tt.file+"/"+nl.name, func(t *testing.T) {
				rep, err := bounce.Parse(bytes.NewReader(nl.f(data)))
				if err != nil {
					t.Fatal(err)
				}
				if rep.Kind != tt.kind || len(rep.Recipients) != 1 || rep.OriginalMessageID != tt.messageID {
					t.Fatalf("got %s with %d recipients, message ID %q; want %s, 1, %q", rep.Kind, len(rep.Recipients), rep.OriginalMessageID, tt.kind, tt.messageID)
				}
				r := rep.Recipients[0]
				if !strings.Contains(r.Diagnostic, tt.diag) {
					t.Errorf("diagnostic %q does not contain %q", r.Diagnostic, tt.diag)
				}
				if r.Address != tt.addr || r.Status != tt.status || r.Code != tt.code || r.Reason != tt.reason || r.Hard != tt.hard {
					t.Errorf("got %+v; want %s %s %d %s hard=%v", r, tt.addr, tt.status, tt.code, tt.reason, tt.hard)
				}
			})
		}
	}
}

// TestParseNotABounce: ordinary mail, also mail whose subject or sender
// has a bounce-like word, is not a bounce.
func TestParseNotABounce(t *testing.T) {
	for _, msg := range []string{
		"From: Maija <maija@asiakas.example>\nTo: laskutus@jakelu.example\nSubject: Kysymys laskusta\n\nHei, onko lasku 1001 maksettu? maija@asiakas.example\n",
		"From: Maija <maija@asiakas.example>\nTo: laskutus@jakelu.example\nSubject: Error in invoice 1001\n\nmaija@asiakas.example: the amount is wrong, 550 euros not 505.\n",
		"From: Matti <matti@asiakas.example>\nTo: laskutus@jakelu.example\nSubject: Holiday opening hours\n\nWe are closed 24.12.\n",
		"From: Uutiskirje <noreply@uutiset.example>\nTo: laskutus@jakelu.example\nSubject: Delivery news\n\nmatti@uutiset.example: user unknown stories of the week\n",
	} {
		rep, err := bounce.Parse(strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Kind != bounce.KindNotBounce || len(rep.Recipients) != 0 {
			t.Errorf("got %s with %d recipients, want not-a-bounce: %q", rep.Kind, len(rep.Recipients), msg)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  bounce.Limits
		want error
	}{
		{"empty", "", bounce.Limits{}, bounce.ErrEmpty},
		{"blank", " \r\n\n", bounce.Limits{}, bounce.ErrEmpty},
		{"too large", "From: a@b.example\n\n" + strings.Repeat("x", 200), bounce.Limits{MaxBytes: 100}, bounce.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.lim.Parse(strings.NewReader(tt.in))
			var pe *bounce.ParseError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError wrapping %v", err, tt.want)
			}
			for _, lang := range []string{"en", "fi", "sv"} {
				if pe.Message(lang) == "" {
					t.Errorf("no %s message", lang)
				}
			}
		})
	}
	if _, err := bounce.Parse(nil); !errors.Is(err, bounce.ErrEmpty) {
		t.Errorf("Parse(nil) = %v, want ErrEmpty", err)
	}
}

func TestMessages(t *testing.T) {
	kinds := []bounce.Kind{bounce.KindBounce, bounce.KindDelay, bounce.KindDelivered, bounce.KindAutoReply, bounce.KindComplaint, bounce.KindNotBounce}
	reasons := []bounce.Reason{bounce.ReasonUserUnknown, bounce.ReasonHostUnknown, bounce.ReasonHasMoved, bounce.ReasonNotAccepting,
		bounce.ReasonMailboxFull, bounce.ReasonSuspended, bounce.ReasonTooLarge, bounce.ReasonBlocked, bounce.ReasonSpam,
		bounce.ReasonPolicy, bounce.ReasonExpired, bounce.ReasonNetwork, bounce.ReasonSystem, bounce.ReasonOther,
		bounce.ReasonDelivered, bounce.ReasonAutoReply, bounce.ReasonComplaint}
	for _, lang := range []string{"en", "fi", "sv"} {
		seen := map[string]bool{}
		for _, k := range kinds {
			m := k.Message(lang)
			if m == "" || m == string(k) || seen[m] {
				t.Errorf("%s: Kind %s has text %q (missing or not distinct)", lang, k, m)
			}
			seen[m] = true
		}
		for _, r := range reasons {
			m := r.Message(lang)
			if m == "" || (m == string(r) && lang != "en") || seen[m] {
				t.Errorf("%s: Reason %s has text %q (missing or not distinct)", lang, r, m)
			}
			seen[m] = true
		}
	}
	if bounce.Kind("x").Message("fi") != "x" || bounce.Reason("y").Message("sv") != "y" {
		t.Error("an unknown kind or reason should read as itself")
	}
}

// TestUserUnknownPhase: "user unknown" is hard when the server refused the
// recipient (RCPT, or an addressing status), not when a filter refused the
// content after DATA.
func TestUserUnknownPhase(t *testing.T) {
	head := "From: MAILER-DAEMON@mx.jakelu.example\nSubject: Undelivered Mail Returned to Sender\n\n"
	tests := []struct {
		name   string
		body   string
		hard   bool
		reason bounce.Reason
	}{
		{"postfix at RCPT", "<a@asiakas.example>: host mx.asiakas.example[192.0.2.1] said: 550 User unknown (in reply to RCPT TO command)\n", true, bounce.ReasonUserUnknown},
		{"postfix after DATA", "<a@asiakas.example>: host mx.asiakas.example[192.0.2.1] said: 550 User unknown (in reply to end of DATA command)\n", false, bounce.ReasonPolicy},
		{"sendmail transcript at RCPT", "----- Transcript of session follows -----\n>>> RCPT To:<a@asiakas.example>\n<<< 550 User unknown\n550 <a@asiakas.example>... User unknown\n", true, bounce.ReasonUserUnknown},
		{"sendmail transcript at DATA", "----- The following addresses had permanent fatal errors -----\n<a@asiakas.example>\n    (reason: 550 : User unknown)\n\n----- Transcript of session follows -----\n... while talking to mx.asiakas.example.:\n>>> DATA\n<<< 550 : User unknown\n554 5.0.0 Service unavailable\n", false, bounce.ReasonPolicy},
		{"addressing status", "<a@asiakas.example>:\n550 5.1.1 User unknown\n", true, bounce.ReasonUserUnknown},
		{"security status", "<a@asiakas.example>:\n550 5.7.1 User unknown\n", false, bounce.ReasonPolicy},
		{"mailbox full", "<a@asiakas.example>:\n552 5.2.2 Mailbox full (in reply to RCPT TO command)\n", false, bounce.ReasonMailboxFull},
		{"no such domain", "<a@asiakas.example>: Host or domain name not found. Name service error for name=asiakas.example type=A: Host not found\n", true, bounce.ReasonHostUnknown},
		{"blocked", "<a@asiakas.example>: host mx[192.0.2.1] said: 554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org (in reply to RCPT TO command)\n", false, bounce.ReasonBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := bounce.Parse(strings.NewReader(head + tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Recipients) != 1 {
				t.Fatalf("%d recipients, want 1: %+v", len(rep.Recipients), rep)
			}
			r := rep.Recipients[0]
			if r.Address != "a@asiakas.example" || r.Hard != tt.hard || r.Reason != tt.reason {
				t.Errorf("got %s hard=%v %s, want a@asiakas.example hard=%v %s (%q)", r.Address, r.Hard, r.Reason, tt.hard, tt.reason, r.Diagnostic)
			}
		})
	}
}

// TestUnindentedBoundary: a Content-Type parameter on its own unindented
// line still opens the multipart.
func TestUnindentedBoundary(t *testing.T) {
	msg := "From: post_master@vtext.example\nSubject: Re: Lasku\nContent-Type: multipart/mixed;\nboundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\nError: Invalid user address\n550 - Requested action not taken: no such user here\n  RCPT TO: matti@vtext.example\n--XX--\n"
	rep, err := bounce.Parse(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != bounce.KindBounce || len(rep.Recipients) != 1 || rep.Recipients[0].Address != "matti@vtext.example" ||
		!rep.Recipients[0].Hard || strings.Contains(rep.Recipients[0].Diagnostic, "boundary") {
		t.Errorf("got %+v", rep)
	}
}
