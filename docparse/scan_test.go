package docparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scanDiff compares the scanner's tokens of data with encoding/xml's
// RawToken: every token the scanner gives before it gives up must be the
// token RawToken gives, with the same attributes, and where RawToken fails
// or ends the scanner must have given up or ended too. It returns "" when
// they agree, and reports in read whether the scanner read data to its
// end.
func scanDiff(data []byte) (diff string, read bool) {
	seg := &segment{data: data}
	sc := newScanner(data, seg.charsetReader())
	defer sc.release()
	x := seg.rawTokens()
	for i := 1; ; i++ {
		st, serr := sc.next()
		if serr == errFallback {
			return "", false
		}
		xt, xerr := x.next()
		switch {
		case serr == io.EOF && xerr == io.EOF:
			return "", true
		case serr != nil:
			return fmt.Sprintf("token %d: scanner error %v, RawToken %+v, %v", i, serr, xt, xerr), false
		case xerr != nil:
			return fmt.Sprintf("token %d: scanner %+v, RawToken error %v", i, st, xerr), false
		case st.kind != xt.kind || st.name != xt.name || !bytes.Equal(st.data, xt.data):
			return fmt.Sprintf("token %d: scanner %+v %q, RawToken %+v %q", i, st, st.data, xt, xt.data), false
		case st.kind == tokStart && !slices.Equal(sc.attrs(), x.attrs()):
			return fmt.Sprintf("token %d <%s>: scanner attributes %q, RawToken %q", i, st.name.Local, sc.attrs(), x.attrs()), false
		}
	}
}

// scanCase is an input at the edges of the scanner, and whether it reads
// all of it itself (else it gives up and encoding/xml reads it).
type scanCase struct {
	input string
	read  bool
}

