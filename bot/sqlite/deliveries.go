package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/compasshq/compass/bot/internal/sqlstore"
)

// SeenDelivery needs no lock: the SQLite store has one writer, so the
// lookup and the RecordDelivery after it cannot interleave with another's.
func (t *txn) SeenDelivery(ctx context.Context, source, id, contentKey string) (bool, error) {
	if id == "" && contentKey == "" {
		return false, nil
	}
	// Two lookups, each written so that SQLite uses its partial unique
	// index (the literal "<> ''" term is what lets it).
	var one int
	if id != "" {
		err := t.row(ctx, `SELECT 1 FROM deliveries WHERE source = ? AND id = ? AND id <> ''`, source, id).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("look up delivery: %w", err)
		}
	}
	if contentKey != "" {
		err := t.row(ctx, `SELECT 1 FROM deliveries WHERE source = ? AND content_key = ? AND content_key <> ''`, source, contentKey).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("look up delivery: %w", err)
		}
	}
	return false, nil
}

func (t *txn) RecordDelivery(ctx context.Context, source, id, contentKey string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO deliveries (source, id, content_key, received_at) VALUES (?, ?, ?, ?)`,
		source, id, contentKey, sqlstore.Nanos(at))
	if err != nil {
		return mapErr(fmt.Errorf("record delivery: %w", err))
	}
	return nil
}

// Prune runs the shared retention statements; ?1 repeats the cut-off.
func (t *txn) Prune(ctx context.Context, before time.Time) (int, error) {
	n := 0
	for _, q := range sqlstore.PruneStatements("?1") {
		res, err := t.exec(ctx, q, sqlstore.Nanos(before))
		if err != nil {
			return 0, fmt.Errorf("prune: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}
