package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/slash"
	"github.com/compasshq/compass/build"
)

// TestBotSlashCommand runs `compass bot` and asks it /compass questions the
// way Slack does: signed form posts to /slack/commands.
func TestBotSlashCommand(t *testing.T) {
	tmp := t.TempDir()
	const baseURL = "https://handbook.example.com/"
	if _, err := build.Build(context.Background(), build.Options{Source: "../../bot/slash/testdata/site", Out: filepath.Join(tmp, "public"), BaseURL: baseURL}); err != nil {
		t.Fatal(err)
	}
	fake := slacktest.New(t)
	const secret = "e2e-signing-secret"
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
	t.Setenv("SLACK_SIGNING_SECRET", secret)
	addr, _ := startBot(t,
		"--dir", tmp, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL(),
		"--handbook-map", filepath.Join(tmp, "public", "compass.json"), "--handbook-url", baseURL)
	ask := func(text, secret string) (int, slash.Response) {
		body := "command=%2Fcompass&user_id=U1&channel_id=C1&response_url=" + url.QueryEscape("https://hooks.slack.invalid/x") + "&text=" + url.QueryEscape(text)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(body))
		now := time.Now()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(slash.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(slash.HeaderSignature, slash.Sign(secret, now, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r slash.Response
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatalf("answer to %q: %v: %s", text, err, data)
			}
		}
		return resp.StatusCode, r
	}
	tests := []struct {
		text, want string
	}{
		{"oncall sre", "Site reliability"},
		{"incidents", "No open incidents"},
		{"team apac", "APAC support"},
		{"disk filling", "Disk filling up"},
	}
	for _, tt := range tests {
		code, r := ask(tt.text, secret)
		if code != http.StatusOK || !strings.Contains(rawText(r), tt.want) {
			t.Errorf("/compass %s: %d %+v, want %q", tt.text, code, r, tt.want)
		}
	}
	if code, _ := ask("oncall", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrongly signed command answered %d, want 401", code)
	}
}

func rawText(r slash.Response) string {
	var b strings.Builder
	b.WriteString(r.Text)
	for _, bl := range r.Blocks {
		if bl.Text != nil {
			b.WriteString("\n" + bl.Text.Text)
		}
	}
	return b.String()
}

func TestSlashConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"socket mode without app token", map[string]string{"COMPASS_BOT_SOCKET_MODE": "true"}, "SLACK_APP_TOKEN"},
		{"socket mode with a bot token", map[string]string{"COMPASS_BOT_SOCKET_MODE": "true", "SLACK_APP_TOKEN": "xoxb-nope"}, "app-level token"},
		{"pagerduty token without from", map[string]string{"PAGERDUTY_API_TOKEN": "pd"}, "pagerduty.from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SLACK_BOT_TOKEN", "xoxb-x")
			t.Setenv("SLACK_APP_TOKEN", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out syncBuffer
			code := run(context.Background(), []string{"bot", "--dir", t.TempDir(), "--channel", "#ops"}, &out, &out)
			if code != 2 || !strings.Contains(out.String(), tt.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit 2 mentioning %q", code, out.String(), tt.want)
			}
		})
	}
}
