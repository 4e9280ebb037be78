package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestBounceDBAndSuppress sends a document through the outbox with VERP
// envelope senders, feeds a bounce for its recipient to "bounce --db" on
// stdin's behalf (a file), and checks "suppress list|remove|add".
func TestBounceDBAndSuppress(t *testing.T) {
	t.Setenv("JAKELU_VERP_KEY", "a-test-key-of-more-than-16-bytes")
	t.Setenv("JAKELU_VERP_DOMAIN", "bounce.example.fi")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "outbox.db")
	if code, out, stderr := jakelu(t, "outbox", "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: exit %d, %s %s", code, out, stderr)
	}
	if code, out, stderr := jakelu(t, "send", "--outbox", dsn, "--json", exampleUBL); code != 0 {
		t.Fatalf("send --outbox: exit %d, %s %s", code, out, stderr)
	}
	srv := transporttest.NewServer(t, nil)
	if code, out, stderr := jakelu(t, "outbox", "work", "--db", dsn, "--smtp", srv.Addr(), "--tls", "none", "--until-idle"); code != 0 {
		t.Fatalf("work: exit %d, %s %s", code, out, stderr)
	}
	msgs := srv.Messages()
	if len(msgs) == 0 || !strings.HasPrefix(msgs[0].From, "bounces+") || !strings.HasSuffix(msgs[0].From, "@bounce.example.fi") {
		t.Fatalf("envelope sender %+v; want a VERP address", msgs)
	}
	rcpt, verpFrom := msgs[0].To[0], msgs[0].From
	code, out, _ := jakelu(t, "outbox", "list", "--db", dsn, "--json")
	var listed []struct {
		MessageID string `json:"message_id"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || code != 0 || len(listed) != 1 {
		t.Fatalf("list: %s (%v)", out, err)
	}
	report := file(t, "bounce.eml", strings.ReplaceAll(fmt.Sprintf(`Return-Path: <>
To: %[1]s
From: MAILER-DAEMON@mx.example.fi
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.fi

Final-Recipient: rfc822; %[2]s
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B
Content-Type: text/rfc822-headers

Message-ID: <%[3]s>

--B--
`, verpFrom, rcpt, listed[0].MessageID), "\n", "\r\n"))
	code, out, stderr := jakelu(t, "bounce", "--db", dsn, "--json", report)
	var res struct {
		Matched    bool `json:"matched"`
		Recipients []struct {
			Action     string `json:"action"`
			By         string `json:"matched_by"`
			To         string `json:"to"`
			Suppressed bool   `json:"suppressed"`
		} `json:"recipients"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Matched || len(res.Recipients) != 1 ||
		res.Recipients[0].Action != "bounced" || res.Recipients[0].By != "verp" || res.Recipients[0].To != "bounced" || !res.Recipients[0].Suppressed {
		t.Fatalf("bounce --db: exit %d, %s %s (%v)", code, out, stderr, err)
	}
	tenant := exampleCompany(t, dsn)
	code, out, stderr = jakelu(t, "suppress", "list", "--db", dsn, "--tenant", tenant, "--json")
	if code != 0 || !strings.Contains(out, rcpt) {
		t.Fatalf("suppress list: exit %d, %s %s", code, out, stderr)
	}
	if !strings.Contains(out, `"source":"bounce"`) || !strings.Contains(out, `"hard":true`) || !strings.Contains(out, `"active":true`) {
		t.Fatalf("suppress list: %s", out)
	}
	if code, _, _ := jakelu(t, "suppress", "remove", "--db", dsn, "--tenant", tenant, rcpt); code != exitUsage {
		t.Errorf("remove without --by: exit %d; want 2", code)
	}
	if code, _, stderr := jakelu(t, "suppress", "remove", "--db", dsn, "--tenant", tenant, "--by", "matti", rcpt); code != 0 {
		t.Fatalf("remove: exit %d, %s", code, stderr)
	}
	if code, _, _ := jakelu(t, "suppress", "remove", "--db", dsn, "--tenant", tenant, "--by", "matti", rcpt); code != exitNotSent {
		t.Errorf("second remove: exit %d; want 1", code)
	}
	if _, out, _ := jakelu(t, "suppress", "list", "--db", dsn, "--tenant", tenant, "--all"); !strings.Contains(out, "removed by matti") {
		t.Errorf("list --all: %s", out)
	}
	if code, _, stderr := jakelu(t, "suppress", "add", "--db", dsn, "--tenant", tenant, "--note", "asiakkaan pyyntö", rcpt); code != 0 {
		t.Fatalf("add: exit %d, %s", code, stderr)
	}
	if _, out, _ := jakelu(t, "suppress", "list", "--db", dsn, "--tenant", tenant); !strings.Contains(out, "asiakkaan pyyntö") {
		t.Errorf("list after add: %s", out)
	}
	// A message that is no report is read and matches nothing.
	plain := file(t, "plain.eml", "From: a@b.fi\r\nTo: c@d.fi\r\nSubject: hei\r\n\r\nmoi\r\n")
	if code, out, _ := jakelu(t, "bounce", "--db", dsn, "--json", plain); code != 0 || !strings.Contains(out, `"matched":false`) {
		t.Errorf("bounce --db of a plain message: exit %d, %s", code, out)
	}
	if code, _, _ := jakelu(t, "suppress", "nope"); code != exitUsage {
		t.Errorf("suppress nope: exit %d", code)
	}
}

// exampleCompany returns the tenant the outbox stored for the example
// document.
func exampleCompany(t *testing.T, dsn string) string {
	t.Helper()
	db, _, err := openOutboxDB(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tenant string
	if err := db.QueryRowContext(t.Context(), `SELECT tenant FROM jakelu_outbox_message LIMIT 1`).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	return tenant
}
