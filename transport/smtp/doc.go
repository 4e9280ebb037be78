// Package smtp is a [transport.Transport] that delivers messages to an
// SMTP server (a relay or submission service) and reports, for every
// recipient, whether the message was delivered, deferred, failed for good,
// or may or may not have been delivered.
//
//	tr, err := smtp.New("smtp.example.com:587", &smtp.Options{
//		Username: "laskutus", Password: secret,
//	})
//	...
//	defer tr.Close()
//	if err := tr.Verify(ctx); transport.IsConfig(err) {
//		// the server's address, TLS or credentials are wrong: say so
//	}
//	receipt, err := tr.Send(ctx, msg)
//
// # Sessions
//
// A [Transport] keeps a pool of connections ([Options.MaxConnections]),
// reuses each for up to [Options.MaxMessagesPerConnection] messages and
// closes it after [Options.IdleTimeout] unused. A session greets with EHLO
// (HELO when the server does not know EHLO), upgrades with STARTTLS (by
// default required: [ErrTLSRequired]; see [TLSMode]), and authenticates
// with AUTH PLAIN or LOGIN when credentials are set, never without TLS
// ([ErrInsecureAuth]; [Options.AllowInsecureAuth] allows it to a loopback
// test server only). Certificates are checked in the TLS handshake
// itself, so a bad one fails there, at [transport.StageTLS], before any
// command is sent. Every stage has a timeout ([Timeouts], RFC 5321's by
// default). [Transport.Verify] runs a session up to that point without
// sending, to find a wrong configuration before a batch.
//
// # TLS to a private relay
//
// The certificate is checked against the system's roots unless
// [Options.TLSConfig] sets RootCAs. For a relay whose certificate a
// private CA issued, put that CA in RootCAs:
//
//	pem, err := os.ReadFile("relay-ca.pem")
//	...
//	roots := x509.NewCertPool()
//	if !roots.AppendCertsFromPEM(pem) {
//		// not a PEM certificate
//	}
//	tr, err := smtp.New("relay.internal:587", &smtp.Options{TLSConfig: &tls.Config{RootCAs: roots}})
//
// Alternatively, on Linux and the other Unix systems except macOS, the
// SSL_CERT_FILE environment variable names a PEM bundle (and SSL_CERT_DIR
// a folder of them) that replaces the system's roots for the whole
// process. Never turn certificate checks off: a relay reached without them
// can be impersonated, and it sees the password.
//
// Before MAIL the message is checked against the server's SIZE
// ([ErrMessageTooLarge]) and, when it needs it, SMTPUTF8
// ([address.ErrNeedsSMTPUTF8]). Each recipient gets its own RCPT; with
// PIPELINING, MAIL, the RCPTs and DATA go in one write. Recipients the
// server refuses as too many (452) are sent in a further transaction after
// the first, so no accepted recipient gets the message twice. The message
// content is dot-stuffed in bulk, not byte by byte.
//
// # Errors
//
// Send returns the receipt and, unless every recipient was delivered, a
// [*transport.SendError] whose Err is a [*ReplyError] (the server's reply,
// quoted), one of this package's sentinels, a [*tls.CertificateVerificationError],
// a network error, or ctx's error. The classification follows RFC 5321 and
// Postfix practice:
//
//   - 2xx after the final dot: [transport.Delivered];
//   - 4xx, 552 on RCPT, 530, and any failure before MAIL (connect, banner
//     even with 5xx, EHLO, TLS, AUTH): [transport.Deferred];
//   - a reply that blames the session rather than the message, at any
//     stage (421, 503, another 5.5.x but 5.5.3, or 500 and 501 without an
//     enhanced code): Deferred, never Failed; before the final dot the
//     transaction is first tried once more on a new connection, and the
//     error matches [ErrSessionState] when the server answers so again;
//   - other 5xx: [transport.Failed];
//   - a network failure or timeout before the final dot: Deferred (as if
//     451, RFC 5321 §3.8);
//   - no reply to the final dot (connection lost, timeout, ctx cancelled):
//     [transport.Ambiguous], since the server may have stored the message.
//
// Failures of the set-up rather than of the message or the moment are
// Deferred, so the mail is kept, and marked as configuration errors
// ([transport.IsConfig]; their cause is wrapped in a
// [*transport.ConfigError]): a certificate that does not verify (unknown
// authority, wrong host, expired), a TLS handshake with a server that does
// not speak TLS there, [ErrTLSRequired], a 5xx to STARTTLS,
// [ErrPlaintextNotLoopback], [ErrInsecureAuth], [ErrAuthNotOffered], a
// 5xx to AUTH (535 credentials refused) and 530 (authentication required
// but no credentials set). Every message will meet them until someone
// fixes the configuration: a caller should stop and say "the mail
// server's TLS setup is wrong: …" rather than "retry later".
// [Transport.Verify] reports them too, and also a server that cannot be
// reached at all.
//
// A connection is reused only after a transaction that ended with a 2xx
// after the final dot; after any other end it is reset with RSET and
// replaced when RSET does not get 250 (some servers, Mailpit among them,
// keep a failed transaction's state and answer 503 to the next MAIL), or
// closed after a timeout, a network error or a reply that blames the
// session. A pooled connection found dead at the first reply of a
// transaction is replaced once, transparently: nothing can have been
// delivered then.
//
// # Concurrency
//
// A Transport is safe for concurrent use. [Transport.Close] waits for the
// sends in progress, then ends the pooled sessions with QUIT.
package smtp
