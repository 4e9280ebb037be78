package main

// Browser tests of sending through the outbox: the document page follows
// the outbox by refreshing itself (a meta refresh, no script).

import (
	"context"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// waitText waits until the element shows the text, while the page reloads
// itself; a generous watchdog fails the test when it never does.
func (p *page) waitText(sel, text string) {
	p.t.Helper()
	watchdog := time.Now().Add(90 * time.Second)
	last := ""
	for time.Now().Before(watchdog) {
		ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			if strings.Contains(s, text) {
				return
			}
			last = s
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s never showed %q (last %q)", sel, text, last)
}
