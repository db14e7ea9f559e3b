package build

import (
	"fmt"
	"strings"
	"testing"
)

// TestMySTTOC checks that myst.yml (extending toc.yml) drives the tree:
// titled groups, nested children, hidden entries (in the tree, not the
// sidebar), pages outside the toc built with a warning, excluded files not
// built, and the project title.
func TestMySTTOC(t *testing.T) {
	s, err := Load(t.Context(), Options{Source: writeSite(t, `
-- content/myst.yml --
version: 1
extends:
  - ./toc.yml
project:
  title: Team Compass
  exclude:
    - README.md
-- content/toc.yml --
version: 1
project:
  toc:
  - file: index.md
  - title: Organization wide
    children:
    - file: people/index.md
      children:
      - file: people/zeta.md
      - file: people/alpha.md
        hidden: true
    - file: finance
  - file: about.md
  - file: gone.md
  - url: https://example.com/
    title: Elsewhere
  - title: Runbooks
    children:
    - file: runbooks/disk.md
    - pattern: runbooks/**/*.md
    - pattern: nothing/*.md
-- content/runbooks/disk.md --
# Disk first, listed by name
-- content/runbooks/cpu.md --
# CPU
-- content/runbooks/net/dns.md --
# DNS
-- content/runbooks/net/index.md --
# Network
-- content/README.md --
# Not built
-- content/index.md --
# Home
-- content/about.md --
# About
-- content/finance.md --
# Finance
-- content/people/index.md --
# People
-- content/people/zeta.md --
# Zeta
-- content/people/alpha.md --
# Alpha
-- content/stray.md --
# Stray
`)})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if s.Title != "Team Compass" {
		t.Errorf("site title %q, want the project title", s.Title)
	}
	if s.PageByURL("/readme/") != nil {
		t.Error("README.md is excluded but was built")
	}
	zeta := s.PageByURL("/people/zeta/")
	if got, want := navString(s.Nav(zeta)), "Organization wide[People[*Zeta] Finance] About Elsewhere Runbooks"; got != want {
		t.Errorf("sidebar %q, want %q", got, want)
	}
	// A pattern lists the pages it matches in path order, leaving out
	// those the toc names elsewhere; a url entry is a link in the sidebar.
	cpu := s.PageByURL("/runbooks/cpu/")
	if got, want := navString(s.Nav(cpu)), "Organization wide About Elsewhere Runbooks[Disk first, listed by name *CPU DNS Network]"; got != want {
		t.Errorf("sidebar %q, want %q", got, want)
	}
	if nav := string(s.NavHTML(zeta)); !strings.Contains(nav, `<a href="https://example.com/">Elsewhere</a>`) {
		t.Errorf("the url entry is not an external link in the sidebar:\n%s", nav)
	}
	if about := s.PageByURL("/about/"); about.Next != s.PageByURL("/runbooks/disk/").Section.Page {
		t.Errorf("reading order must skip the url entry: about.Next = %s", about.Next.URL)
	}
	alpha := s.PageByURL("/people/alpha/")
	if zeta.Next != alpha || alpha.Next != s.PageByURL("/finance/") {
		t.Errorf("reading order should follow the toc, hidden pages included: zeta.Next=%v", zeta.Next.URL)
	}
	var crumbs []string
	for _, p := range s.Breadcrumbs(alpha) {
		crumbs = append(crumbs, p.Title)
	}
	if got := strings.Join(crumbs, " > "); got != "Home > Organization wide > People" {
		t.Errorf("breadcrumbs %q", got)
	}
	var warns []string
	for _, w := range s.Warnings {
		warns = append(warns, w.String())
	}
	want := `content/stray.md:1:1: warning: page is not in the table of contents in content/myst.yml; built, but not in the sidebar
content/toc.yml:14:5: warning: toc: gone.md matches no page; entry skipped
content/toc.yml:21:7: warning: toc: pattern "nothing/*.md" matches no page`
	if got := strings.Join(warns, "\n"); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if s.PageByURL("/stray/") == nil {
		t.Error("a page outside the toc must still be built")
	}
}

