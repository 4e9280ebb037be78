package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	msgdkim "github.com/emersion/go-msgauth/dkim"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/internal/testmsg"
)

// hostileBodies are bodies a composed message holds and bodies it never
// does (bare CR and LF, no final CRLF), by name. dkimpyDiffers marks the
// bodies python3-dkim canonicalizes differently from go-msgauth (both
// are defensible readings of RFC 6376 for input no composed message
// holds): WSP before a bare CR (go-msgauth drops it as WSP at a line
// end), a bare CR at the end of the body (go-msgauth drops it as a
// trailing line end, dkimpy keeps it as text) and WSP at the end of a
// body without a final CRLF.
var hostileBodies = []struct {
	name          string
	body          string
	dkimpyDiffers bool
}{
	{"empty", "", false},
	{"one CRLF", "\r\n", false},
	{"only empty lines", "\r\n\r\n\r\n", false},
	{"one octet", "a", false},
	{"one line", "a\r\n", false},
	{"WSP runs", "a  b\t\tc \t d\r\n", false},
	{"leading WSP", "  \tleading\r\n\t x\r\n", false},
	{"trailing WSP and empty lines", "text   \r\n\r\n  \r\n\t\r\n", false},
	{"WSP-only lines inside", "a\r\n \t \r\n\r\nb\r\n", false},
	{"only WSP lines", " \r\n\t\r\n   \r\n", false},
	{"bare LF", "lone\nLF\n\nend\n", false},
	{"bare CR", "lone\rCR\r\n", false},
	{"CR CR LF", "mixed\r\r\n\n\rx\r\n", false},
	{"ends with bare CR", "x\r", true},
	{"ends with CR CR", "x\r\r", true},
	{"LF CR", "x\n\ry\n\r", true},
	{"WSP before bare CR", "ws \rx\r\n", true},
	{"no final CRLF", "no final line end", false},
	{"no final CRLF, trailing WSP", "trailing WSP  ", true},
	{"only WSP, no CRLF", "   \t  ", true},
	{"NUL and controls", "a\x00b\x01\x1f \x7f\r\n", false},
	{"8-bit", "Hyvä   asiakas,\t€ 100\r\n\xff\xfe\x80 \r\n", false},
	{"huge line", strings.Repeat("x", 1<<20) + "\r\n", false},
	{"huge line of WSP runs", strings.Repeat("ab  \t", 200000) + "\r\n", false},
	{"many empty lines then text", strings.Repeat("\r\n", 10000) + "x\r\n", false},
	{"many trailing empty lines", "x" + strings.Repeat("\r\n", 10000), false},
	{"single spaces between words", strings.Repeat("word ", 1000) + "\r\n" + strings.Repeat("a b\r\n", 1000), false},
	{"base64 lines", strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 300), false},
	{"all octets", allOctets(), false},
}

// allOctets returns every octet value twice, in order and reversed.
func allOctets() string {
	var b []byte
	for i := range 256 {
		b = append(b, byte(i))
	}
	for i := range 256 {
		b = append(b, byte(255-i))
	}
	return string(b)
}

// refKey is the Ed25519 key the reference signatures are made with.
var refKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

var bhTag = regexp.MustCompile(`bh=([^;]+);`)

