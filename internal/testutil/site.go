package testutil

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot is the repository's root folder, wherever the test runs from.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// BuildFunc builds the site whose root (holding content/) is source into out:
// build.Build with the options the test wants. This package cannot import
// build, whose own tests use it.
type BuildFunc func(ctx context.Context, source, out string) error

// ExampleSite builds the example handbook (content/ at the repository root)
// into a fresh folder and returns it. A build error fails the test: the
// example handbook must always build.
func ExampleSite(tb testing.TB, build BuildFunc) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "public")
	if err := build(context.Background(), RepoRoot(), out); err != nil {
		tb.Fatalf("build the example handbook: %v", err)
	}
	return out
}
