package silence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/amapi"
)

// Alertmanager is what the Watcher asks Alertmanager; bot/amapi's Client
// implements it.
type Alertmanager interface {
	// ExpireSilence wraps amapi.ErrExpired or amapi.ErrNotFound when the
	// silence mutes nothing already.
	ExpireSilence(ctx context.Context, id string) error
	Alerts(ctx context.Context, matchers []amapi.Matcher) ([]amapi.Alert, error)
}

// Watcher keeps the silences set from Slack true to their incidents,
// because Alertmanager tells the bot nothing while a group is silenced, not
// even that it resolved. Every Interval it looks at each incident carrying
// a silence and:
//
//   - an "until resolved" silence of a resolved incident is expired in
//     Alertmanager (the incident resolved from Slack, PagerDuty, or below);
//   - an incident whose silence has run out is told so on its thread, and
//     its parent offers the silence buttons again;
//   - an open, silenced incident none of whose alerts Alertmanager still
//     holds is resolved: its resolved notification was muted.
//
// What it records goes through the bot's durable path with delivery ids
// named after the silence, so replicas running the same sweep change the
// thread once.
type Watcher struct {
	Store        bot.Store
	Sink         bot.Sink
	Alertmanager Alertmanager
	Interval     time.Duration // default 1m
	Logger       *slog.Logger
	Now          func() time.Time
}

// maxSweep bounds the incidents one sweep looks at; the least recently
// updated come first, and what a sweep changes moves to the back.
const maxSweep = 200

// Run sweeps every Interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
			w.log().Warn("silence sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Watcher) log() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

func (w *Watcher) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// Sweep looks at every incident carrying a silence once. One incident's
// failure (Alertmanager down) does not stop the others; the errors are
// joined.
func (w *Watcher) Sweep(ctx context.Context) error {
	var incs []*bot.Incident
	err := w.Store.View(ctx, func(tx bot.Tx) (err error) {
		incs, err = tx.ListSilenced(ctx, maxSweep)
		return err
	})
	if err != nil {
		return fmt.Errorf("list silenced incidents: %w", err)
	}
	var errs []error
	for _, inc := range incs {
		if err := w.check(ctx, inc); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", inc.Key, err))
		}
	}
	return errors.Join(errs...)
}

// check applies the Watcher's three rules to one incident.
func (w *Watcher) check(ctx context.Context, inc *bot.Incident) error {
	s, now := inc.Silence, w.now()
	log := w.log().With("incident_key", inc.Key, "silence_id", s.ID)
	switch {
	case inc.Status == bot.StatusResolved && s.UntilResolved && s.Active(now):
		err := w.Alertmanager.ExpireSilence(ctx, s.ID)
		if err != nil && !errors.Is(err, amapi.ErrExpired) && !errors.Is(err, amapi.ErrNotFound) {
			return fmt.Errorf("expire silence %s: %w", s.ID, err)
		}
		log.Info("until-resolved silence expired: the incident resolved")
		return w.record(ctx, inc, "ended", bot.Event{Kind: bot.KindUnsilenced, Note: "the incident resolved"})
	case !s.Active(now):
		return w.record(ctx, inc, "ended", bot.Event{Kind: bot.KindUnsilenced, Note: "it ran out at " + bot.ClockTime(s.Until, now)})
	case inc.Status == bot.StatusResolved:
		return nil // a timed silence runs its course
	}
	alerts, err := w.Alertmanager.Alerts(ctx, Matchers(inc))
	if err != nil {
		return fmt.Errorf("list the group's alerts: %w", err)
	}
	if len(alerts) > 0 {
		return nil
	}
	log.Info("silenced incident resolved: Alertmanager holds none of its alerts")
	return w.record(ctx, inc, "resolved",
		bot.Event{Kind: bot.KindAnnotated, Note: "Alertmanager holds none of this group's alerts any more; while silenced it sends no resolved notification, so Compass resolves the incident."},
		bot.Event{Kind: bot.KindResolved, Status: bot.StatusResolved})
}

// record applies events to inc through the bot, as one delivery named
// after the silence and what happened to it.
func (w *Watcher) record(ctx context.Context, inc *bot.Incident, what string, events ...bot.Event) error {
	s := inc.Silence
	for i := range events {
		events[i].Source, events[i].Key, events[i].At = inc.Source, inc.Key, w.now()
		if events[i].Kind == bot.KindUnsilenced {
			events[i].Silence = &s
		}
	}
	d := bot.Delivery{Source: "silence", ID: s.ID + "|" + what, Events: events}
	if err := w.Sink.Accept(ctx, d); err != nil {
		return fmt.Errorf("record silence %s %s: %w", s.ID, what, err)
	}
	return nil
}
