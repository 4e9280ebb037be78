package docparse

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
)

// decodeStream returns the decoded data of s: decrypted (when decrypt is
// set and the file is encrypted), then through its filters. Only
// FlateDecode (with or without a PNG or TIFF predictor) and the Identity
// crypt filter are supported; any other filter is an error naming it.
// Everything decoded counts against the file's decompression budget.
func (f *pdfFile) decodeStream(s *pdfStream, decrypt bool) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	filters, parms, err := streamFilters(f, s.dict)
	if err != nil {
		return nil, err
	}
	data := s.raw
	if decrypt && f.crypt != nil {
		if data, err = f.crypt.decryptStream(s); err != nil {
			return nil, err
		}
	} else if !s.exact && len(filters) == 0 {
		data = trimEOL(data)
	}
	for i, name := range filters {
		switch name {
		case "FlateDecode", "Fl":
			// zlib ignores what follows its checksum: data whose length
			// was unknown keeps its end of line, never loses a byte.
			if data, err = f.inflate(data, sizeHint(f, s.dict, i == len(filters)-1)); err != nil {
				return nil, err
			}
			if data, err = unpredict(data, parms[i]); err != nil {
				return nil, err
			}
		case "Crypt":
			if n := parms[i].name("Name"); n != "" && n != "Identity" {
				return nil, fmt.Errorf("the crypt filter /%s is not supported", n)
			}
		default:
			return nil, fmt.Errorf("the filter /%s is not supported (only /FlateDecode is)", name)
		}
	}
	if len(filters) == 0 {
		if int64(len(data)) > f.budget {
			return nil, f.overBudget()
		}
		f.budget -= int64(len(data))
	}
	return data, nil
}

// trimEOL removes the end of line before "endstream" from data whose
// length is unknown: CR LF, LF or CR.
func trimEOL(data []byte) []byte {
	switch {
	case bytes.HasSuffix(data, []byte("\r\n")):
		return data[:len(data)-2]
	case bytes.HasSuffix(data, []byte("\n")), bytes.HasSuffix(data, []byte("\r")):
		return data[:len(data)-1]
	}
	return data
}

// streamFilters returns the stream's filter names and, for each, its
// decode parameters (nil for none or null).
func streamFilters(f *pdfFile, d pdfDict) ([]pdfName, []pdfDict, error) {
	var names []pdfName
	switch v := f.resolve(d["Filter"]).(type) {
	case nil:
	case pdfName:
		names = []pdfName{v}
	case pdfArray:
		for _, x := range v {
			n, ok := f.resolve(x).(pdfName)
			if !ok {
				return nil, nil, errors.New("the stream's /Filter array holds something other than names")
			}
			names = append(names, n)
		}
	default:
		return nil, nil, errors.New("the stream's /Filter is neither a name nor an array")
	}
	parms := make([]pdfDict, len(names))
	switch v := f.resolve(d["DecodeParms"]).(type) {
	case pdfDict:
		if len(parms) > 0 {
			parms[0] = v
		}
	case pdfArray:
		for i := range min(len(v), len(parms)) {
			parms[i] = f.dict(v[i])
		}
	}
	return names, parms, nil
}

// zlibReaders keeps zlib readers (about 40 KB of window and tables each)
// for reuse across streams and calls.
var zlibReaders sync.Pool

// sizeHint returns the decoded size a stream declares (/DL, or an
// embedded file's /Params /Size) when last is set and there is no
// predictor, else 0. It is only a hint for the buffer.
func sizeHint(f *pdfFile, d pdfDict, last bool) int {
	if !last || d["DecodeParms"] != nil {
		return 0
	}
	if n, ok := f.resolve(d["DL"]).(int); ok {
		return n
	}
	n, _ := f.dict(d["Params"])["Size"].(int)
	return n
}

// inflate decompresses zlib data within the budget; hint is the size the
// stream declares, or 0.
func (f *pdfFile) inflate(data []byte, hint int) ([]byte, error) {
	var zr io.ReadCloser
	var err error
	if r, ok := zlibReaders.Get().(io.ReadCloser); ok {
		zr, err = r, r.(zlib.Resetter).Reset(bytes.NewReader(data), nil)
	} else {
		zr, err = zlib.NewReader(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("the stream's FlateDecode data is corrupt: %w", err)
	}
	defer zlibReaders.Put(zr)
	// Text such as invoice XML compresses about fourfold; bytes.Buffer
	// wants 512 bytes free before each read.
	// A declared size is believed up to 16 times the compressed data (a
	// lie costs no more than that).
	size := int64(len(data)) * 4
	if hint > 0 {
		size = min(int64(hint), int64(len(data))*16+4096)
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, f.budget)+bytes.MinRead))
	n, err := io.Copy(buf, io.LimitReader(zr, f.budget+1))
	if n > f.budget {
		return nil, f.overBudget()
	}
	if err != nil {
		return nil, fmt.Errorf("the stream's FlateDecode data is corrupt: %w", err)
	}
	f.budget -= n
	return buf.Bytes(), nil
}

// overBudget records and returns the too-large error.
func (f *pdfFile) overBudget() error {
	if f.err == nil {
		f.err = newError(CodeTooLarge, nil, "the PDF's streams decompress to more than the limit of %d bytes; raise Options.MaxSize if such documents are expected", f.limit)
	}
	return f.err
}

// unpredict undoes a PNG (10–15) or TIFF (2) predictor.
func unpredict(data []byte, parms pdfDict) ([]byte, error) {
	pred, ok := parms.int("Predictor")
	if !ok || pred <= 1 {
		return data, nil
	}
	get := func(k pdfName, def, lo, hi int) (int, error) {
		v, ok := parms.int(k)
		if !ok {
			return def, nil
		}
		if v < lo || v > hi {
			return 0, fmt.Errorf("the predictor's /%s %d is out of range", k, v)
		}
		return v, nil
	}
	colors, err1 := get("Colors", 1, 1, 32)
	bpc, err2 := get("BitsPerComponent", 8, 1, 16)
	columns, err3 := get("Columns", 1, 1, 1<<24)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	bpp := max(1, colors*bpc/8)
	// A row longer than the data is one partial row: allocate no more.
	rowLen := min((colors*bpc*columns+7)/8, len(data))
	if rowLen == 0 {
		return data, nil
	}
	switch {
	case pred == 2:
		if bpc != 8 {
			return nil, fmt.Errorf("the TIFF predictor with %d bits per component is not supported", bpc)
		}
		out := bytes.Clone(data)
		for r := 0; r < len(out); r += rowLen {
			row := out[r:min(r+rowLen, len(out))]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return out, nil
	case pred >= 10 && pred <= 15:
		out := make([]byte, 0, len(data))
		prev := make([]byte, rowLen)
		for r := 0; r < len(data); r += rowLen + 1 {
			typ := data[r]
			row := bytes.Clone(data[r+1 : min(r+1+rowLen, len(data))])
			for i := range row {
				var a, c byte
				if i >= bpp {
					a, c = row[i-bpp], prev[i-bpp]
				}
				b := prev[i]
				switch typ {
				case 0:
				case 1:
					row[i] += a
				case 2:
					row[i] += b
				case 3:
					row[i] += byte((int(a) + int(b)) / 2)
				case 4:
					row[i] += paeth(a, b, c)
				default:
					return nil, fmt.Errorf("the PNG predictor row type %d is invalid", typ)
				}
			}
			out = append(out, row...)
			copy(prev, row)
		}
		return out, nil
	}
	return nil, fmt.Errorf("the predictor %d is not supported", pred)
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
