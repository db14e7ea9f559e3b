package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
