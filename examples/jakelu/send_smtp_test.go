package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jakelu/jakelu/transport/transporttest"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestSend_smtpSetup(t *testing.T) {
	startTLS := &transporttest.Script{TLS: transporttest.StartTLS}
	withAuth := &transporttest.Script{TLS: transporttest.StartTLS, Auth: []string{"PLAIN"}, Username: "u", Password: "p", RequireAuth: true}
	tests := []struct {
		name   string
		script *transporttest.Script
		// args are send's SMTP flags; "ADDR" is the server's address and
		// "CA" a PEM file with its CA.
		args []string
		user string // JAKELU_SMTP_USERNAME; the password is always "p"
		code int
		// stderr must contain this; "" for no configuration error.
		stderr string
		stored int
	}{
		{name: "private CA with --tls-ca", script: startTLS, args: []string{"--smtp", "ADDR", "--tls-ca", "CA"}, code: 0, stored: 1},
		{name: "private CA and AUTH", script: withAuth, args: []string{"--smtp", "ADDR", "--tls-ca", "CA"}, user: "u", code: 0, stored: 1},
		{name: "private CA unknown without --tls-ca", script: startTLS, args: []string{"--smtp", "ADDR"}, code: 3,
			stderr: "the mail server's TLS setup is wrong: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{name: "wrong host name", script: &transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertWrongName},
			args: []string{"--smtp", "ADDR", "--tls-ca", "CA"}, code: 3, stderr: "the mail server's TLS setup is wrong: tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1"},
		{name: "--tls-ca unreadable", script: startTLS, args: []string{"--smtp", "ADDR", "--tls-ca", "/nonexistent/ca.pem"}, code: 3,
			stderr: "the mail server's TLS setup is wrong: --tls-ca: open /nonexistent/ca.pem"},
		{name: "--tls-ca not PEM", script: startTLS, args: []string{"--smtp", "ADDR", "--tls-ca", "NOTPEM"}, code: 3,
			stderr: "holds no PEM certificate"},
		{name: "STARTTLS not offered", args: []string{"--smtp", "ADDR"}, code: 3,
			stderr: "the mail server's TLS setup is wrong: smtp: the server does not offer STARTTLS"},
		{name: "password refused", script: withAuth, args: []string{"--smtp", "ADDR", "--tls-ca", "CA"}, user: "wrong", code: 3,
			stderr: "the mail server's authentication setup is wrong: smtp: server replied 535"},
		{name: "credentials without TLS", script: &transporttest.Script{Auth: []string{"PLAIN"}, Username: "u", Password: "p"},
			args: []string{"--smtp", "ADDR", "--tls", "none"}, user: "u", code: 3,
			stderr: "the mail server's authentication setup is wrong: smtp: will not send the password over a connection without TLS"},
		{name: "cannot connect", args: []string{"--smtp", "CLOSED", "--tls", "none"}, code: 3,
			stderr: "the mail server's connection setup is wrong: dial tcp"},
		{name: "--tls none to a remote host", args: []string{"--smtp", "smtp.example.com:25", "--tls", "none"}, code: 3,
			stderr: "the mail server's TLS setup is wrong: smtp: TLS can be turned off only for a loopback server"},
		{name: "address without port", args: []string{"--smtp", "smtp.example.com"}, code: 3,
			stderr: "the mail server's connection setup is wrong: smtp: server address \"smtp.example.com\" is not host:port"},
		{name: "busy server: sent anyway, deferred", script: &transporttest.Script{Respond: func(c transporttest.Command) transporttest.Response {
			if c.Verb == "CONNECT" {
				return transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "busy"}
			}
			return transporttest.Response{}
		}}, args: []string{"--smtp", "ADDR", "--tls", "none"}, code: 1, stderr: "is not taking mail now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("JAKELU_SMTP_USERNAME", tt.user)
			t.Setenv("JAKELU_SMTP_PASSWORD", "p")
			srv := transporttest.NewServer(t, tt.script)
			dir := t.TempDir()
			ca, notPEM := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "not.pem")
			if err := os.WriteFile(ca, srv.RootCAPEM(), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(notPEM, []byte("MIIB this is not a certificate\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"send", "--document-address", "--from", "laskut@example.fi"}
			for _, a := range tt.args {
				args = append(args, strings.NewReplacer("ADDR", srv.Addr(), "CLOSED", freeAddr(t), "NOTPEM", notPEM, "CA", ca).Replace(a))
			}
			code, stdout, stderr := jakelu(t, append(args, exampleUBL)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if tt.code == 3 {
				if !strings.HasPrefix(stderr, "jakelu send: configuration error: the mail server's ") || stdout != "" {
					t.Errorf("a configuration error must be reported on stderr only, before anything is sent; stdout %q, stderr %q", stdout, stderr)
				}
				for _, c := range srv.Commands() {
					if c.Verb == "MAIL" {
						t.Errorf("MAIL sent despite a configuration error")
					}
				}
			}
			if n := srv.Received(); n != tt.stored {
				t.Errorf("server stored %d messages, want %d", n, tt.stored)
			}
		})
	}
}

// TestSend_smtpMailpit sends documents through the CLI to a server that
// behaves as Mailpit did: a 451 at the final dot of one message, and then
// 503 to every MAIL on that connection until RSET. Only that document may
// be left unsent, and it is deferred, not failed.
func TestSend_smtpMailpit(t *testing.T) {
	var dots atomic.Int32
	srv := transporttest.NewServer(t, &transporttest.Script{KeepFailedTransaction: true, Respond: func(c transporttest.Command) transporttest.Response {
		if c.Verb == "." && dots.Add(1) == 2 {
			return transporttest.Response{Code: 451, Enhanced: "4.3.0", Text: "shutting down"}
		}
		return transporttest.Response{}
	}})
	args := []string{"send", "--json", "--document-address", "--from", "laskut@example.fi", "--smtp", srv.Addr(), "--tls", "none"}
	for range 6 {
		args = append(args, exampleUBL)
	}
	code, stdout, stderr := jakelu(t, args...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one document deferred)\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if n := srv.Received(); n != 5 {
		t.Errorf("server stored %d of 6 messages, want 5", n)
	}
	var reports []struct{ Outcome string }
	if err := json.Unmarshal([]byte(stdout), &reports); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	outcomes := map[string]int{}
	for _, r := range reports {
		outcomes[r.Outcome]++
	}
	if outcomes["sent"] != 5 || outcomes["deferred"] != 1 || len(reports) != 6 {
		t.Errorf("documents by outcome %v, want 5 sent and 1 deferred:\n%s", outcomes, stdout)
	}
	if srv.Connections() != 1 {
		t.Errorf("%d connections, want 1: the connection is reset with RSET and reused", srv.Connections())
	}
}

func TestSend_smtpHelp(t *testing.T) {
	code, _, stderr := jakelu(t, "send", "-h")
	for _, want := range []string{"--tls-ca FILE", "exits 3", "SSL_CERT_FILE"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("send -h (exit %d) lacks %q:\n%s", code, want, stderr)
		}
	}
}
