// Package docparse reads outbound e-invoices and credit notes into one
// [Document] model: who the document is for (buyer customer numbers and
// e-mail addresses), what an e-mail about it needs (number, dates, amount
// due, parties, payment reference, IBAN), its embedded attachments, and
// what a printed invoice (an invoice image) shows: addresses, business and
// VAT IDs and contacts of the parties, lines, VAT breakdown, totals, notes
// and payment details.
//
// [Parse] reads a file that holds one document; [ParseAll] reads every
// document of a file. Both detect the format from the root element, matched
// by namespace URI and local name (never by prefix):
//
//	UBL 2.x Invoice, CreditNote     ubl          PEPPOL BIS 3, EHF 2/3, XRechnung-UBL, OIOUBL, UBL.BE, Svefaktura 2/3
//	SFTI BasicInvoice Invoice       svefaktura1  Svefaktura 1.0
//	CrossIndustryInvoice            cii          EN 16931 CII D16B, XRechnung-CII, Factur-X / ZUGFeRD 2.x
//	CrossIndustryDocument           zugferd1     ZUGFeRD 1.0
//	Finvoice                        finvoice     Finvoice 1.x–3.0, also after an ebXML SOAP frame
//	INVOICE_CENTER                  teappsxml    TEAPPSXML 2.7.2 / 3.0, one document per INVOICE
//	%PDF with an embedded XML       (the XML's)  Factur-X / ZUGFeRD PDF
//
// A host app adds formats, or replaces built-in ones, with an [Extractor]
// in [Options]; the built-in formats use the same mechanism.
//
// # How a file is read
//
// The built-in formats are rule tables: per element path, what the element
// means. One rule engine applies them in a single pass, matching elements
// by namespace URI and local name and skipping every subtree no rule
// mentions (invoice lines, for instance), and it reads the document from
// either of two sources. A file that holds one document of a built-in
// format is read straight from its token stream, without building a tree:
// a scanner of the package's own gives encoding/xml's tokens for plain
// XML at a fraction of encoding/xml's cost, and leaves everything else (a
// DOCTYPE with an internal subset, names that are not ASCII, every syntax
// error) to encoding/xml, which then reads the file from its start. Every
// other file is parsed into a github.com/beevik/etree tree, a real
// dependency of the package: an [Extractor] a host app adds always
// receives the tree, and so does a built-in format where the file holds
// or may hold several documents (a Finvoice transport file, a TEAPPSXML
// file, a document in a SOAP Body), whose Document.XML is re-serialised
// from it. The choice is made at the file's root element. Both sources
// give the same documents and the same errors for every input; the
// package's tests check this on the test documents, the hostile inputs
// and the sample corpus, and by fuzzing.
//
// # Files with several documents
//
// A Finvoice transport file repeats SOAP frame + Finvoice pairs, each
// Finvoice with its own XML declaration; a TEAPPSXML file may hold several
// INVOICE elements; a SOAP envelope may carry a document in its Body.
// ParseAll returns every document in file order. Parse returns the one
// document of a file and refuses a file with several ([ErrMultipleDocuments])
// rather than return the first and silently drop the others. A file with a
// SOAP frame and no document gives [ErrNoDocument]; an attachment message
// (SFTI ObjectEnvelope, FinvoiceAttachments) gives [ErrAttachmentMessage].
//
// Document.XML holds the bytes of that document alone, so that a host app
// never mails one customer another customer's invoice: the input itself
// when it holds one document; the Finvoice part of a SOAP pair, as written,
// when it is alone in its part of the file; otherwise the document
// re-serialised on its own (a TEAPPSXML file keeping only that INVOICE; a
// Finvoice without its frame), with an XML declaration, in the character
// encoding the file declared when that can represent it, else UTF-8. For a
// Factur-X PDF it is the embedded XML. A TEAPPSXML document keeps the
// file's frame (everything outside the INVOICE elements) and, of what lies
// between two INVOICEs (white space, a comment), only what borders its own.
// The frame is thus copied into every document; a file where those copies
// would take more than eight times Options.MaxSize together (a huge frame
// and very many documents) gives [ErrTooLarge].
//
// # What is extracted
//
// Text values are trimmed and inner white space collapsed. A value the
// document lacks stays "": nothing is invented, and the document's values
// are never replaced by defaults. Dates become YYYY-MM-DD (UBL dates with a
// time zone, CII and Finvoice CCYYMMDD, TEAPPSXML DATE parts); amounts
// become decimal text with "." ("124,00" → "124.00", a TEAPPSXML SIGN="-"
// → "-62.75"). Number is never empty: a document without one gives
// [ErrNoDocumentNumber]. Names prefer the legal name (BT-27, BT-44) over the
// trading name. AmountDue is the amount payable (BT-115); a Finvoice without
// a payment instruction (EpiInstructedAmount) gives its VAT-included total.
// Language is the recipient's language where the format states one
// (Finvoice InvoiceRecipientLanguageCode, TEAPPSXML RECEIVER LANGUAGE_CODE,
// CII LanguageID), lower-cased.
//
// What an invoice image shows is read from UBL, CII, ZUGFeRD 1.0, Finvoice
// and TEAPPSXML (not from Svefaktura 1.0): Party addresses,
// BusinessID, VATID, Contact and Phone; Lines (identifier, article,
// description, note, quantity and unit, unit price, VAT rate and category,
// net amount, and for consumer invoices the amounts with VAT and the price
// unit); the VAT breakdown; Totals (line total, net, VAT, gross, prepaid,
// rounding); Notes; and Payment: terms, BIC, means code, the Finvoice
// VirtualBankBarcode, and ReferenceKind, whether PaymentReference is a
// Finnish or RF reference with right check digits (package payment).
// Amounts and quantities are decimal text like AmountDue; one that is not
// a number is left out, with no warning, so that these fields never change
// what an e-mail distributor is warned about. Sub-lines (Finvoice
// SubInvoiceRow, UBL SubInvoiceLine) are not read.
//
// Customer numbers are the buyer identifiers a recipient directory can be
// keyed on, in the order a lookup should try them, each with its element
// path, scheme and [IDKind] (use [Document.CustomerNumbersByKind] for
// another order). Values keep leading zeros and are never parsed as
// numbers. The default order per format:
//
//	UBL           Party/PartyIdentification/ID without schemeID, SupplierAssignedAccountID,
//	              PartyIdentification/ID with schemeID, Party/Contact/ID, BuyerReference
//	CII           BuyerTradeParty/ID, BuyerTradeParty/GlobalID, BuyerReference
//	ZUGFeRD 1.0   as CII
//	Finvoice      SellersBuyerIdentifier, BuyerPartyIdentifier, BuyerCode, BuyerReferenceIdentifier
//	TEAPPSXML     RECEIVER/CUSTOMER_INFORMATION/CUSTOMER_ID, RECEIVER/CUSTOMER_ID,
//	              PARTY_IDENTIFICATION_ID, ORGANIZATION_NUMBER, HEADER/BUYER_REFERENCE
//	Svefaktura 1  BuyerParty/Party/PartyIdentification/ID, RequisitionistDocumentReference/ID
//
// E-mail addresses come from every buyer-side position: an explicit e-mail
// delivery field (TEAPPSXML RECEIVER/MAIL_ID), then the buyer's electronic
// address with an e-mail scheme (UBL EndpointID, CII URIID with schemeID EM,
// EMAIL or MAIL), then the buyer contact (BT-58), then the other contacts of
// buyer-side parties (UBL accounting, buyer and delivery contacts and the
// BuyerCustomerParty; TEAPPSXML ORDERER, PAYER, PAYOR; Svefaktura 1.0
// AccountsContact), then the invoice recipient (Finvoice
// InvoiceRecipient…, CII InvoiceeTradeParty, TEAPPSXML INVOICE_RECIPIENT).
// Seller, payee, tax representative, signature and delivery-party addresses
// and text in comments are never used. Each position is read with
// [Document.AddEmails]: lists are split, addresses validated with
// address.Parse (package transport/address) and de-duplicated
// case-insensitively (as address.Equal compares), and invalid ones become
// warnings. Seller.Email
// and Buyer.Email are the first valid contact address of each party.
//
// Attachments are the embedded binary objects (UBL EmbeddedDocumentBinaryObject,
// CII AttachmentBinaryObject), base64 decoded with any white space. Their
// ContentType is application/pdf only when the bytes start with %PDF, and
// a declared type whose signature the bytes lack becomes
// application/octet-stream. The PDF of a Factur-X file is its first
// attachment.
//
// # Factur-X, ZUGFeRD and XRechnung PDFs
//
// A PDF (starting with %PDF-, or with it within its first 1024 bytes after
// bytes that are not XML) is read the way PDF readers read it, with the
// standard library only: objects are located through the cross-reference
// tables and streams, following /Prev so that the newest revision of an
// incrementally updated file wins; object streams are read; a file whose
// cross-reference information is missing or wrong is reconstructed in one
// linear pass. The embedded files are those of the catalog's /Names
// /EmbeddedFiles tree and /AF (or, in a PDF whose catalog lists none, every
// Filespec and embedded file stream). The invoice is the file named
// factur-x.xml, xrechnung.xml or zugferd-invoice.xml (any case); only when
// no file has such a name, the first embedded file that is a supported
// e-invoice. A PDF whose only such file is order-x.xml gives [ErrOrder].
// Streams may be FlateDecode, with or without a PNG or TIFF predictor
// (/DecodeParms null is no parameters); another filter on the invoice file
// gives [ErrInvalidDocument] naming it. A PDF encrypted by the standard
// security handler with an empty user password (RC4 40–128 bits, AES-128,
// AES-256: one every reader opens without asking) is decrypted; one that
// needs a password, or is encrypted for certificates, gives
// [ErrPDFEncrypted]. The PDF itself (from %PDF- on) is the document's
// first attachment; the PDF's other embedded files follow the XML's own
// attachments, each with its Filespec name (Filename), description and
// /Subtype (DeclaredType); one that cannot be decoded is left out with an
// "invalid-attachment" warning.
//
// # Input handling
//
// The input may start with a UTF-8 byte order mark or be UTF-16 (detected
// from its first bytes); ISO-8859-1, ISO-8859-15, windows-1252 and the
// other IANA encodings are decoded from the XML declaration, each part of a
// SOAP-framed file from its own declaration, exactly once. DOCTYPEs are
// allowed and never fetched; entity declarations and references other than
// the five predefined ones are refused ([ErrEntity]). Input size and element
// depth are limited ([Options]); what a PDF's streams decompress to
// (embedded files, object and cross-reference streams) may not exceed the
// size limit in total, and reading a PDF costs time linear in its size
// whatever it holds (no object is searched for from the start of the
// file).
//
// # Errors
//
// Every error is a [*ParseError] with a stable [Code] (a CodeXxx constant,
// as importer has importer.Code), the line, element path or document it
// concerns when known, a message that says what to do (Error, in English)
// and [ParseError.Message], the explanation in Finnish, Swedish or English
// for the people who sent the file. It matches one sentinel with
// [errors.Is]:
//
//	empty                 ErrEmpty                the input is empty
//	not-xml               ErrNotXML               not well-formed XML
//	unknown-format        ErrUnknownFormat        root element of no supported format
//	multiple-roots        ErrMultipleRoots        several root elements
//	too-large             ErrTooLarge             over Options.MaxSize (see "Files with several documents")
//	too-deep              ErrTooDeep              over Options.MaxDepth
//	entity                ErrEntity               an entity declaration or reference
//	unsupported-encoding  ErrUnsupportedEncoding  unknown or contradictory encoding
//	no-document-number    ErrNoDocumentNumber     the document has no number
//	no-document           ErrNoDocument           a frame (SOAP, TEAPPSXML) without a document
//	attachment-message    ErrAttachmentMessage    an attachment message, not an invoice
//	multiple-documents    ErrMultipleDocuments    Parse given a file with several documents
//	pdf-without-xml       ErrPDFWithoutXML        a PDF without embedded e-invoice XML
//	pdf-encrypted         ErrPDFEncrypted         a PDF that needs a password to open
//	order                 ErrOrder                an Order-X PDF: an order, not an invoice
//	invalid-document      ErrInvalidDocument      an Extractor failed otherwise
//
// Problems that do not stop parsing are [Warning]s on the document, with a
// [Code], the element path and the offending value: "invalid-email" and
// "not-an-email" (an address or placeholder at an e-mail position),
// "invalid-customer-number", "invalid-date", "invalid-amount",
// "invalid-attachment", "attachment-type-mismatch" and "suspect-encoding"
// (text that looks decoded with the wrong character encoding); the
// constants are CodeInvalidEmail and so on. A document
// keeps the first [MaxWarnings] (100) of them; Document.WarningsOmitted
// counts the rest, so that a million invalid addresses cost a hundred
// warnings and a number.
//
// # Cost
//
// Parsing takes time and memory linear in the input, whatever it holds:
// the 32 MiB size limit admits a document with a million buyer addresses
// (read in about a second) and a TEAPPSXML batch of 100,000 invoices (a
// few seconds). BenchmarkParseScale measures both at 10,000 and 100,000.
// The number of addresses is not limited here: a distributor caps the
// recipients of one e-mail (distribution.Options.MaxRecipients).
//
// # Concurrency and ownership
//
// Parse and ParseAll may be called concurrently; they keep no state between
// calls and do no I/O, so they take no context. The input is not retained:
// every Document and everything in it (XML and attachment data included) is
// newly allocated and owned by the caller. Options, including the Extractors
// map, are only read.
package docparse
