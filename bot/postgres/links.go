package postgres

import (
	"context"
	"fmt"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// FindLinks locks every key first (one statement, in lock order, so two
// replicas correlating overlapping keys cannot deadlock on them): a replica
// that correlates a page while another opens its alert group's incident
// waits for that commit and then sees its links.
func (t *txn) FindLinks(ctx context.Context, keys []string) (map[string]bot.IncidentLink, error) {
	locks := make([]int64, len(keys))
	for i, k := range keys {
		locks[i] = lockKey("link", k)
	}
	if err := t.lock(ctx, locks...); err != nil {
		return nil, fmt.Errorf("find links: %w", err)
	}
	rows, err := t.tx.Query(ctx, `SELECT `+sqlstore.LinkCols+` FROM links WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("find links: %w", err)
	}
	defer rows.Close()
	links, err := sqlstore.Collect(rows, "find links", sqlstore.ScanLink)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bot.IncidentLink, len(links))
	for _, l := range links {
		out[l.Key] = l
	}
	return out, nil
}

func (t *txn) SetLink(ctx context.Context, l bot.IncidentLink, prev string) error {
	t.locked = true
	var n int64
	if prev == "" {
		tag, err := t.tx.Exec(ctx, `INSERT INTO links (key, incident, via, at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`,
			l.Key, l.Incident, l.Via, sqlstore.Nanos(l.At))
		if err != nil {
			return fmt.Errorf("set link %s: %w", l.Key, err)
		}
		n = tag.RowsAffected()
	} else {
		tag, err := t.tx.Exec(ctx, `UPDATE links SET incident = $1, via = $2, at = $3 WHERE key = $4 AND incident = $5`,
			l.Incident, l.Via, sqlstore.Nanos(l.At), l.Key, prev)
		if err != nil {
			return fmt.Errorf("set link %s: %w", l.Key, err)
		}
		n = tag.RowsAffected()
	}
	if n == 0 {
		return fmt.Errorf("set link %s: not linked to %q: %w", l.Key, prev, bot.ErrConflict)
	}
	return nil
}

func (t *txn) FindThread(ctx context.Context, channel, ts string) (*bot.Incident, error) {
	inc, err := sqlstore.ScanIncident(t.tx.QueryRow(ctx, sqlstore.ThreadIncident("$1", "$2"), channel, ts))
	if err != nil {
		return nil, sqlstore.NotFound(err, pgx.ErrNoRows, "find thread %s %s", channel, ts)
	}
	return inc, nil
}
