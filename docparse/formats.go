package docparse

import (
	"encoding/xml"
	"strings"

	"github.com/beevik/etree"
)

// Namespaces of the built-in formats.
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsUBLCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsUBLCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

	nsSFTIInvoice  = "urn:sfti:documents:BasicInvoice:1:0"
	nsSFTIEnvelope = "urn:sfti:documents:ObjectEnvelope:1:0"
	nsSFTICAC      = "urn:sfti:CommonAggregateComponents:1:0"
	nsSFTICBC      = "urn:oasis:names:tc:ubl:CommonBasicComponents:1:0"

	nsCII    = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
	nsCIIRAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
	nsCIIUDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"

	nsZF1    = "urn:ferd:CrossIndustryDocument:invoice:1p0"
	nsZF1RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
	nsZF1UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
)

// builtin is the Extractor of a built-in format for one root element. It
// reads a tree with Extract and, when the format holds one document per
// file, a token stream (see streamExtractor).
type builtin struct {
	spec       *spec
	tree       *node
	numberPath string // element path of the document number
	eachPath   string // element path each document starts at
	credit     bool   // the root is a credit note (UBL CreditNote)
}

func newBuiltin(sp *spec, root string, credit bool) *builtin {
	tree, numberPath, eachPath := compile(sp, root)
	return &builtin{spec: sp, tree: tree, numberPath: numberPath, eachPath: eachPath, credit: credit}
}

// Extract reads the documents under root in one walk over the tree.
func (b *builtin) Extract(root *etree.Element) ([]*Document, error) {
	return b.extract(root, DefaultMaxSize)
}

// extract is Extract for an input size limit of maxSize.
func (b *builtin) extract(root *etree.Element, maxSize int64) ([]*Document, error) {
	w := &walker{b: b, maxSize: maxSize}
	w.walkTree(root)
	return w.result(root)
}

// A streamExtractor is an Extractor that can also read a file from its
// token stream, without a tree: the optional-interface pattern of
// io.WriterTo. Parse uses it for a file with one root element whose
// extractor has it; every other file is parsed into a tree for Extract.
// Only the built-in formats have it (its method is unexported), so a host
// app's Extractor always gets a tree.
type streamExtractor interface {
	Extractor
	// streamWalker returns a walker to send the events of the file's root
	// element to, or nil when the format can hold several documents per
	// file and needs the tree (their XML is re-serialised from it).
	streamWalker() *walker
}

var _ streamExtractor = (*builtin)(nil)

func (b *builtin) streamWalker() *walker {
	if b.spec.each != "" {
		return nil
	}
	return &walker{b: b}
}

// builtins are the extractors of the built-in formats by root element.
var builtins = map[xml.Name]Extractor{
	{Space: nsUBLInvoice, Local: "Invoice"}:          newBuiltin(ublSpec, "Invoice", false),
	{Space: nsUBLCreditNote, Local: "CreditNote"}:    newBuiltin(ublSpec, "CreditNote", true),
	{Space: nsSFTIInvoice, Local: "Invoice"}:         newBuiltin(svefaktura1Spec, "Invoice", false),
	{Space: nsCII, Local: "CrossIndustryInvoice"}:    newBuiltin(ciiSpec, "CrossIndustryInvoice", false),
	{Space: nsZF1, Local: "CrossIndustryDocument"}:   newBuiltin(zugferd1Spec, "CrossIndustryDocument", false),
	{Space: "", Local: "Finvoice"}:                   newBuiltin(finvoiceSpec, "Finvoice", false),
	{Space: "", Local: "INVOICE_CENTER"}:             newBuiltin(teappsSpec, "INVOICE_CENTER", false),
	{Space: nsSFTIEnvelope, Local: "ObjectEnvelope"}: ExtractFunc(rejectObjectEnvelope),
	{Space: "", Local: "FinvoiceAttachments"}:        ExtractFunc(rejectFinvoiceAttachments),
}

// rejectObjectEnvelope refuses an SFTI ObjectEnvelope: the attachments of a
// Svefaktura 1.0 invoice, sent as a message of their own.
func rejectObjectEnvelope(root *etree.Element) ([]*Document, error) {
	ref := ""
	for _, dr := range root.ChildElements() {
		for _, id := range dr.ChildElements() {
			if dr.Tag == "DocumentReference" && id.Tag == "DocumentID" {
				ref = collapse(id.Text())
			}
		}
	}
	return nil, &ParseError{Code: CodeAttachmentMessage, Path: "ObjectEnvelope",
		Detail: "this SFTI ObjectEnvelope carries the attachments of invoice " + quoteOrNone(ref) +
			"; it is not an invoice itself: parse the Svefaktura invoice and send the attachments with it"}
}

// rejectFinvoiceAttachments refuses a Finvoice attachment message.
func rejectFinvoiceAttachments(*etree.Element) ([]*Document, error) {
	return nil, &ParseError{Code: CodeAttachmentMessage, Path: "FinvoiceAttachments",
		Detail: "this is a Finvoice attachment message, not an invoice: parse the Finvoice it belongs to and send the attachments with it"}
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(not stated)"
	}
	return `"` + s + `"`
}

