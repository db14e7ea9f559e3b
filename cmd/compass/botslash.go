package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/github"
	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/bot/pdapi"
	"github.com/compasshq/compass/bot/silence"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slash"
	"github.com/compasshq/compass/build/handbook"
)

// pagerDutyOptions are the options of the PagerDuty REST client, nil when no
// token is configured (pagerduty.token, else PAGERDUTY_API_TOKEN).
func pagerDutyOptions(c Config) *pdapi.Options {
	token := c.PagerDuty.Token
	if token == "" {
		token = c.Secrets.PagerDutyToken
	}
	if token == "" {
		return nil
	}
	return &pdapi.Options{BaseURL: c.PagerDuty.APIURL, Token: token, From: c.PagerDuty.From}
}

// githubOptions are the options of the client that opens review pull
// requests.
func githubOptions(c Config) github.Options {
	g := c.Bot.GitHub
	return github.Options{Token: g.Token, Repo: g.Repo, Base: g.Base, APIURL: g.APIURL}
}

// validateSlash reports every problem with the Slack command side's
// configuration: slash commands, incident buttons and Socket Mode.
func validateSlash(c Config) []error {
	var errs []error
	if pd := pagerDutyOptions(c); pd != nil {
		if _, err := pdapi.New(*pd); err != nil {
			errs = append(errs, fmt.Errorf("pagerduty.token is set, but: %w (set pagerduty.from and pagerduty.api_url)", err))
		}
	}
	if c.Bot.GitHub.Token != "" {
		if _, err := github.New(githubOptions(c)); err != nil {
			errs = append(errs, fmt.Errorf("bot.github.token is set, but: %w (set bot.github.repo)", err))
		}
	}
	if c.Bot.SocketMode && !strings.HasPrefix(c.Secrets.AppToken, "xapp-") {
		errs = append(errs, errors.New("bot.socket_mode is on but SLACK_APP_TOKEN is not an app-level token (xapp-…)"))
	}
	return errs
}

// serveSlash registers POST /slack/commands and /slack/interactions on srv
// and, with Socket Mode, connects to Slack as well, until ctx ends. The
// returned wait blocks until the Socket Mode connection and background
// follow-ups have finished.
func serveSlash(ctx context.Context, cfg Config, src *handbook.Source, store bot.Store, sink bot.Sink, poster *slack.Poster, srv *httpserver.Server, root *slog.Logger) (wait func(), err error) {
	log := root.With("component", "slash")
	if src == nil {
		src = handbook.NewSource("", handbook.SourceOptions{Logger: log}) // never loaded: an empty map
	}
	opt := slash.Options{
		Handbook: src, BaseURL: cfg.Handbook.URL, Incidents: slash.StoreIncidents(store), Sink: sink,
		CapacityAlerts: cfg.Bot.CapacityAlerts, Logger: log,
		Poster: poster, Threads: poster,
	}
	if cfg.Bot.GitHub.Token != "" {
		gh, err := github.New(githubOptions(cfg))
		if err != nil {
			return nil, err
		}
		opt.GitHub = gh
	}
	if pdo := pagerDutyOptions(cfg); pdo != nil {
		pd, err := pdapi.New(*pdo)
		if err != nil {
			return nil, err
		}
		opt.PagerDuty = pd
	}
	am, err := alertmanagerAPI(cfg)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	if am != nil {
		opt.Alertmanager, opt.UntilResolvedMax = am, cfg.Bot.Silence.UntilResolvedMax
		opt.Gate = silence.NewGate(cfg.Bot.Silence.Allowed, poster, cfg.Bot.Silence.MembershipTTL, nil)
		w := &silence.Watcher{Store: store, Sink: sink, Alertmanager: am, Interval: cfg.Bot.Silence.CheckInterval, Logger: root.With("component", "silence")}
		wg.Go(func() { w.Run(ctx) })
	}
	h, err := slash.New(opt)
	if err != nil {
		return nil, err
	}
	v := slash.Verifier{}
	if cfg.Secrets.SigningSecret != "" {
		v.Secrets = strings.Split(cfg.Secrets.SigningSecret, ",")
	}
	srv.Handle("POST /slack/commands", h.CommandsHandler(v))
	srv.Handle("POST /slack/interactions", h.InteractionsHandler(v))

	if cfg.Bot.SocketMode {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := slack.RunSocket(ctx, slack.SocketOptions{
				AppToken: cfg.Secrets.AppToken, BotToken: cfg.Secrets.SlackToken, APIURL: cfg.Slack.APIURL, Handlers: h, Logger: root.With("component", "socket_mode"),
			})
			if err != nil {
				log.Error("socket mode stopped", "error", err)
			}
		}()
	}
	return func() { wg.Wait(); h.Wait() }, nil
}
