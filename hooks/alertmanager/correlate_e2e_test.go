package alertmanager_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/hooks/alertmanager"
	"github.com/compasshq/compass/hooks/alertmanager/amtest"
	"github.com/compasshq/compass/hooks/pagerduty"
	"github.com/compasshq/compass/hooks/pagerduty/pdtest"
)

const (
	amToken  = "am-corr-token"
	pdSecret = "pd-corr-secret"
	e2eWait  = 120 * time.Second
)

// TestCorrelationRealAlertmanager: the real Alertmanager, with one receiver
// that both posts to the bot and pages a fake PagerDuty (which reports the
// page back as signed V3 webhooks), makes one Slack parent per alert group
// that shows the alert group's state and the page's, and the acknowledgement
// made in PagerDuty, whichever of the two arrives first; on SQLite, and on
// Postgres with two replicas, Alertmanager's webhooks reaching one and
// PagerDuty's the other.
func TestCorrelationRealAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Alertmanager processes")
	}
	bin := amtest.Binary(t)
	stores := []struct {
		name string
		open func(t *testing.T) []bot.Store
	}{
		{"sqlite", func(t *testing.T) []bot.Store {
			s, err := sqlite.Open(context.Background(), t.TempDir()+"/bot.db")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return []bot.Store{s}
		}},
		{"postgres two replicas", func(t *testing.T) []bot.Store {
			dsn := pgtest.SchemaDSN(t)
			var out []bot.Store
			for _, id := range []string{"bot-0", "bot-1"} {
				s, err := postgres.Open(context.Background(), dsn, postgres.WithReplicaID(id))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				out = append(out, s)
			}
			return out
		}},
	}
	for _, st := range stores {
		for _, order := range []string{"group first", "page first"} {
			t.Run(st.name+"/"+order, func(t *testing.T) {
				correlateScenario(t, bin, st.open(t), order == "page first")
			})
		}
	}
}

// stack is the bot replicas behind their webhook endpoints.
type stack struct {
	fake *slacktest.Server
	urls []string // each replica's base URL
}

