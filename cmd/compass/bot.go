package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/bot/linker"
	"github.com/compasshq/compass/bot/metrics"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/hooks/alertmanager"
	"github.com/compasshq/compass/hooks/grafana"
	"github.com/compasshq/compass/hooks/opsgenie"
	"github.com/compasshq/compass/hooks/pagerduty"
	"github.com/compasshq/compass/hooks/webhook"
	"github.com/spf13/cobra"
)

// botListening, when set (tests), is called with the bot's bound address.
var botListening func(addr net.Addr)

// validateBot reports every reason the bot cannot start with c, in one
// error.
func validateBot(c Config) error {
	var errs []error
	if c.Bot.ReopenWindow < 0 {
		errs = append(errs, fmt.Errorf("bot.reopen_window: want a duration like 4h, got %s", c.Bot.ReopenWindow))
	}
	if c.Bot.RefreshInterval < 0 {
		errs = append(errs, fmt.Errorf("bot.refresh_interval: want a duration like 10m (0 disables), got %s", c.Bot.RefreshInterval))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"bot.max_age", c.Bot.MaxAge}, {"bot.retention", c.Bot.Retention}, {"bot.lease", c.Bot.Lease}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration like 24h, got %s", d.key, d.v))
		}
	}
	if c.Bot.Lease > 0 && c.Bot.Lease < 3*time.Second {
		errs = append(errs, fmt.Errorf("bot.lease: %s is too short to renew in time; want 3s or more", c.Bot.Lease))
	}
	if c.Secrets.SlackToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not set: the bot cannot post to Slack"))
	}
	if c.Bot.Channel == "" {
		errs = append(errs, errors.New("bot.channel is not set: incidents that match no route and no team need a default channel"))
	}
	errs = append(errs, validateSlash(c)...)
	errs = append(errs, validateSilence(c)...)
	return errors.Join(errs...)
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
			log, err := newLogger(cfg.Log, a.stderr, botLog)
			if err != nil {
				return usageError(err)
			}
			if err := runBot(cmd.Context(), cfg, log); err != nil {
				log.Error("bot stopped", "error", err)
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "folder holding compass.yaml")
	keyFlag(f, "listen", "bot.listen", "address to serve on (bot.listen); port 0 picks a free port")
	keyFlag(f, "store", "bot.store", "SQLite file, or a postgres:// URL (bot.store)")
	keyFlag(f, "channel", "bot.channel", "default Slack channel (bot.channel)")
	keyFlag(f, "slack-api-url", "slack.api_url", "Slack Web API base URL (slack.api_url)")
	keyFlag(f, "handbook-url", "handbook.url", "the handbook site's base URL, for links (handbook.url)")
	keyFlag(f, "handbook-map", "handbook.map", "path or URL of compass.json (handbook.map)")
	return cmd
}

// botOptions loads the bot's configuration from dir and cmd's flags and
// reports every problem with it in one usage error.
func botOptions(cmd *cobra.Command, dir string) (Config, error) {
	c, err := loadConfig(dir, cmd.Flags(), botBlocks...)
	if errors.Is(err, errRead) {
		return c, usageError(err)
	}
	if err := errors.Join(err, validateBot(c)); err != nil {
		return c, usageError(err)
	}
	return c, nil
}

// openStore opens the store named by dsn: a postgres:// or postgresql://
// URL selects Postgres (several replicas may share it), anything else is a
// SQLite file path.
func openStore(ctx context.Context, c BotConfig, log *slog.Logger) (bot.Store, error) {
	dsn := c.Store
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err := postgres.Open(ctx, dsn, postgres.WithLogger(log), postgres.WithReplicaID(c.ReplicaID), postgres.WithLease(c.Lease))
		if err != nil {
			return nil, err // already "open postgres store user@host:port/db: …", without the password
		}
		log.Info("store: postgres", "replica_id", s.ReplicaID(), "lease", c.Lease.String())
		return s, nil
	}
	return sqlite.Open(ctx, dsn)
}

// openHandbook loads the handbook map named by handbook.map, if any. A map
// served over HTTP may come later (the source keeps trying); a local file
// must load now.
func openHandbook(ctx context.Context, c HandbookConfig, log *slog.Logger) (*handbook.Source, bot.Linker, error) {
	if c.Map == "" {
		log.Warn("handbook.map is not set: messages will carry no handbook links")
		return nil, nil, nil
	}
	src := handbook.NewSource(c.Map, handbook.SourceOptions{Logger: log})
	if err := src.Load(ctx); err != nil {
		if !strings.HasPrefix(c.Map, "http://") && !strings.HasPrefix(c.Map, "https://") {
			return nil, nil, fmt.Errorf("load handbook map: %w", err)
		}
		log.Warn("handbook map not loaded yet; will keep trying", "handbook_map", c.Map, "error", err)
	}
	return src, linker.New(src, c.URL).ForBot(), nil
}

