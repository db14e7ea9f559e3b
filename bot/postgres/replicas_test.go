package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/jackc/pgx/v5"
)

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func testLogger() *slog.Logger {
	if os.Getenv("COMPASS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// TestConcurrentOpen pins that replicas starting together on an empty
// schema apply the migrations once, without failing on each other.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM compass_schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(files) {
		t.Errorf("migration rows = %d, want %d (one per migration)", rows, len(files))
	}
}

// TestOpenErrors: a bad DSN is a clear error that does not echo the
// password; a search_path naming no schema is refused before any table is
// created in the wrong place.
func TestOpenErrors(t *testing.T) {
	dsn := pgtest.DSN(t)
	tests := []struct {
		name, dsn, want string
	}{
		{"unparsable", "postgres://u:s3cret@[::1", "cannot parse"},
		{"missing schema", pgtest.WithParam(t, dsn, "search_path", "compass_no_such_schema"), "no schema to migrate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), tt.dsn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open: err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func update(t testing.TB, s bot.Store, fn func(tx bot.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func pendingOp(key string, gen int, payload string) *bot.Op {
	return &bot.Op{IncidentKey: key, Generation: gen, Kind: bot.OpReply, Channel: "#ops", Payload: []byte(payload),
		State: bot.OpPending, CreatedAt: t0, NextAttemptAt: t0}
}

// TestClaimGuards pins the outbox claim rules one case at a time, on two
// Stores (two replicas) over one schema.
func TestClaimGuards(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	a := open(t, dsn, postgres.WithReplicaID("a"))
	b := open(t, dsn, postgres.WithReplicaID("b"))
	ctx := context.Background()

	// claim claims op as read; on success op becomes the claimed row.
	claim := func(s bot.Store, op *bot.Op) error {
		return s.Update(ctx, func(tx bot.Tx) error {
			got, err := tx.ClaimOp(ctx, op.ID, op.NextAttemptAt)
			if err == nil {
				*op = *got
			}
			return err
		})
	}
	readReady := func(s bot.Store) []*bot.Op {
		var ops []*bot.Op
		if err := s.View(ctx, func(tx bot.Tx) (err error) {
			ops, err = tx.ReadyOps(ctx, t0.Add(time.Hour), 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ops
	}

	t.Run("two replicas claim the same op: one wins", func(t *testing.T) {
		op := pendingOp("race", 1, "1")
		update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
		ca, cb := *op, *op
		if err := claim(a, &ca); err != nil {
			t.Fatalf("first claim: %v", err)
		}
		if err := claim(b, &cb); !errors.Is(err, bot.ErrConflict) {
			t.Fatalf("second claim: err = %v, want ErrConflict", err)
		}
		// b cannot record an outcome for an op it does not hold.
		cb.State = bot.OpDone
		if err := b.Update(ctx, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &cb) }); !errors.Is(err, bot.ErrConflict) {
			t.Fatalf("outcome from a non-claimer: err = %v, want ErrConflict", err)
		}
		ca.State, ca.SlackTS = bot.OpDone, "1.1"
		update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &ca) })
	})

	t.Run("claim sends the payload merged after the read", func(t *testing.T) {
		op := pendingOp("merge", 1, `{"changes":[1]}`)
		update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
		stale := *op
		update(t, b, func(tx bot.Tx) error {
			p, err := tx.FindPendingOp(ctx, "merge", 1, bot.OpReply)
			if err != nil {
				return err
			}
			p.Payload = []byte(`{"changes":[1,2]}`)
			return tx.UpdateOp(ctx, p)
		})
		if err := claim(a, &stale); err != nil {
			t.Fatal(err)
		}
		if got := string(stale.Payload); got != `{"changes":[1,2]}` {
			t.Errorf("claimed payload = %s, want the merged one", got)
		}
		stale.State = bot.OpDone
		update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &stale) })
	})

	t.Run("claim skips an op a merge holds locked", func(t *testing.T) {
		op := pendingOp("locked", 1, "1")
		update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
		held, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- b.Update(ctx, func(tx bot.Tx) error {
				if _, err := tx.FindPendingOp(ctx, "locked", 1, bot.OpReply); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		c := *op
		err := claim(a, &c)
		close(release)
		if !errors.Is(err, bot.ErrConflict) {
			t.Errorf("claim while a merge holds the op: err = %v, want ErrConflict (skip, not wait)", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := claim(a, &c); err != nil {
			t.Fatalf("claim after the merge: %v", err)
		}
		c.State = bot.OpDone
		update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &c) })
	})

	t.Run("stale read of a retried op cannot claim it", func(t *testing.T) {
		op := pendingOp("retried", 1, "1")
		update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
		stale := *op
		c := *op
		if err := claim(a, &c); err != nil {
			t.Fatal(err)
		}
		c.State, c.Attempts, c.NextAttemptAt = bot.OpPending, 1, t0.Add(time.Minute)
		update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &c) })
		if err := claim(b, &stale); !errors.Is(err, bot.ErrConflict) {
			t.Fatalf("claim from a read taken before the retry: err = %v, want ErrConflict", err)
		}
		if err := claim(b, &c); err != nil {
			t.Fatalf("claim from a fresh read: %v", err)
		}
		c.State = bot.OpDone
		update(t, b, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &c) })
	})

	t.Run("recovery leaves a live replica's claim alone", func(t *testing.T) {
		op := pendingOp("live", 1, "1")
		update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
		c := *op
		if err := claim(a, &c); err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx bot.Tx) error {
			n, err := tx.RecoverOps(ctx)
			if n != 0 {
				t.Errorf("replica b recovered %d ops claimed by live replica a", n)
			}
			return err
		})
		for _, r := range readReady(b) {
			if r.ID == c.ID {
				t.Errorf("op claimed by a is ready for b before its lease ends")
			}
		}
		c.State = bot.OpDone
		update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &c) })
	})
}

