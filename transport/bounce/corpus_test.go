package bounce_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jakelu/jakelu/transport/bounce"
)

// bouncesDir returns the bounce corpus folder: $JAKELU_BOUNCES, else
// ../shared/bounces beside the repository. When it is missing the test
// fails under CI (CI=true) and is skipped otherwise, saying how to run it.
func bouncesDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("JAKELU_BOUNCES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "bounces")
	}
	if _, err := os.Stat(filepath.Join(dir, "EXPECTED.tsv")); err != nil {
		msg := fmt.Sprintf("bounce corpus not found at %s (%v): set JAKELU_BOUNCES to the folder holding the samples and EXPECTED.tsv, or put them at ../shared/bounces beside the repository (JAKELU_BOUNCES=$PWD/../shared/bounces go test ./transport/bounce)", dir, err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}

// The agreement reached so far (of 343 facts); see TestBounceCorpus.
const (
	minHardAgree = 337
	minKindAgree = 339
)

// fact is one row of EXPECTED.tsv.
type fact struct {
	file   string
	index  int
	status string
	code   string
	reason string
	hard   bool
	kind   string
}

func readExpected(tb testing.TB, dir string) []fact {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var facts []fact
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 7 {
			tb.Fatalf("EXPECTED.tsv: %d columns in %q, want 7", len(c), sc.Text())
		}
		n, err := strconv.Atoi(c[1])
		if err != nil {
			tb.Fatalf("EXPECTED.tsv: index %q: %v", c[1], err)
		}
		facts = append(facts, fact{file: c[0], index: n, status: c[2], code: c[3], reason: c[4], hard: c[5] == "true", kind: c[6]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return facts
}

// recipientKind is the kind the corpus expects for the n-th recipient:
// the recipient's own for bounces, delays and deliveries, else the
// report's.
func recipientKind(rep *bounce.Report, i int) string {
	switch rep.Kind {
	case bounce.KindAutoReply, bounce.KindComplaint, bounce.KindNotBounce:
		return string(rep.Kind)
	}
	return string(rep.Recipients[i].Kind)
}

// class is the first digit of a status, "" when none.
func class(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

// corpusResult is what the corpus run counts.
type corpusResult struct {
	files, facts, hard, class, kind, broken, wrongNot int
	problems                                          []string
}

func runCorpus(tb testing.TB, dir string, facts []fact, newline func([]byte) []byte) corpusResult {
	tb.Helper()
	var res corpusResult
	reports := map[string]*bounce.Report{}
	for _, f := range facts {
		rep, seen := reports[f.file]
		if !seen {
			res.files++
			data, err := os.ReadFile(filepath.Join(dir, f.file))
			if err != nil {
				tb.Fatalf("reading the corpus: %v", err)
			}
			rep, err = bounce.Parse(bytes.NewReader(newline(data)))
			if err != nil {
				res.broken++
				res.problems = append(res.problems, fmt.Sprintf("%s: %v", f.file, err))
			}
			reports[f.file] = rep
		}
		if rep == nil {
			continue
		}
		if f.index == 0 { // not a bounce: no fact, but the kind must be right
			if rep.Kind != bounce.KindNotBounce || len(rep.Recipients) != 0 {
				res.wrongNot++
				res.problems = append(res.problems, fmt.Sprintf("%s: kind %s with %d recipients, want not-a-bounce", f.file, rep.Kind, len(rep.Recipients)))
			}
			continue
		}
		res.facts++
		if f.index > len(rep.Recipients) {
			res.problems = append(res.problems, fmt.Sprintf("%s #%d: missing (kind %s, %d recipients); want %s %s hard=%v %s", f.file, f.index, rep.Kind, len(rep.Recipients), f.status, f.reason, f.hard, f.kind))
			continue
		}
		r := rep.Recipients[f.index-1]
		okHard := r.Hard == f.hard
		okClass := class(r.Status) == class(f.status)
		okKind := recipientKind(rep, f.index-1) == f.kind
		if okHard {
			res.hard++
		}
		if okClass {
			res.class++
		}
		if okKind {
			res.kind++
		}
		if !okHard || !okClass || !okKind {
			res.problems = append(res.problems, fmt.Sprintf("%s #%d: got %s %s %d %s hard=%v %s %q; want %s %s %s hard=%v %s", f.file, f.index,
				r.Address, r.Status, r.Code, r.Reason, r.Hard, recipientKind(rep, f.index-1), trunc(r.Diagnostic, 160), f.status, f.code, f.reason, f.hard, f.kind))
		}
	}
	return res
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Some samples already end their lines in CRLF: each conversion starts
// from LF.
func toLF(b []byte) []byte   { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }
func toCRLF(b []byte) []byte { return bytes.ReplaceAll(toLF(b), []byte("\n"), []byte("\r\n")) }
func toCR(b []byte) []byte   { return bytes.ReplaceAll(toLF(b), []byte("\n"), []byte("\r")) }
func asIs(b []byte) []byte   { return b }

// TestBounceCorpus parses every sample of $JAKELU_BOUNCES and compares
// each recipient's hardness, status class and kind with EXPECTED.tsv
// (Sisimai's results), then does the same with the files' newlines
// turned into CRLF and into CR: the figures must not change. It prints
// "BOUNCES files=… facts=… hard_agree=… class_agree=… kind_agree=… broken=…".
func TestBounceCorpus(t *testing.T) {
	dir := bouncesDir(t)
	facts := readExpected(t, dir)
	res := runCorpus(t, dir, facts, asIs)
	for _, p := range res.problems {
		t.Log(p)
	}
	line := fmt.Sprintf("BOUNCES files=%d facts=%d hard_agree=%d class_agree=%d kind_agree=%d broken=%d", res.files, res.facts, res.hard, res.class, res.kind, res.broken)
	fmt.Println(line)
	t.Log(line)
	if res.wrongNot > 0 {
		t.Errorf("%d ordinary messages (index 0 in EXPECTED.tsv) not read as not-a-bounce", res.wrongNot)
	}
	if res.broken > 0 {
		t.Errorf("%d files could not be parsed", res.broken)
	}
	// The target is 98 % hard and kind agreement with Sisimai; the floors
	// are the figures reached, so a change that loses agreement fails
	// here. Raise them as the reading improves.
	if float64(res.hard) < 0.98*float64(res.facts) || float64(res.kind) < 0.98*float64(res.facts) {
		t.Errorf("hard or kind agreement below 98%% of %d facts: %s", res.facts, line)
	}
	if res.hard < minHardAgree || res.kind < minKindAgree {
		t.Errorf("agreement fell below hard=%d kind=%d: %s", minHardAgree, minKindAgree, line)
	}
	for _, nl := range []struct {
		name string
		f    func([]byte) []byte
	}{{"LF", toLF}, {"CRLF", toCRLF}, {"CR", toCR}} {
		other := runCorpus(t, dir, facts, nl.f)
		if other.hard != res.hard || other.class != res.class || other.kind != res.kind || other.broken != res.broken {
			t.Errorf("with %s newlines: hard=%d class=%d kind=%d broken=%d, with LF: hard=%d class=%d kind=%d broken=%d",
				nl.name, other.hard, other.class, other.kind, other.broken, res.hard, res.class, res.kind, res.broken)
			for i, p := range other.problems {
				if i < len(res.problems) && p == res.problems[i] {
					continue
				}
				t.Logf("%s: %s", nl.name, p)
			}
		}
	}
}
