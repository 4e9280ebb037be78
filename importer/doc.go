// Package importer imports a recipient directory from a spreadsheet: the
// Excel (XLSX) or CSV file a company fills in from a template. An import
// either applies completely or changes nothing, and a file with any error
// imports nothing and lists every error, in Finnish, Swedish or English.
//
// # The file format
//
// Column A holds the customer number, column B the e-mail addresses for it
// separated by spaces, the optional column C copy (CC) addresses and the
// optional column D the delivery profile (standard or scan, see
// registry.Profile; an empty cell keeps the customer's profile) and the
// optional column E the customer's language for e-mails (a code such as
// fi, sv or en; an empty cell keeps the customer's language), one row per
// customer number. Exports write every column, so that they re-import
// unchanged. With a header row, no column past the last one it
// heads is read. The same address may be on many rows. An optional
// header row is recognised by its words in any of the three languages
// ("Asiakasnumero", "Kundnummer", "Customer number", "Sähköposti", "E-post",
// "E-mail", "CC", …), case and spaces ignored; without one, data starts on
// row 1. Empty rows are skipped. Customer numbers are text, never numbers:
// "00123" keeps its zeros. A leading apostrophe marks a value as text, as in
// Excel, and is dropped.
//
// # Shape
//
// This package owns everything that does not depend on the file format:
// the row model ([Row], [Cell]), validation, the error catalogue
// ([Problem], [Code], [Problem.Message]), header recognition, [Diff] and
// [Apply], and the content of templates and exports ([Header], [Examples],
// [Help], [ExportRecords]). The format packages turn bytes into rows and
// write files: [github.com/jakelu/jakelu/importer/csvimport] and
// [github.com/jakelu/jakelu/importer/xlsximport], each with a [Decoder],
// WriteTemplate and Export. Only xlsximport links the Excel library, so a
// host app that takes CSV alone does not carry it.
//
// The host app's upload flow is a few lines; the format is detected from
// the file's bytes, never from its name:
//
//	decoders := []importer.Decoder{csvimport.NewDecoder(nil), xlsximport.NewDecoder(nil)}
//	batch, err := importer.Read(upload, decoders, nil)
//	var ie *importer.ImportError
//	if errors.As(err, &ie) {
//		// show ie.Problems: p.Position(lang), p.Message(lang)
//	}
//	changes, err := importer.Diff(ctx, reg, batch) // the preview
//	// … the user confirms …
//	summary, err := importer.Apply(ctx, reg, batch)
//
// # Modes
//
// By default each customer number in the file gets exactly the file's
// addresses (replacing its old ones) and the customer numbers not in the
// file are kept. Setting [Batch.ReplaceAll] also deletes those. The file
// has no language column: an imported entry's Language is "", and a batch
// entry without a language keeps the language the registry has for it
// (registry.Batch), so an import never erases a customer's language. An
// entry whose addresses are the same is unchanged in [Diff] and [Apply].
//
// # Errors
//
// [Read] returns an [*ImportError] (matching [ErrInvalidFile]) listing every
// [Problem]: its row as a spreadsheet shows it (1-based, header and empty
// rows counted), its column letter, the offending value, a stable [Code]
// and, for invalid addresses, the address.Reason. The listing is
// capped at Options.MaxProblems (1,000 by default) with the total counted,
// so that a broken million-row file cannot flood memory; a problem that
// stopped the reading (too many rows, a file the decoder cannot read on) is
// listed even then, last, in place of the last of the others. Problems that
// concern the whole file (too large, encrypted workbook, legacy .xls,
// OpenDocument, not a spreadsheet) have row 0; a file too large gets that
// problem alone, since the rows read before the limit are only a part of
// it. Warnings, such as a customer
// number that was a number cell, travel in [Batch.Warnings]. Errors reading
// the input are returned as they are. [Apply] and [Diff] return
// [ErrNotBatcher], [ErrNotLister] or [ErrEmptyBatch], or the registry's own
// errors; a nil registry gives registry.ErrNoRegistry. Nil readers,
// writers and functions are refused with an error, and a nil context means
// context.Background().
//
// # Limits
//
// Read never reads more than Options.MaxFileSize bytes (256 MiB by default)
// nor accepts more than Options.MaxRows data rows (1,000,000); a customer
// number is at most registry.MaxCustomerNumberLength characters, an entry
// has at most registry.MaxAddresses addresses. A file whose size Read
// knows before reading — Options.Size, or the reader's own (a bytes or
// strings reader, an os.File, an upload from mime/multipart) — is refused
// at once if it is over the limit, without reading any of it; any other is
// refused as soon as the limit is crossed. No value costs more than
// [MaxCellSize] (64 KiB): a decoder may cut a longer one and mark it
// [Cell.Cut], and validation looks at no more of a value than its limits
// need, so that a 250 MB line is refused with a few megabytes of memory.
// The format packages add their own limits, such as the XLSX unzip limits.
//
// # Performance
//
// Read checks the rows while the decoder reads them, in chunks of a few
// thousand rows on GOMAXPROCS goroutines, and finds duplicate customer
// numbers with one small index per part of them, in parallel; the results
// are merged in file order, so the problems and entries come out as a
// sequential reading would give them. When the reader tells its size
// (bytes.Reader, strings.Reader, bytes.Buffer, io.SectionReader, a regular
// file) a CSV file's rows are estimated from it and the batch is allocated
// once. [Apply] passes the batch of Read to the registry, which checks
// every entry again (a caller may have changed them); Read's addresses are
// normalized, so that check is one scan of each, without allocating.
// A CSV file of a million rows (75 MB) is read in about 0.6 s on the 2-core
// test machine, and read and applied to a registry.Memory in about 0.8 s,
// less than reading it with encoding/csv and parsing every address with
// nothing else (BenchmarkImportCSV in csvimport); its Batch takes about
// 210 MB, most of it the entries (104 bytes each) and the text of the rows,
// which the entries' strings share.
//
// # Implementing a format
//
// A [Decoder] turns a file into [Row] values with the cell kinds it knows
// ([KindNumber], [KindDate], …); Read validates them. Return
// [NewImportError] for a file that cannot be read. A decoder that reads
// values piece by piece need not hold more than [MaxCellSize] bytes of one:
// it passes the start and sets [Cell.Cut].
//
// # Concurrency and ownership
//
// Read, Diff, Apply and ExportRecords are safe for concurrent use; Diff,
// Apply and ExportRecords take a context and honour it through the
// registry. Read leaves no goroutine of its own running. A Batch
// belongs to the caller; its entries are not shared with the registry,
// which copies what it stores. A caller that changes the entries of a
// Batch that Read returned must keep their addresses normalized
// (registry.Entry.Normalize), since Apply tells the registry they are.
package importer
