package bot

import (
	"time"

	"github.com/compasshq/compass/bot/slacktext"
)

// Silence is an Alertmanager silence set from the incident's thread, as the
// incident remembers it: every replica renders the parent from it.
type Silence struct {
	ID    string    `json:"id"`    // Alertmanager's silence id
	By    string    `json:"by"`    // who silenced it (Slack name)
	Until time.Time `json:"until"` // the silence's end in Alertmanager
	// UntilResolved: the silence was set "until resolved"; Until is only
	// a bound, and the bot expires it when the incident resolves.
	UntilResolved bool `json:"until_resolved,omitempty"`
}

// Active reports whether the silence mutes the incident at now.
func (s Silence) Active(now time.Time) bool {
	return s.ID != "" && now.Before(s.Until)
}

// Silence event and change kinds: a silence was set from Slack, or expired
// (by a click, or by the bot when the incident resolved or the silence ran
// out).
const (
	KindSilenced   EventKind = "silenced"
	KindUnsilenced EventKind = "unsilenced"

	ChangeSilenced   ChangeKind = "silenced"
	ChangeUnsilenced ChangeKind = "unsilenced"
)

// applySilence folds a silence event into inc: KindSilenced records
// ev.Silence, KindUnsilenced forgets the silence ev.Silence names (or any,
// when it names none). A stale unsilence (of a silence replaced since)
// changes nothing.
func (inc *Incident) applySilence(ev Event, at time.Time) (changes []Change) {
	add := func(c Change) {
		c.At = at
		changes = append(changes, c)
	}
	switch ev.Kind {
	case KindSilenced:
		if ev.Silence == nil || ev.Silence.ID == "" || ev.Silence.ID == inc.Silence.ID {
			return
		}
		inc.Silence = *ev.Silence
		add(Change{Kind: ChangeSilenced, Actor: ev.Actor, Note: ev.Note})
	case KindUnsilenced:
		if inc.Silence.ID == "" || (ev.Silence != nil && ev.Silence.ID != inc.Silence.ID) {
			return
		}
		inc.Silence = Silence{}
		add(Change{Kind: ChangeUnsilenced, Actor: ev.Actor, Note: ev.Note})
	}
	if len(changes) > 0 && at.After(inc.UpdatedAt) {
		inc.UpdatedAt = at
	}
	return changes
}

// Silenceable reports whether the incident holds an Alertmanager alert
// group (opened it, or was correlated into it): what a silence can mute.
func (inc *Incident) Silenceable() bool {
	if inc.Source == "alertmanager" {
		return true
	}
	for _, m := range inc.Members {
		if m.Source == "alertmanager" {
			return true
		}
	}
	return false
}

// MatchLabels are the labels an incident is matched by: its common
// labels, plus severity, plus the labels all its alerts agree on (what
// routes and the owning team are found by).
func (inc *Incident) MatchLabels() map[string]string { return routeLabels(inc) }

// Action IDs of the parent's silence buttons, answered by bot/slash. The
// durations are the buttons' promise; bot/slash reads them from here.
const (
	ActionSilence1h       = "compass_silence_1h"
	ActionSilence4h       = "compass_silence_4h"
	ActionSilenceResolved = "compass_silence_resolved"
	ActionExpireSilence   = "compass_silence_expire"
)

// SilenceFor is how long each timed silence button silences.
var SilenceFor = map[string]time.Duration{
	ActionSilence1h: time.Hour,
	ActionSilence4h: 4 * time.Hour,
}

// silenceButtons are, on an open Alertmanager incident, "Silence 1 h",
// "Silence 4 h" and "Until resolved" while no silence is active, and
// "Expire silence" while one is; each carries the incident key (a key over
// Slack's value limit gets none, as incidentButtons).
func silenceButtons(inc *Incident, now time.Time) []slacktext.Button {
	if !inc.Silenceable() || inc.Status == StatusResolved || len(inc.Key) > slacktext.MaxButtonValue {
		return nil
	}
	if inc.Silence.Active(now) {
		return []slacktext.Button{slacktext.NewButton("Expire silence", ActionExpireSilence, inc.Key, "")}
	}
	return []slacktext.Button{
		slacktext.NewButton("Silence 1 h", ActionSilence1h, inc.Key, ""),
		slacktext.NewButton("Silence 4 h", ActionSilence4h, inc.Key, ""),
		slacktext.NewButton("Until resolved", ActionSilenceResolved, inc.Key, ""),
	}
}

// silenceLine is the parent's line about an active silence: who set it and
// until when; "" when none is active.
func silenceLine(inc *Incident, now time.Time) string {
	s := inc.Silence
	if !s.Active(now) {
		return ""
	}
	by := "someone"
	if s.By != "" {
		by = "*" + slacktext.Esc(s.By, 80) + "*"
	}
	if s.UntilResolved {
		return ":mute: Silenced by " + by + " until resolved (at the latest " + ClockTime(s.Until, now) + ")"
	}
	return ":mute: Silenced by " + by + " until " + ClockTime(s.Until, now) + " (" + HumanDuration(s.Until.Sub(now)) + " left)"
}

// ClockTime is t in UTC as people read it in a message: "15:04 UTC" on
// now's day, else with the day, "Tue 8 Dec 15:04 UTC".
func ClockTime(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04 UTC")
	}
	return t.Format("Mon 2 Jan 15:04 UTC")
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return ": " + slacktext.Esc(s, 300)
}