func scanCases() []scanCase {
	return []scanCase{
		{`<a/>`, true},
		{"\n\t <a> </a> \r\n", true},
		{`<?xml version="1.0" encoding="UTF-8"?><a/>`, true},
		{`<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>`, true},
		{"<?xml\tversion=\"1.0\"\n?><a/>", true},
		{`<?xml?><a/>`, true},
		{`<?xml version="1.1"?><a/>`, false},
		{"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a b=\"\xa4\">\xe4\xbd</a>", true},
		{"<?xml version=\"1.0\" encoding=\"latin1\"?><a>\xe4</a>", true},
		{"<?xml version=\"1.0\" encoding=\"latin1\"?><a>" + strings.Repeat("\xe4", maxDecoded) + "</a>", false},
		{`<?xml version="1.0" encoding="ISO-8859-15"?><a><?xml version="1.0" encoding="ISO-8859-15"?></a>`, false},
		{`<?xml version="1.0" encoding="ISO-8859-15"?><a><?xml version="1.0" encoding="UTF-8"?></a>`, true},
		{`<?xml version="1.0" encoding="UTF-16"?><a/>`, false},
		{`<?xml version="1.0" encoding="no-such"?><a/>`, false},
		{`<?xml version = "1.0"?><a/>`, false},
		{`<?xml version="1.0"encoding="UTF-8"?><a/>`, false},
		{`<?xml encoding="UTF-8" encoding="latin1"?><a/>`, false},
		{`<?xml foo="bar"?><a/>`, false},
		{`<?xml version="1.0" encoding="x=UTF-8"?><a/>`, false},
		{`<a><?xml version="1.0" encoding="UTF-8"?></a>`, true},
		{`<a><?XML encoding="latin1"?></a>`, true},
		{`<?pi?><?pi ?><?pi x?y>z ?><a/>`, true},
		{`<?pi`, false},
		{`<? pi?><a/>`, false},
		{`<?1pi?><a/>`, false},
		{`<!-- c --><!----><a><!-- - --></a>`, true},
		{`<!-- a -- b --><a/>`, false},
		{`<!-- a --->`, false},
		{`<!-- a`, false},
		{`<!- a --><a/>`, false},
		{`<a><![CDATA[x & y < z ]] ]>]]></a>`, true},
		{"<a><![CDATA[\r\n\r]]></a>", true},
		{`<a><![CDATA[]]></a>`, true},
		{`<a><![CDATA[x</a>`, false},
		{`<a><![CDAT[x]]></a>`, false},
		{`<!DOCTYPE a><a/>`, true},
		{`<!DOCTYPE Finvoice SYSTEM "Finvoice.dtd">` + "\n<a><!x></a>", true},
		{`<!DOCTYPE a SYSTEM "a>b<c.dtd" 'd"e'><a/>`, true},
		{`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, false},
		{`<!DOCTYPE a [<!-- c -->]><a/>`, false},
		{`<!DOCTYPE a "b><a/>`, false},
		{`<!DOCTYPE a`, false},
		{`<!"a>"><a/>`, false},
		{`<!><a/>`, false},
		{`<!1><a/>`, false},
		{"<!DOCTYPE a \xff\x00><a/>", true},
		{`<a>x ]]> y</a>`, false},
		{`<a>x ]] > y ] ]></a>`, true},
		{`<a b="]]>"/>`, true},
		{`<a b="x<y"/>`, false},
		{`<a b="x>y" c='"' d="'"/>`, true},
		{`<a b = "1"c="2"	e='3' />`, true},
		{`<a b="1"c/>`, false},
		{`<a b/>`, false},
		{`<a b=1/>`, false},
		{`<a b="1`, false},
		{`<a`, false},
		{`<a/`, false},
		{`<a/ >`, false},
		{`<`, false},
		{`<a></a`, false},
		{`<a></a >`, true},
		{`<a></ a>`, false},
		{`<a></a b>`, false},
		{`<p:a xmlns:p="u"></p:a><q:b/>`, true},
		{`<p:a:b/>`, false},
		{`<:a/>`, false},
		{`<a:/>`, false},
		{`<a b:="1"/>`, false},
		{`<_a.b-c1 _:x="1"/>`, true},
		{`<1a/>`, false},
		{`<-a/>`, false},
		{`<ä/>`, false},
		{`<aä/>`, false},
		{`<a bä="1"/>`, false},
		{`<a>&amp;&lt;&gt;&apos;&quot;</a>`, true},
		{`<a b="&amp;&lt;&gt;&apos;&quot;"/>`, true},
		{`<a>&#65;&#x41;&#x10FFFF;&#xFFFD;&#9;&#10;&#13;&#0000065;</a>`, true},
		{`<a b="&#13;&#10;&#9;"/>`, true},
		{`<a>&#0;</a>`, false},
		{`<a>&#xD800;</a>`, false},
		{`<a>&#xFFFE;</a>`, false},
		{`<a>&#x110000;</a>`, false},
		{`<a>&#00000065;</a>`, false},
		{`<a>&#X41;</a>`, false},
		{`<a>&#x;</a>`, false},
		{`<a>&#;</a>`, false},
		{`<a>&#65</a>`, false},
		{`<a>&#1a;</a>`, false},
		{`<a>&nbsp;</a>`, false},
		{`<a>&amp</a>`, false},
		{`<a>&</a>`, false},
		{`<a>&AMP;</a>`, false},
		{`<a b="&x;"/>`, false},
		{"<a b=\"x\r\ny\rz\n\"/>", true},
		{"<a>x\r\ny\r\rz\r</a>", true},
		{"<a>\r&amp;\n</a>", true},
		{"<a>\x00</a>", false},
		{"<a>\x1f</a>", false},
		{"<a b=\"\x01\"/>", false},
		{"<a>\x7f</a>", true},
		{"<a>\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd</a>", true},
		{"<a>\xc3</a>", false},
		{"<a>\xc3&amp;</a>", false},
		{"<a>\xed\xa0\x80</a>", false},
		{"<a>\xef\xbf\xbe</a>", false},
		{"<a b=\"\xff\"/>", false},
		{"<a><![CDATA[\xff]]></a>", false},
		{"<a><![CDATA[\x00]]></a>", false},
		{"<a><!-- \xff \x00 --></a>", true},
		{"<a>x</a>tail", true},
		{"<a>x", true},
	}
}

// TestScan checks that the scanner gives encoding/xml's tokens, and
// which inputs it reads itself.
func TestScan(t *testing.T) {
	for _, c := range scanCases() {
		diff, read := scanDiff([]byte(c.input))
		if diff != "" {
			t.Errorf("%q: %s", shorten(c.input), diff)
		}
		if read != c.read {
			t.Errorf("%q: the scanner read it all: %v, want %v", shorten(c.input), read, c.read)
		}
	}
}

// TestScanFiles checks the scanner against encoding/xml on the test
// documents and, with JAKELU_CORPUS set, on every XML file of the corpus,
// and that it reads the benchmark documents itself.
func TestScanFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("JAKELU_CORPUS"); dir != "" {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".xml") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	read := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		segs, err := segments(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: %v", f, err)
			}
			continue
		}
		for _, s := range segs {
			diff, all := scanDiff(s.data)
			if diff != "" {
				t.Errorf("%s: %s", f, diff)
			}
			read[f] = all
		}
	}
	for _, f := range []string{"ubl-peppol.xml", "cii.xml", "finvoice.xml"} {
		if !read[filepath.Join("testdata", f)] {
			t.Errorf("the scanner gave %s up to encoding/xml", f)
		}
	}
}

// FuzzScan checks that the scanner gives encoding/xml's tokens for any
// input.
func FuzzScan(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range scanCases() {
		if len(c.input) < 1<<10 {
			f.Add([]byte(c.input))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if diff, _ := scanDiff(data); diff != "" {
			t.Fatal(diff)
		}
	})
}
