package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
)

func (t *txn) EnqueueOp(ctx context.Context, op *bot.Op) error {
	res, err := t.exec(ctx, `INSERT INTO outbox (incident_key, generation, kind, channel, payload, state,
		attempts, next_attempt_at, created_at, maybe_sent, last_error, slack_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		op.IncidentKey, op.Generation, op.Kind, op.Channel, op.Payload, op.State, op.Attempts,
		sqlstore.Nanos(op.NextAttemptAt), sqlstore.Nanos(op.CreatedAt), boolInt(op.MaybeSent), op.LastError, op.SlackTS)
	if err != nil {
		return mapErr(fmt.Errorf("enqueue op: %w", err))
	}
	op.ID, err = res.LastInsertId()
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *txn) FindPendingOp(ctx context.Context, key string, generation int, kind bot.OpKind) (*bot.Op, error) {
	row := t.row(ctx, `SELECT `+sqlstore.OpCols+` FROM outbox
		WHERE incident_key = ? AND generation = ? AND state = 'pending' AND kind = ? ORDER BY id DESC LIMIT 1`,
		key, generation, kind)
	op, err := sqlstore.ScanOp(row)
	if err != nil {
		return nil, sqlstore.NotFound(err, sql.ErrNoRows, "find pending op")
	}
	return op, nil
}

func (t *txn) UpdateOp(ctx context.Context, op *bot.Op) error {
	if op.State == bot.OpSending {
		return fmt.Errorf("update op %d: UpdateOp does not claim; use ClaimOp", op.ID)
	}
	res, err := t.exec(ctx, `UPDATE outbox SET state = ?, payload = ?, attempts = ?, next_attempt_at = ?,
		maybe_sent = ?, last_error = ?, slack_ts = ?, channel = ? WHERE id = ?`,
		op.State, op.Payload, op.Attempts, sqlstore.Nanos(op.NextAttemptAt), boolInt(op.MaybeSent), op.LastError,
		op.SlackTS, op.Channel, op.ID)
	if err != nil {
		return fmt.Errorf("update op %d: %w", op.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// ClaimOp is one conditional UPDATE … RETURNING: the op is claimed only if
// it is still pending with the next attempt time the worker read, and the
// row comes back as stored, with any payload merged in since the read.
func (t *txn) ClaimOp(ctx context.Context, id int64, due time.Time) (*bot.Op, error) {
	op, err := sqlstore.ScanOp(t.row(ctx, `UPDATE outbox SET state = 'sending'
		WHERE id = ? AND state = 'pending' AND next_attempt_at = ? RETURNING `+sqlstore.OpCols, id, sqlstore.Nanos(due)))
	if errors.Is(err, sql.ErrNoRows) {
		var state string
		var next int64
		err := t.row(ctx, `SELECT state, next_attempt_at FROM outbox WHERE id = ?`, id).Scan(&state, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, bot.ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("claim op %d: %w", id, err)
		}
		return nil, fmt.Errorf("claim op %d: now %s, due %s (read due %s): %w", id, state,
			sqlstore.FromNanos(next).Format(time.RFC3339Nano), due.Format(time.RFC3339Nano), bot.ErrConflict)
	}
	if err != nil {
		return nil, mapErr(fmt.Errorf("claim op %d: %w", id, err))
	}
	return op, nil
}

// headOfQueue selects pending ops with no earlier unfinished op for the same
// incident generation.
const headOfQueue = `o.state = 'pending' AND ` + sqlstore.HeadOfQueue

func (t *txn) ReadyOps(ctx context.Context, now time.Time, limit int) ([]*bot.Op, error) {
	rows, err := t.query(ctx, `SELECT `+sqlstore.Prefixed("o.", sqlstore.OpCols)+` FROM outbox o
		WHERE o.next_attempt_at <= ? AND `+headOfQueue+` ORDER BY o.next_attempt_at, o.id LIMIT ?`, sqlstore.Nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ready ops: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "ready ops", sqlstore.ScanOp)
}

// NextDue looks at pending ops only: the SQLite store serves one process,
// whose ops left sending by a crash RecoverOps puts back at start.
func (t *txn) NextDue(ctx context.Context, _ time.Time) (time.Time, bool, error) {
	var n sql.NullInt64
	err := t.row(ctx, `SELECT min(o.next_attempt_at) FROM outbox o WHERE `+headOfQueue).Scan(&n)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due op: %w", err)
	}
	if !n.Valid {
		return time.Time{}, false, nil
	}
	return sqlstore.FromNanos(n.Int64), true, nil
}

func (t *txn) CountOps(ctx context.Context, state bot.OpState) (int, error) {
	var n int
	if err := t.row(ctx, `SELECT count(*) FROM outbox WHERE state = ?`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("count ops: %w", err)
	}
	return n, nil
}

func (t *txn) ListOps(ctx context.Context, key string) ([]*bot.Op, error) {
	rows, err := t.query(ctx, `SELECT `+sqlstore.OpCols+` FROM outbox WHERE incident_key = ? ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("list ops: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list ops", sqlstore.ScanOp)
}

func (t *txn) RecoverOps(ctx context.Context) (int, error) {
	res, err := t.exec(ctx, `UPDATE outbox SET state = 'pending', maybe_sent = 1 WHERE state = 'sending'`)
	if err != nil {
		return 0, fmt.Errorf("recover ops: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (t *txn) RetryNow(ctx context.Context, channel string, now time.Time) (int, error) {
	res, err := t.exec(ctx, sqlstore.RetryNow("?1", "?2"), sqlstore.Nanos(now), channel)
	if err != nil {
		return 0, fmt.Errorf("retry now: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