// TestMkDocsNav checks that mkdocs.yml's nav orders the sidebar.
func TestMkDocsNav(t *testing.T) {
	s := loadSite(t, `
-- mkdocs.yml --
site_name: Ops handbook
nav:
  - Home: index.md
  - Runbooks:
    - runbooks/zz.md
    - Disk full: runbooks/disk.md
  - about.md
  - Guides: guides/
  - Status page: https://status.example.com/
-- content/guides/b.md --
# Beta guide
-- content/guides/a.md --
# Alpha guide
-- content/index.md --
# Home
-- content/about.md --
# About
-- content/runbooks/zz.md --
# ZZ first
-- content/runbooks/disk.md --
# Disk
`)
	if got, want := navString(s.Nav(s.PageByURL("/runbooks/disk/"))), "Runbooks[ZZ first *Disk] About Guides Status page"; got != want {
		t.Errorf("sidebar %q, want %q", got, want)
	}
	if got, want := navString(s.Nav(s.PageByURL("/guides/b/"))), "Runbooks About Guides[Alpha guide *Beta guide] Status page"; got != want {
		t.Errorf("a folder in nav lists its pages: sidebar %q, want %q", got, want)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
	if s.Title != "Ops handbook" {
		t.Errorf("title %q", s.Title)
	}
}

// TestChildrenAndGlossaryAcrossPages checks that {tableofcontents} lists
// the page's children in toc order (instead of the list below the text),
// and that {term} links reach a glossary on another page.
func TestChildrenAndGlossaryAcrossPages(t *testing.T) {
	s := loadSite(t, strings.ReplaceAll(`
-- content/myst.yml --
project:
  toc:
  - file: index.md
  - file: team/index.md
    children:
    - file: team/b.md
    - file: team/a.md
  - file: glossary.md
-- content/index.md --
# Home
-- content/team/index.md --
# Team

´´´{tableofcontents}
´´´

Ask the {term}´on-call <On call>´ person.
-- content/team/a.md --
# Alpha
-- content/team/b.md --
# Beta
-- content/glossary.md --
# Glossary

´´´{glossary}
On call
: Who answers pages.
´´´
`, "´", "`"))
	team := s.PageByURL("/team/")
	html := string(team.HTML)
	if !strings.Contains(html, `<ul class="pages toc-children">
<li><a href="/team/b/">Beta</a></li>
<li><a href="/team/a/">Alpha</a></li>
</ul>`) || team.List != nil {
		t.Errorf("want the children listed in toc order where the directive is, once:\n%s", html)
	}
	if !strings.Contains(html, `<a href="/glossary/#term-on-call" class="term">on-call</a>`) {
		t.Errorf("term link missing:\n%s", html)
	}
}

// TestMySTProjectWithoutTOC checks that a myst.yml without a toc still
// gives the title and substitutions, and the folders give the order.
func TestMySTProjectWithoutTOC(t *testing.T) {
	s := loadSite(t, `
-- content/myst.yml --
project:
  title: Ops
  substitutions:
    team: SRE
-- content/index.md --
# Home

The {{ team }} team, and {{ unknown }}.
`)
	if s.Title != "Ops" {
		t.Errorf("title %q", s.Title)
	}
	if got := string(s.PageByURL("/").HTML); !strings.Contains(got, "The SRE team, and {{ unknown }}.") {
		t.Errorf("substitution not applied:\n%s", got)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0].Message, `template expression "unknown"`) {
		t.Errorf("want one warning for the unknown substitution, got %v", s.Warnings)
	}
}

