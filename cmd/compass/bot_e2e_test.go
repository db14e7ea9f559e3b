package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/handbook"
	"github.com/jackc/pgx/v5"
)

// alertmanagerBinary finds Alertmanager. Without it the test skips, unless
// COMPASS_E2E is set (CI), where a missing binary is a failure.
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("COMPASS_E2E") != "" {
		t.Fatal("COMPASS_E2E is set but no Alertmanager binary was found (apt-get install prometheus-alertmanager)")
	}
	t.Skip("no Alertmanager binary; set COMPASS_E2E=1 to make this a failure")
	return ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAlertmanager runs one unclustered Alertmanager replica that notifies
// hookURL with a bearer token, and returns its address.
func startAlertmanager(t *testing.T, bin, hookURL, token string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  resolve_timeout: 5s
route:
  receiver: compass
  group_by: [cluster]
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
	addr := freeAddr(t)
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

type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL"`
}

func postAlerts(t *testing.T, addr string, alerts []amAlert) {
	t.Helper()
	b, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+addr+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post alerts to %s: %s", addr, resp.Status)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBot runs `compass bot` in process on port 0 and returns its address.
func startBot(t testing.TB, args ...string) (addr string, logs *syncBuffer) {
	t.Helper()
	got := make(chan net.Addr, 1)
	botListening = func(a net.Addr) { got <- a }
	t.Cleanup(func() { botListening = nil })
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, append([]string{"bot"}, args...), logs, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("compass bot exited %d", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("compass bot did not stop within 30s of its context ending")
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	select {
	case a := <-got:
		return a.String(), logs
	case code := <-exit:
		t.Fatalf("compass bot exited %d before listening:\n%s", code, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("compass bot not listening after 60s:\n%s", logs.String())
	}
	return "", nil
}

// TestBotEndToEndAlertmanager drives two real Alertmanager replicas (HA
// sends every notification twice) at `compass bot`, which posts to the fake
// Slack: capacity alerts fire, more fire, all resolve. Slack must see one
// parent, a reply per change, the parent updated to resolved, one broadcast,
// and links to the matching runbooks of the real handbook.
func TestBotEndToEndAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Alertmanager and builds the handbook")
	}
	bin := alertmanagerBinary(t)
	tmp := t.TempDir()
	const baseURL = "https://handbook.example.com/"
	if _, err := build.Build(context.Background(), build.Options{Source: "../..", Out: filepath.Join(tmp, "public"), BaseURL: baseURL}); err != nil {
		t.Fatalf("build the handbook for its compass.json: %v", err)
	}
	fake := slacktest.New(t)
	const token = "am-e2e-token"
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	addr, _ := startBot(t,
		"--dir", tmp, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL(),
		"--handbook-map", filepath.Join(tmp, "public", "compass.json"), "--handbook-url", baseURL)

	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %s", path, resp.Status)
		}
	}

	hook := "http://" + addr + "/hooks/alertmanager"
	am1 := startAlertmanager(t, bin, hook, token)
	am2 := startAlertmanager(t, bin, hook, token)
	both := func(alerts []amAlert) {
		postAlerts(t, am1, alerts)
		postAlerts(t, am2, alerts)
	}

	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	capacity := func(name, node, summary string, ends time.Time) amAlert {
		a := amAlert{
			Labels:       map[string]string{"alertname": name, "cluster": "e2e", "severity": "warning", "node": node},
			Annotations:  map[string]string{"summary": summary},
			StartsAt:     start.Format(time.RFC3339),
			GeneratorURL: "http://prometheus.invalid/graph",
		}
		if !ends.IsZero() {
			a.EndsAt = ends.Format(time.RFC3339)
		}
		return a
	}
	later := time.Now().Add(time.Hour)
	cpu := []amAlert{
		capacity("KubeCPUOvercommit", "worker-1", "Cluster has overcommitted CPU resource requests.", later),
		capacity("KubeCPUOvercommit", "worker-2", "Cluster has overcommitted CPU resource requests.", later),
	}
	both(cpu)
	const wait = 90 * time.Second
	fake.WaitFor(t, wait, "the parent message", func(s *slacktest.Server) bool { return len(s.Parents()) > 0 })

	mem := capacity("KubeMemoryOvercommit", "worker-1", "Cluster has overcommitted memory resource requests.", later)
	both([]amAlert{mem})
	parentTS := fake.Parents()[0].TS
	fake.WaitFor(t, wait, "a reply for the memory alert", func(s *slacktest.Server) bool {
		for _, r := range s.Replies(parentTS) {
			if strings.Contains(r.Text, "KubeMemoryOvercommit") {
				return true
			}
		}
		return false
	})

	past := time.Now().Add(-time.Second)
	var resolved []amAlert
	for _, a := range append(cpu, mem) {
		a.EndsAt = past.UTC().Format(time.RFC3339)
		resolved = append(resolved, a)
	}
	both(resolved)
	fake.WaitFor(t, wait, "the parent updated to resolved", func(s *slacktest.Server) bool {
		p := s.Parents()
		return len(p) > 0 && strings.Contains(p[0].Text, "[RESOLVED]") && len(s.Replies(parentTS)) >= 2
	})
	parents := fake.Parents()
	if len(parents) != 1 {
		t.Fatalf("parents = %d, want 1 for one alert group sent by two replicas\n%s", len(parents), fake.Dump())
	}
	p := parents[0]
	// Capacity alerts belong to the team whose charter names the cluster
	// systems: the parent goes to that charter's channel, not the default.
	posted := fake.SuccessfulCalls("chat.postMessage")[0].Channel
	if teamChannels := charterChannels(t, filepath.Join(tmp, "public", "compass.json")); posted == "#ops" || !teamChannels[posted] {
		t.Errorf("parent posted to %s, want one of the charters' channels %v", posted, teamChannels)
	}
	if p.Updates == 0 {
		t.Error("parent never updated in place")
	}
	replies := fake.Replies(p.TS)
	var texts []string
	broadcasts := 0
	for _, r := range replies {
		texts = append(texts, r.Text)
		if r.Broadcast {
			broadcasts++
		}
	}
	if len(replies) != 2 {
		t.Fatalf("replies = %q, want 2: memory started firing, everything stopped", texts)
	}
	if !strings.Contains(texts[0], "Started firing* (1): KubeMemoryOvercommit") {
		t.Errorf("first reply = %q, want the memory alert starting", texts[0])
	}
	if !strings.Contains(texts[1], "Stopped firing* (3)") || !replies[1].Broadcast {
		t.Errorf("second reply = %q (broadcast %v), want all 3 stopping, broadcast", texts[1], replies[1].Broadcast)
	}
	if broadcasts != 1 {
		t.Errorf("broadcasts = %d, want 1", broadcasts)
	}
	body := string(p.Attachments)
	for _, want := range []string{baseURL + "runbooks/cpu-overcommit/", baseURL + "runbooks/memory-overcommit/"} {
		if !strings.Contains(body, want) {
			t.Errorf("parent lacks a link to %s:\n%s", want, body)
		}
	}
	if !strings.Contains(string(replies[0].Blocks), baseURL+"runbooks/memory-overcommit/") {
		t.Errorf("memory reply lacks its runbook link:\n%s", replies[0].Blocks)
	}
}

