package importer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/registry"
)

func ExampleRead() {
	upload := strings.NewReader("Kundnummer;E-post\n00123;a@example.com b@example.com\n00124;a@example.com, c@example.com\n00125;\n")
	_, err := importer.Read(upload, []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		fmt.Println(ie.Total, "problems")
		for _, p := range ie.Problems {
			fmt.Printf("%s [%s]: %s\n", p.Position("sv"), p.Code, p.Message("sv"))
		}
	}
	// Output:
	// 2 problems
	// rad 3, kolumn B [comma-between-addresses]: Extra kommatecken mellan två adresser i ”a@example.com, c@example.com” — skilj adresserna åt med ett mellanslag.
	// rad 4, kolumn B [missing-address]: E-postadressen saknas. Skriv minst en adress i kolumn B eller ta bort raden.
}

func ExampleDiff() {
	ctx := context.Background()
	reg := registry.NewMemory(nil)
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "1", To: []string{"old@example.com"}})
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "2", To: []string{"two@example.com"}})
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "3", To: []string{"three@example.com"}})

	batch, err := importer.Read(strings.NewReader("1,new@example.com\n2,two@example.com\n4,four@example.com\n"), []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	if err != nil {
		log.Fatal(err)
	}
	batch.ReplaceAll = true // also delete the customers not in the file
	changes, err := importer.Diff(ctx, reg, batch)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range changes.Added {
		fmt.Println("add", e.CustomerNumber, e.To)
	}
	for _, c := range changes.Changed {
		fmt.Println("change", c.New.CustomerNumber, c.Old.To, "→", c.New.To)
	}
	for _, e := range changes.Deleted {
		fmt.Println("delete", e.CustomerNumber)
	}
	fmt.Printf("%+v\n", changes.Summary())
	// Output:
	// add 4 [four@example.com]
	// change 1 [old@example.com] → [new@example.com]
	// delete 3
	// {Added:1 Changed:1 Unchanged:1 Deleted:1}
}

func ExampleProblem_Message() {
	p := importer.Problem{Row: 7, Column: "B", Value: "matti@localhost", Code: importer.CodeInvalidAddress, Reason: "domain-without-dot"}
	for _, lang := range []string{"fi", "sv", "en"} {
		fmt.Println(p.Position(lang)+":", p.Message(lang))
	}
	// Output:
	// rivi 7, sarake B: ”matti@localhost” ei ole kelvollinen sähköpostiosoite: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä.
	// rad 7, kolumn B: ”matti@localhost” är inte en giltig e-postadress: domänen efter @ saknar punkt.
	// row 7, column B: “matti@localhost” is not a valid e-mail address: the domain after the @ has no dot.
}

// The columns of the import file, from the one table the reader, the
// template and export writers and the help use.
func ExampleColumns() {
	for _, c := range importer.Columns() {
		fmt.Printf("%s %-15s | %s\n", c.Letter, c.Header("en"), c.Header("sv"))
	}
	fmt.Printf("%q %q\n", importer.Separator("fi"), importer.SheetNames("fi"))
	fmt.Println(importer.Header("fi").Values())
	// Output:
	// A Customer number | Kundnummer
	// B E-mail          | E-post
	// C CC              | Kopia (CC)
	// D Delivery        | Leveranssätt
	// E Language        | Språk
	// ";" ["Asiakkaat" "Ohje"]
	// [Asiakasnumero Sähköposti Kopio (CC) Toimitustapa Kieli]
}
