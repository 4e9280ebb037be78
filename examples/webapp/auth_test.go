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

func TestLimiter(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute)
	steps := []struct {
		at      time.Duration
		fail    bool // count a failure at this time
		reset   bool
		blocked bool // the state after the step
	}{
		{0, false, false, false},
		{0, true, false, false},
		{10 * time.Second, true, false, false},
		{20 * time.Second, true, false, true},
		{59 * time.Second, false, false, true},
		{60 * time.Second, false, false, false}, // the window that started at 0 is over
		{61 * time.Second, true, false, false},  // a new window starts
		{62 * time.Second, true, false, false},
		{63 * time.Second, true, false, true},
		{64 * time.Second, false, true, false},
	}
	for i, s := range steps {
		now := start.Add(s.at)
		if s.fail {
			l.fail("k", now)
		}
		if s.reset {
			l.reset("k")
		}
		until, blocked := l.blocked("k", now)
		if blocked != s.blocked {
			t.Errorf("step %d at %v: blocked %v, want %v", i, s.at, blocked, s.blocked)
		}
		if blocked && !until.After(now) {
			t.Errorf("step %d: blocked until %v, not after %v", i, until, now)
		}
		if _, other := l.blocked("other", now); other {
			t.Errorf("step %d: another key is blocked", i)
		}
	}
}

func TestLimiterBound(t *testing.T) {
	l := newLimiter(1, time.Minute)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxLimiterKeys {
		l.fail(fmt.Sprint(i), start)
	}
	l.fail("late", start.Add(2*time.Minute))
	if n := len(l.fails); n != 1 {
		t.Errorf("%d keys kept, want only the live one", n)
	}
	if _, blocked := l.blocked("late", start.Add(2*time.Minute)); !blocked {
		t.Error("the live key was dropped")
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
