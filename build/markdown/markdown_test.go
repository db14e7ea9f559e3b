package markdown

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/compasshq/compass/internal/testutil"
)

// testFirstLine pretends every body follows a two-line front matter block,
// so the goldens prove that positions are file lines, not body lines.
const testFirstLine = 3

// fakeResolve stands in for the build's link resolver: ".md" paths become
// page URLs, anything mentioning "missing" matches nothing.
// Labels starting "lbl-" are titled "Title of <label>".
func fakeResolve(dest string) Target {
	if strings.Contains(dest, "missing") {
		return Target{}
	}
	path, frag, _ := strings.Cut(dest, "#")
	title := ""
	if strings.HasPrefix(frag, "lbl-") {
		title = "Title of " + frag
	}
	if strings.HasSuffix(path, ".md") {
		path = "/" + strings.TrimPrefix(strings.TrimSuffix(path, ".md"), "../") + "/"
	}
	if frag != "" {
		return Target{Href: path + "#" + frag, Title: title, OK: true}
	}
	return Target{Href: path, OK: true}
}

// summary renders everything in a Result except the HTML as stable text.
func summary(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "title: %q\nintro: %q\n", res.Title, res.Intro)
	if res.Diagrams {
		b.WriteString("diagrams: true\n")
	}
	if res.Math {
		b.WriteString("math: true\n")
	}
	for _, h := range res.Headings {
		fmt.Fprintf(&b, "heading: h%d line %d id=%q text=%q\n  body: %q\n", h.Level, h.Line, h.ID, h.Text, h.Body)
	}
	for _, l := range res.Labels {
		fmt.Fprintf(&b, "label: line %d %q id=%q title=%q\n", l.Line, l.Name, l.ID, l.Title)
	}
	for _, l := range res.Links {
		fmt.Fprintf(&b, "link: %d:%d %q -> %q ok=%v image=%v\n", l.Line, l.Col, l.Dest, l.Resolved, l.OK, l.Image)
	}
	for _, d := range res.Diagnostics {
		fmt.Fprintf(&b, "warning: %d:%d: %s\n", d.Line, d.Col, d.Message)
	}
	return b.String()
}

// TestGolden renders testdata/*.md and compares the HTML with *.html and
// the rest of the Result with *.txt. Files named *unsafe*.md render with
// UnsafeHTML. Run `go test ./build/markdown -update` to rewrite.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.md files")
	}
	safe, unsafe := New(Options{}), New(Options{UnsafeHTML: true})
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".md")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := safe
			if strings.Contains(name, "unsafe") {
				r = unsafe
			}
			res, err := r.Render(src, testFirstLine, fakeResolve)
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, strings.TrimSuffix(file, ".md")+".html", res.HTML)
			testutil.Golden(t, strings.TrimSuffix(file, ".md")+".txt", []byte(summary(res)))
		})
	}
}

