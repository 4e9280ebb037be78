package distribution_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// scanDirectory is the test directory with both of its entries in lang
// and switched to the scan delivery profile.
func scanDirectory(t *testing.T, lang string) *registry.Memory {
	t.Helper()
	m := directory(t, lang)
	for _, cn := range []string{"30001", "10202"} {
		e, err := m.Lookup(t.Context(), cn)
		if err != nil {
			t.Fatal(err)
		}
		e.Profile, e.Language = registry.ProfileScan, lang
		if err := m.Put(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// scanLangs are the shipped languages the scan e-mail's wording is
// checked in.
var scanLangs = []string{"fi", "sv", "en"}

// checkScanMessage checks that msg is a scanning service's e-mail for the
// document number: exactly one attachment, a PDF named <number>.pdf whose
// content is pdf (or any PDF when pdf is nil), no XML, no HTML part, and the
// number in the subject.
func checkScanMessage(t *testing.T, msg *transport.Message, number string, pdf []byte) {
	t.Helper()
	if len(msg.Attachments) != 1 {
		t.Fatalf("the scan e-mail has %d attachments, want exactly one PDF: %+v", len(msg.Attachments), names(msg.Attachments))
	}
	a := msg.Attachments[0]
	if a.ContentType != "application/pdf" || a.Filename != number+".pdf" || !bytes.HasPrefix(a.Data, []byte("%PDF-")) {
		t.Errorf("the attachment is %q (%s, %d bytes), want %q, a PDF", a.Filename, a.ContentType, len(a.Data), number+".pdf")
	}
	if pdf != nil && !bytes.Equal(a.Data, pdf) {
		t.Errorf("the attached PDF is not the document's own")
	}
	if msg.HTML != "" {
		t.Errorf("the scan e-mail has an HTML part; want plain text only")
	}
	if strings.TrimSpace(msg.Text) == "" {
		t.Errorf("the scan e-mail has no text body")
	}
	if !strings.Contains(msg.Subject, number) {
		t.Errorf("subject %q does not hold the document number %q", msg.Subject, number)
	}
	if strings.Contains(msg.Text, "XML") {
		t.Errorf("the scan e-mail, which has no XML, mentions XML:\n%s", msg.Text)
	}
	if !strings.Contains(msg.Text, "PDF") {
		t.Errorf("the scan e-mail does not say the PDF is attached:\n%s", msg.Text)
	}
}

func names(as []transport.Attachment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Filename+" ("+a.ContentType+")")
	}
	return out
}

// TestDistribute_scanProfile sends to directory entries with the scan
// profile: a UBL invoice with its own PDF and a CII credit note without
// one, for which the rendered invoice image is attached. Each scan-profile
// recipient gets exactly one PDF and no XML.
func TestDistribute_scanProfile(t *testing.T) {
	ubl := readDoc(t, "ubl-invoice.xml")
	parsed, err := docparse.Parse(ubl, nil)
	if err != nil {
		t.Fatal(err)
	}
	var own []byte
	for _, a := range parsed.Attachments {
		if a.IsPDF() {
			own = a.Data
		}
	}
	for _, tt := range []struct {
		file, number string
		pdf          []byte
	}{
		{"ubl-invoice.xml", "2026-1001", own},
		{"cii-credit-note.xml", "", nil},
	} {
		for _, lang := range scanLangs {
			t.Run(tt.file+"/"+lang, func(t *testing.T) {
				rec := &transporttest.Recorder{}
				r, err := distribution.NewRouter(scanDirectory(t, lang), rec, distribution.Settings{
					Enabled: true, Directory: true, From: "laskut@operaattori.example", Language: lang,
				}, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := r.Distribute(t.Context(), readDoc(t, tt.file))
				if err != nil || res.Outcome != distribution.Sent {
					t.Fatalf("Distribute = %s, %v; want sent", res.Outcome, err)
				}
				msgs := rec.Messages()
				if len(msgs) != 1 {
					t.Fatalf("sent %d e-mails, want 1", len(msgs))
				}
				number := tt.number
				if number == "" {
					number = res.Document.Number
				}
				checkScanMessage(t, msgs[0], number, tt.pdf)
				s := res.Summary("en")
				if len(s.Recipients) == 0 {
					t.Fatal("the summary lists no recipients")
				}
				for _, rs := range s.Recipients {
					if rs.Profile != "scan" || rs.Outcome != "delivered" {
						t.Errorf("summary recipient %+v, want delivered with profile scan", rs)
					}
				}
				if !strings.Contains(s.Explain, "scan") {
					t.Errorf("the explanation does not name the scan profile: %s", s.Explain)
				}
				if res.Plan.Language != lang {
					t.Errorf("the plan's language is %q, want %q", res.Plan.Language, lang)
				}
				for _, l := range scanLangs {
					if e := res.Plan.Explain(l); strings.Contains(e, "XML") || !strings.Contains(e, "PDF") {
						t.Errorf("the %s explanation of an all-scan plan must name the PDF and not the XML: %s", l, e)
					}
				}
			})
		}
	}
}

// TestDistribute_standardAndScan sends a document whose own address gets the
// standard e-mail and whose directory entry has the scan profile: two
// e-mails, and the summary reports every recipient with its profile.
func TestDistribute_standardAndScan(t *testing.T) {
	for _, lang := range scanLangs {
		t.Run(lang, func(t *testing.T) { testStandardAndScan(t, lang) })
	}
}

func testStandardAndScan(t *testing.T, lang string) {
	rec := &transporttest.Recorder{}
	r, err := distribution.NewRouter(scanDirectory(t, lang), rec, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, Precedence: distribution.Both,
		From: "laskut@operaattori.example", Language: lang,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Distribute(t.Context(), readDoc(t, "ubl-invoice.xml"))
	if err != nil || res.Outcome != distribution.Sent {
		t.Fatalf("Distribute = %s, %v; want sent", res.Outcome, err)
	}
	msgs := rec.Messages()
	if len(msgs) != 2 || res.MessageID == "" || res.ScanMessageID == "" || res.MessageID == res.ScanMessageID {
		t.Fatalf("sent %d e-mails with Message-IDs %q and %q, want two distinct", len(msgs), res.MessageID, res.ScanMessageID)
	}
	var std, scan *transport.Message
	for _, m := range msgs {
		if m.MessageID == res.ScanMessageID {
			scan = m
		} else {
			std = m
		}
	}
	checkScanMessage(t, scan, "2026-1001", nil)
	if len(std.Attachments) < 2 || std.HTML == "" {
		t.Errorf("the standard e-mail has %v and HTML %t; want its PDF and XML and an HTML part", names(std.Attachments), std.HTML != "")
	}
	// The standard e-mail carries the XML and says so, in both parts.
	if !strings.Contains(std.Text, "XML") || !strings.Contains(std.HTML, "XML") {
		t.Errorf("the standard %s e-mail does not mention its XML attachment:\n%s", lang, std.Text)
	}
	// Its plan explanation describes the standard e-mail, which has the XML.
	if e := res.Plan.Explain(lang); !strings.Contains(e, "XML") {
		t.Errorf("the %s explanation of a plan with standard recipients does not name the XML: %s", lang, e)
	}
	profiles := map[string]string{}
	for _, rs := range res.Summary("en").Recipients {
		profiles[rs.Address] = rs.Profile
	}
	want := map[string]string{
		"ostolaskut@kemin-kukka.example": "", "ap@kemin-kukka.example": "scan",
		"kirjanpito@tilitoimisto.example": "scan", "arkisto@kemin-kukka.example": "scan",
	}
	for a, p := range want {
		if got, ok := profiles[a]; !ok || got != p {
			t.Errorf("summary: recipient %s has profile %q (listed %t), want %q", a, got, ok, p)
		}
	}
	if len(profiles) != len(want) {
		t.Errorf("summary recipients %v, want %v", profiles, want)
	}

	// Compose alone makes one e-mail, so it refuses a plan that needs two.
	doc, err := docparse.Parse(readDoc(t, "ubl-invoice.xml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Compose(doc, res.Plan); !errors.Is(err, distribution.ErrMixedProfiles) {
		t.Errorf("Compose of a plan with standard and scan recipients: %v, want ErrMixedProfiles", err)
	}
}

// TestDistribute_scanTooLarge checks the company's PDF size limit for
// scanning services: over it, nothing is sent and the error is typed.
func TestDistribute_scanTooLarge(t *testing.T) {
	rec := &transporttest.Recorder{}
	r, err := distribution.NewRouter(scanDirectory(t, "fi"), rec, distribution.Settings{
		Enabled: true, Directory: true, From: "laskut@operaattori.example", ScanMaxSize: 10,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Distribute(t.Context(), readDoc(t, "ubl-invoice.xml"))
	var te *distribution.ScanTooLargeError
	if res.Outcome != distribution.Rejected || !errors.Is(err, distribution.ErrScanTooLarge) || !errors.As(err, &te) {
		t.Fatalf("Distribute = %s, %v; want rejected with a *ScanTooLargeError", res.Outcome, err)
	}
	if te.Limit != 10 || te.Size <= 10 || te.Number != "2026-1001" {
		t.Errorf("ScanTooLargeError %+v", te)
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if m := te.Message(lang); !strings.Contains(m, "2026-1001") || strings.HasPrefix(m, "distribution.") {
			t.Errorf("Message(%s) = %q", lang, m)
		}
	}
	if n := len(rec.Messages()); n != 0 {
		t.Errorf("sent %d e-mails, want none", n)
	}
	if err := (distribution.Settings{ScanMaxSize: -1}).Validate(); !errors.Is(err, distribution.ErrInvalidSettings) {
		t.Errorf("Validate of a negative ScanMaxSize: %v, want ErrInvalidSettings", err)
	}
}

// A document whose PDF is larger than the company's scanning service
// accepts (Settings.ScanMaxSize) is not sent to scan-profile recipients.
func ExampleScanTooLargeError() {
	var err error = &distribution.ScanTooLargeError{Number: "2026-1001", Size: 6 << 20, Limit: distribution.DefaultScanMaxSize}
	fmt.Println(errors.Is(err, distribution.ErrScanTooLarge))
	var te *distribution.ScanTooLargeError
	if errors.As(err, &te) {
		fmt.Println(te.Message("en"))
	}
	// Output:
	// true
	// The PDF of document 2026-1001 is 6144 kB, more than the 5120 kB the scanning service accepts, so it was not sent to the scanning service. Raise the limit if the service accepts larger files, or deliver the document another way.
}
