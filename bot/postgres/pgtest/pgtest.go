// Package pgtest gives tests of other packages a Postgres schema of their
// own for the bot's store, as bot/postgres's own tests make theirs.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// SchemaDSN creates a fresh schema in the database of
// COMPASS_TEST_POSTGRES_DSN, dropped when the test ends, and returns a DSN
// whose search_path names it. Without the variable the test is skipped, as
// every Postgres test is (CI sets it).
func SchemaDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("COMPASS_TEST_POSTGRES_DSN")
	if dsn == "" {
		tb.Skip("COMPASS_TEST_POSTGRES_DSN not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "compass_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
