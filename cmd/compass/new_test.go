package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNewCommand: compass new writes a page of each kind that compass check
// accepts (no errors), with the owner of its folder.
func TestNewCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"content/_index.md":          "---\ntitle: Home\n---\n",
		"content/teams/sre.md":       "---\ntitle: SRE\nkind: charter\nteam: sre\n---\n",
		"content/runbooks/_index.md": "---\ntitle: Runbooks\nowner: sre\n---\n",
	})
	tests := []struct {
		kind, path string
		wantFile   string
		wantOwner  string // "" wants no owner line
		want       string // regexp the page must match
	}{
		{"runbook", "runbooks/disk-full", "content/runbooks/disk-full.md", "sre", `(?m)^alerts:\n  - TODO$`},
		{"meeting", "content/teams/planning.md", "content/teams/planning.md", "sre", `(?m)^  every: weekly$`},
		{"policy", "policies/time-off.md", "content/policies/time-off.md", "", `(?m)^effective: \d{4}-\d\d-\d\d$`},
		{"charter", "teams/dev", "content/teams/dev.md", "dev", `(?m)^team: dev$`},
		{"review", "reviews/2026-03-01-api", "content/reviews/2026-03-01-api.md", "", `(?m)^started: \d{4}-\d\d-\d\dT\d\d:\d\d:00Z$`},
		{"guide", "guides/first-week", "content/guides/first-week.md", "", `(?m)^title: "First week"$`},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"new", tt.kind, tt.path, "--source", dir}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, &errb)
			}
			path := filepath.Join(dir, filepath.FromSlash(tt.wantFile))
			if strings.TrimSpace(out.String()) != path {
				t.Errorf("printed %q, want %q", out.String(), path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			page := string(data)
			if !regexp.MustCompile(tt.want).MatchString(page) {
				t.Errorf("page does not match %q:\n%s", tt.want, page)
			}
			owner := regexp.MustCompile(`(?m)^owner: (.*)$`).FindStringSubmatch(page)
			if (tt.wantOwner == "") != (owner == nil) || owner != nil && owner[1] != tt.wantOwner {
				t.Errorf("owner line %q, want owner %q", owner, tt.wantOwner)
			}
			if want := "review_by: " + time.Now().AddDate(1, 0, 0).Format(time.DateOnly); !strings.Contains(page, want) {
				t.Errorf("page has no %q", want)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check", "--source", dir}, &out, &errb); code != 0 || strings.Contains(out.String(), "error:") {
		t.Errorf("compass check on the new pages: exit %d\n%s%s", code, &out, &errb)
	}
}

func TestNewCommandRefuses(t *testing.T) {
	dir := writeFiles(t, map[string]string{"content/a.md": "---\ntitle: A\n---\n"})
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"existing file", []string{"guide", "a"}, 1, "content/a.md exists; not replacing it"},
		{"unknown kind", []string{"recipe", "b"}, 2, `kind "recipe" is not one of charter, guide, meeting, policy, review, runbook`},
		{"outside content", []string{"guide", "../b"}, 2, "is not inside content/"},
		{"no content folder", []string{"guide", "b", "--source", "SUB"}, 2, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"new"}, tt.args...)
			if !strings.Contains(strings.Join(args, " "), "--source") {
				args = append(args, "--source", dir)
			}
			for i, a := range args {
				if a == "SUB" {
					args[i] = t.TempDir()
				}
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, &errb, tt.code, tt.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "content", "a.md")); string(data) != "---\ntitle: A\n---\n" {
		t.Errorf("the existing page was changed: %q", data)
	}
}
