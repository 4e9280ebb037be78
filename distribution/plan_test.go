package distribution

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// noSend is a transport for tests that only plan.
var noSend = transport.SendFunc(func(context.Context, *transport.Message) (*transport.Receipt, error) {
	return nil, errors.New("test: nothing should be sent")
})

// testDirectory holds customer 1001 (To + Cc, Swedish) and 2002.
func testDirectory(t *testing.T) *registry.Memory {
	t.Helper()
	m := registry.NewMemory(nil)
	_, err := m.Apply(t.Context(), registry.Batch{Put: []registry.Entry{
		{CustomerNumber: "1001", To: []string{"ap@buyer.fi", "cfo@buyer.fi"}, Cc: []string{"archive@buyer.fi"}, Language: "sv"},
		{CustomerNumber: "2002", To: []string{"Lj@Buyer.se"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testDoc builds a document. addr is "valid", "invalid" or "absent";
// customer is the customer number it carries ("" for none).
func testDoc(addr string, customer ...docparse.Identifier) *docparse.Document {
	d := &docparse.Document{
		Format: docparse.FormatUBL, Type: docparse.TypeInvoice, Number: "INV-7",
		Seller:          docparse.Party{Name: "Myyjä Oy", Email: "laskutus@myyja.fi"},
		CustomerNumbers: customer,
		XML:             []byte("<Invoice/>"),
	}
	const path = "Invoice/AccountingCustomerParty/Party/Contact/ElectronicMail"
	switch addr {
	case "valid":
		d.Emails = []docparse.Email{{Address: "lj@buyer.se", Path: path}}
	case "invalid":
		_, err := address.Parse("lj@buyer")
		d.Warnings = []docparse.Warning{{Code: "invalid-email", Path: path, Value: "lj@buyer", Message: err.Error(), Err: err}}
	}
	return d
}

func cn(value string, kind docparse.IDKind) docparse.Identifier {
	return docparse.Identifier{Value: value, Kind: kind, Path: "Invoice/AccountingCustomerParty/Party/PartyIdentification/ID"}
}

func addresses(rs []Recipient) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return out
}

func codes(p *Plan) []StepCode {
	var out []StepCode
	for _, s := range p.Steps {
		out = append(out, s.Code)
	}
	return out
}

// TestRouter_Plan_everyCombination checks every combination of the two
// method switches, the precedence, the document address (valid, invalid,
// absent) and a directory hit or miss against the rule stated in the
// package documentation.
func TestRouter_Plan_everyCombination(t *testing.T) {
	dir := testDirectory(t)
	for _, docSwitch := range []bool{false, true} {
		for _, dirSwitch := range []bool{false, true} {
			for _, prec := range []Precedence{DocumentFirst, DirectoryFirst, Both} {
				for _, addr := range []string{"valid", "invalid", "absent"} {
					for _, hit := range []bool{false, true} {
						name := fmt.Sprintf("doc=%v/dir=%v/%s/addr=%s/hit=%v", docSwitch, dirSwitch, prec, addr, hit)
						t.Run(name, func(t *testing.T) {
							customer := "9999"
							if hit {
								customer = "1001"
							}
							s := Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: docSwitch, Directory: dirSwitch, Precedence: prec}
							r, err := NewRouter(dir, noSend, s, nil)
							if err != nil {
								t.Fatal(err)
							}
							p, err := r.Plan(t.Context(), testDoc(addr, cn(customer, docparse.KindCustomerNumber)))

							docOK := docSwitch && addr == "valid"
							dirOK := dirSwitch && hit
							want := SourceNone
							switch {
							case docOK && dirOK:
								want = map[Precedence]Source{DocumentFirst: SourceDocument, DirectoryFirst: SourceDirectory, Both: SourceBoth}[prec]
							case docOK:
								want = SourceDocument
							case dirOK:
								want = SourceDirectory
							}
							if p.Source != want {
								t.Fatalf("source = %s, want %s; steps %v", p.Source, want, codes(p))
							}
							var wantTo, wantCc []string
							switch want {
							case SourceDocument:
								wantTo = []string{"lj@buyer.se"}
							case SourceDirectory:
								wantTo, wantCc = []string{"ap@buyer.fi", "cfo@buyer.fi"}, []string{"archive@buyer.fi"}
							case SourceBoth:
								wantTo, wantCc = []string{"lj@buyer.se", "ap@buyer.fi", "cfo@buyer.fi"}, []string{"archive@buyer.fi"}
							}
							if got := addresses(p.To); !slices.Equal(got, wantTo) {
								t.Errorf("To = %q, want %q", got, wantTo)
							}
							if got := addresses(p.Cc); !slices.Equal(got, wantCc) {
								t.Errorf("Cc = %q, want %q", got, wantCc)
							}
							if want == SourceNone {
								var nr *NoRecipientError
								if !errors.As(err, &nr) || !errors.Is(err, ErrNoRecipient) || nr.Plan != p {
									t.Errorf("err = %v, want *NoRecipientError carrying the plan", err)
								}
							} else if err != nil {
								t.Errorf("err = %v", err)
							}
							// Every method's switch and result is explained.
							c := codes(p)
							if !docSwitch && !slices.Contains(c, StepDocumentOff) || !dirSwitch && !slices.Contains(c, StepDirectoryOff) {
								t.Errorf("a switched-off method is not explained: %v", c)
							}
							if docSwitch && addr == "invalid" && !slices.Contains(c, StepDocumentInvalid) {
								t.Errorf("invalid document address not explained: %v", c)
							}
							if c[len(c)-1] != StepDecision {
								t.Errorf("last step = %s, want the decision", c[len(c)-1])
							}
							for _, lang := range Languages() {
								if e := p.Explain(lang); e == "" || strings.Contains(e, "%!") {
									t.Errorf("Explain(%s) = %q", lang, e)
								}
							}
						})
					}
				}
			}
		}
	}
}

func TestRouter_Plan(t *testing.T) {
	dir := testDirectory(t)
	base := Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true, Directory: true}
	tests := []struct {
		name     string
		settings func(*Settings)
		doc      *docparse.Document
		source   Source
		to       []string
		lang     string
		steps    []StepCode
		err      error
	}{
		{
			name:     "disabled_distribution_plans_nothing",
			settings: func(s *Settings) { s.Enabled = false },
			doc:      testDoc("valid", cn("1001", docparse.KindCustomerNumber)),
			source:   SourceNone, lang: "en",
			steps: []StepCode{StepDisabled},
			err:   ErrDistributionDisabled,
		},
		{
			name:   "document_first_does_not_consult_the_directory",
			doc:    testDoc("valid", cn("1001", docparse.KindCustomerNumber)),
			source: SourceDocument, to: []string{"lj@buyer.se"}, lang: "en",
			steps: []StepCode{StepDocumentAddress, StepDirectoryNotTried, StepDecision},
		},
		{
			name:   "registry_miss_then_hit_on_second_customer_number",
			doc:    testDoc("absent", cn("9999", docparse.KindCustomerNumber), cn("2002", docparse.KindBusinessID)),
			source: SourceDirectory, to: []string{"Lj@buyer.se"}, lang: "en",
			steps: []StepCode{StepDocumentNone, StepDirectoryMiss, StepDirectoryHit, StepDecision},
		},
		{
			name:     "directory_entry_language_wins",
			settings: func(s *Settings) { s.Precedence = DirectoryFirst; s.Language = "fi" },
			doc:      testDoc("valid", cn("1001", docparse.KindCustomerNumber)),
			source:   SourceDirectory, to: []string{"ap@buyer.fi", "cfo@buyer.fi"}, lang: "sv",
			steps: []StepCode{StepDocumentAddress, StepDirectoryHit, StepDecision},
		},
		{
			name:     "company_default_language",
			settings: func(s *Settings) { s.Language = "fi" },
			doc:      testDoc("valid"),
			source:   SourceDocument, to: []string{"lj@buyer.se"}, lang: "fi",
			steps: []StepCode{StepDocumentAddress, StepDirectoryNotTried, StepDecision},
		},
		{
			name:     "only_configured_kinds_are_tried_in_configured_order",
			settings: func(s *Settings) { s.CustomerNumberKinds = []docparse.IDKind{docparse.KindBusinessID} },
			doc:      testDoc("absent", cn("1001", docparse.KindCustomerNumber), cn("2002", docparse.KindBusinessID)),
			source:   SourceDirectory, to: []string{"Lj@buyer.se"}, lang: "en",
			steps: []StepCode{StepDocumentNone, StepCustomerSkipped, StepDirectoryHit, StepDecision},
		},
		{
			name:   "no_customer_number_and_no_address",
			doc:    testDoc("absent"),
			source: SourceNone, lang: "en",
			steps: []StepCode{StepDocumentNone, StepNoCustomerNumber, StepDecision},
			err:   ErrNoRecipient,
		},
		{
			name:   "same_value_twice_is_looked_up_once",
			doc:    testDoc("absent", cn("9999", docparse.KindCustomerNumber), cn("9999", docparse.KindBuyerReference)),
			source: SourceNone, lang: "en",
			steps: []StepCode{StepDocumentNone, StepDirectoryMiss, StepDecision},
			err:   ErrNoRecipient,
		},
		{
			name:     "both_deduplicates_case_insensitively",
			settings: func(s *Settings) { s.Precedence = Both },
			doc:      testDoc("valid", cn("2002", docparse.KindCustomerNumber)),
			source:   SourceBoth, to: []string{"lj@buyer.se"}, lang: "en",
			steps: []StepCode{StepDocumentAddress, StepDirectoryHit, StepDecision},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			if tt.settings != nil {
				tt.settings(&s)
			}
			r, err := NewRouter(dir, noSend, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := r.Plan(t.Context(), tt.doc)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if p.Source != tt.source || !slices.Equal(addresses(p.To), tt.to) || p.Language != tt.lang {
				t.Errorf("plan = %s %q %s, want %s %q %s", p.Source, addresses(p.To), p.Language, tt.source, tt.to, tt.lang)
			}
			if got := codes(p); !reflect.DeepEqual(got, tt.steps) {
				t.Errorf("steps = %v, want %v", got, tt.steps)
			}
		})
	}
}

func TestPlan_Explain(t *testing.T) {
	r, err := NewRouter(testDirectory(t), noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true, Directory: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := r.Plan(t.Context(), testDoc("invalid", cn("9999", docparse.KindCustomerNumber), cn("1001", docparse.KindCustomerNumber)))
	want := map[string]string{
		"en": `The document gives the address “lj@buyer” (the buyer's contact e-mail), which cannot be used: the domain after the @ has no dot. ` +
			"The document gives no usable e-mail address. Customer number 9999 is not in the recipient directory. " +
			"Customer number 1001 is in the recipient directory: ap@buyer.fi, cfo@buyer.fi; copy to archive@buyer.fi. " +
			"The document is sent to the addresses in the recipient directory. " +
			"The document has no PDF, so its invoice image is rendered and attached before the XML.",
		"fi": `Asiakirjassa on osoite ”lj@buyer” (ostajan yhteyssähköposti), jota ei voi käyttää: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä. ` +
			"Asiakirjassa ei ole käyttökelpoista sähköpostiosoitetta. Asiakasnumero 9999 ei ole vastaanottajahakemistossa. " +
			"Asiakasnumero 1001 on vastaanottajahakemistossa: ap@buyer.fi, cfo@buyer.fi; kopio archive@buyer.fi. " +
			"Asiakirja lähetetään vastaanottajahakemiston osoitteisiin. " +
			"Asiakirjassa ei ole PDF:ää, joten siitä muodostetaan laskun kuva, joka liitetään ennen XML:ää.",
		"sv": `Dokumentet anger adressen ”lj@buyer” (köparens kontakt-e-post), som inte kan användas: domänen efter @ saknar punkt. ` +
			"Dokumentet anger ingen användbar e-postadress. Kundnummer 9999 finns inte i mottagarkatalogen. " +
			"Kundnummer 1001 finns i mottagarkatalogen: ap@buyer.fi, cfo@buyer.fi; kopia till archive@buyer.fi. " +
			"Dokumentet skickas till adresserna i mottagarkatalogen. " +
			"Dokumentet har ingen PDF, så dess fakturabild skapas och bifogas före XML-filen.",
	}
	for lang, w := range want {
		if got := p.Explain(lang); got != w {
			t.Errorf("Explain(%s):\n got %s\nwant %s", lang, got, w)
		}
	}
}

func TestRouter_Plan_lookupFailure(t *testing.T) {
	boom := errors.New("database is down")
	reg := registry.LookupFunc(func(context.Context, string) (registry.Entry, error) { return registry.Entry{}, boom })
	r, err := NewRouter(reg, noSend, Settings{Enabled: true, From: "noreply@operator.fi", Directory: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Plan(t.Context(), testDoc("absent", cn("1001", docparse.KindCustomerNumber)))
	var le *LookupError
	if !errors.As(err, &le) || !errors.Is(err, boom) || le.CustomerNumber != "1001" {
		t.Fatalf("err = %v, want *LookupError wrapping the cause", err)
	}
}

func TestSettings_Validate(t *testing.T) {
	tests := []struct {
		name  string
		s     Settings
		field string
	}{
		{"enabled_without_from", Settings{Enabled: true}, "From"},
		{"bad_from", Settings{Enabled: true, From: "noreply@localhost"}, "From"},
		{"bad_reply_to", Settings{From: "a@b.fi", ReplyTo: "x"}, "ReplyTo"},
		{"bad_precedence", Settings{From: "a@b.fi", Precedence: "first"}, "Precedence"},
		{"bad_language", Settings{From: "a@b.fi", Language: "de"}, "Language"},
		{"bad_kind", Settings{From: "a@b.fi", CustomerNumberKinds: []docparse.IDKind{"vat"}}, "CustomerNumberKinds"},
		{"disabled_zero_value_is_valid", Settings{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			var se *SettingsError
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if !errors.As(err, &se) || se.Field != tt.field || !errors.Is(err, ErrInvalidSettings) {
				t.Fatalf("Validate() = %v, want *SettingsError for %s", err, tt.field)
			}
		})
	}
	if _, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "a@b.fi", Directory: true}, nil); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("NewRouter without registry but directory on = %v", err)
	}
}

func TestSettingsError_Message(t *testing.T) {
	tests := []struct {
		s    Settings
		lang string
		want string
	}{
		{Settings{Enabled: true, From: "a@b"}, "fi", `”a@b” ei ole käyttökelpoinen sähköpostiosoite: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä.`},
		{Settings{Enabled: true}, "en", "The sender address is required."},
		{Settings{From: "a@b.fi", Precedence: "x"}, "sv", `Välj om dokumentets adress, mottagarkatalogen eller båda har företräde (”x” är inget av dem).`},
		{Settings{From: "a@b.fi", Language: "de"}, "en", `Choose Finnish, Swedish or English (“de” is not supported).`},
		{Settings{From: "a@b.fi", CustomerNumberKinds: []docparse.IDKind{"vat"}}, "fi", `”vat” ei ole asiakasnumeron tyyppi.`},
	}
	for _, tt := range tests {
		var se *SettingsError
		if err := tt.s.Validate(); !errors.As(err, &se) {
			t.Fatalf("Validate(%+v) = %v", tt.s, err)
		}
		if got := se.Message(tt.lang); got != tt.want {
			t.Errorf("Message(%s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

// manyAddresses returns a document that gives n valid addresses and
// carries customer number 1001 (To 2, Cc 1 in testDirectory).
func manyAddresses(n int) *docparse.Document {
	d := testDoc("absent", cn("1001", docparse.KindCustomerNumber))
	for i := range n {
		d.Emails = append(d.Emails, docparse.Email{Address: fmt.Sprintf("a%d@buyer.fi", i), Path: "Invoice/AccountingCustomerParty/Party/Contact/ElectronicMail"})
	}
	return d
}

// TestRouter_MaxRecipients checks the limit of recipients, To and Cc
// together, of one document's e-mail: more is never sent, the plan says why
// in every language and has no recipients, Distribute ends Rejected with a
// *TooManyRecipientsError, and a document's addresses beyond the limit are
// counted in one step rather than listed.
func TestRouter_MaxRecipients(t *testing.T) {
	dir := testDirectory(t)
	base := Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true, Directory: true}
	tests := []struct {
		name      string
		max       int // Options.MaxRecipients
		prec      Precedence
		doc       *docparse.Document
		wantCount int // 0: within the limit
		wantMax   int
		wantSteps int // how many steps the plan may have at most
	}{
		{name: "default limit, 50 addresses", doc: manyAddresses(50), wantSteps: 52},
		{name: "default limit, 51 addresses", doc: manyAddresses(51), wantCount: 51, wantMax: DefaultMaxRecipients, wantSteps: 53},
		{name: "default limit, 5000 addresses", doc: manyAddresses(5000), wantCount: 5000, wantMax: DefaultMaxRecipients, wantSteps: 53},
		{name: "directory entry of 3 under a limit of 3", max: 3, prec: DirectoryFirst, doc: manyAddresses(0), wantSteps: 3},
		{name: "directory entry of 3 over a limit of 2", max: 2, prec: DirectoryFirst, doc: manyAddresses(0), wantCount: 3, wantMax: 2, wantSteps: 3},
		{name: "both methods: the union counts", max: 4, prec: Both, doc: manyAddresses(2), wantCount: 5, wantMax: 4, wantSteps: 5},
		{name: "directory first ignores the document's many addresses", max: 10, prec: DirectoryFirst, doc: manyAddresses(100), wantSteps: 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.Precedence = tt.prec
			rec := &transporttest.Recorder{}
			r, err := NewRouter(dir, rec, s, &Options{MaxRecipients: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			p, err := r.Plan(t.Context(), tt.doc)
			if len(p.Steps) > tt.wantSteps {
				t.Errorf("%d steps, want at most %d: %v", len(p.Steps), tt.wantSteps, codes(p))
			}
			for _, lang := range Languages() {
				if e := p.Explain(lang); strings.Contains(e, "%!") {
					t.Errorf("Explain(%s) = %q", lang, e)
				}
			}
			res, derr := r.DistributeDocument(t.Context(), tt.doc)
			if tt.wantCount == 0 {
				if err != nil || derr != nil || res.Outcome != Sent || len(rec.Messages()) != 1 {
					t.Fatalf("Plan: %v; Distribute: %s, %v, %d sent; want sent once", err, res.Outcome, derr, len(rec.Messages()))
				}
				return
			}
			var tm *TooManyRecipientsError
			if !errors.As(err, &tm) || !errors.Is(err, ErrTooManyRecipients) || tm.Count != tt.wantCount || tm.Max != tt.wantMax || tm.Number != tt.doc.Number {
				t.Fatalf("Plan error %#v, want *TooManyRecipientsError{Count: %d, Max: %d}", err, tt.wantCount, tt.wantMax)
			}
			last := p.Steps[len(p.Steps)-1]
			if last.Code != StepTooManyRecipients || last.Count != tt.wantCount || last.Max != tt.wantMax || len(p.To)+len(p.Cc) != 0 || p.Source != SourceNone {
				t.Errorf("plan %+v, last step %+v; want no recipients and the reason last", p, last)
			}
			if !errors.Is(derr, ErrTooManyRecipients) || res.Outcome != Rejected || len(rec.Messages()) != 0 {
				t.Errorf("Distribute: %s, %v, %d sent; want Rejected with ErrTooManyRecipients and nothing sent", res.Outcome, derr, len(rec.Messages()))
			}
		})
	}
}

// TestCompose_tooManyRecipients checks that Compose refuses a plan a caller
// built with more recipients than the limit.
func TestCompose_tooManyRecipients(t *testing.T) {
	r, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true}, &Options{MaxRecipients: 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		to, cc int
		ok     bool
	}{
		{"at the limit", 1, 1, true},
		{"over it in To", 3, 0, false},
		{"over it with Cc", 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Number: "INV-7", Language: "en", Source: SourceDocument}
			for i := range tt.to + tt.cc {
				rc := Recipient{Address: fmt.Sprintf("r%d@buyer.fi", i), Source: SourceDocument}
				if i < tt.to {
					p.To = append(p.To, rc)
				} else {
					p.Cc = append(p.Cc, rc)
				}
			}
			_, err := r.Compose(testDoc("valid"), p)
			var tm *TooManyRecipientsError
			if tt.ok != (err == nil) || !tt.ok && (!errors.As(err, &tm) || tm.Count != tt.to+tt.cc || tm.Max != 2) {
				t.Fatalf("Compose: %v", err)
			}
		})
	}
}

func TestTooManyRecipientsError_Message(t *testing.T) {
	e := &TooManyRecipientsError{Number: "INV-7", Count: 5000, Max: 50}
	tests := []struct{ lang, want string }{
		{"en", "Document INV-7 would go to 5000 addresses (recipients and copies together), more than the 50 one e-mail may have, so it was not sent. Correct the addresses in the document or in its recipient directory entry."},
		{"fi", "Asiakirja INV-7 menisi 5000 osoitteeseen (vastaanottajat ja kopiot yhteensä), mikä on enemmän kuin yhden sähköpostin enimmäismäärä 50, joten sitä ei lähetetty. Korjaa asiakirjan tai sen vastaanottajahakemiston tietueen osoitteet."},
		{"sv", "Dokument INV-7 skulle gå till 5000 adresser (mottagare och kopior sammanlagt), fler än de 50 ett e-postmeddelande får ha, så det skickades inte. Rätta adresserna i dokumentet eller i dess post i mottagarkatalogen."},
		{"de", "Document INV-7 would go to 5000 addresses (recipients and copies together), more than the 50 one e-mail may have, so it was not sent. Correct the addresses in the document or in its recipient directory entry."},
	}
	for _, tt := range tests {
		if got := e.Message(tt.lang); got != tt.want {
			t.Errorf("Message(%s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
	if got := e.Error(); !strings.Contains(got, `"INV-7"`) || !strings.Contains(got, "5000") || !strings.Contains(got, "50") || !strings.Contains(got, "MaxRecipients") {
		t.Errorf("Error() = %q, want the number, the count, the limit and the option", got)
	}
}

// TestPlan_Explain_tooMany checks the sentences of the steps a document
// with too many addresses gives.
func TestPlan_Explain_tooMany(t *testing.T) {
	r, err := NewRouter(nil, noSend, Settings{Enabled: true, From: "noreply@operator.fi", DocumentAddress: true}, &Options{MaxRecipients: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := r.Plan(t.Context(), manyAddresses(3))
	want := map[string]string{
		"en": "The document gives the address a0@buyer.fi (the buyer's contact e-mail). The document gives 2 more addresses. The recipient directory is not in use. " +
			"The document would go to 3 addresses (recipients and copies together), more than the 1 one e-mail may have, so it is not sent: correct the addresses in the document or in the recipient directory.",
		"fi": "Asiakirjassa on osoite a0@buyer.fi (ostajan yhteyssähköposti). Asiakirjassa on vielä 2 muuta osoitetta. Vastaanottajahakemisto ei ole käytössä. " +
			"Asiakirja menisi 3 osoitteeseen (vastaanottajat ja kopiot yhteensä), mikä on enemmän kuin yhden sähköpostin enimmäismäärä 1, joten sitä ei lähetetä: korjaa asiakirjan tai vastaanottajahakemiston osoitteet.",
		"sv": "Dokumentet anger adressen a0@buyer.fi (köparens kontakt-e-post). Dokumentet anger ytterligare 2 adresser. Mottagarkatalogen används inte. " +
			"Dokumentet skulle gå till 3 adresser (mottagare och kopior sammanlagt), fler än de 1 ett e-postmeddelande får ha, så det skickas inte: rätta adresserna i dokumentet eller i mottagarkatalogen.",
	}
	for lang, w := range want { // the shipped languages (a test may have added nb)
		if got := p.Explain(lang); got != w {
			t.Errorf("Explain(%s):\n got %s\nwant %s", lang, got, w)
		}
	}
}

// TestStep_Explain_where checks that an explanation names in words what
// the address in the document is, for the element paths of every format,
// and never shows the path, which stays in Step.Path.
func TestStep_Explain_where(t *testing.T) {
	tests := []struct {
		path, en, fi string
	}{
		{"Invoice/AccountingCustomerParty/Party/Contact/ElectronicMail", "the buyer's contact e-mail", "ostajan yhteyssähköposti"},
		{"Invoice/AccountingCustomerParty/Party/Contact/OtherCommunication/Value", "the buyer's contact e-mail", "ostajan yhteyssähköposti"},
		{"Invoice/AccountingCustomerParty/Party/EndpointID", "the buyer's electronic address", "ostajan sähköinen osoite"},
		{"Invoice/BuyerParty/AccountsContact/ElectronicMail", "the buyer's accounts contact e-mail", "ostajan reskontrayhteyshenkilön sähköposti"},
		{"CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement/BuyerTradeParty/DefinedTradeContact/EmailURIUniversalCommunication/URIID", "the buyer's contact e-mail", "ostajan yhteyssähköposti"},
		{"CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement/BuyerTradeParty/URIUniversalCommunication/URIID", "the buyer's electronic address", "ostajan sähköinen osoite"},
		{"CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/InvoiceeTradeParty/URIUniversalCommunication/URIID", "the invoice recipient's e-mail", "laskun vastaanottajan sähköposti"},
		{"Finvoice/BuyerCommunicationDetails/BuyerEmailaddressIdentifier", "the buyer's contact e-mail", "ostajan yhteyssähköposti"},
		{"Finvoice/InvoiceRecipientCommunicationDetails/InvoiceRecipientEmailaddressIdentifier", "the invoice recipient's e-mail", "laskun vastaanottajan sähköposti"},
		{"Bill/Mail", "a buyer e-mail address", "ostajan sähköpostiosoite"},
		{"", "a buyer e-mail address", "ostajan sähköpostiosoite"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s := Step{Code: StepDocumentAddress, Address: "a@buyer.fi", Path: tt.path}
			for lang, want := range map[string]string{"en": tt.en, "fi": tt.fi} {
				got := s.Explain(lang)
				if !strings.Contains(got, "("+want+")") {
					t.Errorf("Explain(%s) = %q, want it to name %q", lang, got, want)
				}
				if tt.path != "" && strings.Contains(got, "/") {
					t.Errorf("Explain(%s) = %q shows an element path", lang, got)
				}
			}
		})
	}
}