// TestJupyterBookTOC checks Jupyter Book 1's _toc.yml: parts with
// captions, chapters with sections, files named without ".md".
func TestJupyterBookTOC(t *testing.T) {
	s := loadSite(t, `
-- content/_toc.yml --
format: jb-book
root: index
parts:
  - caption: Running hubs
    chapters:
    - file: hubs/deploy
      sections:
      - file: hubs/upgrade
    - file: hubs/alerts
    - glob: hubs/howto/*
    - url: https://docs.example.org/
      title: Upstream docs
-- content/hubs/howto/b.md --
# How to B
-- content/hubs/howto/a.md --
# How to A
-- content/index.md --
# Home
-- content/hubs/deploy.md --
# Deploy
-- content/hubs/upgrade.md --
# Upgrade
-- content/hubs/alerts.md --
# Alerts
`)
	if got, want := navString(s.Nav(s.PageByURL("/hubs/upgrade/"))), "Running hubs[Deploy[*Upgrade] Alerts How to A How to B Upstream docs]"; got != want {
		t.Errorf("sidebar %q, want %q", got, want)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
}

// FuzzTOC checks that any myst.yml, _toc.yml or mkdocs.yml decodes
// without panicking into entries that each name a page or a group, with
// content-relative paths.
func FuzzTOC(f *testing.F) {
	f.Add("project:\n  toc:\n  - file: a.md\n    children:\n    - title: G\n      children: [{file: b}]\n")
	f.Add("root: intro\nparts:\n- caption: P\n  chapters:\n  - file: x\n    sections: [{file: y}]\n")
	f.Add("nav:\n- Home: index.md\n- S:\n  - a.md\n")
	f.Fuzz(func(t *testing.T, yml string) {
		for _, file := range []string{"content/myst.yml", "content/_toc.yml", "mkdocs.yml"} {
			var pr problems
			r := &tocReader{root: t.TempDir(), pr: &pr}
			var toc *toc
			switch file {
			case "content/myst.yml":
				toc = r.myst(file, []byte(yml))
			case "content/_toc.yml":
				toc = r.jupyterBook(file, []byte(yml))
			default:
				toc = r.mkdocs(file, []byte(yml))
			}
			if toc == nil {
				continue
			}
			var check func(es []tocEntry)
			check = func(es []tocEntry) {
				for _, e := range es {
					if e.File == "" && e.Title == "" && e.URL == "" && e.Pattern == "" {
						t.Errorf("%s: entry with neither file, title, url nor pattern", file)
					}
					if strings.HasPrefix(e.File, "/") {
						t.Errorf("%s: entry file %q is not content-relative", file, e.File)
					}
					check(e.Children)
				}
			}
			check(toc.entries)
		}
	})
}

// TestNavBoundedInTOC checks that the sidebar's bound (issue #17) applies
// to a tree the table of contents arranges: a titled group of 120 pages in
// toc order (not by title), one hidden, shows a window around the page and
// "more" links to the group's generated page, which lists every entry.
// The group's URL, /runbooks/, is also the runbook kind's index, which must
// not replace the group's list when no page is a runbook.
func TestNavBoundedInTOC(t *testing.T) {
	var toc, pages strings.Builder
	toc.WriteString("-- content/myst.yml --\nversion: 1\nproject:\n  toc:\n  - file: index.md\n  - title: Runbooks\n    children:\n")
	pages.WriteString("-- content/index.md --\n# Home\n")
	for i := 119; i >= 0; i-- {
		fmt.Fprintf(&toc, "    - file: rb%03d.md\n", i)
		if i == 60 {
			toc.WriteString("      hidden: true\n")
		}
		fmt.Fprintf(&pages, "-- content/rb%03d.md --\n# Runbook %03d\n", i, i)
	}
	s, err := Load(t.Context(), Options{Source: writeSite(t, toc.String()+pages.String())})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	// 119 shown entries in toc order; the hidden rb060 is not counted, so
	// rb050 is at index 68 and its window starts at rb061.
	got := navString(s.Nav(s.PageByURL("/rb050/")))
	want := "Runbooks[Runbook 119 Runbook 118 Runbook 117 Runbook 116 Runbook 115 53 more Runbook 061 Runbook 059"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "*Runbook 050") || !strings.HasSuffix(got, "Runbook 040 40 more]") {
		t.Errorf("sidebar %q", got)
	}
	html := string(s.NavHTML(s.PageByURL("/rb050/")))
	if n := strings.Count(html, "<a "); n > 1+navHead+2*navAround+1+2 {
		t.Errorf("sidebar has %d links", n)
	}
	group := s.PageByURL("/rb050/").Section.Page
	if !strings.Contains(html, `<li class="nav-more"><a href="`+group.URL+`">`) {
		t.Errorf("no \"more\" link to the group page %s:\n%s", group.URL, html)
	}
	if l := s.Data(group).List; l == nil || len(l.Pages) != 120 {
		t.Errorf("group page lists %v, want all 120 entries", l)
	}
}
