package bot

import (
	"math"
	"time"
)

// bucket is a per-channel token bucket, with a pause for Retry-After.
type bucket struct {
	tokens float64
	last   time.Time
	until  time.Time // no calls before this (429 Retry-After)
}

// limit is the rate-limit stage: of the ready ops, in order, it keeps at
// most room whose channel has a token now, and returns how long until a
// skipped op's channel will have one (idle when none was skipped).
func (b *Bot) limit(ops []*Op, room int, now time.Time) (batch []*Op, wait time.Duration) {
	wait = idle
	for _, op := range ops {
		if len(batch) >= room {
			break
		}
		if d := b.reserve(b.bucket(op.Channel), now); d > 0 {
			wait = min(wait, d)
			continue
		}
		batch = append(batch, op)
	}
	return batch, wait
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

// bucket returns channel's token bucket. Buckets are only touched on the Run
// goroutine (the loop and record), so they need no lock.
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
