package bounce_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
)

// hostileCase is one hostile report and what Parse must do with it.
type hostileCase struct {
	name string
	data []byte
	// check says whether the outcome is the expected one.
	check func(rep *bounce.Report, err error) bool
}

// hostileTimeLimit is how long one hostile report may take to parse:
// 5 s, six times that under the race detector (reading a 17 MiB stream
// took 2-4 s there, 0.1-0.5 s without, on a loaded 2-core machine).
var hostileTimeLimit = func() time.Duration {
	if raceEnabled {
		return 30 * time.Second
	}
	return 5 * time.Second
}()

func isErr(target error) func(*bounce.Report, error) bool {
	return func(_ *bounce.Report, err error) bool { return errors.Is(err, target) }
}

func isKind(k bounce.Kind, maxRecipients int) func(*bounce.Report, error) bool {
	return func(rep *bounce.Report, err error) bool {
		return err == nil && rep.Kind == k && len(rep.Recipients) <= maxRecipients
	}
}

func hostileCases() []hostileCase {
	dsnHead := "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
	var many strings.Builder
	many.WriteString(dsnHead)
	for i := range 10000 {
		fmt.Fprintf(&many, "Final-Recipient: rfc822; user%d@example.com\nAction: failed\nStatus: 5.1.1\n\n", i)
	}
	many.WriteString("--B--\n")

	var manyText strings.Builder
	manyText.WriteString("From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\n")
	for i := range 10000 {
		fmt.Fprintf(&manyText, "<user%d@example.com>:\n550 5.1.1 user unknown\n\n", i)
	}

	nested := func(depth int) []byte {
		var b strings.Builder
		b.WriteString("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n")
		for i := 1; i <= depth; i++ {
			fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
		}
		fmt.Fprintf(&b, "--b%d\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.com\nAction: failed\nStatus: 5.1.1\n\n", depth)
		return []byte(b.String())
	}

	var wide strings.Builder
	wide.WriteString("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\nContent-Type: multipart/mixed; boundary=\"w\"\n\n")
	for range 100000 {
		wide.WriteString("--w\n\n")
	}

	forged := dsnHead + "Final-Recipient: rfc822; laskut@asiakas.example\nAction: failed\nStatus: 5.1.1\n\n--B--\n"
	return []hostileCase{
		{"huge report", append([]byte("From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\n"), bytes.Repeat([]byte("x"), bounce.DefaultMaxBytes)...), isErr(bounce.ErrTooLarge)},
		{"huge report from a stream", nil, isErr(bounce.ErrTooLarge)}, // read through a plain io.Reader: see TestHostile
		{"huge header line", []byte("From: MAILER-DAEMON@mx.example\nSubject: " + strings.Repeat("a", 4<<20) + "\n\nbody\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"endless folded header", []byte("From: MAILER-DAEMON@mx.example\nSubject: x\n" + strings.Repeat(" folded continuation line\n", 200000) + "\n<a@b.example>: 550 user unknown\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"10k DSN recipients", []byte(many.String()), func(rep *bounce.Report, err error) bool {
			return err == nil && rep.Kind == bounce.KindBounce && len(rep.Recipients) == bounce.DefaultMaxRecipients && rep.Truncated
		}},
		{"10k text recipients", []byte(manyText.String()), func(rep *bounce.Report, err error) bool {
			return err == nil && rep.Kind == bounce.KindBounce && len(rep.Recipients) == bounce.DefaultMaxRecipients && rep.Truncated
		}},
		{"nesting within the limit", nested(10), func(rep *bounce.Report, err error) bool {
			return err == nil && len(rep.Recipients) == 1 && rep.Recipients[0].Address == "deep@example.com"
		}},
		{"nesting 10000 deep (the report beyond MaxDepth is not read)", nested(10000), isKind(bounce.KindNotBounce, 0)},
		{"100k empty parts", []byte(wide.String()), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"base64 garbage", []byte("From: MAILER-DAEMON@mx.example\nSubject: failure notice\nContent-Transfer-Encoding: base64\n\n!!!!====////\x00\xff\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"broken quoted-printable", []byte("From: MAILER-DAEMON@mx.example\nSubject: failure notice\nContent-Transfer-Encoding: quoted-printable\n\n<a@b.example>: 550 =ZZ user unknown=\n=\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"unknown charset", []byte("From: MAILER-DAEMON@mx.example\nSubject: failure notice\nContent-Type: text/plain; charset=x-no-such\n\n<a@b.example>: 550 \xff\xfe user unknown\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"binary", bytes.Repeat([]byte{0, 0xff, '\r', '\n', ':', '-'}, 100000), func(rep *bounce.Report, err error) bool { return err == nil }},
		{"forged VERP token", []byte("To: bounces+42.aaaaaaaaaaaaaaaa@bounce.example\n" + forged), func(rep *bounce.Report, err error) bool {
			if err != nil || rep.VERP == "" || len(rep.Recipients) != 1 {
				return false
			}
			v := bounce.VERP{Key: []byte("0123456789abcdef"), Local: "bounces", Domain: "bounce.example"}
			_, verr := v.Verify(rep.VERP, rep.Recipients[0].Address)
			return errors.Is(verr, bounce.ErrForged)
		}},
		{"VERP token of another domain", []byte("To: bounces+42.aaaaaaaaaaaaaaaa@evil.example\n" + forged), func(rep *bounce.Report, err error) bool {
			v := bounce.VERP{Key: []byte("0123456789abcdef"), Local: "bounces", Domain: "bounce.example"}
			_, verr := v.Verify(rep.VERP, "laskut@asiakas.example")
			return err == nil && errors.Is(verr, bounce.ErrNotVERP)
		}},
		{"overlong VERP local part", []byte("To: bounces+" + strings.Repeat("9", 5000) + ".aaaaaaaaaaaaaaaa@bounce.example\n" + forged), func(rep *bounce.Report, err error) bool {
			v := bounce.VERP{Key: []byte("0123456789abcdef"), Local: "bounces", Domain: "bounce.example"}
			_, verr := v.Verify(rep.VERP, "laskut@asiakas.example")
			return err == nil && errors.Is(verr, bounce.ErrNotVERP)
		}},
		{"200 KB of encoded words in Subject and From", []byte("From: " + strings.Repeat("=?UTF-8?Q?a?= ", 15000) + "<MAILER-DAEMON@mx.example>\nSubject: " + strings.Repeat("=?ISO-2022-JP?B?GyRCJV4bKEI=?=", 7000) + "\n\n<a@b.example>: 550 5.1.1 user unknown\n"), func(rep *bounce.Report, err error) bool {
			return err == nil && len(rep.Recipients) <= 1
		}},
		{"SES JSON bomb", []byte("From: MAILER-DAEMON@amazonses.com\nSubject: Delivery Status Notification\n\n{\"notificationType\":\"Bounce\",\"bounce\":" + strings.Repeat("[", 100000) + "\n"), func(rep *bounce.Report, err error) bool { return err == nil }},
	}
}

// TestHostile parses every hostile report within hostileTimeLimit and
// prints "HOSTILE area=bounce tried=N handled=N unexpected=N".
func TestHostile(t *testing.T) {
	tried, handled := 0, 0
	for _, c := range hostileCases() {
		tried++
		start := time.Now()
		var in io.Reader = bytes.NewReader(c.data)
		if c.data == nil { // a stream without Len: 17 MiB read up to the limit
			in = io.LimitReader(zeros{}, bounce.DefaultMaxBytes+1<<20)
		}
		rep, err := bounce.Parse(in)
		took := time.Since(start)
		t.Logf("%s: %v", c.name, took)
		switch {
		case took > hostileTimeLimit:
			t.Errorf("%s: took %v, limit %v", c.name, took, hostileTimeLimit)
		case !c.check(rep, err):
			t.Errorf("%s: unexpected outcome: report %+v, error %v", c.name, summary(rep), err)
		default:
			handled++
			if rep != nil {
				checkReport(t, rep, bounce.DefaultMaxRecipients)
			}
		}
	}
	fmt.Printf("HOSTILE area=bounce tried=%d handled=%d unexpected=%d\n", tried, handled, tried-handled)
}

// zeros is an endless stream of "x".
type zeros struct{}

var xs = bytes.Repeat([]byte("x"), 64<<10)

func (zeros) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], xs)
	}
	return n, nil
}

func summary(rep *bounce.Report) string {
	if rep == nil {
		return "nil"
	}
	return fmt.Sprintf("kind=%s recipients=%d truncated=%v verp=%q", rep.Kind, len(rep.Recipients), rep.Truncated, rep.VERP)
}
