package sqlite

import (
	"context"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
)

func (t *txn) Stats(ctx context.Context) (bot.Stats, error) {
	var st bot.Stats
	if err := sqlstore.ScanOutboxStats(t.row(ctx, sqlstore.StatsOutbox), &st); err != nil {
		return st, err
	}
	rows, err := t.query(ctx, sqlstore.StatsOpen)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	return st, sqlstore.CountOpen(rows, &st)
}
