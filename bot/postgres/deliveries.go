package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
)

// SeenDelivery locks the delivery's id and content key before looking, so a
// replica handling the same notification as another waits for it and then
// sees its record, rather than applying the delivery a second time.
func (t *txn) SeenDelivery(ctx context.Context, source, id, contentKey string) (bool, error) {
	if id == "" && contentKey == "" {
		return false, nil
	}
	var keys []int64
	if id != "" {
		keys = append(keys, lockKey("delivery-id", source, id))
	}
	if contentKey != "" {
		keys = append(keys, lockKey("delivery-content", source, contentKey))
	}
	if t.write && t.locked {
		// Later in a batch: two replicas handed the same deliveries in
		// different orders would deadlock here (and wait out the server's
		// deadlock_timeout, a second). Refuse instead; the bot retries each
		// delivery in a transaction of its own, which waits.
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		var got bool
		if err := t.tx.QueryRow(ctx, `SELECT bool_and(pg_try_advisory_xact_lock(k)) FROM unnest($1::int8[]) AS k`, keys).Scan(&got); err != nil {
			return false, fmt.Errorf("look up delivery: %w", err)
		}
		if !got {
			return false, fmt.Errorf("delivery %s %q is being applied by another transaction: %w", source, id+contentKey, bot.ErrConflict)
		}
	} else if err := t.lock(ctx, keys...); err != nil {
		return false, fmt.Errorf("look up delivery: %w", err)
	}
	var seen bool
	err := t.tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM deliveries WHERE source = $1 AND id = $2 AND id <> '')
		OR EXISTS (SELECT 1 FROM deliveries WHERE source = $1 AND content_key = $3 AND content_key <> '')`,
		source, id, contentKey).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("look up delivery: %w", err)
	}
	return seen, nil
}

// RecordDelivery inserts with ON CONFLICT DO NOTHING, so a duplicate is
// reported as ErrConflict without aborting the transaction (as a failed
// statement would in Postgres).
func (t *txn) RecordDelivery(ctx context.Context, source, id, contentKey string, at time.Time) error {
	t.locked = true
	tag, err := t.tx.Exec(ctx, `INSERT INTO deliveries (source, id, content_key, received_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, source, id, contentKey, sqlstore.Nanos(at))
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("record delivery %s %q: already recorded: %w", source, id+contentKey, bot.ErrConflict)
	}
	return nil
}

// Prune runs the shared retention statements. Incidents it deletes are
// resolved long ago, so no replica's accept is changing them.
func (t *txn) Prune(ctx context.Context, before time.Time) (int, error) {
	t.locked = true
	n := 0
	for _, q := range sqlstore.PruneStatements("$1") {
		tag, err := t.tx.Exec(ctx, q, sqlstore.Nanos(before))
		if err != nil {
			return 0, fmt.Errorf("prune: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}
