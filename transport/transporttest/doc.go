// Package transporttest helps test code that sends e-mail through a
// [transport.Transport], and Transport implementations themselves. Its
// public API uses only the standard library and package transport.
//
//   - [Recorder] is a Transport that records messages instead of sending
//     them, with optional failures per message ([Recorder.Fail]) or per
//     recipient ([Recorder.Outcome]): the httptest.ResponseRecorder of
//     this library, for host apps' unit tests.
//   - [Server] is an in-process SMTP server on 127.0.0.1, built on
//     github.com/emersion/go-smtp, that a [Script] turns into a hostile
//     one: refused and hung banners, per-command and per-recipient
//     replies, hidden capabilities, TLS with good and bad certificates made
//     at start-up, delays, dropped connections at any stage (including
//     after storing a message but before the 250), recipient and size
//     limits. It records every message it stores, with its envelope.
//   - [Run] is the conformance kit every Transport implementation should
//     pass, and [ParseMessage] reads raw messages back as a mail program
//     would, for the kit's [Inbox].
//
// # Concurrency
//
// Recorder and Server are safe for concurrent use. A Script's Respond
// function is called from the server's connection goroutines.
package transporttest
