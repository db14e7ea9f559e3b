package postgres_test

import (
	"context"
	"testing"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/storetest"
)

func open(tb testing.TB, dsn string, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), dsn, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	pgtest.DSN(t)
	storetest.Run(t, func(t *testing.T) bot.Store {
		return open(t, pgtest.SchemaDSN(t))
	})
}
