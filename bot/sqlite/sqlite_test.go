package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/bot/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestReopen pins that a second Open on an existing file keeps the data and
// does not rerun migrations.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx bot.Tx) error {
		return tx.CreateIncident(ctx, &bot.Incident{Key: "k", Generation: 1, Status: bot.StatusFiring})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(tx bot.Tx) error {
		_, err := tx.FindIncident(ctx, "k")
		return err
	}); err != nil {
		t.Fatalf("incident lost across reopen: %v", err)
	}
}

// TestPingProbesWrites pins /readyz's store check (issue 13): Ping commits a
// write, so a database that answers reads but cannot take writes (here a
// second process holds the write lock) is not ready.
func TestPingProbesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a fresh store: %v", err)
	}
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.Ping(pctx); err == nil {
		t.Error("Ping passed while another process holds the write lock")
	}
	if err := s.View(ctx, func(tx bot.Tx) error { _, err := tx.CountOps(ctx, bot.OpPending); return err }); err != nil {
		t.Errorf("reads fail too (%v): the test does not tell a write probe from a read", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after the lock is released: %v", err)
	}
}
