package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/metrics"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/hooks/webhook"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// scrape fetches h's text exposition and returns each sample by its series
// ("name{label=\"v\",…}" as written) and the set of metric names.
func scrape(t *testing.T, h http.Handler) (samples map[string]float64, names map[string]bool) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type = %q, want Prometheus text format", ct)
	}
	samples, names = map[string]float64{}, map[string]bool{}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			names[f[2]] = true
		}
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples, names
}

type fixture struct {
	m     *metrics.Metrics
	clock *clock
	bot   *bot.Bot
	fake  *slacktest.Server
	hook  http.Handler
}

// newFixture wires a real bot on SQLite, the fake Slack and a webhook
// handler the way cmd/compass does: the poster and the sink wrapped by m.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{clock: &clock{now: time.Now()}, fake: slacktest.New(t)}
	f.m = metrics.New(metrics.Options{Store: store, Sources: []string{"pagerduty", "grafana"}, Now: f.clock.Now,
		Connections: func() (int, int64) { return 3, 7 }})
	f.bot, err = bot.New(bot.Options{Store: store, Channel: "#ops",
		Poster: f.m.Poster(slack.New(slack.Options{Token: "xoxb-test", APIURL: f.fake.URL()}))})
	if err != nil {
		t.Fatal(err)
	}
	f.hook = &webhook.Handler{
		Source: "pagerduty", Sink: f.m.Sink(f.bot),
		Decode: func(_ *http.Request, body []byte, now time.Time) (bot.Delivery, error) {
			return bot.Delivery{Source: "pagerduty", ID: string(body), Events: []bot.Event{{
				Source: "pagerduty", Key: "pagerduty/P1", Kind: bot.KindTriggered, Status: bot.StatusFiring, Title: "Checkout down", At: now,
			}}}, nil
		},
	}
	return f
}

func (f *fixture) post(t *testing.T, body, contentType string) int {
	t.Helper()
	req := httptest.NewRequest("POST", "/hooks/pagerduty", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	f.hook.ServeHTTP(rec, req)
	return rec.Code
}

func TestWebhooksOutboxAndIncidents(t *testing.T) {
	f := newFixture(t)
	s, _ := scrape(t, f.m.Handler())
	for series, want := range map[string]float64{
		`compass_webhooks_total{outcome="accepted",reason="",source="grafana"}`: 0,
		`compass_incidents_open{source="pagerduty"}`:                            0,
		`compass_outbox_depth`:                   0,
		`compass_outbox_oldest_op_age_seconds`:   0,
		`compass_http_connections_open`:          3,
		`compass_http_connections_evicted_total`: 7,
		`compass_outbox_lease_takeovers_total`:   0,
	} {
		if got, ok := s[series]; !ok || got != want {
			t.Errorf("before any webhook: %s = %v (present %v), want %v", series, got, ok, want)
		}
	}

	for _, p := range []struct {
		body, ct string
		want     int
	}{
		{"d1", "application/json", 200},
		{"d1", "application/json", 200}, // redelivery
		{"d2", "text/plain", 415},
	} {
		if got := f.post(t, p.body, p.ct); got != p.want {
			t.Fatalf("POST %s as %s = %d, want %d", p.body, p.ct, got, p.want)
		}
	}
	f.clock.Add(90 * time.Second)
	s, _ = scrape(t, f.m.Handler())
	for series, want := range map[string]float64{
		`compass_webhooks_total{outcome="accepted",reason="",source="pagerduty"}`:            1,
		`compass_webhooks_total{outcome="duplicate",reason="",source="pagerduty"}`:           1,
		`compass_webhooks_total{outcome="refused",reason="content_type",source="pagerduty"}`: 1,
		`compass_incidents_open{source="pagerduty"}`:                                         1,
		`compass_incidents_open{source="grafana"}`:                                           0,
		`compass_outbox_depth`: 1, // the parent post
	} {
		if got, ok := s[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if age := s["compass_outbox_oldest_op_age_seconds"]; age < 89 || age > 120 {
		t.Errorf("oldest op age = %vs, want about 90s", age)
	}
}

func TestSlackCalls(t *testing.T) {
	f := newFixture(t)
	p := f.m.Poster(slack.New(slack.Options{Token: "xoxb-test", APIURL: f.fake.URL()}))
	ctx := context.Background()
	msg := bot.Message{Text: "hello"}
	f.fake.FailNext(1, slacktest.Failure{Status: http.StatusTooManyRequests, RetryAfter: 3})
	f.fake.FailNext(2, slacktest.ServerError)
	for range 3 {
		if _, _, err := p.PostMessage(ctx, "#ops", msg); err == nil {
			t.Fatal("call expected to fail succeeded")
		}
	}
	f.clock.Add(2 * time.Minute)
	if got := f.m.SlackFailingFor(); got != 2*time.Minute {
		t.Errorf("SlackFailingFor after 3 failures = %v, want 2m", got)
	}
	s, _ := scrape(t, f.m.Handler())
	if s["compass_slack_failing_seconds"] != 120 {
		t.Errorf("compass_slack_failing_seconds = %v, want 120", s["compass_slack_failing_seconds"])
	}
	ch, ts, err := p.PostMessage(ctx, "#ops", msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.UpdateMessage(ctx, ch, ts, msg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.FindMessage(ctx, ch, "", bot.Marker{Type: bot.MarkerParent, ID: "none#1"}, time.Now().Add(-time.Hour)); err != bot.ErrNotFound {
		t.Fatalf("FindMessage = %v, want ErrNotFound", err)
	}
	if got := f.m.SlackFailingFor(); got != 0 {
		t.Errorf("SlackFailingFor after a success = %v, want 0", got)
	}
	s, _ = scrape(t, f.m.Handler())
	for series, want := range map[string]float64{
		`compass_slack_calls_total{method="chat.postMessage",result="ratelimited"}`: 1,
		`compass_slack_calls_total{method="chat.postMessage",result="500"}`:         2,
		`compass_slack_calls_total{method="chat.postMessage",result="ok"}`:          1,
		`compass_slack_calls_total{method="chat.update",result="ok"}`:               1,
		`compass_slack_calls_total{method="conversations.history",result="ok"}`:     1,
		`compass_slack_retry_after_seconds_total`:                                   3,
		`compass_slack_failing_seconds`:                                             0,
	} {
		if got, ok := s[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
}
