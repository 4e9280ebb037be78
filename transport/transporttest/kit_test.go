package transporttest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"net/mail"

	"github.com/jakelu/jakelu/transport"
)

// fakeT records what the kit reports, so that a test can check which rules
// a transport breaks.
type fakeT struct {
	real   *testing.T
	name   string
	mu     *sync.Mutex
	failed map[string]bool // rule name → failed
	logs   *[]string
}

func (f *fakeT) Helper()                  {}
func (f *fakeT) Context() context.Context { return f.real.Context() }
func (f *fakeT) std() *testing.T          { return f.real }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed[f.name] = true
	*f.logs = append(*f.logs, f.name+": "+fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeT) Run(name string, fn func(tb)) bool {
	sub := *f
	sub.name = name
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(&sub)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.failed[name]
}

// brokenRules runs the kit on tr and returns the rules it reports broken.
func brokenRules(t *testing.T, newTransport NewFunc) (map[string]bool, []string) {
	var logs []string
	f := &fakeT{real: t, mu: new(sync.Mutex), failed: make(map[string]bool), logs: &logs}
	run(f, newTransport)
	return f.failed, logs
}

// wrap returns a factory of Recorders whose Send goes through send.
func wrap(send func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error)) NewFunc {
	return func(t *testing.T) (transport.Transport, Inbox) {
		r := &Recorder{}
		return transport.SendFunc(func(ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			if m == nil {
				return r.Send(ctx, m) // the breakages below need a message
			}
			return send(r, ctx, m)
		}), func() ([]*transport.Message, error) { return r.Messages(), nil }
	}
}

func TestRun_CatchesBrokenTransports(t *testing.T) {
	tests := []struct {
		name  string
		new   NewFunc
		broke []string // the rules that must fail; every other rule must pass
	}{
		{"correct", wrap((*Recorder).Send), nil},
		{"modifies the message", wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			rc, err := r.Send(ctx, m)
			m.Subject += "!"
			return rc, err
		}), []string{"message-unchanged", "round-trip"}},
		{"ignores the context", wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			return r.Send(context.WithoutCancel(ctx), m)
		}), []string{"cancelled-context"}},
		{"mangles non-ASCII subjects", wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			c := m.Clone()
			c.Subject = strings.Map(func(r rune) rune {
				if r > 127 {
					return '?'
				}
				return r
			}, c.Subject)
			return r.Send(ctx, c)
		}), []string{"round-trip", "finnish-subject"}},
		{"drops attachments", wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			c := m.Clone()
			c.Attachments = nil
			return r.Send(ctx, c)
		}), []string{"round-trip", "header-injection"}},
		{"loses concurrent messages", func() NewFunc {
			var mu sync.Mutex
			n := 0
			return wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
				mu.Lock()
				n++
				skip := strings.HasPrefix(m.Subject, "concurrent") && n%5 == 0
				mu.Unlock()
				if skip {
					return (&Recorder{}).Send(ctx, m) // claims delivery, records elsewhere
				}
				return r.Send(ctx, m)
			})
		}(), []string{"concurrent-sends"}},
		{"delivers invalid messages", wrap(func(r *Recorder, ctx context.Context, m *transport.Message) (*transport.Receipt, error) {
			c := m.Clone()
			c.Subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(c.Subject)
			if len(c.To)+len(c.Cc)+len(c.Bcc) == 0 {
				c.To = []mail.Address{{Address: "nobody@example.com"}}
			}
			return r.Send(ctx, c)
		}), []string{"no-recipients", "header-injection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, logs := brokenRules(t, tt.new)
			for _, r := range rules {
				want := false
				for _, b := range tt.broke {
					want = want || b == r.name
				}
				if failed[r.name] != want {
					t.Errorf("rule %s failed = %v, want %v; kit said:\n%s", r.name, failed[r.name], want, strings.Join(logs, "\n"))
				}
			}
		})
	}
}
