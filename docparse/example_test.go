package docparse_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"log"

	"github.com/beevik/etree"

	"github.com/jakelu/jakelu/docparse"
)

const exampleInvoice = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>INV-1</cbc:ID>
  <cbc:IssueDate>2026-03-02</cbc:IssueDate>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cac:PartyName><cbc:Name>Kotka Systems Oy</cbc:Name></cac:PartyName>
      <cac:Contact><cbc:ElectronicMail>sales@kotka.example</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cbc:SupplierAssignedAccountID>A-77</cbc:SupplierAssignedAccountID>
    <cac:Party>
      <cac:PartyIdentification><cbc:ID>0004711</cbc:ID></cac:PartyIdentification>
      <cac:Contact><cbc:ElectronicMail>ap@buyer.example; Ledger@Buyer.EXAMPLE</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">125.50</cbc:PayableAmount></cac:LegalMonetaryTotal>
</Invoice>`

func ExampleParse() {
	doc, err := docparse.Parse([]byte(exampleInvoice), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Format, doc.Type, doc.Number, doc.IssueDate, doc.AmountDue, doc.Currency)
	for _, id := range doc.CustomerNumbers {
		fmt.Println("customer number:", id.Value, id.Kind)
	}
	for _, e := range doc.Emails {
		fmt.Println("e-mail:", e.Address)
	}
	fmt.Println("reply to:", doc.Seller.Email)
	// Output:
	// ubl invoice INV-1 2026-03-02 125.50 EUR
	// customer number: 0004711 customer-number
	// customer number: A-77 supplier-account
	// e-mail: ap@buyer.example
	// e-mail: Ledger@buyer.example
	// reply to: sales@kotka.example
}

func ExampleParseAll() {
	batch := `<?xml version="1.0" encoding="ISO-8859-1"?>
<INVOICE_CENTER><CONTENT_FRAME><INVOICES>
  <INVOICE><HEADER><INVOICE_ID>T-1</INVOICE_ID></HEADER>
    <RECEIVER><CUSTOMER_INFORMATION><CUSTOMER_ID>001</CUSTOMER_ID></CUSTOMER_INFORMATION><MAIL_ID>first@buyer.example</MAIL_ID></RECEIVER></INVOICE>
  <INVOICE><HEADER><INVOICE_ID>T-2</INVOICE_ID></HEADER>
    <RECEIVER><CUSTOMER_INFORMATION><CUSTOMER_ID>002</CUSTOMER_ID></CUSTOMER_INFORMATION><MAIL_ID>second@buyer.example</MAIL_ID></RECEIVER></INVOICE>
</INVOICES></CONTENT_FRAME></INVOICE_CENTER>`
	docs, err := docparse.ParseAll([]byte(batch), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range docs {
		// Each document's XML holds that invoice alone: it can be attached
		// to the e-mail without leaking the other customer's invoice.
		fmt.Println(d.Number, d.CustomerNumbers[0].Value, d.Emails[0].Address,
			bytes.Contains(d.XML, []byte("T-1")), bytes.Contains(d.XML, []byte("T-2")))
	}

	// Parse refuses a file with several documents rather than drop some.
	_, err = docparse.Parse([]byte(batch), nil)
	fmt.Println(errors.Is(err, docparse.ErrMultipleDocuments))
	// Output:
	// T-1 001 first@buyer.example true false
	// T-2 002 second@buyer.example false true
	// true
}

// A host app adds its own format with an Extractor for its root element.
// The same mechanism runs the built-in formats.
func ExampleExtractFunc() {
	bill := docparse.ExtractFunc(func(root *etree.Element) ([]*docparse.Document, error) {
		d := &docparse.Document{Format: "examplebill", Type: docparse.TypeInvoice}
		for _, e := range root.ChildElements() {
			switch e.Tag {
			case "No":
				d.Number = e.Text()
			case "Customer":
				d.AddCustomerNumber(e.Text(), "", docparse.KindCustomerNumber, "Bill/Customer")
			case "Mail":
				d.AddEmails(e.Text(), "Bill/Mail")
			}
		}
		return []*docparse.Document{d}, nil
	})
	opts := &docparse.Options{Extractors: map[xml.Name]docparse.Extractor{
		{Space: "urn:example:bill", Local: "Bill"}: bill,
	}}
	doc, err := docparse.Parse([]byte(`<Bill xmlns="urn:example:bill"><No>B-9</No><Customer> 0042 </Customer><Mail>mailto:pay@example.com, n/a</Mail></Bill>`), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Format, doc.Number, doc.CustomerNumbers[0].Value, doc.Emails[0].Address)
	for _, w := range doc.Warnings {
		fmt.Println(w.Code, w.Value)
	}
	// Output:
	// examplebill B-9 0042 pay@example.com
	// not-an-email n/a
}

func ExampleParseError() {
	_, err := docparse.Parse([]byte(`<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`), nil)
	var pe *docparse.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, errors.Is(err, docparse.ErrUnknownFormat))
	}
	// Output:
	// unknown-format true
}

func ExampleDocument_CustomerNumbersByKind() {
	doc, err := docparse.Parse([]byte(exampleInvoice), nil)
	if err != nil {
		log.Fatal(err)
	}
	// This company keys its directory on the supplier-assigned account
	// first, then on the buyer identifier.
	for _, id := range doc.CustomerNumbersByKind(docparse.KindSupplierAccount, docparse.KindCustomerNumber) {
		fmt.Println(id.Value, id.Path)
	}
	// Output:
	// A-77 Invoice/AccountingCustomerParty/SupplierAssignedAccountID
	// 0004711 Invoice/AccountingCustomerParty/Party/PartyIdentification/ID
}
