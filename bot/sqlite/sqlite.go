// Package sqlite is the embedded bot.Store: one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode, with one writer at a time.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a bot.Store on a SQLite file.
type Store struct {
	db *sql.DB
	// writer serialises write transactions in process: SQLite allows one
	// writer, and waiting here (with ctx) is cheaper than spinning on
	// SQLITE_BUSY.
	writer chan struct{}

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared once, reused by every transaction
}

var _ bot.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	// busy_timeout covers other processes (a second bot on the same file,
	// the sqlite3 shell); synchronous=FULL makes an acknowledged webhook
	// survive power loss, not only a crash.
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, writer: make(chan struct{}, 1), stmts: map[string]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var have int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for i, name := range names {
		v := i + 1
		if v <= have {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	if have > len(names) {
		return fmt.Errorf("database schema version %d is newer than this compass (%d)", have, len(names))
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[string]*sql.Stmt{}
	s.mu.Unlock()
	return s.db.Close()
}

// stmt returns the prepared statement for query, preparing it on first use:
// SQLite's parser is a large part of a short transaction's cost.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// View runs fn in a read-only transaction, which in WAL mode runs alongside
// the writer.
func (s *Store) View(ctx context.Context, fn func(bot.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return mapErr(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback()
	return mapErr(fn(&txn{tx: tx, s: s}))
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// Update runs fn in one IMMEDIATE transaction.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", bot.ErrBusy, ctx.Err())
	}
	defer func() { <-s.writer }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(fmt.Errorf("begin: %w", err))
	}
	if err := fn(&txn{tx: tx, s: s}); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// mapErr turns SQLite's busy and constraint errors into the bot's.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %w", bot.ErrBusy, err)
		case sqlite3.SQLITE_CONSTRAINT:
			if !errors.Is(err, bot.ErrConflict) {
				return fmt.Errorf("%w: %w", bot.ErrConflict, err)
			}
		}
	}
	return err
}

type txn struct {
	tx *sql.Tx
	s  *Store
}

func (t *txn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t *txn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// row is QueryRowContext through the statement cache.
func (t *txn) row(ctx context.Context, query string, args ...any) scanner {
	st, err := t.s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

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
		source, id, contentKey, nanos(at))
	if err != nil {
		return mapErr(fmt.Errorf("record delivery: %w", err))
	}
	return nil
}

