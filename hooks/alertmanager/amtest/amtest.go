// Package amtest runs a real Prometheus Alertmanager for tests, so the
// adapter's and the bot's end-to-end tests share one way to start it, feed it
// alerts and find its binary.
package amtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/internal/testutil"
)

// Binary finds the Alertmanager binary (Debian's prometheus-alertmanager).
// Without one the test skips, unless COMPASS_E2E=1 (as in CI), where a
// missing binary is a failure.
func Binary(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return testutil.Tool(tb, "prometheus-alertmanager", "apt-get install prometheus-alertmanager")
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Options configure one Alertmanager replica.
type Options struct {
	HookURL string   // webhook receiver URL
	Token   string   // sent as a bearer token (http_config.authorization)
	GroupBy []string // route group_by labels
	// ResolveTimeout is global.resolve_timeout: how long an alert posted
	// without endsAt stays firing. "" keeps Alertmanager's default (5m).
	ResolveTimeout string
	// RepeatInterval is route.repeat_interval: how often a group still
	// firing is sent again. "" is 1h.
	RepeatInterval string
	// AlsoHookURLs receive every notification too (same receiver, without
	// credentials): a test's own counter of what Alertmanager sends.
	AlsoHookURLs []string
	// PagerDutyURL, when set, adds a pagerduty_configs entry to the same
	// receiver (so the page shares the group key), sending Events API v2
	// requests with routing key PagerDutyKey to this URL.
	PagerDutyURL string
	PagerDutyKey string
}

// Start runs one unclustered Alertmanager replica with short group timers
// (group_wait 1s, group_interval 2s) that sends every notification, resolved
// ones included, to o.HookURL. It returns the API address once the replica
// is ready and stops it when the test ends, printing its log if the test
// failed.
func Start(tb testing.TB, bin string, o Options) string {
	tb.Helper()
	dir := tb.TempDir()
	var cfg strings.Builder
	if o.ResolveTimeout != "" {
		fmt.Fprintf(&cfg, "global:\n  resolve_timeout: %s\n", o.ResolveTimeout)
	}
	fmt.Fprintf(&cfg, `route:
  receiver: compass
  group_by: [%s]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: %s
receivers:
  - name: compass
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          authorization:
            credentials: %q
`, strings.Join(o.GroupBy, ", "), cmp.Or(o.RepeatInterval, "1h"), o.HookURL, o.Token)
	for _, u := range o.AlsoHookURLs {
		fmt.Fprintf(&cfg, "      - url: %q\n        send_resolved: true\n", u)
	}
	if o.PagerDutyURL != "" {
		fmt.Fprintf(&cfg, `    pagerduty_configs:
      - routing_key: %q
        url: %q
        send_resolved: true
`, o.PagerDutyKey, o.PagerDutyURL)
	}
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	addr := FreeAddr(tb)
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
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("alertmanager %s log:\n%s", addr, logs.String())
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
			tb.Fatalf("alertmanager on %s not ready: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PostAlerts fires (or, with endsAt in the past, resolves) alerts through
// the replica's v2 API; alerts is anything that marshals to the API's array.
func PostAlerts(tb testing.TB, addr string, alerts any) {
	tb.Helper()
	b, err := json.Marshal(alerts)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.Post("http://"+addr+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("post alerts to %s: %s", addr, resp.Status)
	}
}
