package docparse_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
)

// pdfRewrite is one way of rewriting a Factur-X PDF and what parsing the
// result must give compared with the original.
type pdfRewrite struct {
	name string
	// make returns the rewritten file of the PDF at src.
	make func(t *testing.T, src string) []byte
	// revised is set when the rewrite replaces the invoice XML by one
	// whose document number has the suffix "-REV2".
	revised bool
	// unrelated names an extra attachment the rewrite embeds first.
	unrelated string
	// want is the error the rewrite must give, or nil.
	want error
}

// The unrelated invoice embedded before the real one: a complete UBL
// invoice, which a reader choosing by content would take.
const unrelatedName = "A-unrelated-invoice.xml"

// pdfRewrites returns the rewrites of TestPDFRewrites.
func pdfRewrites() []pdfRewrite {
	q := func(args ...string) func(*testing.T, string) []byte {
		return func(t *testing.T, src string) []byte { return runQPDF(t, src, args...) }
	}
	enc := func(user, bits string, extra ...string) []string {
		return append(append([]string{"--allow-weak-crypto", "--encrypt", user, "owner", bits}, extra...), "--")
	}
	return []pdfRewrite{
		{name: "object-streams", make: q("--object-streams=generate")},
		{name: "linearize", make: q("--linearize")},
		{name: "qdf", make: q("--qdf")},
		{name: "stream-data-compress", make: q("--stream-data=compress")},
		{name: "stream-data-uncompress", make: q("--stream-data=uncompress")},
		{name: "encrypt-aes-256", make: q(enc("", "256")...)},
		{name: "encrypt-aes-128", make: q(enc("", "128", "--use-aes=y")...)},
		{name: "encrypt-rc4-128", make: q(enc("", "128")...)},
		{name: "encrypt-rc4-40", make: q(enc("", "40")...)},
		{name: "encrypt-aes-256+object-streams", make: q(append([]string{"--object-streams=generate"}, enc("", "256")...)...)},
		{name: "encrypt-aes-128+linearize", make: q(append([]string{"--linearize"}, enc("", "128", "--use-aes=y")...)...)},
		{name: "password-aes-256", make: q(enc("secret", "256")...), want: docparse.ErrPDFEncrypted},
		{name: "password-aes-128", make: q(enc("secret", "128", "--use-aes=y")...), want: docparse.ErrPDFEncrypted},
		{name: "password-rc4-40", make: q(enc("secret", "40")...), want: docparse.ErrPDFEncrypted},
		{name: "appended-revision", make: appendRevision, revised: true},
		{name: "object-streams+appended-revision", make: func(t *testing.T, src string) []byte {
			return appendRevision(t, writeTemp(t, runQPDF(t, src, "--object-streams=generate")))
		}, revised: true},
		{name: "unrelated-xml-first", make: addUnrelated, unrelated: unrelatedName},
		{name: "unrelated-xml-first+object-streams", make: func(t *testing.T, src string) []byte {
			return runQPDF(t, writeTemp(t, addUnrelated(t, src)), "--object-streams=generate")
		}, unrelated: unrelatedName},
		{name: "junk-before-header", make: func(t *testing.T, src string) []byte {
			return append([]byte(strings.Repeat("junk from a mail gateway\n", 40)), readFile(t, src)...)
		}},
	}
}

// TestPDFRewrites rewrites the test Factur-X PDF and the corpus's PDFs with
// Debian's qpdf (object streams, linearization, QDF, recompression, AES and
// RC4 encryption with an empty user password or a real one, an added
// unrelated invoice sorting before the real one) and by hand (an appended
// revision replacing the XML, junk before %PDF-), and checks that each
// parses to the same document as the original, or to the revision's, or
// gives the expected error. It prints "PDFREWRITE sources=N variants=N
// ok=N failed=N".
func TestPDFRewrites(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf is not installed: install Debian's qpdf (apt-get install qpdf) to run the PDF rewrite tests")
	}
	sources := []string{filepath.Join("testdata", "facturx.pdf")}
	if dir := os.Getenv("JAKELU_CORPUS"); dir != "" {
		for _, row := range readIndex(t, filepath.Join(dir, "INDEX.tsv")) {
			if strings.HasPrefix(row["format"], "pdf(") {
				sources = append(sources, filepath.Join(dir, filepath.FromSlash(row["path"])))
			}
		}
	} else {
		t.Log("JAKELU_CORPUS is not set: only testdata/facturx.pdf is rewritten; set it to the sample corpus folder to rewrite the corpus's PDFs too")
	}
	var ok, failed int
	for _, src := range sources {
		orig, err := docparse.Parse(readFile(t, src), nil)
		if err != nil {
			t.Fatalf("%s: the original does not parse: %v", src, err)
		}
		for _, rw := range pdfRewrites() {
			pass := t.Run(filepath.Base(src)+"/"+rw.name, func(t *testing.T) {
				data := rw.make(t, src)
				got, err := docparse.Parse(data, nil)
				if rw.want != nil {
					var pe *docparse.ParseError
					if !errors.Is(err, rw.want) || !errors.As(err, &pe) || pe.Detail == "" {
						t.Fatalf("error %v, want %v", err, rw.want)
					}
					return
				}
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if problem := compareRewrite(orig, got, rw); problem != "" {
					t.Fatal(problem)
				}
			})
			if pass {
				ok++
			} else {
				failed++
			}
		}
	}
	summary := fmt.Sprintf("PDFREWRITE sources=%d variants=%d ok=%d failed=%d", len(sources), len(pdfRewrites()), ok, failed)
	fmt.Println(summary)
	t.Log(summary)
}

