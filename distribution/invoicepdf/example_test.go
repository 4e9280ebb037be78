package invoicepdf_test

import (
	"fmt"
	"log"
	"os"

	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
)

func ExampleRenderer_Render() {
	data, err := os.ReadFile("testdata/finvoice-payable.xml")
	if err != nil {
		log.Fatal(err)
	}
	doc, err := docparse.Parse(data, nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := invoicepdf.New(&invoicepdf.Options{Colour: "#1f5f3a"})
	if err != nil {
		log.Fatal(err)
	}
	img, err := r.Render(doc, "") // in the document's language
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Language, img.Pages, "page")
	fmt.Println(img.VirtualBarcode)
	fmt.Println(img.NoPaymentForm)

	doc.PaymentReference = "12345" // a wrong check digit: no form, and the page says why
	img, err = r.Render(doc, "sv")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", img.VirtualBarcode)
	fmt.Println(img.NoPaymentForm)
	// Output:
	// fi 1 page
	// 421123456000007850048831500000000868516259619897260214
	// <nil>
	// ""
	// payment: reference "12345": payment: wrong check digits (the last digit is not the 7-3-1 check digit of the others)
}
