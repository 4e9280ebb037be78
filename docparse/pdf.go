package docparse

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
	"strings"
)

var pdfMagic = []byte("%PDF-")

// parsePDF reads a Factur-X / ZUGFeRD PDF: the invoice XML travels inside it
// as an embedded file (factur-x.xml, zugferd-invoice.xml,
// ZUGFeRD-invoice.xml, xrechnung.xml). Every embedded file is tried in file
// order and the first that is a supported e-invoice is parsed; the PDF
// itself, the invoice's human-readable image, becomes its first attachment.
func parsePDF(data []byte, o *options) ([]*Document, error) {
	files, err := embeddedFiles(data, o.maxSize)
	if err != nil {
		return nil, err
	}
	var invalid error // an embedded invoice that failed for its own reasons
	for _, f := range files {
		docs, err := parseXML(f, o)
		if err == nil {
			for _, d := range docs {
				d.Attachments = append([]Attachment{{
					ContentType: "application/pdf", DeclaredType: "application/pdf",
					Description: "the PDF the invoice XML was embedded in (the invoice image)",
					Data:        bytes.Clone(data),
				}}, d.Attachments...)
			}
			return docs, nil
		}
		var pe *ParseError
		if invalid == nil && errors.As(err, &pe) && pe.Code != "not-xml" && pe.Code != "unknown-format" && pe.Code != "empty" {
			invalid = err
		}
	}
	if invalid != nil {
		return nil, invalid
	}
	return nil, newError("pdf-without-xml", nil, "the PDF has no embedded e-invoice XML (%d embedded files found); only Factur-X / ZUGFeRD PDFs carry one, and an encrypted PDF cannot be read: send the XML instead", len(files))
}

// embeddedFiles returns the decoded contents of the PDF's embedded file
// streams (dictionaries with /Type /EmbeddedFile followed by stream data),
// in file order. It makes one forward pass over the file, reading only
// dictionaries and skipping stream data, so hostile input costs linear
// time; streams it cannot decode (other filters, predictors, encryption)
// are skipped. The decoded files together may be at most limit bytes, or it
// returns ErrTooLarge: a compression bomb costs no more than that.
func embeddedFiles(pdf []byte, limit int64) ([][]byte, error) {
	var files [][]byte
	budget := limit
	for i := skipPDFSpace(pdf, 0); i < len(pdf); i = skipPDFSpace(pdf, i) {
		if !bytes.HasPrefix(pdf[i:], []byte("<<")) {
			// Skip a token; an unterminated string or array runs to the end.
			end, _ := pdfValueEnd(pdf, i, 0)
			i = max(end, i+1)
			continue
		}
		dict, end, ok := pdfDict(pdf, i, 0)
		if !ok {
			i = max(end, i+2)
			continue
		}
		i = end
		start, ok := streamStart(pdf, end)
		if !ok {
			continue
		}
		length := dict["Length"]
		if dict["Type"] != "/EmbeddedFile" {
			length = "" // not needed: find the end without resolving references
		}
		n, ok := streamLength(pdf, length, start)
		if !ok {
			return files, nil
		}
		i = start + n
		if dict["Type"] != "/EmbeddedFile" {
			continue
		}
		raw := pdf[start : start+n]
		var data []byte
		switch dict["Filter"] {
		case "":
			data = raw
		case "/FlateDecode", "[/FlateDecode]":
			if _, hasParms := dict["DecodeParms"]; hasParms {
				continue // predictors are not used for embedded files in practice
			}
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				continue
			}
			var buf bytes.Buffer
			m, err := io.Copy(&buf, io.LimitReader(zr, budget+1))
			if m > budget {
				return nil, newError("too-large", nil, "the PDF's embedded files decompress to more than the limit of %d bytes; raise Options.MaxSize if such documents are expected", limit)
			}
			if err != nil {
				continue
			}
			data = buf.Bytes()
		default:
			continue
		}
		if int64(len(data)) > budget {
			return nil, newError("too-large", nil, "the PDF's embedded files are larger than the limit of %d bytes; raise Options.MaxSize if such documents are expected", limit)
		}
		budget -= int64(len(data))
		files = append(files, data)
	}
	return files, nil
}

// streamStart returns where a stream's data begins when the keyword
// "stream" and its end of line follow offset i.
func streamStart(pdf []byte, i int) (int, bool) {
	i = skipPDFSpace(pdf, i)
	if !bytes.HasPrefix(pdf[i:], []byte("stream")) {
		return 0, false
	}
	i += len("stream")
	if bytes.HasPrefix(pdf[i:], []byte("\r\n")) {
		return i + 2, true
	}
	if i < len(pdf) && (pdf[i] == '\n' || pdf[i] == '\r') {
		return i + 1, true
	}
	return 0, false
}

// streamLength returns the length of the stream data starting at start:
// /Length when it is a number (direct, or an indirect "n g R" object) that
// ends at "endstream", else the distance to the next "endstream".
func streamLength(pdf []byte, length string, start int) (int, bool) {
	n, err := strconv.Atoi(length)
	if err != nil {
		if num, gen, ok := pdfRef(length); ok {
			n, err = pdfIntObject(pdf, num, gen)
		}
	}
	if err == nil && n >= 0 && start+n <= len(pdf) &&
		bytes.HasPrefix(bytes.TrimLeft(pdf[start+n:], "\r\n "), []byte("endstream")) {
		return n, true
	}
	end := bytes.Index(pdf[start:], []byte("endstream"))
	if end < 0 {
		return 0, false
	}
	return len(bytes.TrimRight(pdf[start:start+end], "\r\n")), true
}

