package slash

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
	"github.com/compasshq/compass/build/handbook"
)

// benchSite generates and builds the n-page benchmark corpus once, kept in
// the temp folder between runs (building 10,000 pages takes a while on a
// small machine); COMPASS_BENCH_REBUILD=1 forces a rebuild.
func benchSite(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "compass-slash-bench-"+strconv.Itoa(n))
	done := filepath.Join(dir, "built")
	if _, err := os.Stat(done); err == nil && os.Getenv("COMPASS_BENCH_REBUILD") == "" {
		return filepath.Join(dir, "public", "compass.json")
	}
	os.RemoveAll(dir)
	if err := corpus.Generate(dir, n, corpus.Compass); err != nil {
		b.Fatal(err)
	}
	if _, err := build.Build(context.Background(), build.Options{Source: dir, Out: filepath.Join(dir, "public"), BaseURL: "https://handbook.example.com/"}); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "public", "compass.json")
}

// BenchmarkCommandSearch10k times /compass <words> end to end through HTTP
// on the 10,000-page corpus: a Slack-signed form body is posted to
// /slack/commands on a loopback server, verified, parsed, searched and
// answered as Block Kit JSON. It reports the server-side latency (handler
// entry to return) as p50/p99, and the client's round trip beside it.
func BenchmarkCommandSearch10k(b *testing.B) {
	src := handbook.NewSource(benchSite(b, 10000), handbook.SourceOptions{})
	if err := src.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	h, err := New(Options{Handbook: src})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var server []time.Duration
	cmds := h.CommandsHandler(Verifier{Secrets: []string{testSecret}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cmds.ServeHTTP(w, r)
		d := time.Since(start)
		mu.Lock()
		server = append(server, d)
		mu.Unlock()
	}))
	defer srv.Close()
	queries := []string{
		"disk quota", "rotation handoff", "search capacity review", "escalation pager", "memory upgrade",
		"runbook rollback", "latency budget", "cluster node", "incident review decision", "deploy risk",
		"alert", "async writing record", "network error", "owner change", "primary secondary",
	}
	client := srv.Client()
	post := func(q string) {
		body := slackForm(q, "https://hooks.slack.invalid/commands/1")
		now := time.Now()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(HeaderSignature, Sign(testSecret, now, []byte(body)))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"blocks"`) || strings.Contains(string(data), "Looking that up") {
			b.Fatalf("answer %d: %.200s", resp.StatusCode, data)
		}
	}
	// The first query of each word loads its index shards; count that as
	// warm-up, as a running bot has long done it.
	for _, q := range queries {
		post(q)
	}
	mu.Lock()
	server = server[:0]
	mu.Unlock()
	var rtt []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		post(queries[i%len(queries)])
		rtt = append(rtt, time.Since(start))
	}
	b.StopTimer()
	report := func(ds []time.Duration, name string) {
		slices.Sort(ds)
		pct := func(p float64) float64 {
			return float64(ds[min(len(ds)-1, int(float64(len(ds))*p))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.50), name+"-p50-ms")
		b.ReportMetric(pct(0.99), name+"-p99-ms")
	}
	mu.Lock()
	report(server, "server")
	mu.Unlock()
	report(rtt, "rtt")
}
