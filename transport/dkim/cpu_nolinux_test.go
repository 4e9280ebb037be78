//go:build !linux

package dkim_test

import "time"

// processWait cannot read how long the process waited for a CPU on this
// system.
func processWait() (time.Duration, bool) { return 0, false }
