package bot

import (
	"context"
	"fmt"
	"time"
)

// Marker types: the metadata event types on messages the bot posts.
const (
	MarkerParent = "compass_incident" // ID: "{key}#{generation}"
	MarkerReply  = "compass_reply"    // ID: "{key}#{generation}#{op id}"
)

// The outbox worker sends every op through four stages, each in its own
// function with its own test, in the spirit of Alertmanager's notify
// pipeline:
//
//	scan       ready ops, head of their incident's queue (store read)
//	limit      per-channel token buckets and Retry-After pauses (limit.go)
//	claim      mark ops sending, render their messages (claim.go)
//	send       the Slack call, on its own goroutine (send.go)
//	record     decide each outcome, store it, reset backoff (record.go)
//
// Run is the loop that moves ops between them; worker holds the loop's
// state.

// Timings of the worker loop.
const (
	// idle is the longest the worker sleeps with nothing due.
	idle = 30 * time.Second
	// countEvery is how often the worker recounts the outbox (pending and
	// sending ops, every replica's) for Accept's MaxPending check. It is
	// also the longest sleep: other replicas queue ops (and send this
	// one's) without waking this worker.
	countEvery = time.Second
	// scanEvery is the shortest time between two scans for ready ops when
	// the worker is woken by new work.
	scanEvery = 20 * time.Millisecond
	// rescanSoon is how soon the worker looks again after a claim that
	// lost a race or dropped an op: the op's incident may have a next op
	// ready, and a lost race is routine with several replicas.
	rescanSoon = 10 * time.Millisecond
)

// worker is the state of one Run loop. Only the Run goroutine touches it.
type worker struct {
	b          *Bot
	results    chan result
	inflight   map[int64]bool // ops in a Slack call
	unrecorded []result       // outcomes the store failed to record; retried
	wait       time.Duration  // how long to sleep after this turn

	lastCount, lastRefresh, lastPrune, lastBeat time.Time
}

// Run sends the outbox to Slack until ctx ends: ops in per-incident order,
// at most ChannelRate messages per second per channel, Senders calls at a
// time, retrying temporary failures with backoff until they succeed or
// MaxAge passes. Ops interrupted by a stop are resumed by the next Run on
// the same store.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.recoverOps(ctx); err != nil {
		return fmt.Errorf("start outbox: %w", err)
	}
	b.buckets, b.failing = map[string]*bucket{}, map[string]bool{}
	w := &worker{b: b, results: make(chan result, b.opt.Senders), inflight: map[int64]bool{}}
	w.recount(ctx, b.now())
	b.outlog.Info("outbox worker started", "outbox_pending", b.pending.Load())
	for ctx.Err() == nil {
		now := b.now()
		w.wait = idle
		w.housekeep(ctx, now)
		if len(w.unrecorded) > 0 {
			if b.record(w.unrecorded) {
				w.unrecorded = nil
			} else {
				w.wait = time.Second
			}
		}
		var ops []*Op
		if len(w.inflight) < b.opt.Senders {
			ops = w.scan(ctx, now)
		}
		batch, wait := b.limit(ops, b.opt.Senders-len(w.inflight), now)
		w.wait = min(w.wait, wait)
		w.dispatch(ctx, batch)
		w.sleep(ctx, now)
	}
	w.stop()
	b.outlog.Info("outbox worker stopped")
	return nil
}

// recoverOps puts back ops a stopped process left sending.
func (b *Bot) recoverOps(ctx context.Context) error {
	return b.store.Update(ctx, func(tx Tx) error {
		n, err := tx.RecoverOps(ctx)
		if err == nil && n > 0 {
			b.outlog.Info("resuming ops interrupted by the last stop", "ops", n)
		}
		return err
	})
}

