package payment

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Transfer is a credit transfer a payer is asked to make: what a bank
// transfer form (tilisiirtolomake) shows and the codes carry.
type Transfer struct {
	Name      string // payee (beneficiary) name; the EPC QR code needs it
	IBAN      string // payee account, spaces allowed
	BIC       string // payee bank, optional
	Amount    string // amount as decimal text with "." as the separator ("124.00")
	Currency  string // ISO 4217 code; "" means EUR
	Reference string // Finnish or RF reference, spaces allowed
	DueDate   string // YYYY-MM-DD, or "" for none
}

// MaxBarcodeAmount is the largest amount, in cents, a Finnish bank barcode
// carries; a larger amount is written as zeros and the payer types it.
const MaxBarcodeAmount = 999999_99

// cents returns the amount in cents. More than two decimals are allowed
// only when the extra ones are zeros ("210.8000").
func (t Transfer) cents() (int64, error) {
	s := strings.TrimSpace(t.Amount)
	if s == "" {
		return 0, fail(FieldAmount, t.Amount, ErrMissing, "")
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(digits, ".")
	if !isDigits(whole) || frac != "" && !isDigits(frac) || len(whole) > 12 {
		return 0, fail(FieldAmount, t.Amount, ErrSyntax, "an amount is decimal text such as 124.50")
	}
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, fail(FieldAmount, t.Amount, ErrSyntax, "an amount to pay has at most two decimals")
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var c int64
	for _, r := range whole + frac {
		c = c*10 + int64(r-'0')
	}
	if neg && c != 0 {
		return 0, fail(FieldAmount, t.Amount, ErrUnsupported, "a negative amount is a credit, nothing to pay")
	}
	if c == 0 {
		return 0, fail(FieldAmount, t.Amount, ErrUnsupported, "there is nothing to pay")
	}
	return c, nil
}

// euro checks that the transfer is in euros.
func (t Transfer) euro() error {
	if c := strings.TrimSpace(t.Currency); c != "" && !strings.EqualFold(c, "EUR") {
		return fail(FieldCurrency, t.Currency, ErrUnsupported, "the Finnish bank barcode and the EPC QR code are for euro payments only")
	}
	return nil
}

// VirtualBarcode returns the 54 digits of the Finnish bank barcode
// (virtuaaliviivakoodi) of the transfer, as the Finance Finland bank
// barcode guide (Pankkiviivakoodi-opas) defines them:
//
//   - version 4, for a Finnish reference: "4", the 16 digits of a Finnish
//     IBAN after "FI", euros (6) and cents (2), "000", the reference right
//     aligned in 20 digits, the due date YYMMDD;
//   - version 5, for an RF reference with a numeric reference part: "5",
//     the IBAN digits, euros and cents, the RF check digits (2), the
//     reference part right aligned in 21 digits, the due date.
//
// An amount above 999 999,99 € is written as zeros (the payer types it);
// no due date is 000000. The IBAN must be a valid Finnish IBAN, the
// reference valid, the amount positive and in euros: otherwise there is no
// barcode and the [*Error] says which value and why.
func (t Transfer) VirtualBarcode() (string, error) {
	iban, err := ParseIBAN(t.IBAN)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(iban, "FI") || !isDigits(iban[2:]) {
		return "", fail(FieldIBAN, t.IBAN, ErrUnsupported, "the Finnish bank barcode carries a Finnish (FI) IBAN of digits only")
	}
	if err := t.euro(); err != nil {
		return "", err
	}
	c, err := t.cents()
	if err != nil {
		return "", err
	}
	if c > MaxBarcodeAmount {
		c = 0
	}
	ref, err := ParseReference(t.Reference)
	if err != nil {
		return "", err
	}
	due, err := t.due()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(54)
	switch ref.Kind {
	case RefFinnish:
		b.WriteByte('4')
		b.WriteString(iban[2:])
		b.WriteString(pad(itoa64(c), 8))
		b.WriteString("000")
		b.WriteString(pad(ref.Value, 20))
	default: // RefRF
		if !isDigits(ref.Value[4:]) || len(ref.Value[4:]) > 21 {
			return "", fail(FieldReference, t.Reference, ErrUnsupported, "the bank barcode carries an RF reference of digits only")
		}
		b.WriteByte('5')
		b.WriteString(iban[2:])
		b.WriteString(pad(itoa64(c), 8))
		b.WriteString(ref.Value[2:4])
		b.WriteString(pad(ref.Value[4:], 21))
	}
	b.WriteString(due)
	return b.String(), nil
}

// due returns the due date as YYMMDD, 000000 when there is none.
func (t Transfer) due() (string, error) {
	if strings.TrimSpace(t.DueDate) == "" {
		return "000000", nil
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(t.DueDate))
	if err != nil {
		return "", fail(FieldDueDate, t.DueDate, ErrSyntax, "a due date is YYYY-MM-DD")
	}
	return d.Format("060102"), nil
}

// MaxEPCBytes is the largest EPC QR payload EPC069-12 allows.
const MaxEPCBytes = 331

// EPCQR returns the payload of the EPC QR code (EPC069-12 version 002,
// "SEPA credit transfer") of the transfer, lines separated by "\n": BCD,
// 002, 1 (UTF-8), SCT, the BIC (may be empty), the payee name (at most 70
// characters), the IBAN, EUR and the amount, an empty purpose, and the
// reference as a structured RF creditor reference (a Finnish reference in
// its RF form). The payee name, a valid IBAN, a valid reference and a
// positive euro amount up to 999 999 999,99 are required; the QR code is
// drawn with error correction level M.
func (t Transfer) EPCQR() (string, error) {
	name := strings.Join(strings.Fields(t.Name), " ")
	if name == "" {
		return "", fail(FieldName, t.Name, ErrMissing, "")
	}
	if utf8.RuneCountInString(name) > 70 {
		name = string([]rune(name)[:70])
	}
	iban, err := ParseIBAN(t.IBAN)
	if err != nil {
		return "", err
	}
	bic := ""
	if strings.TrimSpace(t.BIC) != "" {
		if bic, err = ParseBIC(t.BIC); err != nil {
			return "", err
		}
	}
	if err := t.euro(); err != nil {
		return "", err
	}
	c, err := t.cents()
	if err != nil {
		return "", err
	}
	if c > 999999999_99 {
		return "", fail(FieldAmount, t.Amount, ErrUnsupported, "the EPC QR code carries at most 999 999 999,99 €")
	}
	ref, err := ParseReference(t.Reference)
	if err != nil {
		return "", err
	}
	rf := ref.Value
	if ref.Kind == RefFinnish {
		if rf, err = RF(ref.Value); err != nil {
			return "", err
		}
	}
	amount := itoa64(c/100) + "." + pad(itoa64(c%100), 2)
	payload := strings.Join([]string{"BCD", "002", "1", "SCT", bic, name, iban, "EUR" + amount, "", rf}, "\n")
	if len(payload) > MaxEPCBytes {
		return "", fail(FieldName, t.Name, ErrUnsupported, "the EPC QR payload would exceed 331 bytes")
	}
	return payload, nil
}

// pad returns s right aligned in n digits, zero padded.
func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

func itoa64(n int64) string {
	if n < 1<<31 {
		return itoa(int(n))
	}
	return itoa(int(n/1_000_000_000)) + pad(itoa(int(n%1_000_000_000)), 9)
}

// ParseVirtualBarcode reads the 54 digits of a Finnish virtual barcode
// (version 4 or 5) back into a transfer: the Finnish IBAN (its 16 digits
// after "FI" are the barcode's), the amount ("" when the barcode
// leaves it to the payer), the reference in machine form and the due date
// ("" when none). It checks the form, not whether the account exists.
func ParseVirtualBarcode(s string) (Transfer, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return Transfer{}, fail(FieldReference, s, ErrMissing, "")
	}
	if len(v) != 54 || !isDigits(v) || v[0] != '4' && v[0] != '5' {
		return Transfer{}, fail(FieldReference, s, ErrSyntax, "a virtual barcode is 54 digits starting with 4 or 5")
	}
	t := Transfer{IBAN: "FI" + v[1:17], Currency: "EUR"}
	if c := strings.TrimLeft(v[17:25], "0"); c != "" {
		c = pad(c, 3)
		t.Amount = c[:len(c)-2] + "." + c[len(c)-2:]
	}
	if v[0] == '4' {
		t.Reference = strings.TrimLeft(v[28:48], "0")
	} else {
		t.Reference = "RF" + v[25:27] + strings.TrimLeft(v[27:48], "0")
	}
	if d := v[48:]; d != "000000" {
		due, err := time.Parse("060102", d)
		if err != nil {
			return Transfer{}, fail(FieldDueDate, s, ErrSyntax, "the last six digits are not a date YYMMDD")
		}
		t.DueDate = due.Format(time.DateOnly)
	}
	return t, nil
}
