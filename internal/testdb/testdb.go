// Package testdb gives tests real databases: SQLite in a temporary directory always,
// and PostgreSQL too when DIEMCAU_TEST_DATABASE_URL is set. Each PostgreSQL test gets a
// schema of its own, dropped at the end, so packages run in parallel without seeing
// each other's rows. A set but unreachable PostgreSQL fails the test; it never skips.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Secret is the server secret of the tests' stores (DIEMCAU_SECRET for a test that
// runs the command on a database a test opened), and AuditKey the audit key derived
// from it, which MustOpen gives the store.
const Secret = "diemcau test secret, not for production use"

// AuditKey is attendance.AuditKey of Secret.
var AuditKey = attendance.AuditKey([]byte(Secret))

// EnvURL is the variable that turns on the PostgreSQL runs.
const EnvURL = "DIEMCAU_TEST_DATABASE_URL"

// Target is one database a test runs against.
type Target struct {
	Name string // "sqlite" or "postgres", for subtest names
	// Config opens the database: for SQLite a DataDir, for PostgreSQL a URL whose
	// search_path is the test's own schema.
	Config sqlstore.Config
}

// Targets returns SQLite and, when DIEMCAU_TEST_DATABASE_URL is set, PostgreSQL.
func Targets(tb testing.TB) []Target {
	tb.Helper()
	ts := []Target{{Name: "sqlite", Config: sqlstore.Config{DataDir: tb.TempDir()}}}
	if base := os.Getenv(EnvURL); base != "" {
		ts = append(ts, Target{Name: "postgres", Config: sqlstore.Config{URL: Schema(tb, base)}})
	}
	return ts
}

// Each runs fn as a subtest on every target, with a migrated database whose clock is now.
func Each(t *testing.T, now func() time.Time, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			cfg := target.Config
			cfg.Now = now
			fn(t, MustOpen(t, cfg))
		})
	}
}

// MustOpen opens and migrates the database of cfg, gives it AuditKey, and closes it
// when the test ends.
func MustOpen(tb testing.TB, cfg sqlstore.Config) *sqlstore.DB {
	tb.Helper()
	return MustOpenKeyed(tb, cfg, []byte(Secret))
}

// MustOpenKeyed is MustOpen with the audit key derived from secret: a test's view of
// a database a command opened with its own secret.
func MustOpenKeyed(tb testing.TB, cfg sqlstore.Config, secret []byte) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if err := db.LoadKeys(ctx, attendance.AuditKey(secret)); err != nil {
		tb.Fatalf("load keys: %v", err)
	}
	return db
}

// Schema creates a fresh schema in the PostgreSQL database at base, drops it when the
// test ends, and returns base with its search_path set to the schema.
func Schema(tb testing.TB, base string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvURL, err)
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		tb.Fatalf("%s is set but PostgreSQL is unreachable: %v", EnvURL, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
