package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

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
