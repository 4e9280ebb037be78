package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/internal/importtest"
)

// maxCell is what is kept of a field in columns A to C.
const maxCell = importer.MaxCellSize

// record is a record or error as both readers give it, with the lines it
// starts and ends on.
type record struct {
	fields     []string
	start, end int
	err        error // csv.ErrBareQuote, csv.ErrQuote, or nil
}

// stdRecords reads text with encoding/csv as Decode used to, the lines
// computed as it did.
func stdRecords(text string, comma rune) []record {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma, cr.FieldsPerRecord = comma, -1
	var out []record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return append(out, record{start: pe.StartLine, err: pe.Err})
		}
		start, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(rec) - 1)
		out = append(out, record{fields: rec, start: start, end: last + strings.Count(rec[len(rec)-1], "\n")})
	}
}

// ourRecords reads text with a fieldReader whose buffer holds bufSize
// bytes, from a reader that gives one byte at a time if oneByte.
func ourRecords(t *testing.T, text string, comma rune, bufSize int, oneByte bool) []record {
	var r io.Reader = strings.NewReader(text)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	f, err := newFieldReader(r, comma)
	if err != nil {
		t.Fatal(err)
	}
	f.buf = make([]byte, bufSize)
	var out []record
	for {
		rec, cut, err := f.Read()
		if err == io.EOF {
			return out
		}
		var pe *parseError
		if errors.As(err, &pe) {
			return append(out, record{start: pe.start, err: pe.err})
		}
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(cut, true) {
			t.Fatalf("a field of %q was cut", text)
		}
		out = append(out, record{fields: slices.Clone(rec), start: f.start, end: f.endLine})
	}
}

// checkSameRecords checks that fieldReader reads text as encoding/csv does,
// with buffers of several sizes, so that every boundary falls everywhere.
func checkSameRecords(t *testing.T, text string, comma rune) {
	t.Helper()
	want := stdRecords(text, comma)
	for _, size := range []int{16, 17, 64, readBufferSize} {
		for _, oneByte := range []bool{false, true} {
			if got := ourRecords(t, text, comma, size, oneByte); !slices.EqualFunc(got, want, func(a, b record) bool {
				return slices.Equal(a.fields, b.fields) && a.start == b.start && a.end == b.end && a.err == b.err
			}) {
				t.Fatalf("%q with %q, buffer %d, one byte at a time %v:\ngot  %+v\nwant %+v", text, comma, size, oneByte, got, want)
			}
		}
	}
}

func TestFieldReader_likeEncodingCSV(t *testing.T) {
	tests := []struct {
		text  string
		comma rune
	}{
		{"", ','},
		{"\n\n\r\n", ','},
		{"a,b,c\n1,2,3\n", ','},
		{"a,b,c", ','},
		{"a,b,\n,\n", ','},
		{"a;b\r\nc;d\r\n", ';'},
		{"a\tb\r\n\r\n\r\nc\td\r", '\t'},
		{"a,b\r", ','},
		{"a,b\r\r", ','},
		{"a\rb,c\n", ','},
		{"\"a\",\"b\"\"c\",\"d\ne\"\n\"f\"\n", ','},
		{"\"a\r\nb\",c\r\n\r\nd,e\r\n", ','},
		{"1,\"a@b.fi\nBcc: x@y.fi\"\n2,c@d.fi\n", ','},
		{"\"\",\"\"\n\"\"", ','},
		{"a,\"b\n", ','},
		{"a,b\"c\n", ','},
		{"a,\"b\"c\n", ','},
		{"a,\"b\" \n", ','},
		{"a,\"b\"\r\n", ','},
		{"a,\"b\"", ','},
		{"\"a\n\n\nb\",c\n\n\nd\n", ','},
		{"x§y§\"z§\"§w\n§\n", '§'},
		{"x😀y😀\"z😀\"\n😀😀\n", '😀'},
		{"ä,ö\nå,\"é\"\n", ','},
	}
	for _, tt := range tests {
		checkSameRecords(t, tt.text, tt.comma)
	}
}

// FuzzFieldReader checks that fieldReader reads any text as encoding/csv
// does (for text without fields long enough to be cut).
func FuzzFieldReader(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\"\"b\",c\r\n\r\nd", "a;\"b\nc\";d\r", "x\ty\"\n", "\"a\"b\n"} {
		f.Add(s, uint8(0))
	}
	commas := []rune{',', ';', '\t', '§', '😀'}
	f.Fuzz(func(t *testing.T, text string, c uint8) {
		checkSameRecords(t, text, commas[int(c)%len(commas)])
	})
}

func TestFieldReader_invalidComma(t *testing.T) {
	for _, c := range []rune{0, '"', '\r', '\n', -1, 0xfffd, 0x110000} {
		if _, err := newFieldReader(strings.NewReader("a"), c); !errors.Is(err, errInvalidComma) {
			t.Errorf("comma %q: %v, want errInvalidComma", c, err)
		}
	}
}

