package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slacktest"
)

// stuckPoster is a Poster whose first PostMessage never returns (whatever
// its context says) until released: a replica stuck mid-call, as one that
// was killed is, as far as the database can tell.
type stuckPoster struct {
	bot.Poster
	once    sync.Once
	entered chan struct{} // closed when the stuck call starts
	release chan struct{}
}

func newStuckPoster(p bot.Poster) *stuckPoster {
	return &stuckPoster{Poster: p, entered: make(chan struct{}), release: make(chan struct{})}
}

func (p *stuckPoster) PostMessage(ctx context.Context, channel string, msg bot.Message) (string, string, error) {
	stuck := false
	p.once.Do(func() { stuck = true; close(p.entered) })
	if stuck {
		<-p.release
		return "", "", context.Canceled
	}
	return p.Poster.PostMessage(ctx, channel, msg)
}

// killReplica takes a replica off the database as SIGKILL would: its pool
// closes, so it renews no lease and records nothing; its stuck call is
// released only when the test ends.
func killReplica(t *testing.T, r *replica, p *stuckPoster) {
	r.store.Close()
	t.Cleanup(func() { close(p.release) }) // runs before the replica's stop
}

// waitParent waits until fake holds a parent message and returns how long
// that took.
func waitParent(t *testing.T, fake *slacktest.Server, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	fake.WaitFor(t, timeout, "the parent message", func(s *slacktest.Server) bool { return len(s.Parents()) > 0 })
	return time.Since(start)
}

// TestKilledReplicaTakenOver: a replica dies mid-call holding a new
// incident's parent op; another replica posts the parent within one lease.
//
// Regression (#13): the op waited out a fixed 2-minute lease, and neither
// the lease nor the replica id could be set.
func TestKilledReplicaTakenOver(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	fake := slacktest.New(t)
	const lease = time.Second
	stuck := newStuckPoster(newPoster(fake))
	a := startReplica(t, dsn, "a", fake, stuck, postgres.WithLease(lease))
	if err := a.bot.Accept(context.Background(), groupDelivery("alertmanager/web/kill", 2, bot.StatusFiring)); err != nil {
		t.Fatal(err)
	}
	<-stuck.entered
	startReplica(t, dsn, "b", fake, nil, postgres.WithLease(lease))
	killReplica(t, a, stuck)
	// The lease runs out at most one lease after the last renewal; the
	// rest is the takeover itself, with room for a loaded CI machine.
	if took := waitParent(t, fake, 10*lease); took > lease+2*time.Second {
		t.Errorf("parent posted %v after the claimer died; want within one lease (%v) and two seconds", took, lease)
	}
	if n := len(fake.Parents()); n != 1 {
		t.Errorf("parents = %d, want 1", n)
	}
}

// TestLeaseRenewedWhileCalling: a live replica's call that lasts several
// leases keeps its claim (the heartbeat renews it); no other replica sends
// the op meanwhile.
func TestLeaseRenewedWhileCalling(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	fake := slacktest.New(t)
	const lease = time.Second
	slow := &slowPoster{Poster: newPoster(fake), delay: 3 * lease, entered: make(chan struct{})}
	a := startReplica(t, dsn, "a", fake, slow, postgres.WithLease(lease))
	if err := a.bot.Accept(context.Background(), groupDelivery("alertmanager/web/slow", 1, bot.StatusFiring)); err != nil {
		t.Fatal(err)
	}
	<-slow.entered
	startReplica(t, dsn, "b", fake, nil, postgres.WithLease(lease))
	waitParent(t, fake, 20*lease)
	time.Sleep(lease) // a takeover would show as a second call
	if calls := fake.Calls(); len(calls) != 1 {
		t.Errorf("Slack calls = %d, want 1: the op was taken over from a live replica\n%s", len(calls), fake.Dump())
	}
}

// slowPoster delays every post, as a slow Slack does.
type slowPoster struct {
	bot.Poster
	delay   time.Duration
	once    sync.Once
	entered chan struct{} // closed when the first call starts
}

func (p *slowPoster) PostMessage(ctx context.Context, channel string, msg bot.Message) (string, string, error) {
	p.once.Do(func() { close(p.entered) })
	time.Sleep(p.delay)
	return p.Poster.PostMessage(ctx, channel, msg)
}

// TestRestartedReplicaResumes: a replica restarted with the same id
// resumes the ops it held at once, without waiting out their lease.
func TestRestartedReplicaResumes(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	fake := slacktest.New(t)
	const lease = time.Minute
	stuck := newStuckPoster(newPoster(fake))
	a := startReplica(t, dsn, "a", fake, stuck, postgres.WithLease(lease))
	if err := a.bot.Accept(context.Background(), groupDelivery("alertmanager/web/restart", 2, bot.StatusFiring)); err != nil {
		t.Fatal(err)
	}
	<-stuck.entered
	killReplica(t, a, stuck)
	startReplica(t, dsn, "a", fake, nil, postgres.WithLease(lease))
	if took := waitParent(t, fake, 10*time.Second); took > 2*time.Second {
		t.Errorf("restarted replica posted the parent after %v; want at once (lease %v)", took, lease)
	}
}

// TestDefaultReplicaID: without WithReplicaID a replica is named after its
// host, so that a restarted pod resumes its own ops.
//
// Regression (#13): the id was random per process.
func TestDefaultReplicaID(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Fatalf("no host name to default to: %v", err)
	}
	if got := open(t, pgtest.SchemaDSN(t)).ReplicaID(); got != host {
		t.Errorf("ReplicaID = %q, want the host name %q", got, host)
	}
}
