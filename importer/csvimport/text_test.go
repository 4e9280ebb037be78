package csvimport_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/internal/importtest"
)

// bigFile is a CSV file of n plain rows, "c<i>,a<i>@x.fi", with extra rows
// spliced in after the row at each key of insert, and the outcome entries
// it should give (insert's values already decoded).
func bigFile(n int, insert map[int][2]string) (data []byte, want []string) {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "c%07d,a%d@x.fi\n", i, i)
		want = append(want, fmt.Sprintf("c%07d=a%d@x.fi|", i, i))
		if r, ok := insert[i]; ok {
			b.WriteString(r[0])
			want = append(want, r[1])
		}
	}
	return b.Bytes(), want
}

// TestDecoder_encodingsOfLargeFiles reads files of several megabytes, which
// the decoder reads block by block, whose first byte that is not ASCII comes
// late, where a character is cut by the end of a block, or whose encoding
// the end of the file decides.
func TestDecoder_encodingsOfLargeFiles(t *testing.T) {
	const n = 150_000 // about 3.5 MB
	tests := []struct {
		name   string
		insert map[int][2]string
		bom    bool
		utf16  bool // the whole file in UTF-16 with a byte order mark
	}{
		{"ASCII", nil, false, false},
		{"Windows-1252 after a megabyte of ASCII", map[int][2]string{60_000: {"\xc4ij\xe4l\xe4,j\xf6rg@x.fi\n", "Äijälä=jörg@x.fi|"}, 140_000: {"\xe4,a@x.fi\n", "ä=a@x.fi|"}}, false, false},
		{"UTF-8 after a megabyte of ASCII", map[int][2]string{60_000: {"Äijälä,jörg@x.fi\n", "Äijälä=jörg@x.fi|"}, 140_000: {"日本,a@x.fi\n", "日本=a@x.fi|"}}, false, false},
		{"UTF-8, then a byte that is not: all Windows-1252", map[int][2]string{60_000: {"Äijälä,a@x.fi\n", "Ã„ijÃ¤lÃ¤=a@x.fi|"}, 140_000: {"j\xf6rg,b@x.fi\n", "jörg=b@x.fi|"}}, false, false},
		{"byte order mark: UTF-8 throughout", map[int][2]string{60_000: {"Äijälä,jörg@x.fi\n", "Äijälä=jörg@x.fi|"}}, true, false},
		{"UTF-16, transcoded as it is read", map[int][2]string{60_000: {"Äijälä,jörg@x.fi\n", "Äijälä=jörg@x.fi|"}, 140_000: {"😀,a@x.fi\n", "😀=a@x.fi|"}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, want := bigFile(n, tt.insert)
			if tt.bom {
				data = append([]byte("\ufeff"), data...)
			}
			if tt.utf16 {
				data = []byte(utf16LE(string(data)))
			}
			got := read(t, data, &importer.Options{MaxRows: 2 * n}, nil)
			if len(got.Problems) > 0 || !slices.Equal(got.Entries, want) {
				t.Errorf("got %d entries (%q…) and problems %q; want %d entries", len(got.Entries), got.Entries[:min(3, len(got.Entries))], got.Problems, len(want))
				for i := range min(len(got.Entries), len(want)) {
					if got.Entries[i] != want[i] {
						t.Errorf("entry %d: %q, want %q", i, got.Entries[i], want[i])
						break
					}
				}
			}
		})
	}
}

// TestDecoder_characterCutByABlock puts a character of two, three and four
// bytes at every position across the end of the first block (the first
// 64 KiB) of a UTF-8 file without a byte order mark, whose encoding the
// decoder decides by checking each block: the character must not make the
// blocks look like something else.
func TestDecoder_characterCutByABlock(t *testing.T) {
	for _, c := range []string{"ä", "€", "😀"} {
		for shift := range 4 {
			var b strings.Builder
			b.WriteString("é,a@x.fi\n") // the first byte that is not ASCII: UTF-8, unless the rest says otherwise
			for b.Len() < 64<<10-40-shift {
				fmt.Fprintf(&b, "c%07d,a@x.fi\n", b.Len())
			}
			b.WriteString(strings.Repeat("x", 64<<10-b.Len()-shift) + c + ",a@x.fi\n")
			got := read(t, []byte(b.String()), nil, nil)
			if first, last := got.Entries[0], got.Entries[len(got.Entries)-1]; len(got.Problems) > 0 || first != "é=a@x.fi|" || !strings.HasSuffix(last, c+"=a@x.fi|") {
				t.Errorf("%q shifted by %d: first entry %q, last %q, problems %q", c, shift, first, last, got.Problems)
			}
		}
	}
}

// TestDecoder_moreRowsThanExpected reads a file whose first rows are much
// longer than the rest, so that Read expects far fewer rows than it gets,
// and the same file from a reader that does not tell its size and from one
// that claims to be enormous: the batches are the same.
func TestDecoder_moreRowsThanExpected(t *testing.T) {
	var b bytes.Buffer
	var want []string
	for i := range 20_000 {
		to := fmt.Sprintf("a%d@x.fi", i)
		if i < 100 {
			to = strings.Repeat("l", 60) + to + " " + strings.Repeat("m", 60) + to
		}
		fmt.Fprintf(&b, "%d,%s\n", i, to)
		want = append(want, fmt.Sprintf("%d=%s|", i, to))
	}
	readers := []io.Reader{
		bytes.NewReader(b.Bytes()),                                // tells its size
		io.MultiReader(bytes.NewReader(b.Bytes())),                // does not
		io.NewSectionReader(bytes.NewReader(b.Bytes()), 0, 1<<62), // claims far more than it holds
	}
	for _, r := range readers {
		batch, err := importer.Read(r, []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range batch.Entries {
			got = append(got, importtest.EntryString(e))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%T: %d entries, want %d", r, len(got), len(want))
		}
	}
}
