package search_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/compasshq/compass/internal/testutil"
)

func TestBrowserSearch(t *testing.T) {
	ctx := testutil.Browser(t, 2*time.Minute)
	site := exampleSite(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer srv.Close()

	type css = chromedp.CSS
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	step("type a query", chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/policies/oncall/"),
		chromedp.WaitVisible(css("#search-input")),
	))
	// "/" focuses the search box from anywhere on the page. (Dispatched as
	// a DOM event: a CDP key event would also type the "/", ignoring
	// preventDefault.)
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.dispatchEvent(new KeyboardEvent("keydown", {key: "/", bubbles: true, cancelable: true})), document.activeElement.id === "search-input"`))
	step("press /", err)
	if !focused {
		t.Errorf(`"/" did not focus the search box`)
	}
	step("type", chromedp.Do(ctx,
		chromedp.KeyEvent("KubeMemoryOvercommit"),
		chromedp.WaitVisible(css("#search-results mark")),
	))
	// The alert name is marked in the results (the runbook's intro, which
	// lists its alerts, may rank first without showing the name).
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("#search-results mark")].some(m => m.textContent === "KubeMemoryOvercommit")`))
	step("read marks", err)
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#search-results .search-hit"), "data-href"))
	step("read first link", err)
	step("press Enter", chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
	// Wait for the new page: its URL has the anchor and the heading is there.
	// The poll's JavaScript context dies with the old page: retry until the
	// test's deadline.
	for {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`location.pathname !== "/policies/oncall/" && document.readyState === "complete" && (location.hash === "" || document.getElementById(location.hash.slice(1)) !== null)`))
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	step("wait for the section", err)
	if !marked {
		t.Errorf("no <mark> holds the alert name KubeMemoryOvercommit")
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	step("location", err)
	// Enter opens the first result: the memory overcommit runbook.
	if !strings.HasSuffix(loc, href.Value) || !strings.Contains(href.Value, "/runbooks/memory-overcommit/") {
		t.Errorf("landed on %s (first result %s), want the first result, in /runbooks/memory-overcommit/", loc, href.Value)
	}

	// ?q= opens the search page with its results and count.
	step("open ?q=", chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/search/?q=disk+full"),
		chromedp.WaitVisible(css("#search-results .search-link")),
	))
	value, err := chromedp.Run(ctx, chromedp.Value(css("#search-page-q")))
	step("input value", err)
	count, err := chromedp.Run(ctx, chromedp.Text(css("#search-results .search-count")))
	step("result count", err)
	if !strings.Contains(count, "result") {
		t.Errorf("search page count %q", count)
	}
	// Arrow keys move the selection in the header's results.
	step("arrows", chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/policies/oncall/"),
		chromedp.Focus(css("#search-input")),
		chromedp.KeyEvent("disk full"),
		chromedp.WaitVisible(css("#search-results .search-hit:nth-child(2)")),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.ArrowDown),
	))
	active, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#search-results .search-hit.active"), "data-href"))
	step("active hit", err)
	second, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#search-results .search-hit:nth-child(2)"), "data-href"))
	if err != nil {
		t.Fatalf("search page: %v", err)
	}
	if value != "disk full" || active.Value == "" || active != second {
		t.Errorf("search page: input %q, active %q, second %q", value, active.Value, second.Value)
	}

	// A server that ignores range requests sends whole files (200): search
	// still works, and fetches each index file at most once (no-store: the
	// script, not the browser's cache, must keep them).
	var mu sync.Mutex
	gets := map[string]int{}
	whole := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets[r.URL.Path]++
		mu.Unlock()
		r.Header.Del("Range")
		w.Header().Set("Cache-Control", "no-store")
		http.FileServer(http.Dir(site)).ServeHTTP(w, r)
	}))
	defer whole.Close()
	step("search without ranges", chromedp.Do(ctx,
		chromedp.Navigate(whole.URL+"/search/?q=disk+full"),
		chromedp.WaitVisible(css("#search-results .search-link")),
	))
	hits, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#search-results .search-link").length`))
	step("count hits without ranges", err)
	if hits == 0 {
		t.Errorf("no results from a server without range requests")
	}
	mu.Lock()
	defer mu.Unlock()
	for p, n := range gets {
		if strings.HasPrefix(p, "/search/") && strings.HasSuffix(p, ".bin") && n > 1 {
			t.Errorf("%s fetched %d times from a server without range requests", p, n)
		}
	}
}
