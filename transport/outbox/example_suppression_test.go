package outbox_test

import (
	"fmt"
	"time"

	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/outbox"
)

// ExampleSuppression shows when an entry of the suppression list applies
// and how Plan.Explain words it.
func ExampleSuppression() {
	seen := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	hard := outbox.Suppression{Tenant: "myyja", Address: "laskut@asiakas.fi", Source: outbox.SourceBounce, Hard: true,
		Reason: bounce.ReasonUserUnknown, Status: "5.1.1", Code: 550, Text: "550 5.1.1 user unknown",
		FirstSeen: seen, LastSeen: seen, Count: 1}
	fmt.Println(hard.Active(seen.AddDate(1, 0, 0)), hard.Message("fi"))
	soft := outbox.Suppression{Address: "full@asiakas.fi", Source: outbox.SourceBounce, Reason: bounce.ReasonMailboxFull,
		FirstSeen: seen, LastSeen: seen, Count: 1, KeepUntil: seen.Add(outbox.SoftKeep)}
	fmt.Println(soft.Active(seen)) // one soft bounce suppresses nothing
	soft.Count = 2
	fmt.Println(soft.Active(seen), soft.Active(soft.KeepUntil))
	fmt.Println(outbox.Bounced.Message("sv"))
	// Output:
	// true laskut@asiakas.fi jätettiin pois: viesti palautui 3.12.2026, 550 5.1.1 user unknown
	// false
	// true false
	// studsade: mottagarens server rapporterade att meddelandet inte levererades
}
