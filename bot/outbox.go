package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"
)

// Marker types: the metadata event types on messages the bot posts.
const (
	MarkerParent = "compass_incident" // ID: "{key}#{generation}"
	MarkerReply  = "compass_reply"    // ID: "{key}#{generation}#{op id}"
)

// job is one claimed op with the message rendered for it.
type job struct {
	op       *Op
	msg      Message
	channel  string // where to send: the routed name for a parent post, the thread's channel ID after
	parentTS string // for replies and updates
	log      *slog.Logger
}

// result is what came back from Slack for a job.
type result struct {
	job     job
	channel string
	ts      string
	found   bool // the message was already there (an earlier attempt had landed)
	err     error
}

// bucket is a per-channel token bucket, with a pause for Retry-After.
type bucket struct {
	tokens float64
	last   time.Time
	until  time.Time // no calls before this (429 Retry-After)
}

// reserve takes a token if one is available now and returns 0, else returns
// how long until one will be.
func (b *Bot) reserve(bk *bucket, now time.Time) time.Duration {
	if now.Before(bk.until) {
		return bk.until.Sub(now)
	}
	if bk.last.IsZero() {
		bk.tokens = float64(b.opt.ChannelBurst)
	} else {
		bk.tokens = math.Min(float64(b.opt.ChannelBurst), bk.tokens+now.Sub(bk.last).Seconds()*b.opt.ChannelRate)
	}
	bk.last = now
	if bk.tokens >= 1 {
		bk.tokens--
		return 0
	}
	d := time.Duration((1 - bk.tokens) / b.opt.ChannelRate * float64(time.Second))
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
}

// refund returns a token reserve took for a call that was not made.
func (b *Bot) refund(bk *bucket) {
	bk.tokens = math.Min(float64(b.opt.ChannelBurst), bk.tokens+1)
}

