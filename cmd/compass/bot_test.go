package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/compasshq/compass/bot"
	"go.yaml.in/yaml/v3"
)

func TestDecodeRoutes(t *testing.T) {
	tests := []struct {
		name    string
		raw     any
		want    []bot.Route
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"empty env", "", nil, ""},
		{"env JSON", `[{"match":{"team":"payments"},"channel":"#payments"}]`,
			[]bot.Route{{Match: map[string]string{"team": "payments"}, Channel: "#payments"}}, ""},
		{"yaml list", []any{map[string]any{"match": map[string]any{"namespace": "pay-*", "severity": "critical"}, "channel": "#pay"}},
			[]bot.Route{{Match: map[string]string{"namespace": "pay-*", "severity": "critical"}, Channel: "#pay"}}, ""},
		{"bad JSON", `[{`, nil, "bot.routes: want JSON"},
		{"no channel", []any{map[string]any{"match": map[string]any{"team": "x"}}}, nil, "needs a match and a channel"},
		{"not a list", map[string]any{"team": "x"}, nil, "bot.routes: want a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRoutes(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("routes = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestBotConfigErrors: what `compass bot` refuses, with which exit code.
func TestBotConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		yaml     string
		wantCode int
		wantErr  string
	}{
		{"no token", map[string]string{"SLACK_BOT_TOKEN": ""}, []string{"--channel", "#ops"}, "", 2, "SLACK_BOT_TOKEN is not set"},
		{"no channel", map[string]string{"SLACK_BOT_TOKEN": "x"}, nil, "", 2, "bot.channel is not set"},
		{"bad refresh interval", map[string]string{"SLACK_BOT_TOKEN": "x", "COMPASS_BOT_REFRESH_INTERVAL": "-5m"}, []string{"--channel", "#ops"}, "", 2, "bot.refresh_interval"},
		{"bad reopen window", map[string]string{"SLACK_BOT_TOKEN": "x", "COMPASS_BOT_REOPEN_WINDOW": "soon"}, []string{"--channel", "#ops"}, "", 2, "bot.reopen_window"},
		{"bad retention", map[string]string{"SLACK_BOT_TOKEN": "x", "COMPASS_BOT_RETENTION": "0s"}, []string{"--channel", "#ops"}, "", 2, "bot.retention"},
		{"lease too short", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops"}, "bot:\n  lease: 1s\n", 2, "bot.lease"},
		{"bad max age", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops"}, "bot:\n  max_age: -1h\n", 2, "bot.max_age"},
		// Port 1 refuses at once: Postgres is selected and its failure
		// reported, without touching any real database.
		{"postgres unreachable", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops", "--store", "postgres://compass@127.0.0.1:1/test?connect_timeout=2"}, "", 1, "open postgres store"},
		{"postgresql scheme", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops", "--store", "postgresql://compass@127.0.0.1:1/test?connect_timeout=2"}, "", 1, "open postgres store"},
		{"bad route in yaml", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops"}, "bot:\n  routes:\n    - match: {team: x}\n", 2, "needs a match and a channel"},
		{"missing handbook map", map[string]string{"SLACK_BOT_TOKEN": "x"}, []string{"--channel", "#ops", "--handbook-map", filepath.Join(dir, "nope.json")}, "", 1, "load handbook map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cdir := t.TempDir()
			if tt.yaml != "" {
				if err := os.WriteFile(filepath.Join(cdir, "compass.yaml"), []byte(tt.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := append([]string{"bot", "--dir", cdir, "--listen", "127.0.0.1:0", "--store", filepath.Join(cdir, "b.db")}, tt.args...)
			var out bytes.Buffer
			code := run(context.Background(), args, &out, &out)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantErr) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d mentioning %q", code, out.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

// TestBotConfigPrecedence: flags beat COMPASS_* beat compass.yaml beat
// defaults, for the keys the issue names.
func TestBotConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := map[string]any{
		"bot":          map[string]any{"channel": "#from-yaml", "listen": "127.0.0.1:9999", "reopen_window": "2h", "replica_id": "bot-0", "routes": []any{map[string]any{"match": map[string]any{"team": "pay"}, "channel": "#pay"}}},
		"slack":        map[string]any{"api_url": "http://yaml.invalid/api/"},
		"handbook":     map[string]any{"url": "https://yaml.example/"},
		"alertmanager": map[string]any{"token": "yaml-token"},
	}
	data, _ := yaml.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "compass.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-env")
	t.Setenv("PAGERDUTY_WEBHOOK_SECRET", "old, new")
	t.Setenv("COMPASS_BOT_CHANNEL", "#from-env")
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", "env-token")
	t.Setenv("COMPASS_BOT_LEASE", "45s")
	cmd := newBotCmd(&app{})
	if err := cmd.ParseFlags([]string{"--listen", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	got, err := botOptions(cmd, dir)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"bot.listen from flag", got.Bot.Listen, "127.0.0.1:0"},
		{"bot.channel from env", got.Bot.Channel, "#from-env"},
		{"bot.store default", got.Bot.Store, "compass-bot.db"},
		{"slack.api_url from yaml", got.Slack.APIURL, "http://yaml.invalid/api/"},
		{"handbook.url from yaml", got.Handbook.URL, "https://yaml.example/"},
		{"alertmanager.token from env", got.Alertmanager.Token, "env-token"},
		{"reopen window from yaml", got.Bot.ReopenWindow.String(), "2h0m0s"},
		{"refresh interval default", got.Bot.RefreshInterval.String(), "10m0s"},
		{"replica id from yaml", got.Bot.ReplicaID, "bot-0"},
		{"lease from env", got.Bot.Lease.String(), "45s"},
		{"retention default", got.Bot.Retention.String(), "720h0m0s"},
		{"max age default", got.Bot.MaxAge.String(), "24h0m0s"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !reflect.DeepEqual(got.Secrets.PagerDutyKeys, []string{"old", "new"}) {
		t.Errorf("PAGERDUTY_WEBHOOK_SECRET split = %q", got.Secrets.PagerDutyKeys)
	}
	if len(got.Bot.Routes) != 1 || got.Bot.Routes[0].Channel != "#pay" {
		t.Errorf("routes from yaml = %+v", got.Bot.Routes)
	}
}
