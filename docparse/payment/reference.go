package payment

import (
	"strings"
)

// ReferenceKind is what kind of payment reference a text is.
type ReferenceKind string

// The reference kinds.
const (
	// RefNone: there is no reference.
	RefNone ReferenceKind = ""
	// RefFinnish: a Finnish national reference number (viitenumero), 4 to
	// 20 digits with a 7-3-1 check digit.
	RefFinnish ReferenceKind = "finnish"
	// RefRF: an RF creditor reference (ISO 11649), "RF", 2 check digits
	// and 1 to 21 letters or digits.
	RefRF ReferenceKind = "rf"
	// RefOther: text that is neither, or one of them with wrong check
	// digits: it can be shown and quoted, but no barcode carries it.
	RefOther ReferenceKind = "other"
)

// Reference is a checked payment reference.
type Reference struct {
	Kind ReferenceKind
	// Value is the reference in machine form: digits only (Finnish,
	// leading zeros removed) or "RF" + check digits + the rest, upper case,
	// without spaces.
	Value string
}

// Print returns the reference grouped for reading: Finnish in groups of
// five digits from the right ("12345 67895"), RF in groups of four
// ("RF33 1234 5678 95").
func (r Reference) Print() string {
	v := r.Value
	switch r.Kind {
	case RefFinnish:
		var b strings.Builder
		for i, c := range v {
			if i > 0 && (len(v)-i)%5 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		return b.String()
	case RefRF:
		var b strings.Builder
		for i, c := range v {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	return v
}

// Kind returns the kind of the reference s, as ParseReference checks it:
// RefNone for empty text, RefOther for text that is not a valid
// reference.
func Kind(s string) ReferenceKind {
	if strings.TrimSpace(s) == "" {
		return RefNone
	}
	r, err := ParseReference(s)
	if err != nil {
		return RefOther
	}
	return r.Kind
}

// ParseReference checks s as a Finnish reference or an RF creditor
// reference. Spaces are ignored (references are printed in groups) and
// letters may be lower case. A Finnish reference has 4 to 20 digits, the
// last the 7-3-1 check digit of the others; an RF reference has at most 25
// characters and its ISO 7064 mod 97-10 check must give 1.
func ParseReference(s string) (Reference, error) {
	v := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	switch {
	case v == "":
		return Reference{}, fail(FieldReference, s, ErrMissing, "")
	case strings.HasPrefix(v, "RF"):
		if len(v) < 5 || len(v) > 25 || !isDigits(v[2:4]) || !isAlnum(v[4:]) {
			return Reference{}, fail(FieldReference, s, ErrSyntax, "an RF reference is RF, two check digits and 1 to 21 letters or digits")
		}
		if mod97(v[4:]+v[:4]) != 1 {
			return Reference{}, fail(FieldReference, s, ErrCheckDigit, "the RF check digits do not match the reference")
		}
		return Reference{Kind: RefRF, Value: v}, nil
	case isDigits(v):
		t := strings.TrimLeft(v, "0")
		if len(t) < 4 || len(t) > 20 {
			return Reference{}, fail(FieldReference, s, ErrSyntax, "a Finnish reference has 4 to 20 digits")
		}
		if FinnishCheckDigit(t[:len(t)-1]) != t[len(t)-1] {
			return Reference{}, fail(FieldReference, s, ErrCheckDigit, "the last digit is not the 7-3-1 check digit of the others")
		}
		return Reference{Kind: RefFinnish, Value: t}, nil
	}
	return Reference{}, fail(FieldReference, s, ErrSyntax, "a reference is digits (Finnish) or starts with RF (ISO 11649)")
}

// FinnishCheckDigit returns the check digit of the base digits of a
// Finnish reference: weights 7, 3, 1 repeating from the right, and
// (10 - sum mod 10) mod 10. It returns 0 (the byte) when base holds
// anything but digits.
func FinnishCheckDigit(base string) byte {
	if !isDigits(base) {
		return 0
	}
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := range len(base) {
		sum += int(base[len(base)-1-i]-'0') * weights[i%3]
	}
	return byte('0' + (10-sum%10)%10)
}

// RF returns the RF creditor reference of a Finnish reference (its
// international form), or an error when fi is not a valid one.
func RF(fi string) (string, error) {
	r, err := ParseReference(fi)
	if err != nil {
		return "", err
	}
	if r.Kind != RefFinnish {
		return "", fail(FieldReference, fi, ErrUnsupported, "not a Finnish reference")
	}
	check := 98 - mod97(r.Value+"RF00")
	return "RF" + string(rune('0'+check/10)) + string(rune('0'+check%10)) + r.Value, nil
}

// mod97 returns the ISO 7064 mod 97-10 remainder of s, letters counting as
// 10 (A) to 35 (Z). s holds only digits and upper-case letters.
func mod97(s string) int {
	r := 0
	for i := range len(s) {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			n := int(c-'A') + 10
			r = (r*100 + n) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