func TestDiagnosticPositions(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		firstLine int
		want      []Diagnostic
	}{
		{
			name:      "unknown colon directive",
			body:      "text\n\n:::{foo} arg\nbody\n:::\n",
			firstLine: 10,
			want:      []Diagnostic{{Line: 12, Col: 1, Message: `unknown MyST directive "foo"; rendered as text`}},
		},
		{
			name:      "unknown backtick directive inside list",
			body:      "- item\n\n  ```{plantuml}\n  graph\n  ```\n",
			firstLine: 1,
			want:      []Diagnostic{{Line: 3, Col: 3, Message: `unknown MyST directive "plantuml"; rendered as text`}},
		},
		{
			name:      "role column counts characters not bytes",
			body:      "Grüße {foo}`x`\n",
			firstLine: 1,
			want:      []Diagnostic{{Line: 1, Col: 7, Message: `unknown MyST role "foo"; rendered as text`}},
		},
		{
			name:      "shortcodes and liquid on one line",
			body:      "a {{< x >}} b {% include y %} c {{< /x >}}\n",
			firstLine: 4,
			want: []Diagnostic{
				{Line: 4, Col: 3, Message: `Hugo shortcode "x" is not supported; rendered as text`},
				{Line: 4, Col: 15, Message: `Jinja/Liquid tag "include" is not supported; rendered as text`},
			},
		},
		{
			name:      "unknown mkdocs admonition in blockquote",
			body:      "> !!! weird \"T\"\n>     body\n",
			firstLine: 2,
			want:      []Diagnostic{{Line: 2, Col: 3, Message: `unknown admonition "weird"; rendered as text`}},
		},
		{
			name:      "unknown github alert",
			body:      "> [!FOO]\n> text\n",
			firstLine: 1,
			want:      []Diagnostic{{Line: 1, Col: 3, Message: `unknown callout type "foo"; rendered as a blockquote`}},
		},
		{
			name:      "duplicate explicit ids",
			body:      "## A {#x}\n\n## B {#x}\n",
			firstLine: 1,
			want:      []Diagnostic{{Line: 3, Col: 1, Message: `duplicate heading id "x"; using "x-1"`}},
		},
		{
			name:      "unsupported option",
			body:      ":::{note}\n:class: dropdown\n:width: 3\ntext\n:::\n",
			firstLine: 1,
			want:      []Diagnostic{{Line: 3, Col: 1, Message: `unsupported directive option "width" ignored`}},
		},
		{
			name:      "diagnostics sorted by position",
			body:      "{foo}`a`\n\n:::{bar}\nx\n:::\n",
			firstLine: 1,
			want: []Diagnostic{
				{Line: 1, Col: 1, Message: `unknown MyST role "foo"; rendered as text`},
				{Line: 3, Col: 1, Message: `unknown MyST directive "bar"; rendered as text`},
			},
		},
	}
	r := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Render([]byte(tt.body), tt.firstLine, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res.Diagnostics) != fmt.Sprint(tt.want) {
				t.Errorf("diagnostics\n got %v\nwant %v", res.Diagnostics, tt.want)
			}
		})
	}
}

func TestLinkPositions(t *testing.T) {
	body := "# T\n\nSee [the policy](../policies/oncall.md#escalation), ![chart](img/missing.png)\nand [ext](https://example.com), [top](#t), <https://x.y>, {doc}`guide`.\n\n[ref]: ../missing.md\n\nA [ref] link.\n"
	res, err := New(Options{}).Render([]byte(body), 5, fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{
		{Dest: "../policies/oncall.md#escalation", Resolved: "/policies/oncall/#escalation", OK: true, Line: 7, Col: 5},
		{Dest: "img/missing.png", Resolved: "img/missing.png", OK: false, Image: true, Line: 7, Col: 53},
		{Dest: "#t", Resolved: "#t", OK: true, Line: 8, Col: 33},
		{Dest: "guide.md", Resolved: "/guide/", OK: true, Line: 8, Col: 59},
		{Dest: "../missing.md", Resolved: "../missing.md", OK: false, Line: 12, Col: 3},
	}
	if fmt.Sprint(res.Links) != fmt.Sprint(want) {
		t.Errorf("links\n got %+v\nwant %+v", res.Links, want)
	}
	html := string(res.HTML)
	for _, s := range []string{`href="/policies/oncall/#escalation"`, `src="img/missing.png"`, `href="https://example.com"`, `href="/guide/"`, `href="../missing.md"`} {
		if !strings.Contains(html, s) {
			t.Errorf("HTML lacks %s:\n%s", s, html)
		}
	}
}

func TestNilResolveKeepsDestinations(t *testing.T) {
	res, err := New(Options{}).Render([]byte("[a](x.md) [b](#c)\n"), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.HTML), `href="x.md"`) || len(res.Links) != 2 || !res.Links[0].OK {
		t.Errorf("got %s %+v", res.HTML, res.Links)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ascii", "Escalation Policy", "escalation-policy"},
		{"punctuation collapses", "What's new?  (2024) -- notes", "what-s-new-2024-notes"},
		{"unicode letters kept", "Übersicht & Größe", "übersicht-größe"},
		{"cjk", "日本語 ガイド", "日本語-ガイド"},
		{"only symbols", "!!!", "section"},
		{"underscores and dashes", "snake_case-name", "snake-case-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slug(tt.in); got != tt.want {
				t.Errorf("slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHeadingIDs(t *testing.T) {
	body := "# Intro\n\n## Setup\n\n## Setup\n\n## Setup-1\n\n## Other {#setup}\n\n### `code` and *em*\n"
	res, err := New(Options{}).Render([]byte(body), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res.Headings {
		got = append(got, h.ID)
	}
	// The explicit {#setup} wins even though it comes last.
	want := []string{"intro", "setup-1", "setup-2", "setup-1-1", "setup", "code-and-em"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ids = %v, want %v", got, want)
	}
}

func TestHighlightCSS(t *testing.T) {
	css := string(HighlightCSS())
	for _, s := range []string{".chroma{", "--code-bg:light-dark(", ".chroma .k,"} {
		if !strings.Contains(css, s) {
			t.Errorf("CSS lacks %q", s)
		}
	}
	// Callers may modify what they get without affecting the next caller.
	b := HighlightCSS()
	b[0] = 'X'
	if HighlightCSS()[0] == 'X' {
		t.Error("HighlightCSS returns shared memory")
	}
}

// styleAttr finds a style attribute inside a tag (escaped text does not match).
var styleAttr = regexp.MustCompile(`<[a-zA-Z][^<>]*\sstyle=`)

// TestNoInlineStyles pins the Content-Security-Policy requirement: nothing we
// render (highlighted code, tables, callouts) carries a style attribute.
func TestNoInlineStyles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.md")
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{})
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Render(src, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m := styleAttr.Find(res.HTML); m != nil {
				t.Errorf("style attribute in output: %s", m)
			}
		})
	}
}

