package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// report is a send --json result.
type report struct {
	File, Number, Outcome, Source, MessageID, Explain, Error string
	Recipients                                               []struct{ Address, Outcome string }
}

// summary is "file|number|outcome|source" with the file's base name.
func (r report) summary() string {
	return filepath.Base(r.File) + "|" + r.Number + "|" + r.Outcome + "|" + r.Source
}

func TestSend(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := jakelu(t, "send", "--json", "--directory", exampleDir, "--document-address", "--out", out, exampleUBL, exampleCII, exampleFV)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one document is not routed); stderr %s", code, errOut)
	}
	got := map[string]string{}
	for _, r := range decodeArray[report](t, stdout) {
		got[r.Number] = r.Outcome + "/" + r.Source
		for _, rc := range r.Recipients {
			if rc.Outcome != "delivered" {
				t.Errorf("%s: %s %s", r.Number, rc.Address, rc.Outcome)
			}
		}
	}
	want := map[string]string{"2026-1001": "sent/document", "HL-2026-0042": "sent/directory", "2026-1002": "not-routed/none"}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("document %s: %s, want %s", n, got[n], w)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.eml"))
	if len(files) != 2 {
		t.Fatalf("%d .eml files, want 2", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := transporttest.ParseMessage(raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		// Without --from, --out uses the placeholder sender.
		if m.From.Address != placeholderFrom {
			t.Errorf("%s: From %q, want the placeholder %q", f, m.From.Address, placeholderFrom)
		}
	}
}

func TestSend_smtp(t *testing.T) {
	srv := transporttest.NewServer(t, nil)
	code, stdout, errOut := jakelu(t, "send", "--from", "laskut@firma.example", "--smtp", srv.Addr(), "--tls", "none", exampleUBL)
	if code != 0 || !strings.Contains(stdout, "ostolaskut@kemin-kukka.example delivered") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].From != "laskut@firma.example" {
		t.Errorf("server stored %d messages (%+v), want 1 from --from", len(msgs), msgs)
	}
}

