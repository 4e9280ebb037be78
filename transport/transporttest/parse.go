package transporttest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/jakelu/jakelu/transport"
)

// ParseMessage reads a raw RFC 5322 / MIME message, as a mail program
// would, back into a [transport.Message]: addresses (in the form the
// message carries them, e.g. A-label domains) with decoded display names,
// the decoded Subject, Message-ID, Date, other header fields in Headers,
// the text/plain and text/html bodies with line breaks as "\n", and every
// attachment with its file name, media type and decoded bytes. A Bcc header,
// if present, fills Bcc.
//
// It uses only the standard library's net/mail, mime and mime/multipart,
// so a message it reads is one those packages understand. It returns an
// error for a message they cannot parse, naming the part.
func ParseMessage(raw []byte) (*transport.Message, error) {
	mm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("transporttest: parse message header: %w", err)
	}
	h := mm.Header
	m := &transport.Message{}
	dec := new(mime.WordDecoder)
	if v := h.Get("From"); v != "" {
		a, err := mail.ParseAddress(v)
		if err != nil {
			return nil, fmt.Errorf("transporttest: parse From %q: %w", v, err)
		}
		m.From = *a
	}
	for _, f := range []struct {
		name string
		dst  *[]mail.Address
	}{{"Reply-To", &m.ReplyTo}, {"To", &m.To}, {"Cc", &m.Cc}, {"Bcc", &m.Bcc}} {
		if h.Get(f.name) == "" {
			continue
		}
		list, err := h.AddressList(f.name)
		if err != nil {
			return nil, fmt.Errorf("transporttest: parse %s %q: %w", f.name, h.Get(f.name), err)
		}
		for _, a := range list {
			*f.dst = append(*f.dst, *a)
		}
	}
	if m.Subject, err = dec.DecodeHeader(h.Get("Subject")); err != nil {
		return nil, fmt.Errorf("transporttest: decode Subject: %w", err)
	}
	m.MessageID = strings.TrimSuffix(strings.TrimPrefix(h.Get("Message-ID"), "<"), ">")
	if h.Get("Date") != "" {
		if m.Date, err = h.Date(); err != nil {
			return nil, fmt.Errorf("transporttest: parse Date: %w", err)
		}
	}
	for k, vs := range h {
		switch k {
		case "From", "Reply-To", "To", "Cc", "Bcc", "Subject", "Message-Id", "Date", "Mime-Version",
			"Content-Type", "Content-Transfer-Encoding", "Content-Disposition":
			continue
		}
		v, err := dec.DecodeHeader(vs[0])
		if err != nil {
			return nil, fmt.Errorf("transporttest: decode header %s: %w", k, err)
		}
		if m.Headers == nil {
			m.Headers = make(map[string]string)
		}
		m.Headers[k] = v
	}
	err = walkPart(m, textproto.MIMEHeader(h), mm.Body, "message")
	return m, err
}

// walkPart reads one MIME part, decoding quoted-printable and base64, into
// m.
func walkPart(m *transport.Message, h textproto.MIMEHeader, body io.Reader, where string) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("transporttest: %s: parse Content-Type %q: %w", where, ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for i := 0; ; i++ {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("transporttest: %s: part %d: %w", where, i, err)
			}
			if err := walkPart(m, p.Header, p, fmt.Sprintf("%s part %d", where, i)); err != nil {
				return err
			}
		}
	}
	switch cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("transporttest: %s: unknown Content-Transfer-Encoding %q", where, cte)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("transporttest: %s: decode body: %w", where, err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if disp == "attachment" || dparams["filename"] != "" || (mt != "text/plain" && mt != "text/html") {
		delete(params, "name")
		m.Attachments = append(m.Attachments, transport.Attachment{
			Filename:    dparams["filename"],
			ContentType: mime.FormatMediaType(mt, params),
			Data:        data,
		})
		return nil
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if mt == "text/html" {
		m.HTML = text
	} else {
		m.Text = text
	}
	return nil
}
