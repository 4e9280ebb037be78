package main

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Environment of TestImportMemoryChild.
const (
	memFileEnv      = "JAKELU_WEBAPP_IMPORTMEM_FILE"      // the CSV file to preview
	memCompaniesEnv = "JAKELU_WEBAPP_IMPORTMEM_COMPANIES" // how many companies preview it at once
)

// importMemoryBound is the most a 31 MB CSV preview may raise the
// process's peak resident set size.
const importMemoryBound = 150 << 20

// TestImportMemory previews a CSV file of 31 MB (about 430,000 customers)
// in a child process (TestImportMemoryChild), once for one company and
// once for four companies at the same time, and reports how much each
// raised the child's peak resident set size over what it held before the
// upload, and then how much importing the previewed files raised it. The
// single preview must stay within importMemoryBound.
func TestImportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: writes a 31 MB file and previews it in child processes")
	}
	if raceEnabled {
		t.Skip("skipped under the race detector, which multiplies the memory measured; run without -race")
	}
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux's /proc/self/clear_refs to measure the peak resident set size")
	}
	path := filepath.Join(t.TempDir(), "asiakkaat.csv")
	size := writeDirectoryCSV(t, path, 31<<20)
	tests := []struct {
		companies int
		bound     int64 // 0: only reported
	}{
		{1, importMemoryBound},
		{4, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.companies), func(t *testing.T) {
			out := runChild(t, "TestImportMemoryChild", memFileEnv+"="+path, memCompaniesEnv+"="+strconv.Itoa(tt.companies))
			var base, peak, confirmBase, confirmPeak int64
			for l := range strings.Lines(out) {
				if rest, ok := strings.CutPrefix(l, "IMPORTMEM-CHILD "); ok {
					fmt.Sscanf(rest, "base=%d peak=%d", &base, &peak)
				}
				if rest, ok := strings.CutPrefix(l, "IMPORTMEM-CONFIRM "); ok {
					fmt.Sscanf(rest, "base=%d peak=%d", &confirmBase, &confirmPeak)
				}
			}
			if peak == 0 {
				t.Fatalf("the child reported no peak:\n%s", out)
			}
			growth := peak - base
			t.Logf("%d concurrent preview(s) of a %.1f MB CSV: peak RSS %.1f MB, %.1f MB over the %.1f MB before",
				tt.companies, mb(size), mb(peak), mb(growth), mb(base))
			t.Logf("then %d concurrent import(s) of the previewed file(s) into empty directories: peak RSS %.1f MB, %.1f MB over the %.1f MB before",
				tt.companies, mb(confirmPeak), mb(confirmPeak-confirmBase), mb(confirmBase))
			if tt.bound > 0 && growth > tt.bound {
				t.Errorf("the preview raised the peak RSS by %.1f MB, want at most %.1f MB", mb(growth), mb(tt.bound))
			}
		})
	}
}

// mb converts bytes to megabytes (MiB).
func mb(n int64) float64 { return float64(n) / (1 << 20) }

// TestImportMemoryChild is the child process of TestImportMemory: it
// starts the app on SQLite with the number of companies
// JAKELU_WEBAPP_IMPORTMEM_COMPANIES says, signs each in, then resets the
// process's peak RSS and uploads the file JAKELU_WEBAPP_IMPORTMEM_FILE for
// a preview from every company at once, streaming the request bodies from
// the file. It prints the RSS before and the peak after.
func TestImportMemoryChild(t *testing.T) {
	path := os.Getenv(memFileEnv)
	if path == "" {
		t.Skip("run by TestImportMemory in a child process")
	}
	n, err := strconv.Atoi(os.Getenv(memCompaniesEnv))
	if err != nil || n < 1 {
		t.Fatalf("%s: %q", memCompaniesEnv, os.Getenv(memCompaniesEnv))
	}
	e := newEnv(t, sqlite, nil)
	accounts := []account{e.a, e.b}
	for i := len(accounts); i < n; i++ {
		accounts = append(accounts, e.addCompany(t, fmt.Sprintf("Yhtiö %d Oy", i), fmt.Sprintf("kirjanpito@yhtio%d.example", i)))
	}
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = e.signIn(t, accounts[i])
		clients[i].get("/import")
	}
	runtime.GC()
	debug.FreeOSMemory()
	base := resetPeakRSS(t)
	var wg sync.WaitGroup
	statuses := make([]int, n)
	ids := make([]string, n)
	for i, c := range clients {
		wg.Go(func() { statuses[i], ids[i] = streamUpload(t, c, path) })
	}
	wg.Wait()
	peak := procStatus(t, "VmHWM")
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("preview %d: status %d", i, s)
		}
	}
	fmt.Printf("IMPORTMEM-CHILD base=%d peak=%d\n", base, peak)

	// Then the imports themselves.
	runtime.GC()
	debug.FreeOSMemory()
	base = resetPeakRSS(t)
	for i, c := range clients {
		wg.Go(func() {
			if r := c.confirmImport(url.Values{"upload": {ids[i]}}); r.status != http.StatusOK {
				t.Errorf("import %d: status %d", i, r.status)
			}
		})
	}
	wg.Wait()
	fmt.Printf("IMPORTMEM-CONFIRM base=%d peak=%d\n", base, procStatus(t, "VmHWM"))
}

// streamUpload posts the file at path to /import as c, streaming the
// multipart body from the file so that the client holds none of it,
// follows the redirect to the preview and returns the preview's status
// (or the upload's, if it did not redirect) and the upload's ID. The
// response bodies are read and dropped.
func streamUpload(t *testing.T, c *client, path string) (int, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		mw.WriteField("csrf", c.csrf)
		mw.WriteField("mode", "update")
		fw, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.base+"/import", pr)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther {
		return res.StatusCode, ""
	}
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, c.base+loc, nil)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	if res, err = c.http.Do(req); err != nil {
		t.Error(err)
		return 0, ""
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, strings.TrimPrefix(loc, "/import/preview/")
}

// resetPeakRSS resets the process's peak resident set size to its current
// one (Linux: writing 5 to /proc/self/clear_refs) and returns it.
func resetPeakRSS(t *testing.T) int64 {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak RSS: %v", err)
	}
	return procStatus(t, "VmRSS")
}

// procStatus returns a size field of /proc/self/status in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("/proc/self/status %s: %v", field, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/self/status has no %s", field)
	return 0
}

// runChild runs the test function named test of this test binary alone in
// a child process with env added and returns what it printed.
func runChild(t *testing.T, test string, env ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", test, err, out)
	}
	return string(out)
}

// writeDirectoryCSV writes a valid directory of at least size bytes, rows
// of a customer number and one to three addresses, and returns its size.
func writeDirectoryCSV(t *testing.T, path string, size int64) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.WriteString("Asiakasnumero,Sähköposti\n")
	domains := []string{"example.com", "example.org", "posti.example.fi", "mail.example.se"}
	names := []string{"laskut", "invoices", "matti.meikalainen", "anna.andersson"}
	var row []byte
	for i := 0; int64(n) < size; i++ {
		row = append(row[:0], fmt.Sprintf("%08d,", i)...)
		for k := range 1 + i%3 {
			if k > 0 {
				row = append(row, ' ')
			}
			row = append(row, names[(i+k)%4]...)
			row = strconv.AppendInt(row, int64(i*7+k), 10)
			row = append(row, '@')
			row = append(row, domains[(i+k)%len(domains)]...)
		}
		row = append(row, '\n')
		k, _ := w.Write(row)
		n += k
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}
