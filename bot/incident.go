package bot

import (
	"sort"
	"strings"
	"time"
)

// Incident is one alert group or page, mirrored by one Slack thread. A key
// can have several generations: when an incident fires again long after it
// resolved (beyond the reopen window) it becomes a new incident with a new
// thread, so old threads are not resurrected by unrelated recurrences.
type Incident struct {
	Key        string // thread key, as Event.Key
	Generation int    // 1 for the first incident with this key, +1 for each later one
	Source     string
	Status     Status
	Severity   Severity
	Title      string
	URL        string            // link back to the incident in the source
	Labels     map[string]string // common labels of the group or page
	// GroupLabels are the alert group's grouping labels; nil for pages.
	GroupLabels map[string]string
	Alerts      []Alert // the alert set with each alert's current status, sorted by fingerprint
	Owner       string  // who acknowledged; "" while nobody has
	Assignee    string  // who the source says it is assigned to
	Priority    string  // the source's priority, if any
	OpenedAt    time.Time
	UpdatedAt   time.Time
	ResolvedAt  time.Time // zero unless resolved
	// Broadcast is set once the resolution has been broadcast to the channel,
	// so a flapping incident does not shout more than once per generation.
	Broadcast bool
	// Members are the sources in this incident, the one that opened it
	// first: an alert group and the page it caused share one incident
	// (correlate.go). Status, Severity, Title, Owner and the rest above are
	// combined from them (member.go); with one member they are its own.
	Members []Member
	// Silence is the Alertmanager silence set from the thread; zero when
	// none. It belongs to the incident, not to a member.
	Silence Silence
	Thread  Thread
	Version int64 // bumped by every UpdateIncident; optimistic concurrency for stores shared by replicas
}

// Thread is where an incident lives in Slack: the routed channel and the
// parent message's timestamp, which is "" until the parent has been posted.
type Thread struct {
	Channel string
	TS      string
}

// Firing counts the alerts that are currently firing.
func (inc *Incident) Firing() int {
	n := 0
	for _, a := range inc.Alerts {
		if a.Status == StatusFiring {
			n++
		}
	}
	return n
}

// AlertNames returns the distinct alert names in the incident, sorted.
func (inc *Incident) AlertNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, a := range inc.Alerts {
		if a.Name != "" && !seen[a.Name] {
			seen[a.Name] = true
			names = append(names, a.Name)
		}
	}
	sort.Strings(names)
	return names
}

// DisplayTitle is how people see the incident: its title, else its alert
// names, else its key.
func (inc *Incident) DisplayTitle() string {
	if inc.Title != "" {
		return inc.Title
	}
	if names := inc.AlertNames(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return inc.Key
}

// StatusEmoji is the Slack emoji for the incident's state: green when
// resolved, purple when acknowledged, else the severity's colour.
func (inc *Incident) StatusEmoji() string {
	switch {
	case inc.Status == StatusResolved:
		return ":large_green_circle:"
	case inc.Status == StatusAcknowledged:
		return ":large_purple_circle:"
	case inc.Severity == SeverityCritical:
		return ":red_circle:"
	case inc.Severity == SeverityWarning:
		return ":large_orange_circle:"
	}
	return ":large_blue_circle:"
}

// ChangeKind names one kind of change that a threaded reply reports.
type ChangeKind string

// Change kinds.
const (
	ChangeOpened         ChangeKind = "opened"
	ChangeAlertsFiring   ChangeKind = "alerts_firing"   // alerts started (or restarted) firing
	ChangeAlertsResolved ChangeKind = "alerts_resolved" // alerts stopped firing
	ChangeAcknowledged   ChangeKind = "acknowledged"
	ChangeUnacknowledged ChangeKind = "unacknowledged"
	ChangeEscalated      ChangeKind = "escalated"
	ChangeReassigned     ChangeKind = "reassigned"
	ChangeNote           ChangeKind = "note"
	ChangePriority       ChangeKind = "priority"
	ChangeResolved       ChangeKind = "resolved"
	ChangeReopened       ChangeKind = "reopened"
	ChangeSeverity       ChangeKind = "severity"
	ChangeJoined         ChangeKind = "joined" // another source's incident was correlated into this one; Note says how
	ChangeSplit          ChangeKind = "split"  // a source was moved out into its own incident; Note names it
)

// Change is one thing that happened to an incident, as a reply reports it.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	Actor  string     `json:"actor,omitempty"`
	Note   string     `json:"note,omitempty"`
	Alerts []string   `json:"alerts,omitempty"` // alert names (with a distinguishing label) for alert changes
	At     time.Time  `json:"at"`
	Member string     `json:"member,omitempty"` // the key of the member (source) the change came from
	Source string     `json:"source,omitempty"` // that member's source: "pagerduty", "alertmanager", …
}

