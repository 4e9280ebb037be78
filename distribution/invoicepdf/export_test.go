package invoicepdf

import (
	"bytes"
	"errors"
)

// WithWholeFont returns pdf, rendered with the 8-bit font, with the whole
// font embedded instead of the subset it embeds.
func WithWholeFont(pdf []byte) ([]byte, error) {
	f := fast8()
	for i := range f.subsets {
		if sub := f.subsets[i].file; sub != nil && bytes.Contains(pdf, sub.data) {
			return compressPDF(pdf, &fontSwap{old: *sub, new: f.file})
		}
	}
	return nil, errors.New("no subset of the 8-bit font is embedded")
}

// ContentModes is contentModes: the text rendering mode of each text of
// uncompressed content.
var ContentModes = contentModes
