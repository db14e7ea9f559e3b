// Package postgres is the bot.Store for several bot replicas sharing one
// PostgreSQL database (pgx/v5): same behaviour as the SQLite store, plus
// row locks, advisory locks and outbox leases so that replicas accepting the
// same webhooks and draining the same outbox never apply or send twice.
package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a bot.Store on a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	me    string        // claimed_by for this Store's outbox claims
	lease time.Duration // how long a claim holds before other replicas may take the op over
	// writer serialises this Store's write transactions, as the SQLite
	// store does: the bot's group commit already funnels accepts into one
	// transaction at a time, and a bounded writer makes ErrBusy mean "this
	// replica is saturated" instead of piling up connections. Replicas
	// write concurrently; row and advisory locks order them.
	writer chan struct{}

	mu      sync.Mutex
	claimed map[int64]bool // ops this Store has claimed (state sending) and not yet finished

	takeovers atomic.Int64 // see LeaseTakeovers
}

// LeaseTakeovers counts the ops this Store claimed from another worker
// whose lease had run out (a replica that died or stalled mid-call), for
// /metrics.
func (s *Store) LeaseTakeovers() int64 { return s.takeovers.Load() }

var _ bot.Store = (*Store)(nil)

// config is what Options set.
type config struct {
	lease       time.Duration
	replica     string
	lockTimeout time.Duration
	log         *slog.Logger
}

// Option configures Open.
type Option func(*config)

// WithLease sets how long an outbox claim holds: after it, another replica
// (or this one) takes over an op still marked sending, assuming its claimer
// died, and looks in Slack before posting again. It must be well above the
// bot's heartbeat (the bot renews the leases of calls in flight every
// third of it). Default 30 seconds: a dead replica's ops are taken over
// within 30 seconds.
func WithLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithReplicaID names this replica in claims (claimed_by). A stable name
// (a StatefulSet pod name) lets a restarted replica resume its own
// interrupted ops at once instead of after the lease. Two live replicas must
// never share a name. Default: the host name (a pod's name in Kubernetes).
func WithReplicaID(id string) Option { return func(c *config) { c.replica = id } }

// WithLockTimeout bounds how long one statement waits for a row or advisory
// lock held by another replica before the transaction fails with
// bot.ErrBusy. Default 5 seconds; a DSN lock_timeout parameter wins.
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// WithLogger sets the logger for migrations and retried transactions.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// Open connects to the database at dsn (a postgres:// URL or key=value
// string; search_path and other settings may be given as parameters),
// applies pending migrations under an advisory lock, and returns the store.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	c := config{lease: DefaultLease, lockTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.replica == "" {
		c.replica = defaultReplicaID()
	}
	if c.lease <= 0 {
		return nil, errors.New("open postgres store: lease must be positive")
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors may quote the DSN, password included.
		return nil, errors.New("open postgres store: cannot parse the connection string")
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		// A database host that drops packets should fail startup and
		// readiness checks, not hang them (connect_timeout in the DSN wins).
		pc.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	rp := pc.ConnConfig.RuntimeParams
	if _, ok := rp["lock_timeout"]; !ok && c.lockTimeout > 0 {
		rp["lock_timeout"] = strconv.FormatInt(c.lockTimeout.Milliseconds(), 10)
	}
	if _, ok := rp["application_name"]; !ok {
		rp["application_name"] = "compass-bot"
	}
	where := fmt.Sprintf("%s@%s:%d/%s", pc.ConnConfig.User, pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open postgres store %s: %w", where, err)
	}
	s := &Store{
		pool: pool, log: c.log, me: c.replica, lease: c.lease,
		writer: make(chan struct{}, 1), claimed: map[int64]bool{},
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", where, err)
	}
	return s, nil
}

// DefaultLease is how long a claim holds unless WithLease says otherwise.
const DefaultLease = 30 * time.Second

// defaultReplicaID is the host name: stable across restarts, so a restarted
// replica resumes its own ops at once, and distinct between pods. Without
// one, a random name (never shared, but a restart waits out the lease).
func defaultReplicaID() string {
	if host, err := os.Hostname(); err == nil && host != "" {
		return host
	}
	var b [4]byte
	rand.Read(b[:])
	return "compass-" + hex.EncodeToString(b[:])
}

// ReplicaID is the name this Store writes into the claims it takes.
func (s *Store) ReplicaID() string { return s.me }

// migrationsTable records the applied migrations, one row per version.
const migrationsTable = "compass_schema_migrations"

