// Package sqlstore keeps the attendance record in SQL through GORM: SQLite (pure Go, the
// embedded default) or PostgreSQL (production). It is the only package that imports
// GORM; everything above it sees attendance types and sentinel errors.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// or postgresql:// URL; empty opens SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file when URL is empty.
	DataDir string
	// Now is the clock stamped on records; nil means time.Now.
	Now func() time.Time
	// Log receives slow queries and errors; nil discards them.
	Log *slog.Logger
	// MaxOpenConns bounds the PostgreSQL pool (default 16: beyond it only tails grow,
	// docs/design.md §22).
	MaxOpenConns int
}

// DB is an open attendance database.
type DB struct {
	gorm    *gorm.DB
	now     func() time.Time
	dialect string
	log     *slog.Logger
	pinKey  []byte
	// auditKey chains the audit log (LoadKeys); it is never stored.
	auditKey []byte
	// PostgreSQL only: the connections of the check-in rush's statements (gatherDSN),
	// and their gatherings.
	sql     *sql.DB
	firsts  *gatherer[firstArg, firstDone]
	signIns *gatherer[signInArg, signInState]
}

// Gatherings (gather.go): how many run at once, how many calls each takes at most, and
// how long one may take.
const (
	gatherRunners = 4
	gatherMax     = 128
	gatherTimeout = 30 * time.Second
)

// Open opens (and for SQLite creates) the database. It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var (
		dial    gorm.Dialector
		dialect string
	)
	switch {
	case cfg.URL == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlstore: create data dir: %w", err)
		}
		dial = sqlite.Open(sqliteDSN(filepath.Join(dir, "diemcau.db")))
		dialect = "sqlite"
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		dial = postgres.New(postgres.Config{DSN: pgDSN(cfg.URL)})
		dialect = "postgres"
	case strings.HasPrefix(cfg.URL, "sqlite:"):
		dial = sqlite.Open(sqliteDSN(strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "sqlite:"), "//")))
		dialect = "sqlite"
	default:
		return nil, fmt.Errorf("sqlstore: unsupported database URL scheme (want postgres:// or empty for SQLite)")
	}
	g, err := gorm.Open(dial, &gorm.Config{
		// Single statements need no wrapping transaction; it costs ~45 % of
		// throughput (docs/design.md §22). Multi-statement writes open their own.
		SkipDefaultTransaction: true,
		// No GORM prepared statements: inside transactions GORM prepares and then
		// deallocates every statement at commit, a round trip each, which capped
		// check-ins near 220/s. pgx caches prepared statements per connection itself.
		PrepareStmt:    false,
		TranslateError: true,
		NowFunc:        func() time.Time { return now().UTC() },
		Logger:         newLogger(cfg.Log),
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	if dialect == "postgres" {
		n := cfg.MaxOpenConns
		if n <= 0 {
			n = 16
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite serialises writers; a few connections let readers run beside one
		// writer under WAL while busy_timeout absorbs the waits.
		sqlDB.SetMaxOpenConns(4)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{gorm: g, now: now, dialect: dialect, log: log}
	if dialect == "postgres" {
		if db.sql, err = sql.Open("pgx", gatherDSN(cfg.URL)); err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		db.sql.SetMaxOpenConns(2 * gatherRunners)
		db.sql.SetMaxIdleConns(2 * gatherRunners)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
		db.firsts = newGatherer(gatherRunners, gatherMax, firstApart, db.recordFirsts)
		db.signIns = newGatherer(gatherRunners, gatherMax, nil, db.readSignIns)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDSN adds the pragmas every connection needs: foreign keys on, WAL, a busy
// timeout instead of immediate "database is locked", and write transactions that take
// the lock up front so two of them cannot deadlock upgrading.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	if db.firsts != nil {
		db.firsts.close()
		db.signIns.close()
		db.sql.Close()
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Gorm returns the underlying handle, for adapters in this module that share the
// database (the live event bus); packages above bridge never see it.
func (db *DB) Gorm() *gorm.DB { return db.gorm }

// q starts a statement bound to ctx.
func (db *DB) q(ctx context.Context) *gorm.DB { return db.gorm.WithContext(ctx) }

// tx runs fn in one transaction: every write in it lands, or none does.
// A database out of reach (at BEGIN or COMMIT, where no statement's translate sees
// it) is ErrUnavailable.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	err := db.gorm.WithContext(ctx).Transaction(fn)
	if err != nil && !errors.Is(err, attendance.ErrUnavailable) && unavailable(err) {
		return fmt.Errorf("transaction: %w: %w", attendance.ErrUnavailable, err)
	}
	return err
}

// translate turns GORM and driver errors into attendance sentinels at the store
// boundary, so nothing above sees gorm.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, attendance.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, attendance.ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated), sqliteForeignKey(err):
		return fmt.Errorf("%s: %w", what, attendance.ErrConflict)
	case postgresBadText(err):
		return fmt.Errorf("%s: %w", what, attendance.ErrInvalid)
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", what, attendance.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unavailable reports an error of reaching the database rather than of the request:
// no connection, a connection lost, a server starting up or shutting down, out of
// connections, or SQLite still busy after its timeout.
func unavailable(err error) bool {
	var (
		connect *pgconn.ConnectError
		pg      *pgconn.PgError
		netErr  net.Error
		coded   interface{ Code() int }
	)
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pg):
		// 08: connection exception; 53300: too many connections; 57P01–57P03: admin
		// or crash shutdown, cannot connect now.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "53300" || pg.Code == "57P01" ||
			pg.Code == "57P02" || pg.Code == "57P03"
	case errors.As(err, &coded):
		// SQLITE_BUSY and SQLITE_LOCKED, with any extended code.
		return coded.Code()&0xff == 5 || coded.Code()&0xff == 6
	}
	return false
}

// newLogger sends GORM's slow-query and error lines to log, without parameters so
// PINs and hashes never reach the logs.
func newLogger(log *slog.Logger) logger.Interface {
	if log == nil {
		return logger.Discard
	}
	return lazyLogger{logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             slowQuery,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})}
}

