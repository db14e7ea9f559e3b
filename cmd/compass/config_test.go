package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryKeyFromEnvironment: every key of DefaultConfig is read from
// COMPASS_<KEY>, so adding a field is all it takes to add a key.
func TestEveryKeyFromEnvironment(t *testing.T) {
	for key, def := range defaultValues() {
		var env string
		var want any
		switch def.(type) {
		case string:
			env, want = "from-env", "from-env"
		case bool:
			env, want = "true", true
		case int:
			env, want = "7", 7
		case time.Duration:
			env, want = "90s", 90*time.Second
		default:
			continue // lists and maps have their own decoders, tested below
		}
		t.Run(key, func(t *testing.T) {
			t.Setenv("COMPASS_"+strings.ToUpper(strings.ReplaceAll(key, ".", "_")), env)
			c, err := loadConfig(t.TempDir(), nil, append(siteBlocks, botBlocks...)...)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			flattenKeys(reflect.ValueOf(c), "", got)
			if got[key] != want {
				t.Errorf("%s = %#v, want %#v", key, got[key], want)
			}
		})
	}
}

// TestConfigBlocks: lists and maps decode from compass.yaml and the
// environment, and a mistake in one block is only the problem of the
// commands that read it.
func TestConfigBlocks(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		blocks  []string
		check   func(Config) bool
		wantErr string
	}{
		{name: "check block", yaml: "check:\n  warn_days: 3\n  rules: {orphan-page: false, broken-link: warning}\n  ignore: [archive/**]\n", blocks: siteBlocks,
			check: func(c Config) bool {
				return c.Check.WarnDays == 3 && c.Check.Rules["orphan-page"] == "off" && c.Check.Rules["broken-link"] == "warning" && slices.Equal(c.Check.Ignore, []string{"archive/**"})
			}},
		{name: "check.ignore from env", env: map[string]string{"COMPASS_CHECK_IGNORE": "archive/**, drafts/**"}, blocks: siteBlocks,
			check: func(c Config) bool { return slices.Equal(c.Check.Ignore, []string{"archive/**", "drafts/**"}) }},
		{name: "capacity alerts from yaml", yaml: "bot:\n  capacity_alerts: [Kube*, 'Disk*,CPU*']\n", blocks: botBlocks,
			check: func(c Config) bool { return slices.Equal(c.Bot.CapacityAlerts, []string{"Kube*", "Disk*", "CPU*"}) }},
		{name: "capacity alerts from env", env: map[string]string{"COMPASS_BOT_CAPACITY_ALERTS": "Kube*, Disk* CPU*"}, blocks: botBlocks,
			check: func(c Config) bool { return slices.Equal(c.Bot.CapacityAlerts, []string{"Kube*", "Disk*", "CPU*"}) }},
		{name: "opsgenie squashed credentials", yaml: "opsgenie:\n  token: t\n  header: X-T\n  base_url: https://og.example\n", blocks: botBlocks,
			check: func(c Config) bool {
				return c.Opsgenie.Token == "t" && c.Opsgenie.Header == "X-T" && c.Opsgenie.BaseURL == "https://og.example"
			}},
		{name: "bad bot block does not stop the site", yaml: "bot:\n  reopen_window: soon\n", blocks: siteBlocks,
			check: func(c Config) bool { return c.Site.Title == "Handbook" }},
		{name: "bad bot block stops the bot", yaml: "bot:\n  reopen_window: soon\n", blocks: botBlocks,
			wantErr: `bot.reopen_window: want a duration like 4h or 90s, got "soon"`},
		{name: "bad check block does not stop the bot", yaml: "check:\n  rules: [x]\n", blocks: botBlocks,
			check: func(c Config) bool { return c.Bot.Listen == "127.0.0.1:8080" }},
		{name: "every problem at once", yaml: "unsafe_html: maybe\ncheck:\n  ignore: {x: 1}\n", blocks: siteBlocks,
			wantErr: "unsafe_html: cannot parse"},
		{name: "every problem at once, second", yaml: "unsafe_html: maybe\ncheck:\n  ignore: {x: 1}\n", blocks: siteBlocks,
			wantErr: "check.ignore must be a list of path globs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, configFile), []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := loadConfig(dir, nil, tt.blocks...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name    string
		c       LogConfig
		def     logDefaults
		wantOut string // after logging Info("hello") and Warn("careful")
		wantErr string
	}{
		{"site default: warnings as text", LogConfig{}, siteLog, `level=WARN msg=careful`, ""},
		{"bot default: info as JSON off a terminal", LogConfig{}, botLog, `{"level":"INFO","msg":"hello"}{"level":"WARN","msg":"careful"}`, ""},
		{"level info, format text", LogConfig{Level: "info", Format: "text"}, botLog, `level=INFO msg=hello level=WARN msg=careful`, ""},
		{"level error", LogConfig{Level: "ERROR"}, siteLog, ``, ""},
		{"json", LogConfig{Format: "json"}, siteLog, `{"level":"WARN","msg":"careful"}`, ""},
		{"bad level", LogConfig{Level: "loud"}, siteLog, "", `log.level: want debug, info, warn or error, got "loud"`},
		{"bad format", LogConfig{Format: "xml"}, siteLog, "", `log.format: want text or json, got "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(tt.c, &buf, tt.def)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Drop the time so the output compares exactly.
			log = slog.New(dropTime{log.Handler()})
			log.Info("hello")
			log.Warn("careful")
			got := strings.Join(strings.Fields(strings.ReplaceAll(buf.String(), "\n", " ")), " ")
			got = strings.ReplaceAll(got, "} {", "}{")
			if got != tt.wantOut {
				t.Errorf("log output %q, want %q", got, tt.wantOut)
			}
		})
	}
}

// dropTime is a handler that logs records without their time.
type dropTime struct{ slog.Handler }

func (h dropTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return h.Handler.Handle(ctx, r)
}
