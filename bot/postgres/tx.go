package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
)

// txn is a bot.Tx on one pgx transaction.
type txn struct {
	tx    pgx.Tx
	s     *Store
	write bool // an Update (locks are taken); false in View
	// claims are this transaction's changes to s.claimed, applied on
	// commit: true for an op claimed, false for one released.
	claims map[int64]bool
	// takeovers counts ops claimed from a replica whose lease ran out;
	// added to the Store's count on commit.
	takeovers int64
	// locked: the transaction holds a lock (advisory or row) already.
	// Until it does, waiting for a lock cannot close a deadlock cycle.
	locked bool
}

func (t *txn) setClaim(id int64, held bool) {
	if t.claims == nil {
		t.claims = map[int64]bool{}
	}
	t.claims[id] = held
}

// holds reports whether this Store holds the claim on op id, counting
// this transaction's own claims and releases.
func (t *txn) holds(id int64) bool {
	if held, ok := t.claims[id]; ok {
		return held
	}
	return t.s.holds(id)
}

// lock takes transaction-scoped advisory locks, in key order so that two
// transactions locking the same set cannot deadlock on it. A statement of
// its own: in READ COMMITTED, the statement after it sees whatever the
// previous holder committed.
func (t *txn) lock(ctx context.Context, keys ...int64) error {
	if !t.write || len(keys) == 0 {
		return nil
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k`, keys); err != nil {
		return fmt.Errorf("take lock: %w", err)
	}
	t.locked = true
	return nil
}