// TestLeaseTakeover: a replica that claimed an op and stopped answering
// loses it when the lease ends; another replica takes it over with
// MaybeSent (so it looks in Slack before posting), and the first one's
// late outcome is ignored.
func TestLeaseTakeover(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	ctx := context.Background()
	a := open(t, dsn, postgres.WithReplicaID("a"), postgres.WithLease(300*time.Millisecond))
	b := open(t, dsn, postgres.WithReplicaID("b"))
	op := pendingOp("k", 1, "1")
	update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
	ca := *op
	update(t, a, func(tx bot.Tx) error {
		got, err := tx.ClaimOp(ctx, ca.ID, ca.NextAttemptAt)
		if err == nil {
			ca = *got
		}
		return err
	})

	var taken *bot.Op
	deadline := time.Now().Add(30 * time.Second)
	for taken == nil {
		if time.Now().After(deadline) {
			t.Fatal("op never became ready for takeover after its lease")
		}
		update(t, b, func(tx bot.Tx) error {
			ops, err := tx.ReadyOps(ctx, t0, 10)
			for _, o := range ops {
				if o.ID == op.ID {
					taken = o
				}
			}
			return err
		})
		if taken == nil {
			time.Sleep(20 * time.Millisecond) // polling the server clock
		}
	}
	if taken.State != bot.OpPending || !taken.MaybeSent {
		t.Fatalf("expired op offered as %+v, want pending with MaybeSent", taken)
	}
	update(t, b, func(tx bot.Tx) error {
		got, err := tx.ClaimOp(ctx, taken.ID, taken.NextAttemptAt)
		if err == nil {
			taken = got
		}
		return err
	})
	if !taken.MaybeSent {
		t.Error("takeover claim lost MaybeSent")
	}
	if got, gotA := b.LeaseTakeovers(), a.LeaseTakeovers(); got != 1 || gotA != 0 {
		t.Errorf("lease takeovers: b %d, a %d; want 1 and 0 (the metric of replica deaths)", got, gotA)
	}
	// a wakes up and reports: ignored without error, b's claim stands.
	ca.State, ca.SlackTS = bot.OpDone, "a-ts"
	update(t, a, func(tx bot.Tx) error { return tx.UpdateOp(ctx, &ca) })
	taken.State, taken.SlackTS = bot.OpDone, "b-ts"
	update(t, b, func(tx bot.Tx) error { return tx.UpdateOp(ctx, taken) })
	update(t, b, func(tx bot.Tx) error {
		ops, err := tx.ListOps(ctx, "k")
		if err != nil {
			return err
		}
		if len(ops) != 1 || ops[0].State != bot.OpDone || ops[0].SlackTS != "b-ts" {
			t.Errorf("op after takeover = %+v, want done with b's ts", ops[0])
		}
		return nil
	})
}

