// Command measure compares Compass's search index with Pagefind's on a built
// site in headless Chromium: bytes fetched for a cold first query and for a
// second query, and browser query time. build/search/bench/pagefind.sh runs it.
//
// It serves the site itself, gzip-compressing text files as static hosts do,
// and counts the bytes it sends for each query, so the figures are what a
// browser downloads.
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
)

// queryPairs are (first, second) queries over the generated corpus, each
// pair in a fresh browser profile. Besides ordinary words and two-word
// queries they hold the kinds issue #17 names: a phrase, id-like tokens
// that occur on one page ("4242" in a page's title, "handle4242" in its
// code), an id-like token the handbook does not hold ("HB-04242", first
// and second) and words every page has ("alert", "page").
var queryPairs = [][2]string{
	{"incident review", "rollback"},
	{"escalation primary", "capacity"},
	{"memory quota", "deploy risk"},
	{"latency budget", "pager"},
	{"handoff rotation", "network upgrade"},
	{`"error budget"`, "handle4242"},
	{"4242", "alert"},
	{"page", "kubernetes"},
	{"HB-04242", "escalation"},
	{"alert", "HB-04242"},
}

// typed are queries typed character by character for the latency figures.
var typed = []string{"incident review", "escalation", "memory quota", "rollback plan", "pager duty",
	"cluster node", "latency", "writing decision record", "async", "upgrade network"}

const harness = `<!doctype html><meta charset="utf-8"><title>bench</title>
<script src="%s"></script>
<script>
window.bench = {
  async ours(q, n) {
    if (!window.ix) window.ix = await CompassSearch.Index.open(async (name, start, end) => {
      const opt = start === undefined ? {} : { headers: { Range: 'bytes=' + start + '-' + (end - 1) } };
      const r = await fetch('/search/' + name, opt);
      if (r.status !== (start === undefined ? 200 : 206)) throw new Error(name + ': ' + r.status);
      return r.arrayBuffer(); });
    const hits = await window.ix.search(q, n);
    return hits.map(h => h.url);
  },
  async pagefind(q, n) {
    if (!window.pf) { window.pf = await import('/pagefind/pagefind.js'); await window.pf.options({}); }
    const r = await window.pf.search(q);
    const data = await Promise.all(r.results.slice(0, n).map(x => x.data()));
    return data.map(d => d.url);
  },
  async times(engine, queries, n) {
    const out = [];
    for (const q of queries) { const t0 = performance.now(); await this[engine](q, n); out.push(performance.now() - t0); }
    return out;
  }
};
</script>`

type counter struct {
	bytes    atomic.Int64
	requests atomic.Int64
}

func (c *counter) reset() {
	c.bytes.Store(0)
	c.requests.Store(0)
}

type countingWriter struct {
	http.ResponseWriter
	c *counter
}

func (w countingWriter) Write(b []byte) (int, error) {
	w.c.bytes.Add(int64(len(b)))
	return w.ResponseWriter.Write(b)
}

func main() {
	site := flag.String("site", "", "built site folder (with search/ and pagefind/)")
	searchJS := flag.String("searchjs", "", "path of search.js in the site")
	out := flag.String("json", "", "write the figures as JSON to this file")
	latency := flag.Bool("latency", true, "also time typed queries (warm)")
	engines := flag.String("engines", "ours,pagefind", "engines to measure, comma-separated (Pagefind's figures do not change while Compass's index does)")
	flag.DurationVar(&browserTimeout, "timeout", 5*time.Minute, "limit of each browser session (raise it on a loaded machine)")
	flag.Parse()
	if err := run(*site, *searchJS, *out, strings.Split(*engines, ","), *latency); err != nil {
		slog.Error("measure", "error", err)
		os.Exit(1)
	}
}