// housekeep does what the worker does on a clock rather than per op:
// recount the outbox, queue parent refreshes, prune, renew leases.
func (w *worker) housekeep(ctx context.Context, now time.Time) {
	b := w.b
	if due(now, w.lastCount, countEvery) {
		w.recount(ctx, now)
	}
	if every := min(b.opt.RefreshInterval, time.Minute); every > 0 && due(now, w.lastRefresh, every) {
		w.lastRefresh = now
		b.refreshParents(ctx, now)
	}
	// Prune hourly, and at least twice per retention period.
	if due(now, w.lastPrune, min(time.Hour, b.opt.Retention/2)) {
		w.lastPrune = now
		b.prune(ctx, now)
	}
	w.heartbeat(ctx, now)
}

// due reports whether every has passed since last (or the clock went back).
func due(now, last time.Time, every time.Duration) bool {
	return now.Sub(last) >= every || now.Before(last)
}

// recount counts the outbox afresh: other replicas accept into and send
// from the same outbox, so this replica's own additions and sends drift
// from the truth. It counts under countMu, so that the count cannot land
// between an Accept's commit and its pending.Add.
func (w *worker) recount(ctx context.Context, now time.Time) {
	b := w.b
	w.lastCount = now
	b.countMu.Lock()
	n, err := b.countUnfinished(ctx)
	if err == nil {
		b.pending.Store(int64(n))
	}
	b.countMu.Unlock()
	if err != nil && ctx.Err() == nil {
		b.outlog.Warn("count unfinished ops", "error", err) // counted again next turn
	}
}

// heartbeat renews the leases of ops in a Slack call every third of the
// lease, in a store with leases, so that only a dead replica's ops are taken
// over.
func (w *worker) heartbeat(ctx context.Context, now time.Time) {
	l, ok := w.b.store.(Leaser)
	if !ok || len(w.inflight) == 0 {
		return
	}
	if !due(now, w.lastBeat, l.Lease()/3) {
		return
	}
	w.lastBeat = now
	ids := make([]int64, 0, len(w.inflight))
	for id := range w.inflight {
		ids = append(ids, id)
	}
	if err := l.RenewLeases(ctx, ids); err != nil && ctx.Err() == nil {
		w.b.outlog.Warn("renew leases of calls in flight", "ops", len(ids), "error", err)
	}
}

