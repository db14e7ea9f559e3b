package postgres_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/jackc/pgx/v5"
)

var soakFor = flag.Duration("soak", 0, "how long TestSoak offers webhooks (default 30s, or COMPASS_SOAK)")

// soakDuration is -soak, else COMPASS_SOAK, else 30 seconds: bounded for
// CI, longer on demand (go test -run TestSoak -soak 10m ./bot/postgres).
func soakDuration(t *testing.T) time.Duration {
	if *soakFor > 0 {
		return *soakFor
	}
	if v := os.Getenv("COMPASS_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("COMPASS_SOAK: %v", err)
		}
		return d
	}
	return 30 * time.Second
}

// giveUps counts the outbox's log records that mean a message was lost.
type giveUps struct{ n atomic.Int64 }

var lossMessages = []string{"op dropped", "giving up", "Slack refused the call", "Slack call failed and the incident has recurred"}

func (g *giveUps) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (g *giveUps) Handle(_ context.Context, r slog.Record) error {
	for _, m := range lossMessages {
		if strings.HasPrefix(r.Message, m) {
			g.n.Add(1)
		}
	}
	return nil
}
func (g *giveUps) WithAttrs([]slog.Attr) slog.Handler { return g }
func (g *giveUps) WithGroup(string) slog.Handler      { return g }

const soakShards = 8

// soakDelivery is an alert group's notification: n alerts in status, in
// shard's channel.
func soakDelivery(key string, shard, n int, status bot.Status) bot.Delivery {
	d := groupDelivery(key, n, status)
	d.Events[0].Labels = map[string]string{"alertname": "KubeCPUOvercommit", "shard": fmt.Sprint(shard)}
	return d
}

// soakCluster is the replicas under test and the load's view of them.
type soakCluster struct {
	t      *testing.T
	dsn    string
	fake   *slacktest.Server
	losses *giveUps
	mu     sync.Mutex
	live   map[string]*replica
	rr     int
}

const soakLease = 2 * time.Second

func (c *soakCluster) start(id string) {
	routes := make([]bot.Route, soakShards)
	for i := range routes {
		routes[i] = bot.Route{Match: map[string]string{"shard": fmt.Sprint(i)}, Channel: fmt.Sprintf("#soak-%d", i)}
	}
	r := startReplicaWith(c.t, c.dsn, id, c.fake, nil, func(o *bot.Options) {
		o.Logger = slog.New(c.losses)
		o.Routes, o.ChannelRate, o.ChannelBurst = routes, 20, 5
		o.BackoffBase, o.BackoffMax = 50*time.Millisecond, time.Second
		o.Retention = 3 * time.Second // pruned while the soak runs
	}, postgres.WithLease(soakLease))
	c.mu.Lock()
	c.live[id] = r
	c.mu.Unlock()
}

// kill takes replica id off the database mid-work, as SIGKILL would: its
// pool closes under calls in flight, which it can then not record.
func (c *soakCluster) kill(id string) {
	c.mu.Lock()
	r := c.live[id]
	delete(c.live, id)
	c.mu.Unlock()
	r.store.Close()
	r.stop()
}

