package build

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/compasshq/compass/build/internal/browsertest"
)

// readingSite builds the example handbook and serves it; it returns the
// server's URL, every page path (redirect stubs left out) and the pages
// axe checks: one of each kind, every top-level section, a tag page, the
// search page and the 404 page.
func readingSite(t *testing.T) (base string, all, types []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(context.Background(), Options{Source: root, Out: out}); err != nil {
		t.Fatalf("build the example handbook: %v", err)
	}
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "index.html" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || strings.Contains(string(b), `http-equiv="refresh"`) {
			return err
		}
		rel, _ := filepath.Rel(out, filepath.Dir(p))
		u := "/" + filepath.ToSlash(rel) + "/"
		if rel == "." {
			u = "/"
		}
		all = append(all, u)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Pages []struct{ URL, Kind string }
	}
	b, err := os.ReadFile(filepath.Join(out, "compass.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	types = []string{"/", "/search/?q=disk", "/404.html"}
	for _, p := range m.Pages {
		if p.Kind != "" && !seen[p.Kind] {
			seen[p.Kind] = true
			types = append(types, p.URL)
		}
	}
	for _, u := range all {
		top := strings.Count(u, "/") == 2 // a section: /teams/, /people/ …
		if top || (strings.HasPrefix(u, "/tags/") && !seen["tag"]) {
			seen["tag"] = seen["tag"] || !top
			types = append(types, u)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	t.Cleanup(srv.Close)
	return srv.URL, all, types
}

// TestReadingExperience drives the example handbook in Chromium at a desktop
// and a phone size, in the light and the dark scheme (issue #12): no page
// scrolls sideways, and axe-core finds no critical, serious or moderate
// problem on any page type or in the open search dropdown.
//
// Each page is loaded once and measured at both sizes; a scheme changes
// colours, not widths, so it is only switched for axe.
func TestReadingExperience(t *testing.T) {
	axe := browsertest.AxeScript(t)
	base, all, types := readingSite(t)
	ctx := browsertest.Start(t, 1400, 1000)
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/404.html")); err != nil {
		t.Fatal(err)
	}
	desktop, phone := chromedp.EmulateViewport(1400, 1000), chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)
	t.Run("no sideways scroll", func(t *testing.T) {
		// Every page is loaded into a 1400 px and a 390 px wide frame of one
		// page (a frame is its own viewport for media queries), which is
		// several times faster than navigating the tab twice per page.
		urls, _ := json.Marshal(all)
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async (urls) => {
			const frame = (w, h) => { const f = document.createElement("iframe"); f.width = w; f.height = h; document.body.append(f); return f; };
			const frames = [frame(1400, 1000), frame(390, 844)];
			const load = (f, u) => new Promise(ok => { f.onload = ok; f.src = u; });
			const out = [];
			for (const u of urls) {
				await Promise.all(frames.map(f => load(f, u)));
				for (const f of frames) {
					const d = f.contentDocument.documentElement, over = d.scrollWidth - f.contentWindow.innerWidth;
					if (over > 0) out.push(u + " is " + over + " px wider than the " + f.width + " px window");
				}
			}
			return out;
		})(`+string(urls)+`)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wide {
			t.Error(w)
		}
	})
	if err := chromedp.Do(ctx, desktop); err != nil {
		t.Fatal(err)
	}
	t.Run("axe", func(t *testing.T) {
		for _, u := range types {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+u)); err != nil {
				t.Fatal(err)
			}
			for _, scheme := range []string{"light", "dark"} {
				if err := chromedp.Do(ctx, browsertest.Scheme(scheme)); err != nil {
					t.Fatal(err)
				}
				checkAxe(t, ctx, axe, scheme+" "+u)
			}
		}
		// The header's search dropdown, open with results.
		for _, view := range []chromedp.Action[chromedp.Void]{desktop, phone} {
			if err := chromedp.Do(ctx, view, chromedp.Navigate(base+"/"),
				chromedp.SendKeys(chromedp.CSS("#search-input"), "standup"),
				chromedp.WaitVisible(chromedp.CSS(`#search-results [role="option"]`))); err != nil {
				t.Fatal(err)
			}
			for _, scheme := range []string{"light", "dark"} {
				if err := chromedp.Do(ctx, browsertest.Scheme(scheme)); err != nil {
					t.Fatal(err)
				}
				checkAxe(t, ctx, axe, scheme+" search dropdown")
			}
		}
	})
	for _, view := range []chromedp.Action[chromedp.Void]{desktop, phone} {
		if err := chromedp.Do(ctx, view); err != nil {
			t.Fatal(err)
		}
		t.Run("search keyboard", func(t *testing.T) { searchKeyboard(t, ctx, base) })
	}
	t.Run("phone menu", func(t *testing.T) { phoneMenu(t, ctx, base) })
	t.Run("print", func(t *testing.T) { printed(t, ctx, base) })
	t.Run("theme toggle", func(t *testing.T) { themeToggle(t, ctx, base) })
}

