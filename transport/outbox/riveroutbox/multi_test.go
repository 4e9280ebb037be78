package riveroutbox_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// TestMulti: 4 worker processes on one PostgreSQL deliver 5,000 messages,
// each exactly once.
func TestMulti(t *testing.T) {
	const processes, messages = 4, 5000
	if os.Getenv(postgresEnv) == "" {
		t.Skip(errNoPostgres)
	}
	t.Parallel()
	db, dsn := backends[1].open(t)
	srv := transporttest.NewServer(t, nil)
	o := newOutbox(t, db, backends[1].dialect, nil)
	for start := 0; start < messages; start += 1000 {
		var items []outbox.Item
		for i := start; i < start+1000; i++ {
			items = append(items, outbox.Item{Msg: invoice(i, fmt.Sprintf("r%d@asiakas.fi", i))})
		}
		if _, err := o.EnqueueBatch(t.Context(), nil, items); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	cmds := make([]*exec.Cmd, processes)
	for i := range cmds {
		cmds[i] = child(t, "final", dsn, srv.Addr(), 10, 0, "patient") // Hold, with long timeouts
	}
	var perProcess []string
	for _, cmd := range cmds {
		wait(t, cmd)
		m := regexp.MustCompile(`CHILD delivered=(\d+)`).FindStringSubmatch(fmt.Sprint(cmd.Stdout))
		if m == nil {
			t.Fatalf("a child did not report: %s", cmd.Stdout)
		}
		perProcess = append(perProcess, m[1])
	}
	elapsed := time.Since(began)
	counts := serverCounts(srv)
	delivered, duplicates := 0, 0
	for _, st := range allStatus(t, o) {
		n := counts[st.MessageID+" "+st.Recipients[0].Address]
		if n > 0 && st.State == outbox.Delivered {
			delivered++
		} else {
			t.Errorf("message %d: %+v, at the server %d times", st.ID, st.Recipients, n)
		}
		duplicates += max(n-1, 0)
	}
	fmt.Printf("MULTI db=postgres processes=%d messages=%d delivered=%d duplicates=%d\n", processes, messages, delivered, duplicates)
	t.Logf("per process %s; %v, %.0f msgs/s", strings.Join(perProcess, " "), elapsed.Round(time.Millisecond), float64(messages)/elapsed.Seconds())
	sum := 0
	for _, p := range perProcess {
		n, _ := strconv.Atoi(p)
		sum += n
	}
	if delivered != messages || duplicates != 0 || sum != messages {
		t.Errorf("delivered %d of %d, %d duplicates, the processes reported %d deliveries", delivered, messages, duplicates, sum)
	}
}
