package bounce_test

import (
	"fmt"
	"os"

	"github.com/jakelu/jakelu/transport/bounce"
)

func ExampleParse() {
	f, err := os.Open("testdata/postfix-user-unknown.eml")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	rep, err := bounce.Parse(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Kind, rep.OriginalMessageID, rep.EnvelopeID, rep.VERP)
	for _, r := range rep.Recipients {
		fmt.Println(r.Address, r.Action, r.Status, r.Code, r.Reason, r.Hard)
		fmt.Println(r.Reason.Message("fi"))
	}
	// Output:
	// bounce lasku-1001@jakelu.example outbox-42 bounces+42.abcdefghijklmnop@bounce.jakelu.example
	// laskut@asiakas.example failed 5.1.1 550 user-unknown true
	// osoitetta ei ole olemassa
}

func ExampleVERP() {
	v := bounce.VERP{Key: []byte("a secret of 16+ bytes"), Local: "bounces", Domain: "bounce.jakelu.example"}
	from, err := v.Address("42", "laskut@asiakas.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	// A report sent back to from names it in Report.VERP.
	id, err := v.Verify(from, "laskut@asiakas.example")
	fmt.Println(id, err)
	_, err = v.Verify(from, "someone.else@asiakas.example")
	fmt.Println(err != nil)
	// Output:
	// 42 <nil>
	// true
}
