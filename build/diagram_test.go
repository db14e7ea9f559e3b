package build

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
	"github.com/compasshq/compass/build/internal/browsertest"
	"github.com/compasshq/compass/internal/testutil"
	themefs "github.com/compasshq/compass/themes/compass"
)

const diagramSite = `
-- content/index.md --
# Home

No diagram here.
-- content/flow.md --
# Paging flow

` + "```{mermaid}" + `
:caption: From alert to engineer
flowchart LR
  A[Alert] --> B{Severity?}
  B -->|critical| C[Page on-call]
  B -->|warning| D[Post in channel]
` + "```" + `

` + "```mermaid" + `
sequenceDiagram
  Alertmanager->>Bot: webhook
  Bot->>Slack: thread
` + "```" + `
`

// TestDiagramLibraryOnlyWhenUsed checks that the mermaid library is written,
// and loaded, only for a site and pages that draw a diagram.
func TestDiagramLibraryOnlyWhenUsed(t *testing.T) {
	src := writeSite(t, diagramSite)
	out := t.TempDir()
	if _, err := Build(t.Context(), Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(out, "assets", themefs.Mermaid.File)
	if fi, err := os.Stat(lib); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("mermaid library not written: %v", err)
	}
	flow, _ := os.ReadFile(filepath.Join(out, "flow", "index.html"))
	home, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(flow), themefs.Mermaid.File) || !strings.Contains(string(flow), "/assets/diagrams.") {
		t.Errorf("the diagram page does not load the library")
	}
	if strings.Contains(string(home), "mermaid") || strings.Contains(string(home), "diagrams.") {
		t.Errorf("a page without a diagram loads the library")
	}

	if err := os.Remove(filepath.Join(src, "content", "flow.md")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(t.Context(), Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lib); !os.IsNotExist(err) {
		t.Errorf("the library stays in a site that no longer draws a diagram: %v", err)
	}
}

// TestDiagramInBrowser serves a built site with netlify.toml's headers and
// opens its diagram page in headless Chromium: both diagrams become SVGs,
// with mermaid's styles applied, and the strict Content-Security-Policy
// (no inline style or script) logs no violation.
func TestDiagramInBrowser(t *testing.T) {
	ctx, violations := openWithCSP(t, diagramSite, "/flow/", `document.documentElement.getAttribute("data-diagrams") === "drawn"`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		String(document.querySelectorAll(".diagram > svg").length),
		String(document.querySelectorAll("pre.mermaid").length),
		document.querySelector(".diagram svg .nodeLabel, .diagram svg text")?.textContent ?? "",
		getComputedStyle(document.querySelector(".diagram svg .node rect")).stroke,
		document.querySelector("figure.diagram figcaption")?.textContent ?? "",
	]`))
	if err != nil {
		t.Fatalf("read the diagrams: %v", err)
	}
	if got[0] != "2" || got[1] != "0" {
		t.Errorf("%s SVG diagrams and %s left as source, want 2 and 0", got[0], got[1])
	}
	if got[2] != "Alert" {
		t.Errorf("first label %q, want Alert", got[2])
	}
	// mermaid's stylesheet, moved to a constructed one, gives nodes a
	// stroke; without it they would have none.
	if got[3] == "" || got[3] == "none" {
		t.Errorf("node stroke %q: mermaid's styles were not applied", got[3])
	}
	if got[4] != "From alert to engineer" {
		t.Errorf("caption %q", got[4])
	}
	for _, v := range violations() {
		t.Errorf("CSP violation or exception: %s", v)
	}
}

// openWithCSP builds the txtar site, serves it with netlify.toml's
// Content-Security-Policy, opens path in headless Chromium and waits for
// ready (a JavaScript expression) to hold. violations returns what the
// page reported so far: CSP violations and uncaught exceptions.
func openWithCSP(t *testing.T, site, path, ready string) (ctx context.Context, violations func() []string) {
	t.Helper()
	ctx = testutil.Browser(t, 2*time.Minute)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	out := t.TempDir()
	if _, err := Build(t.Context(), Options{Source: writeSite(t, site), Out: out}); err != nil {
		t.Fatal(err)
	}
	csp := browsertest.NetlifyHeaders(t, filepath.Join("..", "netlify.toml"))["Content-Security-Policy"]
	files := http.FileServer(http.Dir(out))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	recorded := browsertest.RecordViolations(t, ctx)
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+path))
	step("open "+path, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(60*time.Second)))
	step("wait for "+ready, err)
	return ctx, func() []string {
		v, err := recorded.Read(ctx)
		step("read violations", err)
		return v
	}
}
