package outbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/outbox"
)

func TestParse(t *testing.T) {
	for _, s := range outbox.States() {
		got, err := outbox.ParseState(string(s))
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %q, %v", s, got, err)
		}
		for _, lang := range []string{"en", "fi", "sv"} {
			if m := s.Message(lang); m == "" || strings.HasPrefix(m, "outbox.") {
				t.Errorf("%s has no %s text", s, lang)
			}
		}
	}
	for _, bad := range []string{"", "Delivered", "queued"} {
		if _, err := outbox.ParseState(bad); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("ParseState(%q) = %v; want ErrInvalid", bad, err)
		}
	}
	if id, err := outbox.ParseID("42"); err != nil || id != 42 || id.String() != "42" {
		t.Errorf("ParseID(42) = %v, %v", id, err)
	}
	for _, bad := range []string{"", "0", "-1", "x", "1.5"} {
		if _, err := outbox.ParseID(bad); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("ParseID(%q) = %v; want ErrInvalid", bad, err)
		}
	}
}

func TestCombine(t *testing.T) {
	for _, tc := range []struct {
		in   []outbox.State
		want outbox.State
	}{
		{nil, ""},
		{[]outbox.State{outbox.Delivered, outbox.Delivered}, outbox.Delivered},
		{[]outbox.State{outbox.Delivered, outbox.Failed}, outbox.Failed},
		{[]outbox.State{outbox.Failed, outbox.Ambiguous}, outbox.Ambiguous},
		{[]outbox.State{outbox.Ambiguous, outbox.Deferred}, outbox.Deferred},
		{[]outbox.State{outbox.Pending, outbox.Sending}, outbox.Sending},
		{[]outbox.State{outbox.Cancelled, outbox.Expired}, outbox.Expired},
	} {
		if got := outbox.Combine(tc.in...); got != tc.want {
			t.Errorf("Combine(%v) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	sentinels := []error{outbox.ErrNotFound, outbox.ErrIdempotencyConflict, outbox.ErrNotCancellable,
		outbox.ErrNotAmbiguous, outbox.ErrPruned, outbox.ErrInvalid, outbox.ErrNoTransport, errors.New("db down")}
	seen := map[string]bool{}
	for _, s := range sentinels {
		e := &outbox.Error{Op: "release", ID: 7, Err: s}
		if !errors.Is(e, s) || !strings.HasPrefix(e.Error(), "outbox: release message 7: ") {
			t.Errorf("%v: Error() = %q", s, e.Error())
		}
		for _, lang := range []string{"en", "fi", "sv"} {
			m := e.Message(lang)
			if m == "" || seen[m] {
				t.Errorf("%v in %s: empty or repeated text %q", s, lang, m)
			}
			seen[m] = true
		}
	}
}

func TestSchedule(t *testing.T) {
	s := outbox.Schedule{MaxAge: 1}.Normalized()
	d := outbox.DefaultSchedule()
	if s.MaxAge != 1 || s.Every != d.Every || len(s.Delays) != len(d.Delays) || s.Snooze != d.Snooze {
		t.Errorf("Normalized: %+v", s)
	}
	if s.Delay(0) != d.Every || s.Delay(100) != d.Every || s.Delay(1) != d.Delays[0] {
		t.Errorf("Delay out of range: %v %v %v", s.Delay(0), s.Delay(100), s.Delay(1))
	}
}
