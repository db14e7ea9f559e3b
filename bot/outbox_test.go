package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
)

// hookStore wraps a Store so a test can act between the outbox worker's read
// of ready ops (in a View) and what it does next.
type hookStore struct {
	bot.Store
	afterReady func(ops []*bot.Op)  // called inside the worker's View, after ReadyOps
	claim      func(id int64) error // called before each ClaimOp; an error is returned instead
}

func (s *hookStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error { return fn(hookTx{Tx: tx, s: s}) })
}

func (s *hookStore) View(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.View(ctx, func(tx bot.Tx) error { return fn(hookTx{Tx: tx, s: s}) })
}

type hookTx struct {
	bot.Tx
	s *hookStore
}

func (t hookTx) ClaimOp(ctx context.Context, id int64, due time.Time) (*bot.Op, error) {
	if t.s.claim != nil {
		if err := t.s.claim(id); err != nil {
			return nil, err
		}
	}
	return t.Tx.ClaimOp(ctx, id, due)
}

func (t hookTx) ReadyOps(ctx context.Context, now time.Time, limit int) ([]*bot.Op, error) {
	ops, err := t.Tx.ReadyOps(ctx, now, limit)
	if err == nil && t.s.afterReady != nil {
		t.s.afterReady(ops)
	}
	return ops, err
}

// TestClaimSendsMergedPayload: a webhook merges a new change into a pending
// reply after the worker read that reply but before it claimed it. The reply
// Slack gets must carry the merged change.
//
// Regression: the claim wrote back the copy of the op the worker had read,
// overwriting the merged payload, so the change never reached Slack.
func TestClaimSendsMergedPayload(t *testing.T) {
	key := `alertmanager/web/{}:{cluster="prod-eu"}`
	start := time.Now().Add(-time.Minute)
	a1 := alert("KubeCPUOvercommit", "node-1", bot.StatusFiring, start)
	a2 := alert("KubeMemoryOvercommit", "node-1", bot.StatusFiring, start)
	a3 := alert("KubeQuotaExceeded", "node-1", bot.StatusFiring, start)

	var h *harness
	var armed, fired atomic.Bool
	hs := &hookStore{}
	hs.afterReady = func(ops []*bot.Op) {
		if !armed.Load() {
			return
		}
		for _, op := range ops {
			if op.IncidentKey == key && op.Kind == bot.OpReply && fired.CompareAndSwap(false, true) {
				// Commits while the worker still holds its stale copy.
				if err := h.bot.Accept(context.Background(), groupDelivery(key, a1, a2, a3)); err != nil {
					t.Errorf("merging Accept: %v", err)
				}
			}
		}
	}
	h = newHarnessWith(t, fastOptions(), func(s bot.Store) bot.Store { hs.Store = s; return hs })
	h.accept(groupDelivery(key, a1))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	h.waitIdle(wait)
	armed.Store(true)
	h.accept(groupDelivery(key, a1, a2))
	h.waitIdle(wait)
	if !fired.Load() {
		t.Fatal("the worker never read the reply op; the test did not exercise the race")
	}
	var texts []string
	for _, r := range h.fake.Replies(h.fake.Parents()[0].TS) {
		texts = append(texts, r.Text)
	}
	all := strings.Join(texts, "\n")
	for _, name := range []string{"KubeMemoryOvercommit", "KubeQuotaExceeded"} {
		if !strings.Contains(all, name) {
			t.Errorf("no reply mentions %s starting; replies:\n%s", name, all)
		}
	}
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLostClaimRaceIsRoutine: another worker (a second replica) claims an op
// between this worker's read and its claim. The worker skips it quietly,
// looks again at once, and sends the op when it is free.
//
// Regression: a lost claim failed the whole claim transaction, was logged
// as an error, and the worker slept its idle 30 s before looking again.
func TestLostClaimRaceIsRoutine(t *testing.T) {
	logs := &logBuffer{}
	opt := fastOptions()
	opt.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var lost atomic.Int32
	hs := &hookStore{claim: func(id int64) error {
		if lost.Add(1) == 1 {
			return fmt.Errorf("claim op %d: claimed by replica b: %w", id, bot.ErrConflict)
		}
		return nil
	}}
	h := newHarnessWith(t, opt, func(s bot.Store) bot.Store { hs.Store = s; return hs })
	h.accept(pageDelivery("r1", "pagerduty/RACE", bot.KindTriggered, bot.StatusFiring, "", ""))
	// Well under the 30 s idle sleep the bug caused.
	h.fake.WaitFor(t, 10*time.Second, "the parent after a lost claim race", hasParent(1))
	if lost.Load() < 2 {
		t.Errorf("claims = %d, want the refused one and a later one", lost.Load())
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("a lost claim race was logged as an error:\n%s", out)
	}
}

// failingPoster answers every call with a temporary Slack error.
type failingPoster struct{}

func (failingPoster) PostMessage(context.Context, string, bot.Message) (string, string, error) {
	return "", "", &bot.PostError{Code: "503", Temporary: true}
}

func (failingPoster) UpdateMessage(context.Context, string, string, bot.Message) error {
	return &bot.PostError{Code: "503", Temporary: true}
}

func (failingPoster) FindMessage(context.Context, string, string, bot.Marker, time.Time) (string, string, error) {
	return "", "", &bot.PostError{Code: "503", Temporary: true}
}

// TestPendingCountSharedOutbox: two replicas share one outbox. Replica A
// accepts up to its MaxPending, but cannot reach Slack; replica B sends
// everything. Once the outbox is empty, A must accept again.
//
// Regression: each replica counted the outbox depth in memory, up on its own
// accepts and down only on its own sends, so A stayed "overloaded" (503)
// forever although the shared outbox was empty.
func TestPendingCountSharedOutbox(t *testing.T) {
	h := newHarness(t, fastOptions()) // replica B: sends
	opt := fastOptions()
	opt.MaxPending = 3
	opt.Store, opt.Poster, opt.Logger = h.store, failingPoster{}, testLogger(t)
	a, err := bot.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	for i := range 3 {
		if err := a.Accept(context.Background(), pageDelivery(fmt.Sprint("p", i), fmt.Sprint("pagerduty/P", i), bot.KindTriggered, bot.StatusFiring, "", "")); err != nil {
			t.Fatalf("Accept %d on replica A: %v", i, err)
		}
	}
	h.bot.Wake()
	h.fake.WaitFor(t, wait, "replica B to post the 3 parents", hasParent(3))
	h.waitIdle(wait)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := a.Accept(context.Background(), pageDelivery("p-next", "pagerduty/PNEXT", bot.KindTriggered, bot.StatusFiring, "", ""))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica A still refuses with an empty outbox: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling A's view of a store-wide count
	}
}