// compareRewrite says how got, parsed from a rewrite, differs from what
// the rewrite must give, or returns "".
func compareRewrite(orig, got *docparse.Document, rw pdfRewrite) string {
	if len(got.Attachments) == 0 || !got.Attachments[0].IsPDF() {
		return "the PDF is not the first attachment"
	}
	want := *orig
	if rw.revised {
		if got.Number != orig.Number+"-REV2" {
			return fmt.Sprintf("number %q, want the revision's %q (the old revision's invoice was read)", got.Number, orig.Number+"-REV2")
		}
		want.Number, want.XML = got.Number, got.XML
	}
	atts := got.Attachments[1:]
	if rw.unrelated != "" {
		i := len(atts) - 1
		for i >= 0 && atts[i].Filename != rw.unrelated {
			i--
		}
		if i < 0 {
			return fmt.Sprintf("no attachment named %q among %d", rw.unrelated, len(atts))
		}
		atts = append(atts[:i:i], atts[i+1:]...)
	}
	if !reflect.DeepEqual(atts, orig.Attachments[1:]) {
		return fmt.Sprintf("attachments after the PDF differ: %d, want %d", len(atts), len(orig.Attachments)-1)
	}
	g := *got
	g.Attachments, want.Attachments = nil, nil
	a, b := reflect.ValueOf(g), reflect.ValueOf(want)
	for i := range a.NumField() {
		if a.Type().Field(i).IsExported() && !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return fmt.Sprintf("%s differs:\ngot:  %.300v\nwant: %.300v", a.Type().Field(i).Name, a.Field(i).Interface(), b.Field(i).Interface())
		}
	}
	return ""
}

// runQPDF runs qpdf on the file src with args and returns what it wrote.
// Exit status 3 (warnings) is accepted.
func runQPDF(t *testing.T, src string, args ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.pdf")
	cmd := exec.CommandContext(t.Context(), "qpdf", append(append([]string{src}, args...), out)...)
	msg, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("qpdf %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return readFile(t, out)
}

// addUnrelated embeds a UBL invoice under a name that sorts before the
// real invoice's in the embedded-files name tree, and checks that it does.
func addUnrelated(t *testing.T, src string) []byte {
	t.Helper()
	dir := t.TempDir()
	xml := filepath.Join(dir, unrelatedName)
	if err := os.WriteFile(xml, readFile(t, filepath.Join("testdata", "ubl-peppol.xml")), 0o600); err != nil {
		t.Fatal(err)
	}
	data := runQPDF(t, src, "--add-attachment", xml, "--key="+unrelatedName, "--filename="+unrelatedName, "--mimetype=text/xml", "--")
	list, err := exec.CommandContext(t.Context(), "qpdf", "--list-attachments", writeTemp(t, data)).Output()
	if err != nil || !bytes.HasPrefix(list, []byte(unrelatedName)) {
		t.Fatalf("the unrelated invoice is not the first embedded file: %v\n%s", err, list)
	}
	return data
}

// appendRevision appends an incremental update to the PDF at src, as a PDF
// editor saves a correction: a new definition of the invoice's embedded
// file stream (same object number, the XML with the document number
// suffixed "-REV2"), a cross-reference section for it and a trailer whose
// /Prev points to the previous section. The old revision stays in the file.
func appendRevision(t *testing.T, src string) []byte {
	t.Helper()
	data := readFile(t, src)
	orig, err := docparse.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := exec.CommandContext(t.Context(), "qpdf", "--list-attachments", src).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?im)^(?:factur-x|zugferd-invoice|xrechnung)\.xml -> (\d+),(\d+)$`).FindSubmatch(list)
	trailer, err := exec.CommandContext(t.Context(), "qpdf", "--show-object=trailer", src).Output()
	if err != nil || m == nil {
		t.Fatalf("qpdf lists no invoice attachment (%v):\n%s", err, list)
	}
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindSubmatch(trailer)
	size := regexp.MustCompile(`/Size (\d+)`).FindSubmatch(trailer)
	k := bytes.LastIndex(data, []byte("startxref"))
	prev, err := strconv.Atoi(string(bytes.Fields(data[k+len("startxref"):])[0]))
	if root == nil || size == nil || k < 0 || err != nil {
		t.Fatalf("cannot read the trailer %s (startxref: %v)", trailer, err)
	}
	num := string(m[1])
	old := ">" + orig.Number + "<"
	if !bytes.Contains(orig.XML, []byte(old)) {
		t.Fatalf("the XML has no %q to revise", old)
	}
	xml := bytes.Replace(orig.XML, []byte(old), []byte(">"+orig.Number+"-REV2<"), 1)
	var b bytes.Buffer
	b.Write(data)
	if !bytes.HasSuffix(data, []byte("\n")) {
		b.WriteString("\n")
	}
	obj := b.Len()
	fmt.Fprintf(&b, "%s %s obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length %d >>\nstream\n", num, m[2], len(xml))
	b.Write(xml)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f \n%s 1\n%010d %05s n \n", num, obj, m[2])
	fmt.Fprintf(&b, "trailer\n<< /Size %s /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size[1], root[1], prev, xref)
	return b.Bytes()
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}
