package transport_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/internal/testmsg"
)

// BenchmarkCompose compares Compose (which also validates every field)
// with a baseline that writes the same MIME structure with the standard
// library's mime/multipart, quotedprintable and base64 writers and no
// validation.
func BenchmarkCompose(b *testing.B) {
	m := testmsg.Invoice()
	b.Run("jakelu", func(b *testing.B) {
		var size int
		for b.Loop() {
			c, err := transport.Compose(m, nil)
			if err != nil {
				b.Fatal(err)
			}
			size = len(c.Data)
		}
		b.SetBytes(int64(size))
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("stdlib", func(b *testing.B) {
		var size int
		for b.Loop() {
			size = stdlibCompose(m).Len()
		}
		b.SetBytes(int64(size))
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

func stdlibCompose(m *transport.Message) *bytes.Buffer {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n",
		m.Date.Format(time.RFC1123Z), m.From.String(), m.To[0].String(), mime.QEncoding.Encode("utf-8", m.Subject), m.MessageID, mw.Boundary())
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
	qp := quotedprintable.NewWriter(pw)
	qp.Write([]byte(m.Text))
	qp.Close()
	a := m.Attachments[0]
	pw, _ = mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(a.ContentType, map[string]string{"name": a.Filename})},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})},
		"Content-Transfer-Encoding": {"base64"},
	})
	enc := base64.StdEncoding
	line := make([]byte, 76)
	for data := a.Data; len(data) > 0; {
		n := min(len(data), 57)
		enc.Encode(line, data[:n])
		pw.Write(line[:enc.EncodedLen(n)])
		pw.Write([]byte("\r\n"))
		data = data[n:]
	}
	mw.Close()
	return &buf
}
