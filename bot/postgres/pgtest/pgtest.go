// Package pgtest is the one home of the test database rules: which server
// tests use (COMPASS_TEST_POSTGRES_DSN), and a schema of their own for each
// test so parallel tests and reruns never see each other's tables.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/compasshq/compass/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// DSN returns COMPASS_TEST_POSTGRES_DSN. Without it the test is skipped,
// or fails under COMPASS_E2E=1 (as in CI), so a Postgres test never passes
// by not running.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("COMPASS_TEST_POSTGRES_DSN")
	if dsn == "" {
		const hint = "COMPASS_TEST_POSTGRES_DSN not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		if testutil.E2E() {
			tb.Fatal(hint + " (required with COMPASS_E2E=1)")
		}
		tb.Skip(hint)
	}
	return dsn
}

// WithParam adds a run-time parameter to a URL or key=value DSN.
func WithParam(tb testing.TB, dsn, key, value string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}

// SchemaDSN creates a fresh schema in the test database, dropped when the
// test ends, and returns a DSN whose search_path names it.
func SchemaDSN(tb testing.TB) string {
	tb.Helper()
	dsn := DSN(tb)
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
	return WithParam(tb, dsn, "search_path", schema)
}
