package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
)

func (t *txn) FindIncident(ctx context.Context, key string) (*bot.Incident, error) {
	row := t.row(ctx, `SELECT `+sqlstore.IncidentCols+sqlstore.IncidentFrom+
		`WHERE i.key = ? ORDER BY i.generation DESC LIMIT 1`, key)
	inc, err := sqlstore.ScanIncident(row)
	if err != nil {
		return nil, sqlstore.NotFound(err, sql.ErrNoRows, "find incident %s", key)
	}
	return inc, nil
}

func (t *txn) FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error) {
	row := t.row(ctx, `SELECT `+sqlstore.IncidentCols+sqlstore.IncidentFrom+
		`WHERE i.key = ? AND i.generation = ?`, key, generation)
	inc, err := sqlstore.ScanIncident(row)
	if err != nil {
		return nil, sqlstore.NotFound(err, sql.ErrNoRows, "find incident %s/%d", key, generation)
	}
	return inc, nil
}

func (t *txn) CreateIncident(ctx context.Context, inc *bot.Incident) error {
	data, err := sqlstore.EncodeData(inc)
	if err != nil {
		return err
	}
	args := append([]any{inc.Key, inc.Generation, inc.Source, inc.Status, inc.Severity, inc.Title,
		sqlstore.Nanos(inc.OpenedAt), sqlstore.Nanos(inc.UpdatedAt), sqlstore.Nanos(inc.ResolvedAt), string(data)}, // TEXT, not a BLOB
		sqlstore.SilenceArgs(inc)...)
	_, err = t.exec(ctx, `INSERT INTO incidents (key, generation, source, status, severity, title,
		opened_at, updated_at, resolved_at, version, data, `+strings.Join(sqlstore.SilenceCols, ", ")+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return mapErr(fmt.Errorf("create incident %s: %w", inc.Key, err))
	}
	_, err = t.exec(ctx, `INSERT INTO threads (key, generation, channel, ts) VALUES (?, ?, ?, ?)`,
		inc.Key, inc.Generation, inc.Thread.Channel, inc.Thread.TS)
	if err != nil {
		return mapErr(fmt.Errorf("create thread %s: %w", inc.Key, err))
	}
	inc.Version = 1
	return nil
}

func (t *txn) UpdateIncident(ctx context.Context, inc *bot.Incident) error {
	data, err := sqlstore.EncodeData(inc)
	if err != nil {
		return err
	}
	args := append([]any{inc.Source, inc.Status, inc.Severity, inc.Title, sqlstore.Nanos(inc.OpenedAt), sqlstore.Nanos(inc.UpdatedAt),
		sqlstore.Nanos(inc.ResolvedAt), string(data)}, sqlstore.SilenceArgs(inc)...)
	res, err := t.exec(ctx, `UPDATE incidents SET source = ?, status = ?, severity = ?, title = ?,
		opened_at = ?, updated_at = ?, resolved_at = ?, version = version + 1, data = ?,
		`+strings.Join(sqlstore.SilenceCols, " = ?, ")+` = ?
		WHERE key = ? AND generation = ? AND version = ?`, append(args, inc.Key, inc.Generation, inc.Version)...)
	if err != nil {
		return mapErr(fmt.Errorf("update incident %s: %w", inc.Key, err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var v int64
		err := t.row(ctx, `SELECT version FROM incidents WHERE key = ? AND generation = ?`,
			inc.Key, inc.Generation).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.ErrNotFound
		}
		return fmt.Errorf("update incident %s: version %d, stored %d: %w", inc.Key, inc.Version, v, bot.ErrConflict)
	}
	inc.Version++
	return nil
}

func (t *txn) SetThreadTS(ctx context.Context, key string, generation int, channelID, ts string) error {
	res, err := t.exec(ctx, `UPDATE threads SET channel = ?, ts = ? WHERE key = ? AND generation = ?`,
		channelID, ts, key, generation)
	if err != nil {
		return fmt.Errorf("set thread ts: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bot.ErrNotFound
	}
	return nil
}

func (t *txn) ListIncidents(ctx context.Context, open bool, limit int) ([]*bot.Incident, error) {
	q := sqlstore.ListIncidents(open) + ` LIMIT ?`
	rows, err := t.query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list incidents", sqlstore.ScanIncident)
}

func (t *txn) ListSilenced(ctx context.Context, limit int) ([]*bot.Incident, error) {
	rows, err := t.query(ctx, sqlstore.ListSilenced+` LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list silenced incidents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "list silenced incidents", sqlstore.ScanIncident)
}

func (t *txn) StaleParents(ctx context.Context, before time.Time, limit int) ([]*bot.Incident, error) {
	rows, err := t.query(ctx, `SELECT `+sqlstore.IncidentCols+` FROM incidents i JOIN threads t ON t.key = i.key AND t.generation = i.generation
		WHERE i.status <> 'resolved' AND t.ts <> '' AND NOT EXISTS (SELECT 1 FROM outbox o
			WHERE o.incident_key = i.key AND o.generation = i.generation AND o.kind IN ('post_parent', 'update_parent')
			AND (o.state IN ('pending', 'sending') OR o.created_at >= ?))
		ORDER BY i.updated_at, i.key LIMIT ?`, sqlstore.Nanos(before), limit)
	if err != nil {
		return nil, fmt.Errorf("stale parents: %w", err)
	}
	defer rows.Close()
	return sqlstore.Collect(rows, "stale parents", sqlstore.ScanIncident)
}
