package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// started is what run printed before serving.
type started struct {
	url       string
	output    string
	passwords []string // the passwords printed, in order
	emails    []string
}

// start runs the command with args and env until the test ends, and
// returns what it printed before it began to serve.
func start(t *testing.T, args []string, env map[string]string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var s started
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		s.output += line + "\n"
		if u, ok := strings.CutPrefix(line, "jakelu web app on "); ok {
			s.url = strings.TrimSuffix(u, "/")
		}
		if p, ok := strings.CutPrefix(line, "  password: "); ok {
			s.passwords = append(s.passwords, p)
		}
		if e, ok := strings.CutPrefix(line, "  e-mail:   "); ok {
			s.emails = append(s.emails, e)
		}
		if line == "Press Ctrl+C to stop." {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if s.url == "" {
		t.Fatalf("run printed no URL:\n%s", s.output)
	}
	return s
}

// canSignIn reports whether the credentials open the directory of the
// running app.
func canSignIn(t *testing.T, base, email, password string) bool {
	t.Helper()
	c := newClient(t, base)
	c.get("/login")
	r := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		return false
	}
	return c.get("/directory").status == http.StatusOK
}

func TestRun(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	t.Run("first start", func(t *testing.T) {
		s := start(t, []string{"-data", data}, nil)
		for _, want := range []string{"database: sqlite:" + filepath.Join(data, "webapp.db"), "e-mails:  .eml files in " + filepath.Join(data, "outbox"),
			`Created the company "Demo Oy"`} {
			if !strings.Contains(s.output, want) {
				t.Errorf("the output lacks %q:\n%s", want, s.output)
			}
		}
		if len(s.passwords) != 1 || len(s.emails) != 1 || s.emails[0] != "admin@demo.example" {
			t.Fatalf("credentials not printed:\n%s", s.output)
		}
		if !canSignIn(t, s.url, s.emails[0], s.passwords[0]) {
			t.Error("the printed credentials do not work")
		}
	})
	t.Run("second start", func(t *testing.T) {
		s := start(t, []string{"-data", data, "-add-company", "Ruusu Oy", "-add-user", "Bertil@Ruusu.example"}, nil)
		if strings.Contains(s.output, "Demo Oy") || len(s.passwords) != 1 || s.emails[0] != "bertil@ruusu.example" {
			t.Fatalf("a second start made the demo again, or not the new company:\n%s", s.output)
		}
		if !canSignIn(t, s.url, "bertil@ruusu.example", s.passwords[0]) {
			t.Error("the new company's credentials do not work")
		}
	})
	t.Run("credentials from the environment", func(t *testing.T) {
		s := start(t, []string{"-data", t.TempDir()}, map[string]string{"JAKELU_WEBAPP_EMAIL": "minä@yritys.example", "JAKELU_WEBAPP_PASSWORD": "ympäristöstä"})
		if len(s.passwords) != 1 || s.passwords[0] != "(from JAKELU_WEBAPP_PASSWORD)" {
			t.Fatalf("the password from the environment was printed, or nothing:\n%s", s.output)
		}
		if !canSignIn(t, s.url, "minä@yritys.example", "ympäristöstä") {
			t.Error("the credentials from the environment do not work")
		}
	})
	t.Run("the workers deliver into -data/outbox", func(t *testing.T) {
		dir := t.TempDir()
		s := start(t, []string{"-data", dir}, map[string]string{"JAKELU_WEBAPP_EMAIL": "anna@kukka.example", "JAKELU_WEBAPP_PASSWORD": "salasana"})
		c := newClient(t, s.url)
		c.get("/login")
		c.post("/login", url.Values{"email": {"anna@kukka.example"}, "password": {"salasana"}}).wantRedirect(t, "/directory")
		enable(t, c)
		send(t, c, "lasku.xml", readFile(t, "../quickstart/documents/ubl-invoice.xml"))
		waitFor(t, "an .eml file in -data/outbox", func() bool {
			files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
			return len(files) > 0
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := postgresSchema(t) // skips without PostgreSQL
		s := start(t, []string{"-data", t.TempDir(), "-db", dsn}, nil)
		if !strings.Contains(s.output, "database: PostgreSQL ") || len(s.passwords) != 1 {
			t.Fatalf("output:\n%s", s.output)
		}
		if !canSignIn(t, s.url, s.emails[0], s.passwords[0]) {
			t.Error("the printed credentials do not work")
		}
	})
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"help", []string{"-h"}, flag.ErrHelp.Error()},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"company without user", []string{"-add-company", "X Oy"}, "-add-company and -add-user go together"},
		{"bad database", []string{"-db", "mysql://x"}, "or a postgres:// URL"},
		{"bad SQLite path", []string{"-db", "sqlite:x.db?mode=ro"}, "without ? or #"},
		{"bad TLS mode", []string{"-smtp", "127.0.0.1:25", "-smtp-tls", "maybe"}, `unknown TLS mode "maybe"`},
		{"plaintext SMTP far away", []string{"-smtp", "mail.example.com:25", "-smtp-tls", "none"}, "loopback"},
		{"bad sender", []string{"-from", "laskut"}, "invalid e-mail address"},
		{"bad first user", []string{"-add-company", "X Oy", "-add-user", "x@"}, "the first user of X Oy"},
		{"bounces without VERP", []string{"-bounce-addr", "127.0.0.1:0"}, "-bounce-addr needs JAKELU_VERP_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, tt.args...)
			err := run(t.Context(), args, func(string) string { return "" }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
