package riveroutbox

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

// deflated returns data as an earlier version stored it: deflatedMark and
// the deflated bytes.
func deflated(tb testing.TB, data []byte) []byte {
	tb.Helper()
	b := bytes.NewBuffer(append([]byte{}, deflatedMark...))
	w, err := flate.NewWriter(b, flate.BestSpeed)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestUnpackData(t *testing.T) {
	invoice, err := os.ReadFile("../../../docparse/testdata/ubl-peppol.xml")
	if err != nil {
		t.Fatal(err)
	}
	mime := []byte("Subject: invoice\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(invoice))
	tests := []struct {
		name   string
		stored []byte
		want   []byte
	}{
		{"raw", mime, mime},
		{"raw tiny", []byte("Subject: x\r\n\r\ny"), []byte("Subject: x\r\n\r\ny")},
		{"raw empty", []byte{}, []byte{}},
		{"deflated by an earlier version", deflated(t, mime), mime},
		{"deflated empty", deflated(t, nil), []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			back, err := unpackData(tc.stored)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, tc.want) {
				t.Fatalf("got %d bytes, want %d", len(back), len(tc.want))
			}
		})
	}
	// Damaged deflated bytes are an error, never a panic or a partial message.
	stored := deflated(t, mime)
	if _, err := unpackData(stored[:len(stored)/2]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated: err = %v, want a damaged error", err)
	}
}

func FuzzUnpackData(f *testing.F) {
	f.Add(deflated(f, []byte(strings.Repeat("Subject: x\r\n", 50))))
	f.Add([]byte("Subject: x\r\n\r\ny"))
	f.Add(append(append([]byte{}, deflatedMark...), 0xff, 0x00))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := unpackData(b)
		if err == nil && !bytes.HasPrefix(b, deflatedMark) && !bytes.Equal(out, b) {
			t.Fatal("raw bytes changed")
		}
	})
}