// pdfRef splits an indirect reference "12 0 R".
func pdfRef(s string) (num, gen string, ok bool) {
	f := bytes.Fields([]byte(s))
	if len(f) != 3 || string(f[2]) != "R" {
		return "", "", false
	}
	return string(f[0]), string(f[1]), true
}

// pdfIntObject returns the integer held by indirect object "num gen obj".
func pdfIntObject(pdf []byte, num, gen string) (int, error) {
	head := []byte(num + " " + gen + " obj")
	for i := 0; ; {
		k := bytes.Index(pdf[i:], head)
		if k < 0 {
			return 0, errors.New("object not found")
		}
		p := i + k
		i = p + len(head)
		if p > 0 && !isPDFSpace(pdf[p-1]) {
			continue
		}
		j := skipPDFSpace(pdf, i)
		e := j
		for e < len(pdf) && pdf[e] >= '0' && pdf[e] <= '9' {
			e++
		}
		return strconv.Atoi(string(pdf[j:e]))
	}
}

// maxPDFNesting bounds how deeply dictionaries and arrays may nest.
const maxPDFNesting = 32

// pdfDict reads the dictionary at i ("<< /Key value … >>") and returns its
// entries with their values as written (white space collapsed, nested
// values unparsed) and the offset after it. On failure the offset is where
// reading stopped.
func pdfDict(pdf []byte, i, depth int) (map[string]string, int, bool) {
	if depth > maxPDFNesting || !bytes.HasPrefix(pdf[i:], []byte("<<")) {
		return nil, i, false
	}
	dict := map[string]string{}
	i += 2
	for {
		i = skipPDFSpace(pdf, i)
		if bytes.HasPrefix(pdf[i:], []byte(">>")) {
			return dict, i + 2, true
		}
		if i >= len(pdf) || pdf[i] != '/' {
			return nil, i, false
		}
		keyEnd, _ := pdfValueEnd(pdf, i, depth+1)
		key := string(pdf[i+1 : keyEnd])
		v := skipPDFSpace(pdf, keyEnd)
		end, ok := pdfValueEnd(pdf, v, depth+1)
		if !ok {
			return nil, end, false
		}
		// An indirect reference is three tokens: "12 0 R".
		if n1 := skipPDFSpace(pdf, end); n1 < len(pdf) && pdf[n1] >= '0' && pdf[n1] <= '9' {
			e2, _ := pdfValueEnd(pdf, n1, depth+1)
			if r := skipPDFSpace(pdf, e2); r < len(pdf) && pdf[r] == 'R' && (r+1 == len(pdf) || isPDFDelim(pdf[r+1])) {
				end = r + 1
			}
		}
		value := string(bytes.Join(bytes.Fields(pdf[v:end]), []byte(" ")))
		if len(value) > 2 && value[0] == '[' && value[len(value)-1] == ']' {
			value = "[" + strings.TrimSpace(value[1:len(value)-1]) + "]" // "[ /FlateDecode ]"
		}
		dict[key] = value
		i = end
	}
}

// pdfValueEnd returns the offset after the PDF value (or name) at i. On
// failure the offset is where reading stopped.
func pdfValueEnd(pdf []byte, i, depth int) (int, bool) {
	if i >= len(pdf) || depth > maxPDFNesting {
		return i, false
	}
	switch c := pdf[i]; {
	case c == '(':
		nest := 0
		for j := i; j < len(pdf); j++ {
			switch pdf[j] {
			case '\\':
				j++
			case '(':
				nest++
			case ')':
				if nest--; nest == 0 {
					return j + 1, true
				}
			}
		}
		return len(pdf), false
	case c == '<' && i+1 < len(pdf) && pdf[i+1] == '<':
		_, end, ok := pdfDict(pdf, i, depth)
		return end, ok
	case c == '<':
		j := bytes.IndexByte(pdf[i:], '>')
		if j < 0 {
			return len(pdf), false
		}
		return i + j + 1, true
	case c == '[':
		j := i + 1
		for {
			j = skipPDFSpace(pdf, j)
			if j >= len(pdf) {
				return j, false
			}
			if pdf[j] == ']' {
				return j + 1, true
			}
			e, ok := pdfValueEnd(pdf, j, depth+1)
			if !ok {
				return e, false
			}
			j = e
		}
	case c == '/':
		j := i + 1
		for j < len(pdf) && !isPDFDelim(pdf[j]) {
			j++
		}
		return j, true
	case isPDFDelim(c):
		return i + 1, false
	default:
		j := i
		for j < len(pdf) && !isPDFDelim(pdf[j]) {
			j++
		}
		return j, true
	}
}

// skipPDFSpace skips white space and comments.
func skipPDFSpace(pdf []byte, i int) int {
	for i < len(pdf) {
		switch {
		case isPDFSpace(pdf[i]):
			i++
		case pdf[i] == '%':
			for i < len(pdf) && pdf[i] != '\n' && pdf[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return isPDFSpace(c)
}
