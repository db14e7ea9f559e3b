// Package storetest is the behaviour every bot.Store must have, as one suite
// that the SQLite and Postgres stores both run against real databases.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// Run runs the suite; open returns a fresh, empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) bot.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s bot.Store)
	}{
		{"deliveries", testDeliveries},
		{"incident round trip", testIncidentRoundTrip},
		{"generations", testGenerations},
		{"optimistic version", testVersion},
		{"rollback on error", testRollback},
		{"outbox head of queue", testOutboxOrder},
		{"outbox pending merge and recovery", testOutboxPending},
		{"outbox claim refreshes and guards", testClaim},
		{"stale parents", testStaleParents},
		{"silence round trip and list", testSilence},
		{"prune", testPrune},
		{"retry now", testRetryNow},
		{"busy when context ends", testBusy},
		{"view reads committed state", testView},
		{"stats", testStats},
		{"ping writes a probe row that prune forgets", testPingProbe},
		{"correlation links", testLinks},
		{"links of pruned incidents go", testLinksPrune},
		{"find incident by thread", testFindThread},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func update(t *testing.T, s bot.Store, fn func(tx bot.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func testDeliveries(t *testing.T, s bot.Store) {
	ctx := context.Background()
	update(t, s, func(tx bot.Tx) error {
		if err := tx.RecordDelivery(ctx, "pagerduty", "d1", "c1", t0); err != nil {
			return err
		}
		return tx.RecordDelivery(ctx, "alertmanager", "", "c2", t0)
	})
	tests := []struct {
		name                string
		source, id, content string
		want                bool
	}{
		{"same id", "pagerduty", "d1", "other", true},
		{"same content", "pagerduty", "other", "c1", true},
		{"content only", "alertmanager", "", "c2", true},
		{"other source", "grafana", "d1", "c1", false},
		{"new", "pagerduty", "d2", "c3", false},
		{"empty id does not match empty id", "alertmanager", "", "c9", false},
		{"nothing to match", "alertmanager", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			update(t, s, func(tx bot.Tx) error {
				got, err := tx.SeenDelivery(ctx, tt.source, tt.id, tt.content)
				if err != nil {
					return err
				}
				if got != tt.want {
					t.Errorf("SeenDelivery(%q, %q, %q) = %v, want %v", tt.source, tt.id, tt.content, got, tt.want)
				}
				return nil
			})
		})
	}
	err := s.Update(ctx, func(tx bot.Tx) error {
		return tx.RecordDelivery(ctx, "pagerduty", "d1", "c-new", t0)
	})
	if !errors.Is(err, bot.ErrConflict) {
		t.Errorf("recording a delivery id twice: err = %v, want ErrConflict", err)
	}
}

func sample(key string, gen int) *bot.Incident {
	return &bot.Incident{
		Key: key, Generation: gen, Source: "alertmanager", Status: bot.StatusFiring,
		Severity: bot.SeverityCritical, Title: "KubeCPUOvercommit", URL: "http://am/#/alerts",
		Labels:      map[string]string{"cluster": "prod-eu", "team": "platform"},
		GroupLabels: map[string]string{"cluster": "prod-eu"},
		Alerts: []bot.Alert{{
			Name: "KubeCPUOvercommit", Fingerprint: "fp1", Status: bot.StatusFiring,
			Labels:      map[string]string{"alertname": "KubeCPUOvercommit", "cluster": "prod-eu"},
			Annotations: map[string]string{"summary": "CPU overcommitted"}, Summary: "CPU overcommitted",
			StartsAt: t0,
		}},
		Owner: "ana", Priority: "P2", OpenedAt: t0, UpdatedAt: t0.Add(time.Minute),
		Members: []bot.Member{
			{Key: key, Source: "alertmanager", Group: true, Status: bot.StatusFiring, Severity: bot.SeverityCritical, Title: "KubeCPUOvercommit", OpenedAt: t0},
			{Key: "pagerduty/Q1", Source: "pagerduty", Via: "same dedup key", Status: bot.StatusAcknowledged, Owner: "ana",
				Labels: map[string]string{"service": "capacity"}, OpenedAt: t0.Add(time.Second), ResolvedAt: time.Time{}},
		},
		Thread: bot.Thread{Channel: "#ops"},
	}
}

func testIncidentRoundTrip(t *testing.T, s bot.Store) {
	ctx := context.Background()
	in := sample("alertmanager/web/{}:{alertname=\"KubeCPUOvercommit\"}", 1)
	update(t, s, func(tx bot.Tx) error {
		if _, err := tx.FindIncident(ctx, in.Key); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("FindIncident before create: err = %v, want ErrNotFound", err)
		}
		return tx.CreateIncident(ctx, in)
	})
	if in.Version != 1 {
		t.Errorf("Version after create = %d, want 1", in.Version)
	}
	var got *bot.Incident
	update(t, s, func(tx bot.Tx) (err error) {
		got, err = tx.FindIncident(ctx, in.Key)
		return err
	})
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}
	update(t, s, func(tx bot.Tx) error {
		if err := tx.SetThreadTS(ctx, in.Key, 1, "C0001", "1700000000.000100"); err != nil {
			return err
		}
		got, err := tx.FindGeneration(ctx, in.Key, 1)
		if err != nil {
			return err
		}
		if got.Thread != (bot.Thread{Channel: "C0001", TS: "1700000000.000100"}) {
			t.Errorf("thread after SetThreadTS = %+v", got.Thread)
		}
		if err := tx.SetThreadTS(ctx, "nope", 1, "C1", "x"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("SetThreadTS on missing incident: err = %v, want ErrNotFound", err)
		}
		if _, err := tx.FindGeneration(ctx, in.Key, 2); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("FindGeneration(2): err = %v, want ErrNotFound", err)
		}
		return nil
	})
	err := s.Update(ctx, func(tx bot.Tx) error { return tx.CreateIncident(ctx, sample(in.Key, 1)) })
	if !errors.Is(err, bot.ErrConflict) {
		t.Errorf("creating the same generation twice: err = %v, want ErrConflict", err)
	}
}

