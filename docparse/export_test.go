package docparse

import "bytes"

// ParseAllTree is ParseAll reading every XML input from an etree tree,
// never from the token stream: the differential tests compare the two.
func ParseAllTree(data []byte, opts *Options) ([]*Document, error) {
	o := opts.resolve()
	o.tree = true
	return o.parseAll(data)
}

// Streamed reports whether ParseAll reads data from the token stream
// rather than a tree (an input ParseAll refuses before reading, such as
// an empty or too large one, is not read from either).
func Streamed(data []byte, opts *Options) bool {
	o := opts.resolve()
	if int64(len(data)) > o.maxSize || len(bytes.TrimSpace(bytes.TrimPrefix(data, bomUTF8))) == 0 || pdfHeader(data) >= 0 {
		return false
	}
	segs, err := segments(data)
	if err != nil || len(segs) != 1 {
		return false
	}
	_, needTree, _ := segs[0].stream(o)
	return !needTree
}
