package importer

import (
	"fmt"
	"reflect"
	"testing"
)

// TestDuplicatesWhenHashesCollide reads rows whose customer numbers all
// have one of a few hashes, so that the duplicate index must tell apart
// different numbers with the same hash, and checks that it reports the
// same problems as with the real hash.
func TestDuplicatesWhenHashesCollide(t *testing.T) {
	var rows []Row
	for i := 1; i <= 3000; i++ {
		rows = append(rows, Row{Number: i, Cells: []Cell{{Value: fmt.Sprintf("c%d", i%1000)}, {Value: "a@x.fi"}}})
	}
	read := func(hash func(string) uint64) error {
		v := newValidator(CSV, (&Options{MaxProblems: 5000}).withDefaults(), 0)
		if hash != nil {
			v.hash = hash
		}
		err := v.run(func(yield func(*Row) error) error {
			for i := range rows {
				if err := yield(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.finish()
		return err
	}
	want := read(nil)
	ie, ok := want.(*ImportError)
	if !ok || ie.Total != 2000 {
		t.Fatalf("with the real hash: %v, want 2000 duplicates", want)
	}
	for _, collisions := range []uint64{1, 3, 64} {
		got := read(func(cn string) uint64 { return uint64(len(cn)) % collisions << 32 })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("with %d hashes: %v, want %v", collisions, got, want)
		}
	}
}
