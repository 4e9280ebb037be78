package distribution

import (
	"errors"
	"strings"
	"testing"
)

// TestErrors_Convention checks the error convention for distribution's
// typed errors: each matches its sentinel (and its cause), and each has a
// Message in every shipped language, different from the English one and
// from the Error text, with the details a person needs.
func TestErrors_Convention(t *testing.T) {
	cause := errors.New("database unreachable")
	type messager interface {
		error
		Message(lang string) string
	}
	tests := []struct {
		name      string
		err       messager
		sentinels []error
		holds     []string // in every language's message
	}{
		{"TooLargeError", &TooLargeError{Number: "INV-9", Size: 30 << 20, Limit: 25 << 20}, []error{ErrTooLarge}, []string{"INV-9", "30720", "25600"}},
		{"LookupError", &LookupError{CustomerNumber: "1001", Err: cause}, []error{ErrLookup, cause}, []string{"1001"}},
		{"LookupError of the suppression list", &LookupError{Address: "laskut@asiakas.example", Err: cause}, []error{ErrLookup, cause}, []string{"laskut@asiakas.example"}},
		{"NoRecipientError without plan", &NoRecipientError{}, []error{ErrNoRecipient}, nil},
		{"TooManyRecipientsError", &TooManyRecipientsError{Number: "INV-7", Count: 5000, Max: 50}, []error{ErrTooManyRecipients}, []string{"INV-7", "5000", "50"}},
		{"SettingsError", &SettingsError{Field: "Language", Value: "de", Err: errors.New("x")}, []error{ErrInvalidSettings}, []string{"de"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.sentinels {
				if !errors.Is(tt.err, s) {
					t.Errorf("%v does not match %v", tt.err, s)
				}
			}
			en := tt.err.Message("en")
			for _, lang := range []string{"en", "fi", "sv", "fi-FI", "sv-FI"} {
				m := tt.err.Message(lang)
				if m == "" || m == tt.err.Error() || (!strings.HasPrefix(lang, "en") && m == en) {
					t.Errorf("Message(%s) = %q: empty, the Error text or not translated", lang, m)
				}
				for _, h := range tt.holds {
					if !strings.Contains(m, h) {
						t.Errorf("Message(%s) = %q, want it to hold %q", lang, m, h)
					}
				}
			}
		})
	}
}

// TestNoRecipientError_MessageExplainsPlan checks that with a plan the
// message is the plan's explanation in the language asked for.
func TestNoRecipientError_MessageExplainsPlan(t *testing.T) {
	p := &Plan{Number: "INV-1", Steps: []Step{{Code: StepDocumentNone}}}
	e := &NoRecipientError{Plan: p}
	for _, lang := range []string{"fi", "sv", "en"} {
		if got, want := e.Message(lang), p.Explain(lang); got != want || got == "" {
			t.Errorf("Message(%s) = %q, want the plan's explanation %q", lang, got, want)
		}
	}
}