// apply folds one event into inc and reports what changed. inc is nil when
// the key has never been seen. When the event reopens an incident that has
// been resolved for longer than reopenWindow, apply returns a new incident
// (the next generation) and fresh reports true: the caller keeps the old one
// as it was and starts a new thread. The event changes the state of its own
// member (ev.Key) of the incident, added with via (how it was correlated)
// when it is not one yet; the incident's state is then combined from its
// members.
func apply(inc *Incident, ev Event, via string, now time.Time, reopenWindow time.Duration) (out *Incident, changes []Change, fresh bool) {
	at := ev.At
	if at.IsZero() {
		at = now
	}
	// Only a firing alert group, a trigger or an explicit reopen can start a
	// new generation; a late note, ack or priority change on an incident
	// resolved long ago (their Status is often "") must not open a thread.
	if inc == nil || (inc.Status == StatusResolved && opening(ev) && now.Sub(inc.ResolvedAt) > reopenWindow) {
		gen := 1
		if inc != nil {
			gen = inc.Generation + 1
		}
		out = &Incident{
			Key: ev.Key, Generation: gen, Source: ev.Source, Status: StatusFiring,
			OpenedAt: at, UpdatedAt: at,
		}
		if inc != nil {
			out.Thread.Channel = inc.Thread.Channel
		}
		fresh = true
	} else {
		out = inc.clone()
	}
	if len(ev.GroupLabels) > 0 {
		// The incident's, not a member's: what a silence of it matches.
		out.GroupLabels = cloneMap(ev.GroupLabels)
	}
	if ev.Kind == KindSilenced || ev.Kind == KindUnsilenced {
		// A silence is the whole incident's, set from its thread: no
		// member's state changes.
		changes = out.applySilence(ev, at)
		for k := range changes {
			changes[k].Source = ev.Source
		}
		return out, changes, fresh
	}
	i, joined := out.join(ev.Key, ev.Source, via, at)
	v := out.view(i)
	changes = v.applyEvent(ev, at)
	out.absorb(i, v, ev.Kind == KindAlerts)
	switch {
	case fresh:
		// A fresh incident's first message shows its whole state; the
		// changes that created it need no separate reply.
		changes = []Change{{Kind: ChangeOpened, At: at}}
	case joined:
		changes = append([]Change{{Kind: ChangeJoined, Note: via, At: at}}, changes...)
	}
	for k := range changes {
		changes[k].Member, changes[k].Source = ev.Key, ev.Source
	}
	return out, changes, fresh
}