// UBL 2.x Invoice and CreditNote (FORMATS.md §1).
var ublSpec = &spec{
	format: FormatUBL,
	ns:     map[string]string{"cac": nsUBLCAC, "cbc": nsUBLCBC},
	number: "cbc:ID",
	rules: concat([]rule{
		{"cbc:UBLVersionID", str(fVersion, 1)},
		{"cbc:CustomizationID", str(fCustomization, 1)},
		{"cbc:ProfileID", str(fProfile, 1)},
		{"cbc:ID", str(fNumber, 1)},
		{"cbc:IssueDate", date(fIssueDate, 1)},
		{"cbc:DueDate", date(fDueDate, 1)},
		{"cbc:InvoiceTypeCode", typeCode(nil)},
		{"cbc:CreditNoteTypeCode", typeCode(nil)},
		{"cbc:DocumentCurrencyCode", str(fCurrency, 1)},
		{"cbc:BuyerReference", ident(5, KindBuyerReference)},

		{"cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", str(fSellerName, 1)},
		{"cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name", str(fSellerName, 2)},
		{"cac:AccountingSupplierParty/cac:Party/cac:Contact/cbc:ElectronicMail", mail(1, seller)},

		{"cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", str(fBuyerName, 1)},
		{"cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name", str(fBuyerName, 2)},
		{"cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID", partyID(1, 3, "schemeID")},
		{"cac:AccountingCustomerParty/cbc:SupplierAssignedAccountID", ident(2, KindSupplierAccount, "schemeID")},
		{"cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ID", ident(4, KindContactID, "schemeID")},
		{"cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", endpoint(rankEndpoint)},
		{"cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail", mail(rankContact, buyerContact)},
		{"cac:AccountingCustomerParty/cac:Party/cac:Contact/cac:OtherCommunication/cbc:Value", otherMail(rankContact)},

		{"cac:PaymentMeans/cbc:PaymentDueDate", date(fDueDate, 2)}, // CreditNote; UBL 2.0 invoices
		{"cac:PaymentMeans/cbc:PaymentID", str(fPaymentRef, 1)},
		{"cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", str(fIBAN, 1)},
		{"cac:LegalMonetaryTotal/cbc:PayableAmount", amount(1, false, "currencyID")},

		{"cac:AdditionalDocumentReference", attachmentGroup},
		{"cac:AdditionalDocumentReference/cbc:DocumentDescription", attachmentDesc},
		{"cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", attachment},
	},
		// The other contacts of the invoiced and the ordering customer.
		contacts("cac:AccountingCustomerParty", "cac:AccountingContact", "cac:BuyerContact", "cac:DeliveryContact"),
		contacts("cac:BuyerCustomerParty", "cac:Party/cac:Contact", "cac:AccountingContact", "cac:BuyerContact", "cac:DeliveryContact"),
		ublImage,
	),
}

// ublImage are the UBL rules of what an invoice image shows (FORMATS.md
// §1; EN 16931 UBL binding).
var ublImage = func() []rule {
	rules := []rule{
		{"cbc:Note", note},
		{"cac:PaymentTerms/cbc:Note", text(doc(fTerms), 1)},
		{"cac:PaymentMeans/cbc:PaymentMeansCode", text(doc(fMeans), 1)},
		{"cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", text(doc(fBIC), 1)},
		{"cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID", text(doc(fBIC), 2)}, // UBL 2.0
		{"cac:TaxTotal/cbc:TaxAmount", number(doc(fVATTotal), 1, false)},
		{"cac:TaxTotal/cac:TaxSubtotal", vatEnd},
		{"cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", number(vatSub(vBase), 1, false)},
		{"cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", number(vatSub(vAmount), 1, false)},
		{"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", text(vatSub(vCategory), 1)},
		{"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", number(vatSub(vRate), 1, false)},
		{"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason", text(vatSub(vExemption), 1)},
		{"cac:LegalMonetaryTotal/cbc:LineExtensionAmount", number(doc(fLineNet), 1, false)},
		{"cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", number(doc(fNet), 1, false)},
		{"cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", number(doc(fGross), 1, false)},
		{"cac:LegalMonetaryTotal/cbc:PrepaidAmount", number(doc(fPrepaid), 1, false)},
		{"cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", number(doc(fRounding), 1, false)},
	}
	for _, p := range []struct {
		path                                                       string
		isBuyer                                                    bool
		businessID, vatID, contact, phone, postCode, city, country field
	}{
		{"cac:AccountingSupplierParty/cac:Party", false, fSellerBusinessID, fSellerVATID, fSellerContact, fSellerPhone, fSellerPostCode, fSellerCity, fSellerCountry},
		{"cac:AccountingCustomerParty/cac:Party", true, fBuyerBusinessID, fBuyerVATID, fBuyerContact, fBuyerPhone, fBuyerPostCode, fBuyerCity, fBuyerCountry},
	} {
		rules = append(rules,
			rule{p.path + "/cac:PostalAddress/cbc:StreetName", street(p.isBuyer)},
			rule{p.path + "/cac:PostalAddress/cbc:AdditionalStreetName", street(p.isBuyer)},
			rule{p.path + "/cac:PostalAddress/cac:AddressLine/cbc:Line", street(p.isBuyer)},
			rule{p.path + "/cac:PostalAddress/cbc:PostalZone", text(doc(p.postCode), 1)},
			rule{p.path + "/cac:PostalAddress/cbc:CityName", text(doc(p.city), 1)},
			rule{p.path + "/cac:PostalAddress/cac:Country/cbc:IdentificationCode", text(doc(p.country), 1)},
			rule{p.path + "/cac:PartyTaxScheme/cbc:CompanyID", text(doc(p.vatID), 1)},
			rule{p.path + "/cac:PartyLegalEntity/cbc:CompanyID", text(doc(p.businessID), 1)},
			rule{p.path + "/cac:Contact/cbc:Name", text(doc(p.contact), 1)},
			rule{p.path + "/cac:Contact/cbc:Telephone", text(doc(p.phone), 1)},
		)
	}
	for _, l := range []struct{ line, qty string }{{"cac:InvoiceLine", "cbc:InvoicedQuantity"}, {"cac:CreditNoteLine", "cbc:CreditedQuantity"}} {
		rules = append(rules,
			rule{l.line, lineEnd},
			rule{l.line + "/cbc:ID", text(line(lID), 1)},
			rule{l.line + "/cbc:Note", text(line(lNote), 2)},
			rule{l.line + "/" + l.qty, quantity(false, "unitCode")},
			rule{l.line + "/cbc:LineExtensionAmount", number(line(lNet), 1, false)},
			rule{l.line + "/cac:Item/cbc:Name", text(line(lDesc), 1)},
			rule{l.line + "/cac:Item/cbc:Description", text(line(lNote), 1)},
			rule{l.line + "/cac:Item/cac:SellersItemIdentification/cbc:ID", text(line(lArticle), 1)},
			rule{l.line + "/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", text(line(lCategory), 1)},
			rule{l.line + "/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", number(line(lRate), 1, false)},
			rule{l.line + "/cac:Price/cbc:PriceAmount", number(line(lPrice), 1, false)},
		)
	}
	return rules
}()

