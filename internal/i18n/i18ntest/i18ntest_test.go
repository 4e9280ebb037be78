package i18ntest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteTriples writes triples twice into a temporary texts directory:
// the second call adds to the files of the first.
func TestWriteTriples(t *testing.T) {
	dir := t.TempDir()
	WriteTriples(t, dir, "outbox", map[string][3]string{"outbox.a": {"A <b>", "Ä", "Å"}})
	WriteTriples(t, dir, "outbox", map[string][3]string{"outbox.b": {"B %d", "B %d", "B %d"}})
	data, err := os.ReadFile(filepath.Join(dir, "fi", "outbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n\t\"outbox.a\": \"Ä\",\n\t\"outbox.b\": \"B %d\"\n}\n"; string(data) != want {
		t.Errorf("fi file:\n%s\nwant\n%s", data, want)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "en", "outbox.json"))
	if !strings.Contains(string(data), `"A <b>"`) {
		t.Errorf("en file escapes HTML: %s", data)
	}
}
