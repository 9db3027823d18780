package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type signInFailure struct {
	Key         string `gorm:"primaryKey;size:200"`
	Failures    int    `gorm:"not null"`
	WindowStart time.Time
	LockedUntil *time.Time
}

func (signInFailure) TableName() string { return "sign_in_failures" }

// SignInFailed counts a failure against key under rule t, locking the key when it
// reaches t.Max within t.Window.
func (db *DB) SignInFailed(ctx context.Context, key string, t attendance.Throttle) error {
	now := db.now().UTC()
	return db.tx(ctx, func(tx *gorm.DB) error {
		var f signInFailure
		q := tx
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := q.Where("key = ?", key).Limit(1).Find(&f).Error
		if err != nil {
			return translate(err, "sign-in failure")
		}
		if f.Key == "" || now.Sub(f.WindowStart) > t.Window {
			f = signInFailure{Key: key, WindowStart: now}
		}
		f.Failures++
		if f.Failures >= t.Max {
			until := now.Add(t.Lockout)
			f.LockedUntil = &until
			f.Failures, f.WindowStart = 0, now
		}
		return translate(tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&f).Error, "sign-in failure")
	})
}

// SignInSucceeded forgets the failures of key.
func (db *DB) SignInSucceeded(ctx context.Context, key string) error {
	return translate(db.q(ctx).Where("key = ? AND (locked_until IS NULL OR locked_until <= ?)", key, db.now().UTC()).Delete(&signInFailure{}).Error, "sign-in success")
}

// MemberSignIn checks a member code and PIN and reads the lockout state of keys in one
// read: the sign-in a check-in does for every member arriving without the one-tap
// cookie. On PostgreSQL the reads of sign-ins arriving together are one statement
// (gather.go). It returns the principal, or ErrBadCredentials for an unknown code, an
// inactive member or a wrong PIN,
// and in both cases what is on record for the keys; the caller (the desk) judges the
// locks.
func (db *DB) MemberSignIn(ctx context.Context, code, pin string, keys ...string) (attendance.Principal, []attendance.KeyState, error) {
	st, err := db.signInState(ctx, signInArg{code: code, keys: keys})
	if err != nil {
		return attendance.Principal{}, nil, translate(err, "member sign-in")
	}
	states := make([]attendance.KeyState, len(st.fails))
	for i, f := range st.fails {
		states[i] = attendance.KeyState{Key: f.key, Failures: f.failures, WindowStart: f.windowStart.Time}
		if f.lockedUntil.Valid {
			states[i].LockedUntil = f.lockedUntil.Time
		}
	}
	m := st.member
	if m.ID == 0 || !m.Active || !db.checkPIN(m.PINHash, pin) {
		return attendance.Principal{}, states, attendance.ErrBadCredentials
	}
	p, err := db.memberPrincipal(ctx, m)
	return p, states, err
}

// signInArg is a member code and the throttle keys to look up with it.
type signInArg struct {
	code string
	keys []string
}

// signInState is the member of a code (zero when unknown) and the failures on
// record for the keys.
type signInState struct {
	member attendance.Member
	fails  []signInFail
}

type signInFail struct {
	key         string
	failures    int
	windowStart sql.NullTime
	lockedUntil sql.NullTime
}

// signInState reads a's state: in a gathering on PostgreSQL, else alone.
func (db *DB) signInState(ctx context.Context, a signInArg) (signInState, error) {
	if db.signIns != nil && storable(append([]string{a.code}, a.keys...)...) {
		st, ran, err := db.signIns.do(ctx, a)
		if err != nil || ran {
			return st, err
		}
	}
	var rows []struct {
		attendance.Member
		FailKey     *string
		FailCount   int
		FailWindow  sql.NullTime
		LockedUntil sql.NullTime
	}
	// One row per failure record of keys (or one with none), each carrying the member
	// (or nulls when the code is unknown).
	err := db.q(ctx).Raw(`SELECT m.*, f.key AS fail_key, COALESCE(f.failures, 0) AS fail_count, f.window_start AS fail_window, f.locked_until
		FROM (SELECT 1 AS one) x
		LEFT JOIN members m ON m.code = ?
		LEFT JOIN sign_in_failures f ON f.key IN ?`, a.code, a.keys).Scan(&rows).Error
	var st signInState
	for _, r := range rows {
		st.member = r.Member
		if r.FailKey != nil {
			st.fails = append(st.fails, signInFail{key: *r.FailKey, failures: r.FailCount, windowStart: r.FailWindow,
				lockedUntil: r.LockedUntil})
		}
	}
	return st, err
}

// signInsSQL reads the state of gathered sign-ins: $1 the codes, $2 and $3 the
// throttle keys with the (1-based) index of their sign-in. One row per failure on
// record, or one with none, each with the member or nulls.
const signInsSQL = `WITH r AS (SELECT * FROM unnest($1::text[]) WITH ORDINALITY AS r(code, n)),
	fk AS (SELECT * FROM unnest($2::bigint[], $3::text[]) AS fk(n, key))
SELECT r.n, m.id, m.full_name, m.organization_id, m.position, m.pin_hash, m.active, m.credentials_version,
	f.key, f.failures, f.window_start, f.locked_until
FROM r LEFT JOIN members m ON m.code = r.code
LEFT JOIN (fk JOIN sign_in_failures f ON f.key = fk.key) ON fk.n = r.n`

// readSignIns reads a gathering of sign-ins in one statement.
func (db *DB) readSignIns(ctx context.Context, args []signInArg) ([]signInState, error) {
	codes := make([]string, len(args))
	var (
		keyOf []int64
		keys  []string
	)
	for i, a := range args {
		codes[i] = a.code
		for _, k := range a.keys {
			keyOf, keys = append(keyOf, int64(i+1)), append(keys, k)
		}
	}
	rows, err := db.sql.QueryContext(ctx, signInsSQL, codes, keyOf, keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	states := make([]signInState, len(args))
	for rows.Next() {
		var (
			i              int
			id, org        sql.NullInt64
			name, pos, pin sql.NullString
			active         sql.NullBool
			credentials    sql.NullInt64
			key            sql.NullString
			failures       sql.NullInt64
			window, locked sql.NullTime
		)
		if err := rows.Scan(&i, &id, &name, &org, &pos, &pin, &active, &credentials, &key, &failures, &window, &locked); err != nil {
			return nil, err
		}
		if i < 1 || i > len(args) {
			continue
		}
		st := &states[i-1]
		st.member = attendance.Member{ID: id.Int64, Code: args[i-1].code, FullName: name.String, OrganizationID: org.Int64,
			Position: attendance.Position(pos.String), PINHash: pin.String, Active: active.Bool,
			CredentialsVersion: int(credentials.Int64)}
		if key.Valid {
			st.fails = append(st.fails, signInFail{key: key.String, failures: int(failures.Int64), windowStart: window,
				lockedUntil: locked})
		}
	}
	return states, rows.Err()
}
