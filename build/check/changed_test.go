package check

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/gitinfo"
)

// TestChangedSince runs the real git: a pull request removes a heading
// that another page links to, and renames a page another one links to.
// Only the changed pages and the pages linking to them are reported, and
// unchanged pages are not rendered.
func TestChangedSince(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"content/_index.md":           "---\ntitle: Home\n---\n[oncall](policies/oncall.md) [guides](guides/)\n",
		"content/policies/oncall.md":  "---\ntitle: On-call\n---\n## Escalation\n\nSee [disk](../runbooks/disk.md).\n",
		"content/runbooks/disk.md":    "---\ntitle: Disk\nkind: runbook\nalerts: [Disk]\n---\nBack to [escalation](../policies/oncall.md#escalation).\n",
		"content/runbooks/memory.md":  "---\ntitle: Memory\nkind: runbook\nalerts: [Mem]\n---\n[old](/nowhere/) is broken but unchanged.\n",
		"content/guides/_index.md":    "---\ntitle: Guides\n---\n[intro](intro.md)\n",
		"content/guides/intro.md":     "---\ntitle: Intro\n---\nStart at [the top](./).\n",
		"content/guides/unrelated.md": "---\ntitle: Unrelated\n---\n[x](missing.md)\n",
	}
	for name, data := range files {
		writeFile(t, dir, name, data)
	}
	gitRun(t, dir, nil, "init", "-q", "-b", "main")
	gitRun(t, dir, nil, "add", "-A")
	gitRun(t, dir, []string{"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z"}, "commit", "-q", "-m", "base")
	gitRun(t, dir, nil, "checkout", "-q", "-b", "pr")
	// The pull request renames the heading and deletes nothing yet.
	writeFile(t, dir, "content/policies/oncall.md", "---\ntitle: On-call\n---\n## Escalating\n\nSee [disk](../runbooks/disk.md).\n")
	gitRun(t, dir, nil, "commit", "-q", "-am", "rename heading")
	// And, not yet committed, edits the guides' folder page.
	writeFile(t, dir, "content/guides/_index.md", "---\ntitle: Guides\n---\n[intro](intro.md) and [more](more.md)\n")

	ctx := context.Background()
	changed, err := gitinfo.Changed(ctx, dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"content/guides/_index.md", "content/policies/oncall.md"}; !slices.Equal(changed, want) {
		t.Fatalf("changed = %q, want %q", changed, want)
	}
	rep, err := Run(ctx, Options{Build: build.Options{Source: dir}, Changed: changed})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Pos()+" "+f.Rule)
	}
	want := []string{
		"content/guides/_index.md:4:23 broken-link",  // the changed page's own new link
		"content/runbooks/disk.md:6:9 broken-anchor", // links to the changed page's old heading
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if rep.Full {
		t.Error("report claims a full check")
	}
	// oncall, guides/_index, and their referrers: home (oncall, guides/),
	// disk (oncall#escalation), intro ("./" is the guides page).
	if rep.Checked != 5 {
		t.Errorf("checked %d pages, want 5", rep.Checked)
	}

	// A change outside content/ checks everything.
	writeFile(t, dir, "compass.yaml", "title: X\n")
	changed, err = gitinfo.Changed(ctx, dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Run(ctx, Options{Build: build.Options{Source: dir}, Changed: changed})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Full || rep.Checked != rep.Pages {
		t.Errorf("compass.yaml changed: full=%v, checked %d of %d", rep.Full, rep.Checked, rep.Pages)
	}
}

func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