func run(site, searchJS, out string, engines []string, latency bool) error {
	c := &counter{}
	base, stop, err := serve(site, searchJS, c)
	if err != nil {
		return err
	}
	defer stop()

	report := map[string]any{}
	perQuery := map[string]map[string]int64{} // engine → "1 query" / "2 query" → bytes
	for _, engine := range engines {
		perQuery[engine] = map[string]int64{}
		tr, err := measureTransfer(base, engine, c, perQuery[engine])
		if err != nil {
			return err
		}
		r := map[string]any{
			"first_query_bytes":     mean(tr.first),
			"first_query_requests":  meanInt(tr.firstReqs),
			"second_query_bytes":    mean(tr.second),
			"second_query_requests": meanInt(tr.secondReqs),
		}
		report[engine] = r
		fmt.Printf("%-9s first query %7.0f bytes in %.1f requests, second %7.0f bytes in %.1f requests\n",
			engine, r["first_query_bytes"], r["first_query_requests"], r["second_query_bytes"], r["second_query_requests"])
		if !latency {
			continue
		}
		lat, err := measureLatency(base, engine)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		r["query_ms_p50"], r["query_ms_p95"], r["queries_timed"] = lat[len(lat)/2], lat[len(lat)*95/100], len(lat)
		fmt.Printf("%-9s query p50 %.2f ms p95 %.2f ms (%d typed queries, warm)\n", engine, r["query_ms_p50"], r["query_ms_p95"], len(lat))
	}
	fmt.Printf("\n%-28s %10s %10s %7s\n", "query (1 first, 2 second)", "ours", "pagefind", "ratio")
	for _, pair := range queryPairs {
		for i, q := range pair {
			k := fmt.Sprintf("%d %s", i+1, q)
			o, p := perQuery["ours"][k], perQuery["pagefind"][k]
			fmt.Printf("%-28s %10d %10d %7.2f\n", k, o, p, float64(o)/float64(max(p, 1)))
		}
	}
	report["per_query_bytes"] = perQuery
	if out != "" {
		b, _ := json.MarshalIndent(report, "", "  ")
		return os.WriteFile(out, b, 0o644)
	}
	return nil
}

// serve serves site, and the benchmark page loading searchJS, on a local
// port, counting what is fetched in c. It returns the base URL and a func
// that stops the server.
func serve(site, searchJS string, c *counter) (string, func(), error) {
	fsrv := http.FileServer(http.Dir(site))
	mux := http.NewServeMux()
	mux.HandleFunc("/__bench.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, harness, searchJS)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		w.Header().Set("Cache-Control", "max-age=3600")
		cw := countingWriter{w, c}
		ext := filepath.Ext(r.URL.Path)
		if (ext == ".js" || ext == ".json" || ext == ".css" || ext == ".html" || ext == ".mjs") && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Del("Content-Length")
			gz := gzip.NewWriter(cw)
			defer gz.Close()
			fsrv.ServeHTTP(gzipWriter{cw, gz}, r)
			return
		}
		fsrv.ServeHTTP(cw, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// transfer is what an engine fetched for the first and the second query
// of each pair, each pair in a fresh browser.
type transfer struct {
	first, second         []int64
	firstReqs, secondReqs []int
}

// measureTransfer runs each query pair with engine, recording the bytes of
// each query in perQuery ("1 query" / "2 query").
func measureTransfer(base, engine string, c *counter, perQuery map[string]int64) (transfer, error) {
	var tr transfer
	for _, pair := range queryPairs {
		err := withBrowser(func(ctx context.Context) error {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/__bench.html")); err != nil {
				return err
			}
			for i, q := range pair {
				c.reset()
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("bench.%s(%q, 5)", engine, q), chromedp.EvalAwaitPromise)); err != nil {
					return fmt.Errorf("%s %q: %w", engine, q, err)
				}
				n := int(c.requests.Load())
				perQuery[fmt.Sprintf("%d %s", i+1, q)] = c.bytes.Load()
				if i == 0 {
					tr.first, tr.firstReqs = append(tr.first, c.bytes.Load()), append(tr.firstReqs, n)
				} else {
					tr.second, tr.secondReqs = append(tr.second, c.bytes.Load()), append(tr.secondReqs, n)
				}
			}
			return nil
		})
		if err != nil {
			return tr, err
		}
	}
	return tr, nil
}

// measureLatency times engine on every prefix of the typed queries, warm:
// one pass fetches the shards (as a user's first keystrokes do), then the
// measured pass. It returns the times in milliseconds.
func measureLatency(base, engine string) ([]float64, error) {
	var lat []float64
	err := withBrowser(func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/__bench.html")); err != nil {
			return err
		}
		var qs []string
		for _, q := range typed {
			for i := 1; i <= len(q); i++ {
				qs = append(qs, q[:i])
			}
		}
		js, _ := json.Marshal(qs)
		for pass := range 2 {
			ts, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf("bench.times(%q, %s, 8)", engine, js), chromedp.EvalAwaitPromise))
			if err != nil {
				return err
			}
			if pass == 1 {
				lat = ts
			}
		}
		return nil
	})
	return lat, err
}

type gzipWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (g gzipWriter) Write(b []byte) (int, error) { return g.w.Write(b) }

// WriteHeader drops the file server's Content-Length, which is the
// uncompressed size.
func (g gzipWriter) WriteHeader(code int) {
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}

// browserTimeout bounds each browser session (-timeout).
var browserTimeout time.Duration

func withBrowser(fn func(ctx context.Context) error) error {
	tmp, err := os.MkdirTemp("", "compass-measure-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(tmp))
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, browserTimeout)
	defer cancelT()
	return fn(ctx)
}

func mean(xs []int64) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(max(len(xs), 1))
}

func meanInt(xs []int) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(max(len(xs), 1))
}
