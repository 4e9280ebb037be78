package distribution_test

import (
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/transport/address"
)

// BenchmarkExplain measures rendering a typical plan's explanation and a
// settings error's message in Finnish and in a Swedish tag with a region,
// the texts a support screen shows for every document.
func BenchmarkExplain(b *testing.B) {
	plan := &distribution.Plan{Steps: []distribution.Step{
		{Code: distribution.StepDocumentInvalid, Address: "lj@buyer", Path: "Invoice/AccountingCustomerParty/Party/Contact/ElectronicMail", Reason: address.ReasonNoDot},
		{Code: distribution.StepDirectoryHit, Kind: docparse.KindCustomerNumber, CustomerNumber: "10202", To: []string{"a@b.fi", "c@d.fi"}, Cc: []string{"e@f.fi"}},
		{Code: distribution.StepDecision, Source: distribution.SourceDirectory},
	}}
	settingsErr := &distribution.SettingsError{Field: "Precedence", Value: "x"}
	for _, lang := range []string{"fi", "sv-FI"} {
		b.Run(lang, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n += len(plan.Explain(lang)) + len(settingsErr.Message(lang))
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
		})
	}
}
