package silence

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
	"github.com/compasshq/compass/bot/sqlite"
)

// fakeAM records expiries and answers alert lists from firing.
type fakeAM struct {
	mu      sync.Mutex
	expired []string
	firing  map[string]int // alertname matcher value → alerts held
	err     error
}

func (f *fakeAM) ExpireSilence(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.expired = append(f.expired, id)
	if id == "gone" {
		return &amapi.Error{Op: "expire silence", Status: 404, Err: amapi.ErrNotFound}
	}
	return nil
}

func (f *fakeAM) Alerts(_ context.Context, ms []amapi.Matcher) ([]amapi.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	for _, m := range ms {
		if m.Name == "alertname" {
			return make([]amapi.Alert, f.firing[m.Value]), nil
		}
	}
	return nil, nil
}

// recordingSink keeps the deliveries the Watcher makes.
type recordingSink struct {
	mu sync.Mutex
	ds []bot.Delivery
}

func (s *recordingSink) Accept(_ context.Context, d bot.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ds = append(s.ds, d)
	return nil
}

// TestWatcherRules: one sweep over incidents in each situation the
// Watcher's rules cover, against a real store.
func TestWatcherRules(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/bot.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	incident := func(name string, status bot.Status, s bot.Silence) *bot.Incident {
		return &bot.Incident{
			Key: "alertmanager/r/" + name, Generation: 1, Source: "alertmanager", Status: status, Title: name,
			GroupLabels: map[string]string{"alertname": name}, OpenedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour),
			Silence: s,
		}
	}
	hour := now.Add(time.Hour)
	incs := []*bot.Incident{
		incident("ResolvedUntilResolved", bot.StatusResolved, bot.Silence{ID: "s-ur", By: "ana", Until: hour, UntilResolved: true}),
		incident("ResolvedUnknownToAM", bot.StatusResolved, bot.Silence{ID: "gone", By: "ana", Until: hour, UntilResolved: true}),
		incident("ResolvedTimed", bot.StatusResolved, bot.Silence{ID: "s-rt", By: "ana", Until: hour}),
		incident("RanOut", bot.StatusFiring, bot.Silence{ID: "s-out", By: "ana", Until: now.Add(-time.Minute)}),
		incident("StillFiring", bot.StatusFiring, bot.Silence{ID: "s-fire", By: "ana", Until: hour}),
		incident("GoneWhileSilenced", bot.StatusFiring, bot.Silence{ID: "s-quiet", By: "ana", Until: hour, UntilResolved: true}),
		incident("NotSilenced", bot.StatusFiring, bot.Silence{}),
	}
	err = store.Update(ctx, func(tx bot.Tx) error {
		for _, inc := range incs {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	am := &fakeAM{firing: map[string]int{"StillFiring": 2, "NotSilenced": 1}}
	sink := &recordingSink{}
	w := &Watcher{Store: store, Sink: sink, Alertmanager: am, Now: func() time.Time { return now }}
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(am.expired)
	if want := []string{"gone", "s-ur"}; !slices.Equal(am.expired, want) {
		t.Errorf("expired %v, want %v (until-resolved silences of resolved incidents only)", am.expired, want)
	}
	var got []string
	for _, d := range sink.ds {
		var kinds []string
		for _, ev := range d.Events {
			kinds = append(kinds, string(ev.Kind))
			if ev.Kind == bot.KindUnsilenced && (ev.Silence == nil || !strings.HasPrefix(d.ID, ev.Silence.ID+"|")) {
				t.Errorf("delivery %s: unsilence names silence %+v", d.ID, ev.Silence)
			}
		}
		got = append(got, d.Events[0].Key[len("alertmanager/r/"):]+" "+d.ID+" "+strings.Join(kinds, ","))
	}
	slices.Sort(got)
	want := []string{
		"GoneWhileSilenced s-quiet|resolved annotated,resolved",
		"RanOut s-out|ended unsilenced",
		"ResolvedUnknownToAM gone|ended unsilenced",
		"ResolvedUntilResolved s-ur|ended unsilenced",
	}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Alertmanager down: nothing recorded, every failure reported.
	am.err = errors.New("connection refused")
	sink.ds = nil
	err = w.Sweep(ctx)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "ResolvedUntilResolved") || !strings.Contains(err.Error(), "StillFiring") {
		t.Errorf("sweep with Alertmanager down = %v", err)
	}
	for _, d := range sink.ds {
		if d.Events[0].Kind != bot.KindUnsilenced || !strings.HasSuffix(d.ID, "|ended") {
			t.Errorf("with Alertmanager down, recorded %s", d.ID)
		}
	}
}
