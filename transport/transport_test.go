package transport_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport"
)

func TestIsConfig(t *testing.T) {
	cert := x509.UnknownAuthorityError{}
	deferred := func(err error) *transport.Receipt {
		return &transport.Receipt{Recipients: []transport.RecipientResult{
			{Address: "a@x.fi", Outcome: transport.Deferred, Stage: transport.StageTLS, Err: err},
			{Address: "b@x.fi", Outcome: transport.Deferred, Stage: transport.StageTLS, Err: err},
		}}
	}
	tests := []struct {
		name   string
		err    error
		config bool
		// text is a part of the error's message, "" for no check.
		text string
		// cause must match the error with errors.Is, when set.
		cause error
	}{
		{"nil", nil, false, "", nil},
		{"plain error", errors.New("boom"), false, "", nil},
		{"ConfigError", &transport.ConfigError{Err: cert}, true, "x509: certificate signed by unknown authority", cert},
		{"ConfigError without cause", &transport.ConfigError{}, true, "transport: configuration error", nil},
		{"wrapped ConfigError", fmt.Errorf("sending: %w", &transport.ConfigError{Err: cert}), true, "", cert},
		{"receipt with a configuration cause", deferred(&transport.ConfigError{Err: cert}).Err(), true,
			`transport: send failed at tls [configuration: the sending set-up or the server's is wrong; the mail was kept: fix the configuration, then retry] for 2 recipient(s) ["a@x.fi" "b@x.fi"]: x509: certificate signed by unknown authority`, cert},
		{"receipt with a temporary cause", deferred(errors.New("connection reset")).Err(), false, "[temporary: retry the deferred recipients later]", nil},
		{"SendError with Config", &transport.SendError{Stage: transport.StageAuth, Code: 535, Config: true}, true,
			"transport: send failed at auth (535) [configuration: the sending set-up or the server's is wrong: fix the configuration]", nil},
		{"wrapped SendError", fmt.Errorf("document 1: %w", &transport.SendError{Stage: transport.StageAuth, Config: true, Temporary: true}), true, "", nil},
		{"ambiguous wins in the message", &transport.SendError{Stage: transport.StageFinal, Config: true, Ambiguous: true}, true, "[ambiguous:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transport.IsConfig(tt.err); got != tt.config {
				t.Errorf("IsConfig(%v) = %v, want %v", tt.err, got, tt.config)
			}
			if tt.text != "" && !strings.Contains(tt.err.Error(), tt.text) {
				t.Errorf("message %q lacks %q", tt.err.Error(), tt.text)
			}
			if tt.cause != nil && !errors.Is(tt.err, tt.cause) {
				t.Errorf("errors.Is(%v, %v) = false: the cause must stay reachable", tt.err, tt.cause)
			}
		})
	}
}

func TestReceipt_ErrConfig(t *testing.T) {
	rc := &transport.Receipt{Recipients: []transport.RecipientResult{
		{Address: "a@x.fi", Outcome: transport.Deferred, Stage: transport.StageAuth, Code: 535, EnhancedCode: "5.7.8",
			Err: &transport.ConfigError{Err: errors.New("authentication failed")}},
	}}
	var se *transport.SendError
	if err := rc.Err(); !errors.As(err, &se) || !se.Config || !se.Temporary || se.Code != 535 || se.Stage != transport.StageAuth {
		t.Errorf("Err() = %+v, want a temporary configuration SendError at auth with 535", se)
	}
}
