package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
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

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAlertmanager runs a real, unclustered Alertmanager that sends its
// webhooks to hookURL with a bearer token, and returns its API address.
func startAlertmanager(t *testing.T, bin, hookURL, token string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: compass
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: compass
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          authorization:
            credentials: %q
`, hookURL, token)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+filepath.Join(dir, "am.yml"),
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=",
		"--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager %s log:\n%s", addr, logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager on %s not ready: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func postAlerts(t *testing.T, addr string, alerts []map[string]any) {
	t.Helper()
	b, _ := json.Marshal(alerts)
	resp, err := http.Post("http://"+addr+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post alerts to %s: %s", addr, resp.Status)
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
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if bin, err = exec.LookPath("alertmanager"); err != nil {
			t.Skip("no Alertmanager binary on PATH")
		}
	}
	const token = "am-e2e-token"
	sink := &notifySink{more: make(chan struct{}, 1)}
	srv := httptest.NewServer(New(Options{Token: token}, sink, nil))
	defer srv.Close()

	am1 := startAlertmanager(t, bin, srv.URL+"/hooks/alertmanager", token)
	am2 := startAlertmanager(t, bin, srv.URL+"/hooks/alertmanager", token)

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
	postAlerts(t, am1, alerts)
	postAlerts(t, am2, alerts)

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
	postAlerts(t, am1, alerts)
	postAlerts(t, am2, alerts)
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
