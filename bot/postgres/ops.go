package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// queueLock is the advisory lock on one incident generation's queue. Taken
// before looking for a pending op to merge into and before appending, it
// makes "merge or enqueue" atomic across replicas and keeps op ids in
// commit order within the queue, so a worker never sees a later op of an
// incident before an earlier one.
func queueLock(key string, generation int) int64 {
	return lockKey("queue", key, strconv.Itoa(generation))
}

func (t *txn) EnqueueOp(ctx context.Context, op *bot.Op) error {
	if err := t.lock(ctx, queueLock(op.IncidentKey, op.Generation)); err != nil {
		return fmt.Errorf("enqueue op: %w", err)
	}
	err := t.tx.QueryRow(ctx, `INSERT INTO outbox (incident_key, generation, kind, channel, payload, state,
		attempts, next_attempt_at, created_at, maybe_sent, last_error, slack_ts)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		op.IncidentKey, op.Generation, op.Kind, op.Channel, op.Payload, op.State, op.Attempts,
		sqlstore.Nanos(op.NextAttemptAt), sqlstore.Nanos(op.CreatedAt), op.MaybeSent, op.LastError, op.SlackTS).Scan(&op.ID)
	if err != nil {
		return fmt.Errorf("enqueue op: %w", err)
	}
	return nil
}

// FindPendingOp, in an Update, locks the queue and the op row it returns,
// so no worker claims the op while the caller merges into it.
func (t *txn) FindPendingOp(ctx context.Context, key string, generation int, kind bot.OpKind) (*bot.Op, error) {
	if err := t.lock(ctx, queueLock(key, generation)); err != nil {
		return nil, fmt.Errorf("find pending op: %w", err)
	}
	q := `SELECT ` + sqlstore.OpCols + ` FROM outbox
		WHERE incident_key = $1 AND generation = $2 AND state = 'pending' AND kind = $3 ORDER BY id DESC LIMIT 1`
	if t.write {
		q += ` FOR UPDATE`
	}
	op, err := sqlstore.ScanOp(t.tx.QueryRow(ctx, q, key, generation, kind))
	if err != nil {
		return nil, sqlstore.NotFound(err, pgx.ErrNoRows, "find pending op")
	}
	return op, nil
}

// UpdateOp guards every state change of an op, because with several
// replicas the op the caller read may have moved on:
//
//   - from a claim this Store holds (the worker recording the outcome):
//     only while the claim still stands; if another worker has taken the op
//     over since (the lease ran out), the outcome is dropped without error,
//     since the new claimer will settle the op.
//   - otherwise (merging into a pending op): only while the op is pending.
//
// Claims go through ClaimOp; UpdateOp refuses OpSending. A change the guard
// refuses is ErrConflict; the bot's transaction rolls back and it retries
// on fresh reads.
func (t *txn) UpdateOp(ctx context.Context, op *bot.Op) error {
	if op.State == bot.OpSending {
		return fmt.Errorf("update op %d: UpdateOp does not claim; use ClaimOp", op.ID)
	}
	t.locked = true
	cond := `state = 'pending'`
	args := []any{op.State, op.Payload, op.Attempts, sqlstore.Nanos(op.NextAttemptAt), op.MaybeSent, op.LastError,
		op.SlackTS, op.Channel, op.ID}
	mine := t.holds(op.ID)
	if mine {
		cond = `state = 'sending' AND claimed_by = $10`
		args = append(args, t.s.me)
	}
	tag, err := t.tx.Exec(ctx, `UPDATE outbox SET state = $1, payload = $2, attempts = $3, next_attempt_at = $4,
		maybe_sent = $5, last_error = $6, slack_ts = $7, channel = $8, claimed_by = '', lease_until = NULL
		WHERE id = $9 AND `+cond, args...)
	if err != nil {
		return fmt.Errorf("update op %d: %w", op.ID, err)
	}
	if tag.RowsAffected() == 0 {
		err := t.opRefused(ctx, op.ID, "update", mine)
		if mine && errors.Is(err, bot.ErrConflict) {
			// Our claim ran out and another worker took the op over (with
			// MaybeSent, so it looks in Slack before posting). Its outcome
			// is the one that counts; refusing ours would only make the
			// bot retry a record that can never succeed.
			t.s.log.Warn("outcome of an op whose claim was taken over is ignored",
				"op_id", op.ID, "incident_key", op.IncidentKey, "state", op.State, "error", err)
			return nil
		}
		return err
	}
	if mine {
		t.setClaim(op.ID, false)
	}
	return nil
}

// ClaimOp claims an op only from pending with the next attempt time the
// worker read (not retried since), or from sending whose lease ran out,
// skipping a row another transaction has locked (a merge in progress: the
// worker rescans shortly). The claim takes a lease, and the op comes back
// as stored, so the worker sends the payload merged in most recently (and
// sees MaybeSent set by a takeover), not what it read before claiming.
func (t *txn) ClaimOp(ctx context.Context, id int64, due time.Time) (*bot.Op, error) {
	t.locked = true
	leaseMicros := t.s.lease.Microseconds()
	row := t.tx.QueryRow(ctx, `UPDATE outbox o SET state = 'sending', claimed_by = $3,
			lease_until = now() + $4 * interval '1 microsecond',
			maybe_sent = o.maybe_sent OR o.state = 'sending'
		FROM (SELECT id, state = 'sending' AS takeover FROM outbox WHERE id = $1
			AND ((state = 'pending' AND next_attempt_at = $2) OR (state = 'sending' AND lease_until < now()))
			FOR UPDATE SKIP LOCKED) c
		WHERE o.id = c.id
		RETURNING `+sqlstore.Prefixed("o.", sqlstore.OpCols)+`, c.takeover`, id, sqlstore.Nanos(due), t.s.me, leaseMicros)
	var takeover bool
	got, err := sqlstore.ScanOp(extraScan{row, &takeover})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, t.opRefused(ctx, id, "claim", false)
	}
	if err != nil {
		return nil, fmt.Errorf("claim op %d: %w", id, err)
	}
	t.setClaim(id, true)
	if takeover {
		t.takeovers++
	}
	return got, nil
}

// extraScan scans one more column after what its caller asks for.
type extraScan struct {
	sqlstore.Scanner
	extra any
}

func (e extraScan) Scan(dest ...any) error { return e.Scanner.Scan(append(dest, e.extra)...) }

// opRefused explains an UpdateOp that matched no row: ErrNotFound when
// there is no such op, else ErrConflict.
func (t *txn) opRefused(ctx context.Context, id int64, what string, mine bool) error {
	var state, by string
	err := t.tx.QueryRow(ctx, `SELECT state, claimed_by FROM outbox WHERE id = $1`, id).Scan(&state, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("%s op %d: %w", what, id, err)
	}
	if mine {
		// Our claim is gone (lease expired and another worker took over).
		t.setClaim(id, false)
		return fmt.Errorf("%s op %d: claim lost (state %s, claimed by %q): %w", what, id, state, by, bot.ErrConflict)
	}
	return fmt.Errorf("%s op %d: changed by another worker (state %s, claimed by %q): %w", what, id, state, by, bot.ErrConflict)
}

// ReadyOps returns due head-of-queue pending ops and, as pending with
// MaybeSent, ops whose claim's lease ran out (their claimer stopped): any
// replica may take those over.
func (t *txn) ReadyOps(ctx context.Context, now time.Time, limit int) ([]*bot.Op, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+sqlstore.Prefixed("o.", sqlstore.OpCols)+` FROM outbox o
		WHERE ((o.state = 'pending' AND o.next_attempt_at <= $1) OR (o.state = 'sending' AND o.lease_until < now()))
		AND `+sqlstore.HeadOfQueue+` ORDER BY o.next_attempt_at, o.id LIMIT $2`, sqlstore.Nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ready ops: %w", err)
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, "ready ops", sqlstore.ScanOp)
	for _, op := range out {
		if op.State == bot.OpSending {
			op.State, op.MaybeSent = bot.OpPending, true
		}
	}
	return out, err
}

// NextDue also counts the lease expiry of ops other replicas hold: if one
// died mid-call, this replica wakes when the lease runs out and takes the op
// over, instead of sleeping until something else wakes it. The expiry is
// converted from the server's clock to the caller's by its distance from the
// server's now, so clock skew between hosts does not matter.
func (t *txn) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var n *int64
	err := t.tx.QueryRow(ctx, `SELECT LEAST(
		(SELECT min(o.next_attempt_at) FROM outbox o WHERE o.state = 'pending' AND `+sqlstore.HeadOfQueue+`),
		(SELECT $1::bigint + (extract(epoch FROM min(o.lease_until) - now()) * 1e9)::bigint
			FROM outbox o WHERE o.state = 'sending' AND o.claimed_by <> $2 AND `+sqlstore.HeadOfQueue+`))`,
		sqlstore.Nanos(now), t.s.me).Scan(&n)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due op: %w", err)
	}
	if n == nil {
		return time.Time{}, false, nil
	}
	return sqlstore.FromNanos(*n), true, nil
}

func (t *txn) CountOps(ctx context.Context, state bot.OpState) (int, error) {
	var n int
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state = $1`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("count ops: %w", err)
	}
	return n, nil
}

