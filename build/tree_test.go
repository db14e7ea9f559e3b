package build

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const treeSite = `
-- content/_index.md --
---
title: Home
---
-- content/b.md --
---
title: Bravo
---
-- content/a.md --
---
title: Alpha
weight: 2
---
-- content/guides/_index.md --
---
title: Guides
weight: 1
---
-- content/guides/z.md --
# Zulu
-- content/guides/deep/x.md --
---
title: X-ray
---
-- content/guides/deep/y.md --
---
title: Yankee
---
-- content/other/o.md --
---
title: Oscar
---
`

func loadSite(t *testing.T, archive string) *Site {
	t.Helper()
	s, err := Load(context.Background(), Options{Source: writeSite(t, archive)})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

// navString draws a sidebar compactly: "Title" per item, "*" marks the
// current page, "[...]" an open folder's children.
func navString(items []NavItem) string {
	var parts []string
	for _, it := range items {
		s := it.Title
		if it.Current {
			s = "*" + s
		}
		if it.Open {
			s += "[" + navString(it.Children) + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestNavBreadcrumbsPrevNext(t *testing.T) {
	s := loadSite(t, treeSite)
	tests := []struct {
		name, url   string
		nav, crumbs string
		prev, next  string
	}{
		{"home", "/", "Guides Alpha Bravo Other", "", "", "Guides"},
		{"weighted section first", "/guides/", "*Guides[Deep Zulu] Alpha Bravo Other", "Home", "Home", "Deep"},
		{"generated folder page", "/guides/deep/", "Guides[*Deep[X-ray Yankee] Zulu] Alpha Bravo Other", "Home > Guides", "Guides", "X-ray"},
		{"deep page", "/guides/deep/y/", "Guides[Deep[X-ray *Yankee] Zulu] Alpha Bravo Other", "Home > Guides > Deep", "X-ray", "Zulu"},
		{"title from # heading", "/guides/z/", "Guides[Deep *Zulu] Alpha Bravo Other", "Home > Guides", "Yankee", "Alpha"},
		{"last page", "/other/o/", "Guides Alpha Bravo Other[*Oscar]", "Home > Other", "Other", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.PageByURL(tt.url)
			if p == nil {
				t.Fatalf("no page at %s", tt.url)
			}
			if got := navString(s.Nav(p)); got != tt.nav {
				t.Errorf("nav = %q, want %q", got, tt.nav)
			}
			var crumbs []string
			for _, c := range s.Breadcrumbs(p) {
				crumbs = append(crumbs, c.Title)
			}
			if got := strings.Join(crumbs, " > "); got != tt.crumbs {
				t.Errorf("breadcrumbs = %q, want %q", got, tt.crumbs)
			}
			title := func(p *Page) string {
				if p == nil {
					return ""
				}
				return p.Title
			}
			if title(p.Prev) != tt.prev || title(p.Next) != tt.next {
				t.Errorf("prev/next = %q/%q, want %q/%q", title(p.Prev), title(p.Next), tt.prev, tt.next)
			}
		})
	}
}

// TestNavDoesNotGrowWithSite pins the design rule: a page's sidebar holds
// its own path and the siblings along it, not the whole tree.
func TestNavDoesNotGrowWithSite(t *testing.T) {
	var b strings.Builder
	for i := range 20 {
		for j := range 20 {
			fmt.Fprintf(&b, "-- content/s%02d/p%02d.md --\n# Page %d %d\n", i, j, i, j)
		}
	}
	s := loadSite(t, b.String())
	var count func([]NavItem) int
	count = func(items []NavItem) int {
		n := len(items)
		for _, it := range items {
			n += count(it.Children)
		}
		return n
	}
	if got := count(s.Nav(s.PageByURL("/s05/p07/"))); got != 40 {
		t.Errorf("nav has %d items, want 40 (20 folders + 20 siblings) out of %d pages", got, len(s.Pages))
	}
}

func TestLinkResolution(t *testing.T) {
	site := `
-- content/_index.md --
# Home
-- content/docs/a.md --
---
title: A
aliases: [/old-a/]
---
## Part one
-- content/docs/b.md --
---
title: B
draft: true
---
-- content/docs/img.png --
PNG
-- static/logo.svg --
<svg/>
-- content/docs/_index.md --
# Docs
`
	s := loadSite(t, site)
	page := s.PageByURL("/docs/a/")
	tests := []struct {
		dest, want string
		ok         bool
	}{
		{"#part-one", "#part-one", true},
		{"a.md", "/docs/a/", true},
		{"./a.md#part-one", "/docs/a/#part-one", true},
		{"../_index.md", "/", true},
		{"../docs/", "/docs/", true},
		{"a", "/docs/a/", true},
		{"/docs/a/", "/docs/a/", true},
		{"/docs/a", "/docs/a/", true},
		{"/content/docs/a.md", "/docs/a/", true},
		{"/old-a/", "/docs/a/", true},
		{"img.png", "/docs/img.png", true},
		{"/logo.svg", "/logo.svg", true},
		{"/teams/", "/teams/", true},
		{"b.md", "", false},
		{"missing.md", "", false},
		{"../../outside.md", "", false},
		{"/nowhere/", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.dest, func(t *testing.T) {
			_, got, ok := s.resolve(page, tt.dest, map[string]bool{"docs/b.md": true})
			if got != tt.want || ok != tt.ok {
				t.Errorf("resolve(%q) = %q, %v; want %q, %v", tt.dest, got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("base path", func(t *testing.T) {
		s, err := Load(context.Background(), Options{Source: writeSite(t, site), BaseURL: "https://example.com/handbook/"})
		if err != nil {
			t.Fatal(err)
		}
		_, got, _ := s.resolve(s.PageByURL("/docs/a/"), "a.md#x", nil)
		if got != "/handbook/docs/a/#x" {
			t.Errorf("got %q, want /handbook/docs/a/#x", got)
		}
	})
}

// TestNavHTMLMatchesTemplate pins the shared sidebar markup to the theme's
// "navlist" template over Nav: for every page, with a base path and titles
// that need escaping, the prebuilt markup must be byte for byte what the
// template writes.
func TestNavHTMLMatchesTemplate(t *testing.T) {
	site := treeSite + `
-- content/other/q.md --
---
title: Quotes "q" & <tags> + 'x' é
---
-- content/Spaced Folder/ä page.md --
# Ümlaut & more
`
	site += strings.TrimPrefix(bigFolderSite(navFull+30), treeSite) // windows and "more" links
	for _, base := range []string{"", "https://example.com/hand book/"} {
		t.Run("base "+base, func(t *testing.T) {
			s, err := Load(context.Background(), Options{Source: writeSite(t, site), BaseURL: base})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			tmpl := s.theme.layouts["page.html"]
			for _, p := range append(slices.Clone(s.Pages), s.extra...) {
				var want strings.Builder
				if err := tmpl.ExecuteTemplate(&want, "navlist", s.Nav(p)); err != nil {
					t.Fatal(err)
				}
				if got := string(s.NavHTML(p)); got != want.String() {
					t.Errorf("%s: NavHTML =\n%s\nwant\n%s", p.URL, got, want.String())
				}
			}
		})
	}
}

// TestSectionIdentity pins issue #12's identity fixes: without a configured
// title the site takes the home page's; the header lists the sidebar's
// sections in its order; a section page's generated list is in sidebar
// order and left out when the text already links every child.
func TestSectionIdentity(t *testing.T) {
	s := loadSite(t, `
-- content/_index.md --
---
title: The Example handbook
---
-- content/zoo/_index.md --
---
title: Zoo
weight: 1
---
-- content/zoo/b.md --
---
title: Bee
weight: 1
---
-- content/zoo/a.md --
---
title: Ant
weight: 2
---
-- content/linked/_index.md --
---
title: Linked
weight: 2
---
See [one](one.md) and [two](two.md).
-- content/linked/one.md --
# One
-- content/linked/two.md --
# Two
`)
	if s.Title != "The Example handbook" {
		t.Errorf("site title %q, want the home page's", s.Title)
	}
	var header []string
	for _, it := range s.Indexes() {
		header = append(header, it.Title)
	}
	if got := strings.Join(header, ", "); got != "Zoo, Linked" {
		t.Errorf("header sections %q, want the sidebar's %q", got, "Zoo, Linked")
	}
	zoo, linked := s.PageByURL("/zoo/"), s.PageByURL("/linked/")
	if d := s.Data(zoo); d.List == nil || navTitles(d.List.Pages) != "Bee, Ant" {
		t.Errorf("/zoo/ list %v, want Bee, Ant (sidebar order)", d.List)
	}
	if d := s.Data(linked); d.List != nil {
		t.Errorf("/linked/ links every child, yet gets a list of %s", navTitles(d.List.Pages))
	}
}

func navTitles(ps []*Page) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Title)
	}
	return strings.Join(out, ", ")
}

// bigFolderSite is a folder of n pages and one sub-folder, for the
// sidebar's bound (issue #17).
func bigFolderSite(n int) string {
	var b strings.Builder
	b.WriteString(treeSite)
	for i := range n {
		fmt.Fprintf(&b, "-- content/big/p%04d.md --\n# Page %04d\n", i, i)
	}
	b.WriteString("-- content/big/sub/_index.md --\n# Page 0500 sub\n-- content/big/sub/s.md --\n# Sierra\n")
	return b.String()
}

func TestNavSpans(t *testing.T) {
	tests := []struct {
		n, focus int
		want     [][2]int
	}{
		{0, -1, [][2]int{{0, 0}}},
		{navFull, 7, [][2]int{{0, navFull}}},
		{1000, -1, [][2]int{{0, navHead + 2*navAround + 1}}},
		{1000, 0, [][2]int{{0, navAround + 1}}},
		{1000, navHead + navAround, [][2]int{{0, navHead + 2*navAround + 1}}},
		{1000, 500, [][2]int{{0, navHead}, {500 - navAround, 500 + navAround + 1}}},
		{1000, 999, [][2]int{{0, navHead}, {999 - navAround, 1000}}},
	}
	for _, tt := range tests {
		got := navSpans(tt.n, tt.focus)
		if !slices.Equal(got, tt.want) {
			t.Errorf("navSpans(%d, %d) = %v, want %v", tt.n, tt.focus, got, tt.want)
		}
		shown := 0
		for _, sp := range got {
			shown += sp[1] - sp[0]
		}
		if tt.n > navFull && shown > navHead+2*navAround+1 {
			t.Errorf("navSpans(%d, %d) shows %d entries", tt.n, tt.focus, shown)
		}
	}
}

// TestNavBoundedInLargeFolder pins issue #17: in a folder of 1,000 pages
// each page's sidebar has a bounded number of links, marks the page as
// current, and links the rest through "N more" to the folder's page, which
// lists every entry.
func TestNavBoundedInLargeFolder(t *testing.T) {
	s := loadSite(t, bigFolderSite(1000))
	// Top level (Guides, Alpha, Bravo, Big, Other) plus one windowed level
	// and its two "more" links, plus the open sub-folder's entry.
	const maxLinks = 5 + navHead + 2*navAround + 1 + 2 + 1
	big := s.PageByURL("/big/")
	checked := 0
	for _, p := range s.Pages {
		if !strings.HasPrefix(p.URL, "/big/") {
			continue
		}
		html := string(s.NavHTML(p))
		if n := strings.Count(html, "<a "); n > maxLinks {
			t.Errorf("%s: sidebar has %d links, want at most %d", p.URL, n, maxLinks)
		}
		if !strings.Contains(html, `href="`+p.URL+`"`+navCurrent) {
			t.Errorf("%s: sidebar does not mark the page as current:\n%s", p.URL, html)
		}
		if !strings.Contains(html, `<li class="nav-more"><a href="/big/">`) {
			t.Errorf("%s: sidebar has no \"more\" link to the folder:\n%s", p.URL, html)
		}
		checked++
	}
	if checked != 1002 {
		t.Fatalf("checked %d pages under /big/, want 1002", checked)
	}
	if got := s.Data(big).List; got == nil || len(got.Pages) != 1001 {
		t.Errorf("folder page lists %v, want all 1,001 entries", got)
	}
	// The sub-folder's page sits at "Page 0500 sub": its window in the big
	// folder is around it, with the first entries and both "more" links.
	got := navString(s.Nav(s.PageByURL("/big/sub/s/")))
	want := "Guides Alpha Big[Page 0000 Page 0001 Page 0002 Page 0003 Page 0004 486 more Page 0491"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "Page 0500 sub[*Sierra] Page 0501") || !strings.HasSuffix(got, "Page 0510 489 more] Bravo Other") {
		t.Errorf("nav = %q", got)
	}
}
