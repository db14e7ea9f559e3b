package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/sqlite"
)

const wait = 30 * time.Second

func hasParent(n int) func(*slacktest.Server) bool {
	return func(s *slacktest.Server) bool { return len(s.Parents()) >= n }
}

// TestAlertGroupLifecycle: first notification posts a parent; a new alert
// posts a reply and updates the parent; resolution posts one broadcast reply
// and turns the parent resolved.
func TestAlertGroupLifecycle(t *testing.T) {
	opt := fastOptions()
	opt.Linker = &fakeLinker{}
	h := newHarness(t, opt)
	key := `alertmanager/web/{}:{alertname="KubeCPUOvercommit"}`
	start := time.Now().Add(-time.Minute)
	a1 := alert("KubeCPUOvercommit", "node-1", bot.StatusFiring, start)
	a2 := alert("KubeCPUOvercommit", "node-2", bot.StatusFiring, start)
	h.accept(groupDelivery(key, a1, a2))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	parent := h.fake.Parents()[0]
	for _, want := range []string{"FIRING", "KubeCPUOvercommit", "(2 firing)"} {
		if !strings.Contains(parent.Text, want) {
			t.Errorf("parent text %q lacks %q", parent.Text, want)
		}
	}
	if !strings.Contains(string(parent.Attachments), "https://handbook.example/runbooks/capacity/#kubecpuovercommit") {
		t.Errorf("parent has no runbook link: %s", parent.Attachments)
	}

	a3 := alert("KubeMemoryOvercommit", "node-1", bot.StatusFiring, start)
	h.accept(groupDelivery(key, a1, a2, a3))
	h.waitIdle(wait)
	replies := h.fake.Replies(parent.TS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Started firing") || !strings.Contains(replies[0].Text, "KubeMemoryOvercommit") {
		t.Fatalf("after a new alert, replies = %+v; want one 'Started firing' reply naming KubeMemoryOvercommit", replies)
	}
	if replies[0].Broadcast {
		t.Error("a change reply was broadcast to the channel")
	}

	r := func(a bot.Alert) bot.Alert { a.Status, a.EndsAt = bot.StatusResolved, time.Now(); return a }
	h.accept(groupDelivery(key, r(a1), r(a2), r(a3)))
	h.waitIdle(wait)
	replies = h.fake.Replies(parent.TS)
	if len(replies) != 2 {
		t.Fatalf("replies = %d, want 2\n%s", len(replies), h.fake.Dump())
	}
	last := replies[1]
	if !strings.Contains(last.Text, "Stopped firing* (3)") || !last.Broadcast {
		t.Errorf("resolution reply = %q broadcast=%v; want 'Stopped firing (3)' broadcast once", last.Text, last.Broadcast)
	}
	got := h.fake.Parents()
	if len(got) != 1 {
		t.Fatalf("parents = %d, want 1", len(got))
	}
	if !strings.Contains(got[0].Text, "[RESOLVED]") || got[0].Updates < 1 {
		t.Errorf("parent after resolution = %q (updates %d), want [RESOLVED]", got[0].Text, got[0].Updates)
	}
	broadcasts := 0
	for _, m := range h.fake.Messages() {
		if m.Broadcast {
			broadcasts++
		}
	}
	if broadcasts != 1 {
		t.Errorf("broadcasts = %d, want exactly 1", broadcasts)
	}
}

