package compass

import (
	"regexp"
	"testing"

	"github.com/compasshq/compass/build/contrast"
)

var themeVar = regexp.MustCompile(`(--[a-z-]+):\s*light-dark\(\s*(#[0-9a-fA-F]{3,6})\s*,\s*(#[0-9a-fA-F]{3,6})\s*\)`)

// TestThemeContrast reads the colour pairs of style.css and checks every
// text colour the theme puts on a background, in both schemes: WCAG AA
// (4.5:1) for text, 3:1 for the focus ring and borders of controls.
// Issue #12: search highlights were at 2.9:1 in dark mode.
func TestThemeContrast(t *testing.T) {
	css, err := FS.ReadFile("assets/style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string][2]contrast.RGB{}
	for _, m := range themeVar.FindAllStringSubmatch(string(css), -1) {
		var pair [2]contrast.RGB
		for i := range 2 {
			if pair[i], err = contrast.Parse(m[2+i]); err != nil {
				t.Fatal(err)
			}
		}
		vars[m[1]] = pair
	}
	text := map[string][]string{ // foreground → backgrounds it is drawn on
		"--fg":           {"--bg", "--bg-soft", "--note-bg", "--mark-bg", "--hover"},
		"--muted":        {"--bg", "--bg-soft", "--hover"},
		"--link":         {"--bg", "--bg-soft", "--note-bg", "--hover"},
		"--link-visited": {"--bg", "--bg-soft"},
		"--accent":       {"--bg", "--hover"},
		"--warn-fg":      {"--warn-bg"},
		"--crit-fg":      {"--crit-bg", "--bg"},
		"--ok-fg":        {"--ok-bg"},
	}
	ui := map[string][]string{"--focus": {"--bg", "--bg-soft"}}
	check := func(pairs map[string][]string, min float64) {
		for fg, bgs := range pairs {
			for _, bg := range bgs {
				f, okf := vars[fg]
				b, okb := vars[bg]
				if !okf || !okb {
					t.Errorf("style.css has no light-dark() value for %s or %s", fg, bg)
					continue
				}
				for i, scheme := range []string{"light", "dark"} {
					if r := contrast.Ratio(f[i], b[i]); r < min {
						t.Errorf("%s scheme: %s %s on %s %s has contrast %.2f, want ≥ %.1f", scheme, fg, f[i], bg, b[i], r, min)
					}
				}
			}
		}
	}
	check(text, contrast.AA)
	check(ui, 3)
}
