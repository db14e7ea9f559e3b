package axetest

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/compasshq/compass/internal/testutil"
)

// TestRunFindsViolations proves the helper can fail: a page with an image
// without alt text and an unlabelled input must come back with axe-core's
// image-alt (critical) and label (critical) violations.
func TestRunFindsViolations(t *testing.T) {
	ctx := testutil.Browser(t, 60*time.Second, chromedp.Headless)
	src := Source(t)
	page := `<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1><img src="x.png"><input type="text"></main></body></html>`
	if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html,"+url.PathEscape(page))); err != nil {
		t.Fatal(err)
	}
	vs, err := Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, v := range vs {
		found[v.ID] = v.Impact
	}
	for _, id := range []string{"image-alt", "label"} {
		if found[id] != "critical" {
			t.Errorf("axe-core found %v, want %s as critical", found, id)
		}
	}
}
