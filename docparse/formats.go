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
	),
}

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
		rules: []rule{
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
		},
	}
}()

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
		rules: []rule{
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
		},
	}
}()

// Finvoice 1.x–3.0 (FORMATS.md §4). No namespace.
var finvoiceSpec = &spec{
	format: FormatFinvoice,
	number: "InvoiceDetails/InvoiceNumber",
	rules: []rule{
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
		{"BuyerPartyDetails/BuyerPartyIdentifier", ident(2, KindBusinessID, "SchemeID")},
		{"BuyerPartyDetails/BuyerCode", ident(3, KindGlobalID, "SchemeID", "IdentifierType")},
		{"InvoiceDetails/BuyerReferenceIdentifier", ident(4, KindBuyerReference)},
		{"BuyerCommunicationDetails/BuyerEmailaddressIdentifier", mail(rankContact, buyerContact)},
		{"InvoiceRecipientCommunicationDetails/InvoiceRecipientEmailaddressIdentifier", mail(rankRecipient, buyer)},

		{"EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount", amount(1, true, "AmountCurrencyIdentifier")},
		{"InvoiceDetails/InvoiceTotalVatIncludedAmount", amount(3, true, "AmountCurrencyIdentifier")},
		{"EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier", str(fPaymentRef, 1)},
		{"EpiDetails/EpiIdentificationDetails/EpiReference", str(fPaymentRef, 2)},
		{"EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID", str(fIBAN, 1)},
		{"SellerInformationDetails/SellerAccountDetails/SellerAccountID", str(fIBAN, 2)},
	},
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
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/ORGANIZATION_NUMBER", ident(4, KindBusinessID, "SCHEME_ID")},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/LANGUAGE_CODE", language},
		{inv + "/RECEIVER/MAIL_ID", mail(rankDelivery, buyer)},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/CONTACT_INFORMATION/E-MAIL_ADDRESS", mail(rankContact, buyerContact)},
		{inv + "/RECEIVER/CUSTOMER_INFORMATION/E-MAIL_ADDRESS", mail(rankContact, buyerContact)},

		{inv + "/SUMMARY/INVOICE_TOTAL/AMOUNT", teappsAmount},
	}
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
