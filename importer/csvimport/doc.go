// Package csvimport reads and writes recipient directories as CSV files, the
// format Excel saves as "CSV" and people edit by hand. Use its [Decoder] with
// importer.Read, and [WriteTemplate] and [Export] for downloads.
//
// # Reading
//
// The delimiter is ',', ';' (what Excel writes on Finnish and Swedish
// systems) or a tab, detected from the file unless Options.Comma sets it.
// The text may be UTF-8 with or without a byte order mark, UTF-16 with a
// byte order mark (Excel's "Unicode text"), or Windows-1252, which is
// assumed when the bytes are not valid UTF-8. Quoted fields follow RFC
// 4180; a stray or unclosed quotation mark rejects the file
// (importer.CodeMalformedCSV) with its row. Row numbers are the ones a
// spreadsheet shows: a quoted field with a line break is still one row.
//
// The file is read block by block as the rows are decoded, so it is not in
// memory as a whole, with two exceptions: UTF-16, and a file without a byte
// order mark whose first character that is not ASCII is valid UTF-8 —
// since a single byte that is not UTF-8 further on makes the whole file
// Windows-1252, the rest of such a file is read before any of it is
// decoded. importer.Read bounds what is read with Options.MaxFileSize.
//
// # Writing
//
// Templates and exports start with a UTF-8 byte order mark, so that Excel
// reads them as UTF-8, use ';' for Finnish and Swedish and ',' for English,
// and end lines with CRLF. Values a spreadsheet would take for a formula are
// neutralised with a leading apostrophe, which importer.Read removes again.
//
// # gocsv
//
// Records are read with encoding/csv directly, never with gocsv: gocsv's
// header mapping is a case-sensitive match against struct tags (a localized
// or headerless file gives rows of empty strings without an error), its
// integer conversion parses "00123" as octal, its settings are
// package-level globals that any other code in the process may change, and
// it is slow. Measured on the benchmark's file of 1,000,000 rows (75 MB) on
// the 2-core test machine, encoding/csv with ReuseRecord reads every record
// in 0.08 s, while gocsv's streaming decode of the same *csv.Reader into a
// two-field struct (UnmarshalDecoderToCallback, reflection per field) takes
// 0.7 s: about as long as the whole import — reading, checking every row
// and address, and applying to a registry.Memory — is allowed to take.
// Writing uses gocsv's struct mapping (MarshalCSVWithoutHeaders) on
// importer.Record through our own *csv.Writer, with our own localized
// header; no gocsv global is read or set in a way that changes the output.
//
// # Concurrency
//
// A Decoder is safe for concurrent use. Export takes a context and pages
// through the registry; it writes nothing more after an error.
package csvimport
