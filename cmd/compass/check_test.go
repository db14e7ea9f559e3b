package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	clean := map[string]string{
		"content/_index.md": "---\ntitle: Home\n---\n[a](a.md)\n",
		"content/a.md":      "---\ntitle: A\n---\n## One\n",
	}
	warned := map[string]string{
		"content/_index.md": "---\ntitle: Home\n---\n[a](a.md)\n",
		"content/a.md":      "---\ntitle: A\nowner: ghosts\n---\n",
	}
	broken := map[string]string{
		"compass.yaml":      "check:\n  rules:\n    orphan-page: off\n",
		"content/_index.md": "---\ntitle: Home\n---\n[x](nope.md)\n",
		"content/lost.md":   "---\ntitle: Lost\n---\n",
	}
	badConfig := map[string]string{
		"compass.yaml":      "check:\n  rules:\n    no-such-rule: off\n",
		"content/_index.md": "# Home\n",
	}
	tests := []struct {
		name   string
		files  map[string]string
		args   []string
		env    map[string]string
		code   int
		stdout string // regexp
		stderr string // regexp
	}{
		{"clean", clean, nil, nil, 0, `^0 errors, 0 warnings in 0 files; 2 pages checked\n$`, `^$`},
		{"warnings pass", warned, nil, nil, 0, `content/a.md:3:8: warning: owner "ghosts" is not the team of any charter \(the site has no charters\) \[unknown-owner\]`, `^$`},
		{"strict fails on warnings", warned, []string{"--strict"}, nil, 1, `\[unknown-owner\]`, `^$`},
		{"errors fail", broken, nil, nil, 1, `^content/_index.md:4:1: error: link to "nope.md" matches no page \[broken-link\]\n\n1 error, 0 warnings in 1 file; 2 pages checked\n$`, `^$`},
		{"json", broken, []string{"--format", "json"}, nil, 1, `"rule": "broken-link"`, `^$`},
		{"github auto", broken, nil, map[string]string{"GITHUB_ACTIONS": "true"}, 1, `^::error file=content/_index.md,line=4,col=1,title=broken-link::link to "nope.md" matches no page \[broken-link\]\n$`, `^$`},
		{"explicit format beats github auto", broken, []string{"--format", "human"}, map[string]string{"GITHUB_ACTIONS": "true"}, 1, `^content/_index.md:4:1: error`, `^$`},
		{"bad format", clean, []string{"--format", "xml"}, nil, 2, `^$`, `format "xml" is not one of human, json, github`},
		{"bad config", badConfig, nil, nil, 2, `^$`, `"no-such-rule" is not a rule`},
		{"no content", map[string]string{"README.md": "x"}, nil, nil, 2, `^$`, `content does not exist`},
		{"negative warn days", clean, []string{"--warn-days", "-1"}, nil, 2, `^$`, `--warn-days must not be negative`},
		{"changed-since outside git", clean, []string{"--changed-since", "main"}, map[string]string{"GIT_CEILING_DIRECTORIES": "/"}, 2, `^$`, `--changed-since: not a git work tree`},
		{"list rules", clean, []string{"--list-rules"}, nil, 0, `(?m)^orphan-page +warning +a page no other page links to`, `^$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GITHUB_ACTIONS", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := writeFiles(t, tt.files)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"check", "--source", dir}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
				t.Errorf("stdout %q does not match %q", &stdout, tt.stdout)
			}
			if !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %q", &stderr, tt.stderr)
			}
		})
	}
}

func TestCheckJSONIsAnArray(t *testing.T) {
	dir := writeFiles(t, map[string]string{"content/_index.md": "# Home\n"})
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", "--source", dir, "--format", "json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got == nil || len(got) != 0 {
		t.Errorf("clean site: %q is not an empty JSON array (%v)", &stdout, err)
	}
}