// TestSend_report: every input ends as one result in one JSON array, in
// order; a file that cannot be read or parsed is one rejected result and
// does not stop the others, and each document is sent once.
func TestSend_report(t *testing.T) {
	bad := badInputs(t)
	batch := testdata("teappsxml-batch.xml")
	tests := []struct {
		name string
		args []string
		want []string // summaries, in order
		exit int
	}{
		{"unreadable files among several", []string{"--directory", exampleDir, "--document-address", exampleUBL, bad.missing, bad.garbage, batch, bad.folder, exampleCII},
			[]string{
				"ubl-invoice.xml|2026-1001|sent|document",
				"missing.xml||rejected|none",
				"garbage.xml||rejected|none",
				"teappsxml-batch.xml|T-5001|sent|document",
				"teappsxml-batch.xml|T-5002|sent|document",
				"folder.xml||rejected|none",
				"cii-credit-note.xml|HL-2026-0042|sent|directory",
			}, 1},
		{"only an unreadable file", []string{bad.missing}, []string{"missing.xml||rejected|none"}, 1},
		{"single document", []string{exampleUBL}, []string{"ubl-invoice.xml|2026-1001|sent|document"}, 0},
		{"one file with two documents", []string{batch}, []string{"teappsxml-batch.xml|T-5001|sent|document", "teappsxml-batch.xml|T-5002|sent|document"}, 0},
		{"default without directory", []string{exampleUBL, exampleCII},
			[]string{"ubl-invoice.xml|2026-1001|sent|document", "cii-credit-note.xml|HL-2026-0042|not-routed|none"}, 1},
		{"default with directory", []string{"--directory", exampleDir, exampleCII, exampleFV},
			[]string{"cii-credit-note.xml|HL-2026-0042|sent|directory", "finvoice-invoice.xml|2026-1002|not-routed|none"}, 1},
		{"explicit directory only", []string{"--directory", exampleDir, "--document-address=false", exampleUBL},
			[]string{"ubl-invoice.xml|2026-1001|sent|directory"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := transporttest.NewServer(t, nil)
			args := append([]string{"send", "--json", "--from", "laskut@firma.example", "--smtp", srv.Addr(), "--tls", "none"}, tt.args...)
			code, stdout, errOut := jakelu(t, args...)
			if code != tt.exit {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.exit, errOut)
			}
			reports := decodeArray[report](t, stdout)
			var got, sentIDs []string
			for _, r := range reports {
				got = append(got, r.summary())
				switch r.Outcome {
				case "sent":
					sentIDs = append(sentIDs, r.MessageID)
				case "rejected", "not-routed":
					if r.Error == "" && r.Explain == "" {
						t.Errorf("%s: %s without a reason", r.File, r.Outcome)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("results\n%q\nwant\n%q", got, tt.want)
			}
			// Each document reported sent reached the server exactly
			// once, and nothing else did.
			var stored []string
			for _, m := range srv.Messages() {
				msg, err := transporttest.ParseMessage(m.Data)
				if err != nil {
					t.Fatalf("message %d: %v", m.ID, err)
				}
				stored = append(stored, msg.MessageID)
			}
			slices.Sort(stored)
			slices.Sort(sentIDs)
			if !slices.Equal(stored, sentIDs) {
				t.Errorf("server stored Message-IDs %q, reported sent %q", stored, sentIDs)
			}
		})
	}
}

// TestSend_text: without --json the same results are lines on stdout.
func TestSend_text(t *testing.T) {
	bad := badInputs(t)
	code, stdout, _ := jakelu(t, "send", "--out", t.TempDir(), exampleUBL, bad.missing)
	for _, want := range []string{"ubl-invoice.xml: document 2026-1001 sent (source document)", bad.missing + ": rejected\n  open " + bad.missing} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// TestSendRoute_usage: command lines that cannot work exit 2, print the
// usage and why, read and send nothing, and with --json print an empty
// array.
func TestSendRoute_usage(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"send --smtp without --from", []string{"send", "--smtp", "127.0.0.1:1", "--tls", "none", exampleUBL}, "--smtp needs --from"},
		{"send --smtp with empty --from", []string{"send", "--smtp", "127.0.0.1:1", "--from=", exampleUBL}, "--smtp needs --from"},
		{"send without a transport", []string{"send", exampleUBL}, "exactly one of --out, --smtp and --outbox"},
		{"send with two transports", []string{"send", "--out", out, "--smtp", "127.0.0.1:1", "--from", "a@b.example", exampleUBL}, "exactly one of --out, --smtp and --outbox"},
		{"send without documents", []string{"send", "--out", out}, "exactly one of --out, --smtp and --outbox"},
		{"send --document-address=false without directory", []string{"send", "--out", out, "--document-address=false", exampleUBL}, "leaves no way to find recipients"},
		{"send --precedence with only the directory", []string{"send", "--out", out, "--directory", exampleDir, "--precedence", "both", exampleUBL}, "--precedence chooses"},
		{"send unknown flag", []string{"send", "--out", out, "--xml", exampleUBL}, "flag provided but not defined"},
		{"route without documents", []string{"route"}, "give the documents to route"},
		{"route --directory with --db", []string{"route", "--directory", exampleDir, "--db", "sqlite:x.db", exampleUBL}, "not both"},
		{"route --document-address=false without directory", []string{"route", "--document-address=false", exampleUBL}, "leaves no way to find recipients"},
		{"route --precedence without directory", []string{"route", "--precedence", "directory", exampleUBL}, "--precedence chooses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := jakelu(t, tt.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, "usage: jakelu") || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, the usage and %q", code, stdout, stderr, tt.stderr)
			}
			code, stdout, _ = jakelu(t, append([]string{tt.args[0], "--json"}, tt.args[1:]...)...)
			if code != 2 || strings.TrimSpace(stdout) != "[]" {
				t.Errorf("--json: exit %d, stdout %q; want 2 and []", code, stdout)
			}
		})
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Errorf("usage errors wrote %d files into --out", len(files))
	}
}

