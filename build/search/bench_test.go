package search_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/bench/corpus"
	"github.com/compasshq/compass/build/search"
)

// benchPages is the size of the generated corpus: COMPASS_BENCH_PAGES, or
// 10,000.
func benchPages() int {
	if n, err := strconv.Atoi(os.Getenv("COMPASS_BENCH_PAGES")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// benchDocs generates the corpus once per test binary and returns its search
// documents.
var benchDocs = sync.OnceValues(func() ([]search.Document, error) {
	dir, err := os.MkdirTemp("", "compass-search-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := corpus.Generate(dir, benchPages(), corpus.Compass); err != nil {
		return nil, err
	}
	s, err := build.Load(context.Background(), build.Options{Source: dir, Out: filepath.Join(dir, "public")})
	if err != nil {
		return nil, err
	}
	return s.SearchDocuments(), nil
})

// BenchQueries are typical handbook queries over the generated corpus,
// including prefixes, typos, phrases and filters.
var BenchQueries = []string{
	"oncall", "incident review", "kubernetes", "page 42", "deploy", "escalat", "review proces",
	`"on call"`, "tag:oncall handoff", "kind:policy security", "onboardng ", "meeting notes",
	"team3", "hiring", "writing guide", "runbook", "secur", "alert", "rotation", "documentation",
}

func BenchmarkWrite(b *testing.B) {
	docs, err := benchDocs()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		own := slices.Clone(docs) // Write takes its documents over
		b.StartTimer()
		if err := search.Write(dir, own); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	entries, _ := os.ReadDir(dir)
	var total int64
	kinds := map[string]int64{}
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			total += info.Size()
			kind, _, _ := strings.Cut(e.Name(), "-")
			kinds[kind] += info.Size()
		}
	}
	for _, k := range []string{"dict", "post", "pos", "meta", "mdir"} {
		b.ReportMetric(float64(kinds[k])/1024, k+"_KiB")
	}
	b.ReportMetric(float64(len(docs)), "docs")
	b.ReportMetric(float64(len(entries)), "files")
	b.ReportMetric(float64(total)/1024, "index_KiB")
}

// BenchmarkSearch measures warm Go query latency (shards cached, as in the
// bot) and reports the 50th and 95th percentiles.
func BenchmarkSearch(b *testing.B) {
	docs, err := benchDocs()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := search.Write(dir, slices.Clone(docs)); err != nil {
		b.Fatal(err)
	}
	ix, err := search.OpenIndexDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range BenchQueries { // load the shards
		if _, err := ix.Search(q, 10); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := BenchQueries[i%len(BenchQueries)]
		i++
		t0 := time.Now()
		if _, err := ix.Search(q, 10); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95_µs")
}
