// Package sqlstore is what the SQL stores (bot/sqlite, bot/postgres) share:
// how the bot's entities are laid out in rows (the column lists both
// select, the encoding of times and of an incident's JSON part, the scans
// that turn a row back into a bot.Incident or bot.Op), the mapping of "no
// row" to bot.ErrNotFound and the in-process writer slot. One copy, so the
// two stores cannot drift apart in what they store.
package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
)

// Scanner is a row: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all are.
type Scanner interface{ Scan(dest ...any) error }

// Rows is a result set: *sql.Rows and pgx.Rows both are.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Nanos is how both stores keep a time: Unix nanoseconds, 0 for the zero
// time, so that times round-trip exactly and compare as integers.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Prefixed qualifies each column of a comma-separated list with p ("o.").
func Prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// IncidentCols are the columns ScanIncident reads, from IncidentFrom (or a
// join naming incidents i and threads t).
const IncidentCols = `i.key, i.generation, i.source, i.status, i.severity, i.title, i.opened_at, i.updated_at,
	i.resolved_at, i.version, i.data, COALESCE(t.channel, ''), COALESCE(t.ts, ''),
	i.silence_id, i.silenced_by, i.silenced_until, i.silence_until_resolved`

// SilenceCols are the incident's silence columns, in the order of
// SilenceArgs: CreateIncident and UpdateIncident write them.
var SilenceCols = []string{"silence_id", "silenced_by", "silenced_until", "silence_until_resolved"}

// SilenceArgs are the values of SilenceCols for inc.
func SilenceArgs(inc *bot.Incident) []any {
	s := inc.Silence
	return []any{s.ID, s.By, Nanos(s.Until), s.UntilResolved}
}

// ListSilenced is the query of bot.Tx.ListSilenced without its LIMIT:
// incident generations carrying a silence, least recently updated first.
const ListSilenced = `SELECT ` + IncidentCols + IncidentFrom + `WHERE i.silence_id <> '' ORDER BY i.updated_at, i.key`

// IncidentFrom joins an incident with its thread mapping.
const IncidentFrom = ` FROM incidents i LEFT JOIN threads t ON t.key = i.key AND t.generation = i.generation `

// ListIncidents is the query of bot.Tx.ListIncidents (open ones only, or
// all), newest first, without its LIMIT.
func ListIncidents(open bool) string {
	q := `SELECT ` + IncidentCols + IncidentFrom
	if open {
		q += `WHERE i.status <> 'resolved' `
	}
	return q + `ORDER BY i.updated_at DESC, i.key`
}

