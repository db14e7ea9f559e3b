package slash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/amapi"
	"github.com/compasshq/compass/bot/silence"
	"github.com/compasshq/compass/bot/slacktext"
)

// Alertmanager creates and expires silences; bot/amapi's Client
// implements it.
type Alertmanager interface {
	CreateSilence(ctx context.Context, s amapi.Silence) (string, error)
	// ExpireSilence wraps amapi.ErrExpired or amapi.ErrNotFound when the
	// silence mutes nothing already.
	ExpireSilence(ctx context.Context, id string) error
}

// Gate says who may silence; *silence.Gate implements it.
type Gate interface {
	// Allow returns nil, a *silence.Refusal, or a lookup error.
	Allow(ctx context.Context, user, teamGroup string) error
}

// DefaultUntilResolvedMax bounds an "Until resolved" silence in
// Alertmanager: the bot expires it when the incident resolves, and should
// the bot be gone, the alerts notify again after this long.
const DefaultUntilResolvedMax = 24 * time.Hour

// silenceIncident answers "Silence 1 h", "Silence 4 h" and "Until
// resolved": a silence of the alert group in Alertmanager, then the
// incident's durable path, which updates the thread. A refused click
// creates nothing.
func (h *Handler) silenceIncident(ctx context.Context, in Interaction, a Action, id string) {
	inc, ok := h.silenceTarget(ctx, in, a.Value, "silence")
	if !ok {
		return
	}
	now := h.now()
	switch {
	case inc.Silence.Active(now):
		h.tell(ctx, in, fmt.Sprintf("`%s` is already silenced by %s until %s.", slacktext.Code(inc.Key, 80), actor(inc.Silence.By), bot.ClockTime(inc.Silence.Until, now)))
		return
	case !h.mayChangeSilence(ctx, in, inc, "silence"):
		return
	}
	ms := silence.Matchers(inc)
	if len(ms) == 0 {
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not silence `%s`: its alert group has no labels to match.", slacktext.Code(inc.Key, 80)))
		return
	}
	untilResolved := a.ActionID == bot.ActionSilenceResolved
	d, note := bot.SilenceFor[a.ActionID], ""
	if untilResolved {
		d, note = h.opt.UntilResolvedMax, "until resolved"
	}
	end := now.Add(d)
	if !untilResolved {
		note = "for " + bot.HumanDuration(d) + ", until " + bot.ClockTime(end, now)
	}
	by := actorOf(in)
	sil := amapi.Silence{Matchers: ms, StartsAt: now, EndsAt: end, CreatedBy: by, Comment: h.silenceComment(inc, untilResolved)}
	log := h.log.With("incident_key", inc.Key, "slack_user", in.User.ID, "action", a.ActionID)
	sid, err := h.opt.Alertmanager.CreateSilence(ctx, sil)
	if err != nil {
		log.Warn("alertmanager did not create the silence", "error", err)
		h.tell(ctx, in, ":warning: Alertmanager did not create the silence: "+slacktext.Esc(err.Error(), 1500)+"\nNothing was silenced.")
		return
	}
	log = log.With("silence_id", sid)
	ev := bot.Event{Source: inc.Source, Key: inc.Key, Kind: bot.KindSilenced, Actor: by, Note: note, At: now,
		Silence: &bot.Silence{ID: sid, By: by, Until: end, UntilResolved: untilResolved}}
	if err := h.opt.Sink.Accept(ctx, bot.Delivery{Source: "slack", ID: id, Events: []bot.Event{ev}}); err != nil {
		// A silence the thread does not show would mute the group unseen:
		// take it back.
		log.Error("record silence", "error", err)
		undo := h.opt.Alertmanager.ExpireSilence(ctx, sid)
		msg := fmt.Sprintf(":warning: Could not record the silence on the thread (%s), so it was expired again. Try again.", slacktext.Esc(err.Error(), 200))
		if undo != nil {
			log.Error("expire unrecorded silence", "error", undo)
			msg = fmt.Sprintf(":warning: Alertmanager has silence `%s`, but the thread could not show it (%s) and expiring it failed too (%s). Expire it in Alertmanager.", sid, slacktext.Esc(err.Error(), 200), slacktext.Esc(undo.Error(), 300))
		}
		h.tell(ctx, in, msg)
		return
	}
	log.Info("incident silenced from Slack", "until", end, "until_resolved", untilResolved)
}

