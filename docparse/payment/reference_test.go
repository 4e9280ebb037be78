package payment_test

import (
	"errors"
	"testing"

	"github.com/jakelu/jakelu/docparse/payment"
)

func TestParseReference(t *testing.T) {
	tests := []struct {
		in    string
		kind  payment.ReferenceKind
		value string
		err   error
	}{
		// Finnish references of the bank barcode guide's examples.
		{"86851 62596 19897", payment.RefFinnish, "868516259619897", nil},
		{"55958 22432 94671", payment.RefFinnish, "559582243294671", nil},
		{"69 87567 20834 35364", payment.RefFinnish, "69875672083435364", nil},
		{"78 77767 96566 28687", payment.RefFinnish, "78777679656628687", nil},
		{"8 68624", payment.RefFinnish, "868624", nil},
		{"00000000000000868624", payment.RefFinnish, "868624", nil}, // zero-padded as in Finvoice
		{"1232", payment.RefFinnish, "1232", nil},
		// RF references of the guide.
		{"RF09 8685 1625 9619 897", payment.RefRF, "RF09868516259619897", nil},
		{"rf66 5907 3839 0", payment.RefRF, "RF66590738390", nil},
		{"RF18539007547034", payment.RefRF, "RF18539007547034", nil},
		{"RF18 0000 0000 0000 0000 0000 01", payment.RefOther, "", payment.ErrSyntax}, // 26 characters
		// Wrong check digits.
		{"86851 62596 19898", payment.RefOther, "", payment.ErrCheckDigit},
		{"RF10 8685 1625 9619 897", payment.RefOther, "", payment.ErrCheckDigit},
		// Not references.
		{"", payment.RefNone, "", payment.ErrMissing},
		{"   ", payment.RefNone, "", payment.ErrMissing},
		{"123", payment.RefOther, "", payment.ErrSyntax},
		{"123456789012345678901", payment.RefOther, "", payment.ErrSyntax},
		{"RE-2026/0815", payment.RefOther, "", payment.ErrSyntax},
		{"RF1", payment.RefOther, "", payment.ErrSyntax},
		{"RFAB1234", payment.RefOther, "", payment.ErrSyntax},
		{"RF18 5390-0754", payment.RefOther, "", payment.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := payment.ParseReference(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseReference(%q) error %v, want %v", tt.in, err, tt.err)
			}
			if err != nil {
				var pe *payment.Error
				if !errors.As(err, &pe) || pe.Field != payment.FieldReference {
					t.Errorf("error %#v is not a *payment.Error about the reference", err)
				}
				if pe.Message("fi") == "" || pe.Message("sv") == pe.Message("fi") {
					t.Errorf("Message: fi %q, sv %q", pe.Message("fi"), pe.Message("sv"))
				}
			} else if r.Value != tt.value {
				t.Errorf("ParseReference(%q) = %q, want %q", tt.in, r.Value, tt.value)
			}
			if got := payment.Kind(tt.in); got != tt.kind {
				t.Errorf("Kind(%q) = %q, want %q", tt.in, got, tt.kind)
			}
		})
	}
}

func TestRF(t *testing.T) {
	// The guide's pairs of a Finnish reference and its RF form; "" where
	// only validity is checked.
	tests := []struct{ fi, rf string }{
		{"868516259619897", "RF09868516259619897"},
		{"559582243294671", "RF06559582243294671"},
		{"78777679656628687", "RF6078777679656628687"},
		{"868624", "RF10868624"},
		{"1232", ""},
	}
	for _, tt := range tests {
		got, err := payment.RF(tt.fi)
		if err != nil {
			t.Fatalf("RF(%q): %v", tt.fi, err)
		}
		if r, err := payment.ParseReference(got); err != nil || r.Kind != payment.RefRF {
			t.Errorf("RF(%q) = %q, which is not a valid RF reference: %v", tt.fi, got, err)
		}
		if tt.rf != "" && got != tt.rf {
			t.Errorf("RF(%q) = %q, want %q", tt.fi, got, tt.rf)
		}
		if got[4:] != tt.fi {
			t.Errorf("RF(%q) = %q: the reference part changed", tt.fi, got)
		}
	}
	if _, err := payment.RF("RF18539007547034"); !errors.Is(err, payment.ErrUnsupported) {
		t.Errorf("RF of an RF reference: %v, want ErrUnsupported", err)
	}
}

func TestParseIBAN(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"FI79 4405 2020 0360 82", "FI7944052020036082", nil},
		{"fi2112345600000785", "FI2112345600000785", nil},
		{"DE88 2008 0000 0970 3757 00", "DE88200800000970375700", nil},
		{"DE02120300000000202051", "DE02120300000000202051", nil},
		{"FI2112345600000786", "", payment.ErrCheckDigit},
		{"FI211234560000078", "", payment.ErrSyntax}, // 17 characters
		{"5050-1055", "", payment.ErrSyntax},
		{"IBAN32423940", "", payment.ErrSyntax},
		{"", "", payment.ErrMissing},
	}
	for _, tt := range tests {
		got, err := payment.ParseIBAN(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseIBAN(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got := payment.PrintIBAN("FI7944052020036082"); got != "FI79 4405 2020 0360 82" {
		t.Errorf("PrintIBAN = %q", got)
	}
}

func TestParseBIC(t *testing.T) {
	for in, want := range map[string]error{"NDEAFIHH": nil, "okoyfihh": nil, "HELSFIHHXXX": nil, "BIC324098": payment.ErrSyntax, "": payment.ErrMissing, "NDEA": payment.ErrSyntax} {
		if _, err := payment.ParseBIC(in); !errors.Is(err, want) {
			t.Errorf("ParseBIC(%q): %v, want %v", in, err, want)
		}
	}
}

func TestReferencePrint(t *testing.T) {
	for in, want := range map[string]string{
		"868516259619897":   "86851 62596 19897",
		"69875672083435364": "69 87567 20834 35364",
		"RF18539007547034":  "RF18 5390 0754 7034",
		"RF6659073839 0":    "RF66 5907 3839 0",
	} {
		r, err := payment.ParseReference(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Print(); got != want {
			t.Errorf("Print(%q) = %q, want %q", in, got, want)
		}
	}
}
