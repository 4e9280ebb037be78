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
	"SSL_CERT_FILE=FILE replaces the system's for the whole process. The mail server is checked\n" +
	"before any document is sent: cannot connect, TLS or authentication exits 3."

// smtpTransport sets up send's SMTP transport and checks it with Verify
// before any document is sent. On a configuration error (an unreadable
// --tls-ca, flags smtp.New refuses, a server that cannot be reached, TLS
// or authentication that fails) it returns an error saying "the mail
// server's … setup is wrong: …", for send to exit 3 with. Other
// failures of Verify (a busy server) are only warned about: the documents
// are then sent anyway, and each reports its outcome.
func smtpTransport(ctx context.Context, addr string, mode smtp.TLSMode, caFile string, stderr io.Writer) (*smtp.Transport, error) {
	wrong := func(part string, err error) (*smtp.Transport, error) {
		return nil, fmt.Errorf("the mail server's %s setup is wrong: %w", part, err)
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
	return st, nil
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
