package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// hookStore wraps a Store so a test can act between the outbox worker's read
// of ready ops (in a View) and what it does next.
type hookStore struct {
	bot.Store
	afterReady func(ops []*bot.Op) // called inside the worker's View, after ReadyOps
}

func (s *hookStore) View(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.View(ctx, func(tx bot.Tx) error { return fn(hookTx{Tx: tx, s: s}) })
}

type hookTx struct {
	bot.Tx
	s *hookStore
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
