package build

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymlinkedContent pins the bug where a content/ folder that is a
// symlink (a handbook checked out elsewhere) failed with "copy content
// file: read …/content: is a directory".
func TestSymlinkedContent(t *testing.T) {
	real := writeSite(t, `
-- _index.md --
# Home
See [a](docs/a.md).
-- docs/a.md --
# A
-- docs/pic.png --
PNG
`)
	root := t.TempDir()
	if err := os.Symlink(real, filepath.Join(root, "content")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	out := filepath.Join(t.TempDir(), "public")
	res, err := Build(t.Context(), Options{Source: root, Out: out})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if res.Pages != 2 {
		t.Errorf("built %d pages, want 2", res.Pages)
	}
	readOut(t, out, "docs/a/index.html")
	readOut(t, out, "docs/pic.png")
}

// TestLinkToGeneratedFolderPage pins the bug where "[tools](tools/)", a
// folder without _index.md whose page Compass generates, was reported as
// matching no page although the page is written.
func TestLinkToGeneratedFolderPage(t *testing.T) {
	out, res, err := buildSite(t, `
-- content/_index.md --
# Home
See [tools](tools/), [tools](tools), [deep](/tools/cli/).
-- content/tools/hammer.md --
# Hammer
-- content/tools/cli/grep.md --
# Grep
`, Options{})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	home := readOut(t, out, "index.html")
	for _, href := range []string{`href="/tools/"`, `href="/tools/cli/"`} {
		if !strings.Contains(home, href) {
			t.Errorf("home page has no %s", href)
		}
	}
	readOut(t, out, "tools/index.html")

	s := loadSite(t, "-- content/tools/hammer.md --\n# Hammer\n")
	if _, href, ok := s.resolve(s.Pages[0], "../nothing/", nil); ok {
		t.Errorf("a folder with no pages resolved to %q", href)
	}
}

// TestContentFileConflicts pins the bug where content files at the paths of
// generated output (index.html, 404.html, compass.json) were silently
// replaced: each is now a content error.
func TestContentFileConflicts(t *testing.T) {
	_, res, err := buildSite(t, `
-- content/_index.md --
# Home
-- content/index.html --
<p>old home</p>
-- content/404.html --
<p>old</p>
-- content/compass.json --
{}
-- content/docs/a.md --
# A
-- content/docs/a/index.html --
<p>old a</p>
-- content/docs/keep.html --
<p>fine</p>
`, Options{})
	got := problemsText(res, err)
	want := strings.Join([]string{
		"content/404.html: this file would be replaced by the generated 404.html in the output; rename or move it",
		"content/compass.json: this file would be replaced by the generated compass.json in the output; rename or move it",
		"content/docs/a/index.html: this file would be replaced by the page at /docs/a/ (content/docs/a.md) in the output; rename or move it",
		"content/index.html: this file would be replaced by the page at / (content/_index.md) in the output; rename or move it",
	}, "\n")
	if got != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
}

// TestMySTLabelsAreGlobal checks that "(label)=" targets resolve from any
// page, case-insensitively, that links without text take the target's
// title, and that the label line neither shows nor stops the page title.
func TestMySTLabelsAreGlobal(t *testing.T) {
	site := `
-- content/index.md --
(home)=
# Welcome

See [](#Oncall-Rota), {ref}´oncall-rota´, {ref}´the costs <costs>´, [](team/rota.md), [costs](team/rota.md#Costs) and [back](#home).
-- content/team/rota.md --
---
kind: guide
---
(oncall-rota)=
# On-call rota

(costs)=
| a | b |
| - | - |
-- content/team/other.md --
# Other

[broken](#no-such-label)
`
	site = strings.ReplaceAll(site, "´", "`")
	s, err := Load(t.Context(), Options{Source: writeSite(t, site)})
	var ce ContentErrors
	if !errors.As(err, &ce) || len(ce) != 1 || ce[0].Error() != `content/team/other.md:3:1: link to "#no-such-label": this page has no heading with id "no-such-label"` {
		t.Fatalf("want one broken-label error, got %v", err)
	}
	home := string(s.PageByURL("/").HTML)
	for _, want := range []string{
		`<a href="/team/rota/#oncall-rota">On-call rota</a>`,
		`<a href="/team/rota/#costs">the costs</a>`,
		`<a href="/team/rota/">On-call rota</a>`,
		`<a href="#home">back</a>`,
		`<a href="/team/rota/#costs">costs</a>`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %s:\n%s", want, home)
		}
	}
	if n := strings.Count(home, `<a href="/team/rota/#oncall-rota">On-call rota</a>`); n != 2 {
		t.Errorf("want both label links titled, got %d:\n%s", n, home)
	}
	rota := s.PageByURL("/team/rota/")
	if rota.Title != "On-call rota" {
		t.Errorf("title %q, want the first heading's", rota.Title)
	}
	if strings.Contains(string(rota.HTML), ")=") || !strings.Contains(string(rota.HTML), `<span id="costs"></span>`) {
		t.Errorf("label lines must not show, and non-heading labels are anchors:\n%s", rota.HTML)
	}
}

