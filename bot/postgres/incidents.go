package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// FindIncident, in an Update, first locks the incident key: replicas
// accepting for the same incident take turns from here to commit, so the
// second reads the first's result (and does not create the incident again)
// instead of failing on a version conflict.
func (t *txn) FindIncident(ctx context.Context, key string) (*bot.Incident, error) {
	if err := t.lock(ctx, lockKey("incident", key)); err != nil {
		return nil, fmt.Errorf("find incident %s: %w", key, err)
	}
	inc, err := sqlstore.ScanIncident(t.tx.QueryRow(ctx, `SELECT `+sqlstore.IncidentCols+sqlstore.IncidentFrom+
		`WHERE i.key = $1 ORDER BY i.generation DESC LIMIT 1`, key))
	if err != nil {
		return nil, sqlstore.NotFound(err, pgx.ErrNoRows, "find incident %s", key)
	}
	return inc, nil
}

func (t *txn) FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error) {
	inc, err := sqlstore.ScanIncident(t.tx.QueryRow(ctx, `SELECT `+sqlstore.IncidentCols+sqlstore.IncidentFrom+
		`WHERE i.key = $1 AND i.generation = $2`, key, generation))
	if err != nil {
		return nil, sqlstore.NotFound(err, pgx.ErrNoRows, "find incident %s/%d", key, generation)
	}
	return inc, nil
}

func (t *txn) CreateIncident(ctx context.Context, inc *bot.Incident) error {
	t.locked = true
	data, err := sqlstore.EncodeData(inc)
	if err != nil {
		return err
	}
	// ON CONFLICT DO NOTHING: a replica that created the same generation
	// first makes this ErrConflict, and the transaction stays usable.
	args := append([]any{inc.Key, inc.Generation, inc.Source, inc.Status, inc.Severity, inc.Title,
		sqlstore.Nanos(inc.OpenedAt), sqlstore.Nanos(inc.UpdatedAt), sqlstore.Nanos(inc.ResolvedAt), data},
		sqlstore.SilenceArgs(inc)...)
	tag, err := t.tx.Exec(ctx, `INSERT INTO incidents (key, generation, source, status, severity, title,
		opened_at, updated_at, resolved_at, version, data, `+strings.Join(sqlstore.SilenceCols, ", ")+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12, $13, $14)
		ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("create incident %s: %w", inc.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create incident %s generation %d: exists: %w", inc.Key, inc.Generation, bot.ErrConflict)
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO threads (key, generation, channel, ts) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key, generation) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
		inc.Key, inc.Generation, inc.Thread.Channel, inc.Thread.TS)
	if err != nil {
		return fmt.Errorf("create thread %s: %w", inc.Key, err)
	}
	inc.Version = 1
	return nil
}

// UpdateIncident is a compare-and-set on version. Under READ COMMITTED a
// replica updating the same row waits for the other's commit, then
// re-checks the version against the committed row, so a stale copy always
// ends in ErrConflict, never in a lost update.
func (t *txn) UpdateIncident(ctx context.Context, inc *bot.Incident) error {
	t.locked = true
	data, err := sqlstore.EncodeData(inc)
	if err != nil {
		return err
	}
	var v int64
	err = t.tx.QueryRow(ctx, `UPDATE incidents SET source = $1, status = $2, severity = $3, title = $4,
		opened_at = $5, updated_at = $6, resolved_at = $7, version = version + 1, data = $8,
		silence_id = $9, silenced_by = $10, silenced_until = $11, silence_until_resolved = $12
		WHERE key = $13 AND generation = $14 AND version = $15 RETURNING version`,
		append(append([]any{inc.Source, inc.Status, inc.Severity, inc.Title, sqlstore.Nanos(inc.OpenedAt), sqlstore.Nanos(inc.UpdatedAt),
			sqlstore.Nanos(inc.ResolvedAt), data}, sqlstore.SilenceArgs(inc)...), inc.Key, inc.Generation, inc.Version)...).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		var stored int64
		err := t.tx.QueryRow(ctx, `SELECT version FROM incidents WHERE key = $1 AND generation = $2`,
			inc.Key, inc.Generation).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update incident %s: %w", inc.Key, err)
		}
		return fmt.Errorf("update incident %s: version %d, stored %d: %w", inc.Key, inc.Version, stored, bot.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("update incident %s: %w", inc.Key, err)
	}
	inc.Version = v
	return nil
}

func (t *txn) SetThreadTS(ctx context.Context, key string, generation int, channelID, ts string) error {
	t.locked = true
	tag, err := t.tx.Exec(ctx, `UPDATE threads SET channel = $1, ts = $2 WHERE key = $3 AND generation = $4`,
		channelID, ts, key, generation)
	if err != nil {
		return fmt.Errorf("set thread ts: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bot.ErrNotFound
	}
	return nil
}

func (t *txn) ListIncidents(ctx context.Context, open bool, limit int) ([]*bot.Incident, error) {
	q := sqlstore.ListIncidents(open) + ` LIMIT $1`
	rows, err := t.tx.Query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list incidents", sqlstore.ScanIncident)
}

func (t *txn) ListSilenced(ctx context.Context, limit int) ([]*bot.Incident, error) {
	rows, err := t.tx.Query(ctx, sqlstore.ListSilenced+` LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list silenced incidents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list silenced incidents", sqlstore.ScanIncident)
}

func (t *txn) StaleParents(ctx context.Context, before time.Time, limit int) ([]*bot.Incident, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+sqlstore.IncidentCols+` FROM incidents i JOIN threads t ON t.key = i.key AND t.generation = i.generation
		WHERE i.status <> 'resolved' AND t.ts <> '' AND NOT EXISTS (SELECT 1 FROM outbox o
			WHERE o.incident_key = i.key AND o.generation = i.generation AND o.kind IN ('post_parent', 'update_parent')
			AND (o.state IN ('pending', 'sending') OR o.created_at >= $1))
		ORDER BY i.updated_at, i.key LIMIT $2`, sqlstore.Nanos(before), limit)
	if err != nil {
		return nil, fmt.Errorf("stale parents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "stale parents", sqlstore.ScanIncident)
}
