// Package invoicepdf renders an invoice image: an A4 PDF a person can
// read and pay from, made from what [docparse] read of an e-invoice, for
// customers who receive by e-mail a document that has no PDF of its own.
//
// The page shows the seller and the buyer, the invoice data, the lines
// (over as many pages as they need), the VAT breakdown, the totals and the
// notes, in the document's language (Finnish, Swedish or English). A
// payable invoice to a Finnish account ends with the standard bank
// transfer form (tilisiirtolomake) carrying the Finnish bank barcode
// (pankkiviivakoodi, Code 128C), its 54-digit virtual barcode as text and
// the EPC QR code (SEPA credit transfer), all computed by
// [payment.Transfer] from the document's own IBAN, amount, reference and
// due date. Nothing is invented: without a valid IBAN, amount and
// reference there is no form and no code, and the page says why.
//
// Text in the PDF is real text (searchable and copyable), set in the Go
// font, which covers the Nordic and Baltic letters. A document whose texts
// all fit the Nordic and Baltic 8-bit encoding of the package (Latin-1,
// Estonian, Latvian, Lithuanian, Polish and Sámi letters) embeds a subset
// prepared once per process, which makes a rendering several times
// cheaper: ASCII and those of three groups of further characters (Finnish
// and Swedish with the symbols; other Latin-1; the rest) it uses, so that
// a Finnish invoice is about 22 KB instead of 30. Any other document
// embeds the Unicode font, with every character the Go font has. A company may give its logo and colour in
// [Options].
package invoicepdf
