// Package transport is the mail layer of jakelu: the [Message] to send,
// its MIME writer [Compose], the one-method [Transport] interface with its
// per-recipient [Receipt] and the classified [SendError]. Addresses are
// checked with [address.Parse] (package transport/address, the library's
// one address package), written with [address.ToASCII] and told apart by
// [address.Equal]: To, Cc and Bcc addresses that are the same give one
// recipient.
//
// Implementations live in sub-packages: transport/smtp (an SMTP relay or
// submission server), transport/file (.eml files in a folder, the embedded
// default) and transport/transporttest (a Recorder, a fault-injecting SMTP
// server and the conformance kit).
//
// # Composing
//
// [Compose] turns a Message into RFC 5322 / MIME bytes with CRLF line ends
// only, lines of at most 998 octets (78 where practical), RFC 2047
// encoded-words for non-ASCII header text, RFC 2231 file names,
// quoted-printable text and base64 attachments. It validates every field
// first: no value with a line break or other control character can reach
// a header, so header injection is impossible. Internationalised domains
// go on the wire as A-labels; non-ASCII local parts need SMTPUTF8.
// [Envelope] runs the same checks and returns the envelope without the
// bytes, for a backend that does not need them (an API-based mail service
// that takes the fields, or a test double).
//
// # Implementing a Transport
//
// A backend implements [Transport.Send]; [SendFunc] adapts a function. It
// should compose with [Compose] (returning [Refuse] for what Compose
// refuses), build the receipt from
// [Composed.Recipients] (or [Composed.Receipt]), return [Receipt.Err] as
// the error, and pass transport/transporttest's Run:
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) (transport.Transport, transporttest.Inbox) {
//			return newMyTransport(t)
//		})
//	}
//
// A backend that can also send bytes already composed implements
// [RawSender] (ComposeOptions and SendComposed, which checks its input
// with [CheckComposed]): wrappers such as transport/dkim compose, add
// header fields at the top (a DKIM-Signature) and hand the bytes over.
// smtp.Transport and file.Transport implement it.
//
// # Errors
//
// Send reports per recipient: [Delivered], [Deferred] (retry later),
// [Failed] (do not retry unchanged) or [Ambiguous] (may have been
// delivered: retry only with the same Message-ID). Its error is a
// [*SendError] with the [Stage] of the failure; [IsInput] tells an invalid
// message (a [*HeaderError] or [ErrNoRecipients]: nothing was sent),
// [IsTemporary] and [IsAmbiguous] the other classes. [IsConfig] tells a
// failure of the set-up rather than of the message or the moment (a TLS
// certificate that does not verify, STARTTLS missing, authentication
// refused): the recipients are Deferred, so the mail is kept, but every
// message will fail the same way until someone fixes the configuration, so
// a caller should stop and say so ("the mail server's TLS setup is wrong:
// …") instead of "retry later". A backend marks such causes by wrapping
// them in a [*ConfigError]. Invalid addresses are [*address.Error] values
// matching [address.ErrInvalid]. Every typed error matches a sentinel:
// [*HeaderError] [ErrInvalidMessage], [*SendError] [ErrNotDelivered],
// [*ConfigError] [ErrConfig]; HeaderError and SendError have a
// Message(lang) for the person who set up or sent the e-mail.
// A transport that cannot send at all (a nil [SendFunc]; a nil or zero
// smtp.Transport or file.Transport; a nil *transporttest.Recorder) leaves
// every recipient [Deferred] with an error matching [ErrNoTransport]. The
// library's transports treat a nil context as context.Background().
//
// # Ownership and concurrency
//
// Compose and Send never modify the Message nor keep references to it. The
// functions of this package are safe for concurrent use; Transport
// implementations must be too.
package transport
