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
// ([ErrInsecureAuth]). Certificates are checked in the TLS handshake
// itself, so a bad one fails there, at [transport.StageTLS], before any
// command is sent. Every stage has a timeout ([Timeouts], RFC 5321's by
// default).
//
// Before MAIL the message is checked against the server's SIZE
// ([ErrMessageTooLarge]) and, when it needs it, SMTPUTF8
// ([transport.ErrNeedsSMTPUTF8]). Each recipient gets its own RCPT; with
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
//   - other 5xx: [transport.Failed];
//   - a network failure or timeout before the final dot: Deferred (as if
//     451, RFC 5321 §3.8);
//   - no reply to the final dot (connection lost, timeout, ctx cancelled):
//     [transport.Ambiguous], since the server may have stored the message.
//
// A pooled connection found dead at the first reply of a transaction is
// replaced once, transparently: nothing can have been delivered then.
//
// # Concurrency
//
// A Transport is safe for concurrent use. [Transport.Close] waits for the
// sends in progress, then ends the pooled sessions with QUIT.
package smtp
