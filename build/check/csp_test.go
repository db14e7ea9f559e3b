package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/internal/browsertest"
	"github.com/compasshq/compass/internal/testutil"
)

// TestCSP builds content/, serves it with netlify.toml's headers and loads
// pages of every kind in headless Chromium: the theme must not break the
// Content-Security-Policy (no inline script or style, no other origin), and
// its scripts must still run (search renders hits for ?q=cpu).
func TestCSP(t *testing.T) {
	ctx := testutil.Browser(t, 5*time.Minute)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	headers := browsertest.NetlifyHeaders(t, filepath.Join("..", "..", "netlify.toml"))
	out := testutil.ExampleSite(t, func(ctx context.Context, source, out string) error {
		_, err := build.Build(ctx, build.Options{Source: source, Out: out})
		return err
	})
	files := http.FileServer(http.Dir(out))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		switch {
		case r.URL.Path == "/control/":
			// A page that breaks the policy, to prove violations are seen.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!doctype html><html class="search-js"><body><main style="color:red">x</main><script>document.title="inline"</script></body></html>`))
			return
		case strings.HasSuffix(r.URL.Path, "/"):
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(r.URL.Path), "index.html")); err != nil {
				// Netlify answers unknown paths with 404.html.
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				b, _ := os.ReadFile(filepath.Join(out, "404.html"))
				w.Write(b)
				return
			}
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	recorded := browsertest.RecordViolations(t, ctx)
	step := func(t *testing.T, what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	pages := []struct {
		name, path, ready string
	}{
		{"home", "/", "main"},
		{"charter", "/teams/sre/", "main"},
		{"meeting", "/meetings/daily-standup/", "main"},
		{"runbook", "/runbooks/cpu-overcommit/", "main"},
		{"policy", "/policies/oncall/", "main"},
		{"search", "/search/?q=cpu", "#search-results .search-group"},
		{"not found", "/no/such/page/", "main"},
		{"control", "/control/", "main"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			recorded.Reset()
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			step(t, "load "+p.path, chromedp.Do(tctx,
				chromedp.Navigate(srv.URL+p.path),
				chromedp.WaitReady(chromedp.CSS(p.ready)),
			))
			// The theme's script marks the page once it has run; only then
			// has every resource the page asks for been requested.
			ran, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.documentElement.classList.contains("search-js")`))
			step(t, "read script marker", err)
			if !ran {
				t.Errorf("%s: the theme's search script did not run", p.path)
			}
			violations, err := recorded.Read(tctx)
			step(t, "read violations", err)
			if p.name == "control" {
				if len(violations) < 2 {
					t.Errorf("the control page's inline style and script were not both reported: %q", violations)
				}
				return
			}
			for _, v := range violations {
				t.Errorf("%s: CSP violation: %s", p.path, v)
			}
		})
	}
}