// handleHooks registers the alert adapters on srv.
func handleHooks(srv *httpserver.Server, c Config, sink bot.Sink, log *slog.Logger) {
	auth := func(h HookAuth) webhook.Options {
		return webhook.Options{Token: h.Token, Username: h.Username, Password: h.Password}
	}
	og := auth(c.Opsgenie.HookAuth)
	og.Header, og.BaseURL = c.Opsgenie.Header, c.Opsgenie.BaseURL
	srv.Handle("POST /hooks/alertmanager", alertmanager.New(auth(c.Alertmanager), sink, log))
	srv.Handle("POST /hooks/pagerduty", pagerduty.New(webhook.Options{Secrets: c.Secrets.PagerDutyKeys}, sink, log))
	srv.Handle("POST /hooks/grafana", grafana.New(auth(c.Grafana), sink, log))
	srv.Handle("POST /hooks/opsgenie", opsgenie.New(og, sink, log))
}

// readiness is /readyz: the store takes writes (a committed probe), Slack
// has not failed every call for longer than slackFailing (0: not checked),
// Slack refuses nothing no retry can fix (token, channel), and the handbook
// map is loaded. Every failing condition is reported.
func readiness(b *bot.Bot, m *metrics.Metrics, src *handbook.Source, slackFailing time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		var errs []error
		if err := b.Ready(ctx); err != nil {
			errs = append(errs, err)
		}
		if d := m.SlackFailingFor(); slackFailing > 0 && d > slackFailing {
			errs = append(errs, fmt.Errorf("every Slack call has failed for %s (bot.readyz_slack_failing is %s)", d.Round(time.Second), slackFailing))
		}
		if err := b.SlackProblem(); err != nil {
			errs = append(errs, err)
		}
		if src != nil && !src.Loaded() {
			errs = append(errs, errors.New("handbook map not loaded"))
		}
		return errors.Join(errs...)
	}
}

// newBot makes the bot's domain object from its configuration.
func newBot(cfg Config, store bot.Store, poster bot.Poster, lk bot.Linker, log *slog.Logger) (*bot.Bot, error) {
	refresh := cfg.Bot.RefreshInterval
	if refresh == 0 {
		refresh = -1 // bot.Options: zero means the default, negative disables
	}
	return bot.New(bot.Options{
		Store: store, Poster: poster, Linker: lk, Logger: log,
		Channel: cfg.Bot.Channel, Routes: cfg.Bot.Routes, ReopenWindow: cfg.Bot.ReopenWindow,
		CorrelateLabels: cfg.Bot.CorrelateLabels,
		RefreshInterval: refresh, MaxAge: cfg.Bot.MaxAge, Retention: cfg.Bot.Retention,
	})
}

// startWorkers runs the outbox worker and the handbook map's reloads until
// ctx ends (cancelling ctx if the worker fails), and checks the Slack token
// once. wait blocks until both have stopped.
func startWorkers(ctx context.Context, cancel context.CancelFunc, b *bot.Bot, src *handbook.Source, poster *slack.Poster, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.Run(ctx); err != nil {
			log.Error("outbox worker", "error", err)
			cancel()
		}
	})
	if src != nil {
		wg.Go(func() { src.Run(ctx) })
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
	return wg.Wait
}

// runBot runs the bot until ctx ends.
func runBot(ctx context.Context, cfg Config, log *slog.Logger) error {
	store, err := openStore(ctx, cfg.Bot, log.With("component", "store"))
	if err != nil {
		return err
	}
	defer store.Close()
	src, lk, err := openHandbook(ctx, cfg.Handbook, log.With("component", "handbook"))
	if err != nil {
		return err
	}

	var srv *httpserver.Server // set below; the metrics read its connections at scrape time
	m := metrics.New(metrics.Options{
		Store: store, Logger: log.With("component", "metrics"),
		Sources:     []string{alertmanager.Source, pagerduty.Source, grafana.Source, opsgenie.Source},
		Connections: func() (int, int64) { return srv.Connections() },
	})
	poster := slack.New(slack.Options{Token: cfg.Secrets.SlackToken, APIURL: cfg.Slack.APIURL})
	b, err := newBot(cfg, store, m.Poster(poster), lk, log)
	if err != nil {
		return err
	}
	if cfg.Secrets.SigningSecret == "" {
		log.Warn("SLACK_SIGNING_SECRET is not set; slash commands will be refused when they arrive")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waitWorkers := startWorkers(ctx, cancel, b, src, poster, log)

	srv = httpserver.New(httpserver.Options{
		Addr: cfg.Bot.Listen, Logger: log.With("component", "server"),
		MaxConnections: cfg.Bot.MaxConnections, Metrics: m.Handler(),
		Ready: readiness(b, m, src, cfg.Bot.ReadyzSlackFailing),
	})
	handleHooks(srv, cfg, m.Sink(b), log.With("component", "hooks"))
	waitSlash, err := serveSlash(ctx, cfg, src, store, b, poster, srv, log)
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
	waitWorkers()
	return err
}