// expireSilence answers "Expire silence": the silence the incident
// records is expired in Alertmanager (one already gone counts as done),
// then the thread is told through the durable path.
func (h *Handler) expireSilence(ctx context.Context, in Interaction, a Action, id string) {
	inc, ok := h.silenceTarget(ctx, in, a.Value, "expire the silence of")
	if !ok {
		return
	}
	if inc.Silence.ID == "" {
		h.tell(ctx, in, fmt.Sprintf("`%s` has no silence to expire.", slacktext.Code(inc.Key, 80)))
		return
	}
	if !h.mayChangeSilence(ctx, in, inc, "expire the silence of") {
		return
	}
	log := h.log.With("incident_key", inc.Key, "slack_user", in.User.ID, "silence_id", inc.Silence.ID)
	err := h.opt.Alertmanager.ExpireSilence(ctx, inc.Silence.ID)
	if err != nil && !errors.Is(err, amapi.ErrExpired) && !errors.Is(err, amapi.ErrNotFound) {
		log.Warn("alertmanager did not expire the silence", "error", err)
		h.tell(ctx, in, ":warning: Alertmanager did not expire the silence: "+slacktext.Esc(err.Error(), 1500)+"\nIt still mutes the alerts.")
		return
	}
	s := inc.Silence
	ev := bot.Event{Source: inc.Source, Key: inc.Key, Kind: bot.KindUnsilenced, Actor: actorOf(in), At: h.now(), Silence: &s}
	if err := h.opt.Sink.Accept(ctx, bot.Delivery{Source: "slack", ID: id, Events: []bot.Event{ev}}); err != nil {
		log.Error("record silence expiry", "error", err)
		h.tell(ctx, in, fmt.Sprintf(":warning: The silence is expired in Alertmanager, but the thread could not be updated (%s); it still shows the silence.", slacktext.Esc(err.Error(), 200)))
		return
	}
	log.Info("silence expired from Slack")
}

// silenceTarget finds the open Alertmanager incident a silence button
// names, or tells the clicker why there is none.
func (h *Handler) silenceTarget(ctx context.Context, in Interaction, key, verb string) (*bot.Incident, bool) {
	switch {
	case h.opt.Incidents == nil || h.opt.Sink == nil:
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s the incident: this bot has no incident store.", verb))
		return nil, false
	case h.opt.Alertmanager == nil:
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s the incident: the bot has no Alertmanager API configured (bot.alertmanager.urls).", verb))
		return nil, false
	case key == "" || len(key) > slacktext.MaxButtonValue:
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s the incident: the button names none.", verb))
		return nil, false
	}
	inc, err := h.opt.Incidents.Find(ctx, key)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s `%s`: no such incident.", verb, slacktext.Code(key, 80)))
		return nil, false
	case err != nil:
		h.log.Error("find incident for silence button", "incident_key", key, "error", err)
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s `%s` right now (the incident store failed). Try again.", verb, slacktext.Code(key, 80)))
		return nil, false
	case !inc.Silenceable():
		h.tell(ctx, in, fmt.Sprintf("`%s` is not an Alertmanager alert group; only those can be silenced from Slack.", slacktext.Code(key, 80)))
		return nil, false
	case inc.Status == bot.StatusResolved:
		h.tell(ctx, in, fmt.Sprintf("`%s` is resolved; nothing to silence.", slacktext.Code(key, 80)))
		return nil, false
	}
	return inc, true
}

// mayChangeSilence applies the Gate with the owning team's user group and
// tells a refused clicker why.
func (h *Handler) mayChangeSilence(ctx context.Context, in Interaction, inc *bot.Incident, verb string) bool {
	team := ""
	if tm, ok := h.lk.TeamFor(inc.MatchLabels(), inc.AlertNames()); ok {
		team = tm.SlackGroup
	}
	var err error
	if h.opt.Gate == nil {
		err = &silence.Refusal{Reason: "nobody may: the bot has no silence permissions set up"}
	} else {
		err = h.opt.Gate.Allow(ctx, in.User.ID, team)
	}
	var refusal *silence.Refusal
	switch {
	case err == nil:
		return true
	case errors.As(err, &refusal):
		h.log.Info("silence refused", "incident_key", inc.Key, "slack_user", in.User.ID, "reason", refusal.Reason)
		h.tell(ctx, in, fmt.Sprintf(":no_entry: You may not %s `%s`: %s.", verb, slacktext.Code(inc.Key, 80), slacktext.Esc(refusal.Reason, 500)))
	default:
		h.log.Warn("silence permission check failed", "incident_key", inc.Key, "slack_user", in.User.ID, "error", err)
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not check that you may %s `%s` (%s). Nothing was changed.", verb, slacktext.Code(inc.Key, 80), slacktext.Esc(err.Error(), 300)))
	}
	return false
}

// silenceComment is the silence's comment in Alertmanager: where it was
// set and a link back to the thread.
func (h *Handler) silenceComment(inc *bot.Incident, untilResolved bool) string {
	c := "Silenced from Slack by Compass for " + inc.DisplayTitle()
	if untilResolved {
		c += " until the incident resolves"
	}
	if link := h.Permalink(inc.Thread); link != "" {
		c += ". Thread: " + link
	}
	return c
}
