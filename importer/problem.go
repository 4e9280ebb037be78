package importer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jakelu/jakelu/transport/address"
)

// Code identifies a kind of [Problem]. Codes are stable, language-neutral
// strings: host apps may store them, branch on them or render their own
// messages for them.
type Code string

// Problems with the file as a whole. Their [Problem.Row] is 0 unless the
// problem was found at a row.
const (
	CodeFileTooLarge        Code = "file-too-large"        // larger than Options.MaxFileSize; Limit is the size in bytes
	CodeArchiveTooLarge     Code = "archive-too-large"     // an XLSX that unpacks to more than its limit (a zip bomb); Limit in bytes
	CodeUnsupportedFileType Code = "unsupported-file-type" // neither CSV nor XLSX; Value names what it looks like
	CodeFormatNotAccepted   Code = "format-not-accepted"   // a format Read was given no decoder for; Value is "CSV" or "XLSX"
	CodeEncryptedWorkbook   Code = "encrypted-workbook"    // a password-protected Excel workbook
	CodeLegacyXLS           Code = "legacy-xls"            // an Excel 97–2003 .xls workbook
	CodeODS                 Code = "ods"                   // an OpenDocument spreadsheet
	CodeMalformedCSV        Code = "malformed-csv"         // a stray or unclosed quotation mark; Value has the detail
	CodeMalformedXLSX       Code = "malformed-xlsx"        // a damaged workbook; Value has the detail
	CodeSheetNotFound       Code = "sheet-not-found"       // the sheet named in the options does not exist; Value is its name
	CodeNoVisibleSheet      Code = "no-visible-sheet"      // every sheet of the workbook is hidden
	CodeEmptyFile           Code = "empty-file"            // no data rows at all
	CodeTooManyRows         Code = "too-many-rows"         // more data rows than Options.MaxRows; Limit is the maximum
)

// Problems with a row or a cell.
const (
	CodeWrongHeader               Code = "wrong-header"                // a header row whose headings are in the wrong columns
	CodeEmptyCustomerNumber       Code = "empty-customer-number"       // addresses without a customer number
	CodeMissingAddress            Code = "missing-address"             // a customer number without an address in column B
	CodeCommaBetweenAddresses     Code = "comma-between-addresses"     // "a@x.fi, b@y.fi"
	CodeSemicolonBetweenAddresses Code = "semicolon-between-addresses" // "a@x.fi; b@y.fi"
	CodeInvalidAddress            Code = "invalid-address"             // Reason says why
	CodeDuplicateCustomerNumber   Code = "duplicate-customer-number"   // OtherRow is the row where it first appeared
	CodeControlCharacter          Code = "control-character"           // a line break, tab, NUL or invisible character
	CodeValueTooLong              Code = "value-too-long"              // Limit is the maximum length in characters
	CodeTooManyAddresses          Code = "too-many-addresses"          // Limit is the maximum per customer number
	CodeTooManyColumns            Code = "too-many-columns"            // a value in a column the format does not use
	CodeInvalidProfile            Code = "invalid-profile"             // a delivery profile (column D) other than standard or scan
	CodeInvalidLanguage           Code = "invalid-language"            // a language (column E) that is not a language code such as fi
	CodeScientificNotation        Code = "scientific-notation"         // a customer number such as "1.23457E+10"
	CodeInexactNumber             Code = "inexact-number"              // a numeric customer number with decimals or over 15 digits
	CodeDateCell                  Code = "date-cell"                   // a date where text is expected
	CodeBooleanCell               Code = "boolean-cell"                // TRUE or FALSE where text is expected
	CodeErrorCell                 Code = "error-cell"                  // a formula error such as #N/A
	CodeFormulaWithoutValue       Code = "formula-without-value"       // a formula whose result was not saved
)

// Warnings: a [Batch] that carries them was still read successfully.
const (
	// CodeNumericCell: a customer number that the spreadsheet stored as a
	// number was read as its integer text (12345678901, never 1.2E+10);
	// leading zeros may have been lost.
	CodeNumericCell Code = "numeric-cell"
)

// Problem is one thing wrong with an import file (or, in [Batch.Warnings],
// worth a second look). Its fields are language-neutral; [Problem.Message]
// explains it in Finnish, Swedish or English.
type Problem struct {
	// Row is the row number as a spreadsheet program shows it: 1-based,
	// the header row and empty rows counted. 0 means the file as a whole.
	Row int
	// Column is the column letter ("A", "B", "C", …), or "" for a whole
	// row or the file.
	Column string
	// Value is the offending value as written (shortened to 100
	// characters), or a detail for file-level problems.
	Value string
	// Code says what is wrong.
	Code Code
	// Reason says why an address was refused (for CodeInvalidAddress).
	Reason address.Reason
	// OtherRow is, for CodeDuplicateCustomerNumber, the row where the
	// customer number first appeared.
	OtherRow int
	// Limit is the limit that was exceeded, for the codes that have one.
	Limit int64
}

// String describes p in English with its position, for logs.
func (p Problem) String() string {
	if pos := p.Position("en"); pos != "" {
		return pos + ": " + p.Message("en")
	}
	return p.Message("en")
}

// maxValueLength is how many characters of an offending value a Problem
// keeps.
const maxValueLength = 100

// shorten cuts s to maxValueLength characters, marking the cut with "…".
// It looks at no more of s than it keeps, and the result never shares
// the memory of a longer s.
func shorten(s string) string {
	if len(s) <= maxValueLength {
		return s
	}
	n := 0
	for i := range s {
		if n == maxValueLength {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// ErrInvalidFile is matched (with [errors.Is]) by every [*ImportError].
var ErrInvalidFile = errors.New("importer: the file cannot be imported")

// Errors of [Apply], [Diff] and [ExportRecords].
var (
	// ErrNotBatcher: Apply needs a registry that applies a batch
	// atomically.
	ErrNotBatcher = errors.New("importer: the registry cannot apply an import atomically (it does not implement registry.Batcher)")
	// ErrNotLister: listing every entry (for an export, or the deletions of
	// a replace-all preview) needs a registry that implements
	// registry.Lister.
	ErrNotLister = errors.New("importer: the registry cannot list its entries (it does not implement registry.Lister)")
	// ErrEmptyBatch: Apply and Diff refuse a nil or empty batch; Read never
	// returns one.
	ErrEmptyBatch = errors.New("importer: the batch is empty; pass the batch Read returned")
)

// ImportError reports why a file cannot be imported. It lists every
// problem found, up to Options.MaxProblems, in file order (a problem that
// stopped the reading comes last); Total counts them all. It matches
// [ErrInvalidFile] with [errors.Is].
type ImportError struct {
	Problems []Problem
	Total    int
}

// NewImportError returns an *ImportError holding problems. Decoders use it
// to report a file they cannot read.
func NewImportError(problems ...Problem) *ImportError {
	return &ImportError{Problems: problems, Total: len(problems)}
}

// Error names the first problem in English and how many there are.
func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("importer: the file cannot be imported")
	if len(e.Problems) > 0 {
		b.WriteString(": ")
		b.WriteString(e.Problems[0].String())
	}
	if more := e.Total - 1; more > 0 {
		fmt.Fprintf(&b, " (and %d more problem", more)
		if more > 1 {
			b.WriteString("s")
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns [ErrInvalidFile].
func (e *ImportError) Unwrap() error { return ErrInvalidFile }
