// Package metrics exports the bot's Prometheus metrics with client_golang,
// its only importer: webhooks by source and outcome, Slack calls by method
// and result, the outbox, open incidents, lease takeovers and the HTTP
// connections. The bot and the hooks are instrumented by wrapping what they
// already use (the Sink, the Poster); figures that live in the store are
// read from it at scrape time, so every replica reports the shared truth.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure Metrics. Only Store is required.
type Options struct {
	// Store is read at each scrape for the outbox depth, the oldest op's
	// age and the open incidents; when it also has LeaseTakeovers() int64
	// (Postgres) that count is exported too.
	Store bot.Store
	// Sources are the webhook sources served, so that their series exist
	// (at zero) before the first webhook and rate() works from the start.
	Sources []string
	// Connections, when set, reports the HTTP connections open and how many
	// idle ones were closed to make room (httpserver.Server.Connections).
	Connections func() (open int, evicted int64)
	Logger      *slog.Logger
	Now         func() time.Time // default time.Now
}

// Metrics holds the bot's metrics and serves them.
type Metrics struct {
	opt Options
	reg *prometheus.Registry

	webhooks        *prometheus.CounterVec
	slackCalls      *prometheus.CounterVec
	slackRetryAfter prometheus.Counter
	storeErrors     prometheus.Counter

	mu           sync.Mutex
	failingSince time.Time // first failed Slack call since the last success; zero while Slack answers
}

// Slack Web API methods the Poster calls, for the method label.
const (
	MethodPost    = "chat.postMessage"
	MethodUpdate  = "chat.update"
	MethodHistory = "conversations.history" // FindMessage of a parent
	MethodReplies = "conversations.replies" // FindMessage of a reply
)

// ResultOK is the result label of a Slack call that succeeded; a failed
// call's result is the bot.PostError code ("ratelimited", "channel_not_found",
// "500", "network", …).
const ResultOK = "ok"

// New returns Metrics registered with the Go and process collectors.
func New(opt Options) *Metrics {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &Metrics{
		opt: opt,
		reg: prometheus.NewRegistry(),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compass_webhooks_total",
			Help: "Webhook requests by source and outcome (accepted, duplicate, refused); reason says why one was refused.",
		}, []string{"source", "outcome", "reason"}),
		slackCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compass_slack_calls_total",
			Help: `Slack Web API calls by method and result ("ok", or Slack's error code: "ratelimited" for 429, an HTTP status, "network").`,
		}, []string{"method", "result"}),
		slackRetryAfter: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "compass_slack_retry_after_seconds_total",
			Help: "Seconds Slack asked the bot to wait (Retry-After of 429 answers), summed.",
		}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "compass_metrics_store_errors_total",
			Help: "Scrapes whose read of the store failed; the outbox and incident gauges are missing from those.",
		}),
	}
	for _, src := range opt.Sources {
		m.webhooks.WithLabelValues(src, "accepted", "")
		m.webhooks.WithLabelValues(src, "duplicate", "")
	}
	for _, method := range []string{MethodPost, MethodUpdate, MethodHistory, MethodReplies} {
		m.slackCalls.WithLabelValues(method, ResultOK)
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.webhooks, m.slackCalls, m.slackRetryAfter, m.storeErrors,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "compass_slack_failing_seconds",
			Help: "How long every Slack call has failed, in seconds; 0 while Slack answers.",
		}, func() float64 { return m.SlackFailingFor().Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "compass_outbox_lease_takeovers_total",
			Help: "Outbox ops this replica took over from a replica whose lease ran out (Postgres; always 0 on SQLite).",
		}, m.leaseTakeovers),
		&storeCollector{m: m},
	)
	if opt.Connections != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "compass_http_connections_open",
				Help: "HTTP connections open now.",
			}, func() float64 { open, _ := opt.Connections(); return float64(open) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "compass_http_connections_evicted_total",
				Help: "Idle HTTP connections closed to make room once the connection cap was reached.",
			}, func() float64 { _, ev := opt.Connections(); return float64(ev) }),
		)
	}
	return m
}

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(m.opt.Logger.Handler(), slog.LevelWarn),
	})
}

func (m *Metrics) leaseTakeovers() float64 {
	if lt, ok := m.opt.Store.(interface{ LeaseTakeovers() int64 }); ok {
		return float64(lt.LeaseTakeovers())
	}
	return 0
}

// storeCollector reads the outbox and incident figures from the store at
// each scrape. A failed read drops those gauges from the scrape (and counts
// the failure) rather than failing the whole scrape.
type storeCollector struct{ m *Metrics }

var (
	outboxDepthDesc = prometheus.NewDesc("compass_outbox_depth",
		"Outbox ops waiting for or in a Slack call, all replicas'.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("compass_outbox_oldest_op_age_seconds",
		"Age of the oldest op waiting for or in a Slack call, in seconds; 0 when the outbox is empty.", nil, nil)
	incidentsOpenDesc = prometheus.NewDesc("compass_incidents_open",
		"Incidents not resolved, by source.", []string{"source"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxOldestDesc
	ch <- incidentsOpenDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st bot.Stats
	err := c.m.opt.Store.View(ctx, func(tx bot.Tx) error {
		var err error
		st, err = tx.Stats(ctx)
		return err
	})
	if err != nil {
		c.m.storeErrors.Inc()
		c.m.opt.Logger.Warn("read store for metrics", "error", err)
		return
	}
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(c.m.opt.Now().Sub(st.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(st.Unfinished))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, age)
	for _, src := range c.m.opt.Sources {
		if _, ok := st.Open[src]; !ok {
			ch <- prometheus.MustNewConstMetric(incidentsOpenDesc, prometheus.GaugeValue, 0, src)
		}
	}
	for src, n := range st.Open {
		ch <- prometheus.MustNewConstMetric(incidentsOpenDesc, prometheus.GaugeValue, float64(n), src)
	}
}