func TestConcurrentRender(t *testing.T) {
	r := New(Options{})
	src, err := os.ReadFile("testdata/page.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.Render(src, 1, fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 10 {
				got, err := r.Render(src, 1, fakeResolve)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got.HTML, want.HTML) || summary(got) != summary(want) {
					errs <- fmt.Errorf("concurrent render differs")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

var scriptTag = regexp.MustCompile(`(?i)<script`)

func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.md")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<script>alert(1)</script>\n\n<SCRIPT src=x>"))
	f.Add([]byte("> [!NOTE]\n> ::: {note}\n> !!! tip\n>     ```{foo}\n"))
	r := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := r.Render(body, 1, fakeResolve)
		if err != nil {
			t.Fatal(err)
		}
		if scriptTag.Match(res.HTML) {
			t.Fatalf("raw <script in output:\n%s", res.HTML)
		}
		seen := map[string]bool{}
		for _, h := range res.Headings {
			if h.ID == "" || seen[h.ID] {
				t.Fatalf("heading id %q empty or repeated in %+v", h.ID, res.Headings)
			}
			seen[h.ID] = true
		}
		lines := bytes.Count(body, []byte("\n")) + 1
		for _, d := range res.Diagnostics {
			if d.Line < 1 || d.Line > lines || d.Col < 1 {
				t.Fatalf("diagnostic outside the body: %+v", d)
			}
		}
	})
}

// TestHighlightCache checks that a remembered block renders exactly as a
// freshly highlighted one, and that the cache stays within its bound.
func TestHighlightCache(t *testing.T) {
	src, err := os.ReadFile("testdata/page.md")
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(Options{})
	fresh.code.cache.off = true
	want, err := fresh.Render(src, 8, fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	cached := New(Options{})
	for i := range 3 {
		got, err := cached.Render(src, 8, fakeResolve)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.HTML) != string(want.HTML) {
			t.Fatalf("render %d with the cache differs from a fresh render:\n%s\nwant\n%s", i, got.HTML, want.HTML)
		}
	}
	if len(cached.code.cache.m) == 0 {
		t.Error("nothing was cached")
	}

	var c highlightCache
	block := strings.Repeat("x", highlightCacheMaxBlock/2)
	for i := range 4 * highlightCacheMaxBytes / highlightCacheMaxBlock {
		c.put(fmt.Sprint(i), block)
		if c.bytes > highlightCacheMaxBytes {
			t.Fatalf("cache holds %d bytes, bound is %d", c.bytes, highlightCacheMaxBytes)
		}
	}
	c.put("huge", strings.Repeat("x", highlightCacheMaxBlock+1))
	if _, ok := c.get("huge"); ok {
		t.Error("a block over the size limit was kept")
	}
}

