// Package gitinfo reads what a handbook's git history knows: when each file
// last changed (for "Last updated" lines) and which files changed since a
// ref (for `compass check --changed-since`). It runs the real git binary, a
// fixed handful of processes per call however large the handbook.
package gitinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strings"
)

// ErrNoRepo is returned when git is not installed or dir is not inside a
// work tree; callers then carry on without history.
var ErrNoRepo = errors.New("not a git work tree")

// repo is a site root inside a git work tree.
type repo struct {
	dir    string
	prefix string // the site root relative to the top of the work tree, "" or "docs/"
}

func open(ctx context.Context, dir string) (*repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("%w: git is not installed", ErrNoRepo)
	}
	out, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoRepo, dir)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 1 || lines[0] != "true" {
		return nil, fmt.Errorf("%w: %s", ErrNoRepo, dir)
	}
	r := &repo{dir: dir}
	if len(lines) > 1 {
		r.prefix = lines[1]
	}
	return r, nil
}

// git runs git in dir and returns its standard output. Its stderr becomes
// part of the error.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	out, stderr, err := run(ctx, dir, args...)
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr)
	}
	return out, nil
}

// run runs git in dir and returns its standard output and its trimmed
// standard error.
func run(ctx context.Context, dir string, args ...string) (out []byte, stderr string, err error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.quotepath=off"}, args...)...)
	cmd.Dir = dir
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err = cmd.Output()
	return out, strings.TrimSpace(errBuf.String()), err
}

// rel turns a path relative to the top of the work tree into one relative
// to the site root; ok is false for files outside the site root.
func (r *repo) rel(p string) (string, bool) {
	if !strings.HasPrefix(p, r.prefix) {
		return "", false
	}
	return strings.TrimPrefix(p, r.prefix), true
}

// Prefix returns the site root's path inside its git work tree ("" at the
// top, "docs/" in a subfolder), so edit links can point at the right file.
func Prefix(ctx context.Context, dir string) (string, error) {
	r, err := open(ctx, dir)
	if err != nil {
		return "", err
	}
	return r.prefix, nil
}

// Changed returns the files under dir that differ between the merge base
// of ref and HEAD and the work tree: what a pull request changes
// (`git diff ref...HEAD`), plus staged, unstaged and untracked changes, so a
// local run before committing sees them too. Paths are relative to dir,
// sorted; deleted and renamed-away files are included, since pages that
// linked to them need checking.
func Changed(ctx context.Context, dir, ref string) ([]string, error) {
	r, err := open(ctx, dir)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("ref %q must not start with -", ref)
	}
	if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("ref %q is not a commit in this repository (in CI, fetch enough history: actions/checkout with fetch-depth: 0)", ref)
	}
	seen := map[string]bool{}
	for _, args := range [][]string{
		{"diff", "--name-only", "--no-renames", "-z", ref + "...HEAD", "--"},
		{"diff", "--name-only", "--no-renames", "-z", "HEAD", "--"},
		{"ls-files", "--others", "--exclude-standard", "-z", "--full-name"},
	} {
		out, err := git(ctx, dir, args...)
		if err != nil {
			return nil, fmt.Errorf("list changed files: %w", err)
		}
		for _, p := range strings.Split(string(out), "\x00") {
			if p == "" {
				continue
			}
			if rel, ok := r.rel(p); ok {
				seen[path.Clean(rel)] = true
			}
		}
	}
	files := make([]string, 0, len(seen))
	for f := range seen {
		files = append(files, f)
	}
	slices.Sort(files)
	return files, nil
}

// Grep returns the files under dir/sub (paths relative to dir, sorted)
// that contain any of the words as a whole word (git grep -w: not inside a
// longer run of letters, digits and "_"), tracked or untracked but not
// ignored. It lets `compass check --changed-since` read only the pages that
// can mention a changed page instead of every page of a large handbook.
func Grep(ctx context.Context, dir, sub string, words []string) ([]string, error) {
	r, err := open(ctx, dir)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, nil
	}
	args := []string{"grep", "--untracked", "-l", "-z", "--full-name", "-F", "-w", "-I"}
	for _, w := range words {
		args = append(args, "-e", w)
	}
	args = append(args, "--", sub)
	out, stderr, err := run(ctx, dir, args...)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && stderr == "" {
		return nil, nil // nothing matched
	}
	if err != nil {
		return nil, fmt.Errorf("git grep: %w: %s", err, stderr)
	}
	var files []string
	for _, p := range strings.Split(string(out), "\x00") {
		if rel, ok := r.rel(p); ok && p != "" {
			files = append(files, rel)
		}
	}
	slices.Sort(files)
	return files, nil
}