func (t *txn) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	r1, err := t.exec(ctx, `DELETE FROM deliveries WHERE received_at < ?`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	r2, err := t.exec(ctx, `DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < ?`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	n1, _ := r1.RowsAffected()
	n2, _ := r2.RowsAffected()
	return int(n1 + n2), nil
}

// incidentData is the JSON part of an incident row.
type incidentData struct {
	URL       string            `json:"url,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Alerts    []bot.Alert       `json:"alerts,omitempty"`
	Owner     string            `json:"owner,omitempty"`
	Assignee  string            `json:"assignee,omitempty"`
	Priority  string            `json:"priority,omitempty"`
	Broadcast bool              `json:"broadcast,omitempty"`
}

const incidentCols = `i.key, i.generation, i.source, i.status, i.severity, i.title, i.opened_at, i.updated_at,
	i.resolved_at, i.version, i.data, COALESCE(t.channel, ''), COALESCE(t.ts, '')`

const incidentFrom = ` FROM incidents i LEFT JOIN threads t ON t.key = i.key AND t.generation = i.generation `

type scanner interface{ Scan(...any) error }

func scanIncident(sc scanner) (*bot.Incident, error) {
	var inc bot.Incident
	var opened, updated, resolved int64
	var data string
	err := sc.Scan(&inc.Key, &inc.Generation, &inc.Source, &inc.Status, &inc.Severity, &inc.Title,
		&opened, &updated, &resolved, &inc.Version, &data, &inc.Thread.Channel, &inc.Thread.TS)
	if err != nil {
		return nil, err
	}
	inc.OpenedAt, inc.UpdatedAt, inc.ResolvedAt = fromNanos(opened), fromNanos(updated), fromNanos(resolved)
	var d incidentData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("decode incident %s: %w", inc.Key, err)
	}
	inc.URL, inc.Labels, inc.Alerts = d.URL, d.Labels, d.Alerts
	inc.Owner, inc.Assignee, inc.Priority, inc.Broadcast = d.Owner, d.Assignee, d.Priority, d.Broadcast
	return &inc, nil
}

func encodeData(inc *bot.Incident) (string, error) {
	b, err := json.Marshal(incidentData{
		URL: inc.URL, Labels: inc.Labels, Alerts: inc.Alerts, Owner: inc.Owner,
		Assignee: inc.Assignee, Priority: inc.Priority, Broadcast: inc.Broadcast,
	})
	if err != nil {
		return "", fmt.Errorf("encode incident %s: %w", inc.Key, err)
	}
	return string(b), nil
}

func (t *txn) FindIncident(ctx context.Context, key string) (*bot.Incident, error) {
	row := t.row(ctx, `SELECT `+incidentCols+incidentFrom+
		`WHERE i.key = ? ORDER BY i.generation DESC LIMIT 1`, key)
	inc, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find incident %s: %w", key, err)
	}
	return inc, nil
}

func (t *txn) FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error) {
	row := t.row(ctx, `SELECT `+incidentCols+incidentFrom+
		`WHERE i.key = ? AND i.generation = ?`, key, generation)
	inc, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find incident %s/%d: %w", key, generation, err)
	}
	return inc, nil
}

func (t *txn) CreateIncident(ctx context.Context, inc *bot.Incident) error {
	data, err := encodeData(inc)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO incidents (key, generation, source, status, severity, title,
		opened_at, updated_at, resolved_at, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		inc.Key, inc.Generation, inc.Source, inc.Status, inc.Severity, inc.Title,
		nanos(inc.OpenedAt), nanos(inc.UpdatedAt), nanos(inc.ResolvedAt), data)
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
	data, err := encodeData(inc)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE incidents SET source = ?, status = ?, severity = ?, title = ?,
		opened_at = ?, updated_at = ?, resolved_at = ?, version = version + 1, data = ?
		WHERE key = ? AND generation = ? AND version = ?`,
		inc.Source, inc.Status, inc.Severity, inc.Title, nanos(inc.OpenedAt), nanos(inc.UpdatedAt),
		nanos(inc.ResolvedAt), data, inc.Key, inc.Generation, inc.Version)
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
	q := `SELECT ` + incidentCols + incidentFrom
	if open {
		q += `WHERE i.status <> 'resolved' `
	}
	q += `ORDER BY i.updated_at DESC, i.key LIMIT ?`
	rows, err := t.query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var out []*bot.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		out = append(out, inc)
	}
	return out, rows.Err()
}

const opCols = `id, incident_key, generation, kind, channel, payload, state, attempts, next_attempt_at,
	created_at, maybe_sent, last_error, slack_ts`

func scanOp(sc scanner) (*bot.Op, error) {
	var op bot.Op
	var next, created int64
	var maybe int
	err := sc.Scan(&op.ID, &op.IncidentKey, &op.Generation, &op.Kind, &op.Channel, &op.Payload, &op.State,
		&op.Attempts, &next, &created, &maybe, &op.LastError, &op.SlackTS)
	if err != nil {
		return nil, err
	}
	op.NextAttemptAt, op.CreatedAt, op.MaybeSent = fromNanos(next), fromNanos(created), maybe != 0
	return &op, nil
}