// TestPageLifecycle follows a PagerDuty-style incident: trigger, ack, note,
// resolve.
func TestPageLifecycle(t *testing.T) {
	h := newHarness(t, fastOptions())
	key := "pagerduty/Q1ABC"
	h.accept(pageDelivery("w1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	h.accept(pageDelivery("w2", key, bot.KindAcknowledged, bot.StatusAcknowledged, "Ana Lima", ""))
	h.waitIdle(wait)
	h.accept(pageDelivery("w3", key, bot.KindAnnotated, bot.StatusAcknowledged, "Ana Lima", "rolled back deploy 42"))
	h.waitIdle(wait)
	h.accept(pageDelivery("w4", key, bot.KindResolved, bot.StatusResolved, "Ana Lima", ""))
	h.waitIdle(wait)
	p := h.fake.Parents()[0]
	var texts []string
	for _, m := range h.fake.Replies(p.TS) {
		texts = append(texts, m.Text)
	}
	want := []string{"Acknowledged* by *Ana Lima*", "Note* by *Ana Lima*: rolled back deploy 42", "Resolved* by *Ana Lima*"}
	if len(texts) != len(want) {
		t.Fatalf("replies = %q, want %d", texts, len(want))
	}
	for i := range want {
		if !strings.Contains(texts[i], want[i]) {
			t.Errorf("reply %d = %q, want it to contain %q", i, texts[i], want[i])
		}
	}
	if !strings.Contains(string(h.fake.Parents()[0].Attachments), "Ana Lima") {
		t.Error("parent does not show the owner")
	}
}

// TestDuplicateDelivery: the same webhook twice (by id, and by content as
// Alertmanager HA replicas send it) has one effect.
func TestDuplicateDelivery(t *testing.T) {
	h := newHarness(t, fastOptions())
	d := groupDelivery("alertmanager/web/g1", alert("NodeNotReady", "node-3", bot.StatusFiring, t0))
	h.accept(d)
	h.accept(d)
	replica := d
	replica.Events = append([]bot.Event(nil), d.Events...)
	h.accept(replica)
	pd := pageDelivery("same-id", "pagerduty/P1", bot.KindTriggered, bot.StatusFiring, "", "")
	h.accept(pd)
	pd2 := pageDelivery("same-id", "pagerduty/P1", bot.KindAcknowledged, bot.StatusAcknowledged, "x", "")
	h.accept(pd2) // same X-Webhook-Id: ignored even though the content differs
	h.waitIdle(wait)
	if n := len(h.fake.SuccessfulCalls("chat.postMessage")); n != 2 {
		t.Errorf("chat.postMessage calls = %d, want 2 (one parent per incident)\n%s", n, h.fake.Dump())
	}
	if n := len(h.fake.SuccessfulCalls("chat.update")); n != 0 {
		t.Errorf("chat.update calls = %d, want 0", n)
	}
}

// TestSlackDownThenBack: while Slack answers 503 the changes queue (merged),
// and once it is back every change is delivered once, in order.
func TestSlackDownThenBack(t *testing.T) {
	h := newHarness(t, fastOptions())
	key := "pagerduty/DOWN"
	h.accept(pageDelivery("d1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	h.fake.SetDown(true)
	h.accept(pageDelivery("d2", key, bot.KindAcknowledged, bot.StatusAcknowledged, "ana", ""))
	h.fake.WaitFor(t, wait, "failed attempts while down", func(s *slacktest.Server) bool {
		n := 0
		for _, c := range s.Calls() {
			if c.Status == 503 {
				n++
			}
		}
		return n >= 3
	})
	for i := 1; i <= 5; i++ {
		h.accept(pageDelivery(fmt.Sprintf("n%d", i), key, bot.KindAnnotated, bot.StatusAcknowledged, "ana", fmt.Sprintf("note %d", i)))
	}
	h.accept(pageDelivery("d9", key, bot.KindResolved, bot.StatusResolved, "ana", ""))
	h.fake.SetDown(false)
	h.waitIdle(wait)

	p := h.fake.Parents()
	if len(p) != 1 {
		t.Fatalf("parents = %d, want 1", len(p))
	}
	replies := h.fake.Replies(p[0].TS)
	var all string
	for _, m := range replies {
		all += string(m.Blocks) + "\n"
	}
	order := []string{"Acknowledged", "note 1", "note 2", "note 3", "note 4", "note 5", "Resolved"}
	pos := 0
	for _, w := range order {
		i := strings.Index(all[pos:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order in replies:\n%s", w, all)
		}
		pos += i + len(w)
		n := 0
		for _, m := range replies {
			if strings.Contains(string(m.Blocks), w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q is in %d replies, want exactly 1", w, n)
		}
	}
	if !strings.Contains(h.fake.Parents()[0].Text, "[RESOLVED]") {
		t.Errorf("parent not updated to resolved: %q", h.fake.Parents()[0].Text)
	}
}

// TestRateLimitRetryAfter: a 429 is retried no sooner than Retry-After.
func TestRateLimitRetryAfter(t *testing.T) {
	h := newHarness(t, fastOptions())
	h.fake.FailNext(1, slacktest.Failure{Status: 429, RetryAfter: 1})
	h.accept(pageDelivery("r1", "pagerduty/RL", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	calls := h.fake.Calls()
	if len(calls) < 2 || calls[0].Status != 429 || !calls[1].OK() {
		t.Fatalf("calls:\n%s", h.fake.Dump())
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < time.Second {
		t.Errorf("retried %v after a 429 with Retry-After: 1; want at least 1s", gap)
	}
	if len(h.fake.Parents()) != 1 {
		t.Errorf("parents = %d, want 1", len(h.fake.Parents()))
	}
}

// TestPermanentErrorNotRetried: channel_not_found fails the op once; later
// ops of the incident are dropped, not retried forever.
func TestPermanentErrorNotRetried(t *testing.T) {
	h := newHarness(t, fastOptions())
	h.fake.FailNext(1, slacktest.ChannelNotFound)
	key := "pagerduty/PERM"
	h.accept(pageDelivery("p1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	h.accept(pageDelivery("p2", key, bot.KindAcknowledged, bot.StatusAcknowledged, "ana", ""))
	h.waitIdle(wait)
	if n := len(h.fake.Calls()); n != 1 {
		t.Errorf("Slack calls = %d, want 1 (no retry of a permanent error)\n%s", n, h.fake.Dump())
	}
	ops := h.ops(key)
	if len(ops) == 0 || ops[0].State != bot.OpFailed || !strings.Contains(ops[0].LastError, "channel_not_found") {
		t.Errorf("parent op = %+v, want failed with channel_not_found", ops[0])
	}
	for _, op := range ops {
		if op.State != bot.OpFailed {
			t.Errorf("op %d %s state %s, want failed", op.ID, op.Kind, op.State)
		}
	}
}

// TestTemporaryErrorsGiveUp: 5xx is retried with backoff until the op is
// MaxAge old, then given up.
func TestTemporaryErrorsGiveUp(t *testing.T) {
	opt := fastOptions()
	opt.MaxAge = 300 * time.Millisecond
	h := newHarness(t, opt)
	h.fake.FailNext(1000000, slacktest.ServerError)
	h.accept(pageDelivery("t1", "pagerduty/TMP", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	if n := len(h.fake.Calls()); n < 2 {
		t.Errorf("Slack calls = %d, want retries until MaxAge\n%s", n, h.fake.Dump())
	}
	if ops := h.ops("pagerduty/TMP"); ops[0].State != bot.OpFailed {
		t.Errorf("op state = %s, want failed", ops[0].State)
	}
}

// TestRestartNoDuplicateParent: the parent post reaches Slack but its answer
// is lost and the bot stops before recording the ts (store closed under it).
// After a restart on the same file the worker finds the message by its
// metadata instead of posting a second parent.
func TestRestartNoDuplicateParent(t *testing.T) {
	h := newHarness(t, fastOptions())
	h.fake.LoseNextResponses(1)
	key := "alertmanager/web/lost"
	h.accept(groupDelivery(key, alert("KubeQuotaExceeded", "ns-a", bot.StatusFiring, t0)))
	h.fake.WaitFor(t, wait, "the lost post", func(s *slacktest.Server) bool { return len(s.Messages()) == 1 })
	// Kill: the store goes first, so the worker cannot record anything.
	h.store.Close()
	h.stop()
	if ops := h.opsAfterReopen(key); ops[0].State != bot.OpSending && !ops[0].MaybeSent {
		t.Fatalf("op after the kill = %+v, want sending or maybe-sent", ops[0])
	}
	h.start()
	h.accept(groupDelivery(key, alert("KubeQuotaExceeded", "ns-a", bot.StatusFiring, t0), alert("KubeQuotaExceeded", "ns-b", bot.StatusFiring, t0)))
	h.waitIdle(wait)
	if n := len(h.fake.Parents()); n != 1 {
		t.Fatalf("parents = %d, want 1 (no duplicate after restart)\n%s", n, h.fake.Dump())
	}
	// The ns-b alert arrived while the parent was unconfirmed, so it folds
	// into the parent, which is updated to show it.
	p := h.fake.Parents()[0]
	if !strings.Contains(p.Text, "(2 firing)") || p.Updates == 0 {
		t.Errorf("parent = %q after %d updates, want it updated to (2 firing)", p.Text, p.Updates)
	}
}

func (h *harness) opsAfterReopen(key string) []*bot.Op {
	h.t.Helper()
	h.start()
	h.cancel() // stop the worker at once; only read the store
	<-h.done
	ops := h.ops(key)
	h.store.Close()
	h.cancel = nil
	return ops
}

// TestRestartMidStorm: the bot is stopped while a storm is being delivered
// and restarted on the same database: every group ends with exactly one
// parent showing its final state, and nothing accepted is lost.
func TestRestartMidStorm(t *testing.T) {
	opt := fastOptions()
	opt.ChannelRate, opt.ChannelBurst = 20, 2
	h := newHarness(t, opt)
	const groups, rounds = 8, 6
	var wantFiring [groups]int
	send := func(round int) {
		for g := range groups {
			var alerts []bot.Alert
			for i := 0; i <= round; i++ {
				alerts = append(alerts, alert("KubeCPUOvercommit", fmt.Sprintf("node-%d", i), bot.StatusFiring, t0))
			}
			wantFiring[g] = len(alerts)
			h.accept(groupDelivery(fmt.Sprintf("alertmanager/web/g%d", g), alerts...))
		}
	}
	for r := range rounds / 2 {
		send(r)
	}
	h.fake.WaitFor(t, wait, "some parents", hasParent(2))
	h.fake.LoseNextResponses(1)
	h.stop()
	h.start()
	for r := rounds / 2; r < rounds; r++ {
		send(r)
	}
	h.waitIdle(wait)
	parents := h.fake.Parents()
	if len(parents) != groups {
		t.Fatalf("parents = %d, want %d (one per group)\n%s", len(parents), groups, h.fake.Dump())
	}
	for _, p := range parents {
		if !strings.Contains(p.Text, fmt.Sprintf("(%d firing)", rounds)) {
			t.Errorf("parent %s = %q, want the final state (%d firing)", p.TS, p.Text, rounds)
		}
	}
}

// TestStormBounded: thousands of alerts in a few groups, arriving while
// Slack cannot keep up (here: is down), make one parent per group and a
// merged reply, not one message per notification. Slack being down makes
// the test independent of machine speed: every change after the parents
// queues behind a failing call and merges.
func TestStormBounded(t *testing.T) {
	h := newHarness(t, fastOptions())
	const groups, perGroup, batch = 5, 400, 20
	send := func(n int) {
		for g := range groups {
			var alerts []bot.Alert
			for i := range n {
				alerts = append(alerts, alert("NodeFilesystemSpaceFillingUp", fmt.Sprintf("node-%d", i), bot.StatusFiring, t0))
			}
			h.accept(groupDelivery(fmt.Sprintf("alertmanager/web/storm%d", g), alerts...))
		}
	}
	send(batch)
	h.waitIdle(wait)
	h.fake.SetDown(true)
	for n := 2 * batch; n <= perGroup; n += batch {
		send(n)
	}
	h.fake.SetDown(false)
	h.waitIdle(wait)
	parents := h.fake.Parents()
	if len(parents) != groups {
		t.Fatalf("parents = %d, want %d", len(parents), groups)
	}
	notifications := groups * perGroup / batch
	posts, updates := len(h.fake.SuccessfulCalls("chat.postMessage")), len(h.fake.SuccessfulCalls("chat.update"))
	t.Logf("%d alerts, %d notifications in %d groups: %d posts, %d updates", groups*perGroup, notifications, groups, posts, updates)
	for _, p := range parents {
		r := h.fake.Replies(p.TS)
		// One merged reply; a second only if a notification arrived while
		// the first was in flight.
		if len(r) == 0 || len(r) > 3 {
			t.Errorf("group %s got %d replies, want 1 to 3 merged replies", p.TS, len(r))
		}
		if !strings.Contains(p.Text, fmt.Sprintf("(%d firing)", perGroup)) {
			t.Errorf("parent %q does not show the final count", p.Text)
		}
	}
	if updates > 3*groups {
		t.Errorf("%d parent updates for %d groups; queued updates should coalesce", updates, groups)
	}
}

// TestRouting: routes first, then the owning team's channel, then the default.
func TestRouting(t *testing.T) {
	opt := fastOptions()
	opt.Linker = &fakeLinker{}
	opt.Routes = []bot.Route{
		{Match: map[string]string{"cluster": "prod-*", "severity": "critical"}, Channel: "#prod-critical"},
		{Match: map[string]string{"service": "checkout"}, Channel: "#checkout"},
	}
	h := newHarness(t, opt)
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"glob route", map[string]string{"cluster": "prod-us", "severity": "critical"}, "#prod-critical"},
		{"second route", map[string]string{"service": "checkout", "cluster": "staging"}, "#checkout"},
		{"team channel", map[string]string{"team": "payments"}, "#payments-oncall"},
		{"default", map[string]string{"team": "nobody"}, "#ops"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := pageDelivery(fmt.Sprint("route", i), fmt.Sprint("pagerduty/route", i), bot.KindTriggered, bot.StatusFiring, "", "")
			d.Events[0].Labels = tt.labels
			d.Events[0].Severity = ""
			h.accept(d)
			h.fake.WaitFor(t, wait, "parent", hasParent(i+1))
			got := h.fake.Parents()[i].ChannelID
			if want := h.fake.ChannelID(tt.want); got != want || want == "" {
				t.Errorf("posted to %s, want %s (%s)", got, want, tt.want)
			}
		})
	}
}

// TestOverloaded: a full outbox makes Accept answer ErrOverloaded.
func TestOverloaded(t *testing.T) {
	opt := fastOptions()
	opt.MaxPending = 2
	h := newHarness(t, opt)
	h.fake.SetDown(true)
	var err error
	for i := range 5 {
		err = h.bot.Accept(context.Background(), pageDelivery(fmt.Sprint(i), fmt.Sprint("pagerduty/o", i), bot.KindTriggered, bot.StatusFiring, "", ""))
		if err != nil {
			break
		}
	}
	if !errors.Is(err, bot.ErrOverloaded) {
		t.Errorf("Accept with a full outbox: err = %v, want ErrOverloaded", err)
	}
	h.fake.SetDown(false)
}

// TestStaleCacheRetried: two bots share one database (as replicas share
// Postgres). The first bot's cached copy of an incident goes stale when the
// second changes it; its next Accept must notice (version conflict), reread
// and apply on top, losing neither change.
func TestStaleCacheRetried(t *testing.T) {
	h := newHarness(t, fastOptions())
	other, err := sqlite.Open(context.Background(), h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	opt := fastOptions()
	opt.Store, opt.Poster = other, slack.New(slack.Options{Token: "x", APIURL: h.fake.URL()})
	b2, err := bot.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	key := "pagerduty/STALE"
	h.accept(pageDelivery("s1", key, bot.KindTriggered, bot.StatusFiring, "", ""))
	if err := b2.Accept(context.Background(), pageDelivery("s2", key, bot.KindAcknowledged, bot.StatusAcknowledged, "ana", "")); err != nil {
		t.Fatal(err)
	}
	h.accept(pageDelivery("s3", key, bot.KindPriorityUpdated, bot.StatusAcknowledged, "ben", "P1"))
	var inc *bot.Incident
	if err := h.store.View(context.Background(), func(tx bot.Tx) (err error) {
		inc, err = tx.FindIncident(context.Background(), key)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if inc.Owner != "ana" || inc.Priority != "P1" || inc.Version != 3 {
		t.Errorf("incident = owner %q priority %q version %d; want ana, P1, 3 (both replicas' changes)", inc.Owner, inc.Priority, inc.Version)
	}
}

// TestLostResponseNoDuplicate: Slack stores the parent but the answer never
// arrives (the call times out). The retry finds the message by its metadata
// instead of posting a second parent, and later replies thread under it.
// A hanging call that never reached Slack is simply posted again.
func TestLostResponseNoDuplicate(t *testing.T) {
	opt := fastOptions()
	opt.CallTimeout = 300 * time.Millisecond
	h := newHarness(t, opt)
	h.fake.LoseNextResponses(1)
	h.accept(pageDelivery("l1", "pagerduty/LOST", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	h.fake.FailNext(1, slacktest.Hang)
	h.accept(pageDelivery("l2", "pagerduty/HANG", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.waitIdle(wait)
	h.accept(pageDelivery("l3", "pagerduty/LOST", bot.KindAcknowledged, bot.StatusAcknowledged, "ana", ""))
	h.waitIdle(wait)
	parents := h.fake.Parents()
	if len(parents) != 2 {
		t.Fatalf("parents = %d, want 2 (one per incident, none duplicated)\n%s", len(parents), h.fake.Dump())
	}
	if r := h.fake.Replies(parents[0].TS); len(r) != 1 || !strings.Contains(r[0].Text, "Acknowledged") {
		t.Errorf("replies under the recovered parent = %+v, want the ack", r)
	}
}
