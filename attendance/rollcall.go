package attendance

import (
	"errors"
	"time"
)

// ErrRollCallClosed means the roll call's answer window has passed.
var ErrRollCallClosed = errors.New("roll call closed")

// ErrRollCallOpen means a roll call covering the point is open already: a room answers
// one roll call at a time, so its screen shows one code.
var ErrRollCallOpen = errors.New("a roll call is open")

// DefaultRollCallWindow is how long members have to answer a roll call (rule 3).
const DefaultRollCallWindow = 5 * time.Minute

// RollCall is a check during the conference that members are still in the room, for
// one point or (PointID nil) all points.
type RollCall struct {
	ID           int64  `gorm:"primaryKey"`
	ConferenceID int64  `gorm:"not null;index"`
	PointID      *int64 `gorm:"index"`
	StartedAt    time.Time
	EndsAt       time.Time
	ByAccountID  *int64
	ByMemberID   *int64
}

// Open reports whether answers are accepted at now.
func (r RollCall) Open(now time.Time) bool { return !now.Before(r.StartedAt) && now.Before(r.EndsAt) }

// Covers reports whether the roll call asks the members of point p.
func (r RollCall) Covers(p int64) bool { return r.PointID == nil || *r.PointID == p }

// Covering returns the first of open (newest first) that covers point p.
func Covering(open []RollCall, p int64) (RollCall, bool) {
	for _, r := range open {
		if r.Covers(p) {
			return r, true
		}
	}
	return RollCall{}, false
}

// RollCallAnswer records that a member answered a roll call from a point.
type RollCallAnswer struct {
	RollCallID int64 `gorm:"primaryKey"`
	MemberID   int64 `gorm:"primaryKey"`
	PointID    int64 `gorm:"not null"`
	At         time.Time
}

// RollCallSummary counts a roll call's answers against the members checked in.
type RollCallSummary struct {
	RollCall
	Answered  int64
	CheckedIn int64
}
