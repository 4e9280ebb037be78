package riveroutbox

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

func TestPackData(t *testing.T) {
	invoice, err := os.ReadFile("../../../docparse/testdata/ubl-peppol.xml")
	if err != nil {
		t.Fatal(err)
	}
	mime := []byte("Subject: invoice\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(invoice))
	tests := []struct {
		name     string
		data     []byte
		deflated bool
	}{
		{"invoice", mime, true},
		{"tiny", []byte("Subject: x\r\n\r\ny"), false},
		{"empty", []byte{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stored := packData(tc.data)
			if got := bytes.HasPrefix(stored, deflatedMark); got != tc.deflated {
				t.Fatalf("deflated = %v, want %v (%d -> %d bytes)", got, tc.deflated, len(tc.data), len(stored))
			}
			if tc.deflated && len(stored) > len(tc.data)/2 {
				t.Errorf("stored %d bytes of %d: deflate should shrink base64 to about a third", len(stored), len(tc.data))
			}
			back, err := unpackData(stored)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, tc.data) {
				t.Fatalf("round trip changed the bytes")
			}
		})
	}
	// Bytes stored raw (by an earlier version) come back as they are.
	if back, err := unpackData(mime); err != nil || !bytes.Equal(back, mime) {
		t.Fatalf("raw bytes: %v", err)
	}
	// Damaged deflated bytes are an error, never a panic or a partial message.
	stored := packData(mime)
	if _, err := unpackData(stored[:len(stored)/2]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated: err = %v, want a damaged error", err)
	}
}

func FuzzUnpackData(f *testing.F) {
	f.Add(packData([]byte(strings.Repeat("Subject: x\r\n", 50))))
	f.Add([]byte("Subject: x\r\n\r\ny"))
	f.Add(append(append([]byte{}, deflatedMark...), 0xff, 0x00))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := unpackData(b)
		if err == nil && !bytes.HasPrefix(b, deflatedMark) && !bytes.Equal(out, b) {
			t.Fatal("raw bytes changed")
		}
	})
}
