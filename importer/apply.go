package importer

import (
	"context"
	"errors"

	"github.com/jakelu/jakelu/registry"
)

// Change is one entry an import would change.
type Change struct {
	Old registry.Entry // as the registry holds it now
	New registry.Entry // as it will be: the file's addresses, and Old's language unless the batch entry has one
}

// Changes is what applying a [Batch] would do: the preview a UI shows
// before the user confirms. The entries share their address slices with the
// batch and with what the registry returned; treat them as read-only.
type Changes struct {
	Added     []registry.Entry // customer numbers new to the registry, in file order
	Changed   []Change         // existing customer numbers whose entry would change, in file order
	Unchanged []registry.Entry // existing customer numbers whose entry is already the same (as stored), in file order
	Deleted   []registry.Entry // only with Batch.ReplaceAll: entries not in the file, in customer-number order
}

// Summary counts the changes the way registry.Batcher.Apply reports them.
func (c *Changes) Summary() registry.Summary {
	return registry.Summary{Added: len(c.Added), Changed: len(c.Changed), Unchanged: len(c.Unchanged), Deleted: len(c.Deleted)}
}

// Diff compares b with what reg holds and returns what [Apply] would do,
// without changing anything. An entry counts as changed when its addresses
// (To, Cc, in order) or its language would change. A batch entry without a
// language keeps the stored entry's (see registry.Batch), so an imported
// entry, which has none, whose addresses are the same is unchanged.
//
// With ReplaceAll, Diff pages through the whole registry, which must then
// implement registry.Lister ([ErrNotLister] otherwise). Without it, Diff
// looks every customer number up, or, for a batch of more than
// registry.MaxPageSize entries and a Lister not more than four times as
// large, pages through the registry instead. A nil or empty batch gives
// [ErrEmptyBatch], a nil reg [registry.ErrNoRegistry]. Errors from reg,
// including ctx's, are returned as they are.
func Diff(ctx context.Context, reg registry.Registry, b *Batch) (*Changes, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if reg == nil {
		return nil, registry.ErrNoRegistry
	}
	if b == nil || len(b.Entries) == 0 {
		return nil, ErrEmptyBatch
	}
	old := make([]registry.Entry, len(b.Entries))
	found := make([]bool, len(b.Entries))
	c := &Changes{}
	lister, isLister := reg.(registry.Lister)
	useList := b.ReplaceAll
	if b.ReplaceAll && !isLister {
		return nil, ErrNotLister
	}
	if !b.ReplaceAll && isLister && len(b.Entries) > registry.MaxPageSize {
		// Paging through a directory not much larger than the batch
		// takes far fewer round trips than looking every entry up.
		p, err := lister.List(ctx, registry.Query{Limit: 1})
		if err != nil {
			return nil, err
		}
		useList = p.Total <= listFactor*len(b.Entries)
	}
	if useList {
		index := make(map[string]int, len(b.Entries))
		for i, e := range b.Entries {
			index[e.CustomerNumber] = i
		}
		err := walk(ctx, lister, func(page []registry.Entry) error {
			for _, e := range page {
				if i, ok := index[e.CustomerNumber]; ok {
					old[i], found[i] = e, true
				} else if b.ReplaceAll {
					c.Deleted = append(c.Deleted, e)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		for i, e := range b.Entries {
			o, err := reg.Lookup(ctx, e.CustomerNumber)
			switch {
			case err == nil:
				old[i], found[i] = o, true
			case !errors.Is(err, registry.ErrNotFound):
				return nil, err
			}
		}
	}
	for i, e := range b.Entries {
		if !found[i] {
			c.Added = append(c.Added, e)
			continue
		}
		if e.Language == "" {
			e.Language = old[i].Language // kept, as registry.Batch says
		}
		if e.Profile == "" {
			e.Profile = old[i].Profile // kept likewise
		}
		if old[i].Equal(e) {
			c.Unchanged = append(c.Unchanged, e)
		} else {
			c.Changed = append(c.Changed, Change{Old: old[i], New: e})
		}
	}
	return c, nil
}

// Apply writes b to reg in one atomic step through registry.Batcher: either
// every entry is written (and, with ReplaceAll, every other entry deleted)
// or, on any error, nothing changes. Each customer number in the batch gets
// exactly the file's addresses and keeps its language (the file has none);
// without ReplaceAll the other customer numbers are kept.
//
// The registry checks every entry in full, also those of a batch Read
// returned: a caller that changed them cannot store an invalid address.
// Read's entries are normalized already, which makes that check one scan
// of each address.
//
// A registry that does not implement registry.Batcher gives
// [ErrNotBatcher], a nil reg [registry.ErrNoRegistry], a nil or empty batch
// [ErrEmptyBatch]; errors from the registry, including ctx's, are returned
// as they are.
func Apply(ctx context.Context, reg registry.Registry, b *Batch) (registry.Summary, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if reg == nil {
		return registry.Summary{}, registry.ErrNoRegistry
	}
	if b == nil || len(b.Entries) == 0 {
		return registry.Summary{}, ErrEmptyBatch
	}
	batcher, ok := reg.(registry.Batcher)
	if !ok {
		return registry.Summary{}, ErrNotBatcher
	}
	return batcher.Apply(ctx, registry.Batch{Put: b.Entries, ReplaceAll: b.ReplaceAll})
}

// listFactor is how much larger than a batch a directory may be for Diff
// to page through it rather than look every entry up.
const listFactor = 4

// walk calls fn with every page of l's entries, in customer-number order.
func walk(ctx context.Context, l registry.Lister, fn func([]registry.Entry) error) error {
	q := registry.Query{Limit: registry.MaxPageSize}
	for {
		page, err := l.List(ctx, q)
		if err != nil {
			return err
		}
		if err := fn(page.Entries); err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}
