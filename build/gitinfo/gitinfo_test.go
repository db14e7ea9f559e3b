package gitinfo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/internal/testutil"
)

// repoAt makes a git repository whose site root is the subfolder "site",
// committing with fixed dates so the history is the same on every run.
type testRepo struct {
	t   *testing.T
	top string
}

func newRepo(t *testing.T) *testRepo {
	t.Helper()
	testutil.Tool(t, "git", "apt-get install git")
	r := &testRepo{t: t, top: t.TempDir()}
	r.git("", "init", "-q", "-b", "main")
	return r
}

func (r *testRepo) git(date string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.top
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	if date != "" {
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (r *testRepo) write(rel, data string) {
	r.t.Helper()
	p := filepath.Join(r.top, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) commit(date, msg string) {
	r.t.Helper()
	r.git(date, "add", "-A")
	r.git(date, "commit", "-q", "-m", msg)
}

func TestHistory(t *testing.T) {
	r := newRepo(t)
	r.write("site/content/a.md", "a1")
	r.write("site/content/b with space.md", "b1")
	r.write("site/content/ü.md", "u1")
	r.write("README.md", "outside the site")
	r.commit("2026-01-01T10:00:00Z", "first")
	r.write("site/content/a.md", "a2")
	r.commit("2026-02-03T04:05:06+02:00", "second")
	r.git("", "branch", "base")
	r.write("site/content/b with space.md", "b2")
	r.git("", "rm", "-q", "site/content/ü.md")
	r.write("README.md", "changed outside")
	r.commit("2026-03-01T00:00:00Z", "third")
	r.write("site/content/new.md", "untracked")
	r.write("site/content/a.md", "a3 uncommitted")
	r.write("site/.gitignore", "ignored.md\n")
	r.write("site/content/ignored.md", "ignored")
	ctx := context.Background()
	site := filepath.Join(r.top, "site")

	t.Run("last updated", func(t *testing.T) {
		got, err := lastUpdated(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]time.Time{
			"content/a.md":            time.Date(2026, 2, 3, 2, 5, 6, 0, time.UTC),
			"content/b with space.md": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			// content/ü.md was deleted: no page, no date
		}
		if len(got) != len(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		for f, w := range want {
			if !got[f].Equal(w) {
				t.Errorf("%s: got %v, want %v", f, got[f], w)
			}
		}
	})
	t.Run("changed since", func(t *testing.T) {
		got, err := Changed(ctx, site, "base")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{".gitignore", "content/a.md", "content/b with space.md", "content/new.md", "content/ü.md"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("changed since a bad ref", func(t *testing.T) {
		_, err := Changed(ctx, site, "no-such-branch")
		if err == nil || !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("error %v, want advice on fetching history", err)
		}
		if _, err := Changed(ctx, site, "--output=/tmp/x"); err == nil {
			t.Error("a ref that looks like an option was accepted")
		}
	})
	t.Run("grep", func(t *testing.T) {
		got, err := Grep(ctx, site, "content", []string{"a3", "untracked", "ignored"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"content/a.md", "content/new.md"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		got, err = Grep(ctx, site, "content", []string{"a"}) // whole words only: not "a3"
		if err != nil || len(got) != 0 {
			t.Errorf("got %q, %v; want nothing", got, err)
		}
	})
	t.Run("prefix", func(t *testing.T) {
		p, err := Prefix(ctx, site)
		if err != nil || p != "site/" {
			t.Errorf("Prefix = %q, %v; want site/", p, err)
		}
	})
}

func TestNotARepo(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	if _, err := lastUpdated(context.Background(), dir); !errors.Is(err, ErrNoRepo) {
		t.Errorf("ReadHistory outside git: %v, want ErrNoRepo", err)
	}
	if _, err := Changed(context.Background(), dir, "main"); !errors.Is(err, ErrNoRepo) {
		t.Errorf("Changed outside git: %v, want ErrNoRepo", err)
	}
}

func TestEmptyRepo(t *testing.T) {
	r := newRepo(t)
	got, err := lastUpdated(context.Background(), r.top)
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want no dates and no error", got, err)
	}
}

// lastUpdated is the dates part of a full ReadHistory of content/.
func lastUpdated(ctx context.Context, dir string) (map[string]time.Time, error) {
	h, err := ReadHistory(ctx, dir, "content", 0)
	if err != nil {
		return nil, err
	}
	return h.LastUpdated, nil
}
