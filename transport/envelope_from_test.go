package transport_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/jakelu/jakelu/transport"
)

func TestComposeEnvelopeFrom(t *testing.T) {
	cases := []struct {
		name, envFrom, want string
		err                 transport.HeaderReason
	}{
		{name: "default_from", want: "laskutus@myyja.fi"},
		{name: "bounce_domain", envFrom: "palautukset@bounce.myyja.fi", want: "palautukset@bounce.myyja.fi"},
		{name: "idn", envFrom: "palautukset@bounce.myyjä.fi", want: "palautukset@bounce.xn--myyj-ooa.fi"},
		{name: "invalid", envFrom: "palautukset@", err: transport.HeaderInvalidAddress},
		{name: "injection", envFrom: "a@b.fi>\r\nRCPT TO:<x@y.fi", err: transport.HeaderInvalidAddress},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := invoice()
			m.From.Address = "laskutus@myyja.fi"
			m.EnvelopeFrom = tc.envFrom
			c, err := transport.Compose(m, nil)
			if tc.err != "" {
				var he *transport.HeaderError
				if !errors.As(err, &he) || he.Reason != tc.err || he.Field != "EnvelopeFrom" {
					t.Fatalf("Compose = %v; want a HeaderError %s on EnvelopeFrom", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.From != tc.want {
				t.Errorf("envelope sender %q; want %q", c.From, tc.want)
			}
			if tc.envFrom != "" && bytes.Contains(c.Data, []byte(tc.envFrom)) {
				t.Errorf("the envelope sender is written into the message")
			}
		})
	}
}