// TestFieldReader_cut checks what is kept of fields over their limits, and
// that the records around them are found as encoding/csv finds them.
func TestFieldReader_cut(t *testing.T) {
	long := strings.Repeat("a", 3*readBufferSize)
	spaces := strings.Repeat(" ", 3*readBufferSize)
	tests := []struct {
		name   string
		text   string
		fields []int  // the kept length of each field of the first record
		cut    []bool // which were cut
		next   string // the first field of the second record
	}{
		{"unquoted", "1," + long + ",c\nnext\n", []int{1, maxCell, 1}, []bool{false, true, false}, "next"},
		{"quoted with line breaks and quotes", "1,\"" + strings.ReplaceAll(long, "aaaa", "a\"\"\n") + "\"\nnext\n", []int{1, maxCell}, []bool{false, true}, "next"},
		{"only spaces past the limit are not a cut", "1,x" + spaces + "\nnext", []int{1, maxCell}, []bool{false, false}, "next"},
		{"quoted spaces past the limit", "\"x" + spaces + "\",b\r\nnext", []int{maxCell, 1}, []bool{false, false}, "next"},
		{"past column C", "1,2,3," + long + "\nnext\n", []int{1, 1, 1, maxExtraField}, []bool{false, false, false, true}, "next"},
		{"a character across the limit", "1," + strings.Repeat("a", maxCell-1) + "ä" + "\nnext\n", []int{1, maxCell - 1}, []bool{false, true}, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newFieldReader(iotest.HalfReader(strings.NewReader(tt.text)), ',')
			if err != nil {
				t.Fatal(err)
			}
			rec, cut, err := f.Read()
			if err != nil {
				t.Fatal(err)
			}
			var lens []int
			for _, s := range rec {
				lens = append(lens, len(s))
			}
			if !slices.Equal(lens, tt.fields) || !slices.Equal(cut, tt.cut) {
				t.Errorf("fields of %v bytes, cut %v; want %v, %v", lens, cut, tt.fields, tt.cut)
			}
			want := stdRecords(tt.text, ',')
			if f.start != want[0].start || f.endLine != want[0].end {
				t.Errorf("lines %d to %d, want %d to %d", f.start, f.endLine, want[0].start, want[0].end)
			}
			rec, _, err = f.Read()
			if err != nil || rec[0] != tt.next || f.start != want[1].start {
				t.Errorf("next record %q on line %d, %v; want %q on line %d", rec, f.start, err, tt.next, want[1].start)
			}
		})
	}
}

// TestFieldReader_tooManyFields checks the fields past maxFields: empty
// ones are dropped, the first with something in it is an error.
func TestFieldReader_tooManyFields(t *testing.T) {
	wide := strings.Repeat("x,", maxFields-1) + "x"
	tests := []struct {
		name   string
		text   string
		fields int
		column int // of the error; -1 for none
	}{
		{"exactly maxFields", wide + "\n", maxFields, -1},
		{"empty fields past it", wide + strings.Repeat(",", 100_000) + "\n", maxFields, -1},
		{"empty quoted fields past it", wide + strings.Repeat(",\"\"", 10) + "\n", maxFields, -1},
		{"a value past it", wide + ",,,y\n", 0, maxFields + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newFieldReader(strings.NewReader(tt.text), ',')
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := f.Read()
			var tm *tooManyFields
			switch {
			case tt.column < 0 && (err != nil || len(rec) != tt.fields):
				t.Errorf("%d fields, %v; want %d", len(rec), err, tt.fields)
			case tt.column >= 0 && (!errors.As(err, &tm) || tm.column != tt.column || tm.value != "y"):
				t.Errorf("error %v, want a value in column %d", err, tt.column)
			}
		})
	}
}

func TestColumnName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 2: "C", 25: "Z", 26: "AA", maxFields - 1: "XFD", maxFields: "XFE"} {
		if got := columnName(i); got != want {
			t.Errorf("columnName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestPreview(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{strings.Repeat("ä", 100), strings.Repeat("ä", 100)},
		{strings.Repeat("ä", 101), strings.Repeat("ä", 100) + "…"},
	} {
		if got := preview(tt.in); got != tt.want {
			t.Errorf("preview(%d bytes) = %d bytes, want %d", len(tt.in), len(got), len(tt.want))
		}
	}
}

// BenchmarkFieldReader splits the generated directory of
// importtest.Rows rows into records with fieldReader and, for comparison,
// with encoding/csv as Decode used to (ReuseRecord, any number of fields);
// both report MB/s and records/s.
func BenchmarkFieldReader(b *testing.B) {
	data := importtest.CSV(importtest.Rows())
	run := func(b *testing.B, next func(r io.Reader) func() error) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			read := next(bytes.NewReader(data))
			for n = 0; ; n++ {
				if err := read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("fieldReader", func(b *testing.B) {
		run(b, func(r io.Reader) func() error {
			f, err := newFieldReader(r, ',')
			if err != nil {
				b.Fatal(err)
			}
			return func() error { _, _, err := f.Read(); return err }
		})
	})
	b.Run("encoding-csv", func(b *testing.B) {
		run(b, func(r io.Reader) func() error {
			cr := csv.NewReader(r)
			cr.FieldsPerRecord, cr.ReuseRecord = -1, true
			return func() error { _, err := cr.Read(); return err }
		})
	})
}
