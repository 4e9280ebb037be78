package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// RawSender is implemented by transports that can send a message already
// composed, such as one a wrapper has signed (see package
// transport/dkim): the smtp and file transports implement it. A wrapper
// composes with [RawSender.ComposeOptions], changes the bytes (only by
// adding header fields at the top, so the envelope stays right) and hands
// them over with [RawSender.SendComposed].
type RawSender interface {
	Transport
	// ComposeOptions returns the options Send composes with.
	ComposeOptions() ComposeOptions
	// SendComposed sends c.Data unchanged from c.From to c.RcptTo and
	// behaves like Send in every other respect: one result per entry of
	// c.Recipients, the same outcomes and errors. A c that [CheckComposed]
	// refuses is refused at [StageCompose] without sending anything.
	SendComposed(ctx context.Context, c *Composed) (*Receipt, error)
}

// ErrMalformed is matched by the error of [CheckComposed]: a [*Composed]
// that is not a well-formed message, so it cannot be sent. It is an input
// error (see [IsInput]); the code that built the Composed must be fixed.
var ErrMalformed = errors.New("transport: composed message is malformed")

// RefuseComposed is [Refuse] for a composed message: what a
// [RawSender]'s SendComposed returns for a c it refuses (one that
// [CheckComposed] refuses): a receipt with c's Message-ID and no
// recipient results, and a [*SendError] at [StageCompose] wrapping err.
func RefuseComposed(c *Composed, err error) (*Receipt, error) {
	rc := &Receipt{}
	if c != nil {
		rc.MessageID = c.MessageID
	}
	return rc, &SendError{Stage: StageCompose, Err: err}
}

// CheckComposed reports whether c can be sent as is: it has recipients
// (else [ErrNoRecipients]), as many RcptTo as Recipients, an envelope
// sender, and Data with CRLF line ends only, no NUL, no line over 998
// octets, a blank line ending the header, and a final CRLF (else an error
// matching [ErrMalformed] saying what is wrong and where).
func CheckComposed(c *Composed) error {
	if c == nil || len(c.Recipients) == 0 {
		return ErrNoRecipients
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s; compose it with transport.Compose and only add header fields at the top", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(c.RcptTo) != len(c.Recipients) {
		return bad("%d RcptTo for %d Recipients", len(c.RcptTo), len(c.Recipients))
	}
	if c.From == "" {
		return bad("no envelope sender (From)")
	}
	d := c.Data
	if !bytes.HasSuffix(d, []byte("\r\n")) {
		return bad("Data is empty or does not end with CRLF")
	}
	if !bytes.Contains(d, []byte("\r\n\r\n")) {
		return bad("Data has no blank line ending the header")
	}
	if wellFormed(d) {
		return nil
	}
	return checkLines(d, bad)
}

// checkLines checks d octet by octet for the first fault (NUL, bare CR
// or LF, line over 998 octets) and says where it is, with bad.
func checkLines(d []byte, bad func(format string, args ...any) error) error {
	line := 0
	for i, b := range d {
		switch {
		case b == 0:
			return bad("NUL at octet %d", i)
		case b == '\r':
			if i+1 >= len(d) || d[i+1] != '\n' {
				return bad("bare CR at octet %d", i)
			}
		case b == '\n':
			if i == 0 || d[i-1] != '\r' {
				return bad("bare LF at octet %d", i)
			}
			line = 0
			continue
		}
		if line++; line > 998+1 { // the CR of the line end is counted
			return bad("line over 998 octets at octet %d", i)
		}
	}
	return nil
}

// wellFormed reports whether d, which ends with CRLF, has CRLF line ends
// only, no NUL and no line over 998 octets: what CheckComposed's octet by
// octet loop accepts, found with the vectorised bytes functions (that
// loop was as costly as DKIM-signing the message).
func wellFormed(d []byte) bool {
	if bytes.IndexByte(d, 0) >= 0 || bytes.Count(d, []byte{'\r'}) != bytes.Count(d, []byte{'\n'}) {
		return false
	}
	// As many CR as LF, and every LF after a CR: every CR is before a LF.
	for start := 0; start < len(d); {
		n := bytes.IndexByte(d[start:], '\n')
		if n < 1 || n > 998+1 || d[start+n-1] != '\r' {
			return false
		}
		start += n + 1
	}
	return true
}
