package search

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"testing"
)

// syntheticDocs returns n sections over pages of five, with a vocabulary
// large enough that chunks hold different terms.
func syntheticDocs(n int) []Document {
	words := []string{"disk", "full", "KubeMemoryOvercommit", "restarting", "pods", "escalation", "the", "of", "memory", "Überwachung", "node_exporter/v1.2"}
	docs := make([]Document, n)
	for i := range docs {
		page := fmt.Sprintf("/p/%04d/", i/5)
		var text bytes.Buffer
		for j := range 20 + i%37 {
			fmt.Fprintf(&text, "%s w%d ", words[(i*7+j*3)%len(words)], (i*j)%501)
		}
		d := Document{URL: page, Page: page, Title: fmt.Sprintf("Page %d %s", i/5, words[i%len(words)]),
			Text: text.String(), Kind: []string{"runbook", "policy"}[i/5%2], Team: fmt.Sprintf("t%d", i/50), Tags: []string{"a", "b"}[:i%3%2+1]}
		if i%5 != 0 {
			d.URL = fmt.Sprintf("%s#s%d", page, i%5)
			d.Section = fmt.Sprintf("Section %s", words[(i+3)%len(words)])
		}
		docs[i] = d
	}
	return docs
}

// TestParallelBuildMatchesSerial checks that splitting the indexing over
// several workers does not change a byte of the index.
func TestParallelBuildMatchesSerial(t *testing.T) {
	docs := syntheticDocs(3000)
	defer func(p, c int) { runtime.GOMAXPROCS(p); chunkDocs = c }(runtime.GOMAXPROCS(4), chunkDocs)
	tests := []struct {
		name      string
		chunkDocs int
	}{
		{"one worker", len(docs) + 1},
		{"two workers", len(docs) / 2},
		{"four workers", 100},
	}
	var want map[string][]byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunkDocs = tt.chunkDocs
			got, err := Build(slices.Clone(docs))
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = got
				return
			}
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
				t.Fatalf("file names differ from the serial build")
			}
			for name := range want {
				if !bytes.Equal(got[name], want[name]) {
					t.Errorf("%s differs from the serial build", name)
				}
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name string
		text string
		n    int
		want string
	}{
		{"short", "  disk\n full  ", 20, "disk full"},
		{"exact", "disk full", 9, "disk full"},
		{"cut at word", "disk full again and again", 12, "disk full…"},
		{"long word cut inside", "abcdefghijklmnop", 10, "abcdefghij…"},
		{"rune boundary", "ééééééé", 5, "éé…"},
		{"empty", " \t ", 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.text, tt.n); got != tt.want {
				t.Errorf("Excerpt(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
			}
		})
	}
}
