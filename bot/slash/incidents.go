package slash

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/compasshq/compass/bot"
)

// StoreIncidents reads incidents from a bot.Store: in a read transaction
// when the store offers one (View, as bot/sqlite does), else inside Update,
// where a transaction that changes nothing commits nothing.
func StoreIncidents(s bot.Store) Incidents { return storeIncidents{s} }

type storeIncidents struct{ s bot.Store }

// viewer is a store with read-only transactions.
type viewer interface {
	View(ctx context.Context, fn func(bot.Tx) error) error
}

func (si storeIncidents) read(ctx context.Context, fn func(bot.Tx) error) error {
	if v, ok := si.s.(viewer); ok {
		return v.View(ctx, fn)
	}
	return si.s.Update(ctx, fn)
}

func (si storeIncidents) ListOpen(ctx context.Context, limit int) ([]*bot.Incident, error) {
	var out []*bot.Incident
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.ListIncidents(ctx, true, limit)
		return err
	})
	return out, err
}

func (si storeIncidents) Find(ctx context.Context, key string) (*bot.Incident, error) {
	var out *bot.Incident
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.FindIncident(ctx, key)
		return err
	})
	return out, err
}

// History is what a review draft reads from the store besides the
// incident: one generation, the recent incidents, and the changes the
// thread reported. StoreIncidents implements it.
type History interface {
	// FindGeneration returns one generation of an incident, or bot.ErrNotFound.
	FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error)
	// Recent returns incidents, open or not, newest first, at most limit.
	Recent(ctx context.Context, limit int) ([]*bot.Incident, error)
	// Changes returns the changes the thread's replies reported, oldest
	// first, and how many the outbox counted without keeping. The store
	// forgets them after bot.retention, so a review is best drafted soon.
	Changes(ctx context.Context, key string, generation int) ([]bot.Change, int, error)
}

func (si storeIncidents) FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error) {
	var out *bot.Incident
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.FindGeneration(ctx, key, generation)
		return err
	})
	return out, err
}

func (si storeIncidents) Recent(ctx context.Context, limit int) ([]*bot.Incident, error) {
	var out []*bot.Incident
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.ListIncidents(ctx, false, limit)
		return err
	})
	return out, err
}

func (si storeIncidents) Changes(ctx context.Context, key string, generation int) ([]bot.Change, int, error) {
	var ops []*bot.Op
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		ops, err = tx.ListOps(ctx, key)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	var changes []bot.Change
	dropped := 0
	for _, op := range ops {
		if op.Generation != generation || op.Kind != bot.OpReply {
			continue
		}
		var p bot.ReplyPayload
		if err := json.Unmarshal(op.Payload, &p); err != nil {
			return nil, 0, fmt.Errorf("decode reply op %d: %w", op.ID, err)
		}
		changes = append(changes, p.Changes...)
		dropped += p.Dropped
	}
	return changes, dropped, nil
}

func (si storeIncidents) ReplySource(ctx context.Context, channel, threadTS, ts string) (*bot.Incident, string, error) {
	var inc *bot.Incident
	var member string
	err := si.read(ctx, func(tx bot.Tx) error {
		var err error
		if inc, err = tx.FindThread(ctx, channel, threadTS); err != nil {
			return err
		}
		ops, err := tx.ListOps(ctx, inc.Key)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if op.Kind != bot.OpReply || op.Generation != inc.Generation || op.SlackTS != ts {
				continue
			}
			var p bot.ReplyPayload
			if err := json.Unmarshal(op.Payload, &p); err != nil {
				return fmt.Errorf("decode reply %d: %w", op.ID, err)
			}
			member = p.Member
			return nil
		}
		return bot.ErrNotFound
	})
	return inc, member, err
}
