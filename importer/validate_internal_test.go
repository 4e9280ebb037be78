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

// FuzzFastPaths checks that the fast paths for customer numbers and
// address cells agree with the careful ones: whenever plainCustomerNumber
// or plainAddresses takes a value, the careful checks (which they skip)
// find nothing wrong and give the same result, and the slab holds nothing
// of the cells plainAddresses does not take.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{
		"a@x.fi", "a@x.fi b@y.fi", " a@x.fi  A@x.fi ", "a@x.fi,b@y.fi", "a@x.fi, b@y.fi",
		"Matti <m@x.fi>", "mailto:a@x.fi", "a@X.FI", "a@x", "a@x.fi\tb@y.fi", "a@ä.fi",
		"00123", "1.23E+10", "1e5", " 12", "A-1/2", "'00123",
	} {
		f.Add(s, "b@y.fi")
	}
	f.Fuzz(func(t *testing.T, s, to string) {
		if plainCustomerNumber(s) {
			careful := &chunk{}
			if got := careful.anyCustomerNumber(1, Cell{Value: s}, s); got != s || len(careful.problems) > 0 {
				t.Fatalf("plainCustomerNumber(%q) is true; the careful path gives %q, %v", s, got, careful.problems)
			}
		}
		c := &chunk{}
		toList := []string{to}
		got, ok := c.plainAddresses(s, toList)
		if !ok {
			if len(c.addrs) != 0 {
				t.Fatalf("plainAddresses(%q) refused the cell but kept %q", s, c.addrs)
			}
			return
		}
		careful := &chunk{}
		want := careful.anyAddresses(1, "B", s, toList)
		if len(careful.problems) > 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("plainAddresses(%q) = %q; the careful path gives %q, %v", s, got, want, careful.problems)
		}
	})
}