func testGenerations(t *testing.T, s bot.Store) {
	ctx := context.Background()
	old := sample("k", 1)
	old.Status, old.ResolvedAt = bot.StatusResolved, t0.Add(time.Hour)
	next := sample("k", 2)
	next.OpenedAt, next.UpdatedAt = t0.Add(10*time.Hour), t0.Add(10*time.Hour)
	other := sample("other", 1)
	other.UpdatedAt = t0.Add(20 * time.Hour)
	update(t, s, func(tx bot.Tx) error {
		for _, inc := range []*bot.Incident{old, next, other} {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx bot.Tx) error {
		got, err := tx.FindIncident(ctx, "k")
		if err != nil {
			return err
		}
		if got.Generation != 2 {
			t.Errorf("FindIncident returned generation %d, want the latest, 2", got.Generation)
		}
		open, err := tx.ListIncidents(ctx, true, 10)
		if err != nil {
			return err
		}
		if keys := incidentKeys(open); !reflect.DeepEqual(keys, []string{"other/1", "k/2"}) {
			t.Errorf("open incidents = %v, want [other/1 k/2]", keys)
		}
		all, err := tx.ListIncidents(ctx, false, 2)
		if err != nil {
			return err
		}
		if len(all) != 2 {
			t.Errorf("ListIncidents limit 2 returned %d", len(all))
		}
		return nil
	})
}

func incidentKeys(incs []*bot.Incident) []string {
	var out []string
	for _, inc := range incs {
		out = append(out, inc.Key+"/"+string(rune('0'+inc.Generation)))
	}
	return out
}

func testVersion(t *testing.T, s bot.Store) {
	ctx := context.Background()
	inc := sample("k", 1)
	update(t, s, func(tx bot.Tx) error { return tx.CreateIncident(ctx, inc) })
	stale := *inc
	inc.Status = bot.StatusAcknowledged
	update(t, s, func(tx bot.Tx) error { return tx.UpdateIncident(ctx, inc) })
	if inc.Version != 2 {
		t.Errorf("Version after update = %d, want 2", inc.Version)
	}
	err := s.Update(ctx, func(tx bot.Tx) error { return tx.UpdateIncident(ctx, &stale) })
	if !errors.Is(err, bot.ErrConflict) {
		t.Errorf("stale update: err = %v, want ErrConflict", err)
	}
	missing := sample("missing", 1)
	err = s.Update(ctx, func(tx bot.Tx) error { return tx.UpdateIncident(ctx, missing) })
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("update of missing incident: err = %v, want ErrNotFound", err)
	}
}

