package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// runCompass runs the CLI in process and returns its exit code and output.
func runCompass(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}

// checkFindings runs compass check on dir and counts findings by severity
// and, for warnings, by rule.
func checkFindings(t *testing.T, dir string) (errs []string, warnings map[string]int) {
	t.Helper()
	var out, stderr bytes.Buffer
	code := run(context.Background(), []string{"check", "--source", dir, "--format", "json"}, &out, &stderr)
	var fs []struct{ File, Severity, Rule, Message string }
	if err := json.Unmarshal(out.Bytes(), &fs); err != nil {
		t.Fatalf("check exited %d: %v\n%s%s", code, err, out.String(), stderr.String())
	}
	warnings = map[string]int{}
	for _, f := range fs {
		if f.Severity == "error" {
			errs = append(errs, f.File+": "+f.Message)
		} else {
			warnings[f.Rule]++
		}
	}
	return errs, warnings
}

// TestInitStarter: the starter handbook checks with no error, only its
// TODO markers as warnings, and builds.
func TestInitStarter(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCompass(t, "init", dir); code != 0 {
		t.Fatalf("init exited %d:\n%s", code, out)
	}
	for _, f := range []string{"compass.yaml", "netlify.toml", ".github/workflows/handbook.yml", ".gitignore",
		"content/_index.md", "content/teams/platform.md", "content/policies/working-hours.md",
		"content/meetings/_index.md", "content/meetings/weekly-sync.md", "content/meetings/retrospective.md",
		"content/runbooks/service-down.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not write %s", f)
		}
	}
	errs, warnings := checkFindings(t, dir)
	if len(errs) > 0 {
		t.Errorf("check found errors in the starter:\n%s", strings.Join(errs, "\n"))
	}
	if want := map[string]int{"todo": 14}; !maps.Equal(warnings, want) {
		t.Errorf("warnings by rule = %v, want %v", warnings, want)
	}
	if code, out := runCompass(t, "build", "--source", dir); code != 0 {
		t.Fatalf("build exited %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "teams", "platform", "index.html")); err != nil {
		t.Errorf("build wrote no charter page: %v", err)
	}
}

// TestInitRefusesToOverwrite: a second init changes nothing and names the
// files in the way; --force overwrites.
func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCompass(t, "init", dir); code != 0 {
		t.Fatalf("init exited %d:\n%s", code, out)
	}
	home := filepath.Join(dir, "content", "_index.md")
	if err := os.WriteFile(home, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runCompass(t, "init", dir)
	if code != 1 || !strings.Contains(out, "would overwrite") || !strings.Contains(out, "content/_index.md") {
		t.Errorf("second init exited %d, want 1 naming the files:\n%s", code, out)
	}
	if b, _ := os.ReadFile(home); string(b) != "mine" {
		t.Errorf("init overwrote content/_index.md without --force")
	}
	if code, out := runCompass(t, "init", "--force", dir); code != 0 {
		t.Fatalf("init --force exited %d:\n%s", code, out)
	}
	if b, _ := os.ReadFile(home); string(b) == "mine" {
		t.Errorf("init --force left content/_index.md as it was")
	}
}

// TestInitExample: --example writes the example handbook, which checks
// without errors.
func TestInitExample(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCompass(t, "init", "--example", dir); code != 0 {
		t.Fatalf("init --example exited %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "content", "teams", "sre.md")); err != nil {
		t.Fatal(err)
	}
	if errs, _ := checkFindings(t, dir); len(errs) > 0 {
		t.Errorf("check found errors in the example:\n%s", strings.Join(errs, "\n"))
	}
}

// TestStarterConfig: the starter's compass.yaml sets every key of Config,
// each to its default (but the title), so it documents them all and
// cannot drift from DefaultConfig.
func TestStarterConfig(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCompass(t, "init", "--title", "Acme handbook", dir); code != 0 {
		t.Fatalf("init exited %d:\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "compass.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// Blocks nest (bot.silence.allowed); check.rules is a value, a mapping.
	var keys []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok && k != "rules" {
				walk(prefix+k+".", sub)
				continue
			}
			keys = append(keys, prefix+k)
		}
	}
	walk("", doc)
	slices.Sort(keys)
	defaults := defaultValues()
	if want := slices.Sorted(maps.Keys(defaults)); !slices.Equal(keys, want) {
		t.Errorf("compass.yaml keys:\n%v\nConfig keys:\n%v", keys, want)
	}
	got, err := loadConfig(dir, nil, append(siteBlocks, botBlocks...)...)
	if err != nil {
		t.Fatalf("load the starter's compass.yaml: %v", err)
	}
	want := DefaultConfig()
	want.Site.Title = "Acme handbook"
	want.Site.HeadingIDs = "compass"
	got.Secrets = want.Secrets
	gotFlat, wantFlat := map[string]any{}, map[string]any{}
	flattenKeys(reflectValue(got), "", gotFlat)
	flattenKeys(reflectValue(want), "", wantFlat)
	for k, w := range wantFlat {
		if g := gotFlat[k]; !equalValue(g, w) {
			t.Errorf("compass.yaml sets %s to %v, the default is %v", k, g, w)
		}
	}
}

// TestInitFrom sets a compass up around a small handbook of each dialect
// and builds it.
func TestInitFrom(t *testing.T) {
	for _, tt := range []struct {
		dialect, src, want string // src: where the handbook is, from the folder init runs in
	}{
		{"mkdocs", ".", "heading_ids: mkdocs"},
		{"myst", "handbook", "heading_ids: compass"},
		{"hugo", ".", "title: \"Hugo Handbook\""},
		{"docusaurus", ".", "heading_ids: github"},
	} {
		t.Run(tt.dialect, func(t *testing.T) {
			work := t.TempDir()
			if err := os.CopyFS(filepath.Join(work, tt.src), os.DirFS(filepath.Join("testdata", "from", tt.dialect))); err != nil {
				t.Fatal(err)
			}
			t.Chdir(work)
			code, out := runCompass(t, "init", "--from", tt.dialect, tt.src)
			if code != 0 || !strings.Contains(out, "0 errors") {
				t.Fatalf("init --from exited %d:\n%s", code, out)
			}
			b, _ := os.ReadFile("compass.yaml")
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("compass.yaml has no %q", tt.want)
			}
			if code, out := runCompass(t, "build", "--strict"); code != 0 {
				t.Fatalf("build exited %d:\n%s", code, out)
			}
		})
	}
}

func reflectValue(c Config) reflect.Value { return reflect.ValueOf(c) }

func equalValue(a, b any) bool { return reflect.DeepEqual(a, b) || fmt.Sprint(a) == fmt.Sprint(b) }

// TestInitFromRefuses: a MyST project with its pages at the root cannot be
// its own content/, and an unknown dialect or a folder without the
// dialect's configuration is a usage error; nothing is written.
func TestInitFromRefuses(t *testing.T) {
	for _, tt := range []struct{ name, dialect, want string }{
		{"pages at the root", "myst", "in the folder above it"},
		{"no mkdocs.yml", "mkdocs", "mkdocs.yml"},
		{"unknown dialect", "sphinx", "not one of mkdocs, myst, hugo, docusaurus"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			if err := os.CopyFS(work, os.DirFS(filepath.Join("testdata", "from", "myst"))); err != nil {
				t.Fatal(err)
			}
			t.Chdir(work)
			code, out := runCompass(t, "init", "--from", tt.dialect, ".")
			if code != 2 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", code, tt.want, out)
			}
			if _, err := os.Stat("compass.yaml"); err == nil {
				t.Error("compass.yaml was written")
			}
		})
	}
}
