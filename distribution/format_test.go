package distribution

import (
	"testing"

	"github.com/jakelu/jakelu/internal/i18n"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct{ amount, currency, lang, want string }{
		{"124.00", "EUR", "fi", "124,00\u00a0EUR"},
		{"1234567.50", "EUR", "sv", "1\u00a0234\u00a0567,50\u00a0EUR"},
		{"1234567.50", "EUR", "en", "1,234,567.50\u00a0EUR"},
		{"-125.50", "EUR", "fi", "-125,50\u00a0EUR"},
		{"1000", "", "en", "1,000"},
		{"", "EUR", "fi", ""},
	}
	for _, tt := range tests {
		if got := i18n.FormatAmount(tt.lang, tt.amount, tt.currency); got != tt.want {
			t.Errorf("formatAmount(%q, %q, %q) = %q, want %q", tt.amount, tt.currency, tt.lang, got, tt.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	tests := []struct{ iso, lang, want string }{
		{"2027-01-05", "fi", "5.1.2027"},
		{"2026-12-31", "sv", "31.12.2026"},
		{"2026-12-31", "en", "2026-12-31"},
		{"2017-11-13+01:00", "fi", "13.11.2017"},
		{"", "fi", ""},
		{"13.11.2017", "fi", "13.11.2017"},
	}
	for _, tt := range tests {
		if got := i18n.FormatDate(tt.lang, tt.iso); got != tt.want {
			t.Errorf("formatDate(%q, %q) = %q, want %q", tt.iso, tt.lang, got, tt.want)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	tests := []struct{ number, want string }{
		{"2026-1001", "2026-1001"},
		{"061828591|01/10/2020|0|1.1|0|1", "061828591_01_10_2020_0_1.1_0_1"},
		{"018304 / 28865", "018304_28865"},
		{"../../etc/passwd", "etc_passwd"},
		{"Lasku ÄÖ 7", "Lasku_ÄÖ_7"},
		{"///", "document"},
	}
	for _, tt := range tests {
		if got := safeFileName(tt.number); got != tt.want {
			t.Errorf("safeFileName(%q) = %q, want %q", tt.number, got, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	if got := cleanName("Evil\r\nBcc: x@y.fi\u200b  Oy"); got != "Evil Bcc: x@y.fi Oy" {
		t.Errorf("cleanName = %q", got)
	}
}
