package registry_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/jakelu/jakelu/registry"
)

func ExampleMemory() {
	ctx := context.Background()
	reg := registry.NewMemory(nil)

	// One entry at a time: addresses are normalized as they are stored.
	err := reg.Put(ctx, registry.Entry{
		CustomerNumber: "00123",
		To:             []string{"Matti Meikäläinen <Matti@Example.FI>"},
		Cc:             []string{"kirjanpito@example.fi"},
	})
	if err != nil {
		log.Fatal(err)
	}

	// A whole directory at once, as an import does: all or nothing.
	sum, err := reg.Apply(ctx, registry.Batch{
		ReplaceAll: true,
		Put: []registry.Entry{
			{CustomerNumber: "00123", To: []string{"Matti@example.fi"}, Cc: []string{"kirjanpito@example.fi"}},
			{CustomerNumber: "123", To: []string{"liisa@yritys.example", "laskut@yritys.example"}, Language: "sv"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", sum)

	e, err := reg.Lookup(ctx, "00123")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.CustomerNumber, e.To, e.Cc)

	if _, err := reg.Lookup(ctx, "0123"); errors.Is(err, registry.ErrNotFound) {
		fmt.Println("0123: not found")
	}

	page, err := reg.List(ctx, registry.Query{Search: "YRITYS"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range page.Entries {
		fmt.Println(page.Total, e.CustomerNumber, e.To, e.Language)
	}
	// Output:
	// {Added:1 Changed:0 Unchanged:1 Deleted:0}
	// 00123 [Matti@example.fi] [kirjanpito@example.fi]
	// 0123: not found
	// 1 123 [liisa@yritys.example laskut@yritys.example] sv
}

func ExampleEntryError_Message() {
	_, err := registry.Entry{CustomerNumber: "10202", To: []string{"laskut@vasatradgard.example", "matti@"}}.Normalize()
	var ee *registry.EntryError
	if errors.As(err, &ee) {
		fmt.Println(ee.Field, ee.Value)
		for _, lang := range []string{"en", "fi", "sv"} {
			fmt.Println(ee.Message(lang))
		}
	}
	// Output:
	// To matti@
	// “matti@” is not a valid e-mail address: there is nothing after the @.
	// ”matti@” ei ole kelvollinen sähköpostiosoite: @-merkin jälkeen ei ole mitään.
	// ”matti@” är inte en giltig e-postadress: det finns inget efter @.
}

// A directory entry for a customer who receives through a scanning service.
func ExampleParseProfile() {
	p, err := registry.ParseProfile(" Scan ")
	fmt.Println(p, err)
	e := registry.Entry{CustomerNumber: "123", To: []string{"skannaus@palvelu.example"}, Profile: p}
	fmt.Println(e.Validate())
	e.Profile = "fax"
	err = e.Validate()
	fmt.Println(errors.Is(err, registry.ErrInvalidProfile))
	var ee *registry.EntryError
	if errors.As(err, &ee) {
		fmt.Println(ee.Field, "-", ee.Message("en"))
	}
	fmt.Println(registry.Profile("").Effective())
	// Output:
	// scan <nil>
	// <nil>
	// true
	// Profile - Give the delivery profile as standard (the usual e-mail) or scan (a scanning service), or leave it empty.
	// standard
}