// contacts returns the rules for the e-mail of each UBL contact under party.
func contacts(party string, contacts ...string) []rule {
	var rules []rule
	for _, c := range contacts {
		rules = append(rules,
			rule{party + "/" + c + "/cbc:ElectronicMail", mail(rankOtherContact, buyer)},
			rule{party + "/" + c + "/cac:OtherCommunication/cbc:Value", otherMail(rankOtherContact)})
	}
	return rules
}

func concat(lists ...[]rule) []rule {
	var all []rule
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

// Svefaktura 1.0, SFTI BasicInvoice (FORMATS.md §2). ID, InvoiceTypeCode and
// InvoiceCurrencyCode are in the document namespace; identifiers are cac:ID.
var svefaktura1Spec = &spec{
	format: FormatSvefaktura1,
	ns:     map[string]string{"inv": nsSFTIInvoice, "cac": nsSFTICAC, "cbc": nsSFTICBC},
	number: "inv:ID",
	rules: []rule{
		{"inv:ID", str(fNumber, 1)},
		{"inv:InvoiceTypeCode", typeCode(unCredit)},
		{"inv:InvoiceCurrencyCode", str(fCurrency, 1)},
		{"cbc:IssueDate", date(fIssueDate, 1)},
		{"cac:SellerParty/cac:Party/cac:PartyName/cbc:Name", str(fSellerName, 1)},
		{"cac:SellerParty/cac:Party/cac:Contact/cbc:ElectronicMail", mail(1, seller)},
		{"cac:SellerParty/cac:AccountsContact/cbc:ElectronicMail", mail(2, seller)},
		{"cac:BuyerParty/cac:Party/cac:PartyName/cbc:Name", str(fBuyerName, 1)},
		{"cac:BuyerParty/cac:Party/cac:PartyIdentification/cac:ID", partyID(1, 1, "identificationSchemeAgencyID", "identificationSchemeID")},
		{"inv:RequisitionistDocumentReference/cac:ID", ident(2, KindBuyerReference)},
		{"cac:BuyerParty/cac:Party/cac:Contact/cbc:ElectronicMail", mail(rankContact, buyerContact)},
		{"cac:BuyerParty/cac:AccountsContact/cbc:ElectronicMail", mail(rankOtherContact, buyer)},
		{"cac:PaymentMeans/cbc:DuePaymentDate", date(fDueDate, 1)},
		{"cac:PaymentMeans/cac:PayeeFinancialAccount/cac:ID", str(fIBAN, 1)},
		{"cac:PaymentMeans/cac:PayeeFinancialAccount/cac:PaymentInstructionID", str(fPaymentRef, 1)},
		{"cac:LegalTotal/cbc:TaxInclusiveTotalAmount", amount(1, false, "amountCurrencyID")},
	},
}

// UN/CEFACT CII D16B (FORMATS.md §3).
var ciiSpec = func() *spec {
	const (
		agr   = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
		set   = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
		email = "ram:EmailURIUniversalCommunication/ram:URIID"
	)
	return &spec{
		format: FormatCII,
		ns:     map[string]string{"rsm": nsCII, "ram": nsCIIRAM, "udt": nsCIIUDT},
		number: "rsm:ExchangedDocument/ram:ID",
		rules: append([]rule{
			{"rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", str(fCustomization, 1)},
			{"rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", str(fProfile, 1)},
			{"rsm:ExchangedDocument/ram:ID", str(fNumber, 1)},
			{"rsm:ExchangedDocument/ram:TypeCode", typeCode(unCredit)},
			{"rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", date(fIssueDate, 1)},
			{"rsm:ExchangedDocument/ram:LanguageID", language},

			{agr + "/ram:BuyerReference", ident(3, KindBuyerReference)},
			{agr + "/ram:SellerTradeParty/ram:Name", str(fSellerName, 1)},
			{agr + "/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:TradingBusinessName", str(fSellerName, 2)},
			{agr + "/ram:SellerTradeParty/ram:DefinedTradeContact/" + email, mail(1, seller)},
			{agr + "/ram:BuyerTradeParty/ram:ID", ident(1, KindCustomerNumber, "schemeID")},
			{agr + "/ram:BuyerTradeParty/ram:GlobalID", ident(2, KindGlobalID, "schemeID")},
			{agr + "/ram:BuyerTradeParty/ram:Name", str(fBuyerName, 1)},
			{agr + "/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:TradingBusinessName", str(fBuyerName, 2)},
			{agr + "/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID", endpoint(rankEndpoint)},
			{agr + "/ram:BuyerTradeParty/ram:DefinedTradeContact/" + email, mail(rankContact, buyerContact)},
			{agr + "/ram:AdditionalReferencedDocument", attachmentGroup},
			{agr + "/ram:AdditionalReferencedDocument/ram:Name", attachmentDesc},
			{agr + "/ram:AdditionalReferencedDocument/ram:AttachmentBinaryObject", attachment},

			{set + "/ram:InvoiceCurrencyCode", str(fCurrency, 1)},
			{set + "/ram:PaymentReference", str(fPaymentRef, 1)},
			{set + "/ram:InvoiceeTradeParty/ram:URIUniversalCommunication/ram:URIID", endpoint(rankRecipient)},
			{set + "/ram:InvoiceeTradeParty/ram:DefinedTradeContact/" + email, mail(rankRecipient, buyer)},
			{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID", str(fIBAN, 1)},
			{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID", str(fIBAN, 2)},
			{set + "/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", date(fDueDate, 1)},
			{set + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount", amount(1, false, "currencyID")},
		}, ciiImage...),
	}
}()

// ciiImage are the CII rules of what an invoice image shows (FORMATS.md
// §3; EN 16931 CII binding).
var ciiImage = func() []rule {
	const (
		tx  = "rsm:SupplyChainTradeTransaction"
		agr = tx + "/ram:ApplicableHeaderTradeAgreement"
		set = tx + "/ram:ApplicableHeaderTradeSettlement"
		sum = set + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
		li  = tx + "/ram:IncludedSupplyChainTradeLineItem"
	)
	rules := []rule{
		{"rsm:ExchangedDocument/ram:IncludedNote/ram:Content", note},
		{set + "/ram:SpecifiedTradePaymentTerms/ram:Description", text(doc(fTerms), 1)},
		{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", text(doc(fMeans), 1)},
		{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID", text(doc(fBIC), 1)},
		{set + "/ram:ApplicableTradeTax", vatEnd},
		{set + "/ram:ApplicableTradeTax/ram:CalculatedAmount", number(vatSub(vAmount), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:BasisAmount", number(vatSub(vBase), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:CategoryCode", text(vatSub(vCategory), 1)},
		{set + "/ram:ApplicableTradeTax/ram:RateApplicablePercent", number(vatSub(vRate), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:ExemptionReason", text(vatSub(vExemption), 1)},
		{sum + "/ram:LineTotalAmount", number(doc(fLineNet), 1, false)},
		{sum + "/ram:TaxBasisTotalAmount", number(doc(fNet), 1, false)},
		{sum + "/ram:TaxTotalAmount", number(doc(fVATTotal), 1, false)},
		{sum + "/ram:GrandTotalAmount", number(doc(fGross), 1, false)},
		{sum + "/ram:TotalPrepaidAmount", number(doc(fPrepaid), 1, false)},
		{sum + "/ram:RoundingAmount", number(doc(fRounding), 1, false)},

		{li, lineEnd},
		{li + "/ram:AssociatedDocumentLineDocument/ram:LineID", text(line(lID), 1)},
		{li + "/ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content", text(line(lNote), 2)},
		{li + "/ram:SpecifiedTradeProduct/ram:SellerAssignedID", text(line(lArticle), 1)},
		{li + "/ram:SpecifiedTradeProduct/ram:Name", text(line(lDesc), 1)},
		{li + "/ram:SpecifiedTradeProduct/ram:Description", text(line(lNote), 1)},
		{li + "/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount", number(line(lPrice), 1, false)},
		{li + "/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", quantity(false, "unitCode")},
		{li + "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", text(line(lCategory), 1)},
		{li + "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent", number(line(lRate), 1, false)},
		{li + "/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", number(line(lNet), 1, false)},
	}
	for _, p := range []struct {
		path                                                       string
		isBuyer                                                    bool
		businessID, vatID, contact, phone, postCode, city, country field
	}{
		{agr + "/ram:SellerTradeParty", false, fSellerBusinessID, fSellerVATID, fSellerContact, fSellerPhone, fSellerPostCode, fSellerCity, fSellerCountry},
		{agr + "/ram:BuyerTradeParty", true, fBuyerBusinessID, fBuyerVATID, fBuyerContact, fBuyerPhone, fBuyerPostCode, fBuyerCity, fBuyerCountry},
	} {
		rules = append(rules,
			rule{p.path + "/ram:PostalTradeAddress/ram:LineOne", street(p.isBuyer)},
			rule{p.path + "/ram:PostalTradeAddress/ram:LineTwo", street(p.isBuyer)},
			rule{p.path + "/ram:PostalTradeAddress/ram:LineThree", street(p.isBuyer)},
			rule{p.path + "/ram:PostalTradeAddress/ram:PostcodeCode", text(doc(p.postCode), 1)},
			rule{p.path + "/ram:PostalTradeAddress/ram:CityName", text(doc(p.city), 1)},
			rule{p.path + "/ram:PostalTradeAddress/ram:CountryID", text(doc(p.country), 1)},
			rule{p.path + "/ram:SpecifiedTaxRegistration/ram:ID", ciiVATID(p.vatID)},
			rule{p.path + "/ram:SpecifiedLegalOrganization/ram:ID", text(doc(p.businessID), 1)},
			rule{p.path + "/ram:DefinedTradeContact/ram:PersonName", text(doc(p.contact), 1)},
			rule{p.path + "/ram:DefinedTradeContact/ram:DepartmentName", text(doc(p.contact), 2)},
			rule{p.path + "/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber", text(doc(p.phone), 1)},
		)
	}
	return rules
}()

// ciiVATID reads a CII tax registration: schemeID VA is the VAT
// identifier (FC, a tax number, is not).
func ciiVATID(f field) action {
	return func(w *walker, e element) {
		if strings.EqualFold(e.attr("schemeID"), "VA") {
			w.cur.set(f, 1, e.text())
		}
	}
}

// ZUGFeRD 1.0 CrossIndustryDocument (FORMATS.md §3.5).
var zugferd1Spec = func() *spec {
	const (
		agr   = "rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeAgreement"
		set   = "rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeSettlement"
		email = "ram:EmailURIUniversalCommunication/ram:URIID"
	)
	return &spec{
		format: FormatZUGFeRD1,
		ns:     map[string]string{"rsm": nsZF1, "ram": nsZF1RAM, "udt": nsZF1UDT},
		number: "rsm:HeaderExchangedDocument/ram:ID",
		rules: append([]rule{
			{"rsm:SpecifiedExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", str(fCustomization, 1)},
			{"rsm:HeaderExchangedDocument/ram:ID", str(fNumber, 1)},
			{"rsm:HeaderExchangedDocument/ram:TypeCode", typeCode(unCredit)},
			{"rsm:HeaderExchangedDocument/ram:IssueDateTime/udt:DateTimeString", date(fIssueDate, 1)},
			{"rsm:HeaderExchangedDocument/ram:LanguageID", language},

			{agr + "/ram:BuyerReference", ident(3, KindBuyerReference)},
			{agr + "/ram:SellerTradeParty/ram:Name", str(fSellerName, 1)},
			{agr + "/ram:SellerTradeParty/ram:DefinedTradeContact/" + email, mail(1, seller)},
			{agr + "/ram:BuyerTradeParty/ram:ID", ident(1, KindCustomerNumber, "schemeID")},
			{agr + "/ram:BuyerTradeParty/ram:GlobalID", ident(2, KindGlobalID, "schemeID")},
			{agr + "/ram:BuyerTradeParty/ram:Name", str(fBuyerName, 1)},
			{agr + "/ram:BuyerTradeParty/ram:DefinedTradeContact/" + email, mail(rankContact, buyerContact)},

			{set + "/ram:InvoiceCurrencyCode", str(fCurrency, 1)},
			{set + "/ram:PaymentReference", str(fPaymentRef, 1)},
			{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID", str(fIBAN, 1)},
			{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID", str(fIBAN, 2)},
			{set + "/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", date(fDueDate, 1)},
			{set + "/ram:SpecifiedTradeSettlementMonetarySummation/ram:DuePayableAmount", amount(1, false, "currencyID")},
		}, zugferd1Image...),
	}
}()

// zugferd1Image are the ZUGFeRD 1.0 rules of what an invoice image shows:
// the CII rules under ZUGFeRD 1.0's element names (FORMATS.md §3.5).
var zugferd1Image = func() []rule {
	const (
		tx  = "rsm:SpecifiedSupplyChainTradeTransaction"
		agr = tx + "/ram:ApplicableSupplyChainTradeAgreement"
		set = tx + "/ram:ApplicableSupplyChainTradeSettlement"
		sum = set + "/ram:SpecifiedTradeSettlementMonetarySummation"
		li  = tx + "/ram:IncludedSupplyChainTradeLineItem"
	)
	rules := []rule{
		{"rsm:HeaderExchangedDocument/ram:IncludedNote/ram:Content", note},
		{set + "/ram:SpecifiedTradePaymentTerms/ram:Description", text(doc(fTerms), 1)},
		{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", text(doc(fMeans), 1)},
		{set + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID", text(doc(fBIC), 1)},
		{set + "/ram:ApplicableTradeTax", vatEnd},
		{set + "/ram:ApplicableTradeTax/ram:CalculatedAmount", number(vatSub(vAmount), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:BasisAmount", number(vatSub(vBase), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:CategoryCode", text(vatSub(vCategory), 1)},
		{set + "/ram:ApplicableTradeTax/ram:ApplicablePercent", number(vatSub(vRate), 1, false)},
		{set + "/ram:ApplicableTradeTax/ram:ExemptionReason", text(vatSub(vExemption), 1)},
		{sum + "/ram:LineTotalAmount", number(doc(fLineNet), 1, false)},
		{sum + "/ram:TaxBasisTotalAmount", number(doc(fNet), 1, false)},
		{sum + "/ram:TaxTotalAmount", number(doc(fVATTotal), 1, false)},
		{sum + "/ram:GrandTotalAmount", number(doc(fGross), 1, false)},
		{sum + "/ram:TotalPrepaidAmount", number(doc(fPrepaid), 1, false)},

		{li, lineEnd},
		{li + "/ram:AssociatedDocumentLineDocument/ram:LineID", text(line(lID), 1)},
		{li + "/ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content", text(line(lNote), 2)},
		{li + "/ram:SpecifiedTradeProduct/ram:SellerAssignedID", text(line(lArticle), 1)},
		{li + "/ram:SpecifiedTradeProduct/ram:Name", text(line(lDesc), 1)},
		{li + "/ram:SpecifiedTradeProduct/ram:Description", text(line(lNote), 1)},
		{li + "/ram:SpecifiedSupplyChainTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount", number(line(lPrice), 1, false)},
		{li + "/ram:SpecifiedSupplyChainTradeDelivery/ram:BilledQuantity", quantity(false, "unitCode")},
		{li + "/ram:SpecifiedSupplyChainTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", text(line(lCategory), 1)},
		{li + "/ram:SpecifiedSupplyChainTradeSettlement/ram:ApplicableTradeTax/ram:ApplicablePercent", number(line(lRate), 1, false)},
		{li + "/ram:SpecifiedSupplyChainTradeSettlement/ram:SpecifiedTradeSettlementMonetarySummation/ram:LineTotalAmount", number(line(lNet), 1, false)},
	}
	for _, p := range []struct {
		path                                           string
		isBuyer                                        bool
		vatID, contact, phone, postCode, city, country field
	}{
		{agr + "/ram:SellerTradeParty", false, fSellerVATID, fSellerContact, fSellerPhone, fSellerPostCode, fSellerCity, fSellerCountry},
		{agr + "/ram:BuyerTradeParty", true, fBuyerVATID, fBuyerContact, fBuyerPhone, fBuyerPostCode, fBuyerCity, fBuyerCountry},
	} {
		rules = append(rules,
			rule{p.path + "/ram:PostalTradeAddress/ram:LineOne", street(p.isBuyer)},
			rule{p.path + "/ram:PostalTradeAddress/ram:LineTwo", street(p.isBuyer)},
			rule{p.path + "/ram:PostalTradeAddress/ram:PostcodeCode", text(doc(p.postCode), 1)},
			rule{p.path + "/ram:PostalTradeAddress/ram:CityName", text(doc(p.city), 1)},
			rule{p.path + "/ram:PostalTradeAddress/ram:CountryID", text(doc(p.country), 1)},
			rule{p.path + "/ram:SpecifiedTaxRegistration/ram:ID", ciiVATID(p.vatID)},
			rule{p.path + "/ram:DefinedTradeContact/ram:PersonName", text(doc(p.contact), 1)},
			rule{p.path + "/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber", text(doc(p.phone), 1)},
		)
	}
	return rules
}()

// Finvoice 1.x–3.0 (FORMATS.md §4). No namespace.
var finvoiceSpec = &spec{
	format: FormatFinvoice,
	number: "InvoiceDetails/InvoiceNumber",
	rules: append([]rule{
		{"", strAttr(fVersion, 1, "Version")},
		{"InvoiceDetails/InvoiceNumber", str(fNumber, 1)},
		{"InvoiceDetails/InvoiceTypeCode", typeCode(func(c string) bool { return c == "INV02" })},
		{"InvoiceDetails/InvoiceTypeCodeUN", creditIf(unCredit)},
		{"InvoiceDetails/InvoiceDate", date(fIssueDate, 1)},
		{"InvoiceDetails/PaymentTermsDetails/InvoiceDueDate", date(fDueDate, 1)},
		{"EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate", date(fDueDate, 2)},
		{"InvoiceRecipientLanguageCode", language},

		{"SellerPartyDetails/SellerOrganisationName", str(fSellerName, 1)},
		{"SellerCommunicationDetails/SellerEmailaddressIdentifier", mail(1, seller)},
		{"SellerInformationDetails/SellerCommonEmailaddressIdentifier", mail(2, seller)},

		{"BuyerPartyDetails/BuyerOrganisationName", str(fBuyerName, 1)},
		{"InvoiceDetails/SellersBuyerIdentifier", ident(1, KindCustomerNumber)},
		{"BuyerPartyDetails/BuyerPartyIdentifier", both(ident(2, KindBusinessID, "SchemeID"), text(doc(fBuyerBusinessID), 1))},
		{"BuyerPartyDetails/BuyerCode", ident(3, KindGlobalID, "SchemeID", "IdentifierType")},
		{"InvoiceDetails/BuyerReferenceIdentifier", ident(4, KindBuyerReference)},
		{"BuyerCommunicationDetails/BuyerEmailaddressIdentifier", mail(rankContact, buyerContact)},
		{"InvoiceRecipientCommunicationDetails/InvoiceRecipientEmailaddressIdentifier", mail(rankRecipient, buyer)},

		{"EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount", amount(1, true, "AmountCurrencyIdentifier")},
		{"InvoiceDetails/InvoiceTotalVatIncludedAmount", both(amount(3, true, "AmountCurrencyIdentifier"), number(doc(fGross), 1, true))},
		{"EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier", str(fPaymentRef, 1)},
		{"EpiDetails/EpiIdentificationDetails/EpiReference", str(fPaymentRef, 2)},
		{"EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID", str(fIBAN, 1)},
		{"SellerInformationDetails/SellerAccountDetails/SellerAccountID", str(fIBAN, 2)},
	}, finvoiceImage...),
}

// finvoiceImage are the Finvoice rules of what an invoice image shows
// (FORMATS.md §4; [FVDEF]). Amounts have a decimal comma.
var finvoiceImage = []rule{
	{"SellerPartyDetails/SellerPartyIdentifier", text(doc(fSellerBusinessID), 1)},
	{"SellerPartyDetails/SellerOrganisationTaxCode", text(doc(fSellerVATID), 1)},
	{"SellerPartyDetails/SellerPostalAddressDetails/SellerStreetName", street(false)},
	{"SellerPartyDetails/SellerPostalAddressDetails/SellerPostCodeIdentifier", text(doc(fSellerPostCode), 1)},
	{"SellerPartyDetails/SellerPostalAddressDetails/SellerTownName", text(doc(fSellerCity), 1)},
	{"SellerPartyDetails/SellerPostalAddressDetails/CountryCode", text(doc(fSellerCountry), 1)},
	{"SellerContactPersonName", text(doc(fSellerContact), 1)},
	{"SellerCommunicationDetails/SellerPhoneNumberIdentifier", text(doc(fSellerPhone), 1)},
	{"SellerInformationDetails/SellerPhoneNumber", text(doc(fSellerPhone), 2)},
	{"SellerInformationDetails/SellerAccountDetails/SellerBic", text(doc(fBIC), 2)},

	{"BuyerPartyDetails/BuyerOrganisationTaxCode", text(doc(fBuyerVATID), 1)},
	{"BuyerPartyDetails/BuyerPostalAddressDetails/BuyerStreetName", street(true)},
	{"BuyerPartyDetails/BuyerPostalAddressDetails/BuyerPostCodeIdentifier", text(doc(fBuyerPostCode), 1)},
	{"BuyerPartyDetails/BuyerPostalAddressDetails/BuyerTownName", text(doc(fBuyerCity), 1)},
	{"BuyerPartyDetails/BuyerPostalAddressDetails/CountryCode", text(doc(fBuyerCountry), 1)},
	{"BuyerContactPersonName", text(doc(fBuyerContact), 1)},
	{"BuyerCommunicationDetails/BuyerPhoneNumberIdentifier", text(doc(fBuyerPhone), 1)},

	{"InvoiceDetails/RowsTotalVatExcludedAmount", number(doc(fLineNet), 1, true)},
	{"InvoiceDetails/InvoiceTotalVatExcludedAmount", number(doc(fNet), 1, true)},
	{"InvoiceDetails/InvoiceTotalVatAmount", number(doc(fVATTotal), 1, true)},
	{"InvoiceDetails/InvoicePaidAmount", number(doc(fPrepaid), 1, true)},
	{"InvoiceDetails/InvoiceTotalRoundoffAmount", number(doc(fRounding), 1, true)},
	{"InvoiceDetails/VatSpecificationDetails", vatEnd},
	{"InvoiceDetails/VatSpecificationDetails/VatBaseAmount", number(vatSub(vBase), 1, true)},
	{"InvoiceDetails/VatSpecificationDetails/VatRatePercent", number(vatSub(vRate), 1, true)},
	{"InvoiceDetails/VatSpecificationDetails/VatCode", text(vatSub(vCategory), 1)},
	{"InvoiceDetails/VatSpecificationDetails/VatRateAmount", number(vatSub(vAmount), 1, true)},
	{"InvoiceDetails/VatSpecificationDetails/VatFreeText", text(vatSub(vExemption), 1)},
	{"InvoiceDetails/InvoiceFreeText", note},
	{"InvoiceDetails/PaymentTermsDetails/PaymentTermsFreeText", text(doc(fTerms), 1)},

	{"InvoiceRow", lineEnd},
	{"InvoiceRow/RowPositionIdentifier", text(line(lID), 1)},
	{"InvoiceRow/ArticleIdentifier", text(line(lArticle), 1)},
	{"InvoiceRow/ArticleName", text(line(lDesc), 1)},
	{"InvoiceRow/ArticleDescription", text(line(lNote), 1)},
	{"InvoiceRow/RowFreeText", text(line(lNote), 2)},
	{"InvoiceRow/InvoicedQuantity", quantity(true, "QuantityUnitCode", "QuantityUnitCodeUN")},
	{"InvoiceRow/UnitPriceNetAmount", priceWithUnit(line(lPrice), 1)},
	{"InvoiceRow/UnitPriceAmount", priceWithUnit(line(lPrice), 2)},
	{"InvoiceRow/UnitPriceVatIncludedAmount", priceWithUnit(line(lPriceGross), 1)},
	{"InvoiceRow/RowAmount", number(line(lGross), 1, true)},
	{"InvoiceRow/RowVatRatePercent", number(line(lRate), 1, true)},
	{"InvoiceRow/RowVatCode", text(line(lCategory), 1)},
	{"InvoiceRow/RowVatExcludedAmount", number(line(lNet), 1, true)},

	{"EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier", text(doc(fBIC), 1)},
	{"EpiDetails/EpiPaymentInstructionDetails/EpiPaymentMeansCode", text(doc(fMeans), 1)},
	{"VirtualBankBarcode", text(doc(fVirtualBarcode), 1)},
}

// TEAPPSXML 2.7.2 / 3.0 (FORMATS.md §5). No namespace; one file may hold
// several INVOICE elements, each a document.
var teappsSpec = func() *spec {
	const inv = "CONTENT_FRAME/INVOICES/INVOICE"
	rules := []rule{
		{"CONTENT_FRAME/BLOCK_RULES/FORMAT_VERSION", func(w *walker, e element) { w.version = e.text() }},
		{inv + "/HEADER/INVOICE_ID", str(fNumber, 1)},
		{inv + "/HEADER/INVOICE_TYPE", teappsType},
		{inv + "/HEADER/CURRENCY/CODE", str(fCurrency, 1)},
		{inv + "/HEADER/BUYER_REFERENCE", ident(5, KindBuyerReference)},

		{inv + "/PAYEE/CUSTOMER_INFORMATION/CUSTOMER_NAME", str(fSellerName, 1)},
		{inv + "/PAYEE/CUSTOMER_INFORMATION/CONTACT_INFORMATION/E-MAIL_ADDRESS", mail(1, seller)},
		{inv + "/PAYEE/CUSTOMER_INFORMATION/E-MAIL_ADDRESS", mail(2, seller)},
		{inv + "/PAYEE/BANKS/IBAN_ACCOUNT_NUMBER", str(fIBAN, 1)},
		{inv + "/PAYEE/BANKS/BANK_ACCOUNT_NUMBER", str(fIBAN, 2)},
		{inv + "/PAYEE/DETAILS_OF_PAYMENT/FI_PAYMENT_REFERENCE", str(fPaymentRef, 1)},
		{inv + "/PAYEE/DETAILS_OF_PAYMENT/IPI_REFERENCE", str(fPaymentRef, 2)},

		{inv + "/RECEIVER/CUSTOMER_INFORMATION/CUSTOMER_NAME", str(fBuyerName, 1)},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/CUSTOMER_ID", ident(1, KindCustomerNumber, "SCHEME_ID")},
		{inv + "/RECEIVER/CUSTOMER_ID", ident(2, KindCustomerNumber, "SCHEME_ID")},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/PARTY_IDENTIFICATION_ID", ident(3, KindGlobalID, "SCHEME_ID", "AUTHORITY")},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/ORGANIZATION_NUMBER", both(ident(4, KindBusinessID, "SCHEME_ID"), text(doc(fBuyerBusinessID), 1))},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/LANGUAGE_CODE", language},
		{inv + "/RECEIVER/MAIL_ID", mail(rankDelivery, buyer)},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/CONTACT_INFORMATION/E-MAIL_ADDRESS", mail(rankContact, buyerContact)},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/E-MAIL_ADDRESS", mail(rankContact, buyerContact)},

		{inv + "/SUMMARY/INVOICE_TOTAL/AMOUNT", both(teappsAmount, both(vatIf("INCLUDED", doc(fGross)), vatIf("EXCLUDED", doc(fNet))))},
	}
	rules = append(rules, teappsImage(inv)...)
	rules = append(rules, partsDate(inv+"/HEADER/INVOICE_DATE/DATE", fIssueDate)...)
	rules = append(rules, partsDate(inv+"/HEADER/DUE_DATE/DATE", fDueDate)...)
	// The other buyer-side parties; PAYEE, SALES_CONTACT and INVOICE_SENDER
	// are the seller's, DELIVERY_PARTY only receives goods.
	for _, p := range []string{"ORDERER", "PAYER", "PAYOR", "INVOICE_RECIPIENT"} {
		rank := rankOtherContact
		if p == "INVOICE_RECIPIENT" {
			rank = rankRecipient
		}
		rules = append(rules,
			rule{inv + "/" + p + "/CUSTOMER_INFORMATION/CONTACT_INFORMATION/E-MAIL_ADDRESS", mail(rank, buyer)},
			rule{inv + "/" + p + "/CUSTOMER_INFORMATION/E-MAIL_ADDRESS", mail(rank, buyer)})
	}
	return &spec{format: FormatTEAPPSXML, each: inv, number: inv + "/HEADER/INVOICE_ID", rules: rules}
}()

// teappsImage returns the TEAPPSXML rules of what an invoice image
// shows, for the INVOICE element at inv (FORMATS.md §5; [TP-EX]). Amounts
// carry SIGN and VAT (INCLUDED or EXCLUDED) attributes.
func teappsImage(inv string) []rule {
	rules := []rule{
		{inv + "/HEADER/TERMS_OF_PAYMENT", text(doc(fTerms), 1)},
		{inv + "/HEADER/FREE_TEXT", note},
		{inv + "/PAYEE/BANKS/SWIFT_CODE", text(doc(fBIC), 1)},
		{inv + "/PAYEE/CUSTOMER_INFORMATION/ORGANIZATION_NUMBER", text(doc(fSellerBusinessID), 1)},
		{inv + "/SUMMARY/ROWS_TOTAL/AMOUNT", vatIf("EXCLUDED", doc(fLineNet))},
		{inv + "/SUMMARY/VAT_TOTAL/AMOUNT", number(doc(fVATTotal), 1, false)},
		{inv + "/SUMMARY/VAT_SUMMARY", vatEnd},
		{inv + "/SUMMARY/VAT_SUMMARY/RATE", number(vatSub(vRate), 1, false)},
		{inv + "/SUMMARY/VAT_SUMMARY/ACCORDING/AMOUNT", number(vatSub(vBase), 1, false)},
		{inv + "/SUMMARY/VAT_SUMMARY/VAT_RATE_TOTAL/AMOUNT", number(vatSub(vAmount), 1, false)},

		{inv + "/ROWS/ROW", lineEnd},
		{inv + "/ROWS/ROW/ROW_NUMBER", text(line(lID), 1)},
		{inv + "/ROWS/ROW/ARTICLE/ARTICLE_ID", text(line(lArticle), 1)},
		{inv + "/ROWS/ROW/ARTICLE/ARTICLE_NAME", text(line(lDesc), 1)},
		{inv + "/ROWS/ROW/FREE_TEXT", text(line(lNote), 1)},
		{inv + "/ROWS/ROW/QUANTITY/CHARGED", quantity(false, "Q_UNIT")},
		{inv + "/ROWS/ROW/PRICE_PER_UNIT/AMOUNT", both(vatIf("EXCLUDED", line(lPrice)), vatIf("INCLUDED", line(lPriceGross)))},
		{inv + "/ROWS/ROW/ROW_TOTAL/AMOUNT", both(vatIf("EXCLUDED", line(lNet)), vatIf("INCLUDED", line(lGross)))},
		{inv + "/ROWS/ROW/VAT/RATE", number(line(lRate), 1, false)},
	}
	for _, p := range []struct {
		party                                          string
		isBuyer                                        bool
		vatID, contact, phone, postCode, city, country field
	}{
		{"PAYEE", false, fSellerVATID, fSellerContact, fSellerPhone, fSellerPostCode, fSellerCity, fSellerCountry},
		{"RECEIVER", true, fBuyerVATID, fBuyerContact, fBuyerPhone, fBuyerPostCode, fBuyerCity, fBuyerCountry},
	} {
		ci := inv + "/" + p.party + "/CUSTOMER_INFORMATION"
		rules = append(rules,
			rule{ci + "/ADDRESS/STREET_ADDRESS1", street(p.isBuyer)},
			rule{ci + "/ADDRESS/STREET_ADDRESS2", street(p.isBuyer)},
			rule{ci + "/ADDRESS/STREET_ADDRESS3", street(p.isBuyer)},
			rule{ci + "/ADDRESS/POSTAL_CODE", text(doc(p.postCode), 1)},
			rule{ci + "/ADDRESS/POST_OFFICE", text(doc(p.city), 1)},
			rule{ci + "/ADDRESS/COUNTRY_CODE", text(doc(p.country), 1)},
			rule{ci + "/VAT_NUMBER", text(doc(p.vatID), 1)},
			rule{ci + "/CONTACT_INFORMATION/CONTACT_PERSON", text(doc(p.contact), 1)},
			rule{ci + "/CONTACT_INFORMATION/TELEPHONE_NUMBER", text(doc(p.phone), 1)},
		)
	}
	return rules
}

// teappsType reads INVOICE_TYPE: 01 (credit note) and 04 (credit invoice),
// or a credit-note UNTDID_CODE attribute, make a credit note.
func teappsType(w *walker, e element) {
	code := e.text()
	w.cur.set(fTypeCode, 1, code)
	if code == "01" || code == "04" || unCredit(e.attr("UNTDID_CODE")) {
		w.cur.credit = true
	}
}

// teappsAmount reads the VAT-included invoice total and its SIGN.
func teappsAmount(w *walker, e element) {
	s := e.text()
	if s == "" || !strings.EqualFold(e.attr("VAT"), "INCLUDED") {
		return
	}
	if e.attr("SIGN") == "-" && !strings.HasPrefix(s, "-") {
		s = "-" + s
	}
	w.setAmount(1, s, false, e.path)
}

// partsDate returns the rules for the TEAPPSXML DATE at path, with DAY,
// MONTH, CENTURY and DECADE_AND_YEAR children, setting f. Of a repeated
// part the last counts.
func partsDate(path string, f field) []rule {
	rules := []rule{{path, func(w *walker, e element) {
		p := w.cur.parts
		w.cur.parts = [4]string{}
		day, month, century, year := p[0], p[1], p[2], p[3]
		if day+month+century+year == "" {
			return
		}
		w.setDate(f, 1, century+pad2(year)+"-"+pad2(month)+"-"+pad2(day), e.path)
	}}}
	for i, part := range []string{"DAY", "MONTH", "CENTURY", "DECADE_AND_YEAR"} {
		rules = append(rules, rule{path + "/" + part, func(w *walker, e element) { w.cur.parts[i] = e.text() }})
	}
	return rules
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