func (inc *Incident) clone() *Incident {
	c := *inc
	c.Labels = cloneMap(inc.Labels)
	c.GroupLabels = cloneMap(inc.GroupLabels)
	c.Alerts = make([]Alert, len(inc.Alerts))
	copy(c.Alerts, inc.Alerts)
	c.Members = make([]Member, len(inc.Members))
	for i, m := range inc.Members {
		m.Labels = cloneMap(m.Labels)
		c.Members[i] = m
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// applyEvent mutates inc and returns the changes worth telling people about.
func (inc *Incident) applyEvent(ev Event, at time.Time) []Change {
	var changes []Change
	add := func(c Change) {
		c.At = at
		changes = append(changes, c)
	}
	inc.applyFields(ev, at, add)
	wasResolved := inc.Status == StatusResolved

	switch ev.Kind {
	case KindAlerts:
		inc.applyAlerts(ev, at, wasResolved, add)
	case KindTriggered, KindReopened:
		if wasResolved {
			inc.reopen()
			add(Change{Kind: ChangeReopened, Actor: ev.Actor})
		}
	case KindAcknowledged:
		if wasResolved {
			inc.reopen()
			add(Change{Kind: ChangeReopened})
		}
		if inc.Status != StatusAcknowledged || inc.Owner != ev.Actor {
			inc.Status = StatusAcknowledged
			inc.Owner = ev.Actor
			add(Change{Kind: ChangeAcknowledged, Actor: ev.Actor})
		}
	case KindUnacknowledged:
		if inc.Status == StatusAcknowledged {
			inc.Status = StatusFiring
			inc.Owner = ""
			add(Change{Kind: ChangeUnacknowledged, Actor: ev.Actor})
		}
	case KindEscalated:
		add(Change{Kind: ChangeEscalated, Actor: ev.Actor, Note: ev.Note})
	case KindReassigned:
		inc.Assignee = ev.Note
		add(Change{Kind: ChangeReassigned, Actor: ev.Actor, Note: ev.Note})
	case KindAnnotated:
		if ev.Note != "" {
			add(Change{Kind: ChangeNote, Actor: ev.Actor, Note: ev.Note})
		}
	case KindPriorityUpdated:
		if ev.Note != inc.Priority {
			inc.Priority = ev.Note
			add(Change{Kind: ChangePriority, Actor: ev.Actor, Note: ev.Note})
		}
	case KindResolved:
		if !wasResolved {
			inc.resolve(at)
			add(Change{Kind: ChangeResolved, Actor: ev.Actor})
		}
	}
	// A source that reports a status without a dedicated kind (or a page
	// source resolving through a status field) still moves the state.
	if ev.Kind != KindAlerts && ev.Status == StatusResolved && inc.Status != StatusResolved {
		inc.resolve(at)
		add(Change{Kind: ChangeResolved, Actor: ev.Actor})
	}
	return changes
}

// applyFields copies the descriptive fields ev carries onto inc; only a
// change of a severity already known is a Change worth telling.
func (inc *Incident) applyFields(ev Event, at time.Time, add func(Change)) {
	if ev.Title != "" {
		inc.Title = ev.Title
	}
	if ev.URL != "" {
		inc.URL = ev.URL
	}
	if len(ev.Labels) > 0 {
		inc.Labels = cloneMap(ev.Labels)
	}
	if ev.Severity != "" && ev.Severity != inc.Severity {
		if inc.Severity != "" {
			add(Change{Kind: ChangeSeverity, Note: string(ev.Severity)})
		}
		inc.Severity = ev.Severity
	}
	if at.After(inc.UpdatedAt) {
		inc.UpdatedAt = at
	}
}

// applyAlerts merges an alert source's alerts into inc: the incident is
// resolved when none fire any more and reopened when one fires again.
func (inc *Incident) applyAlerts(ev Event, at time.Time, wasResolved bool, add func(Change)) {
	started, stopped := inc.mergeAlerts(ev.Alerts)
	if len(started) > 0 {
		add(Change{Kind: ChangeAlertsFiring, Alerts: started})
	}
	if len(stopped) > 0 {
		add(Change{Kind: ChangeAlertsResolved, Alerts: stopped})
	}
	if inc.Firing() > 0 || (len(inc.Alerts) == 0 && ev.Status != StatusResolved) {
		if wasResolved {
			inc.reopen()
			add(Change{Kind: ChangeReopened})
		}
	} else if !wasResolved {
		inc.resolve(at)
		add(Change{Kind: ChangeResolved})
	}
}

func (inc *Incident) reopen() {
	inc.Status = StatusFiring
	inc.ResolvedAt = time.Time{}
	inc.Owner = ""
}

func (inc *Incident) resolve(at time.Time) {
	inc.Status = StatusResolved
	inc.ResolvedAt = at
}

// mergeAlerts folds a group's current alerts into the incident's alert set by
// fingerprint and returns the display names of alerts that started and
// stopped firing. Alerts missing from the notification keep their status: an
// Alertmanager group notification lists resolved alerts only once.
func (inc *Incident) mergeAlerts(alerts []Alert) (started, stopped []string) {
	idx := make(map[string]int, len(inc.Alerts))
	for i, a := range inc.Alerts {
		idx[alertID(a)] = i
	}
	for _, a := range alerts {
		a.Labels = cloneMap(a.Labels)
		a.Annotations = cloneMap(a.Annotations)
		if a.Status == "" {
			a.Status = StatusFiring
		}
		id := alertID(a)
		i, ok := idx[id]
		if !ok {
			inc.Alerts = append(inc.Alerts, a)
			idx[id] = len(inc.Alerts) - 1
			if a.Status == StatusFiring {
				started = append(started, alertLabel(a))
			}
			continue
		}
		old := inc.Alerts[i]
		// A notification older than what we know (HA replicas, retries
		// arriving late) must not move an alert back in time.
		if !a.StartsAt.IsZero() && a.StartsAt.Before(old.StartsAt) {
			continue
		}
		if old.Status == a.Status && !a.StartsAt.After(old.StartsAt) {
			inc.Alerts[i] = a
			continue
		}
		if old.Status == StatusResolved && a.Status == StatusResolved {
			inc.Alerts[i] = a
			continue
		}
		inc.Alerts[i] = a
		switch {
		case a.Status == StatusFiring && (old.Status != StatusFiring || a.StartsAt.After(old.StartsAt)):
			if old.Status != StatusFiring {
				started = append(started, alertLabel(a))
			}
		case a.Status == StatusResolved && old.Status == StatusFiring:
			stopped = append(stopped, alertLabel(a))
		}
	}
	sort.Slice(inc.Alerts, func(i, j int) bool { return alertID(inc.Alerts[i]) < alertID(inc.Alerts[j]) })
	return started, stopped
}

func alertID(a Alert) string {
	if a.Fingerprint != "" {
		return a.Fingerprint
	}
	return a.Name + "\x00" + a.Summary
}

// alertLabel names an alert for a human: its name plus the label that tells
// alerts of the same name apart, when there is one.
func alertLabel(a Alert) string {
	for _, k := range []string{"instance", "node", "pod", "persistentvolumeclaim", "device", "mountpoint", "namespace", "cluster"} {
		if v := a.Labels[k]; v != "" {
			return a.Name + " (" + k + "=" + v + ")"
		}
	}
	return a.Name
}
