package distribution

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

// memSuppressions is an outbox.Suppressions in memory, keyed by tenant
// and lower-case address.
type memSuppressions map[string]*outbox.Suppression

func (m memSuppressions) Lookup(_ context.Context, tenant, address string) (*outbox.Suppression, error) {
	if s := m[tenant+"/"+strings.ToLower(address)]; s != nil && s.Active(time.Now()) {
		return s, nil
	}
	return nil, nil
}

func (m memSuppressions) Add(_ context.Context, s outbox.Suppression) error {
	m[s.Tenant+"/"+strings.ToLower(s.Address)] = &s
	return nil
}

func (m memSuppressions) Remove(_ context.Context, tenant, address, by string) error {
	delete(m, tenant+"/"+strings.ToLower(address))
	return nil
}

func (m memSuppressions) List(context.Context, string, bool) ([]outbox.Suppression, error) {
	return nil, nil
}

type failingSuppressions struct{ memSuppressions }

func (failingSuppressions) Lookup(context.Context, string, string) (*outbox.Suppression, error) {
	return nil, errors.New("database down")
}

func TestPlanSuppressed(t *testing.T) {
	seen := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	sup := memSuppressions{}
	sup.Add(t.Context(), outbox.Suppression{Tenant: "myyja", Address: "cfo@buyer.fi", Source: outbox.SourceBounce, Hard: true,
		Reason: bounce.ReasonUserUnknown, Status: "5.1.1", Code: 550, Text: "550 5.1.1 user unknown", FirstSeen: seen, LastSeen: seen, Count: 1})
	settings := Settings{Enabled: true, Company: "myyja", From: "noreply@operator.fi", DocumentAddress: true, Directory: true}
	r, err := NewRouter(testDirectory(t), noSend, settings, &Options{Suppressions: sup})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cases := []struct {
		name     string
		add      []string // more suppressed addresses
		wantTo   []string
		wantCc   []string
		wantErr  error
		explain  string // in Finnish
		language string
	}{
		{name: "one_left_out", wantTo: []string{"ap@buyer.fi"}, wantCc: []string{"archive@buyer.fi"}, language: "fi",
			explain: "cfo@buyer.fi jätettiin pois: viesti palautui 3.12.2026, 550 5.1.1 user unknown."},
		{name: "copy_promoted", add: []string{"ap@buyer.fi"}, wantTo: []string{"archive@buyer.fi"}, language: "fi",
			explain: "ap@buyer.fi jätettiin pois: vastaanottaja merkitsi viestin roskapostiksi 3.12.2026."},
		{name: "all_suppressed", add: []string{"archive@buyer.fi"}, wantErr: ErrNoRecipient, language: "fi",
			explain: "Vastaanottajaa ei löytynyt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, a := range tc.add {
				sup.Add(ctx, outbox.Suppression{Tenant: "myyja", Address: a, Source: outbox.SourceComplaint, FirstSeen: seen})
			}
			p, err := r.Plan(ctx, testDoc("absent", cn("1001", "")))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Plan error %v; want %v", err, tc.wantErr)
			}
			to, cc := p.Addresses()
			if strings.Join(to, ",") != strings.Join(tc.wantTo, ",") || strings.Join(cc, ",") != strings.Join(tc.wantCc, ",") {
				t.Errorf("to %v cc %v; want %v %v", to, cc, tc.wantTo, tc.wantCc)
			}
			if got := p.Explain(tc.language); !strings.Contains(got, tc.explain) {
				t.Errorf("Explain(fi) = %q; want it to contain %q", got, tc.explain)
			}
			if tc.wantErr != nil && (p.Source != SourceNone || !strings.Contains(p.Explain("en"), "the recipient reported a message as spam")) {
				t.Errorf("all suppressed: source %q, explanation %q", p.Source, p.Explain("en"))
			}
		})
	}
	other := settings
	other.Company = "toinen"
	r2, _ := NewRouter(testDirectory(t), noSend, other, &Options{Suppressions: sup})
	if p, err := r2.Plan(ctx, testDoc("absent", cn("1001", ""))); err != nil || len(p.To) != 2 {
		t.Errorf("another company's plan: %v, %v; want both addresses", p, err)
	}
	r3, _ := NewRouter(testDirectory(t), noSend, settings, &Options{Suppressions: failingSuppressions{}})
	if _, err := r3.Plan(ctx, testDoc("absent", cn("1001", ""))); !errors.Is(err, ErrLookup) {
		t.Errorf("failing list: %v; want ErrLookup", err)
	}
}
