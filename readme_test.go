package jakelu_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMESnippets keeps the README's Go code compiling: every ```go block
// must appear, line by line (indentation aside), in a _test.go file of the
// module, where the compiler and the tests check it.
func TestREADMESnippets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks")
	}
	var tests [][]string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") || path == "readme_test.go" {
			return err
		}
		b, err := os.ReadFile(path)
		tests = append(tests, trimmed(string(b)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		snippet := trimmed(b[1])
		found := false
		for _, lines := range tests {
			if containsRun(lines, snippet) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("this README snippet is in no _test.go file, so nothing compiles it:\n%s", b[1])
		}
	}
}

// trimmed returns the non-empty lines of s without surrounding white space.
func trimmed(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containsRun reports whether run appears in lines as consecutive lines.
func containsRun(lines, run []string) bool {
	for i := 0; i+len(run) <= len(lines); i++ {
		match := true
		for j := range run {
			if lines[i+j] != run[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
