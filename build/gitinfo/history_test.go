package gitinfo

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/internal/testutil"
)

func TestReadHistory(t *testing.T) {
	r := newRepo(t)
	r.write("site/content/a.md", "alpha\n"+strings.Repeat("line\n", 20))
	r.write("site/content/gone.md", "gone")
	r.write("README.md", "outside the site")
	r.commit("2026-01-01T10:00:00Z", "first; with a semicolon")
	r.write("site/content/a.md", "alpha\n"+strings.Repeat("line\n", 20)+"more\n")
	r.git("", "mv", "site/content/a.md", "site/content/renamed ü.md")
	r.git("", "rm", "-q", "site/content/gone.md")
	r.write("site/content/b.md", "new")
	r.commit("2026-02-03T04:05:06+02:00", "second")

	h, err := ReadHistory(context.Background(), r.top+"/site", "content", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range h.Commits {
		line := c.Time.Format(time.RFC3339) + " " + c.Author + " " + c.Subject + ":"
		for _, f := range c.Files {
			line += " " + f.Kind + " " + f.Path
			if f.OldPath != "" {
				line += " from " + f.OldPath
			}
		}
		got = append(got, line)
	}
	want := []string{
		"2026-02-03T02:05:06Z T second: added content/b.md removed content/gone.md renamed content/renamed ü.md from content/a.md",
		"2026-01-01T10:00:00Z T first; with a semicolon: added content/a.md added content/gone.md",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := h.LastUpdated["content/renamed ü.md"]; !d.Equal(time.Date(2026, 2, 3, 2, 5, 6, 0, time.UTC)) {
		t.Errorf("last updated of the renamed page = %v", d)
	}
	if _, ok := h.LastUpdated["content/gone.md"]; ok {
		t.Error("a removed file has a last-updated date")
	}
}

func TestReadHistoryOutsideGit(t *testing.T) {
	if _, err := ReadHistory(context.Background(), t.TempDir(), "content", 0); !errors.Is(err, ErrNoRepo) {
		t.Errorf("err = %v, want ErrNoRepo", err)
	}
}

// BenchmarkReadHistory10k reads a repository of 10,000 commits, each
// changing one of 500 pages (every tenth a rename), the size at which
// /changes/ must still build in under a second: the newest commits, as the
// build reads them for the page, and all of them, as it reads them when
// last-updated dates are wanted too.
func BenchmarkReadHistory10k(b *testing.B) {
	dir := historyRepo(b)
	for _, limit := range []int{1000, 0} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) { benchHistory(b, dir, limit) })
	}
}

func benchHistory(b *testing.B, dir string, limit int) {
	for b.Loop() {
		h, err := ReadHistory(context.Background(), dir, "content", limit)
		if err != nil {
			b.Fatal(err)
		}
		if want := cmp.Or(limit, 10000); len(h.Commits) != want {
			b.Fatalf("%d commits, want %d", len(h.Commits), want)
		}
	}
}

// historyRepo makes the benchmark's repository with git fast-import, which
// builds the whole history in one process.
func historyRepo(b *testing.B) string {
	testutil.Tool(b, "git", "apt-get install git")
	dir := b.TempDir()
	run := func(stdin []byte, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run(nil, "init", "-q", "-b", "main")
	// git fast-import builds the history in one process, in about a second.
	var in bytes.Buffer
	name := func(i, gen int) string { return fmt.Sprintf("content/section-%d/page-%d-v%d.md", i%20, i, gen) }
	gen := make([]int, 500)
	for c := range 10000 {
		i := c % 500
		fmt.Fprintf(&in, "commit refs/heads/main\ncommitter Writer %d <w@example.com> %d +0000\ndata <<EOF\nEdit page %d\nEOF\n", c%7, 1700000000+c*600, i)
		body := fmt.Sprintf("---\ntitle: Page %d\n---\n%s\nedit %d\n", i, strings.Repeat("Some text of the page.\n", 30), c)
		if c >= 500 && c%10 == 0 {
			fmt.Fprintf(&in, "D %s\n", name(i, gen[i]))
			gen[i]++
		}
		fmt.Fprintf(&in, "M 644 inline %s\ndata %d\n%s\n", name(i, gen[i]), len(body), body)
	}
	run(in.Bytes(), "fast-import", "--quiet")
	run(nil, "checkout", "-q", "main")
	return dir
}
