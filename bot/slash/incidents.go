package slash

import (
	"context"

	"github.com/compasshq/compass/bot"
)

// StoreIncidents reads incidents from a bot.Store. The Store offers reads
// only inside Update; a transaction that changes nothing commits nothing.
func StoreIncidents(s bot.Store) Incidents { return storeIncidents{s} }

type storeIncidents struct{ s bot.Store }

func (si storeIncidents) ListOpen(ctx context.Context, limit int) ([]*bot.Incident, error) {
	var out []*bot.Incident
	err := si.s.Update(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.ListIncidents(ctx, true, limit)
		return err
	})
	return out, err
}

func (si storeIncidents) Find(ctx context.Context, key string) (*bot.Incident, error) {
	var out *bot.Incident
	err := si.s.Update(ctx, func(tx bot.Tx) error {
		var err error
		out, err = tx.FindIncident(ctx, key)
		return err
	})
	return out, err
}
