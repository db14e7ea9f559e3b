package alertmanager

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/alertmanager/amtest"
)

// notifySink records deliveries and signals each one.
type notifySink struct {
	mu   sync.Mutex
	got  []bot.Delivery
	more chan struct{}
}

func (s *notifySink) Accept(_ context.Context, d bot.Delivery) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
	return nil
}

// waitFor returns the deliveries once match holds for them, failing after a
// generous timeout (the machine may be busy).
func (s *notifySink) waitFor(t *testing.T, what string, match func([]bot.Delivery) bool) []bot.Delivery {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		s.mu.Lock()
		got := append([]bot.Delivery(nil), s.got...)
		s.mu.Unlock()
		if match(got) {
			return got
		}
		select {
		case <-s.more:
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; have %d deliveries", what, len(got))
		}
	}
}

// TestRealAlertmanagerHA drives two independent Alertmanager replicas with
// the same capacity alerts and checks that the adapter decodes their real
// webhooks, that both replicas' copies get the same ContentKey (so the bot
// keeps one), and that the resolution gets a different one.
func TestRealAlertmanagerHA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Alertmanager processes")
	}
	bin := amtest.Binary(t)
	const token = "am-e2e-token"
	sink := &notifySink{more: make(chan struct{}, 1)}
	srv := httptest.NewServer(New(Options{Token: token}, sink, nil))
	defer srv.Close()

	am1 := amtest.Start(t, bin, amtest.Options{HookURL: srv.URL + "/hooks/alertmanager", Token: token, GroupBy: []string{"alertname", "cluster"}})
	am2 := amtest.Start(t, bin, amtest.Options{HookURL: srv.URL + "/hooks/alertmanager", Token: token, GroupBy: []string{"alertname", "cluster"}})

	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	alerts := []map[string]any{}
	for _, node := range []string{"worker-1", "worker-2"} {
		alerts = append(alerts, map[string]any{
			"labels":       map[string]string{"alertname": "KubeCPUOvercommit", "cluster": "e2e", "severity": "warning", "node": node},
			"annotations":  map[string]string{"summary": "Cluster has overcommitted CPU resource requests."},
			"startsAt":     start.Format(time.RFC3339Nano),
			"generatorURL": "http://prometheus.invalid/graph",
		})
	}
	amtest.PostAlerts(t, am1, alerts)
	amtest.PostAlerts(t, am2, alerts)

	const wantKey = `alertmanager/compass/{}:{alertname="KubeCPUOvercommit", cluster="e2e"}`
	firing := func(d bot.Delivery) bool {
		return len(d.Events) == 1 && d.Events[0].Status == bot.StatusFiring && len(d.Events[0].Alerts) == 2
	}
	got := sink.waitFor(t, "a firing notification from each replica", func(ds []bot.Delivery) bool {
		n := 0
		for _, d := range ds {
			if firing(d) {
				n++
			}
		}
		return n >= 2
	})
	var keys []string
	for _, d := range got {
		if !firing(d) {
			continue
		}
		e := d.Events[0]
		if e.Key != wantKey {
			t.Errorf("Key = %q, want %q", e.Key, wantKey)
		}
		if e.Severity != bot.SeverityWarning || e.Title != "KubeCPUOvercommit (2 firing): Cluster has overcommitted CPU resource requests." {
			t.Errorf("Severity, Title = %q, %q", e.Severity, e.Title)
		}
		keys = append(keys, d.ContentKey)
	}
	if keys[0] != keys[1] {
		t.Errorf("replicas' copies of the same notification have different content keys %s and %s", keys[0], keys[1])
	}

	end := time.Now().UTC().Truncate(time.Millisecond)
	for _, a := range alerts {
		a["endsAt"] = end.Format(time.RFC3339Nano)
	}
	amtest.PostAlerts(t, am1, alerts)
	amtest.PostAlerts(t, am2, alerts)
	got = sink.waitFor(t, "a resolved notification from each replica", func(ds []bot.Delivery) bool {
		n := 0
		for _, d := range ds {
			if len(d.Events) == 1 && d.Events[0].Status == bot.StatusResolved {
				n++
			}
		}
		return n >= 2
	})
	var resolved []string
	for _, d := range got {
		if d.Events[0].Status == bot.StatusResolved {
			resolved = append(resolved, d.ContentKey)
			for _, a := range d.Events[0].Alerts {
				if !a.EndsAt.Equal(end) {
					t.Errorf("alert %s EndsAt = %v, want %v", a.Fingerprint, a.EndsAt, end)
				}
			}
		}
	}
	if resolved[0] != resolved[1] {
		t.Errorf("replicas' resolved notifications differ: %s vs %s", resolved[0], resolved[1])
	}
	if resolved[0] == keys[0] {
		t.Error("resolved notification has the firing notification's content key")
	}
}
