package csvimport_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/gocarina/gocsv"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
	"github.com/jakelu/jakelu/registry"
)

// outcome is what reading a file gave; see importtest.Outcome.
type outcome = importtest.Outcome

// read reads input with the CSV decoder (a default one if dec is nil).
func read(t *testing.T, input []byte, opts *importer.Options, dec *csvimport.Decoder) outcome {
	t.Helper()
	if dec == nil {
		dec = csvimport.NewDecoder(nil)
	}
	return importtest.ReadOutcome(t, input, []importer.Decoder{dec}, opts)
}

// hostileCase is one input of HOSTILE.md §2.2 (CSV) or §2.4 (addresses)
// and what the importer must make of it: either entries or problems.
type hostileCase struct {
	name     string
	input    string
	opts     *importer.Options
	entries  []string
	problems []string
}

func utf16LE(s string) string {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

func windows1252(s string) string {
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

var hostileCSV = []hostileCase{
	// HOSTILE.md §2.2, CSV.
	{name: "UTF-8 BOM before the header", input: "\ufeffAsiakasnumero;Sähköposti\n1;a@x.fi\n", entries: []string{"1=a@x.fi|"}},
	{name: "; delimiter (Excel in fi/sv locales)", input: "00123;a@x.fi b@x.fi\n00124;c@x.fi\n", entries: []string{"00123=a@x.fi b@x.fi|", "00124=c@x.fi|"}},
	{name: "tab delimiter", input: "1\ta@x.fi\n2\tb@x.fi\n", entries: []string{"1=a@x.fi|", "2=b@x.fi|"}},
	{name: "CRLF line ends", input: "1,a@x.fi\r\n2,b@x.fi\r\n", entries: []string{"1=a@x.fi|", "2=b@x.fi|"}},
	{name: "no header row: data starts on row 1", input: "1,a@x.fi\n", entries: []string{"1=a@x.fi|"}},
	{name: "header Email in another case", input: "CUSTOMER NUMBER,Email\n1,a@x.fi\n", entries: []string{"1=a@x.fi|"}},
	{name: "localized header Sähköposti", input: "Asiakasnumero;Sähköposti;Kopio (CC)\n1;a@x.fi;b@x.fi\n", entries: []string{"1=a@x.fi|b@x.fi"}},
	{name: "duplicate header email,email", input: "email,email\n1,a@x.fi\n", problems: []string{"1:A:wrong-header"}},
	{name: "quoted comma between addresses", input: "1,\"a@b.fi, c@d.fi\"\n", problems: []string{"1:B:comma-between-addresses"}},
	{name: "quoted semicolon between addresses", input: "1,\"a@b.fi; c@d.fi\"\n", problems: []string{"1:B:semicolon-between-addresses"}},
	{name: "comma between addresses in a ; file", input: "1;a@b.fi, c@d.fi\n", problems: []string{"1:B:comma-between-addresses"}},
	{name: "quoted field with an embedded newline", input: "1,\"a@b.fi\nBcc: x@y.fi\"\n2,c@d.fi\n", problems: []string{"1:B:control-character"}},
	{name: "a multi-line cell is one row, as in Excel", input: "1,\"a@b.fi\nb@c.fi\"\n\n2,bad\n", problems: []string{"1:B:control-character", "3:B:invalid-address:missing-at"}},
	{name: "trailing spaces and no-break spaces trimmed", input: "\" 001 \",\"a@b.fi \u00a0\"\n", entries: []string{"001=a@b.fi|"}},
	{name: "empty lines and a row of only commas are skipped", input: "1,a@x.fi\n\n,,\n\n2,b@x.fi\n", entries: []string{"1=a@x.fi|", "2=b@x.fi|"}},
	{name: "partially empty rows", input: "1,\n,a@x.fi\n", problems: []string{"1:B:missing-address", "2:A:empty-customer-number"}},
	{name: "duplicate customer numbers name both rows", input: "1,a@x.fi\n2,b@x.fi\n1,c@x.fi\n", problems: []string{"3:A:duplicate-customer-number"}},
	{name: "short row", input: "1,a@x.fi\n2\n", problems: []string{"2:B:missing-address"}},
	{name: "ragged long row", input: "1,a@x.fi\n2,b@x.fi,c@x.fi,scan,fi,f@x.fi\n", problems: []string{"2:F:too-many-columns"}},
	{name: "bare quote", input: "1,a@x.fi\n2,b\"@x.fi\n", problems: []string{"2::malformed-csv"}},
	{name: "unterminated quote", input: "1,a@x.fi\n2,\"b@x.fi\n3,c@x.fi\n", problems: []string{"2::malformed-csv"}},
	{name: "NUL byte in a value", input: "1,a@x.fi\n2\x00,b@x.fi\n", problems: []string{"2:A:control-character"}},
	{name: "customer numbers stay strings: 00123 is not 83", input: "00123,a@x.fi\n0x1F,b@x.fi\n", entries: []string{"00123=a@x.fi|", "0x1F=b@x.fi|"}},
	{name: "scientific notation from Excel", input: "1.23457E+10,a@x.fi\n", problems: []string{"1:A:scientific-notation"}},
	{name: "Windows-1252 bytes", input: windows1252("Äijälä;jörg@x.fi\n"), entries: []string{"Äijälä=jörg@x.fi|"}},
	{name: "UTF-16 Unicode text export", input: utf16LE("Asiakasnumero\tSähköposti\r\nÄijälä\ta@x.fi\r\n"), entries: []string{"Äijälä=a@x.fi|"}},
	{name: "UTF-16 big endian", input: "\xfe\xff\x001\x00,\x00a\x00@\x00x\x00.\x00f\x00i", entries: []string{"1=a@x.fi|"}},
	{name: "too many rows", input: "1,a@x.fi\n2,b@x.fi\n3,c@x.fi\n", opts: &importer.Options{MaxRows: 2}, problems: []string{"3::too-many-rows"}},
	{name: "one huge field over the size cap", input: "1," + strings.Repeat("a", 1<<16) + "@x.fi\n", opts: &importer.Options{MaxFileSize: 1 << 15}, problems: []string{"0::file-too-large"}},
	{name: "a long field under the size cap", input: "1," + strings.Repeat("a", 1<<15) + "@x.fi\n", problems: []string{"1:B:value-too-long"}},
	{name: "a megabyte value is cut and refused", input: "1," + strings.Repeat("a", 1<<20) + "\n2,b@x.fi\n", problems: []string{"1:B:value-too-long"}},
	{name: "a megabyte customer number", input: "1,a@x.fi\n" + strings.Repeat("7", 1<<20) + ",b@x.fi\n", problems: []string{"2:A:value-too-long"}},
	{name: "a megabyte quoted cell over many lines is one row", input: "1,\"" + strings.Repeat("a\"\"\r\n", 1<<18) + "\"\n\n2,bad\n", problems: []string{"1:B:value-too-long", "3:B:invalid-address:missing-at"}},
	{name: "a megabyte of spaces after a value is read as the value", input: "1,a@x.fi\n2" + strings.Repeat(" ", 1<<20) + ",b@x.fi\n", entries: []string{"1=a@x.fi|", "2=b@x.fi|"}},
	{name: "a megabyte cell past column E", input: "1,a@x.fi,,,," + strings.Repeat("f", 1<<20) + "\n", problems: []string{"1:F:too-many-columns"}},
	{name: "a megabyte language", input: "1,a@x.fi,,," + strings.Repeat("e", 1<<20) + "\n", problems: []string{"1:E:invalid-language"}},
	{name: "a megabyte delivery profile", input: "1,a@x.fi,," + strings.Repeat("d", 1<<20) + "\n", problems: []string{"1:D:invalid-profile"}},
	{name: "a bare quote after a megabyte", input: "1,a@x.fi\n2," + strings.Repeat("b", 1<<20) + "\"\n", problems: []string{"2::malformed-csv"}},
	{name: "empty cells past column XFD are dropped", input: "1,a@x.fi" + strings.Repeat(",", 1<<20) + "\n", entries: []string{"1=a@x.fi|"}},
	{name: "a value past column XFD", input: "1,a@x.fi" + strings.Repeat(",", 1<<15) + "x\n", problems: []string{"1:AVLJ:too-many-columns"}},
	{name: "problems in every row are all listed", input: "1,x\n2,y\n3,z\n", problems: []string{"1:B:invalid-address:missing-at", "2:B:invalid-address:missing-at", "3:B:invalid-address:missing-at"}},

	// HOSTILE.md §2.4, addresses in an import file.
	{name: "a@b and user@localhost", input: "1,a@b user@localhost\n", problems: []string{"1:B:invalid-address:domain-without-dot", "1:B:invalid-address:domain-without-dot"}},
	{name: "a@-b.fi and a@b_c.fi", input: "1,a@-b.fi a@b_c.fi\n", problems: []string{"1:B:invalid-address:invalid-domain", "1:B:invalid-address:invalid-domain"}},
	{name: "dots in the wrong places", input: "1,a..b@c.fi .a@c.fi a.@c.fi a@b.fi. a@b..fi\n", problems: []string{
		"1:B:invalid-address:invalid-local-part", "1:B:invalid-address:invalid-local-part", "1:B:invalid-address:invalid-local-part",
		"1:B:invalid-address:invalid-domain", "1:B:invalid-address:invalid-domain"}},
	{name: "quoted local part", input: "1,\"\"\"a@b\"\"@c.fi\"\n", problems: []string{"1:B:invalid-address:quoted-local-part"}},
	{name: "quoted local part with a space", input: "1,\"\"\"john doe\"\"@b.fi\"\n", problems: []string{"1:B:invalid-address:missing-at", "1:B:invalid-address:invalid-local-part"}},
	{name: "non-ASCII local part is kept (SMTPUTF8 is the transport's concern)", input: "1,jörg@b.fi\n", entries: []string{"1=jörg@b.fi|"}},
	{name: "internationalised domain", input: "1,info@ÄÄKKÖSET.fi\n", entries: []string{"1=info@ääkköset.fi|"}},
	{name: "address literals", input: "1,a@[127.0.0.1] a@[IPv6:::1]\n", problems: []string{"1:B:invalid-address:address-literal", "1:B:invalid-address:address-literal"}},
	{name: "Outlook paste with a comma in the name", input: "1;Meikäläinen, Matti <m@b.fi>\n", entries: []string{"1=m@b.fi|"}},
	{name: "comment after the address", input: "1,matti@b.fi (Matti M)\n", problems: []string{"1:B:invalid-address:missing-at", "1:B:invalid-address:missing-at"}},
	{name: "semicolon list", input: "1,\"a@b.fi; c@d.fi\"\n", problems: []string{"1:B:semicolon-between-addresses"}},
	{name: "trailing no-break space is trimmed", input: "1,a@b.fi\u00a0\n", entries: []string{"1=a@b.fi|"}},
	{name: "zero-width space inside", input: "1,a\u200b@b.fi\n", problems: []string{"1:B:control-character"}},
	{name: "header injection", input: "1,\"a@b.fi\r\nBcc: x@y.fi\"\n", problems: []string{"1:B:control-character"}},
	{name: "70-character local part", input: "1," + strings.Repeat("l", 70) + "@b.fi\n", problems: []string{"1:B:invalid-address:local-part-too-long"}},
	{name: "255-character domain", input: "1,a@" + strings.Repeat("d", 251) + ".fi\n", problems: []string{"1:B:invalid-address:too-long"}},
	{name: "323-character address", input: "1," + strings.Repeat("l", 60) + "@" + strings.Repeat(strings.Repeat("d", 60)+".", 4) + "fi\n", problems: []string{"1:B:invalid-address:too-long"}},
	{name: "mailto: is stripped (the address function is kind there)", input: "1,mailto:a@b.fi\n", entries: []string{"1=a@b.fi|"}},
	{name: "empty, @b.fi and a@", input: "1,@b.fi a@\n2,\"\"\n", problems: []string{"1:B:invalid-address:empty-local-part", "1:B:invalid-address:empty-domain", "2:B:missing-address"}},
	{name: "200 KB pathological address", input: "1,a@[" + strings.Repeat("1.", 100_000) + "]\n", problems: []string{"1:B:value-too-long"}},
}

// TestHostileCSV runs the CSV rows of HOSTILE.md §2.2 and the address rows
// of §2.4 and prints a summary line (visible with -v).
func TestHostileCSV(t *testing.T) {
	tried, handled := 0, 0
	for _, tc := range hostileCSV {
		tried++
		ok := t.Run(tc.name, func(t *testing.T) {
			got := read(t, []byte(tc.input), tc.opts, nil)
			want := outcome{Entries: tc.entries, Problems: tc.problems}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
		if ok {
			handled++
		}
	}
	fmt.Printf("HOSTILE area=csv tried=%d handled=%d unexpected=%d\n", tried, handled, tried-handled)
}

// endless is a reader that never ends, like a 2 GB upload.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "1,a@x.fi\n"[(e.n+int64(i))%9]
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestRead_neverReadsPastTheLimit(t *testing.T) {
	r := &endless{}
	const limit = 1 << 20
	_, err := importer.Read(r, []importer.Decoder{csvimport.NewDecoder(nil)}, &importer.Options{MaxFileSize: limit})
	var ie *importer.ImportError
	if !errors.As(err, &ie) || ie.Problems[0].Code != importer.CodeFileTooLarge {
		t.Fatalf("err = %v, want file-too-large", err)
	}
	if r.n > limit+64<<10 {
		t.Errorf("read %d bytes from the reader, limit %d", r.n, limit)
	}
}

func TestDecoder_comma(t *testing.T) {
	tests := []struct {
		name  string
		comma rune
		input string
		want  outcome
	}{
		{"detected from a header-less file with commas in cells", 0, "1;a@x.fi, b@y.fi\n2;c@x.fi\n", outcome{Problems: []string{"1:B:comma-between-addresses"}}},
		{"detected: semicolons inside cells of a comma file", 0, "1,\"a@x.fi;b@y.fi\"\n2,c@x.fi\n", outcome{Problems: []string{"1:B:semicolon-between-addresses"}}},
		{"configured delimiter wins", ';', "1,2;a@x.fi\n", outcome{Entries: []string{"1,2=a@x.fi|"}}},
		{"detection falls back to comma", 0, "x\n", outcome{Problems: []string{"1:B:missing-address"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := read(t, []byte(tt.input), nil, csvimport.NewDecoder(&csvimport.Options{Comma: tt.comma}))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	_, err := importer.Read(strings.NewReader("1,a@x.fi\n"), []importer.Decoder{csvimport.NewDecoder(&csvimport.Options{Comma: '"'})}, nil)
	if err == nil || errors.Is(err, importer.ErrInvalidFile) {
		t.Errorf("an invalid delimiter gave %v, want encoding/csv's error", err)
	}
}

func TestDecoder_stopsWhenYieldFails(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := csvimport.NewDecoder(nil).Decode(strings.NewReader("1,a\n2,b\n3,c\n"), func(r *importer.Row) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Decode = %v after %d rows, want stop after 1", err, n)
	}
	reset := errors.New("connection reset")
	failing := io.MultiReader(strings.NewReader("1,a@x.fi\n"), iotest.ErrReader(reset))
	if _, err := importer.Read(failing, []importer.Decoder{csvimport.NewDecoder(nil)}, nil); !errors.Is(err, reset) {
		t.Errorf("a failing reader gave %v, want its error", err)
	}
}

// watchedReader serves a file, panicking at its end if panicAtEnd is set,
// and fails the test if it is read after closed is set.
type watchedReader struct {
	t          *testing.T
	r          io.Reader
	panicAtEnd bool
	closed     atomic.Bool
}

func (w *watchedReader) Read(p []byte) (int, error) {
	if w.closed.Load() {
		w.t.Error("the file was read after Decode returned")
	}
	n, err := w.r.Read(p)
	if err == io.EOF && w.panicAtEnd {
		panic("reader broke")
	}
	return n, err
}

// TestDecoder_readingGoroutine checks that Decode, which reads the file on
// a goroutine of its own, never reads it after returning, also when it
// stops early, and that a panic while reading reaches Decode's caller.
func TestDecoder_readingGoroutine(t *testing.T) {
	var file strings.Builder
	for i := range 50_000 { // several groups and blocks
		fmt.Fprintf(&file, "%d,a%d@x.fi\n", i, i)
	}
	for _, stopAfter := range []int{1, 5000, 0} {
		w := &watchedReader{t: t, r: strings.NewReader(file.String())}
		n := 0
		err := csvimport.NewDecoder(nil).Decode(w, func(*importer.Row) error {
			if n++; n == stopAfter {
				return errStopped
			}
			return nil
		})
		w.closed.Store(true)
		if stopAfter == 0 && (err != nil || n != 50_000) || stopAfter > 0 && (err != errStopped || n != stopAfter) {
			t.Errorf("stop after %d: Decode = %v after %d rows", stopAfter, err, n)
		}
	}
	w := &watchedReader{t: t, r: strings.NewReader(file.String()), panicAtEnd: true}
	defer func() {
		w.closed.Store(true)
		if p := recover(); p != "reader broke" {
			t.Errorf("recovered %v, want the reader's panic", p)
		}
	}()
	csvimport.NewDecoder(nil).Decode(w, func(*importer.Row) error { return nil })
	t.Error("Decode returned, want the reader's panic")
}

var errStopped = errors.New("stopped")

// TestGocsvSettingsChangeNothing changes every package-level setting of
// gocsv, as other code in a host app may, and checks that reading and
// writing give exactly what they give with the defaults.
func TestGocsvSettingsChangeNothing(t *testing.T) {
	valid := []byte("Asiakasnumero;Sähköposti;CC\n00123;a@x.fi b@x.fi;c@x.fi\n'0042;d@x.fi\n")
	invalid := []byte("Asiakasnumero;Sähköposti;CC\n00123;a@x.fi b@x.fi;c@x.fi\n1.23E+10;d@x.fi\n00124;e@x.fi;;x\n")
	run := func() ([]outcome, string) {
		var out bytes.Buffer
		if err := csvimport.WriteTemplate(&out, "fi"); err != nil {
			t.Fatal(err)
		}
		reg := registry.NewMemory(nil)
		if err := reg.Put(t.Context(), registry.Entry{CustomerNumber: "=1", To: []string{"a@x.fi"}}); err != nil {
			t.Fatal(err)
		}
		if err := csvimport.Export(t.Context(), &out, reg, "sv"); err != nil {
			t.Fatal(err)
		}
		return []outcome{read(t, valid, nil, nil), read(t, invalid, nil, nil)}, out.String()
	}
	wantRead, wantWritten := run()

	tagName, tagSeparator := gocsv.TagName, gocsv.TagSeparator
	unmatched, double, align := gocsv.FailIfUnmatchedStructTags, gocsv.FailIfDoubleHeaderNames, gocsv.ShouldAlignDuplicateHeadersWithStructFieldOrder
	t.Cleanup(func() {
		gocsv.TagName, gocsv.TagSeparator = tagName, tagSeparator
		gocsv.FailIfUnmatchedStructTags, gocsv.FailIfDoubleHeaderNames, gocsv.ShouldAlignDuplicateHeadersWithStructFieldOrder = unmatched, double, align
		gocsv.SetHeaderNormalizer(gocsv.DefaultNameNormalizer())
		gocsv.SetCSVReader(gocsv.DefaultCSVReader)
		gocsv.SetCSVWriter(gocsv.DefaultCSVWriter)
	})
	gocsv.TagName, gocsv.TagSeparator = "json", "|"
	gocsv.FailIfUnmatchedStructTags, gocsv.FailIfDoubleHeaderNames, gocsv.ShouldAlignDuplicateHeadersWithStructFieldOrder = true, true, true
	gocsv.SetHeaderNormalizer(strings.ToUpper)
	gocsv.SetCSVReader(func(io.Reader) gocsv.CSVReader { panic("gocsv's reader setting was used") })
	gocsv.SetCSVWriter(func(io.Writer) *gocsv.SafeCSVWriter { panic("gocsv's writer setting was used") })

	gotRead, gotWritten := run()
	if !reflect.DeepEqual(gotRead, wantRead) || gotWritten != wantWritten {
		t.Errorf("with gocsv's settings changed:\nread %+v\nwrote %q\nwant %+v\nand %q", gotRead, gotWritten, wantRead, wantWritten)
	}
}
