package docparse

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/adler32"
	"slices"
	"strings"
	"testing"
)

// streamObj returns an indirect object holding a stream.
func streamObj(num int, dict string, data []byte) string {
	return fmt.Sprintf("%d 0 obj\n<< %s >>\nstream\n%s\nendstream\nendobj\n", num, dict, data)
}

func zlibBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// pngPredict applies the PNG filter typ to every row of data, the way a
// PDF writer does before compressing.
func pngPredict(data []byte, columns, bpp int, typ byte) []byte {
	var out []byte
	prev := make([]byte, columns)
	for r := 0; r < len(data); r += columns {
		row := data[r:min(r+columns, len(data))]
		out = append(out, typ)
		for i, x := range row {
			var a, c byte
			if i >= bpp {
				a, c = row[i-bpp], prev[i-bpp]
			}
			b := prev[i]
			switch typ {
			case 1:
				x -= a
			case 2:
				x -= b
			case 3:
				x -= byte((int(a) + int(b)) / 2)
			case 4:
				x -= paeth(a, b, c)
			}
			out = append(out, x)
		}
		copy(prev, row)
	}
	return out
}

// readEmbedded opens pdf and lists its embedded files: their data, or
// "!" and the error for a file that cannot be decoded.
func readEmbedded(t *testing.T, pdf []byte, limit int64) ([]string, error) {
	t.Helper()
	f, err := openPDF(pdf, limit)
	if err != nil {
		return nil, err
	}
	files := f.embeddedFiles()
	if f.err != nil {
		return nil, f.err
	}
	var got []string
	for _, e := range files {
		if e.err != nil {
			got = append(got, "!"+e.err.Error())
			continue
		}
		got = append(got, string(e.data))
	}
	return got, nil
}

