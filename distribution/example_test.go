package distribution_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// The whole flow: import the company's recipient directory, build its
// router and distribute a document. In production the transport is
// transport/smtp and the directory registry/sqlregistry.
func Example() {
	ctx := context.Background()

	// The recipient directory: customer number → addresses (and copies).
	directory := registry.NewMemory(nil)
	file := "10202;laskut@vasatradgard.example reskontra@bokforing.example;ekonomi@vasatradgard.example\n"
	batch, err := importer.Read(strings.NewReader(file), []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := importer.Apply(ctx, directory, batch); err != nil {
		log.Fatal(err)
	}

	// The company's settings and router; a Recorder stands in for SMTP.
	outbox := &transporttest.Recorder{}
	router, err := distribution.NewRouter(directory, outbox, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true,
		From: "laskut@operaattori.example", Language: "fi",
	}, nil)
	if err != nil {
		log.Fatal(err)
	}

	invoice, err := os.ReadFile("../examples/quickstart/documents/cii-credit-note.xml")
	if err != nil {
		log.Fatal(err)
	}
	res, err := router.Distribute(ctx, invoice)
	if err != nil {
		log.Fatal(err)
	}
	msg := outbox.Messages()[0]
	fmt.Println(res.Outcome, "to", msg.To[0].Address, msg.To[1].Address, "cc", msg.Cc[0].Address)
	fmt.Println(msg.Subject)
	fmt.Println(res.Plan.Explain("en"))
	for _, a := range msg.Attachments {
		fmt.Println(a.Filename, a.ContentType)
	}
	// Output:
	// sent to laskut@vasatradgard.example reskontra@bokforing.example cc ekonomi@vasatradgard.example
	// Kreditfaktura HL-2026-0042 – Pohjoisen Puutarha Oy
	// The document gives no usable e-mail address. Customer number 10202 is in the recipient directory: laskut@vasatradgard.example, reskontra@bokforing.example; copy to ekonomi@vasatradgard.example. The document is sent to the addresses in the recipient directory. The document has no PDF, so its invoice image is rendered and attached before the XML.
	// kreditfaktura-HL-2026-0042.pdf application/pdf
	// kreditfaktura-HL-2026-0042.xml application/xml
}

// Plan explains a routing decision without sending anything.
func ExampleRouter_Plan() {
	directory := registry.NewMemory(nil)
	router, err := distribution.NewRouter(directory, &transporttest.Recorder{}, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true, From: "laskut@operaattori.example",
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	doc := mustParse("../examples/quickstart/documents/finvoice-invoice.xml")
	plan, err := router.Plan(context.Background(), doc)
	fmt.Println(plan.Source, err != nil)
	fmt.Println(plan.Explain("fi"))
	// Output:
	// none true
	// Asiakirjassa ei ole käyttökelpoista sähköpostiosoitetta. Asiakasnumero 55555 ei ole vastaanottajahakemistossa. Vastaanottajaa ei löytynyt, joten asiakirjaa ei lähetetä sähköpostilla.
}

// A Finvoice has no PDF of its own: the e-mail carries its invoice image,
// rendered by the router, unless the company switches images off. The
// plan says which, and Compose records what happened.
func ExamplePDFChoice() {
	doc := mustParse("../docparse/testdata/finvoice.xml")
	for _, image := range []distribution.InvoiceImage{distribution.InvoiceImageOn, distribution.InvoiceImageOff} {
		router, err := distribution.NewRouter(nil, &transporttest.Recorder{}, distribution.Settings{
			Enabled: true, DocumentAddress: true, From: "laskut@operaattori.example",
			Operator: "Operaattori Oy", InvoiceImage: image,
		}, nil)
		if err != nil {
			log.Fatal(err)
		}
		plan, err := router.Plan(context.Background(), doc)
		if err != nil {
			log.Fatal(err)
		}
		msg, err := router.Compose(doc, plan)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(plan.PDF.Code, plan.PDF.Pages, len(msg.Attachments))
		fmt.Println(plan.PDF.Explain("en"))
		for _, a := range msg.Attachments {
			fmt.Println(" ", a.Filename)
		}
	}
	// Output:
	// rendered 1 2
	// The document has no PDF, so its invoice image is rendered and attached before the XML.
	//   lasku-260105.pdf
	//   lasku-260105.xml
	// image-off 0 1
	// The document has no PDF and invoice images are switched off, so only the XML is attached.
	//   lasku-260105.xml
}

func mustParse(name string) *docparse.Document {
	data, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	doc, err := docparse.Parse(data, nil)
	if err != nil {
		log.Fatal(err)
	}
	return doc
}

// A host app adds Norwegian (Bokmål) without forking the library: one call
// with the translation files and e-mail templates of testdata/nb. From
// then on "nb", "nb-NO" and "no" are understood everywhere: the company's
// language, e-mails, plan explanations and the importer's, registry's and
// parser's messages.
func ExampleAddLanguage() {
	if err := distribution.AddLanguage("nb", os.DirFS("testdata/nb")); err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	directory := registry.NewMemory(nil)
	if err := directory.Put(ctx, registry.Entry{CustomerNumber: "10202", To: []string{"faktura@fjordhagen.example"}}); err != nil {
		log.Fatal(err)
	}
	outbox := &transporttest.Recorder{}
	router, err := distribution.NewRouter(directory, outbox, distribution.Settings{
		Enabled: true, DocumentAddress: true, Directory: true,
		From: "faktura@operator.example", Language: "nb",
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	invoice, err := os.ReadFile("../examples/quickstart/documents/cii-credit-note.xml")
	if err != nil {
		log.Fatal(err)
	}
	res, err := router.Distribute(ctx, invoice)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(outbox.Messages()[0].Subject)
	fmt.Println(res.Plan.Explain("nb-NO"))

	// An import file with a comma between two addresses.
	file := "Kundenummer;E-post\n10203;ola@fjordhagen.example, kari@fjordhagen.example\n"
	_, err = importer.Read(strings.NewReader(file), []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		p := ie.Problems[0]
		fmt.Println(p.Position("no") + ": " + p.Message("no"))
	}
	// Output:
	// Kreditfaktura HL-2026-0042 – Pohjoisen Puutarha Oy
	// Dokumentet oppgir ingen brukbar e-postadresse. Kundenummer 10202 finnes i mottakerregisteret: faktura@fjordhagen.example. Dokumentet sendes til adressene i mottakerregisteret. Dokumentet har ingen PDF, så fakturabildet lages og legges ved før XML-filen.
	// rad 2, kolonne B: Ekstra komma mellom to adresser i «ola@fjordhagen.example, kari@fjordhagen.example» — skill adressene med et mellomrom.
}
