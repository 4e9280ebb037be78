package invoicepdf

import (
	"strings"
	"time"
)

// amount formats decimal text for people in lang: "1 234,50" in Finnish
// and Swedish (a no-break space between thousands), "1,234.50" in
// English, always with at least two decimals. Text that is not a decimal
// number is returned as it is.
func amount(lang, s string) string {
	if s == "" {
		return ""
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return s
	}
	for len(frac) < 2 {
		frac += "0"
	}
	thousands, point := "\u00a0", ","
	if lang == "en" {
		thousands, point = ",", "."
	}
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(c)
	}
	b.WriteString(point)
	b.WriteString(frac)
	return b.String()
}

// number formats a quantity or a rate: like amount, but without added
// decimals and with trailing decimal zeros removed ("2.000" is "2",
// "25.50" is "25,5").
func number(lang, s string) string {
	if s == "" {
		return ""
	}
	whole, frac, ok := strings.Cut(s, ".")
	if ok {
		frac = strings.TrimRight(frac, "0")
	}
	f := amount(lang, whole+".00")
	if f == whole+".00" { // not a number
		return s
	}
	f = f[:len(f)-3]
	if frac != "" {
		if lang == "en" {
			f += "." + frac
		} else {
			f += "," + frac
		}
	}
	return f
}

// money formats an amount with its currency: "250,33 €" in Finnish and
// Swedish, "€250.33" in English; other currencies by code ("250,33 SEK").
func money(lang, s, currency string) string {
	if s == "" {
		return ""
	}
	a := amount(lang, s)
	switch {
	case currency == "" || currency == "EUR":
		if lang == "en" {
			if strings.HasPrefix(a, "-") {
				return "-€" + a[1:]
			}
			return "€" + a
		}
		return a + "\u00a0€"
	case lang == "en":
		return currency + "\u00a0" + a
	}
	return a + "\u00a0" + currency
}

// date formats a YYYY-MM-DD date for people: "9.1.2015" in Finnish and
// Swedish (as written in Finland), "9 Jan 2015" in English.
func date(lang, s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	if lang == "en" {
		return d.Format("2 Jan 2006")
	}
	return d.Format("2.1.2006")
}

// units maps UN/ECE Recommendation 20 codes to the key of their name.
var units = map[string]string{
	"C62": "unit.piece", "H87": "unit.piece", "EA": "unit.piece", "PCE": "unit.piece", "NAR": "unit.piece", "XPP": "unit.piece",
	"HUR": "unit.hour", "DAY": "unit.day", "MON": "unit.month", "ANN": "unit.year", "WEE": "unit.week", "MIN": "unit.minute",
	"SET": "unit.set", "LS": "unit.lump",
}

// unit returns a unit for people: the name of a known UN/ECE code in
// lang, else the unit as written ("kWh", "kpl"). The common codes that are
// symbols ("KGM", "MTR") are written as symbols.
func unit(lang, u string) string {
	if k, ok := units[strings.ToUpper(u)]; ok {
		return text(lang, k)
	}
	switch strings.ToUpper(u) {
	case "KGM":
		return "kg"
	case "MTR":
		return "m"
	case "LTR":
		return "l"
	case "KWH":
		return "kWh"
	case "MTK":
		return "m²"
	case "MTQ":
		return "m³"
	case "KMT":
		return "km"
	case "TNE":
		return "t"
	case "ZZ", "1":
		return ""
	}
	return u
}
