package distribution

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport"
)

// TestResult_Summary checks the one report shape of a Result: fields,
// JSON keys, the plan explained in the language asked for, and no error
// text for a document without recipients (its explanation says why).
func TestResult_Summary(t *testing.T) {
	plan := &Plan{Number: "INV-7", Language: "fi", Source: SourceDocument, Steps: []Step{{Code: StepDocumentNone}}}
	tests := []struct {
		name string
		res  *Result
		lang string
		want Summary
	}{
		{"nil", nil, "en", Summary{Outcome: Deferred, Source: SourceNone, Recipients: []RecipientSummary{}, Error: ErrNotCreated.Error()}},
		{"rejected", &Result{Outcome: Rejected, Err: docparse.ErrNotXML}, "en",
			Summary{Outcome: Rejected, Source: SourceNone, Recipients: []RecipientSummary{}, Error: docparse.ErrNotXML.Error()}},
		{"not routed", &Result{Document: &docparse.Document{Number: "INV-7"}, Plan: plan, Outcome: NotRouted, Err: &NoRecipientError{Plan: plan}}, "sv-FI",
			Summary{Number: "INV-7", Outcome: NotRouted, Source: SourceDocument, Recipients: []RecipientSummary{}, Explain: plan.Explain("sv")}},
		{"partly sent", &Result{Document: &docparse.Document{Number: "INV-7"}, Plan: plan, MessageID: "m@x", Outcome: PartlySent, Err: errors.New("smtp: 550"),
			Receipt: &transport.Receipt{Recipients: []transport.RecipientResult{
				{Address: "a@x.fi", Outcome: transport.Delivered, Code: 250},
				{Address: "b@x.fi", Outcome: transport.Failed, Code: 550, Err: errors.New("no such user")},
			}, Signed: []string{"x.fi", "operator.example"}}}, "fi",
			Summary{Number: "INV-7", Outcome: PartlySent, Source: SourceDocument, MessageID: "m@x", Explain: plan.Explain("fi"), Error: "smtp: 550", Signed: []string{"x.fi", "operator.example"},
				Recipients: []RecipientSummary{{Address: "a@x.fi", Outcome: "delivered", Code: 250}, {Address: "b@x.fi", Outcome: "failed", Code: 550, Error: "no such user"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.res.Summary(tt.lang)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Errorf("Summary = %s\nwant      %s", g, w)
			}
		})
	}
	g, _ := json.Marshal(Summary{Recipients: []RecipientSummary{{}}})
	for _, key := range []string{`"number"`, `"outcome"`, `"source"`, `"recipients"`, `"address"`} {
		if !strings.Contains(string(g), key) {
			t.Errorf("JSON %s lacks %s", g, key)
		}
	}
}
