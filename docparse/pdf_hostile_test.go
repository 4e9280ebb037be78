package docparse_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/adler32"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/docparse"
)

// pdfBuilder writes a PDF object by object and can end it with a
// cross-reference table, so that tests can make the files PDF writers
// make, and the ones they should not.
type pdfBuilder struct {
	b    bytes.Buffer
	offs map[int]int
	max  int
}

func newPDF() *pdfBuilder {
	p := &pdfBuilder{offs: map[int]int{}}
	p.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

// obj writes object num with the given value.
func (p *pdfBuilder) obj(num int, value string) *pdfBuilder {
	p.offs[num], p.max = p.b.Len(), max(p.max, num)
	fmt.Fprintf(&p.b, "%d 0 obj\n%s\nendobj\n", num, value)
	return p
}

// stream writes object num as a stream; "%d" in dict becomes the length.
func (p *pdfBuilder) stream(num int, dict string, data []byte) *pdfBuilder {
	if strings.Contains(dict, "%d") {
		dict = fmt.Sprintf(dict, len(data))
	}
	p.offs[num], p.max = p.b.Len(), max(p.max, num)
	fmt.Fprintf(&p.b, "%d 0 obj\n<< %s >>\nstream\n", num, dict)
	p.b.Write(data)
	p.b.WriteString("\nendstream\nendobj\n")
	return p
}

// xref ends the file with a cross-reference table for every object
// written and a trailer with extra entries.
func (p *pdfBuilder) xref(trailer string) []byte {
	at := p.b.Len()
	fmt.Fprintf(&p.b, "xref\n0 %d\n0000000000 65535 f \n", p.max+1)
	for i := 1; i <= p.max; i++ {
		if off, ok := p.offs[i]; ok {
			fmt.Fprintf(&p.b, "%010d 00000 n \n", off)
		} else {
			p.b.WriteString("0000000000 65535 f \n")
		}
	}
	fmt.Fprintf(&p.b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", p.max+1, trailer, at)
	return p.b.Bytes()
}

// bytes ends the file without a cross-reference table.
func (p *pdfBuilder) bytes(trailer string) []byte {
	if trailer != "" {
		fmt.Fprintf(&p.b, "trailer\n<< %s >>\n", trailer)
	}
	p.b.WriteString("%%EOF\n")
	return p.b.Bytes()
}

func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// facturX writes a Factur-X structure into p: catalog 1, names tree with
// one Filespec (object 2, named name) whose file (object 3) holds xml,
// compressed.
func facturX(t testing.TB, p *pdfBuilder, name string, xml []byte) *pdfBuilder {
	p.obj(1, "<< /Type /Catalog /Names << /EmbeddedFiles << /Names [("+name+") 2 0 R] >> >> /AF [2 0 R] >>")
	p.obj(2, "<< /Type /Filespec /F ("+name+") /UF ("+name+") /AFRelationship /Data /EF << /F 3 0 R >> >>")
	return p.stream(3, fmt.Sprintf("/Type /EmbeddedFile /Subtype /text#2Fxml /Params << /Size %d >> /Filter /FlateDecode /Length %%d", len(xml)), deflate(t, xml))
}

// manyStreams writes n page-content-like streams from object first on,
// each with an indirect /Length (or a wrong direct one).
func manyStreams(p *pdfBuilder, first, n int, indirect bool) *pdfBuilder {
	data := []byte("BT /F1 12 Tf 72 712 Td (Invoice line) Tj ET")
	for i := range n {
		num := first + 2*i
		if indirect {
			p.stream(num, fmt.Sprintf("/Length %d 0 R", num+1), data)
			p.obj(num+1, fmt.Sprint(len(data)))
		} else {
			p.stream(num, "/Length 99999", data)
		}
	}
	return p
}

// pdfHostileTimeLimit is a watchdog, not a speed target: quadratic
// behaviour blows far past it (the forward scanner took 57 s for 40,000
// indirect lengths, and would take about 25 minutes for the 200,000
// objects of the largest case), while a busy machine running the race
// detector (about 20 s for that case) stays well inside it. Speed is
// measured by the benchmarks.
const pdfHostileTimeLimit = 2 * time.Minute

// TestHostilePDF reads hand-made hostile and broken PDFs, each within
// pdfHostileTimeLimit, and prints "HOSTILE area=pdf tried=N handled=N
// unexpected=N".
func TestHostilePDF(t *testing.T) {
	cii := readFile(t, filepath.Join("testdata", "cii.xml"))
	want, err := docparse.Parse(cii, nil)
	if err != nil {
		t.Fatal(err)
	}
	invoice := func(t *testing.T, docs []*docparse.Document) {
		if len(docs) != 1 || docs[0].Number != want.Number || !bytes.Equal(docs[0].XML, cii) || !docs[0].Attachments[0].IsPDF() {
			t.Errorf("got %d documents, want the embedded invoice %q with the PDF first", len(docs), want.Number)
		}
	}
	fx := func(t testing.TB) *pdfBuilder { return facturX(t, newPDF(), "factur-x.xml", cii) }
	var cases []hostileCase
	add := func(name string, want error, check func(*testing.T, []*docparse.Document), input func(t *testing.T) []byte) {
		cases = append(cases, hostileCase{name: name, want: want, check: check, input: input})
	}
	add("100,000 indirect /Length objects, with an xref", nil, invoice, func(t *testing.T) []byte {
		return manyStreams(fx(t), 10, 100_000, true).xref("/Root 1 0 R")
	})
	add("100,000 indirect /Length objects, no xref, no trailer", nil, invoice, func(t *testing.T) []byte {
		return manyStreams(fx(t), 10, 100_000, true).bytes("")
	})
	add("100,000 wrong direct /Lengths, no xref", nil, invoice, func(t *testing.T) []byte {
		return manyStreams(fx(t), 10, 100_000, false).bytes("/Root 1 0 R")
	})
	add("every xref offset wrong", nil, invoice, func(t *testing.T) []byte {
		p := fx(t)
		for n := range p.offs {
			p.offs[n] += 7
		}
		return p.xref("/Root 1 0 R")
	})
	add("startxref past the end", nil, invoice, func(t *testing.T) []byte {
		return bytes.Replace(fx(t).xref("/Root 1 0 R"), []byte("startxref\n"), []byte("startxref\n99999999"), 1)
	})
	add("xref sections whose /Prev point at each other", nil, invoice, func(t *testing.T) []byte {
		data := fx(t).xref("/Root 1 0 R /Prev 0")
		k := bytes.LastIndex(data, []byte("xref\n0 "))
		return bytes.Replace(data, []byte("/Prev 0"), fmt.Appendf(nil, "/Prev %d", k), 1)
	})
	add("xref stream with 9-byte fields", nil, invoice, func(t *testing.T) []byte {
		p := fx(t)
		at := p.b.Len()
		p.stream(9, "/Type /XRef /Size 10 /W [9 9 9] /Root 1 0 R /Length %d", make([]byte, 270))
		fmt.Fprintf(&p.b, "startxref\n%d\n%%%%EOF\n", at)
		return p.b.Bytes()
	})
	add("object stream claiming a billion objects", nil, invoice, func(t *testing.T) []byte {
		p := fx(t)
		p.stream(9, "/Type /ObjStm /N 1000000000 /First 4 /Filter /FlateDecode /Length %d", deflate(t, []byte("5 0 << >>")))
		return p.xref("/Root 1 0 R")
	})
	add("compression bomb in an object stream", docparse.ErrTooLarge, nil, func(t *testing.T) []byte {
		p := newPDF()
		off := p.b.Len()
		p.stream(9, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d", deflate(t, append([]byte("1 0 "), make([]byte, 40<<20)...)))
		at := p.b.Len()
		entries := []byte{2, 0, 9, 0, 1, byte(off >> 8), byte(off), 0}
		p.stream(10, "/Type /XRef /Size 11 /Index [1 1 9 1] /W [1 2 1] /Root 1 0 R /Length %d", entries)
		fmt.Fprintf(&p.b, "startxref\n%d\n%%%%EOF\n", at)
		return p.b.Bytes()
	})
	add("name tree whose /Kids refer to themselves", nil, invoice, func(t *testing.T) []byte {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /Names << /EmbeddedFiles 4 0 R >> >>")
		p.obj(4, "<< /Kids [4 0 R 5 0 R] >>")
		p.obj(5, "<< /Kids [4 0 R 5 0 R] /Names [(factur-x.xml) 2 0 R] >>")
		p.obj(2, "<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>")
		p.stream(3, "/Type /EmbeddedFile /Filter /FlateDecode /Length %d", deflate(t, cii))
		return p.xref("/Root 1 0 R")
	})
	add("reference cycle instead of a Filespec", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /AF [2 0 R] >>").obj(2, "3 0 R").obj(3, "2 0 R")
		return p.xref("/Root 1 0 R")
	})
	add("catalog nested 10,000 arrays deep", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		return newPDF().obj(1, "<< /Type /Catalog /X "+strings.Repeat("[", 10_000)+" >>").xref("/Root 1 0 R")
	})
	add("a megabyte of unterminated strings", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		return newPDF().obj(1, strings.Repeat("(", 1<<20)).bytes("/Root 1 0 R")
	})
	add("a megabyte of object headers", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		return newPDF().obj(1, strings.Repeat("1 0 obj ", 1<<17)).bytes("/Root 1 0 R")
	})
	add("a megabyte of 'stream' keywords", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		return newPDF().obj(1, strings.Repeat(" stream\n", 1<<17)).bytes("/Root 1 0 R")
	})
	add("100,000 objects, each with an unterminated string", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.7\n")
		for i := range 100_000 {
			fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Catalog /X (\n", i+1)
		}
		return b.Bytes()
	})
	add("a line of '1 %1 %1 %…' (a comment after every number)", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		return []byte("%PDF-1.7\n" + strings.Repeat("1 %", 1<<20))
	})
	add("10,000 xref streams whose dictionaries never end, chained by /Prev", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.7\n")
		prev := 0
		for i := range 10_000 {
			at := b.Len()
			fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Prev %d /W [1 2 1] /X (\n", i+1, prev)
			prev = at
		}
		fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", prev)
		return b.Bytes()
	})
	add("object stream of 200,000 objects listed with wrong indexes", nil, invoice, func(t *testing.T) []byte {
		const n = 200_000
		var head, body bytes.Buffer
		for i := range n {
			fmt.Fprintf(&head, "%d %d ", 100+i, body.Len())
			body.WriteString("null ")
		}
		// The catalog lists no files: every object is read, to find them.
		p := fx(t).obj(1, "<< /Type /Catalog >>")
		p.stream(9, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %%d", n, head.Len()), deflate(t, append(head.Bytes(), body.Bytes()...)))
		// An xref stream: objects 1-3 and 9 direct, 100… in stream 9 at index 0.
		var xs bytes.Buffer
		for num := range 100 + n {
			switch {
			case num >= 1 && num <= 3 || num == 9:
				o := p.offs[num]
				xs.Write([]byte{1, byte(o >> 16), byte(o >> 8), byte(o), 0})
			case num >= 100:
				xs.Write([]byte{2, 0, 0, 9, 0})
			default:
				xs.Write([]byte{0, 0, 0, 0, 0})
			}
		}
		at := p.b.Len()
		p.stream(10, fmt.Sprintf("/Type /XRef /Size %d /W [1 3 1] /Root 1 0 R /Filter /FlateDecode /Length %%d", 100+n), deflate(t, xs.Bytes()))
		fmt.Fprintf(&p.b, "startxref\n%d\n%%%%EOF\n", at)
		return p.b.Bytes()
	})
	add("truncated inside the invoice stream", docparse.ErrPDFWithoutXML, nil, func(t *testing.T) []byte {
		data := fx(t).xref("/Root 1 0 R")
		return data[:bytes.Index(data, []byte("endstream"))-20]
	})
	add("truncated at every 41st byte", nil, func(t *testing.T, _ []*docparse.Document) {
		data := fx(t).xref("/Root 1 0 R")
		for n := len(pdfMagicTest); n < len(data); n += 41 {
			docs, err := docparse.ParseAll(data[:n], nil)
			var pe *docparse.ParseError
			if err == nil && (len(docs) != 1 || docs[0].Number != want.Number) || err != nil && (!errors.As(err, &pe) || docs != nil) {
				t.Fatalf("cut at %d: %d documents, error %v", n, len(docs), err)
			}
		}
	}, func(t *testing.T) []byte { return fx(t).xref("/Root 1 0 R") })
	add("compression bomb as the invoice", docparse.ErrTooLarge, nil, func(t *testing.T) []byte {
		return facturX(t, newPDF(), "factur-x.xml", make([]byte, 40<<20)).xref("/Root 1 0 R")
	})
	add("invoice with an unsupported filter", docparse.ErrInvalidDocument, nil, func(t *testing.T) []byte {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /AF [2 0 R] >>").obj(2, "<< /Type /Filespec /UF (factur-x.xml) /EF << /F 3 0 R >> >>")
		return p.stream(3, "/Type /EmbeddedFile /Filter /LZWDecode /Length %d", cii).xref("/Root 1 0 R")
	})
	add("password to open (standard handler, wrong empty-password check)", docparse.ErrPDFEncrypted, nil, func(t *testing.T) []byte {
		p := fx(t)
		p.obj(9, "<< /Filter /Standard /V 1 /R 2 /O <"+strings.Repeat("11", 32)+"> /U <"+strings.Repeat("22", 32)+"> /P -4 >>")
		return p.xref("/Root 1 0 R /Encrypt 9 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]")
	})
	add("encryption dictionary with a 28-byte /U", docparse.ErrPDFEncrypted, nil, func(t *testing.T) []byte {
		p := fx(t)
		p.obj(9, "<< /Filter /Standard /V 1 /R 2 /O <"+strings.Repeat("11", 32)+"> /U <"+strings.Repeat("22", 28)+"> /P -4 >>")
		return p.xref("/Root 1 0 R /Encrypt 9 0 R")
	})
	add("certificate security handler", docparse.ErrPDFEncrypted, nil, func(t *testing.T) []byte {
		return fx(t).obj(9, "<< /Filter /Adobe.PubSec /V 4 /R 4 >>").xref("/Root 1 0 R /Encrypt 9 0 R")
	})
	add("Order-X PDF", docparse.ErrOrder, nil, func(t *testing.T) []byte {
		return facturX(t, newPDF(), "order-x.xml", []byte(`<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:standard:SCRDMCCBDACIOMessageStructure:100"/>`)).xref("/Root 1 0 R")
	})
	add("junk before %PDF-", nil, invoice, func(t *testing.T) []byte {
		return append(bytes.Repeat([]byte{0xff, 0x00, 'j'}, 300), fx(t).xref("/Root 1 0 R")...)
	})
	add("XML that mentions %PDF- early stays XML", nil, func(t *testing.T, docs []*docparse.Document) {
		if len(docs) != 1 || docs[0].Number != "X-1" {
			t.Errorf("got %d documents, want X-1", len(docs))
		}
	}, func(*testing.T) []byte { return []byte(finvoice("X-1", "%PDF-1.7 Oy")) })
	add("embedded file without /Type, DecodeParms null, UTF-16 /UF", nil, invoice, func(t *testing.T) []byte {
		uf := "FEFF"
		for _, r := range "factur-x.xml" {
			uf += fmt.Sprintf("%04X", r)
		}
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(x) 2 0 R] >> >> >>")
		p.obj(2, "<< /Type /Filespec /F (a.xml) /UF <"+uf+"> /EF << /UF 3 0 R >> >>")
		return p.stream(3, "/Filter /FlateDecode /DecodeParms null /Length %d", deflate(t, cii)).xref("/Root 1 0 R")
	})
	// zlib ends with the Adler-32 checksum, whose last byte is the low byte
	// of one plus the sum of the data bytes: pad the XML until it is a CR.
	padded := bytes.Clone(cii)
	for adler32.Checksum(padded)&0xff != '\r' {
		padded = append(padded, '\n')
	}
	add("unknown /Length and flate data ending in CR", nil, func(t *testing.T, docs []*docparse.Document) {
		if len(docs) != 1 || docs[0].Number != want.Number || !bytes.Equal(docs[0].XML, padded) {
			t.Errorf("got %d documents, want the invoice %q with its XML intact", len(docs), want.Number)
		}
	}, func(t *testing.T) []byte {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /AF [2 0 R] >>").obj(2, "<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>")
		return p.stream(3, "/Type /EmbeddedFile /Filter /FlateDecode /Length 4 0 R", deflate(t, padded)).xref("/Root 1 0 R")
	})
	add("an unrelated invoice before factur-x.xml", nil, func(t *testing.T, docs []*docparse.Document) {
		invoice(t, docs)
		if a := docs[0].Attachments; len(a) != 2 || a[1].Filename != "old.xml" || a[1].ContentType != "text/xml" {
			t.Errorf("attachments %v, want the PDF and old.xml", a)
		}
	}, func(t *testing.T) []byte {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(old.xml) 4 0 R (factur-x.xml) 2 0 R] >> >> >>")
		p.obj(2, "<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>")
		p.stream(3, "/Type /EmbeddedFile /Length %d", cii)
		p.obj(4, "<< /Type /Filespec /F (old.xml) /EF << /F 5 0 R >> >>")
		return p.stream(5, "/Type /EmbeddedFile /Subtype /text#2Fxml /Length %d", []byte(finvoice("OLD-1", "Oy"))).xref("/Root 1 0 R")
	})

	var tried, handled int
	for _, c := range cases {
		tried++
		ok := t.Run(c.name, func(t *testing.T) {
			input := c.input(t)
			start := time.Now()
			docs, err := docparse.ParseAll(input, nil)
			if d := time.Since(start); d > pdfHostileTimeLimit {
				t.Fatalf("took %v, more than %v: the cost is not linear", d, pdfHostileTimeLimit)
			}
			if c.want != nil {
				var pe *docparse.ParseError
				switch {
				case err == nil:
					t.Fatalf("parsed %d documents, want %v", len(docs), c.want)
				case !errors.Is(err, c.want):
					t.Fatalf("error %v, want %v", err, c.want)
				case !errors.As(err, &pe) || pe.Code == "" || pe.Detail == "" || docs != nil:
					t.Fatalf("error %#v is not a complete *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAll: %v", err)
			}
			c.check(t, docs)
		})
		if ok {
			handled++
		}
	}
	fmt.Printf("HOSTILE area=pdf tried=%d handled=%d unexpected=%d\n", tried, handled, tried-handled)
}

var pdfMagicTest = []byte("%PDF-")