func TestSendRoute_help(t *testing.T) {
	for _, cmd := range []string{"send", "route"} {
		code, stdout, stderr := jakelu(t, cmd, "-h")
		if code != 0 || stdout != "" {
			t.Errorf("%s -h: exit %d, stdout %q", cmd, code, stdout)
		}
		for _, want := range []string{"exit status:", "  0  every document", "  1  some", "  2  usage error", "  3  configuration error", "--json prints one JSON array", "directory only:", "-document-address"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s -h lacks %q:\n%s", cmd, want, stderr)
			}
		}
	}
}

// TestSendRoute_config: a configuration error found before anything is
// sent exits 3 with a clear message, sends nothing, and with --json still
// reports every document (not sent, with the reason).
func TestSendRoute_config(t *testing.T) {
	bad := badInputs(t)
	notDir := file(t, "plain", "x")
	tests := []struct {
		name     string
		flags    []string // routing and settings flags
		message  string   // in stderr and in each document's error
		sendOnly bool
	}{
		{"unreadable --directory", []string{"--directory", bad.missing}, "--directory: open " + bad.missing, false},
		{"--directory with problems", []string{"--directory", file(t, "dir.csv", "10202;no-at-sign\n")}, "the file has 1 problem(s)", false},
		{"unusable --db", []string{"--db", "sqlite:" + filepath.Join(notDir, "sub", "d.db")}, "--db:", false},
		{"bad --precedence", []string{"--directory", exampleDir, "--document-address", "--precedence", "first"}, `--precedence "first": Choose whether`, false},
		{"bad --lang", []string{"--lang", "de"}, `--lang "de": Choose Finnish, Swedish or English`, false},
		{"bad --from", []string{"--from", "not an address"}, `--from "not an address"`, true},
		{"unusable --out", []string{"--out", filepath.Join(notDir, "out")}, "not a directory", true},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"send", "route"} {
			if cmd == "route" && tt.sendOnly {
				continue
			}
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				out := t.TempDir()
				args := []string{cmd, "--json"}
				if cmd == "send" && !slices.Contains(tt.flags, "--out") {
					args = append(args, "--out", out)
				}
				args = append(append(args, tt.flags...), exampleUBL, bad.garbage, testdata("teappsxml-batch.xml"))
				code, stdout, stderr := jakelu(t, args...)
				if code != 3 || !strings.Contains(stderr, "configuration error: ") || !strings.Contains(stderr, tt.message) {
					t.Errorf("exit %d, stderr %q; want 3 and %q", code, stderr, tt.message)
				}
				var got []string
				if cmd == "send" {
					for _, r := range decodeArray[report](t, stdout) {
						got = append(got, r.summary())
						if r.Outcome == "deferred" && !strings.Contains(r.Error, "not sent: configuration error: ") {
							t.Errorf("%s: error %q", r.Number, r.Error)
						}
					}
				} else {
					for _, p := range decodeArray[plan](t, stdout) {
						got = append(got, filepath.Base(p.File)+"|"+p.Number)
						if p.Number != "" && !strings.Contains(p.Error, "not planned: configuration error: ") {
							t.Errorf("%s: error %q", p.Number, p.Error)
						}
					}
				}
				want := []string{"ubl-invoice.xml|2026-1001", "garbage.xml|", "teappsxml-batch.xml|T-5001", "teappsxml-batch.xml|T-5002"}
				if cmd == "send" {
					want = []string{"ubl-invoice.xml|2026-1001|deferred|none", "garbage.xml||rejected|none",
						"teappsxml-batch.xml|T-5001|deferred|none", "teappsxml-batch.xml|T-5002|deferred|none"}
				}
				if !slices.Equal(got, want) {
					t.Errorf("results\n%q\nwant\n%q", got, want)
				}
				if files, _ := os.ReadDir(out); len(files) != 0 {
					t.Errorf("%d files written into --out", len(files))
				}
			})
		}
	}
}

// The report's keys are the command's interface.
func TestSend_jsonKeys(t *testing.T) {
	_, stdout, _ := jakelu(t, "send", "--json", "--out", t.TempDir(), exampleUBL)
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil || len(raw) != 1 {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := []string{"file", "number", "outcome", "source", "messageId", "recipients", "explain"}
	if got := keysInOrder(t, raw[0]); !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
}
