package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
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
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, source, id, contentKey, nanos(at))
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("record delivery %s %q: already recorded: %w", source, id+contentKey, bot.ErrConflict)
	}
	return nil
}

func (t *txn) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	t.locked = true
	t1, err := t.tx.Exec(ctx, `DELETE FROM deliveries WHERE received_at < $1`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	t2, err := t.tx.Exec(ctx, `DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < $1`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return int(t1.RowsAffected() + t2.RowsAffected()), nil
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

func scanIncident(row pgx.Row) (*bot.Incident, error) {
	var inc bot.Incident
	var opened, updated, resolved int64
	var data []byte
	err := row.Scan(&inc.Key, &inc.Generation, &inc.Source, &inc.Status, &inc.Severity, &inc.Title,
		&opened, &updated, &resolved, &inc.Version, &data, &inc.Thread.Channel, &inc.Thread.TS)
	if err != nil {
		return nil, err
	}
	inc.OpenedAt, inc.UpdatedAt, inc.ResolvedAt = fromNanos(opened), fromNanos(updated), fromNanos(resolved)
	var d incidentData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode incident %s: %w", inc.Key, err)
	}
	inc.URL, inc.Labels, inc.Alerts = d.URL, d.Labels, d.Alerts
	inc.Owner, inc.Assignee, inc.Priority, inc.Broadcast = d.Owner, d.Assignee, d.Priority, d.Broadcast
	return &inc, nil
}

func encodeData(inc *bot.Incident) ([]byte, error) {
	b, err := json.Marshal(incidentData{
		URL: inc.URL, Labels: inc.Labels, Alerts: inc.Alerts, Owner: inc.Owner,
		Assignee: inc.Assignee, Priority: inc.Priority, Broadcast: inc.Broadcast,
	})
	if err != nil {
		return nil, fmt.Errorf("encode incident %s: %w", inc.Key, err)
	}
	return b, nil
}

// FindIncident, in an Update, first locks the incident key: replicas
// accepting for the same incident take turns from here to commit, so the
// second reads the first's result (and does not create the incident again)
// instead of failing on a version conflict.
func (t *txn) FindIncident(ctx context.Context, key string) (*bot.Incident, error) {
	if err := t.lock(ctx, lockKey("incident", key)); err != nil {
		return nil, fmt.Errorf("find incident %s: %w", key, err)
	}
	inc, err := scanIncident(t.tx.QueryRow(ctx, `SELECT `+incidentCols+incidentFrom+
		`WHERE i.key = $1 ORDER BY i.generation DESC LIMIT 1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find incident %s: %w", key, err)
	}
	return inc, nil
}

func (t *txn) FindGeneration(ctx context.Context, key string, generation int) (*bot.Incident, error) {
	inc, err := scanIncident(t.tx.QueryRow(ctx, `SELECT `+incidentCols+incidentFrom+
		`WHERE i.key = $1 AND i.generation = $2`, key, generation))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find incident %s/%d: %w", key, generation, err)
	}
	return inc, nil
}

func (t *txn) CreateIncident(ctx context.Context, inc *bot.Incident) error {
	t.locked = true
	data, err := encodeData(inc)
	if err != nil {
		return err
	}
	// ON CONFLICT DO NOTHING: a replica that created the same generation
	// first makes this ErrConflict, and the transaction stays usable.
	tag, err := t.tx.Exec(ctx, `INSERT INTO incidents (key, generation, source, status, severity, title,
		opened_at, updated_at, resolved_at, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)
		ON CONFLICT DO NOTHING`,
		inc.Key, inc.Generation, inc.Source, inc.Status, inc.Severity, inc.Title,
		nanos(inc.OpenedAt), nanos(inc.UpdatedAt), nanos(inc.ResolvedAt), data)
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
	data, err := encodeData(inc)
	if err != nil {
		return err
	}
	var v int64
	err = t.tx.QueryRow(ctx, `UPDATE incidents SET source = $1, status = $2, severity = $3, title = $4,
		opened_at = $5, updated_at = $6, resolved_at = $7, version = version + 1, data = $8
		WHERE key = $9 AND generation = $10 AND version = $11 RETURNING version`,
		inc.Source, inc.Status, inc.Severity, inc.Title, nanos(inc.OpenedAt), nanos(inc.UpdatedAt),
		nanos(inc.ResolvedAt), data, inc.Key, inc.Generation, inc.Version).Scan(&v)
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
	q := `SELECT ` + incidentCols + incidentFrom
	if open {
		q += `WHERE i.status <> 'resolved' `
	}
	q += `ORDER BY i.updated_at DESC, i.key LIMIT $1`
	rows, err := t.tx.Query(ctx, q, limit)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return out, nil
}

const opCols = `id, incident_key, generation, kind, channel, payload, state, attempts, next_attempt_at,
	created_at, maybe_sent, last_error, slack_ts`

func scanOp(row pgx.Row, op *bot.Op) error {
	var next, created int64
	err := row.Scan(&op.ID, &op.IncidentKey, &op.Generation, &op.Kind, &op.Channel, &op.Payload, &op.State,
		&op.Attempts, &next, &created, &op.MaybeSent, &op.LastError, &op.SlackTS)
	if err != nil {
		return err
	}
	op.NextAttemptAt, op.CreatedAt = fromNanos(next), fromNanos(created)
	return nil
}

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
		nanos(op.NextAttemptAt), nanos(op.CreatedAt), op.MaybeSent, op.LastError, op.SlackTS).Scan(&op.ID)
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
	q := `SELECT ` + opCols + ` FROM outbox
		WHERE incident_key = $1 AND generation = $2 AND state = 'pending' AND kind = $3 ORDER BY id DESC LIMIT 1`
	if t.write {
		q += ` FOR UPDATE`
	}
	var op bot.Op
	err := scanOp(t.tx.QueryRow(ctx, q, key, generation, kind), &op)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find pending op: %w", err)
	}
	return &op, nil
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
	args := []any{op.State, op.Payload, op.Attempts, nanos(op.NextAttemptAt), op.MaybeSent, op.LastError,
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
		FROM (SELECT id FROM outbox WHERE id = $1
			AND ((state = 'pending' AND next_attempt_at = $2) OR (state = 'sending' AND lease_until < now()))
			FOR UPDATE SKIP LOCKED) c
		WHERE o.id = c.id
		RETURNING `+prefixed("o.", opCols), id, nanos(due), t.s.me, leaseMicros)
	var got bot.Op
	err := scanOp(row, &got)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, t.opRefused(ctx, id, "claim", false)
	}
	if err != nil {
		return nil, fmt.Errorf("claim op %d: %w", id, err)
	}
	t.setClaim(id, true)
	return &got, nil
}

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

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// headOfQueue: no earlier op of the same incident generation is unfinished.
const headOfQueue = `NOT EXISTS (SELECT 1 FROM outbox p
	WHERE p.incident_key = o.incident_key AND p.generation = o.generation
	AND p.state IN ('pending', 'sending') AND p.id < o.id)`

// ReadyOps returns due head-of-queue pending ops and, as pending with
// MaybeSent, ops whose claim's lease ran out (their claimer stopped): any
// replica may take those over.
func (t *txn) ReadyOps(ctx context.Context, now time.Time, limit int) ([]*bot.Op, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+prefixed("o.", opCols)+` FROM outbox o
		WHERE ((o.state = 'pending' AND o.next_attempt_at <= $1) OR (o.state = 'sending' AND o.lease_until < now()))
		AND `+headOfQueue+` ORDER BY o.next_attempt_at, o.id LIMIT $2`, nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ready ops: %w", err)
	}
	defer rows.Close()
	var out []*bot.Op
	for rows.Next() {
		var op bot.Op
		if err := scanOp(rows, &op); err != nil {
			return nil, fmt.Errorf("ready ops: %w", err)
		}
		if op.State == bot.OpSending {
			op.State, op.MaybeSent = bot.OpPending, true
		}
		out = append(out, &op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ready ops: %w", err)
	}
	return out, nil
}

// NextDue also counts the lease expiry of ops other replicas hold: if one
// died mid-call, this replica wakes when the lease runs out and takes the op
// over, instead of sleeping until something else wakes it. The expiry is
// converted from the server's clock to the caller's by its distance from the
// server's now, so clock skew between hosts does not matter.
func (t *txn) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var n *int64
	err := t.tx.QueryRow(ctx, `SELECT LEAST(
		(SELECT min(o.next_attempt_at) FROM outbox o WHERE o.state = 'pending' AND `+headOfQueue+`),
		(SELECT $1::bigint + (extract(epoch FROM min(o.lease_until) - now()) * 1e9)::bigint
			FROM outbox o WHERE o.state = 'sending' AND o.claimed_by <> $2 AND `+headOfQueue+`))`,
		nanos(now), t.s.me).Scan(&n)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due op: %w", err)
	}
	if n == nil {
		return time.Time{}, false, nil
	}
	return fromNanos(*n), true, nil
}

