package smtp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/textproto"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		in       string
		code     int
		enhanced string
		text     string
		bad      bool
	}{
		{in: "250 OK\r\n", code: 250, text: "OK"},
		{in: "550 5.1.1 no such user\r\n", code: 550, enhanced: "5.1.1", text: "no such user"},
		{in: "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", code: 250, text: "mx.example.com\nPIPELINING\nSIZE 1000"},
		{in: "452-4.5.3 too many\r\n452 4.5.3 recipients\r\n", code: 452, enhanced: "4.5.3", text: "too many\nrecipients"},
		{in: "451 5.1.1 class mismatch kept\r\n", code: 451, text: "5.1.1 class mismatch kept"},
		{in: "354\r\n", code: 354},
		{in: "250 bare LF\n", code: 250, text: "bare LF"},
		{in: "25O OK\r\n", bad: true},
		{in: "250-a\r\n251 b\r\n", bad: true},
		{in: "250_x\r\n", bad: true},
		{in: "700 x\r\n", bad: true},
		{in: "250-" + strings.Repeat("x", 5000) + "\r\n", bad: true},
		{in: strings.Repeat("250-x\r\n", 300), bad: true},
		{in: "250-unterminated\r\n", bad: true},
	}
	for _, tt := range tests {
		r, err := readReply(bufio.NewReaderSize(strings.NewReader(tt.in), maxReplyLine))
		if tt.bad {
			if err == nil {
				t.Errorf("readReply(%.40q) = %+v, want an error", tt.in, r)
			}
			continue
		}
		if err != nil || r.code != tt.code || r.enhanced != tt.enhanced || r.text != tt.text {
			t.Errorf("readReply(%q) = %+v, %v; want %d %q %q", tt.in, r, err, tt.code, tt.enhanced, tt.text)
		}
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		stage    transport.Stage
		code     int
		enhanced string
		want     transport.Outcome
		session  bool // sessionReply's answer
	}{
		{transport.StageGreeting, 421, "", transport.Deferred, true},
		{transport.StageGreeting, 554, "", transport.Deferred, false},
		{transport.StageAuth, 535, "5.7.8", transport.Deferred, false},
		{transport.StageTLS, 0, "", transport.Deferred, false},
		{transport.StageMail, 451, "4.3.0", transport.Deferred, false},
		{transport.StageMail, 550, "5.1.8", transport.Failed, false},
		{transport.StageMail, 530, "5.7.0", transport.Deferred, false},
		{transport.StageMail, 503, "5.5.1", transport.Deferred, true},
		{transport.StageMail, 503, "", transport.Deferred, true},
		{transport.StageMail, 500, "", transport.Deferred, true},
		{transport.StageMail, 501, "5.5.4", transport.Deferred, true},
		{transport.StageMail, 421, "4.3.2", transport.Deferred, true},
		{transport.StageRcpt, 450, "", transport.Deferred, false},
		{transport.StageRcpt, 550, "5.1.1", transport.Failed, false},
		{transport.StageRcpt, 501, "5.1.3", transport.Failed, false},
		{transport.StageRcpt, 552, "", transport.Deferred, false},
		{transport.StageRcpt, 552, "5.5.3", transport.Deferred, false},
		{transport.StageRcpt, 502, "5.5.1", transport.Deferred, true},
		{transport.StageData, 0, "", transport.Deferred, false},
		{transport.StageData, 554, "", transport.Failed, false},
		{transport.StageData, 554, "5.7.1", transport.Failed, false},
		{transport.StageData, 554, "5.5.1", transport.Deferred, true},
		{transport.StageFinal, 250, "2.0.0", transport.Delivered, false},
		{transport.StageFinal, 451, "4.3.0", transport.Deferred, false},
		{transport.StageFinal, 421, "4.3.2", transport.Deferred, true},
		{transport.StageFinal, 503, "5.5.1", transport.Deferred, true},
		{transport.StageFinal, 552, "5.3.4", transport.Failed, false},
		{transport.StageFinal, 0, "", transport.Ambiguous, false},
		{transport.StageFinal, 354, "", transport.Ambiguous, false},
	}
	for _, tt := range tests {
		r := reply{code: tt.code, enhanced: tt.enhanced}
		if got := outcome(tt.stage, r); got != tt.want {
			t.Errorf("outcome(%s, %d %s) = %v, want %v", tt.stage, tt.code, tt.enhanced, got, tt.want)
		}
		if got := sessionReply(r); got != tt.session {
			t.Errorf("sessionReply(%d %s) = %v, want %v", tt.code, tt.enhanced, got, tt.session)
		}
	}
}