func startStack(t *testing.T, stores []bot.Store, gateAM func()) *stack {
	st := &stack{fake: slacktest.New(t)}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("COMPASS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, s := range stores {
		b, err := bot.New(bot.Options{
			Store: s, Poster: slack.New(slack.Options{Token: "xoxb-test", APIURL: st.fake.URL()}),
			Channel: "#ops", ChannelRate: 100, ChannelBurst: 20,
			BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, CallTimeout: 5 * time.Second,
			Logger: log,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { b.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		am := alertmanager.New(alertmanager.Options{Token: amToken}, b, log)
		mux := http.NewServeMux()
		mux.Handle("/hooks/alertmanager", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gateAM()
			am.ServeHTTP(w, r)
		}))
		mux.Handle("/hooks/pagerduty", pagerduty.New(pagerduty.Options{Secrets: []string{pdSecret}}, b, nil))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		st.urls = append(st.urls, srv.URL)
	}
	return st
}

func correlateScenario(t *testing.T, bin string, stores []bot.Store, pageFirst bool) {
	var pd *pdtest.Server
	var pagesIn atomic.Bool // the page's triggered webhook was accepted
	gateAM := func() {
		// Page first: Alertmanager's notification waits at the door
		// until the bot has taken PagerDuty's webhook.
		for deadline := time.Now().Add(e2eWait); pageFirst && !pagesIn.Load() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	st := startStack(t, stores, gateAM)
	pd = pdtest.New(t, pdSecret, func() string { return st.urls[len(st.urls)-1] + "/hooks/pagerduty" })
	pd.Before = func(eventType string) {
		// Group first: PagerDuty's webhook waits until the alert group's
		// parent is in Slack.
		for deadline := time.Now().Add(e2eWait); !pageFirst && eventType == "incident.triggered" && len(st.fake.Parents()) == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	go func() {
		for !pagesIn.Load() {
			pagesIn.Store(slices.Contains(pd.Delivered(), "incident.triggered"))
			time.Sleep(10 * time.Millisecond)
		}
	}()
	amAddr := amtest.Start(t, bin, amtest.Options{
		HookURL: st.urls[0] + "/hooks/alertmanager", Token: amToken, GroupBy: []string{"cluster"},
		PagerDutyURL: pd.URL() + "/v2/enqueue", PagerDutyKey: "routing-key-capacity",
	})

	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	var alerts []map[string]any
	for _, node := range []string{"worker-1", "worker-2", "worker-3"} {
		alerts = append(alerts, map[string]any{
			"labels":      map[string]string{"alertname": "KubeMemoryOvercommit", "cluster": "prod-eu-1", "severity": "warning", "node": node},
			"annotations": map[string]string{"summary": "Cluster has overcommitted memory resource requests."},
			"startsAt":    start.Format(time.RFC3339),
		})
	}
	amtest.PostAlerts(t, amAddr, alerts)

	both := func(s *slacktest.Server) bool {
		p := s.Parents()
		return len(p) > 0 && strings.Contains(string(p[0].Attachments), "PagerDuty") && strings.Contains(string(p[0].Attachments), "Alertmanager")
	}
	st.fake.WaitFor(t, e2eWait, "one parent showing the alert group and the page", both)
	keys := pd.DedupKeys()
	if want := alertmanager.DedupKey(`{}:{cluster="prod-eu-1"}`); len(keys) != 1 || keys[0] != want {
		t.Fatalf("PagerDuty dedup keys %q, want the group key's hash %s", keys, want)
	}
	pd.Acknowledge(keys[0], "Ana Lima")
	st.fake.WaitFor(t, e2eWait, "the acknowledgement on the parent", func(s *slacktest.Server) bool {
		p := s.Parents()
		// Alertmanager may first notify with part of the group; wait for
		// all three alerts too.
		return len(p) > 0 && strings.HasPrefix(p[0].Text, "[ACKNOWLEDGED]") && strings.Contains(text(p[0].Attachments), "|PagerDuty> acknowledged by Ana Lima") &&
			strings.Contains(text(p[0].Attachments), "|Alertmanager> firing (3 of 3 alerts)")
	})
	p := st.fake.Parents()[0]
	// One status and the alert group's severity and title: the page says
	// critical (high urgency) and "[FIRING:3] prod-eu-1 …".
	if !strings.HasPrefix(p.Text, "[ACKNOWLEDGED] warning: KubeMemoryOvercommit (3 firing)") || strings.Contains(p.Text, "[FIRING") {
		t.Errorf("parent text %q", p.Text)
	}
	joiner := "PagerDuty joined this incident"
	if pageFirst {
		joiner = "Alertmanager joined this incident"
	}
	if !hasReplyText(st.fake, p.TS, joiner) || !hasReplyText(st.fake, p.TS, "Acknowledged") {
		t.Errorf("thread lacks %q or the acknowledgement:\n%s", joiner, st.fake.Dump())
	}

	for _, a := range alerts {
		a["endsAt"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	}
	amtest.PostAlerts(t, amAddr, alerts)
	st.fake.WaitFor(t, e2eWait, "the parent resolved by both sources", func(s *slacktest.Server) bool {
		p := s.Parents()
		return len(p) > 0 && strings.HasPrefix(p[0].Text, "[RESOLVED]") && strings.Contains(text(p[0].Attachments), "|PagerDuty> resolved")
	})
	if n := len(st.fake.Parents()); n != 1 {
		t.Errorf("%d parents, want 1 for one alert group and its page:\n%s", n, st.fake.Dump())
	}
}

// text is the JSON of a message part with its strings unescaped ("\u003e"
// back to ">"), for matching what Slack would show.
func text(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

func hasReplyText(s *slacktest.Server, ts, want string) bool {
	for _, r := range s.Replies(ts) {
		if strings.Contains(r.Text, want) || strings.Contains(string(r.Blocks), want) {
			return true
		}
	}
	return false
}
