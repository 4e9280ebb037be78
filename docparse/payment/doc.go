// Package payment checks and encodes what a payer needs to pay an invoice:
// the payment reference (Finnish national reference, RF creditor reference
// of ISO 11649), the IBAN, and from them the Finnish bank barcode
// (pankkiviivakoodi, versions 4 and 5, whose 54 digits are the virtual
// barcode, virtuaaliviivakoodi) and the EPC QR code payload (EPC069-12,
// SEPA credit transfer).
//
// Nothing here is invented: a barcode or a QR payload is built only from a
// valid IBAN, a valid reference and a stated amount, and otherwise the
// functions return an [*Error] naming the field and why ([ErrMissing],
// [ErrSyntax], [ErrCheckDigit], [ErrUnsupported]).
//
// The package depends on nothing of jakelu's but the language matcher, so
// that docparse can classify references with it and a renderer can draw
// the codes.
package payment
