package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/httpserver"
	pdapi "github.com/compasshq/compass/bot/pagerduty"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slash"
	"github.com/compasshq/compass/build/handbook"
	"github.com/spf13/viper"
)

// slashDefaults are the compass.yaml keys of the slash commands, the
// incident buttons and Socket Mode (issue 7).
func slashDefaults(v *viper.Viper) {
	v.SetDefault("pagerduty.api_url", pdapi.DefaultBaseURL)
	v.SetDefault("pagerduty.token", "")
	v.SetDefault("pagerduty.from", "")
	v.SetDefault("bot.socket_mode", false)
	v.SetDefault("bot.capacity_alerts", nil)
}

// slashConfig is the typed configuration of the Slack command side.
type slashConfig struct {
	SocketMode     bool
	AppToken       string         // SLACK_APP_TOKEN
	PagerDuty      *pdapi.Options // nil: no PagerDuty REST token configured
	CapacityAlerts []string       // extra capacity alert globs
}

// readSlashConfig reads the keys; every problem is returned, so the bot
// reports them all in one run.
func readSlashConfig(v *viper.Viper) (slashConfig, []error) {
	c := slashConfig{SocketMode: v.GetBool("bot.socket_mode"), AppToken: os.Getenv("SLACK_APP_TOKEN")}
	var errs []error
	token := v.GetString("pagerduty.token")
	if token == "" {
		token = os.Getenv("PAGERDUTY_API_TOKEN")
	}
	if token != "" {
		c.PagerDuty = &pdapi.Options{BaseURL: v.GetString("pagerduty.api_url"), Token: token, From: v.GetString("pagerduty.from")}
		if _, err := pdapi.New(*c.PagerDuty); err != nil {
			errs = append(errs, fmt.Errorf("pagerduty.token is set, but: %w (set pagerduty.from and pagerduty.api_url)", err))
		}
	}
	for _, s := range v.GetStringSlice("bot.capacity_alerts") {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.CapacityAlerts = append(c.CapacityAlerts, p)
			}
		}
	}
	if c.SocketMode && !strings.HasPrefix(c.AppToken, "xapp-") {
		errs = append(errs, errors.New("bot.socket_mode is on but SLACK_APP_TOKEN is not an app-level token (xapp-…)"))
	}
	return c, errs
}

// serveSlash registers POST /slack/commands and /slack/interactions on srv
// and, with Socket Mode, connects to Slack as well, until ctx ends. The
// returned wait blocks until the Socket Mode connection and background
// follow-ups have finished.
func serveSlash(ctx context.Context, cfg botConfig, src *handbook.Source, store bot.Store, sink bot.Sink, srv *httpserver.Server, root *slog.Logger) (wait func(), err error) {
	log := root.With("component", "slash")
	if src == nil {
		src = handbook.NewSource("", handbook.SourceOptions{Logger: log}) // never loaded: an empty map
	}
	opt := slash.Options{
		Handbook: src, BaseURL: cfg.HandbookURL, Incidents: slash.StoreIncidents(store), Sink: sink,
		CapacityAlerts: cfg.Slash.CapacityAlerts, Logger: log,
	}
	if cfg.Slash.PagerDuty != nil {
		pd, err := pdapi.New(*cfg.Slash.PagerDuty)
		if err != nil {
			return nil, err
		}
		opt.PagerDuty = pd
	}
	h, err := slash.New(opt)
	if err != nil {
		return nil, err
	}
	v := slash.Verifier{}
	if cfg.SigningSecret != "" {
		v.Secrets = strings.Split(cfg.SigningSecret, ",")
	}
	srv.Handle("POST /slack/commands", h.CommandsHandler(v))
	srv.Handle("POST /slack/interactions", h.InteractionsHandler(v))

	var wg sync.WaitGroup
	if cfg.Slash.SocketMode {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := slack.RunSocket(ctx, slack.SocketOptions{
				AppToken: cfg.Slash.AppToken, BotToken: cfg.SlackToken, APIURL: cfg.SlackAPIURL, Handlers: h, Logger: root.With("component", "socket_mode"),
			})
			if err != nil {
				log.Error("socket mode stopped", "error", err)
			}
		}()
	}
	return func() { wg.Wait(); h.Wait() }, nil
}