// TestOpenIncidentParentRefreshed: an incident that stays open with no new
// events still gets its parent updated every RefreshInterval, so "Open for"
// moves on; a bounded number of updates, not one per look.
//
// Regression: the parent was only re-rendered when some other change
// updated it, so "Open for" could stay "under a minute" for hours.
func TestOpenIncidentParentRefreshed(t *testing.T) {
	opt := fastOptions()
	opt.RefreshInterval = 500 * time.Millisecond
	h := newHarness(t, opt)
	h.accept(pageDelivery("o1", "pagerduty/OPEN", bot.KindTriggered, bot.StatusFiring, "", ""))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	started := time.Now()
	h.fake.WaitFor(t, wait, "two refreshes of the open incident's parent", func(s *slacktest.Server) bool {
		p := s.Parents()
		return len(p) == 1 && p[0].Updates >= 2
	})
	elapsed := time.Since(started)
	updates := len(h.fake.SuccessfulCalls("chat.update"))
	// At most one update per interval (plus one for the look in progress).
	if limit := int(elapsed/opt.RefreshInterval) + 2; updates > limit {
		t.Errorf("%d chat.update calls in %v, want at most %d at one per %v", updates, elapsed, limit, opt.RefreshInterval)
	}
	if n := len(h.fake.Replies(h.fake.Parents()[0].TS)); n != 0 {
		t.Errorf("refreshes posted %d replies, want none", n)
	}
}
