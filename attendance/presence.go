package attendance

import "time"

// Presence end reasons. A shutdown is the server stopping, not the room going dark, so
// it is never counted as an outage (docs/design.md §15.2).
const (
	EndICEFailed        = "ice_failed"
	EndHeartbeatTimeout = "heartbeat_timeout"
	EndClosed           = "closed"
	EndReplaced         = "replaced"
	EndShutdown         = "shutdown"
)

// PresenceInterval is one span during which a point's console was connected: who
// was signed in at it (the chair of that session), when it began and ended, and why.
type PresenceInterval struct {
	ID            int64  `gorm:"primaryKey"`
	ConferenceID  int64  `gorm:"not null;index:ix_presence_point,priority:1"`
	PointID       int64  `gorm:"not null;index:ix_presence_point,priority:2"`
	ConnID        string `gorm:"size:64;not null;index"`
	ChairMemberID *int64
	StartedAt     time.Time `gorm:"not null;index:ix_presence_point,priority:3"`
	EndedAt       *time.Time
	EndReason     string `gorm:"size:32;not null"`
	Headcount     int    `gorm:"not null"`
	Visible       bool   `gorm:"not null"`
	LastSeenAt    time.Time
}

// Outage reports whether the interval's end counts as the room going offline.
func (p PresenceInterval) Outage() bool {
	return p.EndedAt != nil && p.EndReason != EndShutdown && p.EndReason != EndReplaced
}

// OutageDuring reports whether the interval ended as an outage while conference c was
// held (Conference.Held): the report, the outcomes' outage and the board count the
// same outages.
func (p PresenceInterval) OutageDuring(c *Conference) bool {
	if !p.Outage() {
		return false
	}
	from, to := c.Held()
	return !p.EndedAt.Before(from) && p.EndedAt.Before(to)
}

// ChairStatus is the verdict of the chair rule (docs/design.md §11) for a point.
type ChairStatus string

// The chair rule's verdicts.
const (
	ChairOK            ChairStatus = "ok"             // the secretary chairs, or the deputy while the secretary is away
	ChairNone          ChairStatus = "none"           // nobody signed in at the console yet
	ChairNotAuthorized ChairStatus = "not_authorized" // neither the secretary nor the deputy chairs
	ChairSecretaryIdle ChairStatus = "secretary_idle" // the secretary is present but does not chair
)

// ChairInput is what the chair rule looks at for one point.
type ChairInput struct {
	Chair *Member // signed in at the console; nil when no console connected
	// Secretaries and Deputies of the point's organizations, with whether each is
	// checked in.
	Secretaries, Deputies []Member
	Present               map[int64]bool
}

// ChairRule applies rule 5: the secretary chairs; if the secretary is absent, the
// deputy chairs; a point chaired by neither, or whose secretary is present but does not
// chair, is flagged.
func ChairRule(in ChairInput) ChairStatus {
	if in.Chair == nil {
		return ChairNone
	}
	is := func(ms []Member, id int64) bool {
		for _, m := range ms {
			if m.ID == id {
				return true
			}
		}
		return false
	}
	anyPresent := func(ms []Member) bool {
		for _, m := range ms {
			if in.Present[m.ID] {
				return true
			}
		}
		return false
	}
	switch {
	case is(in.Secretaries, in.Chair.ID):
		return ChairOK
	case is(in.Deputies, in.Chair.ID) && !anyPresent(in.Secretaries):
		return ChairOK
	case is(in.Deputies, in.Chair.ID):
		return ChairSecretaryIdle
	case anyPresent(in.Secretaries):
		return ChairSecretaryIdle
	}
	return ChairNotAuthorized
}

// BoardPoint is one line of the live board: a point's console, chair and attendance.
type BoardPoint struct {
	Point       Point
	Online      bool
	Since       *time.Time // online since, or offline since (nil: never connected)
	Outages     int        // connected intervals that ended as outages
	Chair       *Member
	ChairStatus ChairStatus
	Headcount   int // the console's last reported headcount
	Expected    int // invitations at the point, exempt members excluded
	CheckedIn   int // check-ins at the point, not undone
	Late        int
	Pending     int              // absence requests and delegations waiting for a decision
	RollCall    *RollCallSummary // the latest roll call covering the point
}

// Problems counts what needs the organizer's eye at a point: offline (after it had
// connected, or not connected once the conference is live), a chair-rule flag, fewer
// than half of the expected in once the conference started.
func (b BoardPoint) Problems(c *Conference, now time.Time) int {
	n := 0
	if !b.Online && (b.Since != nil || c.Status == StatusLive) {
		n++
	}
	if b.ChairStatus == ChairNotAuthorized || b.ChairStatus == ChairSecretaryIdle ||
		(b.ChairStatus == ChairNone && c.Status == StatusLive) {
		n++
	}
	if !now.Before(c.StartsAt) && b.Expected > 0 && b.CheckedIn*2 < b.Expected {
		n++
	}
	return n
}
