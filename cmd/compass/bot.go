package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/bot/linker"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/hooks/alertmanager"
	"github.com/compasshq/compass/hooks/grafana"
	"github.com/compasshq/compass/hooks/opsgenie"
	"github.com/compasshq/compass/hooks/pagerduty"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

func init() { subcommands = append(subcommands, newBotCmd) }

// botListening, when set (tests), is called with the bot's bound address.
var botListening func(addr net.Addr)

// botDefaults are the compass.yaml keys of the bot and their defaults.
func botDefaults(v *viper.Viper) {
	v.SetDefault("bot.listen", "127.0.0.1:8080")
	v.SetDefault("bot.store", "compass-bot.db")
	v.SetDefault("bot.channel", "")
	v.SetDefault("bot.routes", nil)
	v.SetDefault("bot.reopen_window", "4h")
	v.SetDefault("bot.refresh_interval", "10m")
	v.SetDefault("slack.api_url", slack.DefaultAPIURL)
	v.SetDefault("handbook.url", "")
	v.SetDefault("handbook.map", "")
	// Webhook credentials beyond the alertmanager.token: each
	// adapter takes a bearer token or basic auth, Opsgenie also a custom
	// header and its base URL for links.
	for _, k := range []string{
		"alertmanager.token", "alertmanager.username", "alertmanager.password",
		"grafana.token", "grafana.username", "grafana.password",
		"opsgenie.token", "opsgenie.header", "opsgenie.username", "opsgenie.password", "opsgenie.base_url",
	} {
		v.SetDefault(k, "")
	}
	slashDefaults(v)
}

// botConfig is the bot's typed configuration.
type botConfig struct {
	Listen       string
	Store        string
	Channel      string
	Routes       []bot.Route
	ReopenWindow time.Duration
	// RefreshInterval: how often an open incident's parent is re-rendered
	// with nothing else changing it ("Open for"); 0 disables.
	RefreshInterval time.Duration
	SlackAPIURL     string
	HandbookURL     string
	HandbookMap     string
	Alertmanager    alertmanager.Options
	Grafana         grafana.Options
	Opsgenie        opsgenie.Options
	SlackToken      string   // SLACK_BOT_TOKEN
	SigningSecret   string   // SLACK_SIGNING_SECRET (slash commands, issue 7)
	PagerDutyKeys   []string // PAGERDUTY_WEBHOOK_SECRET, comma-separated
	Slash           slashConfig
}

func botOptions(cmd *cobra.Command, dir string) (botConfig, error) {
	v, err := loadConfig(dir, botDefaults)
	if err != nil {
		return botConfig{}, usageError(err)
	}
	for key, flag := range map[string]string{
		"bot.listen": "listen", "bot.store": "store", "bot.channel": "channel",
		"slack.api_url": "slack-api-url", "handbook.url": "handbook-url", "handbook.map": "handbook-map",
	} {
		if err := v.BindPFlag(key, cmd.Flags().Lookup(flag)); err != nil {
			return botConfig{}, usageError(err)
		}
	}
	c := botConfig{
		Listen: v.GetString("bot.listen"), Store: v.GetString("bot.store"), Channel: v.GetString("bot.channel"),
		SlackAPIURL: v.GetString("slack.api_url"), HandbookURL: v.GetString("handbook.url"),
		HandbookMap: v.GetString("handbook.map"),
		Alertmanager: alertmanager.Options{Token: v.GetString("alertmanager.token"),
			Username: v.GetString("alertmanager.username"), Password: v.GetString("alertmanager.password")},
		Grafana: grafana.Options{Token: v.GetString("grafana.token"),
			Username: v.GetString("grafana.username"), Password: v.GetString("grafana.password")},
		Opsgenie: opsgenie.Options{Token: v.GetString("opsgenie.token"), Header: v.GetString("opsgenie.header"),
			Username: v.GetString("opsgenie.username"), Password: v.GetString("opsgenie.password"),
			BaseURL: v.GetString("opsgenie.base_url")},
		SlackToken: os.Getenv("SLACK_BOT_TOKEN"), SigningSecret: os.Getenv("SLACK_SIGNING_SECRET"),
	}
	for _, s := range strings.Split(os.Getenv("PAGERDUTY_WEBHOOK_SECRET"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.PagerDutyKeys = append(c.PagerDutyKeys, s)
		}
	}
	var errs []error
	c.Slash, errs = readSlashConfig(v)
	if c.ReopenWindow, err = time.ParseDuration(v.GetString("bot.reopen_window")); err != nil || c.ReopenWindow < 0 {
		errs = append(errs, fmt.Errorf("bot.reopen_window: want a duration like 4h, got %q", v.GetString("bot.reopen_window")))
	}
	if c.RefreshInterval, err = time.ParseDuration(v.GetString("bot.refresh_interval")); err != nil || c.RefreshInterval < 0 {
		errs = append(errs, fmt.Errorf("bot.refresh_interval: want a duration like 10m (0 disables), got %q", v.GetString("bot.refresh_interval")))
	}
	if c.Routes, err = decodeRoutes(v.Get("bot.routes")); err != nil {
		errs = append(errs, err)
	}
	if c.SlackToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not set: the bot cannot post to Slack"))
	}
	if c.Channel == "" {
		errs = append(errs, errors.New("bot.channel is not set: incidents that match no route and no team need a default channel"))
	}
	if err := errors.Join(errs...); err != nil {
		return c, usageError(err)
	}
	return c, nil
}

