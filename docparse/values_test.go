package docparse

import (
	"errors"
	"slices"
	"testing"
)

func TestCollapse(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"abc":              "abc",
		" abc ":            "abc",
		"a  b\n\tc":        "a b c",
		"a b c":            "a b c",
		"\u00a0a\u00a0 b ": "a b",
		"\n   12345 6\n":   "12345 6",
	} {
		if got := collapse(in); got != want {
			t.Errorf("collapse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsoDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2026-03-02", "2026-03-02", true},
		{"2017-11-13+01:00", "2017-11-13", true},
		{"2017-11-13Z", "2017-11-13", true},
		{"2017-11-13T10:00:00", "2017-11-13", true},
		{"20260305", "2026-03-05", true},
		{"2026-02-30", "", false},
		{"20261301", "", false},
		{"2026-03-021", "", false},
		{"202603", "", false},
		{"yesterday", "", false},
	}
	for _, tc := range tests {
		if got, ok := isoDate(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("isoDate(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in   string
		sep  byte
		want string
		ok   bool
	}{
		{"124.00", '.', "124.00", true},
		{"+124.00", '.', "124.00", true},
		{"-125.50", '.', "-125.50", true},
		{"10686.2", '.', "10686.2", true},
		{"0", '.', "0", true},
		{"124,00", ',', "124.00", true},
		{"-125,50", ',', "-125.50", true},
		{"1 004,00", ',', "", false},
		{"1.004,00", ',', "", false},
		{"12.", '.', "", false},
		{".5", '.', "", false},
		{"-", '.', "", false},
		{"1e3", '.', "", false},
	}
	for _, tc := range tests {
		if got, ok := decimal(tc.in, tc.sep); got != tc.want || ok != tc.ok {
			t.Errorf("decimal(%q, %q) = %q, %v; want %q, %v", tc.in, tc.sep, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for in, want := range map[string]string{
		"SGVsbG8=":             "Hello",
		"\n  SGVs\r\n bG8=\n ": "Hello",
		"SGVsbG8":              "Hello",
		"SG Vs\tbG8=":          "Hello",
	} {
		got, err := decodeBase64(in)
		if err != nil || string(got) != want {
			t.Errorf("decodeBase64(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := decodeBase64("not base64!"); err == nil {
		t.Error("invalid base64 accepted")
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		declared string
		data     string
		want     string
		mismatch bool
	}{
		{"application/pdf", "%PDF-1.7", "application/pdf", false},
		{"", "%PDF-1.7", "application/pdf", false},
		{"text/csv", "%PDF-1.7", "application/pdf", true},
		{"application/pdf", "plain text", "application/octet-stream", true},
		{"image/jpeg", "<html>", "application/octet-stream", true},
		{"image/jpeg", "\xff\xd8\xff\xe0", "image/jpeg", false},
		{"text/csv", "a;b", "text/csv", false},
		{"Text/CSV; charset=utf-8", "a;b", "text/csv", false},
		{"", "data", "application/octet-stream", false},
		{"not a type", "data", "application/octet-stream", true},
	}
	for _, tc := range tests {
		got, mismatch := contentType(tc.declared, []byte(tc.data))
		if got != tc.want || mismatch != tc.mismatch {
			t.Errorf("contentType(%q, %q) = %q, %v; want %q, %v", tc.declared, tc.data, got, mismatch, tc.want, tc.mismatch)
		}
	}
}

func TestMisdecoded(t *testing.T) {
	for s, want := range map[string]bool{
		"Äijälän Sähkö Oy":  false,
		"Ääkkönen € Oy":     false,
		"Ã„ijÃ¤lÃ¤n":        true, // UTF-8 read as ISO-8859-1
		"Tilattu mï¿½ï¿½r":  true, // U+FFFD's UTF-8 read as ISO-8859-1
		"bad \ufffd":        true,
		"c1 \u0085 control": true,
		"Ãx plain":          false,
	} {
		if got := misdecoded(s); got != want {
			t.Errorf("misdecoded(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDeclarations(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []int
	}{
		{"one document", `<?xml version="1.0"?><a/>`, nil},
		{"leading white space", "\n <?xml version=\"1.0\"?><a/>", nil},
		{"frame then document", `<e/><?xml version="1.0"?><f/>`, []int{4}},
		{"stylesheet is no declaration", `<e/><?xml-stylesheet href="x"?><f/>`, nil},
		{"inside a comment", `<a><!-- <?xml version="1.0"?> --></a>`, nil},
		{"inside CDATA", `<a><![CDATA[<?xml version="1.0"?>]]></a>`, nil},
		{"two", `<?xml version="1.0"?><e/><?xml version="1.0"?><f/><e/><?xml version="1.0"?><f/>`, []int{25, 54}},
		{"unterminated comment", `<e/><!-- <?xml version="1.0"?>`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := declarations([]byte(tc.in)); !slices.Equal(got, tc.want) {
				t.Errorf("declarations = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSegments_Lines(t *testing.T) {
	segs, err := segments([]byte("<e>\n</e>\n<?xml version=\"1.0\"?>\n<f>\n\x00</f>"))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 2 || segs[1].line != 2 {
		t.Fatalf("segments %+v", segs)
	}
	_, err = segs[1].parse((*Options)(nil).resolve())
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 5 {
		t.Errorf("error %v, want one on line 5 of the input", err)
	}
}

// TestIDKinds checks that IDKinds gives a fresh slice each time (a caller
// cannot change the list for everyone) and that Known agrees with it.
func TestIDKinds(t *testing.T) {
	kinds := IDKinds()
	kinds[0] = "changed"
	if got := IDKinds()[0]; got != KindCustomerNumber {
		t.Fatalf("IDKinds()[0] = %q after a caller changed its copy", got)
	}
	for _, k := range IDKinds() {
		if !k.Known() {
			t.Errorf("%q.Known() = false", k)
		}
	}
	for _, k := range []IDKind{"", "vat", "changed", "Customer-Number"} {
		if k.Known() {
			t.Errorf("%q.Known() = true", k)
		}
	}
}