// scan reads the ops ready now; with none, it sets the wait to when the
// next one is due.
func (w *worker) scan(ctx context.Context, now time.Time) []*Op {
	var ops []*Op
	err := w.b.store.View(ctx, func(tx Tx) error {
		var err error
		ops, err = tx.ReadyOps(ctx, now, 256)
		if err != nil || len(ops) > 0 {
			return err
		}
		next, ok, err := tx.NextDue(ctx, now)
		if err == nil && ok {
			w.wait = min(w.wait, max(next.Sub(now), time.Millisecond))
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		w.b.outlog.Error("read ready ops", "error", err)
		w.wait = min(w.wait, time.Second)
	}
	return ops
}

// dispatch claims batch and starts a Slack call for each op claimed.
func (w *worker) dispatch(ctx context.Context, batch []*Op) {
	if len(batch) == 0 {
		return
	}
	b := w.b
	c, err := b.claim(ctx, batch)
	if err != nil {
		c.lost = batch
		w.wait = min(w.wait, b.claimFailed(ctx, err))
	}
	for _, op := range c.lost {
		// Not sent: give the rate limit token back.
		b.refund(b.bucket(op.Channel))
	}
	if err == nil && (len(c.lost) > 0 || c.dropped > 0) {
		// A lost op may be ready again (retried, or a merge finished); a
		// dropped op's next one may be ready now.
		w.wait = min(w.wait, rescanSoon)
	}
	for _, j := range c.jobs {
		w.inflight[j.op.ID] = true
		go func() { w.results <- b.send(ctx, j) }()
	}
}

// sleep waits until the next turn: w.wait passed, new work woke the worker,
// or Slack calls came back (whose outcomes it records first).
func (w *worker) sleep(ctx context.Context, now time.Time) {
	b := w.b
	if len(w.inflight) >= b.opt.Senders {
		w.wait = idle // no token or due op can be used until a result is back
	}
	if l, ok := b.store.(Leaser); ok && len(w.inflight) > 0 {
		w.wait = min(w.wait, l.Lease()/3) // the next heartbeat
	}
	timer := time.NewTimer(min(w.wait, countEvery))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-b.wake:
		// Webhooks wake the worker in bursts; one scan per few
		// milliseconds serves them all and leaves the store to Accept.
		if d := scanEvery - b.now().Sub(now); d > 0 {
			pause := time.NewTimer(d)
			select {
			case <-pause.C:
			case <-ctx.Done():
			}
			pause.Stop()
		}
	case r := <-w.results:
		w.collect(r)
	case <-timer.C:
	}
}

// collect records r and any other results already back.
func (w *worker) collect(r result) {
	rs := []result{r}
	for more := true; more; {
		select {
		case r := <-w.results:
			rs = append(rs, r)
		default:
			more = false
		}
	}
	for _, r := range rs {
		delete(w.inflight, r.job.op.ID)
	}
	if !w.b.record(rs) {
		w.unrecorded = append(w.unrecorded, rs...)
	}
}

// stop lets the calls in flight end (they see ctx too) and records them.
func (w *worker) stop() {
	for len(w.inflight) > 0 {
		r := <-w.results
		delete(w.inflight, r.job.op.ID)
		w.unrecorded = append(w.unrecorded, r)
	}
	if len(w.unrecorded) > 0 {
		w.b.record(w.unrecorded)
	}
}

// countUnfinished counts the ops waiting for or in a Slack call, whichever
// replica queued or holds them.
func (b *Bot) countUnfinished(ctx context.Context) (int, error) {
	var n int
	err := b.store.View(ctx, func(tx Tx) error {
		p, err := tx.CountOps(ctx, OpPending)
		if err != nil {
			return err
		}
		s, err := tx.CountOps(ctx, OpSending)
		n = p + s
		return err
	})
	return n, err
}

// maxRefresh bounds the parent refreshes queued per look: with many open
// incidents, the rest wait for the next look rather than flooding Slack.
const maxRefresh = 100

// refreshParents queues a parent update for open incidents whose parent has
// not been updated for RefreshInterval, so "Open for" keeps up while nothing
// else changes. An update already queued absorbs it (FindPendingOp, which
// in Postgres also makes replicas doing this at once queue one between
// them); each open incident costs at most one chat.update per interval.
func (b *Bot) refreshParents(ctx context.Context, now time.Time) {
	added := 0
	err := b.store.Update(ctx, func(tx Tx) error {
		added = 0
		stale, err := tx.StaleParents(ctx, now.Add(-b.opt.RefreshInterval), maxRefresh)
		if err != nil {
			return err
		}
		for _, inc := range stale {
			queued, err := b.queueParentUpdate(ctx, tx, inc.Key, inc.Generation, inc.Thread.Channel)
			if err != nil {
				return err
			}
			if queued {
				added++
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			b.outlog.Warn("queue parent refreshes", "error", err)
		}
		return
	}
	if added > 0 {
		b.pending.Add(int64(added))
		b.outlog.Debug("parent refreshes queued for open incidents", "incidents", added)
	}
}

// prune forgets what Retention no longer keeps: resolved incidents with
// their ops and threads, deliveries, finished ops.
func (b *Bot) prune(ctx context.Context, now time.Time) {
	before := now.Add(-b.opt.Retention)
	b.forgetResolved(before)
	err := b.store.Update(ctx, func(tx Tx) error {
		n, err := tx.Prune(ctx, before)
		if n > 0 {
			b.outlog.Info("pruned resolved incidents, old deliveries and finished ops", "rows", n, "retention", b.opt.Retention.String())
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.outlog.Warn("prune", "error", err)
	}
}
