package dkim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"strings"
)

// This file holds the relaxed canonicalizations of RFC 6376 §3.4.2 and
// §3.4.4, written for speed: go-msgauth's body canonicalizer appends
// octet by octet (about 60 MB/s) and was most of the cost of signing.
// Both produce exactly what go-msgauth's verifier computes, also for
// input a composed message never holds (bare CR or LF); the differential
// tests and FuzzBodyHash compare them.

// special marks the octets the relaxed body canonicalization looks at:
// WSP (SP, HTAB) and the line-end octets CR and LF.
var special = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// flushSize is how much canonical output relaxedBody collects before
// hashing it; runs at least directSize long are hashed straight from the
// input, not copied.
const (
	flushSize  = 1 << 10
	directSize = 128
)

// relaxedBody is the relaxed body canonicalization (RFC 6376 §3.4.4)
// feeding a hash: every run of WSP becomes one SP, WSP at the end of a
// line is dropped, empty lines at the end of the body are dropped, and a
// non-empty body ends with CRLF. Like go-msgauth, a bare LF counts as
// CRLF and a bare CR as a line end (WSP before it is dropped, it is kept).
// A CRLF split across two Writes is handled. The zero value is not
// usable: set h.
type relaxedBody struct {
	h       hash.Hash
	buf     []byte // canonical octets not yet hashed
	eol     []byte // line-end octets waiting for more text (dropped at the end of the body)
	wsp     bool   // a WSP run waits for more text on its line (then one SP)
	cr      bool   // the last octet written was CR (a LF after it is not bare)
	written bool   // some text was written: the body is not empty
}

// text hashes the run t of octets that need no change, after the line
// ends and the SP waiting before it.
func (r *relaxedBody) text(t []byte) {
	if len(r.eol) > 0 {
		r.buf = append(r.buf, r.eol...)
		r.eol = r.eol[:0]
	}
	if r.wsp {
		r.buf = append(r.buf, ' ')
		r.wsp = false
	}
	r.written = true
	r.cr = false
	if len(t) >= directSize {
		if len(r.buf) > 0 {
			r.h.Write(r.buf)
			r.buf = r.buf[:0]
		}
		r.h.Write(t)
		return
	}
	r.buf = append(r.buf, t...)
	if len(r.buf) >= flushSize {
		r.h.Write(r.buf)
		r.buf = r.buf[:0]
	}
}

// Write canonicalizes p; it never fails.
func (r *relaxedBody) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if special[p[i]] {
			switch p[i] {
			case ' ', '\t':
				r.wsp = true
				r.cr = false
			case '\r':
				r.wsp = false
				r.eol = append(r.eol, '\r')
				r.cr = true
			case '\n':
				r.wsp = false
				if !r.cr {
					r.eol = append(r.eol, '\r')
				}
				r.eol = append(r.eol, '\n')
				r.cr = false
			}
			i++
			continue
		}
		j := textRun(p, i)
		r.text(p[i:j])
		i = j
	}
	return len(p), nil
}

// textRun returns the end of the run of octets from p[i] (not special)
// that canonicalization leaves as they are: octets other than WSP, CR
// and LF, and inside the run a single SP or a CRLF followed by such an
// octet.
func textRun(p []byte, i int) int {
	j := i + 1
	for {
		// Eight octets at a time while none is below 0x21 (every
		// special octet is): the word test of "has a byte less than n".
		for j+8 <= len(p) {
			x := binary.LittleEndian.Uint64(p[j:])
			if (x-0x2121212121212121)&^x&0x8080808080808080 != 0 {
				break
			}
			j += 8
		}
		if j >= len(p) {
			return len(p)
		}
		c := p[j]
		switch {
		case !special[c]:
			j++
		case c == ' ' && j+1 < len(p) && !special[p[j+1]]:
			j += 2
		case c == '\r' && j+2 < len(p) && p[j+1] == '\n' && !special[p[j+2]]:
			j += 3
		default:
			return j
		}
	}
}

// sum hashes what is left, the final CRLF of a non-empty body, and
// returns the digest.
func (r *relaxedBody) sum() []byte {
	if r.written {
		r.buf = append(r.buf, '\r', '\n')
	}
	r.h.Write(r.buf)
	r.buf = r.buf[:0]
	return r.h.Sum(nil)
}

// errNoHeaderEnd is the error of a message without the empty line that
// ends its header.
var errNoHeaderEnd = errors.New("dkim: the message has no empty line ending its header; compose it with transport.Compose")

// splitMessage returns the header fields of data (each with its
// continuation lines, lines ended by CRLF) and the offset of the body.
// Lines end with LF, a CR before it is not part of the line; the header
// ends at the first empty line, as go-msgauth reads it.
func splitMessage(data []byte) (fields []string, body int, err error) {
	for i := 0; i < len(data); {
		n := bytes.IndexByte(data[i:], '\n')
		if n < 0 {
			break
		}
		line := data[i : i+n]
		i += n + 1
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		switch {
		case len(line) == 0:
			return fields, i, nil
		case len(fields) > 0 && (line[0] == ' ' || line[0] == '\t'):
			fields[len(fields)-1] += string(line) + "\r\n"
		default:
			fields = append(fields, string(line)+"\r\n")
		}
	}
	return nil, 0, errNoHeaderEnd
}

// fieldName returns the name of a header field: the text before the
// colon without surrounding white space.
func fieldName(f string) string {
	name, _, _ := strings.Cut(f, ":")
	return strings.TrimSpace(name)
}

// relaxedHeader appends the relaxed canonical form (RFC 6376 §3.4.2) of
// the header field f to dst: the name in lower case without white space
// around it, a colon, the value unfolded with every run of WSP as one SP
// and none at its ends, CRLF. As in go-msgauth, CR and LF inside the
// value count as WSP.
func relaxedHeader(dst []byte, f string) []byte {
	name, value, ok := strings.Cut(f, ":")
	if !ok {
		name, value = f, ""
	}
	dst = append(dst, strings.TrimSpace(strings.ToLower(name))...)
	dst = append(dst, ':')
	sp := false // a WSP run waits for more text
	start := len(dst)
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case ' ', '\t', '\r', '\n':
			sp = true
		default:
			if sp && len(dst) > start {
				dst = append(dst, ' ')
			}
			sp = false
			dst = append(dst, c)
		}
	}
	return append(dst, '\r', '\n')
}

// bodyHash returns the SHA-256 of body under relaxed canonicalization.
func bodyHash(body []byte) []byte {
	r := relaxedBody{h: sha256.New(), buf: make([]byte, 0, flushSize+64)}
	r.Write(body)
	return r.sum()
}
