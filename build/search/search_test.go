package search_test

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compasshq/compass/build/search"
)

// openIndex writes the index of docs to a temp dir and opens it.
func openIndex(t testing.TB, docs []search.Document) (*search.Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "search")
	if err := search.Write(dir, slices.Clone(docs)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	ix, err := search.OpenIndexDir(dir)
	if err != nil {
		t.Fatalf("OpenIndexDir: %v", err)
	}
	return ix, dir
}

func urls(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.URL
	}
	return out
}

func TestRankingFixture(t *testing.T) {
	ix, _ := openIndex(t, fixtureDocs())
	tests := []struct {
		name  string
		query string
		first string   // the top hit
		all   []string // when set, exactly these hits in this order
		none  bool     // no hits at all
	}{
		{name: "alert name", query: "KubeMemoryOvercommit", first: "/runbooks/kube-memory-overcommit/"},
		{name: "alert name lower case", query: "kubecpuovercommit", first: "/runbooks/kube-cpu-overcommit/"},
		{name: "alert name by parts", query: "cpu overcommit", first: "/runbooks/kube-cpu-overcommit/"},
		{name: "long alert name parts", query: "filesystem space filling", first: "/runbooks/node-filesystem/"},
		{name: "prefix of last word", query: "replicat", first: "/runbooks/postgres-replication/"},
		{name: "prefix of alert name", query: "NodeFilesys", first: "/runbooks/node-filesystem/"},
		{name: "stemming", query: "overcommitted memory", first: "/runbooks/kube-memory-overcommit/"},
		{name: "typo substitution", query: "compensatoin ", first: "/policies/oncall/#compensation"},
		{name: "typo deletion", query: "replcation lag ", first: "/runbooks/postgres-replication/"},
		{name: "typo needs 5 letters", query: "lga ", none: true},
		{name: "heading beats body", query: "escalation ", first: "/policies/oncall/#escalation"},
		{name: "phrase", query: `"disk full"`, all: []string{"/runbooks/node-filesystem/"}},
		{name: "phrase words apart do not match", query: `"full disk"`, none: true},
		{name: "phrase with stop word gap", query: `"out of space"`, all: []string{"/runbooks/node-filesystem/"}},
		{name: "filter kind", query: "escalate kind:policy", first: "/policies/oncall/#escalation"},
		{name: "filter team", query: "page team:data", all: []string{"/runbooks/postgres-replication/#escalate"}},
		{name: "filter tag", query: "node tag:disk", first: "/runbooks/node-filesystem/"},
		{name: "filter only", query: "tag:database", all: []string{"/runbooks/postgres-replication/", "/runbooks/postgres-replication/#escalate"}},
		{name: "unknown filter value", query: "node kind:nope", none: true},
		{name: "stop words only", query: "the of and", none: true},
		{name: "empty", query: "  ", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := ix.Search(tt.query, 10)
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.query, err)
			}
			got := urls(hits)
			switch {
			case tt.none:
				if len(got) != 0 {
					t.Errorf("Search(%q) = %v, want no hits", tt.query, got)
				}
			case tt.all != nil:
				if !slices.Equal(got, tt.all) {
					t.Errorf("Search(%q) = %v, want %v", tt.query, got, tt.all)
				}
			default:
				if len(got) == 0 || got[0] != tt.first {
					t.Errorf("Search(%q) = %v, want first %s", tt.query, got, tt.first)
				}
			}
		})
	}
}

func TestHitFields(t *testing.T) {
	ix, _ := openIndex(t, fixtureDocs())
	hits, err := ix.Search("crictl", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(hits))
	}
	h := hits[0]
	want := search.Hit{URL: "/runbooks/node-filesystem/#free-space", Page: "/runbooks/node-filesystem/", Title: "Node filesystem filling up", Section: "Free space", Kind: "runbook", Team: "sre"}
	if h.URL != want.URL || h.Page != want.Page || h.Title != want.Title || h.Section != want.Section || h.Kind != want.Kind || h.Team != want.Team {
		t.Errorf("hit = %+v, want %+v", h, want)
	}
	if h.Score <= 0 {
		t.Errorf("score = %v, want > 0", h.Score)
	}
	if len(h.Marks) != 1 || h.Snippet[h.Marks[0][0]:h.Marks[0][1]] != "crictl" {
		t.Errorf("snippet %q marks %v, want crictl marked", h.Snippet, h.Marks)
	}
}

func TestDeterministic(t *testing.T) {
	docs := fixtureDocs()
	a, err := search.Build(slices.Clone(docs))
	if err != nil {
		t.Fatal(err)
	}
	// Reversed page order must not change anything: pages are sorted.
	rev := slices.Clone(docs)
	slices.SortStableFunc(rev, func(x, y search.Document) int { return -strings.Compare(x.Page, y.Page) })
	b, err := search.Build(rev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b))) {
		t.Fatalf("file names differ: %v vs %v", slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b)))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between builds", name)
		}
	}
}
