// Package sqlite is the embedded bot.Store: one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode, with one writer at a time.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/internal/sqlstore"
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

// Ping commits a write to the probe row (see bot.Store).
func (s *Store) Ping(ctx context.Context) error {
	err := s.Update(ctx, func(tx bot.Tx) error {
		_, err := tx.(*txn).exec(ctx, sqlstore.Probe("?1", "?2"), "", sqlstore.Nanos(time.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("probe sqlite write: %w", err)
	}
	return nil
}

// Update runs fn in one IMMEDIATE transaction.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	release, err := sqlstore.TakeWriter(ctx, s.writer)
	if err != nil {
		return err
	}
	defer release()
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
func (t *txn) row(ctx context.Context, query string, args ...any) sqlstore.Scanner {
	st, err := t.s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
