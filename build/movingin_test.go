package build

import (
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
