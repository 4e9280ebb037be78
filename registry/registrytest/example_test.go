package registrytest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jakelu/jakelu/registry/registrytest"
)

// A registry that always fails stands in for a directory that is down, to
// test how the code that uses it copes.
func ExampleFailing() {
	errOffline := errors.New("directory offline")
	reg := registrytest.Failing(errOffline)

	_, err := reg.Lookup(context.Background(), "00123")
	fmt.Println(errors.Is(err, errOffline), err)
	// Output: true directory offline
}
