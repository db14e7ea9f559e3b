package markdown

import (
	"fmt"
	"testing"
)

// TestDemo: problems inside a {myst} demo are reported where they are
// written, and labels a demo defines are not targets, neither in Scan
// (site-wide labels) nor in the rendered page.
func TestDemo(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantDiags  []Diagnostic
		wantLabels string // names Scan and Render both find
	}{
		{
			name:      "unknown directive inside a demo",
			body:      "intro\n\n````{myst}\ntext\n\n  :::{plugin} x\n  body\n  :::\n````\n",
			wantDiags: []Diagnostic{{Line: 6, Col: 3, Message: `unknown MyST directive "plugin"; rendered as text`}},
		},
		{
			name:      "unsupported option on the demo",
			body:      ":::{myst}\n:width: 3\ntext\n:::\n",
			wantDiags: []Diagnostic{{Line: 2, Col: 1, Message: `unsupported directive option "width" ignored`}},
		},
		{
			name:       "labels in a backtick demo are examples",
			body:       "(outer)=\n# Page\n\n````{myst}\n:name: the-demo\n(inner)=\n## Inner\n\n```{note}\n:name: inner-note\nx\n```\n````\n",
			wantLabels: "[outer the-demo]",
		},
		{
			name:       "labels in a colon demo are examples, and labels after it count",
			body:       "::::{myst}\n(inner)=\n:::{figure} a.png\n:name: inner-fig\n:::\n::::\n\n(after)=\n## After\n",
			wantLabels: "[after]",
		},
	}
	r := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Render([]byte(tt.body), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res.Diagnostics) != fmt.Sprint(tt.wantDiags) {
				t.Errorf("diagnostics\n got %v\nwant %v", res.Diagnostics, tt.wantDiags)
			}
			var scanned, rendered []string
			for _, l := range Scan([]byte(tt.body), 1).Labels {
				scanned = append(scanned, l.Name)
			}
			for _, l := range res.Labels {
				rendered = append(rendered, l.Name)
			}
			want := tt.wantLabels
			if want == "" {
				want = "[]"
			}
			if fmt.Sprint(scanned) != want || fmt.Sprint(rendered) != want {
				t.Errorf("labels: Scan %v, Render %v, want %s", scanned, rendered, want)
			}
		})
	}
}