// sendLog records "Slack calls" made by the store-level workers below.
type sendLog struct {
	mu    sync.Mutex
	sent  map[int64]int      // op id → successful sends
	order map[string][]int64 // incident key → op ids in send order
}

// TestReplicasDrainOutbox runs workers on two replicas (three each) against
// one outbox, the way the bot's worker uses the store: read ready ops in a
// View, claim in an Update, call Slack, record the outcome. One call in five
// fails and is retried. Every op must be sent exactly once, and each
// incident's ops in the order they were queued.
func TestReplicasDrainOutbox(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	ctx := context.Background()
	stores := []*postgres.Store{open(t, dsn, postgres.WithReplicaID("a")), open(t, dsn, postgres.WithReplicaID("b"))}
	const incidents, perIncident = 20, 8
	var all []*bot.Op
	for i := range incidents {
		for j := range perIncident {
			all = append(all, pendingOp(fmt.Sprintf("inc-%02d", i), 1+j/4, fmt.Sprint(j)))
		}
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	// Queue in several transactions from both replicas: ids still follow
	// each incident generation's queue order.
	for i := 0; i < len(all); i += 10 {
		update(t, stores[i/10%2], func(tx bot.Tx) error {
			for _, op := range all[i:min(i+10, len(all))] {
				if err := tx.EnqueueOp(ctx, op); err != nil {
					return err
				}
			}
			return nil
		})
	}

	log := &sendLog{sent: map[int64]int{}, order: map[string][]int64{}}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range stores {
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker(wctx, t, s, log, rand.New(rand.NewPCG(uint64(i), uint64(w))))
			}()
		}
	}
	wg.Wait()
	if wctx.Err() != nil {
		t.Fatal("workers did not drain the outbox in time")
	}

	for _, op := range all {
		if n := log.sent[op.ID]; n != 1 {
			t.Errorf("op %d (%s) sent %d times, want 1", op.ID, op.IncidentKey, n)
		}
	}
	for key, ids := range log.order {
		gens := map[int][]int64{}
		for _, id := range ids {
			for _, op := range all {
				if op.ID == id {
					gens[op.Generation] = append(gens[op.Generation], id)
				}
			}
		}
		for g, got := range gens {
			if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i] < got[j] }) {
				t.Errorf("%s generation %d sent out of order: %v", key, g, got)
			}
		}
	}
}

// worker is the bot's outbox loop reduced to its store calls.
func worker(ctx context.Context, t *testing.T, s bot.Store, log *sendLog, rnd *rand.Rand) {
	for ctx.Err() == nil {
		var ready []*bot.Op
		var left int
		err := s.View(ctx, func(tx bot.Tx) error {
			var err error
			if ready, err = tx.ReadyOps(ctx, t0.Add(time.Hour), 4); err != nil {
				return err
			}
			p, err := tx.CountOps(ctx, bot.OpPending)
			q, err2 := tx.CountOps(ctx, bot.OpSending)
			left = p + q
			return errors.Join(err, err2)
		})
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("read ready ops: %v", err)
			}
			return
		}
		if left == 0 {
			return
		}
		if len(ready) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		err = s.Update(ctx, func(tx bot.Tx) error {
			for i, op := range ready {
				got, err := tx.ClaimOp(ctx, op.ID, op.NextAttemptAt)
				if err != nil {
					return err
				}
				ready[i] = got
			}
			return nil
		})
		if errors.Is(err, bot.ErrConflict) || errors.Is(err, bot.ErrBusy) {
			continue // another worker got there first
		}
		if err != nil {
			t.Errorf("claim: %v", err)
			return
		}
		for _, op := range ready {
			if rnd.IntN(5) == 0 {
				op.State, op.Attempts = bot.OpPending, op.Attempts+1
				continue
			}
			log.mu.Lock()
			log.sent[op.ID]++
			log.order[op.IncidentKey] = append(log.order[op.IncidentKey], op.ID)
			log.mu.Unlock()
			op.State, op.SlackTS = bot.OpDone, fmt.Sprint(op.ID)
		}
		if err := s.Update(context.Background(), func(tx bot.Tx) error {
			for _, op := range ready {
				if err := tx.UpdateOp(ctx, op); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Errorf("record outcomes: %v", err)
			return
		}
	}
}

