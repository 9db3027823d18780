package sqlstore

import (
	"context"
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

// MemberSignIn checks a member code and PIN and the lockout state of keys in one read:
// the sign-in a check-in does for every member arriving without the one-tap cookie.
// It returns ErrLocked when a key is locked, ErrBadCredentials as AuthenticateMember,
// and otherwise the principal and the keys with failures on record.
func (db *DB) MemberSignIn(ctx context.Context, code, pin string, keys ...string) (attendance.Principal, []string, error) {
	var rows []struct {
		attendance.Member
		FailKey     *string
		LockedUntil *time.Time
	}
	// One row per failure record of keys (or one with none), each carrying the member
	// (or nulls when the code is unknown).
	err := db.q(ctx).Raw(`SELECT m.*, f.key AS fail_key, f.locked_until
		FROM (SELECT 1 AS one) x
		LEFT JOIN members m ON m.code = ?
		LEFT JOIN sign_in_failures f ON f.key IN ?`, code, keys).Scan(&rows).Error
	if err != nil {
		return attendance.Principal{}, nil, translate(err, "member sign-in")
	}
	now := db.now().UTC()
	var (
		failing []string
		m       attendance.Member
	)
	for _, r := range rows {
		if r.LockedUntil != nil && r.LockedUntil.After(now) {
			return attendance.Principal{}, nil, attendance.ErrLocked
		}
		if r.FailKey != nil {
			failing = append(failing, *r.FailKey)
		}
		m = r.Member
	}
	if m.ID == 0 || !m.Active || !db.checkPIN(m.PINHash, pin) {
		return attendance.Principal{}, failing, attendance.ErrBadCredentials
	}
	p, err := db.memberPrincipal(ctx, m)
	return p, failing, err
}
