package rtc

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLoggerFactory sends pion's logs to slog, one level down: pion's info is
// per-packet chatter and its warnings are mostly a peer going away, which the hub
// reports itself in one line. Trace is dropped. Messages are formatted only when
// their level is enabled, so quiet logs cost nothing per packet.
type pionLoggerFactory struct{ log *slog.Logger }

// NewLogger implements logging.LoggerFactory.
func (f pionLoggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log, scope: scope}
}

// levelPionInfo is below slog's debug: shown only when asked for explicitly.
const levelPionInfo = slog.LevelDebug - 4

type pionLogger struct {
	log   *slog.Logger
	scope string
}

func (l pionLogger) print(level slog.Level, msg string) {
	if ctx := context.Background(); l.log.Enabled(ctx, level) {
		l.log.Log(ctx, level, msg, "pion", l.scope)
	}
}

func (l pionLogger) printf(level slog.Level, format string, args ...any) {
	if ctx := context.Background(); l.log.Enabled(ctx, level) {
		l.log.Log(ctx, level, fmt.Sprintf(format, args...), "pion", l.scope)
	}
}

func (l pionLogger) Trace(string)                 {}
func (l pionLogger) Tracef(string, ...any)        {}
func (l pionLogger) Debug(msg string)             { l.print(levelPionInfo, msg) }
func (l pionLogger) Debugf(f string, args ...any) { l.printf(levelPionInfo, f, args...) }
func (l pionLogger) Info(msg string)              { l.print(levelPionInfo, msg) }
func (l pionLogger) Infof(f string, args ...any)  { l.printf(levelPionInfo, f, args...) }
func (l pionLogger) Warn(msg string)              { l.print(slog.LevelDebug, msg) }
func (l pionLogger) Warnf(f string, args ...any)  { l.printf(slog.LevelDebug, f, args...) }
func (l pionLogger) Error(msg string)             { l.print(slog.LevelWarn, msg) }
func (l pionLogger) Errorf(f string, args ...any) { l.printf(slog.LevelWarn, f, args...) }
