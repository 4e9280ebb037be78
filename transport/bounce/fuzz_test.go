package bounce_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/bounce"
)

// FuzzParse feeds Parse arbitrary messages, seeded from testdata and the
// hostile cases: it must return a Report or a *ParseError, never panic,
// and a Report must be consistent (known kind, recipients within the
// limit, no recipients for not-a-bounce, addresses without spaces or
// brackets).
func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.eml")
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range hostileCases() {
		if c.data != nil && len(c.data) < 64<<10 {
			f.Add(c.data)
		}
	}
	lim := bounce.Limits{MaxBytes: 1 << 20, MaxRecipients: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := lim.Parse(bytes.NewReader(data))
		if err != nil {
			var pe *bounce.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		checkReport(t, rep, 50)
	})
}

// checkReport checks what every Report must satisfy.
func checkReport(t *testing.T, rep *bounce.Report, max int) {
	t.Helper()
	switch rep.Kind {
	case bounce.KindBounce, bounce.KindDelay, bounce.KindDelivered, bounce.KindAutoReply, bounce.KindComplaint:
	case bounce.KindNotBounce:
		if len(rep.Recipients) != 0 {
			t.Fatalf("not-a-bounce with %d recipients", len(rep.Recipients))
		}
	default:
		t.Fatalf("unknown kind %q", rep.Kind)
	}
	if len(rep.Recipients) > max {
		t.Fatalf("%d recipients, limit %d", len(rep.Recipients), max)
	}
	for _, r := range rep.Recipients {
		if r.Reason == "" || r.Kind == "" {
			t.Fatalf("recipient without reason or kind: %+v", r)
		}
		if (rep.Kind == bounce.KindBounce || rep.Kind == bounce.KindDelay || rep.Kind == bounce.KindDelivered) && r.Status == "" {
			t.Fatalf("recipient without status: %+v", r)
		}
		if len(r.Diagnostic) > 8192 && r.Kind == bounce.KindBounce {
			t.Fatalf("diagnostic of %d bytes", len(r.Diagnostic))
		}
		if strings.ContainsAny(r.Address, " \t\r\n<>") {
			t.Fatalf("address %q holds spaces or brackets", r.Address)
		}
	}
}