func checkAxe(t *testing.T, ctx context.Context, script, where string) {
	t.Helper()
	vs, err := browsertest.Axe(ctx, script)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, v := range vs {
		t.Errorf("%s: %s", where, v)
	}
}

// searchKeyboard: the box is an ARIA 1.2 combobox; the live region says only
// the count; Escape closes the list and leaves focus in the box.
func searchKeyboard(t *testing.T, ctx context.Context, base string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/runbooks/"),
		chromedp.Focus(chromedp.CSS("#search-input")),
		chromedp.KeyEvent("standup"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results [role="option"]`))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const i = document.getElementById("search-input");
		const live = [...document.querySelectorAll("[role=status], [aria-live]")].map(e => e.textContent).join("|");
		const pages = [...document.querySelectorAll("#search-results .search-hit:not(.search-sub) .search-title")].map(e => e.textContent);
		const unmarked = [...document.querySelectorAll("#search-results [role=option]")].filter(o => !o.querySelector("mark")).map(o => o.textContent).join(" // ");
		return {role: i.getAttribute("role"), expanded: i.getAttribute("aria-expanded"), live: live, unmarked: String(unmarked),
			unique: String(new Set(pages).size === pages.length), links: String(document.querySelectorAll("[role=option] a").length),
			all: document.querySelector(".search-all") ? document.querySelector(".search-all").getAttribute("href") : ""};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got["role"] != "combobox" || got["expanded"] != "true" || got["links"] != "0" || got["unique"] != "true" {
		t.Errorf("search box: %v; want a combobox, expanded, no links in options, each page once", got)
	}
	if got["unmarked"] != "" {
		t.Errorf("results without a marked word: %s", got["unmarked"])
	}
	if !strings.HasSuffix(strings.Trim(got["live"], "|"), "results") || len(got["live"]) > 40 {
		t.Errorf("live regions say %q, want only the result count", got["live"])
	}
	if got["all"] != "/search/?q=standup" {
		t.Errorf(`"see all" links to %q`, got["all"])
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id + " " + document.getElementById("search-input").getAttribute("aria-expanded")`))
	if err != nil {
		t.Fatal(err)
	}
	if after != "search-input false" {
		t.Errorf("after Escape: focus and aria-expanded are %q, want the box, collapsed", after)
	}
}

// phoneMenu: the header's button opens the sidebar; Escape closes it and
// returns focus to the button.
func phoneMenu(t *testing.T, ctx context.Context, base string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/runbooks/disk-filling-up/"),
		chromedp.Click(chromedp.CSS(".menu-toggle")),
		chromedp.WaitVisible(chromedp.CSS("#site-nav"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#site-nav"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className + " " + document.querySelector(".menu-toggle").getAttribute("aria-expanded")`))
	if err != nil {
		t.Fatal(err)
	}
	if got != "icon-button menu-toggle false" {
		t.Errorf("after Escape: %q, want focus on the collapsed menu button", got)
	}
	h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector(".site-header").getBoundingClientRect().height`))
	if err != nil {
		t.Fatal(err)
	}
	if h > 64 {
		t.Errorf("phone header is %.0f px tall, want one compact row", h)
	}
}

// themeToggle: the choice applies at once and is there on the next page,
// set before the first paint (theme.js in <head>).
func themeToggle(t *testing.T, ctx context.Context, base string) {
	bg := `getComputedStyle(document.body).backgroundColor`
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), browsertest.Scheme("light"), chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS(".theme-toggle")), chromedp.Click(chromedp.CSS(".theme-toggle"))); err != nil {
		t.Fatal(err)
	}
	dark, err := chromedp.Run(ctx, chromedp.Evaluate[string](bg))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/guides/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.theme + " " + `+bg))
	if err != nil {
		t.Fatal(err)
	}
	if dark != "rgb(15, 18, 22)" || got != "dark rgb(15, 18, 22)" {
		t.Errorf("after choosing dark: background %q, next page %q", dark, got)
	}
}

// printed: on paper a runbook is light even when the system is dark, code
// included, long code lines wrap, navigation is gone and external links
// show their address.
func printed(t *testing.T, ctx context.Context, base string) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(base+"/runbooks/disk-filling-up/"),
		browsertest.Media("print", "dark")); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(ctx, browsertest.Media("", "light")) //nolint:errcheck // best effort for the tests after
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const pre = document.querySelector(".content pre"), st = e => getComputedStyle(e);
		return {body: st(document.body).backgroundColor, code: st(pre).backgroundColor, wrap: st(pre).whiteSpace,
			header: st(document.querySelector(".site-header")).display, sidebar: st(document.querySelector(".sidebar")).display};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"body": "rgb(255, 255, 255)", "code": "rgb(246, 248, 250)", "wrap": "pre-wrap", "header": "none", "sidebar": "none"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("print, dark system: %s is %q, want %q", k, got[k], v)
		}
	}
}
