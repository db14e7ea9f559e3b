package markdown

import (
	"strings"
	"testing"
)

// TestDollarMath checks which dollar signs start math, with GitHub's rule
// (the default) and with MyST's, which allows spaces inside the dollars.
func TestDollarMath(t *testing.T) {
	tests := []struct {
		name, in     string
		github, myst string // the paragraph's HTML under each rule
	}{
		{"math", "$x^2$", `<span class="math">x^2</span>`, `<span class="math">x^2</span>`},
		{"spaced", "$ a = b $", "$ a = b $", `<span class="math">a = b</span>`},
		{"prices", "$5 and $10", "$5 and $10", "$5 and $10"},
		{"escaped", `\$x$`, "$x$", "$x$"},
		{"code span", "`$x$`", "<code>$x$</code>", "<code>$x$</code>"},
		{"display in a line", "see $$x$$ here", `see <span class="math display">x</span> here`, `see <span class="math display">x</span> here`},
		{"display block", "$$ x $$", `<div class="math display">x</div>` + "\n", `<div class="math display">x</div>` + "\n"},
	}
	github, myst := New(Options{}), New(Options{MathSpaces: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				r    *Renderer
				want string
			}{{github, tt.github}, {myst, tt.myst}} {
				res, err := c.r.Render([]byte(tt.in), 1, nil)
				if err != nil {
					t.Fatal(err)
				}
				got := strings.TrimSuffix(strings.TrimPrefix(string(res.HTML), "<p>"), "</p>\n")
				if got != c.want {
					t.Errorf("MathSpaces=%v: %q renders %q, want %q", c.r.opts.MathSpaces, tt.in, got, c.want)
				}
			}
		})
	}
}
