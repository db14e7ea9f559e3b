package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/compasshq/compass/bot/internal/sqlstore"
)

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

func (t *txn) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	r1, err := t.exec(ctx, `DELETE FROM deliveries WHERE received_at < ?`, sqlstore.Nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	r2, err := t.exec(ctx, `DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < ?`, sqlstore.Nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	n1, _ := r1.RowsAffected()
	n2, _ := r2.RowsAffected()
	return int(n1 + n2), nil
}
