package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/sqlite"
)

// harness runs a real Bot on a SQLite file against the fake Slack.
type harness struct {
	t      testing.TB
	path   string
	fake   *slacktest.Server
	opt    bot.Options
	store  *sqlite.Store
	bot    *bot.Bot
	cancel context.CancelFunc
	done   chan error
	wrap   func(bot.Store) bot.Store // optional: what the bot sees instead of the store
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("COMPASS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// fastOptions keep the outbox's real behaviour with test-sized delays.
func fastOptions() bot.Options {
	return bot.Options{
		Channel:      "#ops",
		ChannelRate:  100,
		ChannelBurst: 20,
		Senders:      4,
		BackoffBase:  20 * time.Millisecond,
		BackoffMax:   200 * time.Millisecond,
		CallTimeout:  2 * time.Second,
	}
}

func newHarness(t testing.TB, opt bot.Options) *harness {
	t.Helper()
	return newHarnessWith(t, opt, nil)
}

// newHarnessWith is newHarness with the bot's store wrapped by wrap (test
// hooks); the harness's own reads go to the real store.
func newHarnessWith(t testing.TB, opt bot.Options, wrap func(bot.Store) bot.Store) *harness {
	t.Helper()
	dir := t.TempDir()
	if d := os.Getenv("COMPASS_BENCH_DIR"); d != "" {
		// Benchmarks may put the database elsewhere (tmpfs) to separate the
		// disk's fsync latency from the bot's own.
		var err error
		if dir, err = os.MkdirTemp(d, "bot"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	h := &harness{t: t, path: filepath.Join(dir, "bot.db"), fake: slacktest.New(t), opt: opt, wrap: wrap}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	s, err := sqlite.Open(context.Background(), h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = s
	opt := h.opt
	opt.Store = s
	if h.wrap != nil {
		opt.Store = h.wrap(s)
	}
	opt.Poster = slack.New(slack.Options{Token: "xoxb-test", APIURL: h.fake.URL()})
	if opt.Logger == nil {
		opt.Logger = testLogger(h.t)
	}
	b, err := bot.New(opt)
	if err != nil {
		h.t.Fatal(err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- b.Run(ctx) }()
}

// stop stops the worker and closes the store; safe to call twice.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Error("outbox worker did not stop")
	}
	h.store.Close()
	h.cancel = nil
}

func (h *harness) accept(d bot.Delivery) {
	h.t.Helper()
	if err := h.bot.Accept(context.Background(), d); err != nil {
		h.t.Fatalf("Accept: %v", err)
	}
}

// waitIdle waits until the outbox has nothing pending or sending.
func (h *harness) waitIdle(timeout time.Duration) {
	h.t.Helper()
	h.fake.WaitFor(h.t, timeout, "outbox to drain", func(*slacktest.Server) bool {
		var n int
		err := h.store.Update(context.Background(), func(tx bot.Tx) error {
			p, err := tx.CountOps(context.Background(), bot.OpPending)
			if err != nil {
				return err
			}
			s, err := tx.CountOps(context.Background(), bot.OpSending)
			n = p + s
			return err
		})
		return err == nil && n == 0
	})
}

func (h *harness) ops(key string) []*bot.Op {
	h.t.Helper()
	var ops []*bot.Op
	if err := h.store.Update(context.Background(), func(tx bot.Tx) (err error) {
		ops, err = tx.ListOps(context.Background(), key)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return ops
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// alert is a capacity alert in group g.
func alert(name, instance string, status bot.Status, startsAt time.Time) bot.Alert {
	a := bot.Alert{
		Name: name, Fingerprint: name + "/" + instance, Status: status,
		Labels:   map[string]string{"alertname": name, "instance": instance, "cluster": "prod-eu", "severity": "critical"},
		Summary:  name + " on " + instance,
		StartsAt: startsAt,
	}
	if status == bot.StatusResolved {
		a.EndsAt = startsAt.Add(time.Hour)
	}
	return a
}

// groupDelivery is an Alertmanager-like notification of a group's alerts.
func groupDelivery(key string, alerts ...bot.Alert) bot.Delivery {
	status := bot.StatusResolved
	var parts []string
	for _, a := range alerts {
		if a.Status == bot.StatusFiring {
			status = bot.StatusFiring
		}
		parts = append(parts, fmt.Sprintf("%s:%s:%d:%d", a.Fingerprint, a.Status, a.StartsAt.Unix(), a.EndsAt.Unix()))
	}
	return bot.Delivery{
		Source:     "alertmanager",
		ContentKey: key + "|" + string(status) + "|" + strings.Join(parts, ","),
		Events: []bot.Event{{
			Source: "alertmanager", Key: key, Kind: bot.KindAlerts, Status: status,
			Title: alerts[0].Name, Severity: bot.SeverityCritical,
			Labels: map[string]string{"alertname": alerts[0].Name, "cluster": "prod-eu", "team": "platform"},
			Alerts: alerts, At: time.Now(),
		}},
	}
}

// pageDelivery is a PagerDuty-like event.
func pageDelivery(id, key string, kind bot.EventKind, status bot.Status, actor, note string) bot.Delivery {
	return bot.Delivery{
		Source: "pagerduty", ID: id,
		Events: []bot.Event{{
			Source: "pagerduty", Key: key, Kind: kind, Status: status, Title: "Checkout latency high",
			Severity: bot.SeverityCritical, Actor: actor, Note: note, At: time.Now(),
			Labels: map[string]string{"service": "checkout"},
		}},
	}
}

// fakeLinker answers fixed links and a team channel for team=payments.
type fakeLinker struct {
	mu      sync.Mutex
	queries []bot.LinkQuery
}

func (l *fakeLinker) Links(q bot.LinkQuery) []bot.Link {
	l.mu.Lock()
	l.queries = append(l.queries, q)
	l.mu.Unlock()
	var out []bot.Link
	for _, n := range q.AlertNames {
		out = append(out, bot.Link{Title: "Runbook: " + n, URL: "https://handbook.example/runbooks/capacity/#" + strings.ToLower(n), Why: "runbook for " + n})
	}
	return out
}

func (l *fakeLinker) TeamChannel(labels map[string]string, _ []string) string {
	if labels["team"] == "payments" {
		return "#payments-oncall"
	}
	return ""
}