func testRollback(t *testing.T, s bot.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx bot.Tx) error {
		if err := tx.CreateIncident(ctx, sample("k", 1)); err != nil {
			return err
		}
		if err := tx.RecordDelivery(ctx, "x", "1", "", t0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	update(t, s, func(tx bot.Tx) error {
		if _, err := tx.FindIncident(ctx, "k"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("incident survived a rolled back transaction: err = %v", err)
		}
		if seen, _ := tx.SeenDelivery(ctx, "x", "1", ""); seen {
			t.Error("delivery survived a rolled back transaction")
		}
		return nil
	})
}

func enqueue(t *testing.T, s bot.Store, ops ...*bot.Op) {
	t.Helper()
	update(t, s, func(tx bot.Tx) error {
		for _, op := range ops {
			if op.State == "" {
				op.State = bot.OpPending
			}
			if op.CreatedAt.IsZero() {
				op.CreatedAt = t0
			}
			if op.NextAttemptAt.IsZero() {
				op.NextAttemptAt = t0
			}
			if err := tx.EnqueueOp(ctx0, op); err != nil {
				return err
			}
		}
		return nil
	})
}

var ctx0 = context.Background()

func readyIDs(t *testing.T, s bot.Store, now time.Time) []int64 {
	t.Helper()
	var ids []int64
	update(t, s, func(tx bot.Tx) error {
		ops, err := tx.ReadyOps(ctx0, now, 100)
		for _, op := range ops {
			ids = append(ids, op.ID)
		}
		return err
	})
	return ids
}

func testOutboxOrder(t *testing.T, s bot.Store) {
	a1 := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpPostParent, Channel: "#a"}
	a2 := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpReply, Channel: "#a", Payload: []byte(`{"changes":[]}`)}
	b1 := &bot.Op{IncidentKey: "b", Generation: 1, Kind: bot.OpPostParent, Channel: "#b", NextAttemptAt: t0.Add(time.Minute)}
	a3 := &bot.Op{IncidentKey: "a", Generation: 2, Kind: bot.OpPostParent, Channel: "#a"}
	enqueue(t, s, a1, a2, b1, a3)
	if a1.ID == 0 || a2.ID <= a1.ID {
		t.Fatalf("EnqueueOp ids not increasing: %d, %d", a1.ID, a2.ID)
	}
	if got, want := readyIDs(t, s, t0), []int64{a1.ID, a3.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("ready at t0 = %v, want %v (heads of queue only, b1 not due)", got, want)
	}
	update(t, s, func(tx bot.Tx) error {
		next, ok, err := tx.NextDue(ctx0, t0)
		if err != nil {
			return err
		}
		if !ok || !next.Equal(t0) {
			t.Errorf("NextDue = %v %v, want %v", next, ok, t0)
		}
		_, err = tx.ClaimOp(ctx0, a1.ID, a1.NextAttemptAt)
		return err
	})
	if got, want := readyIDs(t, s, t0.Add(time.Hour)), []int64{a3.ID, b1.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("ready while a1 is sending = %v, want %v (a2 waits for a1)", got, want)
	}
	update(t, s, func(tx bot.Tx) error {
		a1.State, a1.SlackTS = bot.OpDone, "1.0"
		return tx.UpdateOp(ctx0, a1)
	})
	if got, want := readyIDs(t, s, t0.Add(time.Hour)), []int64{a2.ID, a3.ID, b1.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("ready after a1 done = %v, want %v", got, want)
	}
	update(t, s, func(tx bot.Tx) error {
		n, err := tx.CountOps(ctx0, bot.OpPending)
		if err != nil {
			return err
		}
		if n != 3 {
			t.Errorf("CountOps(pending) = %d, want 3", n)
		}
		ops, err := tx.ListOps(ctx0, "a")
		if err != nil {
			return err
		}
		if len(ops) != 3 || ops[0].SlackTS != "1.0" || ops[0].State != bot.OpDone || string(ops[1].Payload) != `{"changes":[]}` {
			t.Errorf("ListOps(a) = %+v", ops)
		}
		return nil
	})
}

