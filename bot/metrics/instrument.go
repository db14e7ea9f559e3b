package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/compasshq/compass/bot"
)

// Sink wraps s so that webhook handlers (hooks/webhook) report each
// request's outcome: the result also implements webhook.Observer.
func (m *Metrics) Sink(s bot.Sink) bot.Sink { return observedSink{Sink: s, m: m} }

type observedSink struct {
	bot.Sink
	m *Metrics
}

// Webhook implements webhook.Observer.
func (o observedSink) Webhook(source, outcome, reason string) {
	o.m.webhooks.WithLabelValues(source, outcome, reason).Inc()
}

// Poster wraps p so that every Slack call is counted by method and result,
// Retry-After waits are summed, and a run of failures is timed for
// SlackFailingFor.
func (m *Metrics) Poster(p bot.Poster) bot.Poster { return poster{p: p, m: m} }

type poster struct {
	p bot.Poster
	m *Metrics
}

var _ bot.Poster = poster{}

func (p poster) PostMessage(ctx context.Context, channel string, msg bot.Message) (string, string, error) {
	ch, ts, err := p.p.PostMessage(ctx, channel, msg)
	p.m.slackCall(ctx, MethodPost, err)
	return ch, ts, err
}

func (p poster) UpdateMessage(ctx context.Context, channel, ts string, msg bot.Message) error {
	err := p.p.UpdateMessage(ctx, channel, ts, msg)
	p.m.slackCall(ctx, MethodUpdate, err)
	return err
}

func (p poster) FindMessage(ctx context.Context, channel, threadTS string, marker bot.Marker, oldest time.Time) (string, string, error) {
	ch, ts, err := p.p.FindMessage(ctx, channel, threadTS, marker, oldest)
	method := MethodHistory
	if threadTS != "" {
		method = MethodReplies
	}
	if errors.Is(err, bot.ErrNotFound) {
		p.m.slackCall(ctx, method, nil) // Slack answered: the message is not there
	} else {
		p.m.slackCall(ctx, method, err)
	}
	return ch, ts, err
}

// slackCall records one call's outcome. A call cut short by the bot itself
// stopping says nothing about Slack and leaves the failure timer alone.
func (m *Metrics) slackCall(ctx context.Context, method string, err error) {
	if err == nil {
		m.slackCalls.WithLabelValues(method, ResultOK).Inc()
		m.mu.Lock()
		m.failingSince = time.Time{}
		m.mu.Unlock()
		return
	}
	var pe *bot.PostError
	code := "unknown"
	if errors.As(err, &pe) {
		code = pe.Code
		if pe.RetryAfter > 0 {
			m.slackRetryAfter.Add(pe.RetryAfter.Seconds())
		}
	}
	m.slackCalls.WithLabelValues(method, code).Inc()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	m.mu.Lock()
	if m.failingSince.IsZero() {
		m.failingSince = m.opt.Now()
	}
	m.mu.Unlock()
}

// SlackFailingFor is how long every Slack call has failed: zero while the
// last call succeeded (or none was made).
func (m *Metrics) SlackFailingFor() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failingSince.IsZero() {
		return 0
	}
	return m.opt.Now().Sub(m.failingSince)
}
