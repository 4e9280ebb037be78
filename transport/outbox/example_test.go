package outbox_test

import (
	"fmt"

	"github.com/jakelu/jakelu/transport/outbox"
)

// Example shows the default retry schedule and how recipients' states
// combine into a message's.
func Example() {
	s := outbox.DefaultSchedule()
	for n := 1; n <= 8; n++ {
		fmt.Print(s.Delay(n), " ")
	}
	fmt.Println("max age", s.MaxAge)
	fmt.Println(outbox.Combine(outbox.Delivered, outbox.Ambiguous))
	fmt.Println(outbox.Ambiguous.Message("fi"))
	// Output:
	// 1m0s 5m0s 15m0s 30m0s 1h0m0s 2h0m0s 4h0m0s 4h0m0s max age 120h0m0s
	// ambiguous
	// ei tiedetä, toimitettiinko; tarkista ja lähetä uudelleen tai kuittaa
}
