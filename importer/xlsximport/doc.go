// Package xlsximport reads and writes recipient directories as Excel
// workbooks (.xlsx). Use its [Decoder] with importer.Read, and
// [WriteTemplate] and [Export] for downloads. It is the only package of the
// module that links github.com/xuri/excelize/v2.
//
// # Reading
//
// The first visible worksheet is read, or the one Options.Sheet names.
// Text cells are taken as written; a formula gives its cached result and is
// never evaluated (a formula whose result was not saved is an error, not a
// calculation, so an uploaded file cannot make the server compute). The
// kind of every cell reaches importer.Read, which turns a numeric customer
// number into its integer text ("12345678901", never "1.2E+10") with a
// warning that leading zeros may have been lost, and refuses non-integral
// numbers, dates, truth values and error values in column A. OOXML's
// _xHHHH_ escapes are decoded, so a line break written as _x000D_ is seen.
//
// Encrypted workbooks, Excel 97–2003 files, OpenDocument spreadsheets and
// files that are not zip archives are recognised from their bytes by
// importer.Read and get their own problem codes; a zip archive that is not
// a workbook (a .docx, an .xlsb) gets importer.CodeUnsupportedFileType.
//
// # Limits
//
// excelize opens a workbook of up to about 15.6 GiB unpacked by default;
// this package sets its own limits instead, checked on the sizes the
// archive declares before anything is unpacked: Options.UnzipSizeLimit for
// all parts together (512 MiB by default), 100 times the packed size for
// anything over 8 MiB (a zip bomb), and Options.UnzipXMLSizeLimit (256 MiB)
// for each part held in memory. The archive reader stops at a part's
// declared size, so a lying header cannot unpack more. The upload itself is
// read into memory, bounded by importer's Options.MaxFileSize; a file that
// importer.Read knows to be larger (from Options.Size or the reader's own
// size) is refused before any of it is read or unpacked. A cell's value is
// held whole while its XML is read (the parts' limits bound it), but
// validation looks at no more of a long value than its limits need.
//
// # excelize
//
// Reading does not go through excelize: its streaming reader (Rows) returns
// cell values as strings without their types, so a number cannot be told
// from text, and its typed per-cell functions load the whole worksheet into
// memory; its OpenReader also unpacks every part (spilling large ones to
// disk) before anything is read. This package streams the worksheet once
// with encoding/xml from the archive instead; on the benchmark file it
// reads faster than excelize's own Rows iteration and with less memory.
// Templates and exports are written with excelize's StreamWriter: every
// cell is a text cell in columns formatted as text ("@"), so that customer
// numbers typed into them keep their leading zeros, and the template has a
// help sheet in its language.
//
// # Concurrency
//
// A Decoder is safe for concurrent use. Export takes a context and pages
// through the registry; it writes nothing to w after an error.
package xlsximport