func (t *txn) StaleParents(ctx context.Context, before time.Time, limit int) ([]*bot.Incident, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+incidentCols+` FROM incidents i JOIN threads t ON t.key = i.key AND t.generation = i.generation
		WHERE i.status <> 'resolved' AND t.ts <> '' AND NOT EXISTS (SELECT 1 FROM outbox o
			WHERE o.incident_key = i.key AND o.generation = i.generation AND o.kind IN ('post_parent', 'update_parent')
			AND (o.state IN ('pending', 'sending') OR o.created_at >= $1))
		ORDER BY i.updated_at, i.key LIMIT $2`, nanos(before), limit)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stale parents: %w", err)
	}
	return out, nil
}

func (t *txn) CountOps(ctx context.Context, state bot.OpState) (int, error) {
	var n int
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state = $1`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("count ops: %w", err)
	}
	return n, nil
}

func (t *txn) ListOps(ctx context.Context, key string) ([]*bot.Op, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+opCols+` FROM outbox WHERE incident_key = $1 ORDER BY id`, key)
	if err != nil {
		return nil, fmt.Errorf("list ops: %w", err)
	}
	defer rows.Close()
	var out []*bot.Op
	for rows.Next() {
		var op bot.Op
		if err := scanOp(rows, &op); err != nil {
			return nil, fmt.Errorf("list ops: %w", err)
		}
		out = append(out, &op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list ops: %w", err)
	}
	return out, nil
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
