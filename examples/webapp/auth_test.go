package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPassword(t *testing.T) {
	for _, p := range []hashParams{fastHash, defaultHashParams} {
		h := hashPassword("Kesä-2026!", p)
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Errorf("hash %q is not a PHC argon2id string", h)
		}
		if ok, err := checkPassword("Kesä-2026!", h); !ok || err != nil {
			t.Errorf("the right password: %v, %v", ok, err)
		}
		if ok, err := checkPassword("kesä-2026!", h); ok || err != nil {
			t.Errorf("a wrong password: %v, %v", ok, err)
		}
		if h == hashPassword("Kesä-2026!", p) {
			t.Error("two hashes of a password are equal: the salt is not random")
		}
	}
	good := hashPassword("x", fastHash)
	parts := strings.Split(good, "$")
	malformed := map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":       strings.Replace(good, "argon2id", "argon2i", 1),
		"version":       strings.Replace(good, "v=19", "v=16", 1),
		"no parameters": strings.Replace(good, parts[3], "", 1),
		"zero memory":   strings.Replace(good, parts[3], "m=0,t=1,p=1", 1),
		"huge memory":   strings.Replace(good, parts[3], "m=4294967295,t=1,p=1", 1),
		"huge time":     strings.Replace(good, parts[3], "m=64,t=4000000,p=1", 1),
		"zero threads":  strings.Replace(good, parts[3], "m=64,t=1,p=0", 1),
		"bad salt":      strings.Replace(good, parts[4], "!!", 1),
		"short salt":    strings.Replace(good, parts[4], "AAAA", 1),
		"bad key":       strings.Replace(good, parts[5], "!!", 1),
		"short key":     strings.Replace(good, parts[5], "AAAA", 1),
		"extra field":   good + "$x",
	}
	for name, h := range malformed {
		t.Run(name, func(t *testing.T) {
			if ok, err := checkPassword("x", h); ok || !errors.Is(err, errBadHash) {
				t.Errorf("checkPassword(%q) = %v, %v; want false, errBadHash", h, ok, err)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newThrottle(3, time.Minute, time.Hour)
	steps := []struct {
		at    time.Duration
		fail  bool // count a failure of "k" at this time
		reset bool
		wait  time.Duration // what "k" must wait after the step
	}{
		{0, false, false, 0},
		{0, true, false, 0},
		{1 * time.Second, true, false, 0},
		{2 * time.Second, true, false, 2 * time.Second}, // the third failure: 2 s
		{3 * time.Second, false, false, time.Second},
		{4 * time.Second, false, false, 0},
		{4 * time.Second, true, false, 4 * time.Second}, // the fourth: 4 s
		{8 * time.Second, true, false, 8 * time.Second}, // the fifth: 8 s, growing
		{16 * time.Second, true, false, 16 * time.Second},
		{32 * time.Second, true, false, 32 * time.Second},
		{64 * time.Second, true, false, time.Minute}, // capped
		{124 * time.Second, true, false, time.Minute},
		{184 * time.Second, false, true, 0}, // a success forgets
		{185 * time.Second, true, false, 0},
		{186 * time.Second, true, false, 0},
		{187 * time.Second, true, false, 2 * time.Second},
		{187*time.Second + time.Hour, false, false, 0}, // forgotten after an hour without failures
		{188*time.Second + time.Hour, true, false, 0},  // and counting starts over
	}
	for i, s := range steps {
		now := start.Add(s.at)
		if s.fail {
			l.fail("k", now)
		}
		if s.reset {
			l.reset("k")
		}
		if got := l.wait("k", now); got != s.wait {
			t.Errorf("step %d at %v: wait %v, want %v", i, s.at, got, s.wait)
		}
		if got := l.wait("other", now); got != 0 {
			t.Errorf("step %d: another key waits %v", i, got)
		}
	}
}

func TestThrottleBound(t *testing.T) {
	l := newThrottle(1, time.Minute, time.Hour)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxLimiterKeys {
		l.fail(fmt.Sprint(i), start)
	}
	l.fail("late", start.Add(2*time.Minute))
	if n := len(l.fails); n != 1 {
		t.Errorf("%d keys kept, want only the one that must wait", n)
	}
	if l.wait("late", start.Add(2*time.Minute)) == 0 {
		t.Error("the key that must wait was dropped")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:4321":             "192.0.2.1",
		"[::ffff:192.0.2.1]:80":      "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"not an address":             "not an address",
		"[2001:db8:1:3::1%eth0]:443": "2001:db8:1:3::/64",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseHash checks that no stored hash, however damaged, makes the
// parser panic or accept costs and lengths out of bounds, and that every
// hash hashPassword writes parses back to its costs.
func FuzzParseHash(f *testing.F) {
	f.Add(hashPassword("x", fastHash))
	f.Add(hashPassword("x", defaultHashParams))
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHash(s)
		if err != nil {
			if !errors.Is(err, errBadHash) {
				t.Fatalf("parseHash(%q): %v, want errBadHash", s, err)
			}
			return
		}
		p := h.params
		if p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > 100 || p.Threads == 0 ||
			len(h.salt) < 8 || len(h.key) < 16 || len(h.key) > 64 {
			t.Fatalf("parseHash(%q) accepted %+v, salt %d bytes, key %d bytes", s, p, len(h.salt), len(h.key))
		}
	})
}

func TestParseHashRoundTrip(t *testing.T) {
	for _, p := range []hashParams{fastHash, defaultHashParams, {Memory: 1024, Time: 3, Threads: 4}} {
		h, err := parseHash(hashPassword("x", p))
		if err != nil || h.params != p || len(h.salt) != saltLength || len(h.key) != keyLength {
			t.Errorf("%+v: parsed %+v, %v", p, h, err)
		}
	}
}
