package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slacktest"
)

// TestBotWatched runs `compass bot` as an operator watches it (issue 13):
// /metrics counts webhooks by outcome and Slack calls by result, and /readyz
// fails while every Slack call has failed for longer than
// bot.readyz_slack_failing, then recovers with Slack.
func TestBotWatched(t *testing.T) {
	payload, err := os.ReadFile("../../hooks/alertmanager/testdata/firing.json")
	if err != nil {
		t.Fatal(err)
	}
	fake := slacktest.New(t)
	const token = "watch-token"
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-watch")
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	t.Setenv("COMPASS_BOT_READYZ_SLACK_FAILING", "1s")
	t.Setenv("COMPASS_BOT_MAX_CONNECTIONS", "16")
	dir := t.TempDir()
	addr, _ := startBot(t, "--dir", dir, "--listen", "127.0.0.1:0", "--store", filepath.Join(dir, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL())
	base := "http://" + addr
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("/readyz at start = %d %s", code, body)
	}

	fake.SetDown(true)
	for _, ct := range []string{"application/json", "application/json", "text/plain"} { // the second is a duplicate
		req, _ := http.NewRequest(http.MethodPost, base+"/hooks/alertmanager", bytes.NewReader(payload))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var body string
	waitFor("/readyz failing while Slack is down", func() bool {
		var code int
		code, body = get("/readyz")
		return code == 503
	})
	if !strings.Contains(body, "every Slack call has failed") {
		t.Errorf("/readyz body %q does not say Slack is failing", body)
	}

	code, metrics := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []struct {
		series string
		min    float64
	}{
		{`compass_webhooks_total{outcome="accepted",reason="",source="alertmanager"}`, 1},
		{`compass_webhooks_total{outcome="duplicate",reason="",source="alertmanager"}`, 1},
		{`compass_webhooks_total{outcome="refused",reason="content_type",source="alertmanager"}`, 1},
		{`compass_slack_calls_total{method="chat.postMessage",result="503"}`, 1},
		{`compass_slack_failing_seconds`, 1},
		{`compass_outbox_depth`, 1},
		{`compass_incidents_open{source="alertmanager"}`, 1},
		{`compass_http_connections_open`, 1},
	} {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want.series) + ` (\S+)$`).FindStringSubmatch(metrics)
		if m == nil {
			t.Errorf("/metrics lacks %s", want.series)
			continue
		}
		if v, _ := strconv.ParseFloat(m[1], 64); v < want.min {
			t.Errorf("%s = %v, want at least %v", want.series, v, want.min)
		}
	}

	fake.SetDown(false)
	fake.WaitFor(t, 30*time.Second, "the parent message after Slack recovers", func(s *slacktest.Server) bool { return len(s.Parents()) > 0 })
	waitFor("/readyz ready again", func() bool { code, _ := get("/readyz"); return code == 200 })
}
