package registrytest_test

// This file is what a downstream package writes to check its own registry:
// one test function and a factory.

import (
	"context"
	"testing"

	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/registrytest"
)

// staticDirectory is a read-only directory such as a host app might build
// from its own customer data.
type staticDirectory map[string]registry.Entry

func (d staticDirectory) Lookup(ctx context.Context, customerNumber string) (registry.Entry, error) {
	if err := ctx.Err(); err != nil {
		return registry.Entry{}, err
	}
	e, ok := d[customerNumber]
	if !ok {
		return registry.Entry{}, registry.ErrNotFound
	}
	return e.Clone(), nil
}

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, seed []registry.Entry) registry.Registry {
		d := staticDirectory{}
		for _, e := range seed {
			d[e.CustomerNumber] = e
		}
		return d
	})
}