func TestEmbeddedFiles(t *testing.T) {
	xml := []byte("<x/>")
	z := zlibBytes(t, xml)
	long := []byte(strings.Repeat("<invoice-line/>", 20))
	png := zlibBytes(t, pngPredict(long, 5, 1, 2))
	// Flate data whose last byte (of the zlib checksum) is a CR.
	// (zlib ends with the Adler-32 checksum, whose last byte is the low
	// byte of the sum of the data bytes plus one.)
	crText := ""
	for i := 0; crText == "" || adler32.Checksum([]byte(crText))&0xff != '\r'; i++ {
		crText = fmt.Sprintf("<x>%d</x>", i)
	}
	cr := zlibBytes(t, []byte(crText))
	tests := []struct {
		name string
		pdf  string
		want []string
	}{
		{"uncompressed", streamObj(1, "/Type /EmbeddedFile /Length 4", xml), []string{"<x/>"}},
		{"flate", streamObj(1, fmt.Sprintf("/Type/EmbeddedFile/Filter/FlateDecode/Length %d", len(z)), z), []string{"<x/>"}},
		{"filter array", streamObj(1, fmt.Sprintf("/Type /EmbeddedFile /Filter [ /FlateDecode ] /Length %d", len(z)), z), []string{"<x/>"}},
		{"indirect length", streamObj(1, "/Type /EmbeddedFile /Filter /FlateDecode /Length 2 0 R", z) + fmt.Sprintf("2 0 obj\n%d\nendobj\n", len(z)), []string{"<x/>"}},
		{"length of a missing object", streamObj(1, "/Type /EmbeddedFile /Length 9 0 R", xml), []string{"<x/>"}},
		{"length refers to its own stream", streamObj(1, "/Type /EmbeddedFile /Length 1 0 R", xml), []string{"<x/>"}},
		{"wrong length falls back to endstream", streamObj(1, "/Type /EmbeddedFile /Length 999", xml), []string{"<x/>"}},
		{"unknown length, flate data ending in CR", streamObj(1, "/Type /EmbeddedFile /Filter /FlateDecode /Length 999", cr), []string{crText}},
		{"other stream types skipped", streamObj(1, "/Length 4", xml) + streamObj(2, "/Type /XObject /Length 4", xml), nil},
		{"no /Type, but a Filespec's file", streamObj(1, "/Length 4", xml) + "2 0 obj\n<< /Type /Filespec /F (a.xml) /EF << /F 1 0 R >> >>\nendobj\n", []string{"<x/>"}},
		{"unsupported filter", streamObj(1, "/Type /EmbeddedFile /Filter /LZWDecode /Length 4", xml), []string{"!the filter /LZWDecode is not supported (only /FlateDecode is)"}},
		{"DecodeParms null", streamObj(1, fmt.Sprintf("/Type /EmbeddedFile /Filter /FlateDecode /DecodeParms null /Length %d", len(z)), z), []string{"<x/>"}},
		{"DecodeParms array with null", streamObj(1, fmt.Sprintf("/Type /EmbeddedFile /Filter [/FlateDecode] /DecodeParms [null] /Length %d", len(z)), z), []string{"<x/>"}},
		{"PNG predictor", streamObj(1, fmt.Sprintf("/Type /EmbeddedFile /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 5 >> /Length %d", len(png)), png), []string{string(long)}},
		{"corrupt flate", streamObj(1, "/Type /EmbeddedFile /Filter /FlateDecode /Length 4", xml), []string{"!the stream's FlateDecode data is corrupt: zlib: invalid header"}},
		{"nested dictionaries and strings", streamObj(1, "/Params << /Size 4 /CheckSum <00ff> /X (a \\) (b) c) >> /Type /EmbeddedFile /Length 4", xml), []string{"<x/>"}},
		{"two files in object order", streamObj(2, "/Type /EmbeddedFile /Length 4", xml) + streamObj(1, "/Type /EmbeddedFile /Length 4", []byte("<y/>")), []string{"<y/>", "<x/>"}},
		{"unterminated string before the object", "1 0 obj\n(never closed\n" + streamObj(2, "/Type /EmbeddedFile /Length 4", xml), []string{"<x/>"}},
		{"stray delimiters and broken dictionaries", ") ] > << /A >> << 7 >> " + streamObj(2, "/Type /EmbeddedFile /Length 4", xml), []string{"<x/>"}},
		{"too deeply nested dictionaries before the object", strings.Repeat("<<", 100) + streamObj(1, "/Type /EmbeddedFile /Length 4", xml), []string{"<x/>"}},
		{"too deeply nested dictionary in the object", streamObj(1, "/Type /EmbeddedFile /Length 4 /X "+strings.Repeat("[", 100), xml), nil},
		{"a newer definition replaces an older one", streamObj(1, "/Type /EmbeddedFile /Length 4", xml) + streamObj(1, "/Type /EmbeddedFile /Length 4", []byte("<z/>")), []string{"<z/>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readEmbedded(t, []byte("%PDF-1.7\n"+tc.pdf+"%%EOF\n"), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("files %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("limit", func(t *testing.T) {
		big := zlibBytes(t, make([]byte, 1000))
		_, err := readEmbedded(t, []byte("%PDF-1.7\n"+streamObj(1, fmt.Sprintf("/Type /EmbeddedFile /Filter /FlateDecode /Length %d", len(big)), big)), 999)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
	})
}

func TestUnpredict(t *testing.T) {
	data := []byte(strings.Repeat("Factur-X \x00\xff\x80 predictor rows ", 7))
	tests := []struct {
		name           string
		colors, bpc    int
		columns        int
		typ            byte
		predictor, bpp int
	}{
		{"PNG none", 1, 8, 6, 0, 10, 1},
		{"PNG sub", 1, 8, 6, 1, 11, 1},
		{"PNG up", 1, 8, 6, 2, 12, 1},
		{"PNG average", 1, 8, 6, 3, 13, 1},
		{"PNG paeth", 1, 8, 6, 4, 14, 1},
		{"PNG paeth, 3 colours", 3, 8, 4, 4, 15, 3},
		{"PNG up, 16 bits", 1, 16, 5, 2, 12, 2},
		{"PNG sub, last row short", 1, 8, 13, 1, 11, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rowLen := tc.colors * tc.bpc * tc.columns / 8
			enc := pngPredict(data, rowLen, tc.bpp, tc.typ)
			got, err := unpredict(enc, pdfDict{"Predictor": tc.predictor, "Colors": tc.colors, "BitsPerComponent": tc.bpc, "Columns": tc.columns})
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("got %q, %v; want %q", got, err, data)
			}
		})
	}
	t.Run("TIFF", func(t *testing.T) {
		enc := bytes.Clone(data)
		for r := 0; r < len(enc); r += 8 {
			for i := min(r+7, len(enc)-1); i > r; i-- {
				enc[i] -= enc[i-1]
			}
		}
		got, err := unpredict(enc, pdfDict{"Predictor": 2, "Columns": 8})
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("got %q, %v; want %q", got, err, data)
		}
	})
	for _, parms := range []pdfDict{
		{"Predictor": 3},
		{"Predictor": 2, "BitsPerComponent": 4},
		{"Predictor": 12, "Columns": 0},
		{"Predictor": 12, "Colors": 99},
	} {
		if _, err := unpredict(data, parms); err == nil {
			t.Errorf("parameters %v: no error", parms)
		}
	}
	if _, err := unpredict([]byte{7, 1, 2}, pdfDict{"Predictor": 12}); err == nil {
		t.Error("row type 7: no error")
	}
}

func TestPDFLexer(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`(a\)b \(c\) (nested) \101\n\
x)`, pdfString("a)b (c) (nested) A\nx")},
		{`<48 65 6C6C6F7>`, pdfString("Hello\x70")},
		{`/text#2Fxml`, pdfName("text/xml")},
		{`12 0 R`, pdfRef{12, 0}},
		{`[1 R /A]`, nil},
		{`[1 2 R /A 3.5 -4 true null]`, pdfArray{pdfRef{1, 2}, pdfName("A"), 3.5, -4, true, nil}},
		{`<< /A << /B [1 0 R] >> /C (x) >>`, pdfDict{"A": pdfDict{"B": pdfArray{pdfRef{1, 0}}}, "C": pdfString("x")}},
	}
	for _, tc := range tests {
		l := &pdfLexer{b: []byte(tc.in)}
		got, err := l.value(0)
		if tc.in == `[1 R /A]` {
			// A stray keyword inside an array is an error.
			if err == nil {
				t.Errorf("%s: got %#v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
			t.Errorf("%s: got %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"(unterminated", "<12", "<<  /A ", "[1 2", ")", strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		if v, err := (&pdfLexer{b: []byte(bad)}).value(0); err == nil {
			t.Errorf("%q: got %#v, want an error", bad, v)
		}
	}
	for in, want := range map[string]string{
		"\xFE\xFF\x00f\x00\xE4\xD8\x3D\xDE\x00": "fä😀",
		"\xEF\xBB\xBFfä":                        "fä",
		"f\xE4.xml":                             "fä.xml",
	} {
		if got := textString(pdfString(in)); got != want {
			t.Errorf("textString(%q) = %q, want %q", in, got, want)
		}
	}
}
