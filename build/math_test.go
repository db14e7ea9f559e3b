package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	themefs "github.com/compasshq/compass/themes/compass"
)

const mathSite = `
-- content/index.md --
# Home

Prices stay text: $5 and $10. See {eq}´energy´ on [the physics page](physics.md).
-- content/physics.md --
# Physics

Inline $a^2 + b^2 = c^2$ and {math}´\sqrt{2}´; LaTeX's $t = 5\mbox{ ms}$.

$$
\int_0^1 x\,dx = \frac{1}{2}
$$

´´´{math}
:label: energy
E = mc^2
´´´

By {eq}´energy´, and [](#energy) again.
`

// TestMathAndEquationRefs checks that labelled equations are numbered
// and that {eq} and links to their labels resolve from any page, showing
// the number; and that KaTeX is written and loaded only with math.
func TestMathAndEquationRefs(t *testing.T) {
	src := writeSite(t, strings.ReplaceAll(mathSite, "´", "`"))
	out := t.TempDir()
	if _, err := Build(t.Context(), Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	home, physics := read("index.html"), read("physics/index.html")
	for _, want := range []string{`<a href="/physics/#energy">(1)</a>`, "$5 and $10"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %s", want)
		}
	}
	for _, want := range []string{
		`<div class="math display" data-number="(1)">E = mc^2</div>`,
		`<span class="math">a^2 + b^2 = c^2</span>`,
		`By <a href="#energy">(1)</a>, and <a href="#energy">(1)</a> again.`,
		themefs.KaTeX.File,
	} {
		if !strings.Contains(physics, want) {
			t.Errorf("physics page lacks %s", want)
		}
	}
	if strings.Contains(home, "katex") {
		t.Errorf("a page without math loads KaTeX")
	}
	if _, err := os.Stat(filepath.Join(out, "assets", themefs.KaTeX.File)); err != nil {
		t.Errorf("KaTeX not written: %v", err)
	}
}

// TestMathInBrowser opens the math page in headless Chromium under the
// site's Content-Security-Policy: every .math element becomes MathML and
// no violation is reported.
func TestMathInBrowser(t *testing.T) {
	ctx, violations := openWithCSP(t, strings.ReplaceAll(mathSite, "´", "`"), "/physics/", `document.documentElement.getAttribute("data-math") === "typeset"`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		String(document.querySelectorAll(".math").length),
		String(document.querySelectorAll(".math math").length),
		String(document.querySelectorAll(".math.display math[display=block]").length),
		String(document.querySelectorAll(".math-error").length),
		String(Math.round(document.querySelector(".math math").getBoundingClientRect().width)),
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "5" || got[1] != "5" || got[2] != "2" || got[3] != "0" {
		t.Errorf("math elements %s, typeset %s, display %s, errors %s; want 5, 5, 2, 0", got[0], got[1], got[2], got[3])
	}
	if got[4] == "0" {
		t.Errorf("the MathML takes no room: the browser does not draw it")
	}
	for _, v := range violations() {
		t.Errorf("CSP violation or exception: %s", v)
	}
}
