package slash

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/amapi"
	"github.com/compasshq/compass/bot/silence"
)

// fakeAlertmanager records the silences created and expired.
type fakeAlertmanager struct {
	mu        sync.Mutex
	created   []amapi.Silence
	expired   []string
	createErr error
}

func (f *fakeAlertmanager) CreateSilence(_ context.Context, s amapi.Silence) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return "", f.createErr
	}
	f.created = append(f.created, s)
	return "sil-1", nil
}

func (f *fakeAlertmanager) ExpireSilence(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired = append(f.expired, id)
	return nil
}

// gateFunc is a Gate from a function.
type gateFunc func(user, team string) error

func (g gateFunc) Allow(_ context.Context, user, team string) error { return g(user, team) }

// sinkFunc is a bot.Sink from a function.
type sinkFunc func(d bot.Delivery) error

func (s sinkFunc) Accept(_ context.Context, d bot.Delivery) error { return s(d) }

// TestSilenceClicks: what each silence click does, and tells, when the
// setup, the clicker, Alertmanager or the store say no.
func TestSilenceClicks(t *testing.T) {
	group := &bot.Incident{
		Key: "alertmanager/r/{}:{alertname=\"Disk\"}", Generation: 1, Source: "alertmanager", Status: bot.StatusFiring, Title: "Disk",
		GroupLabels: map[string]string{"alertname": "Disk", "cluster": "eu"}, Thread: bot.Thread{Channel: "C0123ABCD", TS: "1700000000.000100"},
	}
	silenced := *group
	silenced.Key = "alertmanager/r/silenced"
	silenced.Silence = bot.Silence{ID: "sil-0", By: "ben", Until: fixedNow.Add(time.Hour)}
	page := &bot.Incident{Key: "pagerduty/P1", Source: "pagerduty", Status: bot.StatusFiring}
	allow := gateFunc(func(string, string) error { return nil })
	tests := []struct {
		name        string
		action      string
		key         string
		noAM        bool
		gate        Gate
		createErr   error
		sinkErr     error
		wantTell    string // a piece of what the clicker is told; "" for nothing
		wantCreated int
		wantExpired []string
		wantEvent   bot.EventKind
	}{
		{name: "silence 4 h", action: bot.ActionSilence4h, key: group.Key, gate: allow, wantCreated: 1, wantEvent: bot.KindSilenced},
		{name: "no alertmanager set up", action: bot.ActionSilence1h, key: group.Key, noAM: true, gate: allow, wantTell: "bot.alertmanager.urls"},
		{name: "a page", action: bot.ActionSilence1h, key: page.Key, gate: allow, wantTell: "not an Alertmanager alert group"},
		{name: "refused", action: bot.ActionSilence1h, key: group.Key, gate: gateFunc(func(string, string) error { return &silence.Refusal{Reason: "only members of @sre may"} }), wantTell: "You may not silence"},
		{name: "membership unknown", action: bot.ActionSilence1h, key: group.Key, gate: gateFunc(func(string, string) error { return errors.New("slack: 503") }), wantTell: "Could not check that you may"},
		{name: "no gate", action: bot.ActionSilence1h, key: group.Key, wantTell: "no silence permissions"},
		{name: "alertmanager refuses", action: bot.ActionSilence1h, key: group.Key, gate: allow, createErr: errors.New("create silence at http://am: HTTP 400"), wantTell: "Alertmanager did not create the silence: create silence at http://am: HTTP 400"},
		{name: "store fails: silence taken back", action: bot.ActionSilenceResolved, key: group.Key, gate: allow, sinkErr: bot.ErrOverloaded, wantTell: "expired again", wantCreated: 1, wantExpired: []string{"sil-1"}, wantEvent: bot.KindSilenced},
		{name: "already silenced", action: bot.ActionSilence1h, key: silenced.Key, gate: allow, wantTell: "already silenced by ben"},
		{name: "expire", action: bot.ActionExpireSilence, key: silenced.Key, gate: allow, wantExpired: []string{"sil-0"}, wantEvent: bot.KindUnsilenced},
		{name: "expire refused", action: bot.ActionExpireSilence, key: silenced.Key, gate: gateFunc(func(string, string) error { return &silence.Refusal{Reason: "no"} }), wantTell: "You may not expire the silence of"},
		{name: "expire with none", action: bot.ActionExpireSilence, key: group.Key, gate: allow, wantTell: "no silence to expire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			am := &fakeAlertmanager{createErr: tt.createErr}
			var events []bot.Event
			sink := sinkFunc(func(d bot.Delivery) error {
				events = append(events, d.Events...)
				return tt.sinkErr
			})
			cap := newCapture(t)
			opt := Options{Incidents: &fakeIncidents{incs: []*bot.Incident{group, &silenced, page}}, Sink: sink, Gate: tt.gate}
			if !tt.noAM {
				opt.Alertmanager = am
			}
			h := newTestHandler(t, opt)
			in := Interaction{Type: "block_actions", ResponseURL: cap.srv.URL, Actions: []Action{{ActionID: tt.action, Value: tt.key, ActionTS: "1.1"}}}
			in.User.ID, in.User.Username = "U0ANA00001", "ana"
			h.ServeInteraction(context.Background(), in)
			h.Wait()
			if tt.wantTell != "" {
				if got := cap.wait(t, 1); got.ResponseType != Ephemeral || !strings.Contains(got.Text, tt.wantTell) {
					t.Errorf("told %q (%s), want %q", got.Text, got.ResponseType, tt.wantTell)
				}
			} else {
				cap.mu.Lock()
				if len(cap.got) > 0 {
					t.Errorf("told %q, want nothing", cap.got[0].Text)
				}
				cap.mu.Unlock()
			}
			if len(am.created) != tt.wantCreated || !slices.Equal(am.expired, tt.wantExpired) {
				t.Errorf("created %d, expired %v; want %d, %v", len(am.created), am.expired, tt.wantCreated, tt.wantExpired)
			}
			if tt.wantEvent == "" && len(events) > 0 || tt.wantEvent != "" && (len(events) != 1 || events[0].Kind != tt.wantEvent) {
				t.Errorf("events %+v, want one %q", events, tt.wantEvent)
			}
			if tt.name == "silence 4 h" {
				s := am.created[0]
				if s.CreatedBy != "ana" || len(s.Matchers) != 2 || s.Matchers[0] != amapi.Equal("alertname", "Disk") ||
					!s.EndsAt.Equal(fixedNow.Add(4*time.Hour)) || !strings.Contains(s.Comment, "https://slack.com/archives/C0123ABCD/p1700000000000100") {
					t.Errorf("silence created = %+v", s)
				}
				if ev := events[0]; ev.Silence.ID != "sil-1" || ev.Silence.By != "ana" || ev.Silence.UntilResolved || ev.Key != group.Key {
					t.Errorf("recorded %+v %+v", ev, ev.Silence)
				}
			}
			if tt.action == bot.ActionSilenceResolved && tt.wantCreated == 1 {
				if s := am.created[0]; !s.EndsAt.Equal(fixedNow.Add(DefaultUntilResolvedMax)) || !events[0].Silence.UntilResolved {
					t.Errorf("until resolved: ends %s, recorded %+v", s.EndsAt, events[0].Silence)
				}
			}
		})
	}
}
