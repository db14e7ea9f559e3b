package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// outcome is what record makes of one result.
type outcome struct {
	r        result
	done     bool // leaves the queue (done or failed)
	retry    bool // a temporary failure: pending again after a backoff, unless superseded
	followUp bool // a parent found in Slack needs an update
}

// rerouteCodes are Slack errors after which a parent goes to the default
// channel instead.
var rerouteCodes = map[string]bool{"channel_not_found": true, "is_archived": true, "not_in_channel": true, "restricted_action": true}

// record is the record stage: it decides what each result means for its op
// and stores the outcomes in one transaction. If the store fails, it
// returns false and the caller keeps the results to record later: until
// then their ops stay "sending" and nothing resends them.
func (b *Bot) record(rs []result) bool {
	now := b.now()
	outs := make([]outcome, len(rs))
	// Any success after 5xx or network errors means Slack answers again:
	// its outages are Slack-wide, not per channel, so every failing
	// channel's backed-off ops become due, not only the channel of the
	// success. A channel that keeps failing alone is retried at most at
	// its rate limit.
	recovered := false
	for i, r := range rs {
		outs[i] = b.decide(r, now)
		if r.err == nil && len(b.failing) > 0 {
			recovered = true
		}
	}
	// Record the outcomes even while stopping: a message that went out
	// must not be sent again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var added, retried int
	err := b.store.Update(ctx, func(tx Tx) error {
		var err error
		added, retried, err = b.recordTx(ctx, tx, outs, recovered, now)
		return err
	})
	if err != nil {
		// The ops stay "sending" in the store. Run retries the record; if
		// the process stops first, the next start resumes them with
		// MaybeSent, which looks before posting again.
		b.outlog.Error("record op outcomes", "ops", len(outs), "error", err)
		return false
	}
	if recovered {
		b.outlog.Info("Slack answers again: ops waiting out a backoff are due now", "channels", len(b.failing), "ops", retried)
		clear(b.failing)
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

// recordTx stores outs in tx: thread timestamps of parents posted, follow-up
// updates, each op's new state; an op to retry whose incident has a newer
// generation is superseded and dropped. When Slack answers again after
// failures (recovered), the failing channels' backed-off ops become due now.
// It returns how many ops it queued and how many it made due.
func (b *Bot) recordTx(ctx context.Context, tx Tx, outs []outcome, recovered bool, now time.Time) (added, retried int, err error) {
	for i := range outs {
		o := &outs[i]
		op := o.r.job.op
		if op.Kind == OpPostParent && op.State == OpDone {
			if err := tx.SetThreadTS(ctx, op.IncidentKey, op.Generation, o.r.channel, o.r.ts); err != nil {
				return 0, 0, err
			}
		}
		if o.followUp {
			// The parent found in Slack shows the state of an earlier
			// attempt; changes since were folded into this op, so bring
			// the message up to date.
			queued, err := b.queueParentUpdate(ctx, tx, op.IncidentKey, op.Generation, op.Channel)
			if err != nil {
				return 0, 0, err
			}
			if queued {
				added++
			}
		}
		if o.retry {
			if err := b.supersede(ctx, tx, o); err != nil {
				return 0, 0, err
			}
		}
		if err := tx.UpdateOp(ctx, op); err != nil {
			return 0, 0, err
		}
	}
	if recovered {
		for ch := range b.failing {
			n, err := tx.RetryNow(ctx, ch, now)
			if err != nil {
				return 0, 0, err
			}
			retried += n
		}
	}
	return added, retried, nil
}

// supersede drops an op to retry when its incident has recurred since: the
// newer generation's thread is the one that matters now.
func (b *Bot) supersede(ctx context.Context, tx Tx, o *outcome) error {
	op := o.r.job.op
	_, err := tx.FindGeneration(ctx, op.IncidentKey, op.Generation+1)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for a newer generation: %w", err)
	}
	op.State, op.LastError = OpFailed, fmt.Sprintf("superseded by generation %d; last error: %s", op.Generation+1, op.LastError)
	o.done, o.retry = true, false
	o.r.job.log.Warn("Slack call failed and the incident has recurred since; not retrying", "error", o.r.err)
	return nil
}

// decide says what a result means for its op, and sets the op's new state.
// It runs on the Run goroutine: it may pause a channel and note failures.
func (b *Bot) decide(r result, now time.Time) outcome {
	o := outcome{r: r}
	op, log := r.job.op, r.job.log
	if r.minimal != nil {
		log.Error("Slack refused the parent message; posted a minimal one (title, state, link) instead", "error", r.minimal)
	}
	if r.err == nil {
		op.State, op.SlackTS, op.LastError = OpDone, r.ts, ""
		o.done = true
		o.followUp = op.Kind == OpPostParent && r.found
		b.slackOK(op.Channel, r.channel)
		return o
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
		if age := now.Sub(op.CreatedAt); age >= b.opt.MaxAge {
			op.State = OpFailed
			o.done = true
			log.Error("giving up: Slack has failed this op for longer than bot.max_age", "attempts", op.Attempts, "age", age.Round(time.Second).String(), "error", r.err)
			break
		}
		op.State = OpPending
		op.NextAttemptAt = now.Add(b.backoff(op.Attempts))
		o.retry = true
		b.failing[op.Channel] = true
		log.Warn("Slack call failed; will retry", "attempts", op.Attempts, "next_attempt_at", op.NextAttemptAt, "error", r.err)
	case op.Kind == OpPostParent && rerouteCodes[pe.Code] && b.opt.Channel != "" && op.Channel != b.opt.Channel:
		// The routed channel is gone or closed to us: better the default
		// channel than no thread at all.
		b.refused(op.Channel, pe)
		log.Error("cannot post to the routed channel; using the default channel", "default_channel", b.opt.Channel, "error", r.err)
		op.Channel = b.opt.Channel
		op.State = OpPending
		op.NextAttemptAt = now
	default:
		op.State = OpFailed
		o.done = true
		b.refused(op.Channel, pe)
		log.Error("Slack refused the call; not retrying", "error", r.err)
	}
	return o
}

// backoff is the delay before retry number attempts: exponential from
// BackoffBase, capped at BackoffMax, with jitter between 50% and 100%.
func (b *Bot) backoff(attempts int) time.Duration {
	d := float64(b.opt.BackoffBase) * math.Pow(2, float64(attempts-1))
	d = math.Min(d, float64(b.opt.BackoffMax))
	return time.Duration(d * (0.5 + 0.5*b.rnd()))
}
