package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestBounceJSON(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		code   int
		kind   string
		rcpts  int
		hard   bool
		reason string
		msgID  string
		envID  string
	}{
		{"dsn", "../../transport/bounce/testdata/postfix-user-unknown.eml", 0, "bounce", 1, true, "user-unknown", "lasku-1001@jakelu.example", "outbox-42"},
		{"plain text", "../../transport/bounce/testdata/qmail-mailbox-full.eml", 0, "bounce", 1, false, "mailbox-full", "lasku-7@jakelu.example", ""},
		{"auto-reply", "../../transport/bounce/testdata/out-of-office.eml", 0, "auto-reply", 1, false, "auto-reply", "", ""},
		{"complaint", "../../transport/bounce/testdata/arf-complaint.eml", 0, "complaint", 1, false, "complaint", "lasku-9@jakelu.example", ""},
		{"not a bounce", file(t, "hello.eml", "From: a@b.example\nSubject: hei\n\nterve\n"), 0, "not-a-bounce", 0, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := jakelu(t, "bounce", "--json", tt.file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, stderr)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
				t.Fatalf("not one JSON object: %v: %s", err, stdout)
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range raw {
					if !yield(k) {
						return
					}
				}
			})
			if want := []string{"envelope_id", "kind", "original_message_id", "recipients"}; !reflect.DeepEqual(keys, want) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			var got jsonBounce
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if string(got.Kind) != tt.kind || len(got.Recipients) != tt.rcpts || got.OriginalMessageID != tt.msgID || got.EnvelopeID != tt.envID {
				t.Fatalf("got %+v", got)
			}
			if tt.rcpts > 0 {
				r := got.Recipients[0]
				if r.Hard != tt.hard || string(r.Reason) != tt.reason {
					t.Errorf("recipient %+v, want hard=%v reason %s", r, tt.hard, tt.reason)
				}
				var rr []map[string]json.RawMessage
				_ = json.Unmarshal(raw["recipients"], &rr)
				for _, k := range []string{"address", "status", "code", "action", "hard", "reason", "diagnostic"} {
					if _, ok := rr[0][k]; !ok || len(rr[0]) != 7 {
						t.Errorf("recipient keys %v, want address status code action hard reason diagnostic", rr[0])
					}
				}
			}
		})
	}
}

func TestBounceText(t *testing.T) {
	code, stdout, stderr := jakelu(t, "bounce", "../../transport/bounce/testdata/postfix-user-unknown.eml")
	if code != 0 || !strings.Contains(stdout, "laskut@asiakas.example: failed 5.1.1 550 user-unknown") || !strings.Contains(stdout, "hard: stop mailing") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestBounceErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		json string // the error code printed with --json
	}{
		{"no file", []string{"bounce", "--json"}, 2, "usage"},
		{"two files", []string{"bounce", "--json", "a", "b"}, 2, "usage"},
		{"missing", []string{"bounce", "--json", "/nonexistent/x.eml"}, 1, "read-error"},
		{"empty", []string{"bounce", "--json", file(t, "empty.eml", "")}, 1, "empty"},
		{"bad flag", []string{"bounce", "--json", "--nope", "x"}, 2, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, _ := jakelu(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			var v struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(stdout), &v); err != nil || v.Error.Code != tt.json || v.Error.Message == "" {
				t.Errorf("stdout %q, want error code %q", stdout, tt.json)
			}
		})
	}
}