// send delivers d to a live replica, trying the others (as Alertmanager
// retries) when one fails.
func (c *soakCluster) send(d bot.Delivery) error {
	var err error
	for try := 0; try < 40; try++ {
		c.mu.Lock()
		var reps []*replica
		for _, r := range c.live {
			reps = append(reps, r)
		}
		c.rr++
		c.mu.Unlock()
		if len(reps) > 0 {
			if err = reps[c.rr%len(reps)].bot.Accept(context.Background(), d); err == nil {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// soakSample is the resource use at one moment.
type soakSample struct {
	at         time.Duration
	heap       uint64
	goroutines int
	rows       int64
	bytes      int64
}

func (c *soakCluster) sample(start time.Time) soakSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := soakSample{at: time.Since(start).Round(time.Second), heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine()}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		c.t.Errorf("measure the database: %v", err)
		return s
	}
	defer conn.Close(ctx)
	// Space of deleted rows is reused after a vacuum. Production servers
	// run autovacuum; test servers may not (CI's has it off), so vacuum
	// here as it would.
	if _, err := conn.Exec(ctx, `VACUUM incidents, threads, deliveries, outbox`); err != nil {
		c.t.Errorf("vacuum: %v", err)
	}
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM incidents) + (SELECT count(*) FROM threads) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM outbox),
		pg_total_relation_size('incidents') + pg_total_relation_size('threads') + pg_total_relation_size('deliveries') + pg_total_relation_size('outbox')`).
		Scan(&s.rows, &s.bytes)
	if err != nil {
		c.t.Errorf("measure the database: %v", err)
	}
	return s
}

// soakCheck is what the verifier found.
type soakCheck struct {
	incidents, lost, duplicates, messages, failedCalls int
	problems                                           []string
}

// verify checks one finished incident in Slack: one parent, showing it
// resolved; when the parent was first posted firing, one resolution
// broadcast in its thread; no reply twice. Then the fake forgets it.
func (c *soakCluster) verify(key string, res *soakCheck) {
	marker := key + "#1"
	var parents, broadcasts int
	resolved := false
	replies := map[string]int{}
	for _, m := range c.fake.Messages() {
		if m.Metadata == nil {
			continue
		}
		id := fmt.Sprint(m.Metadata.EventPayload["id"])
		switch {
		case id == marker:
			parents++
			resolved = strings.Contains(m.Text, "RESOLVED")
		case strings.HasPrefix(id, marker+"#"):
			replies[id]++
			if m.Broadcast {
				broadcasts++
			}
		}
	}
	postedFiring := false
	for _, call := range c.fake.Calls() {
		if call.Metadata == nil || !strings.HasPrefix(fmt.Sprint(call.Metadata.EventPayload["id"]), marker) {
			continue
		}
		if !call.OK() {
			res.failedCalls++
		} else if call.Method == "chat.postMessage" && fmt.Sprint(call.Metadata.EventPayload["id"]) == marker {
			postedFiring = postedFiring || strings.Contains(call.Text, "FIRING")
		}
	}
	res.incidents++
	res.messages += parents + len(replies)
	problem := func(f string, args ...any) { res.problems = append(res.problems, key+": "+fmt.Sprintf(f, args...)) }
	switch {
	case parents == 0:
		res.lost++
		problem("no parent")
	case parents > 1:
		res.duplicates += parents - 1
		problem("%d parents", parents)
	case !resolved:
		res.lost++
		problem("parent does not show RESOLVED")
	case postedFiring && broadcasts != 1:
		res.lost++
		problem("%d resolution broadcasts, want 1", broadcasts)
	}
	for id, n := range replies {
		if n > 1 {
			res.duplicates += n - 1
			problem("reply %s posted %d times", id, n)
		}
	}
	c.fake.Forget(key + "#")
}

// drained reports whether no op is pending or sending.
func (c *soakCluster) drained() bool {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`).Scan(&n)
	return err == nil && n == 0
}

