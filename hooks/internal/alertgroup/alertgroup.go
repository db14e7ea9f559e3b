// Package alertgroup turns an Alertmanager-style group notification (the
// shape Prometheus Alertmanager and Grafana unified alerting both send) into
// one bot.Event, and computes the content key that lets HA replicas' copies of
// the same notification deduplicate.
package alertgroup

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
)

// Payload is the group notification. Grafana adds OrgID, Title, State,
// Message and per-alert extras to Alertmanager's version 4 fields.
type Payload struct {
	Version           string            `json:"version"`
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []Alert           `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`

	OrgID   int64  `json:"orgId"`   // Grafana
	Title   string `json:"title"`   // Grafana: rendered "[FIRING:2] …"
	State   string `json:"state"`   // Grafana: "alerting", "ok"
	Message string `json:"message"` // Grafana: rendered message
}

// Alert is one alert of the group. Times stay strings until Event so that a
// bad one is reported with its index.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`

	SilenceURL   string         `json:"silenceURL"`   // Grafana
	DashboardURL string         `json:"dashboardURL"` // Grafana
	PanelURL     string         `json:"panelURL"`     // Grafana
	Values       map[string]any `json:"values"`       // Grafana ≥ 9
	ValueString  string         `json:"valueString"`  // Grafana
}

// Event builds the KindAlerts event for p under the thread key key. now is
// the receipt time, used for At only when no alert carries a time.
// Title is the common alertname with a count and the summary; Severity comes
// from the common severity label, else the most urgent firing alert's.
func Event(source, key string, p *Payload, now time.Time) (bot.Event, error) {
	if len(p.Alerts) == 0 {
		return bot.Event{}, fmt.Errorf("alerts: empty; a group notification carries at least one alert")
	}
	status, err := parseStatus(p.Status)
	if err != nil {
		return bot.Event{}, fmt.Errorf("status: %w", err)
	}
	ev := bot.Event{
		Source:      source,
		Key:         key,
		Kind:        bot.KindAlerts,
		Status:      status,
		Labels:      cloneNonEmpty(p.CommonLabels),
		GroupLabels: cloneNonEmpty(p.GroupLabels),
		Alerts:      make([]bot.Alert, 0, len(p.Alerts)),
	}
	var latest time.Time
	for i := range p.Alerts {
		a, err := convert(&p.Alerts[i])
		if err != nil {
			return bot.Event{}, fmt.Errorf("alerts[%d]: %w", i, err)
		}
		t := a.StartsAt
		if a.Status == bot.StatusResolved && !a.EndsAt.IsZero() {
			t = a.EndsAt
		}
		if t.After(latest) {
			latest = t
		}
		ev.Alerts = append(ev.Alerts, a)
	}
	ev.At = latest
	if ev.At.IsZero() {
		ev.At = now
	}
	ev.Severity = severity(p.CommonLabels, ev.Alerts)
	ev.Title = title(p, ev.Alerts)
	if p.TruncatedAlerts > 0 {
		ev.Note = fmt.Sprintf("%d more alerts in this group were left out of the notification (truncated by the sender)", p.TruncatedAlerts)
	}
	return ev, nil
}

func convert(in *Alert) (bot.Alert, error) {
	st, err := parseStatus(in.Status)
	if err != nil {
		return bot.Alert{}, fmt.Errorf("status: %w", err)
	}
	starts, err := parseTime(in.StartsAt)
	if err != nil {
		return bot.Alert{}, fmt.Errorf("startsAt: %w", err)
	}
	ends, err := parseTime(in.EndsAt)
	if err != nil {
		return bot.Alert{}, fmt.Errorf("endsAt: %w", err)
	}
	if st == bot.StatusFiring {
		ends = time.Time{} // a firing alert's endsAt is only a timeout guess
	}
	fp := in.Fingerprint
	if fp == "" {
		fp = Fingerprint(in.Labels)
	}
	a := bot.Alert{
		Name:         in.Labels["alertname"],
		Fingerprint:  fp,
		Status:       st,
		Labels:       cloneNonEmpty(in.Labels),
		Annotations:  cloneNonEmpty(in.Annotations),
		Summary:      cmp.Or(in.Annotations["summary"], in.Annotations["description"], in.Annotations["message"]),
		RunbookURL:   cmp.Or(in.Annotations["runbook_url"], in.Annotations["runbook"]),
		GeneratorURL: in.GeneratorURL,
		StartsAt:     starts,
		EndsAt:       ends,
	}
	// Grafana's extras have no field of their own in bot.Alert; keep them as
	// annotations unless the rule already defines one with that name.
	extra := map[string]string{
		"dashboard_url": in.DashboardURL,
		"panel_url":     in.PanelURL,
		"silence_url":   in.SilenceURL,
		"values":        formatValues(in.Values),
		"value_string":  in.ValueString,
	}
	for k, v := range extra {
		if v == "" {
			continue
		}
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		if _, ok := a.Annotations[k]; !ok {
			a.Annotations[k] = v
		}
	}
	return a, nil
}

