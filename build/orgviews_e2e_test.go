package build

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/internal/browsertest"
)

// browserViews checks the organisation views in the browser TestBrowser
// drives: the skills chart is drawn with a size and restyled in dark mode,
// on call now is filled in by views.js, and axe-core finds no moderate,
// serious or critical accessibility problem on the views.
func browserViews(t *testing.T, ctx context.Context, base string, m *handbook.Map) {
	var charter string
	for _, team := range m.Teams {
		for _, p := range team.People {
			if len(p.Skills) > 0 && charter == "" {
				charter = team.URL
			}
		}
	}
	if charter == "" {
		t.Fatal("the example handbook needs a charter with skills")
	}
	if len(m.Reviews) == 0 {
		t.Fatal("the example handbook needs an incident review")
	}
	t.Run("skills chart light and dark", func(t *testing.T) {
		var strokes []string
		for _, scheme := range []string{"light", "dark"} {
			if err := chromedp.Do(ctx, browsertest.Scheme(scheme), chromedp.Navigate(base+charter), chromedp.WaitVisible(chromedp.CSS("svg.radar"))); err != nil {
				t.Fatal(err)
			}
			size, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector("svg.radar").getBoundingClientRect(); return [r.width, r.height]; })()`))
			if err != nil {
				t.Fatal(err)
			}
			if len(size) != 2 || size[0] < 100 || size[1] < 100 {
				t.Errorf("%s: chart is %v px, want a drawn chart", scheme, size)
			}
			stroke, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".radar-coverage")).stroke`))
			if err != nil {
				t.Fatal(err)
			}
			strokes = append(strokes, stroke)
		}
		if strokes[0] == strokes[1] {
			t.Errorf("coverage stroke is %s in light and dark; the dark palette does not apply", strokes[0])
		}
	})
	if err := chromedp.Do(ctx, browsertest.Scheme("light")); err != nil {
		t.Fatal(err)
	}
	t.Run("on call now from the browser", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/oncall/"), chromedp.WaitVisible(chromedp.CSS(".oncall-now"))); err != nil {
			t.Fatal(err)
		}
		asof, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".oncall-asof")))
		if err != nil {
			t.Fatal(err)
		}
		if asof != "(as of now)" {
			t.Errorf("views.js did not update on call now: %q", asof)
		}
	})
	script := browsertest.AxeScript(t)
	for _, scheme := range []string{"light", "dark"} {
		for _, page := range []string{"/", "/people/", charter, "/meetings/week/", "/changes/", "/review/", "/oncall/", "/reviews/", m.Reviews[0].URL} {
			t.Run("axe "+scheme+" "+page, func(t *testing.T) {
				if err := chromedp.Do(ctx, browsertest.Scheme(scheme), chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
					t.Fatal(err)
				}
				vs, err := browsertest.Axe(ctx, script)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					t.Errorf("%s: %s", page, v)
				}
			})
		}
	}
	if err := chromedp.Do(ctx, browsertest.Scheme("light")); err != nil {
		t.Fatal(err)
	}
}