func (t *txn) ListOps(ctx context.Context, key string) ([]*bot.Op, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+sqlstore.OpCols+` FROM outbox WHERE incident_key = $1 ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("list ops: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list ops", sqlstore.ScanOp)
}

// RecoverOps puts back ops this Store (or a previous process with the same
// replica id) left sending, and ops whose lease ran out, never ops another
// live replica is sending right now.
func (t *txn) RecoverOps(ctx context.Context) (int, error) {
	t.locked = true
	rows, err := t.tx.Query(ctx, `UPDATE outbox SET state = 'pending', maybe_sent = true, claimed_by = '', lease_until = NULL
		WHERE state = 'sending' AND (claimed_by = $1 OR lease_until IS NULL OR lease_until < now()) RETURNING id`, t.s.me)
	if err != nil {
		return 0, fmt.Errorf("recover ops: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("recover ops: %w", err)
		}
		t.setClaim(id, false)
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("recover ops: %w", err)
	}
	return n, nil
}

func (t *txn) RetryNow(ctx context.Context, channel string, now time.Time) (int, error) {
	t.locked = true
	tag, err := t.tx.Exec(ctx, sqlstore.RetryNow("$1", "$2"), sqlstore.Nanos(now), channel)
	if err != nil {
		return 0, fmt.Errorf("retry now: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Lease is how long a claim holds without renewal.
func (s *Store) Lease() time.Duration { return s.lease }

// RenewLeases extends the leases of ops this Store has claimed and is still
// sending, so a call slower than the lease is not taken over by another
// replica. Ops it no longer holds are left alone.
func (s *Store) RenewLeases(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET lease_until = now() + $3 * interval '1 microsecond'
		WHERE id = ANY($1) AND state = 'sending' AND claimed_by = $2`, ids, s.me, s.lease.Microseconds())
	if err != nil {
		return fmt.Errorf("renew leases: %w", err)
	}
	return nil
}
