package importer_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/transport/address"
)

// declaredCodes returns every Code constant declared in problem.go, so that
// a new code cannot be added without its messages.
func declaredCodes(t *testing.T) []importer.Code {
	t.Helper()
	src, err := os.ReadFile("problem.go")
	if err != nil {
		t.Fatal(err)
	}
	var codes []importer.Code
	for _, m := range regexp.MustCompile(`(?m)^\s*Code\w+\s+Code = "([a-z-]+)"`).FindAllStringSubmatch(string(src), -1) {
		codes = append(codes, importer.Code(m[1]))
	}
	if len(codes) < 25 {
		t.Fatalf("found only %d codes in problem.go", len(codes))
	}
	return codes
}

func TestProblem_Message(t *testing.T) {
	for _, code := range declaredCodes(t) {
		t.Run(string(code), func(t *testing.T) {
			p := importer.Problem{Row: 3, Column: "B", Value: "x@y", Code: code, Reason: address.ReasonNoDot, OtherRow: 2, Limit: 1 << 20}
			seen := map[string]bool{}
			for _, lang := range []string{"en", "fi", "sv"} {
				m := p.Message(lang)
				if m == "" || strings.ContainsAny(m, "{}") || m == string(code) {
					t.Errorf("%s message %q is missing or has a placeholder left", lang, m)
				}
				if seen[m] {
					t.Errorf("%s message %q is the same as another language's", lang, m)
				}
				seen[m] = true
			}
		})
	}
}

func TestProblem_language(t *testing.T) {
	p := importer.Problem{Row: 12, Column: "B", Value: "a@x.fi, b@y.fi", Code: importer.CodeCommaBetweenAddresses}
	tests := []struct {
		lang, position, message string
	}{
		{"en", "row 12, column B", "Extra comma between two addresses in “a@x.fi, b@y.fi” — separate addresses with a space."},
		{"fi", "rivi 12, sarake B", "Ylimääräinen pilkku kahden osoitteen välissä kohdassa ”a@x.fi, b@y.fi” — erota osoitteet välilyönnillä."},
		{"sv-SE", "rad 12, kolumn B", "Extra kommatecken mellan två adresser i ”a@x.fi, b@y.fi” — skilj adresserna åt med ett mellanslag."},
		{"de", "row 12, column B", "Extra comma between two addresses in “a@x.fi, b@y.fi” — separate addresses with a space."},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			if got := p.Position(tt.lang); got != tt.position {
				t.Errorf("Position = %q, want %q", got, tt.position)
			}
			if got := p.Message(tt.lang); got != tt.message {
				t.Errorf("Message = %q, want %q", got, tt.message)
			}
		})
	}
	invalid := importer.Problem{Row: 2, Column: "B", Value: "m@localhost", Code: importer.CodeInvalidAddress, Reason: address.ReasonNoDot}
	if got, want := invalid.Message("fi"), "”m@localhost” ei ole kelvollinen sähköpostiosoite: @-merkin jälkeisessä verkkotunnuksessa ei ole pistettä."; got != want {
		t.Errorf("invalid address in Finnish = %q, want %q", got, want)
	}
	rows := importer.Problem{Row: 1000001, Code: importer.CodeTooManyRows, Limit: 1000000}
	if got, want := rows.Message("en"), "The file has more than 1,000,000 customer rows. Split it into several files and import them one at a time."; got != want {
		t.Errorf("too many rows = %q, want %q", got, want)
	}
	if got, want := rows.Position("sv"), "rad 1000001"; got != want {
		t.Errorf("row-only position = %q, want %q", got, want)
	}
	file := importer.Problem{Code: importer.CodeFileTooLarge, Limit: 256 << 20}
	if got, want := file.String(), "The file is larger than 256 MB. Split it into smaller files, or remove extra sheets and columns."; got != want {
		t.Errorf("file-level String = %q, want %q", got, want)
	}
	if got := (importer.Problem{Code: "host-made", Value: "v"}).Message("fi"); got != "host-made: ”v”" {
		t.Errorf("unknown code message = %q", got)
	}
}

func TestImportError_Error(t *testing.T) {
	one := importer.NewImportError(importer.Problem{Row: 2, Column: "A", Code: importer.CodeEmptyCustomerNumber})
	if got, want := one.Error(), "importer: the file cannot be imported: row 2, column A: The customer number is missing. Write the customer number in column A, or delete the row."; got != want {
		t.Errorf("Error = %q, want %q", got, want)
	}
	three := &importer.ImportError{Problems: one.Problems, Total: 3}
	if !strings.HasSuffix(three.Error(), "(and 2 more problems)") {
		t.Errorf("Error = %q, want the count of the others", three.Error())
	}
}

func TestLanguage(t *testing.T) {
	for in, want := range map[string]string{"fi": "fi", "FI-fi": "fi", "sv_SE": "sv", "en": "en", "": "en", "no": "en"} {
		if got := importer.Language(in); got != want {
			t.Errorf("Language(%q) = %q, want %q", in, got, want)
		}
	}
}
