package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/build"
)

// genSite writes a handbook of n pages into dir: sections of 100 pages,
// each page with front matter, a few headings, prose and links to its
// neighbours (some to their headings), so rendering, link checks and
// navigation cost what they cost on a real site.
func genSite(tb testing.TB, dir string, n int) []string {
	tb.Helper()
	writeFile(tb, dir, "content/_index.md", "---\ntitle: Home\n---\nThe generated handbook.\n")
	var pages []string
	perSection := 100
	for i := range n {
		sec := i / perSection
		name := fmt.Sprintf("content/s%03d/p%04d.md", sec, i)
		if i%perSection == 0 {
			writeFile(tb, dir, fmt.Sprintf("content/s%03d/_index.md", sec), fmt.Sprintf("---\ntitle: Section %d\n---\nPages of section %d.\n", sec, sec))
		}
		next := fmt.Sprintf("p%04d.md", sec*perSection+(i+1)%perSection)
		writeFile(tb, dir, name, pageText(i, next, 0))
		pages = append(pages, name)
	}
	return pages
}

// pageText is the Markdown of generated page i; rev changes the body only.
func pageText(i int, next string, rev int) string {
	kinds := []string{"policy", "guide", "runbook", "guide"}
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: Page %d\nkind: %s\ntags: [t%d]\n---\n", i, kinds[i%len(kinds)], i%20)
	fmt.Fprintf(&b, "Introduction to page %d, revision %d. See [the next page](%s) and [its details](%s#details).\n\n", i, rev, next, next)
	for _, h := range []string{"Overview", "Details", "Escalation"} {
		fmt.Fprintf(&b, "## %s\n\n", h)
		for j := range 4 {
			fmt.Fprintf(&b, "Paragraph %d of %s on page %d: the on-call engineer checks the dashboard, "+
				"reads the runbook, writes in the incident channel and hands over at the end of the shift.\n\n", j, strings.ToLower(h), i)
		}
		b.WriteString("- one item\n- another item with `code`\n\n")
	}
	return b.String()
}

// BenchmarkEditToReload measures, on a generated 10,000-page site, the
// time from writing one page's body to the reload event reaching a
// connected client, the heap in use before and after b.N edits, and the
// process's resident memory: after a tenth of the edits (the warm-up:
// caches and the search index at their working size) and the highest
// after that, sampled every tenth of the run once the search index has
// caught up (issue #17: flat within 5%).
// Run: go test -run '^$' -bench EditToReload -benchtime 1000x ./build/serve
func BenchmarkEditToReload(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	dir := b.TempDir()
	pages := genSite(b, dir, n)
	srv := New(Options{Build: build.Options{Source: dir}, Addr: "127.0.0.1:0"})
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	s := &site{t: &testing.T{}, url: srv.URL(), srv: srv, stdout: &syncBuffer{}, events: make(chan sse, 100)}
	s.subscribe(ctx)
	first := <-s.events
	if first.name != "errors" || first.data != "[]" {
		b.Fatalf("generated site has errors: %s", first.data)
	}
	// Let the initial search index build finish before measuring.
	srv.search.mark()
	for srv.search.busy() {
		time.Sleep(10 * time.Millisecond)
	}

	heap := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapInuse) / (1 << 20)
	}
	before := heap()
	var rssWarm, rssMax float64
	step := max(1, b.N/10)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		k := (i * 7919) % len(pages)
		name := pages[k]
		want := "/" + strings.TrimSuffix(strings.TrimPrefix(name, "content/"), ".md") + "/"
		next := fmt.Sprintf("p%04d.md", k/100*100+(k+1)%100)
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(pageText(k, next, i+1)), 0o644); err != nil {
			b.Fatal(err)
		}
		for got := false; !got; {
			select {
			case ev := <-s.events:
				if ev.name != "reload" {
					continue
				}
				var re reloadEvent
				if err := json.Unmarshal([]byte(ev.data), &re); err != nil {
					b.Fatal(err)
				}
				got = re.All || slices.Contains(re.Pages, want)
			case <-time.After(time.Minute):
				b.Fatalf("no reload for %s", name)
			}
		}
		lat = append(lat, time.Since(t0))
		if (i+1)%step == 0 {
			b.StopTimer()
			// Sampled once the search index caught up, so a rebuild's
			// passing memory is not mistaken for growth.
			for srv.search.busy() {
				time.Sleep(10 * time.Millisecond)
			}
			r := rssMB(b)
			if i+1 == step {
				rssWarm = r
			}
			rssMax = max(rssMax, r)
			b.StartTimer()
		}
	}
	b.StopTimer()
	for srv.search.busy() {
		time.Sleep(10 * time.Millisecond)
	}
	after := heap()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(before, "heap-before-MB")
	b.ReportMetric(after, "heap-after-MB")
	b.ReportMetric(float64(n), "pages")
	b.ReportMetric(rssWarm, "rss-warm-MB")
	b.ReportMetric(rssMax, "rss-max-MB")
	if rssWarm > 0 {
		b.ReportMetric(100*(rssMax-rssWarm)/rssWarm, "rss-growth-%")
	}
}

// rssMB is this process's resident memory (VmRSS), after a GC so that
// garbage not yet collected does not count as growth; 0 where /proc is
// missing.
func rssMB(tb testing.TB) float64 {
	runtime.GC()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var v float64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &v); err != nil {
				tb.Fatalf("read VmRSS %q: %v", line, err)
			}
			return v / 1024
		}
	}
	return 0
}

// busy reports whether a rebuild is running or asked for, for benchmarks
// that want a quiet machine.
func (x *searchIndex) busy() bool {
	if len(x.dirty) > 0 {
		return true
	}
	if !x.running.TryLock() {
		return true
	}
	x.running.Unlock()
	return false
}
