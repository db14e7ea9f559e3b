package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// result is what came back from Slack for a job.
type result struct {
	job     job
	channel string
	ts      string
	found   bool  // the message was already there (an earlier attempt had landed)
	minimal error // Slack refused the full parent for this reason; the minimal one was sent
	err     error
}

// contentCodes are Slack's refusals of a message's content, after which a
// parent is sent again in its minimal form.
var contentCodes = map[string]bool{
	"invalid_blocks": true, "invalid_blocks_format": true, "msg_too_long": true,
	"invalid_attachments": true, "too_many_attachments": true,
}

// send is the send stage: the Slack call for j. It runs on its own
// goroutine and touches no shared state.
func (b *Bot) send(ctx context.Context, j job) result {
	cctx, cancel := context.WithTimeout(ctx, b.opt.CallTimeout)
	defer cancel()
	r := b.call(cctx, j, j.msg)
	if r.err != nil && j.minimal != nil && contentCodes[classify(r.err).Code] {
		refused := r.err
		r = b.call(cctx, j, *j.minimal)
		r.minimal = refused
	}
	return r
}

// call makes the one call op calls for with msg, first looking for an
// earlier attempt's message when the op may have been sent.
func (b *Bot) call(ctx context.Context, j job, msg Message) result {
	op := j.op
	switch op.Kind {
	case OpPostParent, OpReply:
		if op.MaybeSent {
			if r, done := b.findEarlier(ctx, j, msg); done {
				return r
			}
		}
		ch, ts, err := b.poster.PostMessage(ctx, j.channel, msg)
		return result{job: j, channel: ch, ts: ts, err: err}
	case OpUpdateParent:
		return result{job: j, channel: j.channel, ts: j.parentTS, err: b.poster.UpdateMessage(ctx, j.channel, j.parentTS, msg)}
	}
	return result{job: j, err: &PostError{Code: "unknown_op", Err: fmt.Errorf("unknown op kind %q", op.Kind)}}
}

// findEarlier looks for the message of an earlier attempt; done says the
// result stands (found, or a temporary failure to look).
func (b *Bot) findEarlier(ctx context.Context, j job, msg Message) (result, bool) {
	thread := ""
	if j.op.Kind == OpReply {
		thread = j.parentTS
	}
	ch, ts, err := b.poster.FindMessage(ctx, j.channel, thread, msg.Marker, j.op.CreatedAt.Add(-time.Minute))
	switch {
	case err == nil:
		return result{job: j, channel: ch, ts: ts, found: true}, true
	case errors.Is(err, ErrNotFound):
		return result{}, false
	case classify(err).Temporary:
		return result{job: j, err: err}, true
	}
	// We cannot look (missing scope, not in channel): post, accepting a
	// possible duplicate over a lost message.
	j.log.Warn("cannot check for an earlier post; posting again", "error", err)
	return result{}, false
}