// FuzzReply reads arbitrary server output as a reply (seeds in
// testdata/fuzz/FuzzReply). It must never panic; a reply it accepts has a
// code from 100 to 599, and classifying it at any stage gives exactly one
// outcome, Delivered only for a 2xx after the final dot, never Failed for
// a reply that blames the session.
func FuzzReply(f *testing.F) {
	stages := []transport.Stage{transport.StageGreeting, transport.StageHello, transport.StageTLS, transport.StageAuth,
		transport.StageMail, transport.StageRcpt, transport.StageData, transport.StageFinal}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := readReply(bufio.NewReaderSize(bytes.NewReader(data), maxReplyLine))
		if err != nil {
			return
		}
		if r.code < 100 || r.code > 599 {
			t.Fatalf("code %d accepted", r.code)
		}
		for _, s := range stages {
			o := outcome(s, r)
			if o < transport.Delivered || o > transport.Failed {
				t.Fatalf("outcome(%s, %d) = %d", s, r.code, o)
			}
			if o == transport.Delivered && (s != transport.StageFinal || r.code/100 != 2) {
				t.Fatalf("outcome(%s, %d) = delivered", s, r.code)
			}
			if o == transport.Failed && sessionReply(r) {
				t.Fatalf("outcome(%s, %d %s) = failed for a reply that blames the session", s, r.code, r.enhanced)
			}
		}
	})
}

func TestStuff(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\n", "a\r\n.\r\n"},
		{".a\r\n", "..a\r\n.\r\n"},
		{"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\r\n..\r\n.b\r\n", "a\r\n...\r\n..b\r\n.\r\n"},
		{"a.b\r\n", "a.b\r\n.\r\n"},
		{"", ".\r\n"},
	}
	for _, tt := range tests {
		got := string(stuff(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("stuff(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// The standard library's dot writer must agree.
		var b bytes.Buffer
		w := textproto.NewWriter(bufio.NewWriter(&b)).DotWriter()
		io.WriteString(w, tt.in)
		w.Close()
		if b.String() != got && tt.in != "" {
			t.Errorf("stuff(%q) = %q, textproto says %q", tt.in, got, b.String())
		}
	}
}

// BenchmarkDotStuff compares the bulk dot-stuffing used for DATA with the
// standard library's byte-by-byte textproto DotWriter (the baseline, used
// by net/smtp and go-smtp's client) on a 155 KB invoice e-mail.
func BenchmarkDotStuff(b *testing.B) {
	line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx", 1) + "\r\n"
	data := []byte(strings.Repeat(line, 155<<10/len(line)) + ".leading dot\r\n")
	b.Run("bulk", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		var buf []byte
		for b.Loop() {
			buf = stuff(buf[:0], data)
		}
	})
	b.Run("textproto", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		bw := bufio.NewWriter(io.Discard)
		for b.Loop() {
			w := textproto.NewWriter(bw).DotWriter()
			w.Write(data)
			w.Close()
		}
	})
}

func TestTLSModeText(t *testing.T) {
	for _, m := range []TLSMode{StartTLS, StartTLSOpportunistic, ImplicitTLS, NoTLS} {
		text, err := m.MarshalText()
		var back TLSMode
		if err != nil || back.UnmarshalText(text) != nil || back != m || string(text) != m.String() {
			t.Errorf("%d: %q, %v, back %d", m, text, err, back)
		}
	}
	var m TLSMode
	if err := m.UnmarshalText([]byte("ssl")); err == nil {
		t.Error("unknown mode accepted")
	}
}

// TestReplyError_Sentinels checks that every ReplyError matches ErrReply
// and only a size refusal also ErrMessageTooLarge.
func TestReplyError_Sentinels(t *testing.T) {
	tests := []struct {
		err      *ReplyError
		tooLarge bool
	}{
		{&ReplyError{Command: "RCPT TO:<a@b.fi>", Code: 550, EnhancedCode: "5.1.1"}, false},
		{&ReplyError{Command: "end of data", Code: 552, EnhancedCode: "5.3.4"}, true},
		{&ReplyError{Command: "greeting", Code: 421}, false},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrReply) {
			t.Errorf("%v does not match ErrReply", tt.err)
		}
		if got := errors.Is(tt.err, ErrMessageTooLarge); got != tt.tooLarge {
			t.Errorf("%v matches ErrMessageTooLarge: %v, want %v", tt.err, got, tt.tooLarge)
		}
	}
}