// slowQuery is the duration from which a statement is logged.
const slowQuery = 500 * time.Millisecond

// lazyLogger passes on only the statements that will be logged: GORM's slog logger
// renders every statement's SQL before deciding, a twentieth of the server's CPU
// during a check-in rush.
type lazyLogger struct{ logger.Interface }

func (l lazyLogger) LogMode(level logger.LogLevel) logger.Interface {
	if level >= logger.Info { // every statement is wanted
		return l.Interface.LogMode(level)
	}
	return lazyLogger{l.Interface.LogMode(level)}
}

func (l lazyLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound)
	if failed || time.Since(begin) > slowQuery {
		l.Interface.Trace(ctx, begin, fc, err)
	}
}

// postgresBadText reports text PostgreSQL cannot store: NUL or invalid UTF-8 (SQLSTATE
// 22021, 22P05). It is bad input, whichever path let it reach the store.
func postgresBadText(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "22021" || pg.Code == "22P05")
}

// sqliteForeignKey reports a SQLite foreign key failure that the dialector leaves
// untranslated: ON DELETE RESTRICT fails with SQLITE_CONSTRAINT_TRIGGER (1811).
func sqliteForeignKey(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	const constraintForeignKey, constraintTrigger = 787, 1811
	return coded.Code() == constraintForeignKey || coded.Code() == constraintTrigger
}

// pgDSN asks PostgreSQL to plan every statement for its parameters. pgx caches
// prepared statements per connection, and after five runs PostgreSQL may switch one to
// a generic plan costed on the table sizes of that moment; where autovacuum is slow or
// off, a pool opened on a young database keeps plans made for empty tables while the
// check-ins grow (measured: 300 instead of 700 check-ins/s). Planning these short
// statements costs less than one such plan.
func pgDSN(raw string) string {
	return withSettings(raw, func(q url.Values) {
		if q.Get("plan_cache_mode") == "" {
			q.Set("plan_cache_mode", "force_custom_plan")
		}
	})
}

// gatherDSN is the data source of the gatherings' own connections (gather.go). They
// run two statements, thousands of times a second in a rush, so each is planned once
// per connection (a custom plan cost four times the statement itself); the
// statements are written to have one good plan whatever the tables' sizes, and
// sequential scans are off so an empty table's statistics cannot pick one.
func gatherDSN(raw string) string {
	return withSettings(raw, func(q url.Values) {
		q.Set("plan_cache_mode", "force_generic_plan")
		q.Set("enable_seqscan", "off")
	})
}

// withSettings returns the URL raw with its query changed by set: settings pgx sends
// PostgreSQL when it connects.
func withSettings(raw string, set func(url.Values)) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	set(q)
	u.RawQuery = q.Encode()
	return u.String()
}

// analyze refreshes the planner's statistics of tables after a bulk change
// (PostgreSQL only). Autovacuum would get there, but minutes later, while pgx's cached
// statements keep plans costed for the tables' old sizes (a young database's empty
// tables): a planner without statistics turned invitation generation quadratic and
// check-ins slow. New statistics also make PostgreSQL drop those cached plans.
func (db *DB) analyze(ctx context.Context, tables ...string) {
	if db.dialect != "postgres" {
		return
	}
	for _, t := range tables {
		db.q(ctx).Exec("ANALYZE " + t)
	}
}
