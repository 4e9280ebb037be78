package smtp_test

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
)

// startSink starts Postfix's smtp-sink (the binary JAKELU_SMTP_SINK names,
// see .ci/smtp-sink) on a free loopback port with the given options,
// stops it when the test ends and returns its address; "" when
// JAKELU_SMTP_SINK is not set.
func startSink(tb testing.TB, args ...string) string {
	tb.Helper()
	bin := os.Getenv("JAKELU_SMTP_SINK")
	if bin == "" {
		return ""
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...) // smtp-sink refuses to run as root
	}
	cmd := exec.Command(bin, append(args, addr, "256")...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start smtp-sink %s: %v", bin, err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for range 500 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("smtp-sink did not listen on %s: %s", addr, stderr.Bytes())
	return ""
}

func sinkAddr(tb testing.TB) string { return startSink(tb) }

// TestSMTPSink cross-checks the transport against an independent SMTP
// server, Postfix's smtp-sink, with its fault options. It needs
// JAKELU_SMTP_SINK (see .ci/smtp-sink).
func TestSMTPSink(t *testing.T) {
	if os.Getenv("JAKELU_SMTP_SINK") == "" {
		t.Skip("smtp-sink cross-check skipped: set JAKELU_SMTP_SINK to the smtp-sink binary, e.g. JAKELU_SMTP_SINK=$(.ci/smtp-sink)")
	}
	// Only the stage under test gets a short timeout.
	dataInit := &smtp.Options{Timeouts: smtp.Timeouts{DataInit: 300 * time.Millisecond}}
	dataEnd := &smtp.Options{Timeouts: smtp.Timeouts{DataEnd: 300 * time.Millisecond}}
	tests := []struct {
		name  string
		args  []string // smtp-sink options
		opts  *smtp.Options
		want  transport.Outcome
		stage transport.Stage
		code  int
	}{
		{"delivered", nil, nil, transport.Delivered, transport.StageFinal, 250},
		{"no ESMTP: HELO", []string{"-e"}, nil, transport.Delivered, transport.StageFinal, 250},
		{"no PIPELINING", []string{"-p"}, nil, transport.Delivered, transport.StageFinal, 250},
		{"banner 5xx", []string{"-f", "CONNECT"}, nil, transport.Deferred, transport.StageGreeting, 500},
		{"EHLO and HELO refused", []string{"-f", "EHLO,HELO"}, nil, transport.Deferred, transport.StageHello, 500},
		{"MAIL 4xx", []string{"-r", "MAIL"}, nil, transport.Deferred, transport.StageMail, 450},
		{"MAIL 421 and close", []string{"-Q", "MAIL"}, nil, transport.Deferred, transport.StageMail, 421},
		{"RCPT 5xx", []string{"-f", "RCPT"}, nil, transport.Failed, transport.StageRcpt, 500},
		{"RCPT 4xx", []string{"-r", "RCPT"}, nil, transport.Deferred, transport.StageRcpt, 450},
		{"RCPT dropped", []string{"-q", "RCPT"}, nil, transport.Deferred, transport.StageRcpt, 0},
		{"DATA 5xx", []string{"-f", "DATA"}, nil, transport.Failed, transport.StageData, 500},
		{"DATA slower than the timeout", []string{"-p", "-w", "2"}, dataInit, transport.Deferred, transport.StageData, 0},
		{"final 5xx", []string{"-f", "."}, nil, transport.Failed, transport.StageFinal, 500},
		{"final 4xx", []string{"-r", "."}, nil, transport.Deferred, transport.StageFinal, 450},
		{"closed after the final dot", []string{"-q", "."}, nil, transport.Ambiguous, transport.StageFinal, 0},
		{"final reply slower than the timeout", []string{"-W", ".:2"}, dataEnd, transport.Ambiguous, transport.StageFinal, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dump := t.TempDir()
			for _, d := range []string{dump, filepath.Dir(dump)} {
				os.Chmod(d, 0o777) // smtp-sink writes as nobody
			}
			addr := startSink(t, append(tt.args, "-d", dump+"/%H%M%S.")...)
			opts := smtp.Options{}
			if tt.opts != nil {
				opts = *tt.opts
			}
			opts.TLS = smtp.NoTLS
			tr, err := smtp.New(addr, &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			msg := baseMessage("sink " + tt.name)
			rc, err := tr.Send(t.Context(), msg)
			for _, r := range rc.Recipients {
				if r.Outcome != tt.want || r.Stage != tt.stage || r.Code != tt.code {
					t.Errorf("%s: %v at %s with %d, want %v at %s with %d (error %v)", r.Address, r.Outcome, r.Stage, r.Code, tt.want, tt.stage, tt.code, err)
				}
			}
			if (err == nil) != (tt.want == transport.Delivered) {
				t.Errorf("error %v for outcome %v", err, tt.want)
			}
			if tt.want != transport.Delivered {
				return
			}
			// smtp-sink's dump: its own header lines, then the message as
			// received (LF line ends, dot-stuffing undone), then an empty line.
			files, _ := filepath.Glob(filepath.Join(dump, "*"))
			if len(files) != 1 {
				t.Fatalf("smtp-sink dumped %d messages, want 1", len(files))
			}
			raw, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			head, body, _ := strings.Cut(string(raw), "\n\tby smtp-sink")
			_, body, _ = strings.Cut(body, "\n\t")
			_, body, _ = strings.Cut(body, "\n")
			composed, err := transport.Compose(msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(string(composed.Data), "\r\n", "\n") + "\n"; body != want {
				t.Errorf("smtp-sink received\n%q\nwant\n%q", body, want)
			}
			var rcpts []string
			for _, l := range strings.Split(head, "\n") {
				if v, ok := strings.CutPrefix(l, "X-Rcpt-Args: "); ok {
					rcpts = append(rcpts, v)
				}
			}
			if got := strings.Join(rcpts, " "); got != "<a@example.com> <b@example.com> <c@example.com>" {
				t.Errorf("RCPT TO sent: %s", got)
			}
		})
	}
}