// FuzzCollapse pins collapse to its definition: the words of s (as
// strings.Fields splits them) joined by single spaces.
func FuzzCollapse(f *testing.F) {
	for _, s := range []string{"", "  a  b ", "a\u00a0b\u2003c", "\t\nx\r\v\fy\u0085", "\xff \xfe", "ü ß  漢字"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapse(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestScanAgreesWithRender checks that the cheap pre-render Scan finds the
// same title and labels as a full render of every golden page, so links
// resolved before rendering match what the pages render.
func TestScanAgreesWithRender(t *testing.T) {
	files, err := filepath.Glob("testdata/*.md")
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{})
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Render(src, testFirstLine, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := Scan(src, testFirstLine)
		want := append([]Label(nil), res.Labels...)
		// Scan does not apply the typographer's quotes.
		if got.Title != strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`).Replace(res.Title) {
			t.Errorf("%s: Scan title %q, Render title %q", file, got.Title, res.Title)
		}
		if fmt.Sprint(got.Labels) != fmt.Sprint(want) {
			t.Errorf("%s: Scan labels\n%v\nRender labels\n%v", file, got.Labels, want)
		}
	}
}

// TestHeadingIDRules pins the id rules of the tools handbooks come from:
// github-slugger (GitHub, Docusaurus) and Python-Markdown (MkDocs), so
// existing #anchors keep working.
func TestHeadingIDRules(t *testing.T) {
	tests := []struct {
		rule, text, want string
	}{
		{IDsCompass, "Step 1: Page the on-call!", "step-1-page-the-on-call"},
		{IDsGitHub, "Step 1: Page the on-call!", "step-1-page-the-on-call"},
		{IDsGitHub, "A - B", "a---b"},
		{IDsGitHub, "What's `new`?", "whats-new"},
		{IDsGitHub, "snake_case & C++", "snake_case--c"},
		{IDsGitHub, "Übersicht", "übersicht"},
		{IDsMkDocs, "A - B", "a-b"},
		{IDsMkDocs, "snake_case & C++", "snake_case-c"},
		{IDsMkDocs, "Übersicht", "ubersicht"},
	}
	for _, tt := range tests {
		t.Run(tt.rule+" "+tt.text, func(t *testing.T) {
			r := New(Options{HeadingIDs: tt.rule})
			res, err := r.Render([]byte("## "+tt.text+"\n\n## "+tt.text+"\n"), 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			sep := "-"
			if tt.rule == IDsMkDocs {
				sep = "_"
			}
			if got := []string{res.Headings[0].ID, res.Headings[1].ID}; got[0] != tt.want || got[1] != tt.want+sep+"1" {
				t.Errorf("ids %q, want %q and %q", got, tt.want, tt.want+sep+"1")
			}
		})
	}
	if err := CheckHeadingIDs("gitlab"); err == nil {
		t.Error("an unknown rule must be an error")
	}
}

// FuzzScan checks Scan's invariants on any body: it does not panic, every
// label is on a line of the body, and every id is what LabelID makes of
// the name, an id fit for a URL fragment.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"(a)=\n# A\n", "```{glossary}\nT\n: d\n```\n", ":::{figure} x.png\n:name: f\n:::\n",
		"````\n(x)=\n````\n(y)=\n## Y {#z}\n", "(a b)=\n", "```{note}\n(n)=\n```\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		const first = 7
		o := Scan([]byte(body), first)
		lines := strings.Count(body, "\n") + 1
		for _, l := range o.Labels {
			if l.Line < first || l.Line >= first+lines {
				t.Errorf("label %q on line %d, outside the body's lines %d..%d", l.Name, l.Line, first, first+lines-1)
			}
			if l.ID != LabelID(l.Name) || l.ID == "" || strings.ContainsAny(l.ID, " \t\n\"'<>#&") {
				t.Errorf("label %q has id %q", l.Name, l.ID)
			}
		}
	})
}
