package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slacktest"
)

// amPayload is an Alertmanager v4 webhook for group g holding n alerts.
func amPayload(g, n int) []byte {
	type alert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	group := fmt.Sprintf("{}:{alertname=\"KubeCPUOvercommit\", cluster=\"c%d\"}", g)
	p := map[string]any{
		"version": "4", "groupKey": group, "truncatedAlerts": 0, "status": "firing", "receiver": "compass",
		"groupLabels":       map[string]string{"alertname": "KubeCPUOvercommit", "cluster": fmt.Sprint("c", g)},
		"commonLabels":      map[string]string{"alertname": "KubeCPUOvercommit", "cluster": fmt.Sprint("c", g), "severity": "warning"},
		"commonAnnotations": map[string]string{"summary": "Cluster has overcommitted CPU resource requests."},
		"externalURL":       "http://alertmanager.invalid:9093",
	}
	var alerts []alert
	for i := range n {
		alerts = append(alerts, alert{
			Status:      "firing",
			Labels:      map[string]string{"alertname": "KubeCPUOvercommit", "cluster": fmt.Sprint("c", g), "severity": "warning", "node": fmt.Sprint("worker-", i)},
			Annotations: map[string]string{"summary": "Cluster has overcommitted CPU resource requests."},
			StartsAt:    "2026-03-04T09:00:00Z", EndsAt: "0001-01-01T00:00:00Z",
			GeneratorURL: "http://prometheus.invalid/graph", Fingerprint: fmt.Sprintf("%08x%08x", g, i),
		})
	}
	p["alerts"] = alerts
	b, _ := json.Marshal(p)
	return b
}

// BenchmarkBotWebhookHTTP measures what Alertmanager sees: POST
// /hooks/alertmanager on a running `compass bot` (real adapter, SQLite on
// disk, outbox posting to a fake Slack at the real 1 msg/s per channel),
// paced at 500 webhooks/s, each a group notification with one more alert
// than the last. Reports HTTP latency p50/p99.
func BenchmarkBotWebhookHTTP(b *testing.B) {
	tmp := b.TempDir()
	fake := slacktest.New(b)
	const token = "bench-token"
	b.Setenv("SLACK_BOT_TOKEN", "xoxb-bench")
	b.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	addr, _ := startBot(b, "--dir", tmp, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL())
	url := "http://" + addr + "/hooks/alertmanager"
	bodies := make([][]byte, b.N)
	for i := range b.N {
		bodies[i] = amPayload(i%100, i/100+1)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	const rate = 500
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / rate)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			t := time.Now()
			resp, err := client.Do(req)
			lat[i] = time.Since(t)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("webhook %d: %s", i, resp.Status)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(float64(len(lat)-1)*q)].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50_ms")
	b.ReportMetric(p(0.99), "p99_ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "webhooks/s")
}