func testOutboxPending(t *testing.T, s bot.Store) {
	r1 := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpReply, Channel: "#a", Payload: []byte("1")}
	r2 := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpReply, Channel: "#a", Payload: []byte("2")}
	enqueue(t, s, r1, r2)
	update(t, s, func(tx bot.Tx) error {
		op, err := tx.FindPendingOp(ctx0, "a", 1, bot.OpReply)
		if err != nil {
			return err
		}
		if op.ID != r2.ID {
			t.Errorf("FindPendingOp = op %d, want the newest, %d", op.ID, r2.ID)
		}
		if _, err := tx.FindPendingOp(ctx0, "a", 1, bot.OpUpdateParent); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("FindPendingOp(update): err = %v, want ErrNotFound", err)
		}
		if _, err := tx.ClaimOp(ctx0, r2.ID, r2.NextAttemptAt); err != nil {
			return err
		}
		op, err = tx.FindPendingOp(ctx0, "a", 1, bot.OpReply)
		if err != nil {
			return err
		}
		if op.ID != r1.ID {
			t.Errorf("FindPendingOp skipped sending op: got %d, want %d", op.ID, r1.ID)
		}
		n, err := tx.RecoverOps(ctx0)
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("RecoverOps = %d, want 1", n)
		}
		ops, err := tx.ListOps(ctx0, "a")
		if err != nil {
			return err
		}
		if ops[1].State != bot.OpPending || !ops[1].MaybeSent {
			t.Errorf("recovered op = %+v, want pending and MaybeSent", ops[1])
		}
		if err := tx.UpdateOp(ctx0, &bot.Op{ID: 9999, State: bot.OpDone}); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("UpdateOp of missing op: err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func testPrune(t *testing.T, s bot.Store) {
	old := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpPostParent, Channel: "#a", State: bot.OpDone, CreatedAt: t0}
	oldPending := &bot.Op{IncidentKey: "b", Generation: 1, Kind: bot.OpPostParent, Channel: "#a", CreatedAt: t0}
	fresh := &bot.Op{IncidentKey: "c", Generation: 1, Kind: bot.OpPostParent, Channel: "#a", State: bot.OpDone, CreatedAt: t0.Add(48 * time.Hour)}
	enqueue(t, s, old, oldPending, fresh)
	// Incidents: resolved long ago (pruned with its late op), resolved
	// recently, open since long ago, and resolved long ago with an op
	// still pending: only the first goes.
	resolved := func(key string, at time.Time) *bot.Incident {
		inc := sample(key, 1)
		inc.Status, inc.ResolvedAt = bot.StatusResolved, at
		return inc
	}
	gone := resolved("gone", t0)
	recent := resolved("recent", t0.Add(48*time.Hour))
	open := sample("open", 1)
	waiting := resolved("waiting", t0)
	update(t, s, func(tx bot.Tx) error {
		for _, inc := range []*bot.Incident{gone, recent, open, waiting} {
			if err := tx.CreateIncident(ctx0, inc); err != nil {
				return err
			}
		}
		return nil
	})
	late := &bot.Op{IncidentKey: "gone", Generation: 1, Kind: bot.OpUpdateParent, Channel: "#ops", State: bot.OpDone, CreatedAt: t0.Add(48 * time.Hour)}
	pending := &bot.Op{IncidentKey: "waiting", Generation: 1, Kind: bot.OpReply, Channel: "#ops", CreatedAt: t0}
	enqueue(t, s, late, pending)
	update(t, s, func(tx bot.Tx) error {
		if err := tx.RecordDelivery(ctx0, "x", "old", "", t0); err != nil {
			return err
		}
		if err := tx.RecordDelivery(ctx0, "x", "new", "", t0.Add(48*time.Hour)); err != nil {
			return err
		}
		n, err := tx.Prune(ctx0, t0.Add(24*time.Hour))
		if err != nil {
			return err
		}
		// old delivery, old done op, and incident "gone": its op, thread
		// and row.
		if n != 5 {
			t.Errorf("Prune removed %d rows, want 5 (old delivery, old done op, resolved incident with its thread and op)", n)
		}
		if seen, _ := tx.SeenDelivery(ctx0, "x", "new", ""); !seen {
			t.Error("fresh delivery pruned")
		}
		if n, _ := tx.CountOps(ctx0, bot.OpPending); n != 2 {
			t.Errorf("pending ops after prune = %d, want 2: pending ops are never pruned", n)
		}
		if _, err := tx.FindIncident(ctx0, "gone"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("incident resolved before the cut-off: FindIncident err = %v, want ErrNotFound", err)
		}
		if ops, _ := tx.ListOps(ctx0, "gone"); len(ops) != 0 {
			t.Errorf("ops of the pruned incident kept: %d", len(ops))
		}
		for _, key := range []string{"recent", "open", "waiting"} {
			if _, err := tx.FindIncident(ctx0, key); err != nil {
				t.Errorf("incident %q pruned: %v", key, err)
			}
		}
		return nil
	})
	// A new alert with a pruned key starts afresh: generation 1 again.
	update(t, s, func(tx bot.Tx) error { return tx.CreateIncident(ctx0, sample("gone", 1)) })
}

// testRetryNow: ops to the channel that wait out a backoff become due;
// fresh ops, other channels' and finished ops keep their times.
func testRetryNow(t *testing.T, s bot.Store) {
	later := t0.Add(time.Hour)
	backedOff := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpReply, Channel: "C1", Attempts: 3, NextAttemptAt: later}
	other := &bot.Op{IncidentKey: "b", Generation: 1, Kind: bot.OpReply, Channel: "C2", Attempts: 3, NextAttemptAt: later}
	paused := &bot.Op{IncidentKey: "c", Generation: 1, Kind: bot.OpReply, Channel: "C1", NextAttemptAt: later} // 429: no attempt counted
	done := &bot.Op{IncidentKey: "d", Generation: 1, Kind: bot.OpReply, Channel: "C1", Attempts: 3, State: bot.OpDone, NextAttemptAt: later}
	enqueue(t, s, backedOff, other, paused, done)
	update(t, s, func(tx bot.Tx) error {
		n, err := tx.RetryNow(ctx0, "C1", t0)
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("RetryNow = %d ops, want 1", n)
		}
		return nil
	})
	if got, want := readyIDs(t, s, t0), []int64{backedOff.ID}; !slices.Equal(got, want) {
		t.Errorf("ready after RetryNow = %v, want %v", got, want)
	}
}

