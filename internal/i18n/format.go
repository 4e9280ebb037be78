package i18n

import (
	"strconv"
	"strings"
)

// The texts of format.json say how a language writes values: "format.quote"
// quotes a value ("“%s”"), "format.group" separates thousands,
// "format.decimal" is the decimal separator and "format.date" lays out a
// date with the tokens YYYY (year), MM and DD (month and day with a
// leading zero) and M and D (without).

// Quote puts v in the quotation marks of the language lang reads.
func Quote(lang, v string) string { return Text(lang, "format.quote", v) }

// FormatInt writes n with the thousands separator of the language lang
// reads: 1,000,000 in English, 1 000 000 (no-break spaces) in Finnish and
// Swedish.
func FormatInt(lang string, n int64) string {
	return group(strconv.FormatInt(n, 10), Text(lang, "format.group"))
}

// group puts sep between the groups of three digits of s, a run of digits
// perhaps after a minus sign.
func group(s, sep string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3*len(sep))
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FormatDate writes an ISO 8601 date (YYYY-MM-DD, perhaps followed by a
// time or a zone) as the language lang reads writes dates: "5.1.2026" in
// Finnish and Swedish, "2026-01-05" in English. Text that is no such date
// is returned as it is; a date with a month or day of 00 gives its first
// ten characters.
func FormatDate(lang, iso string) string {
	if len(iso) < 10 || iso[4] != '-' || iso[7] != '-' {
		return iso
	}
	y, mm, dd := iso[:4], iso[5:7], iso[8:10]
	m, d := strings.TrimLeft(mm, "0"), strings.TrimLeft(dd, "0")
	if m == "" || d == "" {
		return iso[:10]
	}
	layout := Text(lang, "format.date")
	var b strings.Builder
	b.Grow(len(layout) + 4)
	for i := 0; i < len(layout); {
		switch rest := layout[i:]; {
		case strings.HasPrefix(rest, "YYYY"):
			b.WriteString(y)
			i += 4
		case strings.HasPrefix(rest, "MM"):
			b.WriteString(mm)
			i += 2
		case strings.HasPrefix(rest, "DD"):
			b.WriteString(dd)
			i += 2
		case rest[0] == 'M':
			b.WriteString(m)
			i++
		case rest[0] == 'D':
			b.WriteString(d)
			i++
		default:
			b.WriteByte(rest[0])
			i++
		}
	}
	return b.String()
}

// FormatAmount writes a decimal amount ("1234.50", "-5") with the
// thousands and decimal separators of the language lang reads, and the
// currency after a no-break space when there is one: "1 234,50 EUR" in
// Finnish and Swedish, "1,234.50 EUR" in English. An empty amount gives "".
func FormatAmount(lang, amount, currency string) string {
	if amount == "" {
		return ""
	}
	sign := ""
	if strings.HasPrefix(amount, "-") {
		sign, amount = "-", amount[1:]
	}
	intPart, frac, hasFrac := strings.Cut(amount, ".")
	s := sign + group(intPart, Text(lang, "format.group"))
	if hasFrac {
		s += Text(lang, "format.decimal") + frac
	}
	if currency != "" {
		s += "\u00a0" + currency
	}
	return s
}

// checkLayout reports whether a "format.date" text names the year, the
// month and the day.
func checkLayout(layout string) bool {
	return strings.Contains(layout, "YYYY") && strings.Contains(layout, "M") && strings.Contains(layout, "D")
}
