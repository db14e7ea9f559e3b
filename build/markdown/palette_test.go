package markdown

import (
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"

	"github.com/compasshq/compass/build/contrast"
)

var (
	cssComment  = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssRule     = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	lightDark   = regexp.MustCompile(`^light-dark\(\s*(#[0-9a-fA-F]{3,6}|transparent)\s*,\s*(#[0-9a-fA-F]{3,6}|transparent)\s*\)$`)
	tokenSelect = regexp.MustCompile(`^\.chroma \.([a-z0-9]+)$`)
)

// cssPair reads a light-dark(light, dark) value; "transparent" reads as "".
func cssPair(t *testing.T, v string) [2]string {
	t.Helper()
	m := lightDark.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		t.Fatalf("value %q is not light-dark(#colour, #colour)", v)
	}
	out := [2]string{m[1], m[2]}
	for i := range out {
		if out[i] == "transparent" {
			out[i] = ""
		}
	}
	return out
}

func decls(body string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(body, ";") {
		if k, v, ok := strings.Cut(d, ":"); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

func colour(t *testing.T, s string) contrast.RGB {
	t.Helper()
	c, err := contrast.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCodeContrast reads the generated highlight CSS the way a browser
// would and checks every chroma token class, in both schemes, against the
// code background and the highlighted-line background: WCAG AA, 4.5:1.
// Issue #12: dark-mode punctuation was at 1.2:1, shell builtins at 2.6:1.
func TestCodeContrast(t *testing.T) {
	css := cssComment.ReplaceAllString(string(HighlightCSS()), "")
	vars := map[string][2]string{}
	tokens := map[string]map[string]string{} // class → declarations
	for _, m := range cssRule.FindAllStringSubmatch(css, -1) {
		d := decls(m[2])
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.TrimSpace(sel)
			if sel == ":root" {
				for k, v := range d {
					vars[k] = cssPair(t, v)
				}
			}
			if tm := tokenSelect.FindStringSubmatch(sel); tm != nil {
				tokens[tm[1]] = d
			}
		}
	}
	for _, v := range []string{"--code-bg", "--code-fg", "--code-hl-bg"} {
		if _, ok := vars[v]; !ok {
			t.Fatalf("highlight CSS defines no %s", v)
		}
	}
	scheme := []string{"light", "dark"}
	checked := 0
	for tt, cls := range chroma.StandardTypes {
		if cls == "" || structuralTypes[tt] {
			continue
		}
		d := tokens[cls]
		fg := vars["--code-fg"]
		if c, ok := d["color"]; ok {
			fg = cssPair(t, c)
		}
		for i := range 2 {
			backs := []string{vars["--code-bg"][i], vars["--code-hl-bg"][i]}
			if bg, ok := d["background-color"]; ok && cssPair(t, bg)[i] != "" {
				backs = []string{cssPair(t, bg)[i]}
			}
			for _, bg := range backs {
				checked++
				if r := contrast.Ratio(colour(t, fg[i]), colour(t, bg)); r < contrast.AA {
					t.Errorf("%s scheme: .%s (%s) %s on %s has contrast %.2f, want ≥ %.1f", scheme[i], cls, tt, fg[i], bg, r, contrast.AA)
				}
			}
		}
	}
	if checked < 200 {
		t.Errorf("checked only %d token/background pairs; the CSS was not read", checked)
	}
}
