package bot

import (
	"strings"
)

// Correlation: when Alertmanager both posts an alert group to the bot and
// pages PagerDuty or Opsgenie about it, the page joins the alert group's
// incident, whichever arrives first, so that responders see one thread. An
// event's source finds its incident through links (the store's links
// table): from its own key ("source/…") once it has one, else through the
// correlation keys below, strongest first. The first source of an incident
// writes the links of its correlation keys; a later source with an equal key
// joins. The rules live here once; join.go applies them in a transaction.

// IncidentLabel is the label (on alerts) or detail (on Opsgenie alerts)
// that names an incident explicitly: events carrying the same value join
// one incident. A page names one with the dedup key
// "compass_incident:<value>" (PagerDuty's dedup_key, Opsgenie's alias).
const IncidentLabel = "compass_incident"

// corrKey is one correlation key of an event.
type corrKey struct {
	key string // the link key: "dedup/…", "incident/…", "labels/…"
	via string // how a source that joined by it reads in the thread
	// open: the key joins only an incident that is not resolved. Equal
	// labels (a cluster, a service) recur for unrelated problems, so they
	// must not pull a new page into last week's incident; a dedup key or
	// an explicit name means the same incident, and may reopen it.
	open bool
}

// correlationKeys are the keys ev can be correlated by, strongest first:
//
//  1. its dedup key: an alert group's hashed group key equals the
//     dedup_key (PagerDuty) or alias (Opsgenie) Alertmanager gave the page;
//  2. an explicit compass_incident label, or a dedup key
//     "compass_incident:<value>";
//  3. equal values of every label in match (bot.correlate.labels), when
//     match is set and the event has them all.
func correlationKeys(ev Event, match []string) []corrKey {
	var keys []corrKey
	explicit := strings.TrimSpace(ev.Labels[IncidentLabel])
	if id, ok := strings.CutPrefix(ev.DedupKey, IncidentLabel+":"); ok {
		if explicit == "" {
			explicit = strings.TrimSpace(id)
		}
	} else if ev.DedupKey != "" {
		keys = append(keys, corrKey{key: "dedup/" + ev.DedupKey, via: "same dedup key"})
	}
	if explicit != "" {
		keys = append(keys, corrKey{key: "incident/" + explicit, via: IncidentLabel + "=" + explicit})
	}
	if k, ok := labelKey(ev.Labels, match); ok {
		keys = append(keys, corrKey{key: k, via: "same " + strings.Join(match, ", "), open: true})
	}
	return keys
}

// labelKey is the link key of the values of the labels in match, which
// must all be present and non-empty.
func labelKey(labels map[string]string, match []string) (string, bool) {
	if len(match) == 0 {
		return "", false
	}
	var b strings.Builder
	b.WriteString("labels/")
	for i, name := range match {
		v := strings.TrimSpace(labels[name])
		if v == "" {
			return "", false
		}
		if i > 0 {
			b.WriteByte('\x1f') // a separator no label value contains
		}
		b.WriteString(name + "=" + v)
	}
	return b.String(), true
}

// sourceLink is the link key of a source's own key.
func sourceLink(key string) string { return "source/" + key }

// SourceName is how people know a source: "PagerDuty" for "pagerduty".
func SourceName(source string) string {
	switch source {
	case "alertmanager":
		return "Alertmanager"
	case "pagerduty":
		return "PagerDuty"
	case "opsgenie":
		return "Opsgenie"
	case "grafana":
		return "Grafana"
	}
	return source
}
