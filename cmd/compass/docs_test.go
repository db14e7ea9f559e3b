package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compasshq/compass/internal/testutil"
)

// TestCLIReference fails when docs/content/cli is not what `compass docs`
// writes: a flag, command or help text changed without the reference.
func TestCLIReference(t *testing.T) {
	dir := filepath.Join("..", "..", cliDocsDir)
	if testutil.Update() {
		if code := run(context.Background(), []string{"docs", "--out", dir}, io.Discard, os.Stderr); code != 0 {
			t.Fatalf("compass docs exited %d", code)
		}
	}
	want := cliPages(newRootCmd(&app{stdout: io.Discard, stderr: io.Discard}))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[e.Name()]; !ok {
			t.Errorf("%s/%s is no command's page", cliDocsDir, e.Name())
		} else if !bytes.Equal(data, w) {
			t.Errorf("%s/%s is stale", cliDocsDir, e.Name())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !slices.Contains(got, name) {
			t.Errorf("%s/%s is missing", cliDocsDir, name)
		}
	}
	if t.Failed() {
		t.Log("run: go run ./cmd/compass docs (or go test ./cmd/compass -run TestCLIReference -update)")
	}
}

// TestDocsSite: the documentation site passes compass check with no
// findings at all, and builds.
func TestDocsSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the documentation site")
	}
	site := filepath.Join("..", "..", "docs")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", "--source", site, "--strict"}, &stdout, &stderr); code != 0 {
		t.Fatalf("compass check --strict docs exited %d:\n%s%s", code, &stdout, &stderr)
	}
	if !strings.HasPrefix(stdout.String(), "0 errors, 0 warnings") {
		t.Errorf("compass check docs: %s", &stdout)
	}
	stdout.Reset()
	out := t.TempDir()
	if code := run(context.Background(), []string{"build", "--source", site, "--out", out, "--strict"}, &stdout, &stderr); code != 0 {
		t.Fatalf("compass build docs exited %d:\n%s", code, &stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "cli", "build", "index.html")); err != nil {
		t.Errorf("the CLI reference was not built: %v", err)
	}
}
