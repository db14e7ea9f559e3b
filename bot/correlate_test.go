package bot

import (
	"reflect"
	"testing"
	"time"
)

func TestCorrelationKeys(t *testing.T) {
	const sha = "5ec1c99fdfcd267ff4352daebc3c262530276ff1ee63e989bd2cdbed9f36e2e6"
	tests := []struct {
		name  string
		ev    Event
		match []string
		want  []corrKey
	}{
		{"nothing to correlate by", Event{Key: "pagerduty/Q1"}, nil, nil},
		{"dedup key", Event{DedupKey: sha}, nil, []corrKey{{key: "dedup/" + sha, via: "same dedup key"}}},
		{"explicit label after the dedup key",
			Event{DedupKey: sha, Labels: map[string]string{"compass_incident": " INC-42 "}}, nil,
			[]corrKey{{key: "dedup/" + sha, via: "same dedup key"}, {key: "incident/INC-42", via: "compass_incident=INC-42"}}},
		{"explicit dedup key is a name, not a dedup key",
			Event{DedupKey: "compass_incident:INC-7"}, nil,
			[]corrKey{{key: "incident/INC-7", via: "compass_incident=INC-7"}}},
		{"the label wins over an explicit dedup key",
			Event{DedupKey: "compass_incident:INC-7", Labels: map[string]string{"compass_incident": "INC-8"}}, nil,
			[]corrKey{{key: "incident/INC-8", via: "compass_incident=INC-8"}}},
		{"label match needs every label",
			Event{Labels: map[string]string{"cluster": "prod-eu-1"}}, []string{"cluster", "service"}, nil},
		{"label match joins open incidents only",
			Event{Labels: map[string]string{"cluster": "prod-eu-1", "service": "checkout", "team": "sre"}}, []string{"cluster", "service"},
			[]corrKey{{key: "labels/cluster=prod-eu-1\x1fservice=checkout", via: "same cluster, service", open: true}}},
		{"empty label value does not match",
			Event{Labels: map[string]string{"cluster": " "}}, []string{"cluster"}, nil},
		{"all three, strongest first",
			Event{DedupKey: sha, Labels: map[string]string{"compass_incident": "INC-1", "cluster": "c1"}}, []string{"cluster"},
			[]corrKey{{key: "dedup/" + sha, via: "same dedup key"}, {key: "incident/INC-1", via: "compass_incident=INC-1"}, {key: "labels/cluster=c1", via: "same cluster", open: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := correlationKeys(tt.ev, tt.match); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("correlationKeys = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestCombine pins how a correlated incident's one status, owner, severity
// and title come from its members.
func TestCombine(t *testing.T) {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	group := Member{Key: "alertmanager/r/g", Source: "alertmanager", Group: true, Status: StatusFiring, Severity: SeverityWarning, Title: "KubeMemoryOvercommit (3 firing)", Labels: map[string]string{"cluster": "prod-eu-1"}}
	page := Member{Key: "pagerduty/Q1", Source: "pagerduty", Status: StatusFiring, Severity: SeverityCritical, Title: "prod-eu-1 capacity", Labels: map[string]string{"service": "capacity", "cluster": "other"}, Priority: "P2"}
	acked := page
	acked.Status, acked.Owner = StatusAcknowledged, "Ana Lima"
	resolvedGroup := group
	resolvedGroup.Status, resolvedGroup.ResolvedAt = StatusResolved, at
	resolvedPage := page
	resolvedPage.Status, resolvedPage.ResolvedAt = StatusResolved, at.Add(time.Minute)
	warnPage := page
	warnPage.Severity = SeverityWarning
	tests := []struct {
		name       string
		members    []Member
		status     Status
		owner      string
		severity   Severity
		title      string
		resolvedAt time.Time
	}{
		{"one member is itself", []Member{page}, StatusFiring, "", SeverityCritical, "prod-eu-1 capacity", time.Time{}},
		{"the group's severity and title win, page first", []Member{page, group}, StatusFiring, "", SeverityWarning, "KubeMemoryOvercommit (3 firing)", time.Time{}},
		{"page acknowledged: incident acknowledged by its owner", []Member{group, acked}, StatusAcknowledged, "Ana Lima", SeverityWarning, "KubeMemoryOvercommit (3 firing)", time.Time{}},
		{"group resolved, page acknowledged", []Member{resolvedGroup, acked}, StatusAcknowledged, "Ana Lima", SeverityWarning, "KubeMemoryOvercommit (3 firing)", time.Time{}},
		{"resolved when every member is, at the last", []Member{resolvedGroup, resolvedPage}, StatusResolved, "", SeverityWarning, "KubeMemoryOvercommit (3 firing)", at.Add(time.Minute)},
		{"pages only: the most urgent", []Member{warnPage, page}, StatusFiring, "", SeverityCritical, "prod-eu-1 capacity", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &Incident{Key: tt.members[0].Key, Members: tt.members}
			inc.combine()
			if inc.Status != tt.status || inc.Owner != tt.owner || inc.Severity != tt.severity || inc.Title != tt.title || !inc.ResolvedAt.Equal(tt.resolvedAt) {
				t.Errorf("combined status %s owner %q severity %s title %q resolved %v\nwant %s %q %s %q %v",
					inc.Status, inc.Owner, inc.Severity, inc.Title, inc.ResolvedAt, tt.status, tt.owner, tt.severity, tt.title, tt.resolvedAt)
			}
			if len(tt.members) > 1 && inc.Labels["cluster"] != "prod-eu-1" && tt.members[0].Group {
				t.Errorf("labels %v: the group's cluster should win", inc.Labels)
			}
		})
	}
}

// TestApplyJoinAndSplit: a page joining an alert group's incident changes
// only its own member, says it joined, and leaves with its state when split.
func TestApplyJoinAndSplit(t *testing.T) {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	fire := Event{Source: "alertmanager", Key: "alertmanager/r/g", Kind: KindAlerts, Status: StatusFiring, Severity: SeverityWarning, Title: "KubeMemoryOvercommit",
		Alerts: []Alert{{Name: "KubeMemoryOvercommit", Fingerprint: "f1", Status: StatusFiring, StartsAt: at}}, At: at}
	inc, _, _ := apply(nil, fire, "", at, time.Hour)
	page := Event{Source: "pagerduty", Key: "pagerduty/Q1", Kind: KindTriggered, Status: StatusFiring, Severity: SeverityCritical, Title: "prod-eu-1 capacity", At: at.Add(time.Second)}
	inc, changes, fresh := apply(inc, page, "same dedup key", at, time.Hour)
	if fresh || len(changes) != 1 || changes[0].Kind != ChangeJoined || changes[0].Note != "same dedup key" || changes[0].Member != "pagerduty/Q1" {
		t.Fatalf("join: fresh %v changes %+v", fresh, changes)
	}
	ack := Event{Source: "pagerduty", Key: "pagerduty/Q1", Kind: KindAcknowledged, Status: StatusAcknowledged, Actor: "Ana", At: at.Add(2 * time.Second)}
	inc, changes, _ = apply(inc, ack, "", at, time.Hour)
	if inc.Status != StatusAcknowledged || inc.Owner != "Ana" || inc.Severity != SeverityWarning || inc.Firing() != 1 {
		t.Fatalf("after ack: %s %q %s firing %d", inc.Status, inc.Owner, inc.Severity, inc.Firing())
	}
	if len(changes) != 1 || changes[0].Kind != ChangeAcknowledged || changes[0].Source != "pagerduty" {
		t.Fatalf("ack changes %+v", changes)
	}
	rest, m, alerts := inc.detach(1)
	if m.Key != "pagerduty/Q1" || m.Status != StatusAcknowledged || len(alerts) != 0 {
		t.Errorf("detached %+v with %d alerts", m, len(alerts))
	}
	if rest.Correlated() || rest.Status != StatusFiring || rest.Owner != "" || rest.Firing() != 1 {
		t.Errorf("left %s owner %q firing %d correlated %v", rest.Status, rest.Owner, rest.Firing(), rest.Correlated())
	}
}
