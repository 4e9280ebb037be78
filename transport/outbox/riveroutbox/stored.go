package riveroutbox

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// A message's composed bytes are stored as they are. Earlier versions
// deflated them, which shrank the base64 of a composed invoice by about a
// quarter once it carried a rendered PDF (already compressed), but cost
// some 0.2 ms to store and 0.5 ms to read back at every attempt: more CPU
// than the SMTP transaction itself. PostgreSQL keeps the column
// uncompressed too (pglz barely shrinks base64).
//
// Bytes deflated by an earlier version start with deflatedMark (composed
// MIME never starts with a NUL: its first byte begins a header) and stay
// readable.
var deflatedMark = []byte("\x00jz1")

// unpackData returns the composed message data of stored bytes.
func unpackData(stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, deflatedMark) {
		return stored, nil
	}
	r := flate.NewReader(bytes.NewReader(stored[len(deflatedMark):]))
	defer r.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("the stored message bytes are damaged (deflate: %w)", err)
	}
	return out, nil
}
