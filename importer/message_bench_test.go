package importer_test

import (
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/transport/address"
)

// BenchmarkProblemMessage measures rendering import problems with their
// positions, as a file with many faulty rows lists them.
func BenchmarkProblemMessage(b *testing.B) {
	problems := []importer.Problem{
		{Code: importer.CodeInvalidAddress, Row: 12, Column: "B", Value: "lj@buyer", Reason: address.ReasonNoDot},
		{Code: importer.CodeDuplicateCustomerNumber, Row: 40, Column: "A", Value: "10202", OtherRow: 12},
		{Code: importer.CodeTooManyRows, Limit: 1000000},
	}
	for _, lang := range []string{"fi", "sv-FI"} {
		b.Run(lang, func(b *testing.B) {
			n := 0
			for b.Loop() {
				for _, p := range problems {
					n += len(p.Message(lang)) + len(p.Position(lang))
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
		})
	}
}