// TestSoak offers webhooks at a steady rate to two replicas while Slack
// answers 429 or 500 at random, kills one replica mid-work and restarts it
// with the same id, and checks that nothing was lost or sent twice, and
// that memory and the database stay flat (retention prunes resolved
// incidents). Figures are logged (go test -v).
func TestSoak(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	total := soakDuration(t)
	c := &soakCluster{t: t, dsn: dsn, fake: slacktest.New(t), losses: &giveUps{}, live: map[string]*replica{}}
	c.fake.FailRandomly(0.1, 1, slacktest.RateLimited, slacktest.ServerError, slacktest.ServerError)
	c.start("a")
	c.start("b")

	const rate, active = 10, 12 // webhooks per second; incidents open at once
	type incident struct {
		key   string
		shard int
		step  int
	}
	var (
		seq      int
		open     []*incident
		finished []string // keys, in the order they resolved
		doneAt   = map[string]time.Time{}
		res      soakCheck
		samples  []soakSample
		checked  int
		sent     int
	)
	newIncident := func() *incident {
		seq++
		return &incident{key: fmt.Sprintf("alertmanager/soak/i%05d", seq), shard: seq % soakShards}
	}
	for range active {
		open = append(open, newIncident())
	}
	start := time.Now()
	killAt, restartAt := total/3, total/3+3*soakLease
	killed, restarted := false, false
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	for n := 0; time.Since(start) < total; n++ {
		<-tick.C
		el := time.Since(start)
		if !killed && el >= killAt {
			killed = true
			c.kill("b")
		}
		if !restarted && el >= restartAt {
			restarted = true
			c.start("b")
		}
		inc := open[n%active]
		var d bot.Delivery
		switch inc.step {
		case 0, 1:
			d = soakDelivery(inc.key, inc.shard, inc.step+1, bot.StatusFiring)
		default:
			d = soakDelivery(inc.key, inc.shard, 2, bot.StatusResolved)
		}
		if err := c.send(d); err != nil {
			t.Errorf("webhook for %s refused by every replica: %v", inc.key, err)
		}
		sent++
		if inc.step++; inc.step == 3 {
			finished = append(finished, inc.key)
			doneAt[inc.key] = time.Now()
			open[n%active] = newIncident()
		}
		if n%(5*rate) == 0 {
			samples = append(samples, c.sample(start))
			// Check (and let the fake forget) incidents settled long ago.
			for checked < len(finished) && time.Since(doneAt[finished[checked]]) > 15*time.Second {
				c.verify(finished[checked], &res)
				checked++
			}
		}
	}
	c.fake.FailRandomly(0, 1)
	c.fake.WaitFor(t, 2*time.Minute, "the outbox to drain", func(*slacktest.Server) bool { return c.drained() })
	for ; checked < len(finished); checked++ {
		c.verify(finished[checked], &res)
	}
	samples = append(samples, c.sample(start))
	reportSoak(t, total, sent, res, samples, c.losses.n.Load())
}

// reportSoak logs the figures and fails on loss, duplicates or growth.
func reportSoak(t *testing.T, total time.Duration, sent int, res soakCheck, samples []soakSample, giveUps int64) {
	t.Logf("soak %v: %d webhooks, %d incidents, %d messages, %d Slack calls failed (429/500), replica b killed at %v and restarted",
		total, sent, res.incidents, res.messages, res.failedCalls, total/3)
	t.Logf("lost %d, duplicates %d, ops given up %d", res.lost, res.duplicates, giveUps)
	for _, s := range samples {
		t.Logf("  at %6v: heap %5.1f MB, %4d goroutines, %5d rows, %6.0f kB on disk", s.at, float64(s.heap)/1e6, s.goroutines, s.rows, float64(s.bytes)/1e3)
	}
	for _, p := range res.problems {
		t.Error(p)
	}
	if res.lost > 0 || res.duplicates > 0 || giveUps > 0 {
		t.Errorf("lost %d, duplicates %d, ops given up %d; want 0", res.lost, res.duplicates, giveUps)
	}
	if res.failedCalls == 0 {
		t.Error("Slack never failed a call: the soak tested nothing")
	}
	// Flat: after warming up (a third of the run), neither memory nor the
	// database grows by more than half again (plus slack for noise).
	warm := samples[len(samples)/3]
	last := samples[len(samples)-1]
	if last.heap > warm.heap*3/2+8<<20 {
		t.Errorf("heap grew from %d to %d bytes", warm.heap, last.heap)
	}
	if last.rows > warm.rows*3/2+200 {
		t.Errorf("database rows grew from %d to %d", warm.rows, last.rows)
	}
	if last.bytes > warm.bytes*3/2+256<<10 {
		t.Errorf("database size grew from %d to %d bytes", warm.bytes, last.bytes)
	}
}
