package markdown

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkRender renders a realistic runbook (headings, tables, code in
// several languages, links, callouts, footnotes) with one shared Renderer
// from all Ps, the way the build renders pages in parallel. The cache of
// highlighted blocks is off, so every iteration highlights its code as a
// page with unique code would; BenchmarkRenderCached has it on.
func BenchmarkRender(b *testing.B) { benchRender(b, false) }

// BenchmarkRenderCached is BenchmarkRender with every code block already
// highlighted once: a page whose snippets repeat, or one edited under
// `compass serve`.
func BenchmarkRenderCached(b *testing.B) { benchRender(b, true) }

func benchRender(b *testing.B, cached bool) {
	src, err := os.ReadFile("testdata/page.md")
	if err != nil {
		b.Fatal(err)
	}
	r := New(Options{})
	r.code.cache.off = !cached
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Render(src, 8, fakeResolve); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRenderPathological guards against quadratic scans: lines full of
// unclosed "{{" and "{x}`" openers must stay linear.
func BenchmarkRenderPathological(b *testing.B) {
	body := []byte(strings.Repeat("{{ ", 20000) + "\n\n" + strings.Repeat("{x}`` ", 20000) + "\n")
	r := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(body, 1, nil); err != nil {
			b.Fatal(err)
		}
	}
}