func parseStatus(s string) (bot.Status, error) {
	switch s {
	case "firing":
		return bot.StatusFiring, nil
	case "resolved":
		return bot.StatusResolved, nil
	}
	return "", fmt.Errorf("%q is neither \"firing\" nor \"resolved\"", s)
}

// parseTime accepts RFC 3339 with or without fractional seconds; "" and
// Go's zero time (which Alertmanager sends for "not ended") are zero.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	if t.Year() <= 1 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// MapSeverity normalises the severity label values teams commonly use.
// Unknown values map to "" so the bot can apply its default.
func MapSeverity(v string) bot.Severity {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "critical", "crit", "page", "error", "emergency", "fatal":
		return bot.SeverityCritical
	case "warning", "warn":
		return bot.SeverityWarning
	case "info", "informational", "none":
		return bot.SeverityInfo
	}
	return ""
}

func severity(common map[string]string, alerts []bot.Alert) bot.Severity {
	if s, ok := common["severity"]; ok {
		return MapSeverity(s)
	}
	// Grouped across severities: take the most urgent firing alert's, or
	// any alert's when all are resolved.
	var best bot.Severity
	for _, firingOnly := range []bool{true, false} {
		for _, a := range alerts {
			if firingOnly && a.Status != bot.StatusFiring {
				continue
			}
			if s := MapSeverity(a.Labels["severity"]); s.Rank() > best.Rank() {
				best = s
			}
		}
		if best != "" {
			break
		}
	}
	return best
}

// title reads like "NodeFilesystemFillingUp (3 firing): Filesystem on /var is
// predicted to fill within 4 hours".
func title(p *Payload, alerts []bot.Alert) string {
	name := p.CommonLabels["alertname"]
	if name == "" {
		var names []string
		for _, a := range alerts {
			if a.Name != "" && !slices.Contains(names, a.Name) {
				names = append(names, a.Name)
			}
		}
		slices.Sort(names)
		switch {
		case len(names) == 0:
			name = cmp.Or(p.Title, "alerts")
		case len(names) > 3:
			name = strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
		default:
			name = strings.Join(names, ", ")
		}
	}
	firing := 0
	for _, a := range alerts {
		if a.Status == bot.StatusFiring {
			firing++
		}
	}
	total := len(alerts) + p.TruncatedAlerts
	switch {
	case firing > 0 && total > 1:
		name += fmt.Sprintf(" (%d firing)", firing+truncatedIfFiring(p))
	case firing == 0 && total > 1:
		name += fmt.Sprintf(" (%d resolved)", total)
	}
	summary := cmp.Or(p.CommonAnnotations["summary"], p.CommonAnnotations["description"])
	if summary == "" && len(alerts) == 1 {
		summary = alerts[0].Summary
	}
	if summary == "" {
		return name
	}
	return name + ": " + summary
}

// truncatedIfFiring counts truncated alerts as firing when the group is:
// Alertmanager truncates the list but the group's status covers them.
func truncatedIfFiring(p *Payload) int {
	if p.Status == "firing" {
		return p.TruncatedAlerts
	}
	return 0
}

// ContentKey hashes what makes a notification meaningful: the given identity
// parts (receiver, group key, status, …) and each alert's fingerprint,
// status and start/end times, sorted so that alert order doesn't matter.
// Two HA replicas sending the same group state produce the same key; any
// alert starting, resolving or changing its end time produces another.
func ContentKey(parts []string, alerts []Alert) string {
	type row struct{ fp, status, starts, ends string }
	rows := make([]row, 0, len(alerts))
	for _, a := range alerts {
		fp := a.Fingerprint
		if fp == "" {
			fp = Fingerprint(a.Labels)
		}
		rows = append(rows, row{fp, a.Status, canonicalTime(a.StartsAt), canonicalTime(a.EndsAt)})
	}
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(cmp.Compare(x.fp, y.fp), cmp.Compare(x.status, y.status),
			cmp.Compare(x.starts, y.starts), cmp.Compare(x.ends, y.ends))
	})
	h := sha256.New()
	write := func(s string) { // length-prefixed, so no two tuples collide by concatenation
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(strconv.Itoa(len(parts)))
	for _, p := range parts {
		write(p)
	}
	write(strconv.Itoa(len(rows)))
	for _, r := range rows {
		write(r.fp)
		write(r.status)
		write(r.starts)
		write(r.ends)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalTime makes replicas that format the same instant differently
// (offsets, trailing zeros) agree; unparsable text is hashed as sent.
func canonicalTime(s string) string {
	t, err := parseTime(s)
	if err != nil {
		return s
	}
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// Fingerprint stands in for a missing fingerprint: a hash of the sorted label
// set, stable across senders.
func Fingerprint(labels map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func formatValues(v map[string]any) string {
	if len(v) == 0 {
		return ""
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(v)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", k, v[k])
	}
	return b.String()
}

func cloneNonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
