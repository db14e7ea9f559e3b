package bot

import (
	"sort"
	"time"
)

// Member is one source's incident inside an Incident: the alert group or
// page that opened it, and each one correlated into it since. Every event
// changes the state of its own member; the incident's state is combined
// from its members (combine).
type Member struct {
	Key        string            `json:"key"` // the source's own thread key, as Event.Key
	Source     string            `json:"source"`
	Via        string            `json:"via,omitempty"`   // how it was correlated (correlate.go); "" for the member that opened the incident
	Group      bool              `json:"group,omitempty"` // an alert group (its events carry alerts), not a page
	Status     Status            `json:"status"`
	Severity   Severity          `json:"severity,omitempty"`
	Title      string            `json:"title,omitempty"`
	URL        string            `json:"url,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Owner      string            `json:"owner,omitempty"`
	Assignee   string            `json:"assignee,omitempty"`
	Priority   string            `json:"priority,omitempty"`
	OpenedAt   time.Time         `json:"opened_at,omitzero"` // when it joined (or opened the incident)
	ResolvedAt time.Time         `json:"resolved_at,omitzero"`
}

// Correlated reports whether the incident joins more than one source.
func (inc *Incident) Correlated() bool { return len(inc.Members) > 1 }

// join returns the index of the member key, adding it (firing, joined by
// via) when it is new; joined reports that it was added to an incident that
// had members already. An incident stored before it had members gets its
// first from its own fields.
func (inc *Incident) join(key, source, via string, at time.Time) (i int, joined bool) {
	if len(inc.Members) == 0 {
		inc.Members = []Member{{
			Key: inc.Key, OpenedAt: inc.OpenedAt, Source: inc.Source, Group: len(inc.Alerts) > 0, Status: inc.Status,
			Severity: inc.Severity, Title: inc.Title, URL: inc.URL, Labels: cloneMap(inc.Labels),
			Owner: inc.Owner, Assignee: inc.Assignee, Priority: inc.Priority, ResolvedAt: inc.ResolvedAt,
		}}
	}
	if i := inc.MemberIndex(key); i >= 0 {
		return i, false
	}
	inc.Members = append(inc.Members, Member{Key: key, Source: source, Via: via, Status: StatusFiring, OpenedAt: at})
	return len(inc.Members) - 1, true
}

// MemberIndex returns the index of the member key, or -1.
func (inc *Incident) MemberIndex(key string) int {
	for i, m := range inc.Members {
		if m.Key == key {
			return i
		}
	}
	return -1
}

// memberOf is the index of the member that reported a: alerts without a
// member are the first member's.
func (inc *Incident) memberOf(a Alert) int {
	if a.Member == "" {
		return 0
	}
	return max(inc.MemberIndex(a.Member), 0)
}

// view is member i as an incident of its own, for applyEvent: its status,
// owner and descriptive fields, and only its alerts.
func (inc *Incident) view(i int) *Incident {
	m := inc.Members[i]
	v := &Incident{
		Key: inc.Key, Generation: inc.Generation, Source: m.Source, Status: m.Status,
		Severity: m.Severity, Title: m.Title, URL: m.URL, Labels: cloneMap(m.Labels),
		Owner: m.Owner, Assignee: m.Assignee, Priority: m.Priority,
		OpenedAt: inc.OpenedAt, UpdatedAt: inc.UpdatedAt, ResolvedAt: m.ResolvedAt,
	}
	for _, a := range inc.Alerts {
		if inc.memberOf(a) == i {
			v.Alerts = append(v.Alerts, a)
		}
	}
	return v
}

// absorb takes back member i's state from its view v after an event (group:
// the event carried alerts) and combines the incident's state anew.
func (inc *Incident) absorb(i int, v *Incident, group bool) {
	m := &inc.Members[i]
	m.Status, m.Severity, m.Title, m.URL, m.Labels = v.Status, v.Severity, v.Title, v.URL, v.Labels
	m.Owner, m.Assignee, m.Priority, m.ResolvedAt = v.Owner, v.Assignee, v.Priority, v.ResolvedAt
	m.Group = m.Group || group || len(v.Alerts) > 0
	alerts := make([]Alert, 0, len(inc.Alerts)+len(v.Alerts))
	for _, a := range inc.Alerts {
		if inc.memberOf(a) != i {
			alerts = append(alerts, a)
		}
	}
	for _, a := range v.Alerts {
		if i > 0 {
			a.Member = m.Key
		}
		alerts = append(alerts, a)
	}
	sort.SliceStable(alerts, func(x, y int) bool { return alertID(alerts[x]) < alertID(alerts[y]) })
	inc.Alerts = alerts
	if v.UpdatedAt.After(inc.UpdatedAt) {
		inc.UpdatedAt = v.UpdatedAt
	}
	inc.combine()
}

// combine sets the incident's own state from its members. With one member
// it is that member's. With several:
//
//   - resolved when every member is, acknowledged when any is (whoever
//     acknowledged first in member order owns it), else firing;
//   - severity and title are the alert group's when there is one. The alert
//     group's severity is the rule's severity label, written for this
//     problem; a page's comes from its service's urgency setting (most
//     PagerDuty services page at high urgency whatever the alert), so it
//     says how loudly to wake someone, not how bad the problem is. Without
//     an alert group, the most urgent page's severity;
//   - labels are the alert groups', then the pages' for names they lack;
//   - source and link are the first member's.
func (inc *Incident) combine() {
	if len(inc.Members) == 0 {
		return
	}
	first := inc.Members[0]
	inc.Source, inc.URL = first.Source, first.URL
	if len(inc.Members) == 1 {
		inc.Status, inc.Severity, inc.Title, inc.Labels = first.Status, first.Severity, first.Title, cloneMap(first.Labels)
		inc.Owner, inc.Assignee, inc.Priority, inc.ResolvedAt = first.Owner, first.Assignee, first.Priority, first.ResolvedAt
		return
	}
	ordered := inc.groupsFirst()
	inc.Status, inc.Owner, inc.ResolvedAt = StatusResolved, "", time.Time{}
	for _, m := range inc.Members {
		switch {
		case m.Status == StatusAcknowledged && inc.Status != StatusAcknowledged:
			inc.Status, inc.Owner = StatusAcknowledged, m.Owner
		case m.Status != StatusResolved && inc.Status == StatusResolved:
			inc.Status = StatusFiring
		}
		if m.ResolvedAt.After(inc.ResolvedAt) {
			inc.ResolvedAt = m.ResolvedAt
		}
	}
	if inc.Status != StatusResolved {
		inc.ResolvedAt = time.Time{}
	}
	inc.Severity, inc.Title, inc.Assignee, inc.Priority = "", "", "", ""
	inc.Labels = map[string]string{}
	for _, m := range ordered {
		switch {
		case inc.Severity == "":
			inc.Severity = m.Severity
		case !ordered[0].Group && m.Severity.Rank() > inc.Severity.Rank():
			inc.Severity = m.Severity
		}
		if inc.Title == "" {
			inc.Title = m.Title
		}
		if inc.Assignee == "" {
			inc.Assignee = m.Assignee
		}
		if inc.Priority == "" {
			inc.Priority = m.Priority
		}
		for k, v := range m.Labels {
			if _, ok := inc.Labels[k]; !ok {
				inc.Labels[k] = v
			}
		}
	}
}

// groupsFirst lists the members with alert groups before pages, each in
// member order.
func (inc *Incident) groupsFirst() []Member {
	out := make([]Member, 0, len(inc.Members))
	for _, group := range []bool{true, false} {
		for _, m := range inc.Members {
			if m.Group == group {
				out = append(out, m)
			}
		}
	}
	return out
}
