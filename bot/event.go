// Package bot turns alert and page events into one Slack thread per incident.
package bot

import (
	"context"
	"errors"
	"time"
)

// Status is the state of an incident or of one alert in it.
type Status string

// Incident and alert states.
const (
	StatusFiring       Status = "firing" // firing alerts or a triggered page
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

// Severity is a normalised severity; sources map their own levels onto these.
type Severity string

// Severities, most urgent first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Rank orders severities by urgency, the one order every list and merge
// uses: critical 3, warning 2, info 1, and 0 for none or unknown.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// EventKind says what happened to an incident.
type EventKind string

// Event kinds. Alert-group sources (Alertmanager, Grafana) send KindAlerts with
// the group's current alerts; page sources send the others.
const (
	KindAlerts          EventKind = "alerts" // an alert group's current state
	KindTriggered       EventKind = "triggered"
	KindAcknowledged    EventKind = "acknowledged"
	KindUnacknowledged  EventKind = "unacknowledged"
	KindEscalated       EventKind = "escalated"
	KindReassigned      EventKind = "reassigned"
	KindAnnotated       EventKind = "annotated" // a note was added
	KindPriorityUpdated EventKind = "priority_updated"
	KindResolved        EventKind = "resolved"
	KindReopened        EventKind = "reopened"
	// KindSplit: a person moved the source Key out of the incident it was
	// correlated into, into an incident and thread of its own (correlate.go).
	KindSplit EventKind = "split"
)

// Event is one normalised change to an incident, whatever its source.
type Event struct {
	Source   string            // "alertmanager", "pagerduty", "grafana", "opsgenie"
	Key      string            // thread key: "alertmanager/{receiver}/{groupKey}", "pagerduty/{id}", "grafana/{groupKey}", "opsgenie/{alertId}"
	Kind     EventKind         //
	Status   Status            // the incident's status as the source reports it after this event
	Title    string            // short human title: alert name and summary, or the page's title
	Severity Severity          // "" when the source gave none
	Actor    string            // who acknowledged, resolved, reassigned, annotated; "" if unknown
	Note     string            // note text, escalation target, new priority, new assignee
	URL      string            // link back to the incident in the source
	Labels   map[string]string // common labels: team, service, severity, cluster, namespace, …
	// GroupLabels are an alert group's grouping labels (Alertmanager's
	// groupLabels): what identifies the group, so what a silence of it
	// matches.
	GroupLabels map[string]string
	Alerts      []Alert   // KindAlerts: every alert in the group as of this notification
	Silence     *Silence  // KindSilenced: the silence set; KindUnsilenced: the silence expired (nil: any)
	At          time.Time // when it happened, per the source; receipt time if the source gave none
	// DedupKey is what the sender deduplicates the incident by, the first
	// thing correlation matches (correlate.go): for an Alertmanager alert
	// group the SHA-256 hex of its group key, which is what Alertmanager
	// sends PagerDuty as dedup_key and Opsgenie as alias; for a page, its
	// PagerDuty incident_key or Opsgenie alias. "" when there is none.
	DedupKey string `json:",omitempty"`
}

// Alert is one alert inside an alert group.
type Alert struct {
	Name         string // the alertname label
	Fingerprint  string // stable per label set
	Status       Status // StatusFiring or StatusResolved
	Labels       map[string]string
	Annotations  map[string]string
	Summary      string // summary or description annotation
	RunbookURL   string // runbook_url annotation, if any
	GeneratorURL string
	StartsAt     time.Time
	EndsAt       time.Time // zero while firing
	// Member is the key of the incident member (source) that reported the
	// alert when it is not the incident's first; set by the bot.
	Member string `json:",omitempty"`
}

// Delivery is one accepted webhook request: its events and what makes it
// unique, so that redelivery and HA duplicates change nothing.
type Delivery struct {
	Source     string  // as Event.Source
	ID         string  // the sender's delivery id (PagerDuty X-Webhook-Id), "" if none
	ContentKey string  // hash of the meaningful content (group key, status, fingerprints, start/end times)
	Events     []Event // may be empty: an accepted but ignored delivery
}

// Sink accepts deliveries from the webhook adapters. Accept returns only after
// the delivery is durable (committed to the store) or has been recognised as a
// duplicate; either way the adapter answers 2xx.
type Sink interface {
	Accept(ctx context.Context, d Delivery) error
}

// ErrOverloaded is returned by Sink.Accept when the bot cannot take more work
// now; adapters answer 503 so that the sender retries later.
var ErrOverloaded = errors.New("bot: overloaded")
