package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
)

// FindLinks reads each key on its own: SQLite has one writer, so nothing
// needs locking, and a prepared single-key lookup beats building an IN list.
func (t *txn) FindLinks(ctx context.Context, keys []string) (map[string]bot.IncidentLink, error) {
	out := make(map[string]bot.IncidentLink, len(keys))
	for _, k := range keys {
		l, err := sqlstore.ScanLink(t.row(ctx, `SELECT `+sqlstore.LinkCols+` FROM links WHERE key = ?`, k))
		if err != nil {
			if err = sqlstore.NotFound(err, sql.ErrNoRows, "find link %s", k); err == bot.ErrNotFound {
				continue
			}
			return nil, err
		}
		out[k] = l
	}
	return out, nil
}

func (t *txn) SetLink(ctx context.Context, l bot.IncidentLink, prev string) error {
	var res sql.Result
	var err error
	if prev == "" {
		res, err = t.exec(ctx, `INSERT INTO links (key, incident, via, at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			l.Key, l.Incident, l.Via, sqlstore.Nanos(l.At))
	} else {
		res, err = t.exec(ctx, `UPDATE links SET incident = ?, via = ?, at = ? WHERE key = ? AND incident = ?`,
			l.Incident, l.Via, sqlstore.Nanos(l.At), l.Key, prev)
	}
	if err != nil {
		return mapErr(fmt.Errorf("set link %s: %w", l.Key, err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set link %s: not linked to %q: %w", l.Key, prev, bot.ErrConflict)
	}
	return nil
}

func (t *txn) FindThread(ctx context.Context, channel, ts string) (*bot.Incident, error) {
	inc, err := sqlstore.ScanIncident(t.row(ctx, sqlstore.ThreadIncident("?1", "?2"), channel, ts))
	if err != nil {
		return nil, sqlstore.NotFound(err, sql.ErrNoRows, "find thread %s %s", channel, ts)
	}
	return inc, nil
}
