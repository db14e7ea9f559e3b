package build

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/compasshq/compass/build/bench/corpus"
)

// benchBuild builds a generated corpus of n pages (front matter, headings,
// tables, code, internal links, nested folders) into a fresh folder per
// iteration. Compare with Hugo on the same corpus: build/bench/hugo.sh.
func benchBuild(b *testing.B, n int) {
	src := b.TempDir()
	if err := corpus.Generate(src, n, corpus.Compass); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		out := filepath.Join(b.TempDir(), "public")
		res, err := Build(context.Background(), Options{Source: src, Out: out})
		if err != nil {
			b.Fatal(err)
		}
		if res.Pages < n {
			b.Fatalf("built %d pages, want at least %d", res.Pages, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(i*n), "µs/page")
}

func BenchmarkBuild1k(b *testing.B)  { benchBuild(b, 1000) }
func BenchmarkBuild10k(b *testing.B) { benchBuild(b, 10000) }
