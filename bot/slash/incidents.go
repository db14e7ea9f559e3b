package slash

import (
	"context"

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
