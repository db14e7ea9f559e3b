package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildCommand(t *testing.T) {
	good := map[string]string{
		"compass.yaml":      "title: Tiny\nbase_url: https://tiny.example/\n",
		"content/_index.md": "---\ntitle: Home\n---\nSee [a](a.md).\n",
		"content/a.md":      "---\ntitle: A\nkind: guide\n---\n## One\n## Two\n",
		"content/warned.md": "---\ntitle: W\nmood: happy\n---\n",
	}
	bad := map[string]string{
		"content/_index.md": "---\ntitle: Home\n---\n[x](nope.md)\n",
		"content/b.md":      "---\ntitle: B\nweight: x\n---\n",
	}
	tests := []struct {
		name       string
		files      map[string]string
		args       []string
		code       int
		stdout     string // regexp
		stderr     string // regexp
		wantOutput string // a file that must exist under the source after the run
	}{
		{"builds", good, nil, 0, `^built 3 pages, 2 sections in \d+(\.\d+)?[µm]?s → .*public\n$`, `content/warned.md:3:1: warning: unknown key "mood"`, "public/compass.json"},
		{"strict fails on warnings", good, []string{"--strict"}, 1, `^$`, `(?s)warning: unknown key "mood".*1 warning\(s\), and the build is strict, nothing written`, ""},
		{"content errors", bad, nil, 1, `^$`, `(?s)^content/_index.md:4:1: link to "nope.md" matches no page\ncontent/b.md:3:9: weight: want a whole number, got "x"\ncompass: 2 content error\(s\), nothing written\n$`, ""},
		{"no content folder", map[string]string{"README.md": "hi"}, nil, 2, `^$`, `content does not exist; run compass in the site root or pass --source`, ""},
		{"unknown flag", good, []string{"--nope"}, 2, `^$`, `unknown flag: --nope`, ""},
		{"extra argument", good, []string{"extra"}, 2, `^$`, `unknown command "extra"|accepts 0 arg`, ""},
		{"custom out", good, []string{"--out", "OUT"}, 0, `→ .*/out\n$`, ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			args := []string{"build", "--source", dir}
			for _, a := range tt.args {
				if a == "OUT" {
					a = filepath.Join(t.TempDir(), "out")
				}
				args = append(args, a)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
				t.Errorf("stdout %q does not match %q", &stdout, tt.stdout)
			}
			if !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %q", &stderr, tt.stderr)
			}
			if tt.wantOutput != "" {
				b, err := os.ReadFile(filepath.Join(dir, tt.wantOutput))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), `"base_url":"https://tiny.example/"`) || !strings.Contains(string(b), `"title":"Tiny"`) {
					t.Errorf("compass.json does not carry compass.yaml's settings:\n%s", b)
				}
			}
			if tt.code != 0 {
				if _, err := os.Stat(filepath.Join(dir, "public")); err == nil {
					t.Error("a failed build wrote public/")
				}
			}
		})
	}
}

func TestBuildCommandEnvOverridesConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compass.yaml":      "title: From file\n",
		"content/_index.md": "# Home\n",
	})
	t.Setenv("COMPASS_TITLE", "From env")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"build", "--source", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "public", "compass.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"title":"From env"`) {
		t.Errorf("COMPASS_TITLE did not win over compass.yaml:\n%s", b)
	}
}
