// Package dkim signs the messages a transport sends with DKIM (RFC 6376),
// so that mailbox providers can tell they come from the sending domain:
// unsigned mail from a domain that publishes DMARC lands in spam or is
// refused.
//
// [Transport] wraps any [transport.RawSender] (smtp.Transport,
// file.Transport, another dkim.Transport) without changing its callers:
// it composes each message with the wrapped transport's options, signs the
// composed bytes and hands them over unchanged apart from the
// DKIM-Signature fields added at the top:
//
//	keys := dkim.Static{"example.fi": {{Domain: "example.fi", Selector: "jakelu", Private: key}}}
//	tr, err := dkim.New(smtpTransport, keys, nil)
//
// Signatures are RSA-SHA256 (keys of [MinRSABits] bits and up) or
// Ed25519-SHA256 (RFC 8463), relaxed/relaxed canonicalization, covering
// [SignedHeaders] (From over-signed). A [Signer] chooses the keys by the
// From domain, one signature per key: e.g. the operator's domain for every
// message ("*" in [Static]) and a seller's own domain where the seller has
// delegated a key. The receipt's Signed field lists the signing domains.
// A message whose From domain has no key is sent unsigned only with
// [Options.AllowUnsigned]; otherwise its recipients are Deferred with a
// [*NoKeyError] inside a [transport.ConfigError].
//
// Signatures carry no expiry unless [Options.Expiry] asks for one (at least
// [MinExpiry]): a message an outbox stores and retries days later must
// still verify. The signed bytes are not re-canonicalised by the wrapped
// transports, which send Data as is.
//
// Keys are read from PEM with [ReadKeyFile] or [ParseKey]: PKCS#1 or
// PKCS#8 RSA, PKCS#8 Ed25519. [GenerateKey] makes a key, [Record] the DNS
// TXT record to publish at selector._domainkey.domain, and [CheckRecord]
// compares a published record with a key.
//
// # Implementing a Signer
//
// A host app with keys in a database implements [Signer] (one method,
// Keys; [SignerFunc] adapts a function). Keys gets the From domain in
// lower-case A-labels and returns the keys to sign with, none for an
// unsigned message; an error defers the message (its recipients are
// Deferred, nothing is sent). Return keys already checked with
// [Key.Check], ideally parsed once and cached.
//
// # Errors
//
// A missing, weak (under 2048-bit RSA), unsupported or mismatched key, or
// a bad domain or selector, is a [*KeyError] whose Reason is
// [ErrKeyMissing], [ErrKeyWeak], [ErrKeyUnsupported], [ErrKeyMismatch] or
// [ErrKeyName]. When sending, a key problem or a missing key
// ([*NoKeyError]) arrives inside a [transport.ConfigError]: the recipients
// are Deferred and [transport.IsConfig] reports it, so the caller stops
// and has the configuration fixed. A message that does not compose is
// refused as by the wrapped transport ([transport.IsInput]).
//
// # Concurrency
//
// A [Transport] is safe for concurrent use when its Signer is; [Static]
// is, as long as the map is not changed.
//
// # Speed
//
// A message's body is canonicalized and hashed once, for all its
// signatures, by a streaming relaxed canonicalizer that runs at about the
// speed of SHA-256, and the signed header fields are canonicalized once;
// several keys sign at once. What is left is the signature itself: about
// 1 ms of CPU for an RSA-2048 key, 20 to 30 µs for an Ed25519 key.
// Ed25519 is not checked by every large mailbox provider, so production
// signs with RSA (alone, or next to Ed25519): one core makes about 1000
// RSA-2048 signatures a second, more than a relay across a network takes
// from one sender; signing only cuts the sending rate when the CPU is
// what limits it, as with the in-process server of BenchmarkSMTPSigned.
//
// The canonicalization and the DKIM-Signature field are this package's
// own; they compute what github.com/emersion/go-msgauth's verifier does,
// also for bodies a composed message never holds (bare CR or LF), and
// the tests verify every signature with go-msgauth and with an
// independent verifier (Debian's python3-dkim).
package dkim