// migrate applies pending migrations. A session advisory lock (per schema)
// makes replicas that start together take turns: the first applies, the
// others find the work done.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// The session lock lives as long as the connection, so the connection
	// is closed rather than returned to the pool, whatever happens.
	defer func() {
		conn.Conn().Close(context.Background())
		conn.Release()
	}()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		return fmt.Errorf("read current schema: %w", err)
	}
	if schema == "" {
		return errors.New("no schema to migrate: search_path names no existing schema")
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey("migrate", schema)); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
		version    int PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create %s: %w", migrationsTable, err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM `+migrationsTable).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(names) {
		return fmt.Errorf("database schema version %d is newer than this compass (%d)", have, len(names))
	}
	for i, name := range names[have:] {
		v := have + i + 1
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+migrationsTable+` (version, name) VALUES ($1, $2)`, v, strings.TrimPrefix(name, "migrations/"))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		s.log.Info("applied store migration", "migration", name, "schema", schema, "version", v)
	}
	return nil
}

// lockKey is the 64-bit advisory lock key for a kind of thing and its
// identity. A collision costs only needless waiting, never correctness.
func lockKey(kind string, parts ...string) int64 {
	h := fnv.New64a()
	h.Write([]byte("compass\x00" + kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int64(h.Sum64())
}

// Close closes the pool; Update calls after it fail.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping commits a write to the probe row (see bot.Store).
func (s *Store) Ping(ctx context.Context) error {
	// Straight to the pool, not through Update: the probe must not wait for
	// this replica's writer slot, only for the database.
	_, err := s.pool.Exec(ctx, sqlstore.Probe("$1", "$2"), s.me, sqlstore.Nanos(time.Now()))
	if err != nil {
		return fmt.Errorf("probe postgres write: %w", err)
	}
	return nil
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot for
// all of fn's reads, never waiting for writers.
func (s *Store) View(ctx context.Context, fn func(bot.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(ctx, fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback(context.Background())
	return mapErr(ctx, fn(&txn{tx: tx, s: s}))
}

// maxAttempts bounds how often Update runs fn when deadlocks between
// replicas abort it; the bot's transactions are safe to rerun (each run
// starts its bookkeeping afresh).
const maxAttempts = 4

// Update runs fn in one READ COMMITTED transaction. Writers meet on row
// locks (incidents, ops) and advisory locks (deliveries, incident keys,
// each incident generation's queue), taken by the Tx methods, so two
// replicas changing the same incident take turns and the second sees the
// first's commit. A deadlock between replicas reruns fn; lock waits past
// the lock timeout or ctx give bot.ErrBusy.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	release, err := sqlstore.TakeWriter(ctx, s.writer)
	if err != nil {
		return err
	}
	defer release()
	for attempt := 1; ; attempt++ {
		err := s.updateOnce(ctx, fn)
		if err == nil || !retryable(err) || attempt >= maxAttempts || ctx.Err() != nil {
			return mapErr(ctx, err)
		}
		s.log.Debug("rerunning transaction", "attempt", attempt, "error", err)
		t := time.NewTimer(time.Duration(attempt) * time.Duration(5+mrand.IntN(20)) * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return mapErr(ctx, err)
		}
	}
}

func (s *Store) updateOnce(ctx context.Context, fn func(bot.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{tx: tx, s: s, write: true}
	if err := fn(t); err != nil {
		tx.Rollback(context.Background())
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.takeovers.Add(t.takeovers)
	if len(t.claims) > 0 {
		s.mu.Lock()
		for id, held := range t.claims {
			if held {
				s.claimed[id] = true
			} else {
				delete(s.claimed, id)
			}
		}
		s.mu.Unlock()
	}
	return nil
}

// holds reports whether this Store has op id claimed, as of its last
// commit.
func (s *Store) holds(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claimed[id]
}

// SQLSTATE codes the store treats specially.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
	codeLockTimeout   = "55P03"
	codeCanceled      = "57014"
	codeUnique        = "23505"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func retryable(err error) bool {
	switch pgCode(err) {
	case codeSerialization, codeDeadlock:
		return true
	}
	return false
}

// mapErr turns lock trouble into bot.ErrBusy and unique violations into
// bot.ErrConflict, leaving the bot's own errors alone.
func mapErr(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, bot.ErrBusy) || errors.Is(err, bot.ErrConflict) || errors.Is(err, bot.ErrNotFound) {
		return err
	}
	switch pgCode(err) {
	case codeSerialization, codeDeadlock, codeLockTimeout, codeCanceled:
		return fmt.Errorf("%w: %w", bot.ErrBusy, err)
	case codeUnique:
		return fmt.Errorf("%w: %w", bot.ErrConflict, err)
	}
	if ctx.Err() != nil {
		// ctx ended while a statement waited (for a lock, most likely).
		return fmt.Errorf("%w: %w", bot.ErrBusy, err)
	}
	return err
}
