package xlsximport_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/registry"
)

// An uploaded file may be CSV or XLSX: Read tells them apart by their
// bytes. Here the upload is the Finnish template, as a user downloads it.
func Example() {
	decoders := []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)}

	var upload bytes.Buffer
	if err := xlsximport.WriteTemplate(&upload, "fi"); err != nil {
		log.Fatal(err)
	}
	batch, err := importer.Read(&upload, decoders, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(batch.Format)
	for _, e := range batch.Entries {
		fmt.Println(e.CustomerNumber, e.To, e.Cc)
	}
	// Output:
	// xlsx
	// 00123 [matti.meikalainen@example.com maija.meikalainen@example.com] []
	// 00124 [laskut@example.org] [kirjanpito@example.org]
	// 00125 [laskut@example.org] []
}

func ExampleExport() {
	ctx := context.Background()
	reg := registry.NewMemory(nil)
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "00123", To: []string{"a@example.com"}})
	_ = reg.Put(ctx, registry.Entry{CustomerNumber: "=1+1", To: []string{"b@example.com"}})

	var file bytes.Buffer
	if err := xlsximport.Export(ctx, &file, reg, "sv"); err != nil {
		log.Fatal(err)
	}
	// The export re-imports unchanged; "=1+1" was written as text.
	batch, err := importer.Read(&file, []importer.Decoder{xlsximport.NewDecoder(nil)}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range batch.Entries {
		fmt.Println(e.CustomerNumber, e.To)
	}
	// Output:
	// 00123 [a@example.com]
	// =1+1 [b@example.com]
}

// Reading a named sheet; names compare case-insensitively, as in Excel.
func ExampleNewDecoder() {
	var upload bytes.Buffer
	if err := xlsximport.WriteTemplate(&upload, "en"); err != nil { // sheets "Customers" and "Help"
		log.Fatal(err)
	}
	for _, sheet := range []string{"customers", "Asiakkaat"} {
		dec := xlsximport.NewDecoder(&xlsximport.Options{Sheet: sheet})
		batch, err := importer.Read(bytes.NewReader(upload.Bytes()), []importer.Decoder{dec}, nil)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(len(batch.Entries), "customers")
	}
	// Output:
	// 3 customers
	// importer: the file cannot be imported: The workbook has no sheet named “Asiakkaat”.
}
