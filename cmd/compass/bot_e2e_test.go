package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/hooks/alertmanager/amtest"
	"github.com/jackc/pgx/v5"
)

type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL"`
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
	bin := amtest.Binary(t)
	tmp := t.TempDir()
	handbookMap := buildHandbook(t, tmp)
	fake := slacktest.New(t)
	const token = "am-e2e-token"
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	addr, _ := startBot(t,
		"--dir", tmp, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL(),
		"--handbook-map", handbookMap, "--handbook-url", handbookURL)

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
	am1 := amtest.Start(t, bin, amtest.Options{HookURL: hook, Token: token, GroupBy: []string{"cluster"}, ResolveTimeout: "5s"})
	am2 := amtest.Start(t, bin, amtest.Options{HookURL: hook, Token: token, GroupBy: []string{"cluster"}, ResolveTimeout: "5s"})
	both := func(alerts []amAlert) {
		amtest.PostAlerts(t, am1, alerts)
		amtest.PostAlerts(t, am2, alerts)
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
	if teamChannels := charterChannels(t, handbookMap); posted == "#ops" || !teamChannels[posted] {
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
	for _, want := range []string{handbookURL + "runbooks/cpu-overcommit/", handbookURL + "runbooks/memory-overcommit/"} {
		if !strings.Contains(body, want) {
			t.Errorf("parent lacks a link to %s:\n%s", want, body)
		}
	}
	if !strings.Contains(string(replies[0].Blocks), handbookURL+"runbooks/memory-overcommit/") {
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

// TestBotPostgres runs `compass bot` with a postgres:// bot.store: it
// migrates its own schema, reports ready, and an Alertmanager webhook
// becomes a parent message in the fake Slack.
func TestBotPostgres(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
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

// handbookURL is where the e2e tests' handbook is said to be published.
const handbookURL = "https://handbook.example.com/"

// buildHandbook builds the example handbook into dir/public and returns the
// path of its compass.json, the map from alerts to runbooks and teams that
// the bot reads.
func buildHandbook(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "public")
	if _, err := build.Build(context.Background(), build.Options{Source: "../..", Out: out, BaseURL: handbookURL}); err != nil {
		t.Fatalf("build the handbook for its compass.json: %v", err)
	}
	return filepath.Join(out, "compass.json")
}
