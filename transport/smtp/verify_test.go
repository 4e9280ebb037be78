package smtp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// pemRoots reads the server's CA as a CA file's content, as a caller with
// a private CA does.
func pemRoots(t *testing.T, srv *transporttest.Server) *x509.CertPool {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(srv.RootCAPEM()) {
		t.Fatal("the test CA is not PEM")
	}
	return roots
}

func TestVerify(t *testing.T) {
	startTLS := transporttest.Script{TLS: transporttest.StartTLS}
	withAuth := transporttest.Script{TLS: transporttest.StartTLS, Auth: []string{"PLAIN"}, Username: "u", Password: "p", RequireAuth: true}
	tests := []struct {
		name   string
		script transporttest.Script
		// opts sets the options; roots is the server's CA from PEM.
		opts   func(o *smtp.Options, roots *x509.CertPool)
		addr   func(t *testing.T) string // the address instead of the server's
		ctx    func(ctx context.Context) context.Context
		ok     bool
		config bool
		stage  transport.Stage
		code   int
		is     error
		as     func(error) bool
	}{
		{name: "private CA from PEM, STARTTLS and AUTH", script: withAuth, ok: true,
			opts: func(o *smtp.Options, roots *x509.CertPool) {
				o.TLSConfig.RootCAs, o.Username, o.Password = roots, "u", "p"
			}},
		{name: "private CA, implicit TLS", script: transporttest.Script{TLS: transporttest.ImplicitTLS}, ok: true,
			opts: func(o *smtp.Options, roots *x509.CertPool) { o.TLSConfig.RootCAs, o.TLS = roots, smtp.ImplicitTLS }},
		{name: "system roots do not know the private CA", script: startTLS, config: true, stage: transport.StageTLS, as: certError},
		{name: "wrong host name", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertWrongName}, config: true, stage: transport.StageTLS,
			opts: func(o *smtp.Options, roots *x509.CertPool) { o.TLSConfig.RootCAs = roots }, as: func(err error) bool {
				var h x509.HostnameError
				return errors.As(err, &h)
			}},
		{name: "expired", script: transporttest.Script{TLS: transporttest.StartTLS, Cert: transporttest.CertExpired}, config: true, stage: transport.StageTLS,
			opts: func(o *smtp.Options, roots *x509.CertPool) { o.TLSConfig.RootCAs = roots }, as: certError},
		{name: "STARTTLS not offered", config: true, stage: transport.StageTLS, is: smtp.ErrTLSRequired},
		{name: "password refused", script: withAuth, config: true, stage: transport.StageAuth, code: 535,
			opts: func(o *smtp.Options, roots *x509.CertPool) {
				o.TLSConfig.RootCAs, o.Username, o.Password = roots, "u", "wrong"
			}},
		{name: "credentials without TLS", script: transporttest.Script{Auth: []string{"PLAIN"}, Username: "u", Password: "p"}, config: true, stage: transport.StageAuth, is: smtp.ErrInsecureAuth,
			opts: func(o *smtp.Options, _ *x509.CertPool) { o.TLS, o.Username, o.Password = smtp.NoTLS, "u", "p" }},
		{name: "connection refused", addr: closedAddr, config: true, stage: transport.StageConnect},
		{name: "banner 421 is temporary, not configuration", script: transporttest.Script{Respond: reply("CONNECT", "", transporttest.Response{Code: 421, Enhanced: "4.3.2", Text: "busy"})},
			opts: func(o *smtp.Options, _ *x509.CertPool) { o.TLS = smtp.NoTLS }, stage: transport.StageGreeting, code: 421},
		{name: "cancelled context is not configuration", addr: closedAddr, ctx: func(ctx context.Context) context.Context {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return ctx
		}, stage: transport.StageConnect, is: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := transporttest.NewServer(t, &tt.script)
			addr := srv.Addr()
			if tt.addr != nil {
				addr = tt.addr(t)
			}
			opts := &smtp.Options{TLSConfig: &tls.Config{ServerName: "localhost"}}
			if tt.opts != nil {
				tt.opts(opts, pemRoots(t, srv))
			}
			tr, err := smtp.New(addr, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			ctx := t.Context()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			err = tr.Verify(ctx)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				// The verified connection serves the next message.
				if _, err := tr.Send(t.Context(), baseMessage("after verify")); err != nil {
					t.Fatalf("Send after Verify: %v", err)
				}
				if n := srv.Connections(); n != 1 {
					t.Errorf("%d connections for Verify and one Send, want 1", n)
				}
				return
			}
			var se *transport.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Verify = %v, want a *transport.SendError", err)
			}
			if transport.IsConfig(err) != tt.config || se.Stage != tt.stage || se.Code != tt.code || !se.Temporary || len(se.Recipients) != 0 {
				t.Errorf("Verify = %+v (config %v); want config %v at %s with %d", se, transport.IsConfig(err), tt.config, tt.stage, tt.code)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Verify = %v, want it to match %v", err, tt.is)
			}
			if tt.as != nil && !tt.as(err) {
				t.Errorf("Verify = %v, not of the expected type", err)
			}
		})
	}
}

func TestVerify_Misuse(t *testing.T) {
	var zero smtp.Transport
	if err := zero.Verify(t.Context()); err == nil {
		t.Error("Verify on a zero Transport succeeded")
	}
	srv := transporttest.NewServer(t, nil)
	tr, err := smtp.New(srv.Addr(), &smtp.Options{TLS: smtp.NoTLS})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if err := tr.Verify(t.Context()); !errors.Is(err, smtp.ErrClosed) || transport.IsConfig(err) {
		t.Errorf("Verify after Close = %v, want ErrClosed, not a configuration error", err)
	}
}

// TestVerify_SSLCertFile checks what Options.TLSConfig documents: with no
// RootCAs, the SSL_CERT_FILE environment variable can name the roots. The
// system roots are loaded once per process, so a child process does the
// Verify.
func TestVerify_SSLCertFile(t *testing.T) {
	if addr := os.Getenv("JAKELU_TEST_VERIFY_ADDR"); addr != "" {
		tr, err := smtp.New(addr, &smtp.Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		if err := tr.Verify(t.Context()); err != nil {
			t.Fatalf("Verify with SSL_CERT_FILE=%s: %v", os.Getenv("SSL_CERT_FILE"), err)
		}
		return
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		t.Skip("SSL_CERT_FILE is not read on " + runtime.GOOS)
	}
	srv := transporttest.NewServer(t, &transporttest.Script{TLS: transporttest.StartTLS})
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, srv.RootCAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestVerify_SSLCertFile$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JAKELU_TEST_VERIFY_ADDR="+srv.Addr(), "SSL_CERT_FILE="+file, "SSL_CERT_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Verify in a child process with SSL_CERT_FILE: %v\n%s", err, out)
	}
}
