package serve

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/compasshq/compass/internal/testutil"
)

// newBrowser starts headless Chromium for a test, or skips the test (fails
// under COMPASS_E2E=1); -short skips it too.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx := testutil.Browser(t, 120*time.Second)
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	return ctx
}

// TestBrowserLiveReload opens a page in Chromium, edits its file and sees
// the new text without reloading by hand; then breaks and fixes a link and
// sees the overlay come and go; then changes the stylesheet and sees it
// applied with the scroll position kept.
func TestBrowserLiveReload(t *testing.T) {
	files := map[string]string{}
	for k, v := range basic {
		files[k] = v
	}
	long := "---\ntitle: Alpha\n---\n## First\n\nalpha text\n\n"
	for range 200 {
		long += "A paragraph that makes the page long enough to scroll.\n\n"
	}
	files["content/a.md"] = long
	files["layouts/assets/style.css"] = "body { color: rgb(1, 2, 3); }\n"
	ctx := newBrowser(t)
	s := start(t, files)

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	// poll waits for expr to hold. The page may reload meanwhile, which
	// ends one evaluation; then it asks again in the new document.
	poll := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second)))
			if err == nil {
				return
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				step(what, err)
			}
		}
	}
	live := `document.documentElement.hasAttribute("data-compass-live")`
	_, err := chromedp.Run(ctx, chromedp.Navigate(s.url+"a/"))
	step("open page", err)
	poll("page text", `document.body.innerText.includes("alpha text")`)
	// The script is connected once the event stream is open.
	poll("live reload connected", live)

	s.write("content/a.md", long+"\nedited in the editor\n")
	poll("edited text appears", `document.body.innerText.includes("edited in the editor")`)
	poll("live reload connected again", live)

	s.write("content/a.md", long+"\nbroken [link](missing.md)\n")
	poll("overlay appears", `(document.getElementById("compass-errors")?.innerText ?? "").includes("content/a.md:")`)
	// The offending line with a caret under the column; the page stays
	// readable beneath; Dismiss closes the overlay.
	poll("excerpt with caret", `/broken \[link\]\(missing\.md\)\n\s*\| {8}\^/.test(document.querySelector(".compass-errors-source")?.textContent ?? "")`)
	poll("page under the overlay", `document.body.innerText.includes("alpha text")`)
	// The page is the one just written, not the last good one: the new
	// line is there with its broken link marked.
	poll("broken link marked in the page", `document.querySelector('a[href="missing.md"][data-broken]') !== null`)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".compass-errors-close").click(), true`))
	step("dismiss", err)
	poll("overlay dismissed", `!document.getElementById("compass-errors")`)
	s.write("content/a.md", long+"\nall good again\n")
	poll("overlay clears", `!document.getElementById("compass-errors") && document.body.innerText.includes("all good again")`)
	poll("live reload connected again", live)

	_, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollTo(0, 800); window.compassMark = 1; window.scrollY`))
	step("scroll and mark", err)
	s.write("layouts/assets/style.css", "body { color: rgb(4, 5, 6); }\n")
	poll("stylesheet swapped", `getComputedStyle(document.body).color === "rgb(4, 5, 6)"`)
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.compassMark === 1 && window.scrollY === 800`))
	step("no reload, scroll kept", err)
	if !same {
		t.Errorf("the page reloaded or lost its scroll position on a stylesheet change")
	}
}
