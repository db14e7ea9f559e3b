package gitinfo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Change kinds of a file in a commit.
const (
	KindAdded   = "added"
	KindChanged = "changed"
	KindRenamed = "renamed"
	KindRemoved = "removed"
)

// Commit is one commit that touched the site's content.
type Commit struct {
	Hash    string
	Author  string
	Time    time.Time // committer time, UTC
	Subject string
	Files   []FileChange
}

// FileChange is what a commit did to one file. Paths are relative to the
// site root ("content/policies/oncall.md").
type FileChange struct {
	Kind    string // KindAdded, KindChanged, KindRenamed or KindRemoved
	Path    string // the file after the commit (before it, when removed)
	OldPath string // the file before a rename
}

// History is what one git log over the content folder tells: every
// commit that touched it, newest first, and when each file last changed.
type History struct {
	Commits     []Commit
	LastUpdated map[string]time.Time
}

// ReadHistory reads dir/sub's history in one git log pass, with renames
// followed, so that "what changed" and "last updated" cost one process
// however many pages and commits there are. limit > 0 reads only the
// newest limit commits (enough for a page of recent changes; last-updated
// dates then miss files untouched since); 0 reads all. Outside a git work
// tree it returns an error wrapping ErrNoRepo; a repository without commits
// has an empty history.
func ReadHistory(ctx context.Context, dir, sub string, limit int) (*History, error) {
	r, err := open(ctx, dir)
	if err != nil {
		return nil, err
	}
	// "\x1e" starts a commit: hash, author, time and subject split by "\x1f";
	// -z ends every field of the file list with NUL.
	args := []string{"log", "-z", "--format=%x1e%H%x1f%an%x1f%ct%x1f%s", "--name-status", "-M"}
	if limit > 0 {
		args = append(args, "--max-count="+strconv.Itoa(limit))
	}
	out, err := git(ctx, dir, append(args, "--", sub)...)
	if err != nil {
		if strings.Contains(err.Error(), "does not have any commits") {
			return &History{LastUpdated: map[string]time.Time{}}, nil
		}
		return nil, fmt.Errorf("read history: %w", err)
	}
	return parseLog(out, r)
}

// parseLog reads git log -z --name-status output as ReadHistory asks for it.
func parseLog(out []byte, r *repo) (*History, error) {
	h := &History{LastUpdated: map[string]time.Time{}}
	seen := map[string]bool{}
	for _, rec := range bytes.Split(out, []byte{'\x1e'}) {
		if len(rec) == 0 {
			continue
		}
		head, files, _ := bytes.Cut(rec, []byte{'\n'})
		f := strings.SplitN(string(head), "\x1f", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("read history: malformed commit line %q", head)
		}
		sec, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read history: commit time %q: %w", f[2], err)
		}
		c := Commit{Hash: f[0], Author: f[1], Time: time.Unix(sec, 0).UTC(), Subject: strings.TrimRight(f[3], "\x00")}
		fields := strings.Split(strings.Trim(string(files), "\x00\n"), "\x00")
		for i := 0; i < len(fields); i++ {
			status := strings.TrimLeft(fields[i], "\n")
			if status == "" {
				continue
			}
			fc := FileChange{}
			switch status[0] {
			case 'A', 'C':
				fc.Kind = KindAdded
			case 'M', 'T':
				fc.Kind = KindChanged
			case 'D':
				fc.Kind = KindRemoved
			case 'R':
				fc.Kind = KindRenamed
				if i+1 < len(fields) {
					fc.OldPath, _ = r.rel(fields[i+1])
					i++
				}
			default:
				continue
			}
			if status[0] == 'C' && i+1 < len(fields) {
				i++ // a copy names its source first
			}
			if i+1 >= len(fields) {
				break
			}
			p, ok := r.rel(fields[i+1])
			i++
			if !ok {
				continue
			}
			fc.Path = p
			c.Files = append(c.Files, fc)
			if !seen[p] { // newest first: the first sighting wins
				seen[p] = true
				if fc.Kind != KindRemoved {
					h.LastUpdated[p] = c.Time
				}
			}
		}
		h.Commits = append(h.Commits, c)
	}
	return h, nil
}