// incidentData is the JSON part of an incident row: what the bot never
// queries by.
type incidentData struct {
	URL       string            `json:"url,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Group     map[string]string `json:"group_labels,omitempty"`
	Alerts    []bot.Alert       `json:"alerts,omitempty"`
	Owner     string            `json:"owner,omitempty"`
	Assignee  string            `json:"assignee,omitempty"`
	Priority  string            `json:"priority,omitempty"`
	Broadcast bool              `json:"broadcast,omitempty"`
	Members   []bot.Member      `json:"members,omitempty"`
}

// EncodeData is the data column of inc's row.
func EncodeData(inc *bot.Incident) ([]byte, error) {
	b, err := json.Marshal(incidentData{
		URL: inc.URL, Labels: inc.Labels, Group: inc.GroupLabels, Alerts: inc.Alerts, Owner: inc.Owner,
		Assignee: inc.Assignee, Priority: inc.Priority, Broadcast: inc.Broadcast,
		Members: inc.Members,
	})
	if err != nil {
		return nil, fmt.Errorf("encode incident %s: %w", inc.Key, err)
	}
	return b, nil
}

// ScanIncident reads a row of IncidentCols.
func ScanIncident(sc Scanner) (*bot.Incident, error) {
	var inc bot.Incident
	var opened, updated, resolved int64
	var data []byte
	var until int64
	err := sc.Scan(&inc.Key, &inc.Generation, &inc.Source, &inc.Status, &inc.Severity, &inc.Title,
		&opened, &updated, &resolved, &inc.Version, &data, &inc.Thread.Channel, &inc.Thread.TS,
		&inc.Silence.ID, &inc.Silence.By, &until, &inc.Silence.UntilResolved)
	if err != nil {
		return nil, err
	}
	inc.OpenedAt, inc.UpdatedAt, inc.ResolvedAt = FromNanos(opened), FromNanos(updated), FromNanos(resolved)
	inc.Silence.Until = FromNanos(until)
	var d incidentData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode incident %s: %w", inc.Key, err)
	}
	inc.URL, inc.Labels, inc.GroupLabels, inc.Alerts = d.URL, d.Labels, d.Group, d.Alerts
	inc.Owner, inc.Assignee, inc.Priority, inc.Broadcast = d.Owner, d.Assignee, d.Priority, d.Broadcast
	inc.Members = d.Members
	return &inc, nil
}

// LinkCols are the columns ScanLink reads.
const LinkCols = `key, incident, via, at`

// ScanLink reads a row of LinkCols.
func ScanLink(sc Scanner) (bot.IncidentLink, error) {
	var l bot.IncidentLink
	var at int64
	if err := sc.Scan(&l.Key, &l.Incident, &l.Via, &at); err != nil {
		return bot.IncidentLink{}, err
	}
	l.At = FromNanos(at)
	return l, nil
}

// ThreadIncident is the query of bot.Tx.FindThread with parameters
// channel (p1) and ts (p2).
func ThreadIncident(p1, p2 string) string {
	return `SELECT ` + IncidentCols + IncidentFrom + `WHERE t.ts = ` + p2 + ` AND t.channel = ` + p1 + ` AND t.ts <> ''`
}

// OpCols are the outbox columns ScanOp reads.
const OpCols = `id, incident_key, generation, kind, channel, payload, state, attempts, next_attempt_at,
	created_at, maybe_sent, last_error, slack_ts`

// ScanOp reads a row of OpCols. maybe_sent may be a boolean or a 0/1
// integer (SQLite has no boolean type).
func ScanOp(sc Scanner) (*bot.Op, error) {
	var op bot.Op
	var next, created int64
	err := sc.Scan(&op.ID, &op.IncidentKey, &op.Generation, &op.Kind, &op.Channel, &op.Payload, &op.State,
		&op.Attempts, &next, &created, &op.MaybeSent, &op.LastError, &op.SlackTS)
	if err != nil {
		return nil, err
	}
	op.NextAttemptAt, op.CreatedAt = FromNanos(next), FromNanos(created)
	return &op, nil
}

// Collect scans every row of rows with scan; what is wraps errors. The
// caller closes rows.
func Collect[T any](rows Rows, what string, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// HeadOfQueue is true of an outbox row o when no earlier op of the same
// incident generation is unfinished: ops go out in id order per incident.
const HeadOfQueue = `NOT EXISTS (SELECT 1 FROM outbox p
	WHERE p.incident_key = o.incident_key AND p.generation = o.generation
	AND p.state IN ('pending', 'sending') AND p.id < o.id)`

// NotFound is the error of a single-row query: bot.ErrNotFound when there
// was no row (noRows is the driver's sentinel), else err wrapped with what
// (a format and its arguments).
func NotFound(err, noRows error, format string, args ...any) error {
	if errors.Is(err, noRows) {
		return bot.ErrNotFound
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// TakeWriter waits for the store's one writer slot (a channel of capacity
// 1) and returns the function that frees it, or bot.ErrBusy when ctx ends
// first: waiting in process, with ctx, is cheaper and fairer than meeting
// the database's own lock.
func TakeWriter(ctx context.Context, writer chan struct{}) (release func(), err error) {
	select {
	case writer <- struct{}{}:
		return func() { <-writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", bot.ErrBusy, ctx.Err())
	}
}

// resolvedBefore selects incident generations i resolved before the time
// parameter P that have no op left to send.
const resolvedBefore = `i.status = 'resolved' AND i.resolved_at < P AND NOT EXISTS (SELECT 1 FROM outbox o
	WHERE o.incident_key = i.key AND o.generation = i.generation AND o.state IN ('pending', 'sending'))`

// PruneStatements are the statements of bot.Tx.Prune, in order, each with
// one parameter (the cut-off in nanoseconds) written as param ("?1",
// "$1"): resolved incident generations with their ops and threads, then
// deliveries, then finished ops, then the probe rows of replicas not seen
// since. The retention rule lives here once.
func PruneStatements(param string) []string {
	gens := `SELECT i.key, i.generation FROM incidents i WHERE ` + resolvedBefore
	stmts := []string{
		`DELETE FROM outbox WHERE (incident_key, generation) IN (` + gens + `)`,
		`DELETE FROM threads WHERE (key, generation) IN (` + gens + `)`,
		`DELETE FROM incidents WHERE (key, generation) IN (` + gens + `)`,
		`DELETE FROM deliveries WHERE received_at < P`,
		`DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < P`,
		`DELETE FROM probe WHERE at < P`, // replicas gone since (Ping writes one row each)
		// Links whose incident has gone: a source or key seen again
		// after that opens or joins afresh.
		`DELETE FROM links WHERE at < P AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.key = links.incident)`,
	}
	for i, q := range stmts {
		stmts[i] = strings.ReplaceAll(q, "P", param)
	}
	return stmts
}

// RetryNow is the statement of bot.Tx.RetryNow with parameters now (p1) and
// channel (p2): ops waiting out a backoff become due now.
func RetryNow(p1, p2 string) string {
	return `UPDATE outbox SET next_attempt_at = ` + p1 + ` WHERE state = 'pending' AND attempts > 0
		AND next_attempt_at > ` + p1 + ` AND channel = ` + p2
}