// replica is one bot process: its own Store (pool) and Bot, sharing the
// database and the fake Slack with the others.
type replica struct {
	store *postgres.Store
	bot   *bot.Bot
	stop  func()
}

// startReplica starts a replica named id (its claims' claimed_by: two
// live replicas never share one), posting to fake through poster if given.
func startReplica(t *testing.T, dsn, id string, fake *slacktest.Server, poster bot.Poster, opts ...postgres.Option) *replica {
	t.Helper()
	return startReplicaWith(t, dsn, id, fake, poster, nil, opts...)
}

// startReplicaWith is startReplica with the bot's options changed by tune.
func startReplicaWith(t *testing.T, dsn, id string, fake *slacktest.Server, poster bot.Poster, tune func(*bot.Options), opts ...postgres.Option) *replica {
	t.Helper()
	s := open(t, dsn, append([]postgres.Option{postgres.WithReplicaID(id)}, opts...)...)
	if poster == nil {
		poster = newPoster(fake)
	}
	opt := bot.Options{
		Store: s, Poster: poster, Logger: testLogger(),
		Channel: "#ops", ChannelRate: 200, ChannelBurst: 50, Senders: 4,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, CallTimeout: 5 * time.Second,
	}
	if tune != nil {
		tune(&opt)
	}
	b, err := bot.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	r := &replica{store: s, bot: b}
	r.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("outbox worker did not stop")
		}
	})
	t.Cleanup(r.stop)
	return r
}

func newPoster(fake *slacktest.Server) bot.Poster {
	return slack.New(slack.Options{Token: "xoxb-test", APIURL: fake.URL()})
}

func groupDelivery(key string, n int, status bot.Status) bot.Delivery {
	var alerts []bot.Alert
	var parts []string
	for j := range n {
		a := bot.Alert{
			Name: "KubeCPUOvercommit", Fingerprint: fmt.Sprintf("fp-%d", j), Status: status,
			Labels:  map[string]string{"alertname": "KubeCPUOvercommit", "instance": fmt.Sprintf("node-%d", j)},
			Summary: "CPU overcommitted", StartsAt: t0,
		}
		if status == bot.StatusResolved {
			a.EndsAt = t0.Add(time.Hour)
		}
		alerts = append(alerts, a)
		parts = append(parts, a.Fingerprint+":"+string(status))
	}
	return bot.Delivery{
		Source: "alertmanager", ContentKey: key + "|" + strings.Join(parts, ","),
		Events: []bot.Event{{
			Source: "alertmanager", Key: key, Kind: bot.KindAlerts, Status: status, Title: "KubeCPUOvercommit",
			Severity: bot.SeverityCritical, Labels: map[string]string{"alertname": "KubeCPUOvercommit", "team": "platform"},
			Alerts: alerts, At: time.Now(),
		}},
	}
}

