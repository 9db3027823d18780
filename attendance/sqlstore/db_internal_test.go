package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// TestLogger: failed and slow statements are logged, without their parameters; a
// statement that went well is never even rendered.
func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	rendered := 0
	fc := func(sql string) func() (string, int64) {
		return func() (string, int64) { rendered++; return sql, 1 }
	}
	ctx := context.Background()
	l.Trace(ctx, time.Now(), fc("SELECT fast"), nil)
	l.Trace(ctx, time.Now(), fc("SELECT missing"), gorm.ErrRecordNotFound)
	if rendered != 0 || buf.Len() != 0 {
		t.Fatalf("a fast statement was rendered %d times, log %q", rendered, buf.String())
	}
	l.Trace(ctx, time.Now().Add(-2*slowQuery), fc("SELECT slow"), nil)
	l.Trace(ctx, time.Now(), fc("SELECT broken"), errors.New("boom"))
	for _, want := range []string{"SELECT slow", "SELECT broken", "boom"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestUnavailable: errors of reaching the database, and only those, are ErrUnavailable.
func TestUnavailable(t *testing.T) {
	// A real one: nothing listens on port 1.
	down, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	_, refused := down.ExecContext(context.Background(), "SELECT 1")
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P03"}), true}, // starting up
		{&pgconn.PgError{Code: "57P01"}, true},                          // admin shutdown
		{&pgconn.PgError{Code: "53300"}, true},                          // too many connections
		{&pgconn.PgError{Code: "08006"}, true},                          // connection failure
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{driver.ErrBadConn, true},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "22021"}, false}, // bad text
		{errors.New("something else"), false},
		{gorm.ErrRecordNotFound, false},
	} {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
		if got := errors.Is(translate(tc.err, "x"), attendance.ErrUnavailable); got != tc.want {
			t.Errorf("translate(%v) is ErrUnavailable: %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestSearchMigration_Frozen: the folded columns were made with attendance's mapping
// as it is; a changed mapping needs a migration that remakes them.
func TestSearchMigration_Frozen(t *testing.T) {
	if m6FoldFrom != attendance.FoldFrom || m6FoldTo != attendance.FoldTo {
		t.Error("attendance.FoldFrom/FoldTo changed: add a migration that remakes the _fold columns")
	}
}
