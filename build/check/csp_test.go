package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/internal/testutil"
	"github.com/pelletier/go-toml/v2"
)

// netlifyHeaders returns the headers netlify.toml sets for every path
// ("/*"), as Netlify would send them.
func netlifyHeaders(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Headers []struct {
			For    string            `toml:"for"`
			Values map[string]string `toml:"values"`
		} `toml:"headers"`
	}
	if err := toml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("netlify.toml: %v", err)
	}
	for _, h := range cfg.Headers {
		if h.For == "/*" {
			if h.Values["Content-Security-Policy"] == "" {
				t.Fatal(`netlify.toml sets no Content-Security-Policy for "/*"`)
			}
			return h.Values
		}
	}
	t.Fatal(`netlify.toml has no headers for "/*"`)
	return nil
}

// TestCSP builds content/, serves it with netlify.toml's headers and loads
// pages of every kind in headless Chromium: the theme must not break the
// Content-Security-Policy (no inline script or style, no other origin), and
// its scripts must still run (search renders hits for ?q=cpu).
func TestCSP(t *testing.T) {
	ctx := testutil.Browser(t, 5*time.Minute)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	headers := netlifyHeaders(t)
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

	// Violations reach us three ways: the page's securitypolicyviolation
	// events (recorded by a script CDP injects, which CSP does not govern),
	// the browser log and the console.
	var mu sync.Mutex
	var logged []string
	if err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			msg = e.Entry.Text
		case *runtime.EventConsoleAPICalled:
			for _, a := range e.Args {
				msg += string(a.Value) + " " + a.Description
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		}
		if msg != "" {
			mu.Lock()
			logged = append(logged, msg)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	step := func(t *testing.T, what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := chromedp.Call(ctx, log.Enable, cdp.Empty{})
	step(t, "enable log", err)
	_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	step(t, "enable runtime", err)
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", function (e) {
			window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
				" at " + (e.sourceFile || "?") + ":" + e.lineNumber + ":" + e.columnNumber +
				(e.sample ? " (" + e.sample + ")" : ""));
		});`})
	step(t, "add violation recorder", err)

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
			mu.Lock()
			logged = nil
			mu.Unlock()
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
			violations, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`window.__csp`))
			step(t, "read violations", err)
			mu.Lock()
			for _, m := range logged {
				if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") || strings.HasPrefix(m, "exception:") {
					violations = append(violations, "browser reported: "+m)
				}
			}
			mu.Unlock()
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
