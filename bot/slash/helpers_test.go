package slash

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/internal/testutil"
)

// fixtureOnce builds testdata/site once per test binary: the same build the
// site uses, so the answers rank exactly as the site's search does.
var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func fixtureMap(t testing.TB) string {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slash-fixture-")
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureDir = dir
		_, fixtureErr = build.Build(context.Background(), build.Options{
			Source: "testdata/site", Out: filepath.Join(dir, "public"),
			BaseURL: "https://handbook.example.com/", Title: "Fixture",
			Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		})
	})
	if fixtureErr != nil {
		t.Fatalf("build fixture site: %v", fixtureErr)
	}
	return filepath.Join(fixtureDir, "public", "compass.json")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// loadSource loads the fixture's compass.json and search index.
func loadSource(t testing.TB) *handbook.Source {
	t.Helper()
	src := handbook.NewSource(fixtureMap(t), handbook.SourceOptions{})
	if err := src.Load(context.Background()); err != nil {
		t.Fatalf("load fixture map: %v", err)
	}
	if src.Index() == nil {
		t.Fatal("fixture has no search index")
	}
	return src
}

// fakeIncidents is an in-memory Incidents.
type fakeIncidents struct {
	mu   sync.Mutex
	incs []*bot.Incident
	err  error
}

func (f *fakeIncidents) ListOpen(_ context.Context, limit int) ([]*bot.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []*bot.Incident
	for _, inc := range f.incs {
		if inc.Status != bot.StatusResolved {
			out = append(out, inc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].OpenedAt.After(out[j].OpenedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeIncidents) ReplySource(context.Context, string, string, string) (*bot.Incident, string, error) {
	return nil, "", bot.ErrNotFound
}

func (f *fakeIncidents) Find(_ context.Context, key string) (*bot.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, inc := range f.incs {
		if inc.Key == key {
			return inc, nil
		}
	}
	return nil, bot.ErrNotFound
}

// golden compares got (marshalled as indented JSON) with testdata/name.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <url|text> readable in the golden files
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join("testdata", name), buf.Bytes())
}