func (t *txn) EnqueueOp(ctx context.Context, op *bot.Op) error {
	res, err := t.exec(ctx, `INSERT INTO outbox (incident_key, generation, kind, channel, payload, state,
		attempts, next_attempt_at, created_at, maybe_sent, last_error, slack_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		op.IncidentKey, op.Generation, op.Kind, op.Channel, op.Payload, op.State, op.Attempts,
		nanos(op.NextAttemptAt), nanos(op.CreatedAt), boolInt(op.MaybeSent), op.LastError, op.SlackTS)
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
	row := t.row(ctx, `SELECT `+opCols+` FROM outbox
		WHERE incident_key = ? AND generation = ? AND state = 'pending' AND kind = ? ORDER BY id DESC LIMIT 1`,
		key, generation, kind)
	op, err := scanOp(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find pending op: %w", err)
	}
	return op, nil
}

func (t *txn) UpdateOp(ctx context.Context, op *bot.Op) error {
	if op.State == bot.OpSending {
		return fmt.Errorf("update op %d: UpdateOp does not claim; use ClaimOp", op.ID)
	}
	res, err := t.exec(ctx, `UPDATE outbox SET state = ?, payload = ?, attempts = ?, next_attempt_at = ?,
		maybe_sent = ?, last_error = ?, slack_ts = ?, channel = ? WHERE id = ?`,
		op.State, op.Payload, op.Attempts, nanos(op.NextAttemptAt), boolInt(op.MaybeSent), op.LastError,
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
	op, err := scanOp(t.row(ctx, `UPDATE outbox SET state = 'sending'
		WHERE id = ? AND state = 'pending' AND next_attempt_at = ? RETURNING `+opCols, id, nanos(due)))
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
			fromNanos(next).Format(time.RFC3339Nano), due.Format(time.RFC3339Nano), bot.ErrConflict)
	}
	if err != nil {
		return nil, mapErr(fmt.Errorf("claim op %d: %w", id, err))
	}
	return op, nil
}

// headOfQueue selects pending ops with no earlier unfinished op for the same
// incident generation.
const headOfQueue = `o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox p
	WHERE p.incident_key = o.incident_key AND p.generation = o.generation
	AND p.state IN ('pending', 'sending') AND p.id < o.id)`

func (t *txn) ReadyOps(ctx context.Context, now time.Time, limit int) ([]*bot.Op, error) {
	rows, err := t.query(ctx, `SELECT `+prefixed("o.", opCols)+` FROM outbox o
		WHERE o.next_attempt_at <= ? AND `+headOfQueue+` ORDER BY o.next_attempt_at, o.id LIMIT ?`, nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ready ops: %w", err)
	}
	defer rows.Close()
	var out []*bot.Op
	for rows.Next() {
		op, err := scanOp(rows)
		if err != nil {
			return nil, fmt.Errorf("ready ops: %w", err)
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
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
	return fromNanos(n.Int64), true, nil
}

func (t *txn) StaleParents(ctx context.Context, before time.Time, limit int) ([]*bot.Incident, error) {
	rows, err := t.query(ctx, `SELECT `+incidentCols+` FROM incidents i JOIN threads t ON t.key = i.key AND t.generation = i.generation
		WHERE i.status <> 'resolved' AND t.ts <> '' AND NOT EXISTS (SELECT 1 FROM outbox o
			WHERE o.incident_key = i.key AND o.generation = i.generation AND o.kind IN ('post_parent', 'update_parent')
			AND (o.state IN ('pending', 'sending') OR o.created_at >= ?))
		ORDER BY i.updated_at, i.key LIMIT ?`, nanos(before), limit)
	if err != nil {
		return nil, fmt.Errorf("stale parents: %w", err)
	}
	defer rows.Close()
	var out []*bot.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("stale parents: %w", err)
		}
		out = append(out, inc)
	}
	return out, rows.Err()
}

func (t *txn) CountOps(ctx context.Context, state bot.OpState) (int, error) {
	var n int
	if err := t.row(ctx, `SELECT count(*) FROM outbox WHERE state = ?`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("count ops: %w", err)
	}
	return n, nil
}

func (t *txn) ListOps(ctx context.Context, key string) ([]*bot.Op, error) {
	rows, err := t.query(ctx, `SELECT `+opCols+` FROM outbox WHERE incident_key = ? ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("list ops: %w", err)
	}
	defer rows.Close()
	var out []*bot.Op
	for rows.Next() {
		op, err := scanOp(rows)
		if err != nil {
			return nil, fmt.Errorf("list ops: %w", err)
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

func (t *txn) RecoverOps(ctx context.Context) (int, error) {
	res, err := t.exec(ctx, `UPDATE outbox SET state = 'pending', maybe_sent = 1 WHERE state = 'sending'`)
	if err != nil {
		return 0, fmt.Errorf("recover ops: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