// refBodyHash returns go-msgauth's relaxed body hash (bh=, base64) of
// body, written to its signer in the given chunks of the message.
func refBodyHash(t testing.TB, body []byte, chunks int) string {
	t.Helper()
	s, err := msgdkim.NewSigner(&msgdkim.SignOptions{
		Domain: "example.fi", Selector: "sel", Signer: refKey, Hash: crypto.SHA256,
		HeaderCanonicalization: msgdkim.CanonicalizationRelaxed, BodyCanonicalization: msgdkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := append([]byte("From: a@example.fi\r\n\r\n"), body...)
	for _, c := range split(msg, chunks) {
		if _, err := s.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	m := bhTag.FindStringSubmatch(s.Signature())
	if m == nil {
		t.Fatalf("no bh= in go-msgauth's signature %q", s.Signature())
	}
	return strings.Join(strings.Fields(m[1]), "")
}

// split cuts b into n pieces at pseudo-random points (n-1 cuts, some
// pieces empty), the same for the same b and n.
func split(b []byte, n int) [][]byte {
	rng := rand.New(rand.NewPCG(uint64(len(b)), uint64(n)))
	var out [][]byte
	for i := 1; i < n && len(b) > 0; i++ {
		c := rng.IntN(len(b) + 1)
		out = append(out, b[:c])
		b = b[c:]
	}
	return append(out, b)
}

// chunkedBodyHash hashes body written to a relaxedBody in n pieces.
func chunkedBodyHash(body []byte, n int) string {
	r := relaxedBody{h: sha256.New()}
	for _, c := range split(body, n) {
		r.Write(c)
	}
	return base64.StdEncoding.EncodeToString(r.sum())
}

// checkBodyHash compares bodyHash with go-msgauth's, whole and in
// pieces; every split of a CRLF, CR CR or WSP run between writes must
// give the same hash.
func checkBodyHash(t *testing.T, body []byte) {
	t.Helper()
	got := base64.StdEncoding.EncodeToString(bodyHash(body))
	if want := refBodyHash(t, body, 1); got != want {
		t.Fatalf("bodyHash(%.80q) = %s, go-msgauth %s", body, got, want)
	}
	for _, n := range []int{2, 3, 17} {
		if c := chunkedBodyHash(body, n); c != got {
			t.Fatalf("bodyHash(%.80q) written in %d pieces = %s, whole %s", body, n, c, got)
		}
	}
	if len(body) < 300 { // every possible cut, one at a time
		for i := range body {
			r := relaxedBody{h: sha256.New()}
			r.Write(body[:i])
			r.Write(body[i:])
			if c := base64.StdEncoding.EncodeToString(r.sum()); c != got {
				t.Fatalf("bodyHash(%q) cut at %d = %s, whole %s", body, i, c, got)
			}
		}
	}
}

// TestBodyHashGoMsgauth compares the relaxed body canonicalization with
// go-msgauth's on hostile bodies, the benchmark messages' bodies and
// random ones.
func TestBodyHashGoMsgauth(t *testing.T) {
	for _, tt := range hostileBodies {
		t.Run(tt.name, func(t *testing.T) { checkBodyHash(t, []byte(tt.body)) })
	}
	t.Run("invoice", func(t *testing.T) {
		c, err := transport.Compose(testmsg.Invoice(), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, body, err := splitMessage(c.Data)
		if err != nil {
			t.Fatal(err)
		}
		checkBodyHash(t, c.Data[body:])
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(19, 6376))
		alphabet := []byte(" \t\r\n\r\nab\x00\xffä")
		for range 2000 {
			b := make([]byte, rng.IntN(200))
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			checkBodyHash(t, b)
		}
	})
}

// TestBodyHashDkimpy compares the relaxed body canonicalization with
// python3-dkim's (its own message parsing and canonicalization).
func TestBodyHashDkimpy(t *testing.T) {
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import dkim").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("python3-dkim is not installed: apt-get install python3-dkim (the .ci/run script does) to compare with an independent implementation")
	}
	var in []string
	for _, tt := range hostileBodies {
		in = append(in, base64.StdEncoding.EncodeToString([]byte("From: a@example.fi\r\n\r\n"+tt.body)))
	}
	j, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), py, "testdata/bodyhash.py")
	cmd.Stdin = bytes.NewReader(j)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testdata/bodyhash.py: %v", err)
	}
	var hashes []string
	if err := json.Unmarshal(out, &hashes); err != nil || len(hashes) != len(hostileBodies) {
		t.Fatalf("testdata/bodyhash.py printed %q (%v), want %d hashes", out, err, len(hostileBodies))
	}
	for i, tt := range hostileBodies {
		got := base64.StdEncoding.EncodeToString(bodyHash([]byte(tt.body)))
		if tt.dkimpyDiffers {
			if got == hashes[i] {
				t.Errorf("%s: python3-dkim now agrees; clear dkimpyDiffers", tt.name)
			}
			continue
		}
		if got != hashes[i] {
			t.Errorf("%s: bodyHash %s, python3-dkim %s", tt.name, got, hashes[i])
		}
	}
}

