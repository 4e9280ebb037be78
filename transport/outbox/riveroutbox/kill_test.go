package riveroutbox_test

// The kill test: a child process (this test binary, run again) works the
// outbox and is SIGKILLed at random moments, over and over, while it
// delivers into a transporttest.Server in the parent. Each child pauses
// at random before the SMTP transaction (after the intent commit), the
// server delays reading the data (mid-DATA) and the reply to the dot
// (stored, not yet confirmed), and the child pauses again after the reply
// (before the outcome commit), so kills land in every window. Afterwards
// every message must have reached the server or be reported ambiguous,
// and under Hold none may have reached it twice.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// Environment of a kill test child.
const (
	childEnv   = "JAKELU_OUTBOX_CHILD"   // "kill": work until killed; "final": work until idle
	childDB    = "JAKELU_OUTBOX_DB"      // SQLite path or PostgreSQL DSN
	childSMTP  = "JAKELU_OUTBOX_SMTP"    // the server's host:port
	childWork  = "JAKELU_OUTBOX_WORKERS" // MaxWorkers
	childPause = "JAKELU_OUTBOX_PAUSE"   // the longest pause around a transaction, as a duration
)

// pausing wraps a RawSender with random pauses before and after each
// transaction.
type pausing struct {
	transport.RawSender
	max time.Duration
}

func (p pausing) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	time.Sleep(rand.N(p.max + 1))
	rc, err := p.RawSender.SendComposed(ctx, c)
	time.Sleep(rand.N(p.max + 1))
	return rc, err
}

