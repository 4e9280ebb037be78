package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/smtp"
)

// smtpHelp is the part of send's help about SMTP.
const smtpHelp = "SMTP credentials come from the environment: JAKELU_SMTP_USERNAME and JAKELU_SMTP_PASSWORD.\n" +
	"--tls-ca FILE trusts the CA certificates in a PEM file (a private relay's CA) instead of the system's;\n" +
	"SSL_CERT_FILE=FILE replaces the system's for the whole process.\n" +
	"Exit code 3: a configuration error found before any document was sent (cannot connect, TLS,\n" +
	"authentication, flags the server cannot use); nothing was sent."

// smtpTransport sets up send's SMTP transport and checks it with Verify
// before any document is sent. On a configuration error (an unreadable
// --tls-ca, flags smtp.New refuses, a server that cannot be reached, TLS
// or authentication that fails) it prints "jakelu send: the mail server's
// … setup is wrong: …" to stderr and returns nil and exit code 3. Other
// failures of Verify (a busy server) are only warned about: the documents
// are then sent anyway, and each reports its outcome.
func smtpTransport(ctx context.Context, addr string, mode smtp.TLSMode, caFile string, stderr io.Writer) (*smtp.Transport, int) {
	wrong := func(part string, err error) (*smtp.Transport, int) {
		fmt.Fprintf(stderr, "jakelu send: the mail server's %s setup is wrong: %v\n", part, err)
		fmt.Fprintln(stderr, "jakelu send: nothing was sent; fix the configuration and run again")
		return nil, 3
	}
	opts := &smtp.Options{
		TLS:      mode,
		Username: os.Getenv("JAKELU_SMTP_USERNAME"),
		Password: os.Getenv("JAKELU_SMTP_PASSWORD"),
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return wrong("TLS", fmt.Errorf("--tls-ca: %w", err))
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return wrong("TLS", fmt.Errorf("--tls-ca %s: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)", caFile))
		}
		opts.TLSConfig = &tls.Config{RootCAs: roots}
	}
	st, err := smtp.New(addr, opts)
	if err != nil {
		return wrong(setupPart(err), err)
	}
	if err := st.Verify(ctx); err != nil {
		if transport.IsConfig(err) {
			st.Close()
			part := setupPart(err)
			var se *transport.SendError
			if errors.As(err, &se) && se.Err != nil {
				err = se.Err // the words say the stage already
			}
			return wrong(part, err)
		}
		fmt.Fprintf(stderr, "jakelu send: warning: the mail server %s is not taking mail now (%v); sending anyway, each document reports its outcome\n", addr, err)
	}
	return st, 0
}

// setupPart names what a configuration error from smtp.New or Verify
// concerns: "TLS", "authentication" or "connection".
func setupPart(err error) string {
	var se *transport.SendError
	switch {
	case errors.Is(err, smtp.ErrPlaintextNotLoopback), errors.Is(err, smtp.ErrTLSRequired):
		return "TLS"
	case errors.Is(err, smtp.ErrInsecureAuth), errors.Is(err, smtp.ErrAuthNotOffered):
		return "authentication"
	case errors.As(err, &se) && se.Stage == transport.StageTLS:
		return "TLS"
	case errors.As(err, &se) && se.Stage == transport.StageAuth:
		return "authentication"
	}
	return "connection"
}
