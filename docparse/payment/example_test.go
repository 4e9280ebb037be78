package payment_test

import (
	"errors"
	"fmt"

	"github.com/jakelu/jakelu/docparse/payment"
)

func ExampleTransfer_VirtualBarcode() {
	t := payment.Transfer{
		IBAN:      "FI79 4405 2020 0360 82",
		Amount:    "4883.15",
		Reference: "86851 62596 19897",
		DueDate:   "2010-06-12",
	}
	code, err := t.VirtualBarcode()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(code)

	t.Reference = "86851 62596 19898" // mistyped
	_, err = t.VirtualBarcode()
	var pe *payment.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Field, errors.Is(err, payment.ErrCheckDigit))
		fmt.Println(pe.Message("fi"))
	}
	// Output:
	// 479440520200360820048831500000000868516259619897100612
	// reference true
	// Viitenumero: tarkiste on väärä; pankkiviivakoodia tai QR-koodia ei muodostettu
}

func ExampleTransfer_EPCQR() {
	t := payment.Transfer{Name: "Pullin Musiikki Oy", IBAN: "FI7429501800000014", BIC: "NDEAFIHH", Amount: "124.00", Reference: "RF911234567890120"}
	payload, err := t.EPCQR()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(payload)
	// Output:
	// BCD
	// 002
	// 1
	// SCT
	// NDEAFIHH
	// Pullin Musiikki Oy
	// FI7429501800000014
	// EUR124.00
	//
	// RF911234567890120
}

func ExampleParseReference() {
	r, err := payment.ParseReference("rf18 5390 0754 7034")
	fmt.Println(r.Kind, r.Value, r.Print(), err)
	rf, _ := payment.RF("86851 62596 19897")
	fmt.Println(rf)
	// Output:
	// rf RF18539007547034 RF18 5390 0754 7034 <nil>
	// RF09868516259619897
}
