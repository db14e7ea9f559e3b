package handbook_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
)

// writeSite writes compass.json and its search index into dir the way a
// build does: the index of docs in dir/search, the map titled title.
func writeSite(tb testing.TB, dir, title string, docs []search.Document) {
	tb.Helper()
	if docs != nil {
		if err := search.Write(filepath.Join(dir, handbook.IndexDir), docs); err != nil {
			tb.Fatalf("write index: %v", err)
		}
	}
	data, err := json.Marshal(&handbook.Map{Version: handbook.Version, Title: title})
	if err != nil {
		tb.Fatal(err)
	}
	tmp := filepath.Join(dir, "compass.json.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "compass.json")); err != nil {
		tb.Fatal(err)
	}
}

func doc(page, section, text string) search.Document {
	return search.Document{URL: page + "#" + strings.ToLower(section), Page: page, Title: "Page " + page, Section: section, Text: text}
}

// topURL searches the source's current index and returns the best hit's URL.
func topURL(tb testing.TB, s *handbook.Source, q string) string {
	tb.Helper()
	idx := s.Index()
	if idx == nil {
		tb.Fatalf("Index() = nil, want an index")
	}
	hits, err := idx.Search(q, 1)
	if err != nil {
		tb.Fatalf("Search(%q): %v", q, err)
	}
	if len(hits) == 0 {
		return ""
	}
	return hits[0].URL
}

func TestSourceIndexFromFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := handbook.NewSource(filepath.Join(dir, "compass.json"), handbook.SourceOptions{Logger: slog.New(slog.DiscardHandler)})

	// A site without a search index: the map loads, Index is nil.
	writeSite(t, dir, "no search", nil)
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Index() != nil {
		t.Fatalf("Index() = %v, want nil without search/", s.Index())
	}

	// A build adds the index: it arrives with the new map.
	writeSite(t, dir, "v1", []search.Document{doc("/runbooks/disk/", "Triage", "filesystem almost full on a node")})
	if changed, err := s.Reload(ctx); err != nil || !changed {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	if got := topURL(t, s, "filesystem"); got != "/runbooks/disk/#triage" {
		t.Errorf("top hit %q, want the disk runbook", got)
	}

	// A broken manifest written with a new map: the old index stays…
	writeSite(t, dir, "v2", nil)
	manifest := filepath.Join(dir, handbook.IndexDir, search.ManifestName)
	if err := os.WriteFile(manifest, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.Reload(ctx); err != nil || !changed {
		t.Fatalf("Reload with a broken index = %v, %v; want the map to load", changed, err)
	}
	if s.Map().Title != "v2" || topURL(t, s, "filesystem") != "/runbooks/disk/#triage" {
		t.Errorf("after a broken index: title %q, want v2 with the previous index", s.Map().Title)
	}

	// …and the next reload retries the index even though the map is unchanged.
	if err := search.Write(filepath.Join(dir, handbook.IndexDir), []search.Document{doc("/runbooks/quota/", "Triage", "namespace quota exceeded")}); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.Reload(ctx); err != nil || changed {
		t.Fatalf("Reload = %v, %v; want an unchanged map", changed, err)
	}
	if got := topURL(t, s, "quota"); got != "/runbooks/quota/#triage" {
		t.Errorf("top hit %q after the index was fixed, want the quota runbook", got)
	}
}

func TestSourceIndexFromURL(t *testing.T) {
	dir := t.TempDir()
	writeSite(t, dir, "v1", []search.Document{doc("/runbooks/node/", "Diagnose", "kubelet stopped posting node status")})
	srv := httptest.NewServer(http.StripPrefix("/site", http.FileServer(http.Dir(dir))))
	defer srv.Close()

	s := handbook.NewSource(srv.URL+"/site/compass.json", handbook.SourceOptions{Client: srv.Client()})
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := topURL(t, s, "kubelet"); got != "/runbooks/node/#diagnose" {
		t.Errorf("top hit %q, want the node runbook", got)
	}
}
