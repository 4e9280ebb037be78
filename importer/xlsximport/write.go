package xlsximport

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/registry"
)

// WriteTemplate writes the XLSX import template in lang ("fi", "sv" or
// "en"; anything else means English) to w: a sheet with the header row and
// example rows, its columns formatted as text so that customer numbers keep
// their leading zeros, and a second sheet with instructions.
func WriteTemplate(w io.Writer, lang string) error {
	if w == nil {
		return errNilWriter
	}
	return write(w, lang, true, func(add func([]importer.Record) error) error {
		return add(importer.Examples(lang))
	})
}

// Export writes the directory in reg to w as an XLSX workbook in the
// layout of [WriteTemplate] (header in lang, no help sheet), one row per
// customer number in customer-number order, so that the file re-imports
// unchanged. Every cell is a text cell, and values a spreadsheet would take
// for a formula are neutralised (see importer.ExportRecords). reg must
// implement registry.Lister (importer.ErrNotLister otherwise).
func Export(ctx context.Context, w io.Writer, reg registry.Registry, lang string) error {
	switch {
	case w == nil:
		return errNilWriter
	case reg == nil:
		return registry.ErrNoRegistry
	}
	if _, ok := reg.(registry.Lister); !ok {
		return importer.ErrNotLister
	}
	return write(w, lang, false, func(add func([]importer.Record) error) error {
		return importer.ExportRecords(ctx, reg, add)
	})
}

// errNilWriter is the error of WriteTemplate and Export for a nil writer.
var errNilWriter = errors.New("xlsximport: nowhere to write (nil io.Writer); pass the file or response to write to")

// write builds the workbook: the data sheet streamed from the records that
// rows passes to add, and the help sheet if withHelp.
func write(w io.Writer, lang string, withHelp bool, rows func(add func([]importer.Record) error) error) error {
	f := excelize.NewFile()
	defer f.Close()
	names := importer.SheetNames(lang)
	if err := f.SetSheetName(f.GetSheetName(0), names[0]); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // 49 is "@", text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(names[0])
	if err != nil {
		return err
	}
	columns := importer.Columns()
	for i, c := range columns {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	if err := sw.SetColStyle(1, len(columns), text); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	n := 1
	if err := sw.SetRow("A1", cells(bold, importer.Header(lang))); err != nil {
		return err
	}
	err = rows(func(recs []importer.Record) error {
		for _, r := range recs {
			n++
			if err := sw.SetRow("A"+strconv.Itoa(n), cells(text, r)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if withHelp {
		if err := writeHelp(f, names[1], lang, bold); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// cells returns the row of a record: text cells in style, none for empty
// values.
func cells(style int, r importer.Record) []any {
	values := r.Values()
	row := make([]any, len(values))
	for i, v := range values {
		if v != "" {
			row[i] = excelize.Cell{StyleID: style, Value: v}
		}
	}
	return row
}

// writeHelp adds the help sheet: the title in bold, then one paragraph per
// row.
func writeHelp(f *excelize.File, sheet, lang string, bold int) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "A", 120); err != nil {
		return err
	}
	for i, line := range importer.Help(lang) {
		cell := "A" + strconv.Itoa(i+1)
		if err := f.SetCellStr(sheet, cell, line); err != nil {
			return err
		}
		if i == 0 {
			if err := f.SetCellStyle(sheet, cell, cell, bold); err != nil {
				return err
			}
		}
	}
	return nil
}
