package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/jakelu/jakelu/registry"
)

// BenchmarkDirectoryPage measures the directory page a signed-in user opens
// (session lookup, a page of 50 entries from a directory of 10,000, the
// template) against its baseline, the registry's List of the same page
// alone, on SQLite. The difference is what the web layer costs.
func BenchmarkDirectoryPage(b *testing.B) {
	e := newEnv(b, sqlite, nil)
	entries := make([]registry.Entry, 10_000)
	for i := range entries {
		entries[i] = registry.Entry{CustomerNumber: fmt.Sprintf("%06d", i),
			To: []string{fmt.Sprintf("laskut%d@asiakas.example", i)}, Cc: []string{"kopio@asiakas.example"}}
	}
	e.put(b, e.a, entries...)

	b.Run("list-only", func(b *testing.B) {
		dir := e.dir(b, e.a)
		for b.Loop() {
			if _, err := dir.List(b.Context(), registry.Query{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	})
	b.Run("page", func(b *testing.B) {
		c := e.signIn(b, e.a)
		u, _ := url.Parse(e.srv.URL)
		h := e.app.Handler()
		for b.Loop() {
			req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/directory", nil)
			for _, ck := range c.http.Jar.Cookies(u) {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	})
}
