package payment

import "strings"

// ibanLengths are the IBAN lengths of the SEPA countries (the IBAN
// registry); an IBAN of another country is checked for its form and check
// digits only.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
	"IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
	"NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
	"VA": 22, "AX": 18,
}

// ParseIBAN checks s as an IBAN and returns it in machine form (upper
// case, no spaces): two letters, two check digits, then 11 to 30 letters or
// digits, of the registered length for a SEPA country, with the ISO 7064
// mod 97-10 check giving 1.
func ParseIBAN(s string) (string, error) {
	v := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	switch {
	case v == "":
		return "", fail(FieldIBAN, s, ErrMissing, "")
	case len(v) < 15 || len(v) > 34 || !isUpper(v[:2]) || !isDigits(v[2:4]) || !isAlnum(v[4:]):
		return "", fail(FieldIBAN, s, ErrSyntax, "an IBAN is a country code, two check digits and 11 to 30 letters or digits")
	}
	if n, ok := ibanLengths[v[:2]]; ok && len(v) != n {
		return "", fail(FieldIBAN, s, ErrSyntax, "an IBAN of "+v[:2]+" has "+itoa(n)+" characters")
	}
	if mod97(v[4:]+v[:4]) != 1 {
		return "", fail(FieldIBAN, s, ErrCheckDigit, "the IBAN check digits do not match the account")
	}
	return v, nil
}

// PrintIBAN returns a valid IBAN (as [ParseIBAN] reads it) in groups of
// four for reading ("FI21 1234 5600 0007 85"), and any other text as it is
// written, so that a wrong account is never made to look right.
func PrintIBAN(s string) string {
	iban, err := ParseIBAN(s)
	if err != nil {
		return s
	}
	var b strings.Builder
	for i := range len(iban) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(iban[i])
	}
	return b.String()
}

// ParseBIC checks s as a BIC (ISO 9362): 8 or 11 characters, four letters
// (bank), two letters (country), two letters or digits (location) and
// optionally three (branch). It returns it upper case.
func ParseBIC(s string) (string, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case v == "":
		return "", fail(FieldBIC, s, ErrMissing, "")
	case len(v) != 8 && len(v) != 11 || !isUpper(v[:6]) || !isAlnum(v[6:]):
		return "", fail(FieldBIC, s, ErrSyntax, "a BIC has 8 or 11 letters and digits, the first six letters")
	}
	return v, nil
}

func isUpper(s string) bool {
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