// Run sends the outbox to Slack until ctx ends: ops in per-incident order,
// at most ChannelRate messages per second per channel, Senders calls at a
// time, retrying temporary failures with backoff. Ops interrupted by a stop
// are resumed by the next Run on the same store.
func (b *Bot) Run(ctx context.Context) error {
	err := b.store.Update(ctx, func(tx Tx) error {
		n, err := tx.RecoverOps(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			b.outlog.Info("resuming ops interrupted by the last stop", "ops", n)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("start outbox: %w", err)
	}
	// Count under countMu, like the loop's recounts: a count taken outside
	// it could land between an Accept's commit and its pending.Add.
	var lastPrune, lastCount, lastRefresh time.Time
	b.countMu.Lock()
	pending, err := b.countUnfinished(ctx)
	if err == nil {
		b.pending.Store(int64(pending))
		lastCount = b.now()
	}
	b.countMu.Unlock()
	if err != nil && ctx.Err() == nil {
		b.outlog.Warn("count unfinished ops", "error", err) // the loop counts again
	}
	b.outlog.Info("outbox worker started", "outbox_pending", pending)

	b.buckets = map[string]*bucket{}
	results := make(chan result, b.opt.Senders)
	inflight := 0
	var unfinished []result // outcomes the store failed to record; retried
	const idle = 30 * time.Second

	for {
		if ctx.Err() != nil {
			// Let in-flight calls end (they see ctx too) and record them.
			for inflight > 0 {
				unfinished = append(unfinished, <-results)
				inflight--
			}
			if len(unfinished) > 0 {
				b.finish(unfinished)
			}
			b.outlog.Info("outbox worker stopped")
			return nil
		}
		now := b.now()
		if now.Sub(lastCount) >= countEvery || now.Before(lastCount) {
			// Other replicas accept into and send from the same outbox:
			// this replica's own additions and sends drift from the truth.
			lastCount = now
			b.countMu.Lock()
			n, err := b.countUnfinished(ctx)
			if err == nil {
				b.pending.Store(int64(n))
			}
			b.countMu.Unlock()
			if err != nil && ctx.Err() == nil {
				b.outlog.Warn("count unfinished ops", "error", err)
			}
		}
		if every := min(b.opt.RefreshInterval, time.Minute); every > 0 && (now.Sub(lastRefresh) >= every || now.Before(lastRefresh)) {
			lastRefresh = now
			b.refreshParents(ctx, now)
		}
		if now.Sub(lastPrune) > time.Hour {
			lastPrune = now
			b.prune(ctx, now)
		}
		wait := idle
		if len(unfinished) > 0 {
			if b.finish(unfinished) {
				unfinished = nil
			} else {
				wait = time.Second
			}
		}
		var ops []*Op
		if inflight < b.opt.Senders {
			err := b.store.View(ctx, func(tx Tx) error {
				var err error
				ops, err = tx.ReadyOps(ctx, now, 256)
				if err != nil || len(ops) > 0 {
					return err
				}
				next, ok, err := tx.NextDue(ctx, now)
				if err == nil && ok {
					wait = min(wait, max(next.Sub(now), time.Millisecond))
				}
				return err
			})
			if err != nil && ctx.Err() == nil {
				b.outlog.Error("read ready ops", "error", err)
				wait = time.Second
			}
		}
		var batch []*Op
		for _, op := range ops {
			if inflight+len(batch) >= b.opt.Senders {
				break
			}
			if d := b.reserve(b.bucket(op.Channel), now); d > 0 {
				wait = min(wait, d)
				continue
			}
			batch = append(batch, op)
		}
		if len(batch) > 0 {
			c, err := b.claim(ctx, batch)
			switch {
			case err == nil:
			case ctx.Err() != nil:
			case errors.Is(err, ErrBusy) || errors.Is(err, ErrConflict):
				// Another writer held the rows or locks: routine with
				// several replicas.
				b.outlog.Debug("claim met another writer; rescanning", "error", err)
				c.lost = batch
				wait = min(wait, rescanSoon)
			default:
				b.outlog.Error("claim ops", "error", err)
				c.lost = batch
				wait = min(wait, time.Second)
			}
			for _, op := range c.lost {
				// Not sent: give the rate limit token back.
				b.refund(b.bucket(op.Channel))
			}
			if err == nil && (len(c.lost) > 0 || c.dropped > 0) {
				// A lost op may be ready again (retried, or a merge
				// finished); a dropped op's next one may be ready now.
				wait = min(wait, rescanSoon)
			}
			for _, j := range c.jobs {
				inflight++
				go func() { results <- b.send(ctx, j) }()
			}
		}
		if inflight >= b.opt.Senders {
			wait = idle
		}
		// Look again within countEvery even when idle: other replicas
		// queue ops (and send this one's) without waking this worker, so
		// the count Accept checks and the ops ready here (one a replica
		// that cannot reach Slack keeps retrying) are only seen by looking.
		wait = min(wait, countEvery)
		timer := time.NewTimer(wait)
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
		case r := <-results:
			rs := []result{r}
		drain:
			for {
				select {
				case r := <-results:
					rs = append(rs, r)
				default:
					break drain
				}
			}
			inflight -= len(rs)
			if !b.finish(rs) {
				unfinished = append(unfinished, rs...)
			}
		case <-timer.C:
		}
		timer.Stop()
	}
}

// countEvery is how often the worker recounts the outbox (pending and
// sending ops, every replica's) for Accept's MaxPending check.
const countEvery = time.Second

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

func (b *Bot) prune(ctx context.Context, now time.Time) {
	err := b.store.Update(ctx, func(tx Tx) error {
		n, err := tx.PruneDeliveries(ctx, now.Add(-b.opt.Retention))
		if n > 0 {
			b.outlog.Info("pruned old deliveries and finished ops", "rows", n)
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.outlog.Warn("prune", "error", err)
	}
}

// claimed is what claim made of a batch of ready ops.
type claimed struct {
	jobs    []job
	lost    []*Op // another worker claimed, retried or finished them first
	dropped int   // could not be sent (no incident, parent never posted); marked failed
}

// rescanSoon is how soon the worker looks again after a claim that lost a
// race or dropped an op: the op's incident may have a next op ready, and a
// lost race is routine with several replicas (or a merge in progress).
const rescanSoon = 10 * time.Millisecond

// claim marks ops as sending in one transaction, each only if it is still as
// ReadyOps returned it, and renders each message from the op as claimed
// (with changes merged into it since the read) and its incident's current
// state. Ops that moved on are skipped; ops that cannot be sent (the parent
// was never posted) are marked failed.
func (b *Bot) claim(ctx context.Context, ops []*Op) (claimed, error) {
	var c claimed
	var incs []*Incident
	err := b.store.Update(ctx, func(tx Tx) error {
		// The store may run this again (a deadlock between replicas): start
		// from scratch each time.
		c, incs = claimed{}, nil
		var got []*Op
		for _, read := range ops {
			op, err := tx.ClaimOp(ctx, read.ID, read.NextAttemptAt)
			if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
				c.lost = append(c.lost, read)
				continue
			}
			if err != nil {
				return fmt.Errorf("claim op %d: %w", read.ID, err)
			}
			inc, err := tx.FindGeneration(ctx, op.IncidentKey, op.Generation)
			switch {
			case errors.Is(err, ErrNotFound):
				op.State, op.LastError = OpFailed, "incident not found"
			case err != nil:
				return fmt.Errorf("op %d: %w", op.ID, err)
			case op.Kind != OpPostParent && inc.Thread.TS == "":
				op.State, op.LastError = OpFailed, "parent message was never posted"
			}
			if op.State == OpFailed {
				if err := tx.UpdateOp(ctx, op); err != nil {
					return err
				}
			}
			got = append(got, op)
			incs = append(incs, inc)
		}
		ops = got
		return nil
	})
	if err != nil {
		return claimed{}, err
	}
	for _, op := range c.lost {
		b.outlog.Debug("op moved on before the claim (another worker or a retry); skipped",
			"incident_key", op.IncidentKey, "generation", op.Generation, "op_id", op.ID, "op", op.Kind)
	}
	now := b.now()
	for i, op := range ops {
		inc := incs[i]
		log := b.outlog.With("incident_key", op.IncidentKey, "generation", op.Generation, "op_id", op.ID, "op", op.Kind, "channel", op.Channel)
		if op.State == OpFailed {
			b.pending.Add(-1)
			log.Error("op dropped", "error", op.LastError)
			c.dropped++
			continue
		}
		j := job{op: op, channel: inc.Thread.Channel, parentTS: inc.Thread.TS, log: log}
		switch op.Kind {
		case OpPostParent:
			j.channel = op.Channel
			j.msg = RenderParent(inc, b.links(inc), now)
		case OpUpdateParent:
			j.msg = RenderParent(inc, b.links(inc), now)
		case OpReply:
			var p ReplyPayload
			if err := json.Unmarshal(op.Payload, &p); err != nil {
				log.Error("bad reply payload", "error", err)
			}
			j.msg = RenderReply(inc, p, b.links(inc), now)
			j.msg.ThreadTS = inc.Thread.TS
			j.msg.Marker = Marker{Type: MarkerReply, ID: inc.Key + "#" + strconv.Itoa(inc.Generation) + "#" + strconv.FormatInt(op.ID, 10)}
		}
		c.jobs = append(c.jobs, j)
	}
	return c, nil
}

func (b *Bot) links(inc *Incident) []Link {
	if b.linker == nil {
		return nil
	}
	q := LinkQuery{AlertNames: inc.AlertNames(), Labels: routeLabels(inc), Severity: string(inc.Severity), Title: inc.Title}
	seen := map[string]bool{}
	for _, a := range inc.Alerts {
		if a.RunbookURL != "" && !seen[a.RunbookURL] {
			seen[a.RunbookURL] = true
			q.RunbookURLs = append(q.RunbookURLs, a.RunbookURL)
		}
	}
	return b.linker.Links(q)
}

// send makes the Slack call for j. It runs on its own goroutine and touches
// no shared state.
func (b *Bot) send(ctx context.Context, j job) result {
	cctx, cancel := context.WithTimeout(ctx, b.opt.CallTimeout)
	defer cancel()
	op := j.op
	switch op.Kind {
	case OpPostParent, OpReply:
		if op.MaybeSent {
			thread := ""
			if op.Kind == OpReply {
				thread = j.parentTS
			}
			ch, ts, err := b.poster.FindMessage(cctx, j.channel, thread, j.msg.Marker, op.CreatedAt.Add(-time.Minute))
			switch {
			case err == nil:
				return result{job: j, channel: ch, ts: ts, found: true}
			case errors.Is(err, ErrNotFound):
			default:
				pe := classify(err)
				if pe.Temporary {
					return result{job: j, err: err}
				}
				// We cannot look (missing scope, not in channel): post,
				// accepting a possible duplicate over a lost message.
				j.log.Warn("cannot check for an earlier post; posting again", "error", err)
			}
		}
		ch, ts, err := b.poster.PostMessage(cctx, j.channel, j.msg)
		return result{job: j, channel: ch, ts: ts, err: err}
	case OpUpdateParent:
		return result{job: j, channel: j.channel, ts: j.parentTS, err: b.poster.UpdateMessage(cctx, j.channel, j.parentTS, j.msg)}
	}
	return result{job: j, err: &PostError{Code: "unknown_op", Err: fmt.Errorf("unknown op kind %q", op.Kind)}}
}

// scanEvery is the shortest time between two scans for ready ops when the
// worker is woken by new work.
const scanEvery = 20 * time.Millisecond

// rerouteCodes are Slack errors after which a parent goes to the default
// channel instead.
var rerouteCodes = map[string]bool{"channel_not_found": true, "is_archived": true, "not_in_channel": true, "restricted_action": true}

// finish records the outcomes of finished jobs in one transaction. If the
// store fails, it returns false and the caller keeps the results to record
// later: until then their ops stay "sending" and nothing resends them.
func (b *Bot) finish(rs []result) bool {
	now := b.now()
	type outcome struct {
		r        result
		done     bool // leaves the queue (done or failed)
		followUp bool // a parent found in Slack needs an update
	}
	outs := make([]outcome, len(rs))
	for i, r := range rs {
		outs[i] = outcome{r: r}
		o := &outs[i]
		op, log := r.job.op, r.job.log
		if r.err == nil {
			op.State, op.SlackTS, op.LastError = OpDone, r.ts, ""
			o.done = true
			o.followUp = op.Kind == OpPostParent && r.found
			continue
		}
		pe := classify(r.err)
		op.LastError = pe.Error()
		switch {
		case errors.Is(r.err, context.Canceled):
			// Stopping mid-call: the call may have landed.
			op.State, op.MaybeSent = OpPending, true
		case pe.RetryAfter > 0:
			op.State = OpPending
			op.NextAttemptAt = now.Add(pe.RetryAfter)
			b.pauseChannel(op.Channel, op.NextAttemptAt)
			log.Warn("rate limited by Slack", "retry_after", pe.RetryAfter.String())
		case pe.Temporary:
			op.Attempts++
			op.MaybeSent = op.MaybeSent || op.Kind != OpUpdateParent
			if op.Attempts >= b.opt.MaxAttempts {
				op.State = OpFailed
				o.done = true
				log.Error("giving up after repeated failures", "attempts", op.Attempts, "error", r.err)
			} else {
				op.State = OpPending
				op.NextAttemptAt = now.Add(b.backoff(op.Attempts))
				log.Warn("Slack call failed; will retry", "attempts", op.Attempts, "next_attempt_at", op.NextAttemptAt, "error", r.err)
			}
		case op.Kind == OpPostParent && rerouteCodes[pe.Code] && b.opt.Channel != "" && op.Channel != b.opt.Channel:
			// The routed channel is gone or closed to us: better the
			// default channel than no thread at all.
			log.Error("cannot post to the routed channel; using the default channel", "default_channel", b.opt.Channel, "error", r.err)
			op.Channel = b.opt.Channel
			op.State = OpPending
			op.NextAttemptAt = now
		default:
			op.State = OpFailed
			o.done = true
			log.Error("Slack refused the call; not retrying", "error", r.err)
		}
	}
	// Record the outcomes even while stopping: a message that went out
	// must not be sent again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	added := 0
	err := b.store.Update(ctx, func(tx Tx) error {
		added = 0
		for _, o := range outs {
			op := o.r.job.op
			if op.Kind == OpPostParent && op.State == OpDone {
				if err := tx.SetThreadTS(ctx, op.IncidentKey, op.Generation, o.r.channel, o.r.ts); err != nil {
					return err
				}
			}
			if o.followUp {
				// The parent found in Slack shows the state of an earlier
				// attempt; changes since were folded into this op, so
				// bring the message up to date.
				queued, err := b.queueParentUpdate(ctx, tx, op.IncidentKey, op.Generation, op.Channel)
				if err != nil {
					return err
				}
				if queued {
					added++
				}
			}
			if err := tx.UpdateOp(ctx, op); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// The ops stay "sending" in the store. Run retries the record; if
		// the process stops first, the next start resumes them with
		// MaybeSent, which looks before posting again.
		b.outlog.Error("record op outcomes", "ops", len(outs), "error", err)
		return false
	}
	for _, o := range outs {
		if o.done {
			b.pending.Add(-1)
		}
		if o.r.job.op.State == OpDone {
			o.r.job.log.Info("slack message sent", "slack_ts", o.r.ts, "already_there", o.r.found)
		}
	}
	b.pending.Add(int64(added))
	return true
}

// bucket returns channel's token bucket. Buckets are only touched on the Run
// goroutine (the loop and finish), so they need no lock.
func (b *Bot) bucket(channel string) *bucket {
	bk := b.buckets[channel]
	if bk == nil {
		bk = &bucket{}
		b.buckets[channel] = bk
	}
	return bk
}

// pauseChannel holds every call to channel until until (429 Retry-After).
func (b *Bot) pauseChannel(channel string, until time.Time) {
	if bk := b.bucket(channel); until.After(bk.until) {
		bk.until = until
	}
}

// backoff is the delay before retry number attempts: exponential from
// BackoffBase, capped at BackoffMax, with jitter between 50% and 100%.
func (b *Bot) backoff(attempts int) time.Duration {
	d := float64(b.opt.BackoffBase) * math.Pow(2, float64(attempts-1))
	d = math.Min(d, float64(b.opt.BackoffMax))
	return time.Duration(d * (0.5 + 0.5*b.rnd()))
}
