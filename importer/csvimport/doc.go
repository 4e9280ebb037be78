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
// The file is read block by block as the rows are decoded (UTF-16 is
// transcoded as it is read), so it is not in memory as a whole, with one
// exception: a file without a byte order mark whose first character that
// is not ASCII is valid UTF-8 — since a single byte that is not UTF-8
// further on makes the whole file Windows-1252, the rest of such a file is
// read before any of it is decoded (and then decoded a block at a time).
// importer.Read bounds what is read with Options.MaxFileSize.
//
// No value costs more than its limit, however long its line: a cell in
// columns A to C keeps importer.MaxCellSize (64 KiB) bytes and one past
// them 1 KiB; the rest is read past, its quotation marks still checked so
// that rows end where they do, and a cell that lost anything but spaces is
// marked importer.Cell.Cut, which validation refuses as
// importer.CodeValueTooLong (or too-many-columns past column C). A row has
// at most 16,384 cells (column XFD, as in Excel): empty cells past it are
// dropped, and a value past it stops the reading with
// importer.CodeTooManyColumns and its column. A 250 MB line is refused in
// a fraction of a second with a few megabytes of memory
// (TestImportMemory).
//
// # Writing
//
// Templates and exports start with a UTF-8 byte order mark, so that Excel
// reads them as UTF-8, use ';' for Finnish and Swedish and ',' for English,
// and end lines with CRLF. Values a spreadsheet would take for a formula are
// neutralised with a leading apostrophe, which importer.Read removes again,
// and every value that holds a ',', a ';', a tab, a quote or a line break
// is quoted, whichever the separator, so that a file opened with the other
// separator (an English export in Finnish Excel) still keeps such a value
// in one cell rather than starting a formula after the separator.
//
// # gocsv
//
// Records are split into fields by a reader of this package that reads
// them exactly as an encoding/csv Reader set up with the delimiter and any
// number of fields does — the same fields, row boundaries and quotation
// mark errors, which a differential fuzz test checks (FuzzFieldReader) —
// but with the limits above, since encoding/csv holds a whole record in
// memory, a 250 MB line several times over. gocsv maps the records onto
// importer.Record, the same struct templates and exports are written from,
// by position (UnmarshalCSVWithoutHeaders over our own gocsv.CSVReader, a
// thousand records at a time, fewer when they are long or wide). gocsv's
// header matching is not used: it is a case-sensitive comparison with
// struct tags, and a localized or headerless file would give rows of empty
// strings without an error; the header row is recognised by importer.Read
// in every language.
// Record has only string fields, so no customer number is ever parsed as a
// number (gocsv reads "00123" into an integer as octal 83), and no struct
// tags, so that none of gocsv's package-level settings, which any code in
// the process may change, affects the mapping; none is read or set here.
// Fields past column C are passed on beside gocsv, which cannot map them
// (it would index past Record's fields), for importer.Read to refuse.
//
// The mapping costs about 0.26 s of processor time per million rows on the
// 2-core test machine (reflection and a small allocation per field), about
// twice what splitting them into fields takes; the import makes up for it
// elsewhere (see BenchmarkImportCSV). Writing uses gocsv's MarshalCSVWithoutHeaders on
// importer.Record through our own *csv.Writer, with our own localized
// header.
//
// # Concurrency
//
// A Decoder is safe for concurrent use. Decode reads the file on a
// goroutine of its own, up to four groups of a thousand records ahead of
// the mapping and the rows it yields, so that a large import uses two
// processors; yield is called on Decode's goroutine, a panic while reading
// (in the caller's io.Reader, say) is raised there too, and Decode returns
// only once nothing reads the file any more. Export takes a context and pages
// through the registry; it writes nothing more after an error.
package csvimport
