package file_test

import (
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// inbox reads the .eml files in dir back.
func inbox(dir string) transporttest.Inbox {
	return func() ([]*transport.Message, error) {
		names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
		if err != nil {
			return nil, err
		}
		var out []*transport.Message
		for _, n := range names {
			raw, err := os.ReadFile(n)
			if err != nil {
				return nil, err
			}
			m, err := transporttest.ParseMessage(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
}

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transporttest.Inbox) {
		dir := t.TempDir()
		tr, err := file.New(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tr, inbox(dir)
	})
}

func message(id string) *transport.Message {
	return &transport.Message{
		From:      mail.Address{Address: "laskutus@example.fi"},
		To:        []mail.Address{{Address: "matti@example.com"}},
		Subject:   "Lasku",
		Text:      "Hei",
		MessageID: id,
	}
}

func TestTransport_Names(t *testing.T) {
	dir := t.TempDir()
	tr, err := file.New(filepath.Join(dir, "out"), &file.Options{Perm: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"lasku-1@example.fi", "lasku-1@example.fi", "lasku-1@example.fi", "a/b{|}@example.fi"}
	for _, id := range ids {
		if _, err := tr.Send(t.Context(), message(id)); err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o640 {
			t.Errorf("%s has mode %v, want 0640", e.Name(), info.Mode().Perm())
		}
	}
	want := []string{"a_b___@example.fi.eml", "lasku-1@example.fi-2.eml", "lasku-1@example.fi-3.eml", "lasku-1@example.fi.eml"}
	if !slices.Equal(names, want) {
		t.Errorf("files %q, want %q (no temporary files left, none overwritten)", names, want)
	}
}

func TestTransport_Errors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := file.New(notDir, nil); err == nil {
		t.Errorf("New on a file: no error")
	}
	if _, err := file.New("", nil); err == nil {
		t.Errorf("New with no folder: no error")
	}

	tr, err := file.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	rc, err := tr.Send(context.Background(), message("x@example.fi"))
	var se *transport.SendError
	if !errors.As(err, &se) || se.Stage != transport.StageData || !transport.IsTemporary(err) {
		t.Errorf("Send into a removed folder: %v; want a temporary SendError at the data stage", err)
	}
	if rc.Recipients[0].Outcome != transport.Deferred {
		t.Errorf("outcome %v, want deferred", rc.Recipients[0].Outcome)
	}
}