// TestReplicasAcceptSameDeliveries is Alertmanager in HA behind a load
// balancer: every notification reaches both bot replicas at the same moment.
// Each must take effect once: one incident, one parent message, one reply
// per real change, no message posted twice, while both replicas' workers
// drain the shared outbox to Slack.
func TestReplicasAcceptSameDeliveries(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	fake := slacktest.New(t)
	reps := []*replica{startReplica(t, dsn, "a", fake, nil), startReplica(t, dsn, "b", fake, nil)}
	const groups = 12
	steps := [][2]any{{1, bot.StatusFiring}, {2, bot.StatusFiring}, {3, bot.StatusFiring}, {3, bot.StatusResolved}}
	for _, st := range steps {
		var wg sync.WaitGroup
		for g := range groups {
			d := groupDelivery(fmt.Sprintf("alertmanager/web/g%02d", g), st[0].(int), st[1].(bot.Status))
			for _, r := range reps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					for try := 0; try < 20; try++ {
						// An overloaded replica answers 503; Alertmanager retries.
						if err = r.bot.Accept(context.Background(), d); !errors.Is(err, bot.ErrOverloaded) {
							break
						}
						time.Sleep(50 * time.Millisecond)
					}
					if err != nil {
						t.Errorf("Accept: %v", err)
					}
				}()
			}
		}
		wg.Wait()
	}

	waitDrained(t, fake, reps[0].store)
	for _, r := range reps {
		r.stop()
	}

	parents := fake.Parents()
	if len(parents) != groups {
		t.Errorf("parent messages = %d, want %d (one per incident)\n%s", len(parents), groups, fake.Dump())
	}
	markers := map[string]int{}
	for _, c := range fake.SuccessfulCalls("chat.postMessage") {
		if c.Metadata != nil {
			markers[c.Metadata.EventType+" "+fmt.Sprint(c.Metadata.EventPayload["id"])]++
		}
	}
	for m, n := range markers {
		if n != 1 {
			t.Errorf("message %s posted %d times", m, n)
		}
	}
	ctx := context.Background()
	update(t, reps[1].store, func(tx bot.Tx) error {
		incs, err := tx.ListIncidents(ctx, false, 100)
		if err != nil {
			return err
		}
		if len(incs) != groups {
			t.Errorf("incidents = %d, want %d", len(incs), groups)
		}
		for _, inc := range incs {
			if inc.Generation != 1 || inc.Status != bot.StatusResolved {
				t.Errorf("%s: generation %d status %s, want 1 resolved", inc.Key, inc.Generation, inc.Status)
			}
			ops, err := tx.ListOps(ctx, inc.Key)
			if err != nil {
				return err
			}
			posts := 0
			for _, op := range ops {
				if op.Kind == bot.OpPostParent {
					posts++
				}
				if op.State != bot.OpDone {
					t.Errorf("%s op %d %s ended %s: %s", inc.Key, op.ID, op.Kind, op.State, op.LastError)
				}
			}
			if posts != 1 {
				t.Errorf("%s: %d parent posts queued, want 1", inc.Key, posts)
			}
			// Each reply reports changes at most once: a delivery applied
			// twice would repeat "alert added" lines.
			seen := map[string]bool{}
			for _, p := range parents {
				for _, m := range fake.Replies(p.TS) {
					if seen[p.TS+m.Text] {
						t.Errorf("reply repeated in thread %s: %q", p.TS, m.Text)
					}
					seen[p.TS+m.Text] = true
				}
			}
		}
		return nil
	})
}

// TestNextDueLeaseExpiry: while replica a holds an op, replica b's NextDue
// names the moment a's lease runs out, on b's clock, so b's worker wakes to
// take the op over if a died; a itself is not woken by its own claim.
//
// Regression: NextDue looked at pending ops only, so after a replica died
// mid-call the others slept until some unrelated work woke them (up to the
// worker's 30 s idle wait past the lease).
func TestNextDueLeaseExpiry(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	ctx := context.Background()
	const lease = 30 * time.Second
	a := open(t, dsn, postgres.WithReplicaID("a"), postgres.WithLease(lease))
	b := open(t, dsn, postgres.WithReplicaID("b"))
	op := pendingOp("dead", 1, "1")
	update(t, a, func(tx bot.Tx) error { return tx.EnqueueOp(ctx, op) })
	update(t, a, func(tx bot.Tx) error {
		_, err := tx.ClaimOp(ctx, op.ID, op.NextAttemptAt)
		return err
	})
	// b's clock is far from the server's: the answer is relative to it.
	now := t0.Add(-72 * time.Hour)
	var next time.Time
	var ok bool
	if err := b.View(ctx, func(tx bot.Tx) (err error) {
		next, ok, err = tx.NextDue(ctx, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("NextDue on replica b = none while replica a holds an op under a lease")
	}
	if d := next.Sub(now); d <= 0 || d > lease {
		t.Errorf("NextDue on replica b = now+%v, want within the lease (%v)", d, lease)
	}
	if err := a.View(ctx, func(tx bot.Tx) (err error) {
		_, ok, err = tx.NextDue(ctx, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("NextDue on replica a counts its own claim's lease")
	}
}

// waitDrained waits until no op is pending or being sent, as seen by one
// replica's store (they share the database).
func waitDrained(t *testing.T, fake *slacktest.Server, store bot.Store) {
	t.Helper()
	fake.WaitFor(t, 2*time.Minute, "the outbox to drain", func(*slacktest.Server) bool {
		var n int
		err := store.View(context.Background(), func(tx bot.Tx) error {
			p, err := tx.CountOps(context.Background(), bot.OpPending)
			s, err2 := tx.CountOps(context.Background(), bot.OpSending)
			n = p + s
			return errors.Join(err, err2)
		})
		return err == nil && n == 0
	})
}
