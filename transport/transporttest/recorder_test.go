package transporttest_test

import (
	"testing"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/transporttest"
)

func TestRecorder_Conformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transporttest.Inbox) {
		rec := &transporttest.Recorder{}
		return rec, func() ([]*transport.Message, error) { return rec.Messages(), nil }
	})
}
