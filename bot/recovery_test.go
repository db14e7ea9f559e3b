package bot_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/internal/testutil"
)

// openPages opens n PagerDuty incidents and waits for their parents.
func openPages(h *harness, prefix string, n int) []string {
	h.t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("pagerduty/%s%d", prefix, i)
		h.accept(pageDelivery(keys[i]+"/t", keys[i], bot.KindTriggered, bot.StatusFiring, "", ""))
	}
	h.waitIdle(wait)
	return keys
}

// unfinishedOps returns the ops of keys not done or failed: waiting for a
// retry or in a call.
func unfinishedOps(h *harness, keys []string) []*bot.Op {
	var out []*bot.Op
	for _, key := range keys {
		for _, op := range h.ops(key) {
			if op.State == bot.OpPending || op.State == bot.OpSending {
				out = append(out, op)
			}
		}
	}
	return out
}

// outageUntil keeps Slack answering 500 until cond holds of the
// unfinished ops (checked every 50 ms, for at most wait), then ends
// the outage and returns when it ended.
func outageUntil(h *harness, keys []string, what string, cond func([]*bot.Op) bool) time.Time {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ops := unfinishedOps(h, keys)
		if len(ops) > 0 && cond(ops) {
			h.fake.FailFor(0, slacktest.ServerError)
			return time.Now()
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("outage never reached %s\n%s", what, h.fake.Dump())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOutageNothingAbandoned: Slack answers 500 for longer than ten
// attempts; every reply, the resolution broadcasts included, is delivered
// once Slack answers again, and no op is given up.
//
// Regression (#13): after 10 attempts every queued reply was abandoned.
func TestOutageNothingAbandoned(t *testing.T) {
	opt := fastOptions()
	opt.BackoffBase, opt.BackoffMax = 2*time.Millisecond, 20*time.Millisecond
	h := newHarness(t, opt)
	keys := openPages(h, "OUT", 5)
	h.fake.FailFor(time.Hour, slacktest.ServerError)
	for _, key := range keys {
		h.accept(pageDelivery(key+"/r", key, bot.KindResolved, bot.StatusResolved, "ana", ""))
	}
	// Past the old cap of 10 attempts for each incident's head op (the
	// resolution reply; its parent update waits behind it).
	outageUntil(h, keys, "11 attempts of each incident's reply", func(ops []*bot.Op) bool {
		n := 0
		for _, op := range ops {
			if op.Attempts > 10 {
				n++
			}
		}
		return n == len(keys)
	})
	h.waitIdle(wait)
	for _, key := range keys {
		for _, op := range h.ops(key) {
			if op.State != bot.OpDone {
				t.Errorf("%s op %d (%s) is %s: %s", key, op.ID, op.Kind, op.State, op.LastError)
			}
		}
	}
	for _, p := range h.fake.Parents() {
		broadcast := 0
		for _, r := range h.fake.Replies(p.TS) {
			if r.Broadcast && strings.Contains(strings.ToLower(r.Text), "resolved") {
				broadcast++
			}
		}
		if broadcast != 1 {
			t.Errorf("thread %s: %d resolution broadcasts, want 1\n%s", p.TS, broadcast, h.fake.Dump())
		}
	}
}

// TestRecoveryDrainsAtOnce: when a call succeeds after an outage, the ops
// waiting out a long backoff are due at once, so the queue drains within
// seconds of Slack answering again, not when each backoff ends.
//
// Regression (#13): the last parent update landed 214 s after recovery.
func TestRecoveryDrainsAtOnce(t *testing.T) {
	opt := fastOptions()
	opt.BackoffBase, opt.BackoffMax = time.Second, time.Hour
	h := newHarness(t, opt)
	keys := openPages(h, "REC", 8)
	h.fake.FailFor(time.Hour, slacktest.ServerError)
	for _, key := range keys {
		h.accept(pageDelivery(key+"/a", key, bot.KindAcknowledged, bot.StatusAcknowledged, "ana", ""))
	}
	// Slack answers again once some op waits out a backoff of 2s or more:
	// without the reset, it would wait that long after recovery.
	var longest time.Duration
	outageUntil(h, keys, "a backoff of 2s", func(ops []*bot.Op) bool {
		longest = 0
		for _, op := range ops {
			longest = max(longest, time.Until(op.NextAttemptAt))
		}
		return longest >= 2*time.Second
	})
	start := time.Now()
	h.accept(pageDelivery("pagerduty/NEW/t", "pagerduty/NEW", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	if took := time.Since(start); took > longest/2 {
		t.Errorf("outbox drained %v after Slack answered again; backoff left was %v", took, longest)
	}
}

// TestMinimalParent: Slack refuses a parent's blocks; the bot posts a
// minimal parent (title, state, link) instead, and the incident's later
// replies go to its thread.
//
// Regression (#13): the incident never appeared and every later event was
// dropped with "parent message was never posted".
func TestMinimalParent(t *testing.T) {
	h := newHarness(t, fastOptions())
	h.fake.FailNext(1, slacktest.Failure{Code: "invalid_blocks"})
	key := "pagerduty/MIN"
	h.accept(pageDelivery("m1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	h.accept(pageDelivery("m2", key, bot.KindResolved, bot.StatusResolved, "ana", ""))
	h.waitIdle(wait)
	parents := h.fake.Parents()
	if len(parents) != 1 {
		t.Fatalf("parents = %d, want 1\n%s", len(parents), h.fake.Dump())
	}
	if p := parents[0]; !strings.Contains(string(p.Blocks), "Checkout latency high") {
		t.Errorf("minimal parent blocks = %s, want the title", p.Blocks)
	}
	if n := len(h.fake.Replies(parents[0].TS)); n != 1 {
		t.Errorf("replies in the minimal parent's thread = %d, want 1 (the resolution)", n)
	}
	for _, op := range h.ops(key) {
		if op.State != bot.OpDone {
			t.Errorf("op %d (%s) is %s: %s", op.ID, op.Kind, op.State, op.LastError)
		}
	}
}

// TestSlackProblem: a refusal no retry fixes is logged once, with the
// action, and reported by SlackProblem until a call succeeds.
func TestSlackProblem(t *testing.T) {
	opt := fastOptions()
	var logs testutil.SyncBuffer
	opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := newHarness(t, opt)
	h.fake.FailNext(3, slacktest.InvalidAuth)
	for i := range 3 {
		h.accept(pageDelivery(fmt.Sprint("p", i), fmt.Sprint("pagerduty/AUTH", i), bot.KindTriggered, bot.StatusFiring, "", ""))
	}
	h.waitIdle(wait)
	err := h.bot.SlackProblem()
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Fatalf("SlackProblem = %v, want invalid_auth with the action", err)
	}
	if n := strings.Count(logs.String(), "action="); n != 1 {
		t.Errorf("logged the action %d times, want once:\n%s", n, logs.String())
	}
	h.accept(pageDelivery("ok", "pagerduty/OK", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	if err := h.bot.SlackProblem(); err != nil {
		t.Errorf("SlackProblem after a successful call = %v, want nil", err)
	}
}

// TestSupersededRetry: an op failing while its incident recurs (a newer
// generation) is dropped rather than retried for MaxAge.
func TestSupersededRetry(t *testing.T) {
	opt := fastOptions()
	opt.ReopenWindow = time.Nanosecond
	h := newHarness(t, opt)
	key := "pagerduty/SUP"
	h.accept(pageDelivery("s1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	h.fake.FailFor(time.Hour, slacktest.ServerError)
	h.accept(pageDelivery("s2", key, bot.KindResolved, bot.StatusResolved, "", ""))
	h.fake.WaitFor(t, wait, "a failed call", func(s *slacktest.Server) bool { return len(s.Calls()) > 2 })
	h.accept(pageDelivery("s3", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.fake.WaitFor(t, wait, "the first generation's ops to be dropped", func(*slacktest.Server) bool {
		for _, op := range h.ops(key) {
			if op.Generation == 1 && (op.State == bot.OpPending || op.State == bot.OpSending) {
				return false
			}
		}
		return true
	})
	for _, op := range h.ops(key) {
		if op.Generation == 1 && op.State == bot.OpFailed && !strings.Contains(op.LastError, "superseded") {
			t.Errorf("op %d failed with %q, want superseded", op.ID, op.LastError)
		}
	}
}