// TestOutboxChild is the child of the kill and multi-process tests; it
// does nothing unless started by them.
func TestOutboxChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("the child process of TestKill and TestMulti")
	}
	dsn := os.Getenv(childDB)
	var db *sql.DB
	d := riveroutbox.Postgres
	var err error
	if strings.HasPrefix(dsn, "postgres") {
		db, err = sql.Open("pgx", dsn)
		db.SetMaxOpenConns(12)
		db.SetMaxIdleConns(12)
	} else {
		d = riveroutbox.SQLite
		db = openSQLiteFile(t, dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	workers, _ := strconv.Atoi(os.Getenv(childWork))
	pause, _ := time.ParseDuration(os.Getenv(childPause))
	// The kill test needs short timeouts (a killed child's jobs are
	// rescued after them); the multi-process test, under load, long ones.
	jobTimeout := 2 * time.Second
	if os.Getenv("JAKELU_OUTBOX_POLICY") == "patient" {
		jobTimeout = 30 * time.Second
	}
	var tr transport.RawSender = smtpTo(t, os.Getenv(childSMTP), jobTimeout*2/3)
	if pause > 0 {
		tr = pausing{tr, pause}
	}
	var delivered atomic.Int64
	opts := testOptions(tr, nil)
	opts.OnChange = func(c outbox.Change) {
		if c.To == outbox.Delivered {
			delivered.Add(1)
		}
	}
	opts.MaxWorkers = workers
	opts.JobTimeout, opts.RescueAfter = jobTimeout, jobTimeout+time.Second
	if os.Getenv("JAKELU_OUTBOX_POLICY") == "retry" {
		opts.Ambiguity = outbox.Retry
	}
	o, err := riveroutbox.New(t.Context(), db, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	// In "kill" mode the parent ends this process; in "final" mode it
	// returns once nothing is due twice in a row.
	for idle := 0; idle < 2; {
		time.Sleep(200 * time.Millisecond)
		n, err := o.Due(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && mode == "final" {
			idle++
		} else {
			idle = 0
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("CHILD delivered=%d\n", delivered.Load())
}

// child starts the child process in mode.
func child(t *testing.T, mode, dsn, smtpAddr string, workers int, pause time.Duration, policy string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDB+"="+dsn, childSMTP+"="+smtpAddr,
		childWork+"="+strconv.Itoa(workers), childPause+"="+pause.String(), "JAKELU_OUTBOX_POLICY="+policy)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// runFinal runs a child until nothing is due, for at most two minutes.
func runFinal(t *testing.T, dsn, smtpAddr string, policy string) {
	t.Helper()
	wait(t, child(t, "final", dsn, smtpAddr, 4, 0, policy))
}

// wait waits for a child in "final" mode, for at most two minutes.
func wait(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final child: %v\n%s", err, cmd.Stdout)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("final child still working after 2 minutes\n%s", cmd.Stdout)
	}
}

// serverCounts returns, per Message-ID and recipient, how often the
// server stored it.
func serverCounts(srv *transporttest.Server) map[string]int {
	got := map[string]int{}
	for _, m := range srv.Messages() {
		msg, err := transporttest.ParseMessage(m.Data)
		if err != nil {
			continue
		}
		for _, to := range m.To {
			got[msg.MessageID+" "+to]++
		}
	}
	return got
}

// allStatus lists every message of the outbox.
func allStatus(t *testing.T, o *riveroutbox.Outbox) []outbox.Status {
	var out []outbox.Status
	q := outbox.Query{Limit: 1000}
	for {
		page, err := o.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Messages...)
		if page.Next == 0 {
			return out
		}
		q.After = page.Next
	}
}

// TestKill runs under the Hold policy; JAKELU_OUTBOX_KILL_POLICY=retry
// runs it under Retry, where ambiguous recipients are sent again and the
// duplicates at the server may not exceed the ambiguities reported.
func TestKill(t *testing.T) {
	const messages, kills = 200, 15
	policy := "hold"
	if os.Getenv("JAKELU_OUTBOX_KILL_POLICY") == "retry" {
		policy = "retry"
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		db, dsn := b.open(t)
		var mu sync.Mutex
		srv := transporttest.NewServer(t, &transporttest.Script{
			DataReadDelay: 5 * time.Millisecond,
			Respond: func(c transporttest.Command) transporttest.Response {
				if c.Verb == "." {
					mu.Lock()
					defer mu.Unlock()
					return transporttest.Response{Delay: rand.N(30 * time.Millisecond)}
				}
				return transporttest.Response{}
			}})
		o := newOutbox(t, db, b.dialect, nil)
		var items []outbox.Item
		for i := range messages {
			items = append(items, outbox.Item{Msg: invoice(i, fmt.Sprintf("r%d@asiakas.fi", i))})
		}
		if _, err := o.EnqueueBatch(t.Context(), nil, items); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range kills {
			cmd := child(t, "kill", dsn, srv.Addr(), 2, 30*time.Millisecond, policy)
			time.Sleep(300*time.Millisecond + rand.N(900*time.Millisecond))
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		}
		runFinal(t, dsn, srv.Addr(), policy)

		// Every message reached the server or is reported ambiguous, and
		// none reached it twice.
		counts := serverCounts(srv)
		var ambiguous, duplicates int
		var release []outbox.ID
		for _, st := range allStatus(t, o) {
			for _, r := range st.Recipients {
				n := counts[st.MessageID+" "+r.Address]
				ambiguous += r.Ambiguities
				switch {
				case n > 1:
					duplicates += n - 1
				case r.State == outbox.Delivered && n == 0:
					t.Errorf("message %d to %s: delivered, but the server never got it", st.ID, r.Address)
				case r.State == outbox.Ambiguous && n == 0 && policy == "hold":
					release = append(release, st.ID) // the operator checked: not received
				case r.State != outbox.Delivered && r.State != outbox.Ambiguous:
					t.Errorf("message %d to %s: %s after the last child", st.ID, r.Address, r.State)
				}
			}
		}
		if duplicates != 0 && policy == "hold" {
			t.Errorf("%d duplicates under Hold", duplicates)
		}
		// An operator releases the ambiguous ones the recipient did not get.
		for _, id := range release {
			if err := o.Release(t.Context(), id, nil); err != nil {
				t.Fatal(err)
			}
		}
		if len(release) > 0 {
			runFinal(t, dsn, srv.Addr(), "hold")
		}
		counts = serverCounts(srv)
		delivered, duplicates := 0, 0
		for _, st := range allStatus(t, o) {
			n := counts[st.MessageID+" "+st.Recipients[0].Address]
			if n > 0 {
				delivered++
			}
			duplicates += max(n-1, 0)
		}
		fmt.Printf("KILL db=%s messages=%d kills=%d delivered=%d lost=%d duplicates=%d ambiguous=%d\n",
			b.name, messages, kills, delivered, messages-delivered, duplicates, ambiguous)
		t.Logf("%s: %d held ambiguous recipients were not received and released; %v in all", b.name, len(release), time.Since(start).Round(time.Second))
		t.Logf("policy %s", policy)
		if delivered != messages || policy == "hold" && duplicates != 0 || duplicates > ambiguous {
			t.Errorf("delivered %d of %d, %d duplicates, %d ambiguous (%s)", delivered, messages, duplicates, ambiguous, policy)
		}
	})
}
