package transporttest_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net/mail"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// A host app's unit test sends through a Recorder and checks what was
// sent; Outcome simulates a recipient the server refuses.
func Example() {
	rec := &transporttest.Recorder{
		Outcome: func(_ *transport.Message, addr string) transport.Outcome {
			if addr == "vanha@example.com" {
				return transport.Failed
			}
			return transport.Delivered
		},
	}
	rc, err := rec.Send(context.Background(), &transport.Message{
		From:    mail.Address{Address: "laskutus@example.fi"},
		To:      []mail.Address{{Address: "matti@example.com"}, {Address: "vanha@example.com"}},
		Subject: "Lasku 2026-001",
	})
	for _, r := range rc.Recipients {
		fmt.Println(r.Address, r.Outcome, r.Code)
	}
	fmt.Println("temporary:", transport.IsTemporary(err))
	for _, m := range rec.Messages() {
		fmt.Println("recorded:", m.Subject)
	}
	// Output:
	// matti@example.com delivered 0
	// vanha@example.com failed 550
	// temporary: false
	// recorded: Lasku 2026-001
}

// A Transport implementation's test runs the conformance kit; here the
// SMTP transport against the fault-injecting server. (It needs a *testing.T,
// so this example is compiled but not run.)
func ExampleRun() {
	TestConformance := func(t *testing.T) {
		transporttest.Run(t, func(t *testing.T) (transport.Transport, transporttest.Inbox) {
			srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.StartTLS})
			tr, err := smtp.New(srv.Addr(), &smtp.Options{TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tr.Close() })
			return tr, srv.Inbox
		})
	}
	_ = TestConformance
}

// A test scripts the server to refuse one recipient and to drop the
// connection after storing the message, before its 250 reply: the
// duplicate window a retry must handle. (Compiled, not run.)
func ExampleNewServer() {
	TestAmbiguous := func(t *testing.T) {
		srv := transporttest.NewServer(t, &transporttest.Script{
			Respond: func(c transporttest.Command) transporttest.Response {
				switch {
				case c.Verb == "RCPT" && c.Address == "vanha@example.com":
					return transporttest.Response{Code: 550, Enhanced: "5.1.1", Text: "no such user"}
				case c.Verb == ".":
					return transporttest.Response{Drop: true}
				}
				return transporttest.Response{}
			},
		})
		tr, err := smtp.New(srv.Addr(), &smtp.Options{TLS: smtp.NoTLS})
		if err != nil {
			log.Fatal(err)
		}
		defer tr.Close()
		_, err = tr.Send(t.Context(), &transport.Message{
			From: mail.Address{Address: "laskutus@example.fi"},
			To:   []mail.Address{{Address: "matti@example.com"}, {Address: "vanha@example.com"}},
		})
		if !transport.IsAmbiguous(err) || len(srv.Messages()) != 1 {
			t.Errorf("want an ambiguous outcome with the message stored once: %v", err)
		}
	}
	_ = TestAmbiguous
}
