package csvimport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/registry"
)

// The host app's upload flow: read (the format is sniffed from the bytes),
// show the problems or the preview, then apply.
func Example() {
	ctx := context.Background()
	reg := registry.NewMemory(nil)
	decoders := []importer.Decoder{csvimport.NewDecoder(nil)} // add xlsximport.NewDecoder(nil) for XLSX

	upload := strings.NewReader("Asiakasnumero;Sähköposti\n00123;laskut@example.com, kirjanpito@example.com\n00124;matti@localhost\n")
	_, err := importer.Read(upload, decoders, nil)
	var ie *importer.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Printf("%s: %s\n", p.Position("fi"), p.Message("fi"))
		}
	}

	upload = strings.NewReader("Asiakasnumero;Sähköposti\n00123;laskut@example.com kirjanpito@example.com\n00124;matti@example.com\n")
	batch, err := importer.Read(upload, decoders, nil)
	if err != nil {
		log.Fatal(err)
	}
	changes, err := importer.Diff(ctx, reg, batch)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("preview: %+v\n", changes.Summary())
	summary, err := importer.Apply(ctx, reg, batch)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("applied: %+v\n", summary)
	e, _ := reg.Lookup(ctx, "00123")
	fmt.Println(e.To)
	// Output:
	// rivi 2, sarake B: Ylimääräinen pilkku kahden osoitteen välissä kohdassa ”laskut@example.com, kirjanpito@example.com” — erota osoitteet välilyönnillä.
	// rivi 3, sarake B: ”matti@localhost” ei ole kelvollinen sähköpostiosoite: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä.
	// preview: {Added:2 Changed:0 Unchanged:0 Deleted:0}
	// applied: {Added:2 Changed:0 Unchanged:0 Deleted:0}
	// [laskut@example.com kirjanpito@example.com]
}

func ExampleWriteTemplate() {
	var buf bytes.Buffer
	if err := csvimport.WriteTemplate(&buf, "en"); err != nil {
		log.Fatal(err)
	}
	// The file starts with a UTF-8 byte order mark, so that Excel reads it
	// as UTF-8; lines end in CRLF.
	fmt.Print(strings.ReplaceAll(strings.TrimPrefix(buf.String(), "\ufeff"), "\r\n", "\n"))
	// Output:
	// Customer number,E-mail,CC,Delivery,Language
	// 00123,jane.doe@example.com john.doe@example.com,,,
	// 00124,invoices@example.org,accounting@example.org,,
	// 00125,invoices@example.org,,,
}

func ExampleExport() {
	ctx := context.Background()
	reg := registry.NewMemory(nil)
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "00123", To: []string{"a@example.com", "b@example.com"}})
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "-7", To: []string{"=c@example.com"}, Cc: []string{"d@example.com"}, Language: "sv", Profile: registry.ProfileScan})
	var buf bytes.Buffer
	if err := csvimport.Export(ctx, &buf, reg, "sv"); err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(strings.TrimPrefix(buf.String(), "\ufeff"), "\r\n", "\n"))
	// Output:
	// Kundnummer;E-post;Kopia (CC);Leveranssätt;Språk
	// '-7;'=c@example.com;d@example.com;scan;sv
	// 00123;a@example.com b@example.com;;;
}