func testBusy(t *testing.T, s bot.Store) {
	hold := make(chan struct{})
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx bot.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Update(ctx, func(tx bot.Tx) error { return nil })
	close(hold)
	if !errors.Is(err, bot.ErrBusy) {
		t.Errorf("Update while another write holds the lock past the deadline: err = %v, want ErrBusy", err)
	}
	if err := <-done; err != nil {
		t.Errorf("holding Update: %v", err)
	}
}

func testView(t *testing.T, s bot.Store) {
	inc := sample("k", 1)
	update(t, s, func(tx bot.Tx) error { return tx.CreateIncident(ctx0, inc) })
	hold := make(chan struct{})
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx0, func(tx bot.Tx) error {
			inc.Status = bot.StatusResolved
			if err := tx.UpdateIncident(ctx0, inc); err != nil {
				return err
			}
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	// A read while a write is open neither waits for it nor sees it.
	ctx, cancel := context.WithTimeout(ctx0, 10*time.Second)
	defer cancel()
	err := s.View(ctx, func(tx bot.Tx) error {
		got, err := tx.FindIncident(ctx, "k")
		if err != nil {
			return err
		}
		if got.Status != bot.StatusFiring {
			t.Errorf("View saw uncommitted status %s", got.Status)
		}
		return nil
	})
	close(hold)
	if err != nil {
		t.Fatalf("View during a write: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx0, func(tx bot.Tx) error {
		got, err := tx.FindIncident(ctx0, "k")
		if err == nil && got.Status != bot.StatusResolved {
			t.Errorf("View after commit: status %s, want resolved", got.Status)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// testClaim pins ClaimOp: it returns the op as stored (a payload merged
// after the worker's read included), and refuses, with ErrConflict and
// without spoiling the transaction, an op that moved on since the read.
//
// Regression: the worker claimed by writing back the copy it had read with
// UpdateOp, overwriting changes merged into the op in between.
func testClaim(t *testing.T, s bot.Store) {
	op := &bot.Op{IncidentKey: "a", Generation: 1, Kind: bot.OpReply, Channel: "#a", Payload: []byte(`{"changes":[1]}`)}
	enqueue(t, s, op)
	var read []*bot.Op
	if err := s.View(ctx0, func(tx bot.Tx) (err error) {
		read, err = tx.ReadyOps(ctx0, t0, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(read) != 1 {
		t.Fatalf("ready ops = %d, want 1", len(read))
	}
	stale := read[0]
	update(t, s, func(tx bot.Tx) error {
		p, err := tx.FindPendingOp(ctx0, "a", 1, bot.OpReply)
		if err != nil {
			return err
		}
		p.Payload = []byte(`{"changes":[1,2]}`)
		return tx.UpdateOp(ctx0, p)
	})
	update(t, s, func(tx bot.Tx) error {
		got, err := tx.ClaimOp(ctx0, stale.ID, stale.NextAttemptAt)
		if err != nil {
			return err
		}
		if string(got.Payload) != `{"changes":[1,2]}` || got.State != bot.OpSending || got.ID != stale.ID {
			t.Errorf("claimed op = %+v payload %s, want sending with the merged payload", got, got.Payload)
		}
		if _, err := tx.ClaimOp(ctx0, stale.ID, stale.NextAttemptAt); !errors.Is(err, bot.ErrConflict) {
			t.Errorf("claiming an op already sending: err = %v, want ErrConflict", err)
		}
		if _, err := tx.ClaimOp(ctx0, 999999, t0); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("claiming a missing op: err = %v, want ErrNotFound", err)
		}
		// The refusals left the transaction usable.
		if _, err := tx.ListOps(ctx0, "a"); err != nil {
			t.Errorf("transaction unusable after a refused claim: %v", err)
		}
		// Retried: back to pending, due later.
		got.State, got.Attempts, got.NextAttemptAt = bot.OpPending, 1, t0.Add(time.Minute)
		return tx.UpdateOp(ctx0, got)
	})
	update(t, s, func(tx bot.Tx) error {
		if _, err := tx.ClaimOp(ctx0, stale.ID, stale.NextAttemptAt); !errors.Is(err, bot.ErrConflict) {
			t.Errorf("claim from a read taken before a retry: err = %v, want ErrConflict", err)
		}
		got, err := tx.ClaimOp(ctx0, stale.ID, t0.Add(time.Minute))
		if err != nil {
			t.Errorf("claim with the current due time: %v", err)
			return nil
		}
		if got.Attempts != 1 {
			t.Errorf("claimed attempts = %d, want 1", got.Attempts)
		}
		got.State = bot.OpSending
		if err := tx.UpdateOp(ctx0, got); err == nil {
			t.Error("UpdateOp to sending succeeded; claims must go through ClaimOp")
		}
		got.State, got.SlackTS = bot.OpDone, "1.1"
		return tx.UpdateOp(ctx0, got)
	})
}

// testStaleParents pins which parents a periodic refresh may update: open,
// posted, and with no parent op in flight or queued recently.
func testStaleParents(t *testing.T, s bot.Store) {
	type tc struct {
		key    string
		status bot.Status
		ts     string
		op     *bot.Op // a parent op of the incident, or nil
	}
	parentOp := func(key string, kind bot.OpKind, state bot.OpState, created time.Time) *bot.Op {
		return &bot.Op{IncidentKey: key, Generation: 1, Kind: kind, Channel: "#a", State: state, CreatedAt: created}
	}
	cases := []tc{
		{"open-old", bot.StatusFiring, "1.1", parentOp("open-old", bot.OpPostParent, bot.OpDone, t0)},
		{"acked-no-ops", bot.StatusAcknowledged, "1.2", nil}, // its ops were pruned
		{"resolved", bot.StatusResolved, "1.3", parentOp("resolved", bot.OpPostParent, bot.OpDone, t0)},
		{"not-posted", bot.StatusFiring, "", nil},
		{"update-pending", bot.StatusFiring, "1.4", parentOp("update-pending", bot.OpUpdateParent, bot.OpPending, t0)},
		{"updated-recently", bot.StatusFiring, "1.5", parentOp("updated-recently", bot.OpUpdateParent, bot.OpDone, t0.Add(15*time.Minute))},
		{"only-reply-recent", bot.StatusFiring, "1.6", parentOp("only-reply-recent", bot.OpReply, bot.OpDone, t0.Add(15*time.Minute))},
	}
	update(t, s, func(tx bot.Tx) error {
		for i, c := range cases {
			inc := sample(c.key, 1)
			inc.Status = c.status
			inc.UpdatedAt = t0.Add(time.Duration(i) * time.Second)
			if err := tx.CreateIncident(ctx0, inc); err != nil {
				return err
			}
			if c.ts != "" {
				if err := tx.SetThreadTS(ctx0, c.key, 1, "C1", c.ts); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, c := range cases {
		if c.op != nil {
			enqueue(t, s, c.op)
		}
	}
	var got []string
	update(t, s, func(tx bot.Tx) error {
		incs, err := tx.StaleParents(ctx0, t0.Add(10*time.Minute), 10)
		for _, inc := range incs {
			got = append(got, inc.Key)
			if inc.Thread.Channel != "C1" {
				t.Errorf("stale parent %s has thread %+v, want channel C1", inc.Key, inc.Thread)
			}
		}
		return err
	})
	if want := []string{"open-old", "acked-no-ops", "only-reply-recent"}; !reflect.DeepEqual(got, want) {
		t.Errorf("StaleParents = %v, want %v", got, want)
	}
	update(t, s, func(tx bot.Tx) error {
		incs, err := tx.StaleParents(ctx0, t0.Add(10*time.Minute), 1)
		if len(incs) != 1 {
			t.Errorf("StaleParents limit 1 returned %d", len(incs))
		}
		return err
	})
}

// testStats: the outbox figures count pending and sending ops (not done or
// failed ones), the oldest is the earliest created among them, and open
// incidents are counted by source, resolved ones left out.
func testStats(t *testing.T, s bot.Store) {
	stats := func() bot.Stats {
		t.Helper()
		var st bot.Stats
		if err := s.View(ctx0, func(tx bot.Tx) error {
			var err error
			st, err = tx.Stats(ctx0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := stats(); st.Unfinished != 0 || !st.Oldest.IsZero() || len(st.Open) != 0 {
		t.Errorf("empty store: stats = %+v, want zero", st)
	}
	pd := sample("pagerduty/P1", 1)
	pd.Source = "pagerduty"
	resolved := sample("alertmanager/r", 1)
	resolved.Status = bot.StatusResolved
	update(t, s, func(tx bot.Tx) error {
		for _, inc := range []*bot.Incident{sample("alertmanager/a", 1), sample("alertmanager/b", 1), pd, resolved} {
			if err := tx.CreateIncident(ctx0, inc); err != nil {
				return err
			}
		}
		return nil
	})
	enqueue(t, s,
		&bot.Op{IncidentKey: "alertmanager/a", Generation: 1, Kind: bot.OpPostParent, Channel: "#ops", State: bot.OpDone, CreatedAt: t0.Add(-time.Hour)},
		&bot.Op{IncidentKey: "alertmanager/a", Generation: 1, Kind: bot.OpReply, Channel: "#ops", CreatedAt: t0.Add(2 * time.Minute)},
		&bot.Op{IncidentKey: "alertmanager/b", Generation: 1, Kind: bot.OpPostParent, Channel: "#ops", CreatedAt: t0.Add(time.Minute)},
		&bot.Op{IncidentKey: "pagerduty/P1", Generation: 1, Kind: bot.OpPostParent, Channel: "#ops", State: bot.OpFailed, CreatedAt: t0.Add(-2 * time.Hour)},
	)
	st := stats()
	if st.Unfinished != 2 || !st.Oldest.Equal(t0.Add(time.Minute)) {
		t.Errorf("outbox stats = %d unfinished, oldest %v; want 2, %v", st.Unfinished, st.Oldest, t0.Add(time.Minute))
	}
	if want := map[string]int{"alertmanager": 2, "pagerduty": 1}; len(st.Open) != len(want) || st.Open["alertmanager"] != 2 || st.Open["pagerduty"] != 1 {
		t.Errorf("open incidents = %v, want %v", st.Open, want)
	}
}

// testPingProbe: Ping commits a write (the probe row /readyz relies on),
// and the row of a replica not seen for the retention goes with Prune.
func testPingProbe(t *testing.T, s bot.Store) {
	if err := s.Ping(ctx0); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Ping(ctx0); err != nil {
		t.Fatalf("second Ping (the row exists): %v", err)
	}
	prune := func(before time.Time) int {
		t.Helper()
		var n int
		update(t, s, func(tx bot.Tx) error {
			var err error
			n, err = tx.Prune(ctx0, before)
			return err
		})
		return n
	}
	if n := prune(time.Now().Add(-time.Hour)); n != 0 {
		t.Errorf("Prune before the probe = %d rows, want 0", n)
	}
	if n := prune(time.Now().Add(time.Hour)); n != 1 {
		t.Errorf("Prune after the probe = %d rows, want 1 (the probe row)", n)
	}
}

// testLinks: links are created once (a second create is ErrConflict, as a
// replica losing the race sees it) and re-pointed only from the incident
// the caller read.
func testLinks(t *testing.T, s bot.Store) {
	ctx := context.Background()
	dedup := bot.IncidentLink{Key: "dedup/abc", Incident: "alertmanager/r/g", At: t0}
	src := bot.IncidentLink{Key: "source/pagerduty/Q1", Incident: "alertmanager/r/g", Via: "same dedup key", At: t0}
	update(t, s, func(tx bot.Tx) error {
		if err := tx.SetLink(ctx, dedup, ""); err != nil {
			return err
		}
		return tx.SetLink(ctx, src, "")
	})
	err := s.Update(ctx, func(tx bot.Tx) error {
		return tx.SetLink(ctx, bot.IncidentLink{Key: "dedup/abc", Incident: "pagerduty/Q9", At: t0}, "")
	})
	if !errors.Is(err, bot.ErrConflict) {
		t.Errorf("creating a link that exists: err = %v, want ErrConflict", err)
	}
	err = s.Update(ctx, func(tx bot.Tx) error {
		return tx.SetLink(ctx, bot.IncidentLink{Key: "dedup/abc", Incident: "pagerduty/Q9", At: t0}, "pagerduty/Q8")
	})
	if !errors.Is(err, bot.ErrConflict) {
		t.Errorf("re-pointing from the wrong incident: err = %v, want ErrConflict", err)
	}
	moved := bot.IncidentLink{Key: "source/pagerduty/Q1", Incident: "pagerduty/Q1", Via: "split", At: t0.Add(time.Hour)}
	update(t, s, func(tx bot.Tx) error { return tx.SetLink(ctx, moved, "alertmanager/r/g") })
	var got map[string]bot.IncidentLink
	update(t, s, func(tx bot.Tx) (err error) {
		got, err = tx.FindLinks(ctx, []string{"dedup/abc", "source/pagerduty/Q1", "labels/none"})
		return err
	})
	want := map[string]bot.IncidentLink{"dedup/abc": dedup, "source/pagerduty/Q1": moved}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindLinks = %+v\nwant %+v", got, want)
	}
	err = s.View(ctx, func(tx bot.Tx) (err error) {
		got, err = tx.FindLinks(ctx, []string{"dedup/abc"})
		return err
	})
	if err != nil || len(got) != 1 {
		t.Errorf("FindLinks in View: %v, %v", got, err)
	}
}

// testLinksPrune: Prune forgets old links whose incident has gone, and
// keeps the links of incidents still kept.
func testLinksPrune(t *testing.T, s bot.Store) {
	ctx := context.Background()
	gone := sample("gone", 1)
	gone.Status, gone.ResolvedAt = bot.StatusResolved, t0
	kept := sample("kept", 1)
	update(t, s, func(tx bot.Tx) error {
		for _, inc := range []*bot.Incident{gone, kept} {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		for _, l := range []bot.IncidentLink{
			{Key: "source/gone", Incident: "gone", At: t0},
			{Key: "dedup/gone", Incident: "gone", At: t0},
			{Key: "source/kept", Incident: "kept", At: t0},
		} {
			if err := tx.SetLink(ctx, l, ""); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx bot.Tx) error {
		if _, err := tx.Prune(ctx, t0.Add(24*time.Hour)); err != nil {
			return err
		}
		got, err := tx.FindLinks(ctx, []string{"source/gone", "dedup/gone", "source/kept"})
		if err != nil {
			return err
		}
		if len(got) != 1 || got["source/kept"].Incident != "kept" {
			t.Errorf("links after prune = %+v, want only source/kept", got)
		}
		return nil
	})
}

// testFindThread: the split action finds an incident by its parent message.
func testFindThread(t *testing.T, s bot.Store) {
	ctx := context.Background()
	in := sample("alertmanager/r/g", 1)
	update(t, s, func(tx bot.Tx) error {
		if err := tx.CreateIncident(ctx, in); err != nil {
			return err
		}
		if _, err := tx.FindThread(ctx, "#ops", ""); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("FindThread before the parent is posted: err = %v, want ErrNotFound", err)
		}
		return tx.SetThreadTS(ctx, in.Key, 1, "C0001", "1700000000.000100")
	})
	update(t, s, func(tx bot.Tx) error {
		got, err := tx.FindThread(ctx, "C0001", "1700000000.000100")
		if err != nil {
			return err
		}
		if got.Key != in.Key || got.Generation != 1 || len(got.Members) != 2 {
			t.Errorf("FindThread = %s/%d with %d members", got.Key, got.Generation, len(got.Members))
		}
		if _, err := tx.FindThread(ctx, "C0002", "1700000000.000100"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("FindThread in another channel: err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// testSilence: an incident's silence is stored in both directions (set on
// create and by update, cleared by update) and ListSilenced finds exactly
// the generations carrying one, least recently updated first.
func testSilence(t *testing.T, s bot.Store) {
	ctx := context.Background()
	a, b, c := sample("am/a", 1), sample("am/b", 1), sample("am/c", 1)
	a.Silence = bot.Silence{ID: "4f1e0c2a-aaaa", By: "ana", Until: t0.Add(4 * time.Hour)}
	b.UpdatedAt = t0
	update(t, s, func(tx bot.Tx) error {
		for _, inc := range []*bot.Incident{a, b, c} {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		return nil
	})
	b.Silence = bot.Silence{ID: "4f1e0c2a-bbbb", By: "ben", Until: t0.Add(7 * 24 * time.Hour), UntilResolved: true}
	update(t, s, func(tx bot.Tx) error { return tx.UpdateIncident(ctx, b) })
	list := func() []*bot.Incident {
		var got []*bot.Incident
		update(t, s, func(tx bot.Tx) (err error) {
			got, err = tx.ListSilenced(ctx, 10)
			return err
		})
		return got
	}
	got := list()
	if keys := incidentKeys(got); !slices.Equal(keys, []string{"am/b/1", "am/a/1"}) {
		t.Fatalf("ListSilenced = %v, want [am/b am/a] (least recently updated first)", keys)
	}
	if !reflect.DeepEqual(got[0], b) || !reflect.DeepEqual(got[1], a) {
		t.Errorf("silenced incidents did not round-trip:\n got %+v\n     %+v\nwant %+v\n     %+v", got[0], got[1], b, a)
	}
	a.Silence = bot.Silence{}
	update(t, s, func(tx bot.Tx) error { return tx.UpdateIncident(ctx, a) })
	if keys := incidentKeys(list()); !slices.Equal(keys, []string{"am/b/1"}) {
		t.Errorf("ListSilenced after clearing am/a = %v, want [am/b]", keys)
	}
	update(t, s, func(tx bot.Tx) error {
		got, err := tx.FindIncident(ctx, "am/a")
		if err == nil && got.Silence != (bot.Silence{}) {
			t.Errorf("cleared silence read back as %+v", got.Silence)
		}
		return err
	})
}