// decodeRoutes reads bot.routes from compass.yaml (a list) or from
// COMPASS_BOT_ROUTES (the same list as JSON).
func decodeRoutes(raw any) ([]bot.Route, error) {
	if raw == nil {
		return nil, nil
	}
	if s, ok := raw.(string); ok {
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		var routes []bot.Route
		if err := json.Unmarshal([]byte(s), &routes); err != nil {
			return nil, fmt.Errorf(`bot.routes: want JSON like [{"match":{"team":"payments"},"channel":"#payments"}]: %w`, err)
		}
		return routes, nil
	}
	// Round-trip through JSON: viper hands YAML lists over as []any of
	// map[string]any.
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("bot.routes: %w", err)
	}
	var routes []bot.Route
	if err := json.Unmarshal(data, &routes); err != nil {
		return nil, fmt.Errorf("bot.routes: want a list of {match: {label: value}, channel: \"#x\"}: %w", err)
	}
	for i, r := range routes {
		if r.Channel == "" || len(r.Match) == 0 {
			return nil, fmt.Errorf("bot.routes[%d]: needs a match and a channel", i)
		}
	}
	return routes, nil
}

func newBotCmd(a *app) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "bot",
		Short: "Run the ops bot: alert webhooks in, one Slack thread per incident out",
		Long: `Bot serves POST /hooks/{alertmanager,pagerduty,grafana,opsgenie}, keeps one
incident per thread key in its store and mirrors each incident to a Slack
thread through a durable outbox, with links into the handbook.

Configuration: flags > COMPASS_* environment > compass.yaml > defaults.
Secrets come from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
PAGERDUTY_WEBHOOK_SECRET (comma-separated during rotation).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := botOptions(cmd, dir)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(a.stderr, nil))
			if err := runBot(cmd.Context(), cfg, log); err != nil {
				log.Error("bot stopped", "error", err)
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "folder holding compass.yaml")
	f.String("listen", "127.0.0.1:8080", "address to serve on (bot.listen); port 0 picks a free port")
	f.String("store", "compass-bot.db", "SQLite file, or a postgres:// URL (bot.store)")
	f.String("channel", "", "default Slack channel (bot.channel)")
	f.String("slack-api-url", slack.DefaultAPIURL, "Slack Web API base URL (slack.api_url)")
	f.String("handbook-url", "", "the handbook site's base URL, for links (handbook.url)")
	f.String("handbook-map", "", "path or URL of compass.json (handbook.map)")
	return cmd
}

// openStore opens the store named by dsn: a postgres:// or postgresql://
// URL selects Postgres (several replicas may share it), anything else is a
// SQLite file path.
func openStore(ctx context.Context, dsn string, log *slog.Logger) (bot.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err := postgres.Open(ctx, dsn, postgres.WithLogger(log.With("component", "store")))
		if err != nil {
			return nil, err // already "open postgres store user@host:port/db: …", without the password
		}
		log.Info("store: postgres", "replica_id", s.ReplicaID())
		return s, nil
	}
	return sqlite.Open(ctx, dsn)
}

// runBot runs the bot until ctx ends.
func runBot(ctx context.Context, cfg botConfig, log *slog.Logger) error {
	store, err := openStore(ctx, cfg.Store, log)
	if err != nil {
		return err
	}
	defer store.Close()

	var src *handbook.Source
	var lk bot.Linker
	if cfg.HandbookMap != "" {
		src = handbook.NewSource(cfg.HandbookMap, handbook.SourceOptions{Logger: log})
		if err := src.Load(ctx); err != nil {
			if !strings.HasPrefix(cfg.HandbookMap, "http://") && !strings.HasPrefix(cfg.HandbookMap, "https://") {
				return fmt.Errorf("load handbook map: %w", err)
			}
			log.Warn("handbook map not loaded yet; will keep trying", "handbook_map", cfg.HandbookMap, "error", err)
		}
		lk = linkerAdapter{linker.New(src, cfg.HandbookURL)}
	} else {
		log.Warn("handbook.map is not set: messages will carry no handbook links")
	}

	poster := slack.New(slack.Options{Token: cfg.SlackToken, APIURL: cfg.SlackAPIURL})
	refresh := cfg.RefreshInterval
	if refresh == 0 {
		refresh = -1 // bot.Options: zero means the default, negative disables
	}
	b, err := bot.New(bot.Options{
		Store: store, Poster: poster, Linker: lk, Logger: log,
		Channel: cfg.Channel, Routes: cfg.Routes, ReopenWindow: cfg.ReopenWindow,
		RefreshInterval: refresh,
	})
	if err != nil {
		return err
	}
	if cfg.SigningSecret == "" {
		log.Warn("SLACK_SIGNING_SECRET is not set; slash commands will be refused when they arrive")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{}, 2)
	go func() {
		if err := b.Run(ctx); err != nil {
			log.Error("outbox worker", "error", err)
			cancel()
		}
		done <- struct{}{}
	}()
	if src != nil {
		go func() { src.Run(ctx); done <- struct{}{} }()
	} else {
		done <- struct{}{}
	}
	go func() {
		actx, acancel := context.WithTimeout(ctx, 10*time.Second)
		defer acancel()
		if team, user, err := poster.AuthTest(actx); err != nil {
			log.Warn("slack auth.test failed; check SLACK_BOT_TOKEN and slack.api_url", "error", err)
		} else {
			log.Info("slack connected", "slack_team", team, "slack_user", user)
		}
	}()

	srv := httpserver.New(httpserver.Options{
		Addr: cfg.Listen, Logger: log,
		Ready: func(ctx context.Context) error {
			if err := b.Ready(ctx); err != nil {
				return err
			}
			if src != nil && !src.Loaded() {
				return errors.New("handbook map not loaded")
			}
			return nil
		},
	})
	hlog := log.With("component", "hooks")
	srv.Handle("POST /hooks/alertmanager", alertmanager.New(cfg.Alertmanager, b, hlog))
	srv.Handle("POST /hooks/pagerduty", pagerduty.New(pagerduty.Options{Secrets: cfg.PagerDutyKeys}, b, hlog))
	srv.Handle("POST /hooks/grafana", grafana.New(cfg.Grafana, b, hlog))
	srv.Handle("POST /hooks/opsgenie", opsgenie.New(cfg.Opsgenie, b, hlog))

	waitSlash, err := serveSlash(ctx, cfg, src, store, b, srv, log)
	if err != nil {
		return err
	}
	defer waitSlash()

	err = srv.ListenAndServe(ctx, func(addr net.Addr) {
		log.Info("listening on "+addr.String(), "addr", addr.String())
		if botListening != nil {
			botListening(addr)
		}
	})
	cancel()
	<-done
	<-done
	return err
}

// linkerAdapter gives bot the linker through the small interface bot
// declares.
type linkerAdapter struct{ l *linker.Linker }

// whyText turns the linker's reason codes into words for messages.
var whyText = map[string]string{
	linker.WhyRunbook: "runbook", linker.WhyTeam: "owning team", linker.WhyPolicy: "on-call policy",
	linker.WhyRunbookURL: "alert's runbook_url", linker.WhySearch: "search hit",
}

func (a linkerAdapter) Links(q bot.LinkQuery) []bot.Link {
	ls := a.l.Links(linker.Query{AlertNames: q.AlertNames, Labels: q.Labels, Severity: q.Severity, RunbookURLs: q.RunbookURLs, Title: q.Title})
	out := make([]bot.Link, len(ls))
	for i, l := range ls {
		why := whyText[l.Why]
		if why == "" {
			why = l.Why
		}
		out[i] = bot.Link{Title: l.Title, URL: l.URL, Why: why}
	}
	return out
}

func (a linkerAdapter) TeamChannel(labels map[string]string, alertNames []string) string {
	if tm, ok := a.l.TeamFor(labels, alertNames); ok && tm != nil {
		return tm.Channel
	}
	return ""
}