// FuzzBodyHash: the relaxed body hash of any body, written whole or in
// pieces, is go-msgauth's.
func FuzzBodyHash(f *testing.F) {
	for _, tt := range hostileBodies {
		if len(tt.body) < 4096 {
			f.Add([]byte(tt.body))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkBodyHash(t, body) })
}

// TestRelaxedHeader compares the relaxed header canonicalization with
// the form RFC 6376 §3.4.2 gives (its examples among them).
func TestRelaxedHeader(t *testing.T) {
	tests := []struct{ field, want string }{
		{"A: X\r\n", "a:X\r\n"},
		{"B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n"},
		{"Subject:  Lasku   1001\t– eräpäivä \r\n", "subject:Lasku 1001 – eräpäivä\r\n"},
		{"To:\r\n", "to:\r\n"},
		{"X-Empty:   \r\n \r\n", "x-empty:\r\n"},
		{"DKIM-Signature: v=1; a=ed25519-sha256;\r\n b=", "dkim-signature:v=1; a=ed25519-sha256; b=\r\n"},
		{"no colon\r\n", "no colon:\r\n"},
	}
	for _, tt := range tests {
		if got := string(relaxedHeader(nil, tt.field)); got != tt.want {
			t.Errorf("relaxedHeader(%q) = %q, want %q", tt.field, got, tt.want)
		}
	}
}

// TestSplitMessage checks where the header ends, as go-msgauth reads it.
func TestSplitMessage(t *testing.T) {
	tests := []struct {
		data   string
		fields []string
		body   string
		ok     bool
	}{
		{"A: 1\r\nB: 2\r\n 3\r\n\r\nbody\r\n", []string{"A: 1\r\n", "B: 2\r\n 3\r\n"}, "body\r\n", true},
		{"A: 1\n\nbody", []string{"A: 1\r\n"}, "body", true},
		{"A: 1\r\n\r\n", []string{"A: 1\r\n"}, "", true},
		{"\r\nbody", nil, "body", true},
		{" cont: first\r\n\r\n", []string{" cont: first\r\n"}, "", true},
		{"A: 1\r\n", nil, "", false},
		{"A: 1\r\n\r", nil, "", false},
		{"", nil, "", false},
	}
	for _, tt := range tests {
		fields, body, err := splitMessage([]byte(tt.data))
		if (err == nil) != tt.ok {
			t.Errorf("splitMessage(%q) error %v, want ok=%v", tt.data, err, tt.ok)
			continue
		}
		if err == nil && (strings.Join(fields, "|") != strings.Join(tt.fields, "|") || tt.data[body:] != tt.body) {
			t.Errorf("splitMessage(%q) = %q, body %q; want %q, %q", tt.data, fields, tt.data[body:], tt.fields, tt.body)
		}
	}
}

// FuzzSignVerifies signs messages with any subject and body (the body
// also with bare CR and LF) and verifies them with go-msgauth.
func FuzzSignVerifies(f *testing.F) {
	f.Add("Lasku 1001", []byte("Hello\r\n"))
	f.Add("  spaced\t out  ", []byte("a  b \r\n\r\n"))
	for _, tt := range hostileBodies {
		if len(tt.body) < 4096 {
			f.Add("x", []byte(tt.body))
		}
	}
	rec, err := Record(refKey.Public())
	if err != nil {
		f.Fatal(err)
	}
	k := Key{Domain: "example.fi", Selector: "sel", Private: refKey}
	f.Fuzz(func(t *testing.T, subject string, body []byte) {
		subject = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, subject)
		data := []byte("From: A <a@example.fi>\r\nTo: b@example.com\r\nSubject: " + subject + "\r\nFrom: second@example.fi\r\n\r\n")
		data = append(data, body...)
		signed, err := Sign(data, []Key{k, k}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := msgdkim.VerifyWithOptions(bytes.NewReader(signed), &msgdkim.VerifyOptions{
			LookupTXT: func(string) ([]string, error) { return []string{rec}, nil },
		})
		if err != nil || len(vs) != 2 {
			t.Fatalf("go-msgauth: %d signatures, %v", len(vs), err)
		}
		for _, v := range vs {
			if v.Err != nil {
				t.Fatalf("go-msgauth: %v\n%q", v.Err, signed)
			}
		}
	})
}
