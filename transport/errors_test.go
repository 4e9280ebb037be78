package transport_test

import (
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
)

// TestErrors_Convention checks the error convention for transport's typed
// errors: each matches its sentinel (and its cause), and those a person
// may see have a Message in every shipped language, different from the
// English one and from the Error text.
func TestErrors_Convention(t *testing.T) {
	_, addrErr := address.Parse("a@b")
	cause := errors.New("cause")
	tests := []struct {
		name     string
		err      error
		sentinel error
		message  func(lang string) string // nil: not meant for people
	}{
		{"HeaderError", &transport.HeaderError{Field: "Subject", Reason: transport.HeaderControlCharacter, Value: "a\nb"}, transport.ErrInvalidMessage,
			(&transport.HeaderError{Field: "Subject", Reason: transport.HeaderControlCharacter, Value: "a\nb"}).Message},
		{"HeaderError with address", &transport.HeaderError{Field: "To[0]", Reason: transport.HeaderInvalidAddress, Value: "a@b", Err: addrErr}, address.ErrInvalid,
			(&transport.HeaderError{Field: "To[0]", Reason: transport.HeaderInvalidAddress, Value: "a@b", Err: addrErr}).Message},
		{"SendError", &transport.SendError{Stage: transport.StageData, Temporary: true, Err: cause}, transport.ErrNotDelivered,
			(&transport.SendError{Temporary: true}).Message},
		{"SendError cause", &transport.SendError{Stage: transport.StageData, Err: cause}, cause, nil},
		{"ConfigError", &transport.ConfigError{Err: cause}, transport.ErrConfig, nil},
		{"ConfigError cause", &transport.ConfigError{Err: cause}, cause, nil},
		{"ConfigError without cause", &transport.ConfigError{}, transport.ErrConfig, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("%v does not match %v", tt.err, tt.sentinel)
			}
			if tt.message == nil {
				return
			}
			en := tt.message("en")
			for _, lang := range []string{"en", "fi", "sv", "fi-FI", "sv-FI"} {
				m := tt.message(lang)
				if m == "" || m == tt.err.Error() || (lang != "en" && m == en) {
					t.Errorf("Message(%s) = %q: empty, the Error text or not translated", lang, m)
				}
			}
			if got := tt.message("de"); got != en {
				t.Errorf("Message(de) = %q, want the English %q", got, en)
			}
		})
	}
}

// TestSendError_Message checks that the message says what a person should
// do for each class of failure.
func TestSendError_Message(t *testing.T) {
	tests := []struct {
		err  *transport.SendError
		want string
	}{
		{&transport.SendError{Config: true, Temporary: true}, "settings are wrong"},
		{&transport.SendError{Ambiguous: true}, "may have been delivered"},
		{&transport.SendError{Temporary: true}, "try again later"},
		{&transport.SendError{}, "refused"},
	}
	for _, tt := range tests {
		if got := tt.err.Message("en"); !strings.Contains(got, tt.want) {
			t.Errorf("%+v: Message = %q, want it to say %q", tt.err, got, tt.want)
		}
	}
}

// TestHeaderError_MessageNamesAddressReason checks that a refused address
// is explained with the address package's reason in the same language.
func TestHeaderError_MessageNamesAddressReason(t *testing.T) {
	_, err := transport.Compose(&transport.Message{From: mail.Address{Address: "laskutus@example.fi"}, To: []mail.Address{{Address: "a@b"}}}, nil)
	var he *transport.HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("Compose gave %v, want a *HeaderError", err)
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if got, want := he.Message(lang), address.ReasonNoDot.Message(lang); !strings.Contains(got, want) {
			t.Errorf("Message(%s) = %q, want it to hold %q", lang, got, want)
		}
	}
}