// charterChannels returns the Slack channels named by the handbook's charters.
func charterChannels(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m handbook.Map
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, tm := range m.Teams {
		if tm.Channel != "" {
			out[tm.Channel] = true
		}
	}
	return out
}

// postgresSchemaDSN returns COMPASS_TEST_POSTGRES_DSN with search_path set
// to a fresh schema, dropped when the test ends, or skips without the
// variable. The bot's tables never land in a schema other tests use.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("COMPASS_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("COMPASS_TEST_POSTGRES_DSN not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("COMPASS_TEST_POSTGRES_DSN must be a postgres:// URL for this test: %q", dsn)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "compass_cli_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestBotPostgres runs `compass bot` with a postgres:// bot.store: it
// migrates its own schema, reports ready, and an Alertmanager webhook
// becomes a parent message in the fake Slack.
func TestBotPostgres(t *testing.T) {
	dsn := postgresSchemaDSN(t)
	payload, err := os.ReadFile("../../hooks/alertmanager/testdata/firing.json")
	if err != nil {
		t.Fatal(err)
	}
	fake := slacktest.New(t)
	const token = "pg-e2e-token"
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	// The DSN through the environment, as a deployment would set it.
	t.Setenv("COMPASS_BOT_STORE", dsn)
	dir := t.TempDir()
	addr, logs := startBot(t, "--dir", dir, "--listen", "127.0.0.1:0", "--channel", "#ops", "--slack-api-url", fake.URL())
	if !strings.Contains(logs.String(), `"store: postgres"`) {
		t.Errorf("bot did not report the postgres store:\n%s", logs.String())
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz = %s", resp.Status)
	}
	for range 2 { // the second is a duplicate: one parent
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/alertmanager", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /hooks/alertmanager = %s", resp.Status)
		}
	}
	fake.WaitFor(t, 60*time.Second, "the parent message", func(s *slacktest.Server) bool { return len(s.Parents()) > 0 })
	// The store is the schema's: the incident is there.
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var incidents int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM incidents`).Scan(&incidents); err != nil {
		t.Fatal(err)
	}
	if incidents != 1 {
		t.Errorf("incidents in the bot's schema = %d, want 1", incidents)
	}
	if p := fake.Parents(); len(p) != 1 {
		t.Errorf("parents = %d, want 1\n%s", len(p), fake.Dump())
	}
}
