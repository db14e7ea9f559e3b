package bot

import (
	"reflect"
	"testing"
	"time"
)

var at0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func firing(fp string, start time.Time) Alert {
	return Alert{Name: "KubeNodeNotReady", Fingerprint: fp, Status: StatusFiring, Labels: map[string]string{"node": fp}, StartsAt: start}
}

func resolvedAlert(fp string, start time.Time) Alert {
	a := firing(fp, start)
	a.Status, a.EndsAt = StatusResolved, start.Add(time.Hour)
	return a
}

func alertsEvent(status Status, alerts ...Alert) Event {
	return Event{Source: "alertmanager", Key: "k", Kind: KindAlerts, Status: status, Alerts: alerts, Title: "KubeNodeNotReady"}
}

func kinds(cs []Change) []ChangeKind {
	var out []ChangeKind
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

// TestApply walks the state machine one event at a time.
func TestApply(t *testing.T) {
	const window = 4 * time.Hour
	type step struct {
		ev          Event
		after       time.Duration // since at0
		wantStatus  Status
		wantChanges []ChangeKind
		wantGen     int
		wantFresh   bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"alert group fires, grows, resolves", []step{
			{alertsEvent(StatusFiring, firing("a", at0)), 0, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{alertsEvent(StatusFiring, firing("a", at0), firing("b", at0)), time.Minute, StatusFiring, []ChangeKind{ChangeAlertsFiring}, 1, false},
			{alertsEvent(StatusFiring, firing("a", at0), firing("b", at0)), 2 * time.Minute, StatusFiring, nil, 1, false},
			{alertsEvent(StatusResolved, resolvedAlert("a", at0), resolvedAlert("b", at0)), time.Hour, StatusResolved, []ChangeKind{ChangeAlertsResolved, ChangeResolved}, 1, false},
		}},
		{"refire within the window reopens the same thread", []step{
			{alertsEvent(StatusFiring, firing("a", at0)), 0, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{alertsEvent(StatusResolved, resolvedAlert("a", at0)), time.Hour, StatusResolved, []ChangeKind{ChangeAlertsResolved, ChangeResolved}, 1, false},
			{alertsEvent(StatusFiring, firing("a", at0.Add(2*time.Hour))), 2 * time.Hour, StatusFiring, []ChangeKind{ChangeAlertsFiring, ChangeReopened}, 1, false},
		}},
		{"refire after the window is a new generation", []step{
			{alertsEvent(StatusFiring, firing("a", at0)), 0, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{alertsEvent(StatusResolved, resolvedAlert("a", at0)), time.Hour, StatusResolved, []ChangeKind{ChangeAlertsResolved, ChangeResolved}, 1, false},
			{alertsEvent(StatusFiring, firing("a", at0.Add(6*time.Hour))), 6 * time.Hour, StatusFiring, []ChangeKind{ChangeOpened}, 2, true},
		}},
		{"stale notification does not move alerts back", []step{
			{alertsEvent(StatusFiring, firing("a", at0.Add(time.Hour))), time.Hour, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{alertsEvent(StatusResolved, resolvedAlert("a", at0)), 2 * time.Hour, StatusFiring, nil, 1, false},
		}},
		{"page: trigger, ack, unack, note, priority, resolve, reopen", []step{
			{Event{Key: "k", Kind: KindTriggered, Status: StatusFiring}, 0, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{Event{Key: "k", Kind: KindAcknowledged, Status: StatusAcknowledged, Actor: "ana"}, time.Minute, StatusAcknowledged, []ChangeKind{ChangeAcknowledged}, 1, false},
			{Event{Key: "k", Kind: KindAcknowledged, Status: StatusAcknowledged, Actor: "ana"}, 2 * time.Minute, StatusAcknowledged, nil, 1, false},
			{Event{Key: "k", Kind: KindUnacknowledged, Status: StatusFiring}, 3 * time.Minute, StatusFiring, []ChangeKind{ChangeUnacknowledged}, 1, false},
			{Event{Key: "k", Kind: KindAnnotated, Status: StatusFiring, Actor: "ben", Note: "looking"}, 4 * time.Minute, StatusFiring, []ChangeKind{ChangeNote}, 1, false},
			{Event{Key: "k", Kind: KindPriorityUpdated, Status: StatusFiring, Note: "P1"}, 5 * time.Minute, StatusFiring, []ChangeKind{ChangePriority}, 1, false},
			{Event{Key: "k", Kind: KindEscalated, Status: StatusFiring, Note: "level 2"}, 6 * time.Minute, StatusFiring, []ChangeKind{ChangeEscalated}, 1, false},
			{Event{Key: "k", Kind: KindResolved, Status: StatusResolved, Actor: "ben"}, 7 * time.Minute, StatusResolved, []ChangeKind{ChangeResolved}, 1, false},
			{Event{Key: "k", Kind: KindResolved, Status: StatusResolved}, 8 * time.Minute, StatusResolved, nil, 1, false},
			{Event{Key: "k", Kind: KindReopened, Status: StatusFiring}, 9 * time.Minute, StatusFiring, []ChangeKind{ChangeReopened}, 1, false},
		}},
		// Regression: a note (Status "") on a page resolved longer than the
		// reopen window started a new generation and a new thread.
		{"late note after the window stays on the resolved incident", []step{
			{Event{Key: "k", Kind: KindTriggered, Status: StatusFiring}, 0, StatusFiring, []ChangeKind{ChangeOpened}, 1, true},
			{Event{Key: "k", Kind: KindResolved, Status: StatusResolved}, time.Minute, StatusResolved, []ChangeKind{ChangeResolved}, 1, false},
			{Event{Key: "k", Kind: KindAnnotated, Actor: "ben", Note: "root cause found"}, 6 * time.Hour, StatusResolved, []ChangeKind{ChangeNote}, 1, false},
			{Event{Key: "k", Kind: KindTriggered, Status: StatusFiring}, 7 * time.Hour, StatusFiring, []ChangeKind{ChangeOpened}, 2, true},
		}},
		{"ack for an unknown page opens it acknowledged", []step{
			{Event{Key: "k", Kind: KindAcknowledged, Status: StatusAcknowledged, Actor: "ana"}, 0, StatusAcknowledged, []ChangeKind{ChangeOpened}, 1, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inc *Incident
			for i, s := range tt.steps {
				now := at0.Add(s.after)
				s.ev.At = now
				got, changes, fresh := apply(inc, s.ev, "", now, window)
				if got.Status != s.wantStatus || got.Generation != s.wantGen || fresh != s.wantFresh {
					t.Fatalf("step %d: status %s gen %d fresh %v, want %s gen %d fresh %v", i, got.Status, got.Generation, fresh, s.wantStatus, s.wantGen, s.wantFresh)
				}
				if k := kinds(changes); !reflect.DeepEqual(k, s.wantChanges) {
					t.Fatalf("step %d: changes %v, want %v", i, k, s.wantChanges)
				}
				if inc != nil && fresh && inc.Status != StatusResolved {
					t.Fatalf("step %d: new generation while the old one is open", i)
				}
				inc = got
			}
		})
	}
}

// TestApplyDoesNotMutateInput pins that apply works on a copy: a failed
// transaction must leave the caller's incident as it was.
func TestApplyDoesNotMutateInput(t *testing.T) {
	inc, _, _ := apply(nil, alertsEvent(StatusFiring, firing("a", at0)), "", at0, time.Hour)
	before := inc.clone()
	apply(inc, alertsEvent(StatusFiring, firing("a", at0), firing("b", at0)), "", at0, time.Hour)
	if !reflect.DeepEqual(inc, before) {
		t.Errorf("apply changed its input:\n got %+v\nwant %+v", inc, before)
	}
}

func TestRouteMatches(t *testing.T) {
	tests := []struct {
		name   string
		route  Route
		labels map[string]string
		want   bool
	}{
		{"exact", Route{Match: map[string]string{"team": "sre"}}, map[string]string{"team": "sre"}, true},
		{"glob", Route{Match: map[string]string{"namespace": "pay-*"}}, map[string]string{"namespace": "pay-eu"}, true},
		{"all must match", Route{Match: map[string]string{"team": "sre", "severity": "critical"}}, map[string]string{"team": "sre", "severity": "warning"}, false},
		{"missing label", Route{Match: map[string]string{"team": "*"}}, map[string]string{}, false},
		{"empty match never matches", Route{}, map[string]string{"team": "sre"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.route.matches(tt.labels); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestApplySilence: a silence is recorded and forgotten without touching
// the incident's state; an unsilence naming a replaced silence is stale.
func TestApplySilence(t *testing.T) {
	inc, _, _ := apply(nil, alertsEvent(StatusFiring, firing("a", at0)), "", at0, time.Hour)
	s1 := &Silence{ID: "s1", By: "ana", Until: at0.Add(time.Hour)}
	s2 := &Silence{ID: "s2", By: "ben", Until: at0.Add(4 * time.Hour)}
	steps := []struct {
		name        string
		ev          Event
		wantSilence string
		wantChanges []ChangeKind
	}{
		{"silence", Event{Key: "k", Kind: KindSilenced, Actor: "ana", Silence: s1}, "s1", []ChangeKind{ChangeSilenced}},
		{"same silence again", Event{Key: "k", Kind: KindSilenced, Actor: "ana", Silence: s1}, "s1", nil},
		{"replaced", Event{Key: "k", Kind: KindSilenced, Actor: "ben", Silence: s2}, "s2", []ChangeKind{ChangeSilenced}},
		{"stale expiry of the first", Event{Key: "k", Kind: KindUnsilenced, Actor: "bot", Silence: s1}, "s2", nil},
		{"expiry", Event{Key: "k", Kind: KindUnsilenced, Actor: "ana", Silence: s2}, "", []ChangeKind{ChangeUnsilenced}},
		{"expiry with none", Event{Key: "k", Kind: KindUnsilenced, Actor: "ana"}, "", nil},
	}
	for _, st := range steps {
		var changes []Change
		inc, changes, _ = apply(inc, st.ev, "", at0.Add(time.Minute), time.Hour)
		if inc.Silence.ID != st.wantSilence || !reflect.DeepEqual(kinds(changes), st.wantChanges) {
			t.Errorf("%s: silence %q changes %v, want %q %v", st.name, inc.Silence.ID, kinds(changes), st.wantSilence, st.wantChanges)
		}
		if inc.Status != StatusFiring || inc.Firing() != 1 {
			t.Errorf("%s: status %s firing %d, want the alert state untouched", st.name, inc.Status, inc.Firing())
		}
	}
}
