package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestOutbox drives the durable delivery commands end to end on SQLite:
// migrate, send --outbox, list, work --until-idle into the test server,
// status, cancel and release.
func TestOutbox(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "outbox.db")
	if code, _, stderr := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL); code != exitConfig || !strings.Contains(stderr, "outbox migrate") {
		t.Fatalf("send --outbox before migrate: exit %d, %s; want 3 and a hint to migrate", code, stderr)
	}
	for range 2 { // idempotent
		if code, out, stderr := jakelu(t, "outbox", "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "version 3") {
			t.Fatalf("migrate: exit %d, %s %s", code, out, stderr)
		}
	}
	code, out, stderr := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL)
	var sent []map[string]any
	if err := json.Unmarshal([]byte(out), &sent); err != nil || code != 0 || len(sent) != 1 || sent[0]["outcome"] != "queued" || sent[0]["outbox_id"] == nil {
		t.Fatalf("send --outbox: exit %d, %s %s (%v)", code, out, stderr, err)
	}
	id := sent[0]["outbox_id"].(float64)
	// The same document again is a duplicate.
	code, out, _ = jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL)
	if code != exitNotSent || !strings.Contains(out, `"outcome":"duplicate"`) {
		t.Errorf("send --outbox again: exit %d, %s", code, out)
	}

	type listed struct {
		ID         int64  `json:"id"`
		MessageID  string `json:"message_id"`
		State      string `json:"state"`
		Recipients []struct {
			Address      string `json:"address"`
			State        string `json:"state"`
			Attempts     int    `json:"attempts"`
			Code         int    `json:"code"`
			EnhancedCode string `json:"enhanced_code"`
			Text         string `json:"text"`
		} `json:"recipients"`
	}
	list := func(args ...string) []listed {
		t.Helper()
		code, out, stderr := jakelu(t, append([]string{"outbox", "list", "--db", dsn, "--json"}, args...)...)
		var l []listed
		if err := json.Unmarshal([]byte(out), &l); err != nil || code != 0 {
			t.Fatalf("list: exit %d, %s %s (%v)", code, out, stderr, err)
		}
		return l
	}
	if l := list("--state", "pending"); len(l) != 1 || l[0].ID != int64(id) || l[0].MessageID == "" || len(l[0].Recipients) == 0 {
		t.Fatalf("list --state pending: %+v", l)
	}

	srv := transporttest.NewServer(t, nil)
	code, out, stderr = jakelu(t, "outbox", "work", "--db", dsn, "--smtp", srv.Addr(), "--tls", "none", "--until-idle")
	if code != 0 || !strings.Contains(out, "pending → sending") || !strings.Contains(out, "sending → delivered") {
		t.Fatalf("work --until-idle: exit %d, %s %s", code, out, stderr)
	}
	l := list("--state", "delivered")
	if len(l) != 1 || l[0].Recipients[0].State != "delivered" || l[0].Recipients[0].Attempts != 1 || l[0].Recipients[0].Code != 250 {
		t.Fatalf("after work: %+v", l)
	}
	if srv.Received() != len(l[0].Recipients) {
		t.Errorf("server received %d, want one per recipient (%d)", srv.Received(), len(l[0].Recipients))
	}
	ids := func() string { b, _ := json.Marshal(int64(id)); return string(b) }()
	if code, out, _ := jakelu(t, "outbox", "status", "--db", dsn, "--json", ids); code != 0 || !strings.Contains(out, `"state":"delivered"`) {
		t.Errorf("status: exit %d, %s", code, out)
	}
	if code, _, stderr := jakelu(t, "outbox", "cancel", "--db", dsn, ids); code != exitNotSent || !strings.Contains(stderr, "nothing left to cancel") {
		t.Errorf("cancel of a delivered message: exit %d, %s", code, stderr)
	}
	if code, _, stderr := jakelu(t, "outbox", "release", "--db", dsn, ids); code != exitNotSent || !strings.Contains(stderr, "no ambiguous recipient") {
		t.Errorf("release of a delivered message: exit %d, %s", code, stderr)
	}
	if code, _, _ := jakelu(t, "outbox", "status", "--db", dsn, "999"); code != exitNotSent {
		t.Errorf("status of an unknown ID: exit %d", code)
	}
	for _, args := range [][]string{
		{"outbox"}, {"outbox", "nope"}, {"outbox", "status", "--db", dsn}, {"outbox", "status", "--db", dsn, "x"},
		{"outbox", "list", "--db", dsn, "--state", "queued"}, {"outbox", "work", "--db", dsn},
		{"outbox", "work", "--db", dsn, "--out", t.TempDir(), "--smtp", "127.0.0.1:1"}, {"outbox", "migrate"},
		{"send", "--outbox", dsn, "--out", t.TempDir(), exampleUBL},
	} {
		if code, _, _ := jakelu(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// TestOutbox_file delivers a queued document into .eml files.
func TestOutbox_file(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "outbox.db")
	jakelu(t, "outbox", "migrate", "--db", dsn)
	if code, out, stderr := jakelu(t, "send", "--outbox", dsn, exampleUBL); code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("send --outbox: exit %d, %s %s", code, out, stderr)
	}
	dir := t.TempDir()
	if code, _, stderr := jakelu(t, "outbox", "work", "--db", dsn, "--out", dir, "--until-idle", "--workers", "2"); code != 0 {
		t.Fatalf("work --out: exit %d, %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) == 0 {
		t.Errorf("no .eml files in %s", dir)
	}
	if code, out, _ := jakelu(t, "outbox", "list", "--db", dsn); code != 0 || !strings.Contains(out, "delivered") {
		t.Errorf("list: exit %d, %s", code, out)
	}
}
