package markdown

import (
	"fmt"
	"strings"
	"testing"
)

// TestIframeErrors: an {iframe} embeds only http(s) pages; anything else is
// an error at the directive, and the page shows the argument as text.
func TestIframeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Diagnostic
	}{
		{
			name: "javascript URL",
			body: "intro\n\n:::{iframe} javascript:alert(1)\n:::\n",
			want: []Diagnostic{{Line: 3, Col: 1, Message: `iframe: "javascript:alert(1)" is not an http(s) URL; only web pages can be embedded`, Error: true}},
		},
		{
			name: "relative path",
			body: "- item\n\n  ```{iframe} ../other/page.html\n  ```\n",
			want: []Diagnostic{{Line: 3, Col: 3, Message: `iframe: "../other/page.html" is not an http(s) URL; only web pages can be embedded`, Error: true}},
		},
		{
			name: "no host",
			body: ":::{iframe} https:///path\n:::\n",
			want: []Diagnostic{{Line: 1, Col: 1, Message: `iframe: "https:///path" is not an http(s) URL; only web pages can be embedded`, Error: true}},
		},
		{
			name: "no URL",
			body: ":::{iframe}\ncaption\n:::\n",
			want: []Diagnostic{{Line: 1, Col: 1, Message: `iframe: no URL after {iframe}`, Error: true}},
		},
		{
			name: "every bad frame in one run, and a bad width",
			body: ":::{iframe} ftp://x.org/f\n:::\n\n:::{iframe} https://ok.example/\n:width: 50%\n:::\n\n:::{iframe} data:text/html,hi\n:::\n",
			want: []Diagnostic{
				{Line: 1, Col: 1, Message: `iframe: "ftp://x.org/f" is not an http(s) URL; only web pages can be embedded`, Error: true},
				{Line: 4, Col: 1, Message: `iframe: :width: "50%" is not a number of pixels (or 100%); ignored`},
				{Line: 4, Col: 1, Message: `iframe: the site's Content-Security-Policy allows frames only from the site itself; add "frame-src https://ok.example" to it (netlify.toml) to show this frame; readers see a link to it meanwhile`},
				{Line: 8, Col: 1, Message: `iframe: "data:text/html,hi" is not an http(s) URL; only web pages can be embedded`, Error: true},
			},
		},
	}
	r := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Render([]byte(tt.body), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res.Diagnostics) != fmt.Sprint(tt.want) {
				t.Errorf("diagnostics\n got %v\nwant %v", res.Diagnostics, tt.want)
			}
			// Only the accepted frames (each warned about the CSP) are framed and linked.
			ok := 0
			for _, d := range tt.want {
				if strings.Contains(d.Message, "frame-src") {
					ok++
				}
			}
			html := string(res.HTML)
			if strings.Count(html, "<iframe") != ok || strings.Count(html, "<a href") != ok {
				t.Errorf("want %d frames and links:\n%s", ok, html)
			}
		})
	}
}
