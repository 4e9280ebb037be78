package smtp_test

import (
	"crypto/tls"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

func TestConformance(t *testing.T) {
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
