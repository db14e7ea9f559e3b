package build

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/compasshq/compass/build/bench/corpus"
)

// benchBuild builds a generated corpus of n pages (front matter, headings,
// tables, code, internal links; nested folders, or that many flat folders
// when folders > 0) into a fresh folder per iteration, and reports the
// output's bytes per page, which must not grow with a folder's size (issue
// #17). Compare with Hugo on the same corpus: scripts/bench/build.sh.
func benchBuild(b *testing.B, n, folders int) {
	src := b.TempDir()
	generate := corpus.Generate
	if folders > 0 {
		generate = func(dir string, n int, l corpus.Layout) error { return corpus.GenerateFlat(dir, n, folders, l) }
	}
	if err := generate(src, n, corpus.Compass); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i, bytes := 0, int64(0)
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
		b.StopTimer()
		bytes = treeBytes(b, out)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(i*n), "µs/page")
	b.ReportMetric(float64(bytes)/float64(n), "out-B/page")
}

// treeBytes is the size of the files under dir.
func treeBytes(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkBuild1k(b *testing.B)  { benchBuild(b, 1000, 0) }
func BenchmarkBuild10k(b *testing.B) { benchBuild(b, 10000, 0) }

// BenchmarkBuildFlat3k is one folder of 3,000 pages.
func BenchmarkBuildFlat3k(b *testing.B) { benchBuild(b, 3000, 1) }
