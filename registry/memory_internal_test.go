package registry

import (
	"fmt"
	"testing"
)

// TestMemoryCompacts replaces and deletes entries one at a time, many
// times over, and checks that each shard counts the space Put and Delete
// leave unused and reclaims it, while the entries stay right.
func TestMemoryCompacts(t *testing.T) {
	m := NewMemory(nil)
	const entries, rounds = 100, 400
	want := map[string]Entry{}
	for round := range rounds {
		for i := range entries {
			e := Entry{CustomerNumber: fmt.Sprint(i), To: []string{fmt.Sprintf("r%d@example.fi", round), "both@example.fi"}, Language: "fi"}
			if i%7 == round%7 {
				if err := m.Delete(t.Context(), e.CustomerNumber); err == nil {
					delete(want, e.CustomerNumber)
				}
				continue
			}
			if err := m.Put(t.Context(), e); err != nil {
				t.Fatal(err)
			}
			want[e.CustomerNumber] = e
		}
	}
	// Without compaction a shard would hold about 2*rounds*entries/numShards
	// addresses.
	for s, d := range m.shards {
		live := 0
		for _, r := range d.refs {
			live += int(d.metas[r.meta].n)
		}
		if len(d.addrs)-live != d.unused {
			t.Errorf("shard %d holds %d addresses, %d of them used, but counts %d unused", s, len(d.addrs), live, d.unused)
		}
		if len(d.addrs) > 2*live+1024+MaxAddresses || len(d.metas) > 2*len(d.refs)+1024+1 {
			t.Errorf("shard %d: %d entries with %d addresses take %d addresses and %d metas: not compacted", s, len(d.refs), live, len(d.addrs), len(d.metas))
		}
	}
	for cn, e := range want {
		got, err := m.Lookup(t.Context(), cn)
		if err != nil || !got.Equal(e) {
			t.Fatalf("Lookup(%q) = %+v, %v; want %+v", cn, got, err, e)
		}
	}
}

// TestMemoryManyMetas applies a batch whose entries have more kinds of
// meta (language and address counts) than metaIndex keeps in its list, and
// checks that every entry comes back with its own.
func TestMemoryManyMetas(t *testing.T) {
	var put []Entry
	for i := range 4000 {
		e := Entry{CustomerNumber: fmt.Sprint(i), Language: []string{"", "fi", "sv", "en"}[i%4]}
		for k := range 1 + i%7 {
			e.To = append(e.To, fmt.Sprintf("to%d.%d@example.fi", i, k))
		}
		for k := range i % 3 {
			e.Cc = append(e.Cc, fmt.Sprintf("cc%d.%d@example.fi", i, k))
		}
		put = append(put, e)
	}
	m := NewMemory(nil)
	if _, err := m.Apply(t.Context(), Batch{Put: put}); err != nil {
		t.Fatal(err)
	}
	for _, e := range put {
		if got, err := m.Lookup(t.Context(), e.CustomerNumber); err != nil || !got.Equal(e) {
			t.Fatalf("Lookup(%q) = %+v, %v; want %+v", e.CustomerNumber, got, err, e)
		}
	}
}
