package check

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/gitinfo"
)

// genCorpus writes a handbook of n pages (100 per folder), each with five
// sections, links to random pages and anchors, and a few kinds, so checks
// and the build have realistic work. It is deterministic.
func genCorpus(tb testing.TB, dir string, n int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(rel, data string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	folders := max(n/100, 1)
	var home strings.Builder
	home.WriteString("---\ntitle: Home\n---\n")
	for s := range folders {
		fmt.Fprintf(&home, "- [Section %d](area-%d/)\n", s, s)
		write(fmt.Sprintf("content/area-%d/_index.md", s), fmt.Sprintf("---\ntitle: Section %d\n---\nPages about area %d.\n", s, s))
		for i := range 100 {
			var b strings.Builder
			fmt.Fprintf(&b, "---\ntitle: Page %d.%d\nkind: guide\ntags: [t%d]\nreview_by: 2099-01-01\n---\n", s, i, i%10)
			for h := range 5 {
				to := rng.IntN(folders)
				fmt.Fprintf(&b, "## Heading %d\n\nSome text about page %d with a [link](../area-%d/page-%d-%d.md#heading-%d), **bold**, `code` and https://example.com/%d.\n\n- item one\n- item two\n\n",
					h, i, to, to, rng.IntN(100), rng.IntN(5), i)
			}
			write(fmt.Sprintf("content/area-%d/page-%d-%d.md", s, s, i), b.String())
		}
	}
	write("content/_index.md", home.String())
}

// gitRun runs git in dir with a fixed identity and dates.
func gitRun(tb testing.TB, dir string, env []string, args ...string) string {
	tb.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// benchCorpus is a 10,000-page handbook in git with 10 pages changed in
// the work tree.
func benchCorpus(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	genCorpus(b, dir, 10000)
	gitRun(b, dir, nil, "init", "-q", "-b", "main")
	gitRun(b, dir, nil, "add", "-A")
	gitRun(b, dir, nil, "commit", "-q", "-m", "corpus")
	for i := range 10 {
		p := filepath.Join(dir, "content", fmt.Sprintf("area-%d", i*7), fmt.Sprintf("page-%d-%d.md", i*7, i*3))
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(f, "\nEdited, see [heading](#heading-1).\n")
		f.Close()
	}
	return dir
}

// BenchmarkCheck10k measures compass check on a 10,000-page handbook: the
// whole site, a --changed-since run touching 10 pages (including the git
// calls), and the full build for comparison.
func BenchmarkCheck10k(b *testing.B) {
	dir := benchCorpus(b)
	ctx := context.Background()
	b.Run("changed-10", func(b *testing.B) {
		for b.Loop() {
			changed, err := gitinfoChanged(ctx, dir, "HEAD")
			if err != nil {
				b.Fatal(err)
			}
			rep, err := Run(ctx, Options{Build: build.Options{Source: dir}, Changed: changed})
			if err != nil {
				b.Fatal(err)
			}
			if rep.Full || rep.Checked < 10 || len(rep.Findings) != 0 {
				b.Fatalf("checked %d pages, full=%v, findings %v", rep.Checked, rep.Full, rep.Findings)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if _, err := Run(ctx, Options{Build: build.Options{Source: dir}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		out := b.TempDir()
		for b.Loop() {
			if _, err := build.Build(ctx, build.Options{Source: dir, Out: out}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var gitinfoChanged = gitinfo.Changed