// TestGitHubFlavouredHandbook checks what a handbook written for GitHub
// relies on: GitHub's heading ids, README.md as a folder's page, titles
// from the first heading, redirect_from as aliases.
func TestGitHubFlavouredHandbook(t *testing.T) {
	out, res, err := buildSite(t, `
-- content/README.md --
# Our handbook

See [the rota](team/#on-call--rota) and [team](team/README.md).
-- content/team/README.md --
---
redirect_from:
  - /old-team/
  - people.html
---
# The team

## On-call & rota
`, Options{HeadingIDs: "github"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	home := readOut(t, out, "index.html")
	for _, want := range []string{`href="/team/#on-call--rota"`, `href="/team/"`, `<h1>Our handbook</h1>`} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	team := readOut(t, out, "team/index.html")
	if !strings.Contains(team, `id="on-call--rota"`) {
		t.Error("team page lacks the GitHub heading id on-call--rota")
	}
	for _, f := range []string{"old-team/index.html", "people.html"} {
		if r := readOut(t, out, f); !strings.Contains(r, "/team/") {
			t.Errorf("%s does not redirect to /team/:\n%s", f, r)
		}
	}
}

// TestKeepGoing checks that --keep-going writes the whole site with its
// broken links marked, and still returns the content errors.
func TestKeepGoing(t *testing.T) {
	out, res, err := buildSite(t, `
-- content/index.md --
# Home

[gone](nowhere.md), [bad anchor](other.md#nope) and [fine](other.md).
-- content/other.md --
# Other
`, Options{KeepGoing: true})
	var ce ContentErrors
	if !errors.As(err, &ce) || len(ce) != 2 {
		t.Fatalf("want the two content errors back, got %v", err)
	}
	if res.Pages != 2 {
		t.Errorf("wrote %d pages, want 2", res.Pages)
	}
	home := readOut(t, out, "index.html")
	for _, want := range []string{
		`<a href="nowhere.md" data-broken="broken link">gone</a>`,
		`<a href="/other/#nope" data-broken="broken link">bad anchor</a>`,
		`<a href="/other/">fine</a>`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
}

// TestDuplicateLabel checks that a label defined twice is a warning at the
// second definition, and links go to the first.
func TestDuplicateLabel(t *testing.T) {
	s := loadSite(t, `
-- content/a.md --
(same)=
# A
-- content/b.md --
# B

(Same)=
## Also

[x](#same)
`)
	if len(s.Warnings) != 1 || s.Warnings[0].String() != `content/b.md:3:1: warning: label "Same" is already defined at content/a.md:1:1; links go there` {
		t.Errorf("warnings: %v", s.Warnings)
	}
	if !strings.Contains(string(s.PageByURL("/b/").HTML), `<a href="/a/#same">x</a>`) {
		t.Errorf("link should go to the first definition:\n%s", s.PageByURL("/b/").HTML)
	}
}

// TestIncludeProblems checks that the build reports include problems as
// errors at the directive's file:line:col, all in one run, and that a
// symlink inside content/ cannot lead an include outside it.
func TestIncludeProblems(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := writeSite(t, `
-- content/_index.md --
# Home

`+"```{literalinclude} code/run.sh\n:lines: 2\n```\n\n```{include} nowhere.md\n```\n\n```{literalinclude} link.txt\n```\n"+`
-- content/code/run.sh --
echo one
echo two
`)
	if err := os.Symlink(outside, filepath.Join(src, "content", "link.txt")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	_, err := Build(t.Context(), Options{Source: src, Out: filepath.Join(t.TempDir(), "public")})
	var ce ContentErrors
	if !errors.As(err, &ce) {
		t.Fatalf("build: %v, want content errors", err)
	}
	var got []string
	for _, e := range ce {
		got = append(got, e.Error())
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		"content/_index.md:7:1: include nowhere.md: no such file or directory",
		"content/_index.md:10:1: literalinclude link.txt: path escapes from parent",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errors:\n%s\nwant %q", text, want)
		}
	}
	if len(got) != 2 || strings.Contains(text, "secret") {
		t.Errorf("errors:\n%s\nwant exactly the two above", text)
	}
}

// TestBrokenTermMessage checks that a {term} no glossary defines is
// reported by its term, with the nearest glossary terms (one typo away,
// else containing it), instead of as a missing heading id.
func TestBrokenTermMessage(t *testing.T) {
	tests := []struct {
		name, glossary, ref, want string
	}{
		{"typo", "Hub\n: A JupyterHub.\n\nHub admin\n: Runs a hub.\n", "{term}´Hbu´",
			`{term} "Hbu" is not defined in any {glossary}; the nearest glossary term is "Hub"`},
		{"plural", "Hub\n: A JupyterHub.\n\nHub admin\n: Runs a hub.\n", "{term}´the hubs <Hubs>´",
			`{term} "Hubs" is not defined in any {glossary}; the nearest glossary term is "Hub"`},
		{"part of a term", "Hub\n: A JupyterHub.\n\nHub admin\n: Runs a hub.\n", "{term}´admin´",
			`{term} "admin" is not defined in any {glossary}; the nearest glossary term is "Hub admin"`},
		{"nothing near", "Hub\n: A JupyterHub.\n", "{term}´Kubernetes´",
			`{term} "Kubernetes" is not defined in any {glossary}`},
		{"no glossary", "", "{term}´Hub´",
			`{term} "Hub" is not defined in any {glossary}; the site has no glossary`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := "-- content/index.md --\n# Home\n\nAsk the " + tt.ref + " person.\n"
			if tt.glossary != "" {
				site += "-- content/glossary.md --\n# Glossary\n\n´´´{glossary}\n" + tt.glossary + "´´´\n"
			}
			_, err := Load(t.Context(), Options{Source: writeSite(t, strings.ReplaceAll(site, "´", "`"))})
			var ce ContentErrors
			want := "content/index.md:3:9: " + tt.want
			if !errors.As(err, &ce) || len(ce) != 1 || ce[0].Error() != want {
				t.Errorf("got %v\nwant %s", err, want)
			}
		})
	}
}
