// Package testmsg holds the message the transport packages' benchmarks
// send, so that they measure the same thing. Only tests import it.
package testmsg

import (
	"fmt"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// Invoice returns a typical invoice e-mail: 5.6 KB of Finnish text and a
// 10 KB PDF-sized attachment of random bytes, about 20 KB composed. Every
// call returns the same message.
func Invoice() *transport.Message {
	rng := rand.New(rand.NewPCG(1, 2))
	pdf := make([]byte, 10<<10)
	for i := range pdf {
		pdf[i] = byte(rng.Uint32())
	}
	var text strings.Builder
	for i := 0; text.Len() < 5600; i++ {
		fmt.Fprintf(&text, "Rivi %d: lasku 2026-%03d, eräpäivä 14.3.2026, summa %d,00 EUR.\n", i, i, 100+i)
	}
	return &transport.Message{
		From:        mail.Address{Name: "Äijälä Oy", Address: "laskutus@example.fi"},
		To:          []mail.Address{{Name: "Matti Meikäläinen", Address: "matti@example.com"}},
		Subject:     "Lasku 2026-001 – Äijälä Oy",
		Text:        text.String(),
		Attachments: []transport.Attachment{{Filename: "lasku-2026-001.pdf", ContentType: "application/pdf", Data: pdf}},
		MessageID:   "bench@example.fi",
		Date:        time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	}
}
