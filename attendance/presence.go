package attendance

import (
	"slices"
	"time"
)

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
	ChairNone          ChairStatus = "none"           // nobody chairs: no officer at the console or present
	ChairNotAuthorized ChairStatus = "not_authorized" // neither the secretary nor the deputy chairs
	ChairSecretaryIdle ChairStatus = "secretary_idle" // the secretary is present but does not chair
	ChairLeftEarly     ChairStatus = "left_early"     // the one who was to chair left before the end
)

// ChairStatuses lists the verdicts in the order pages explain them.
var ChairStatuses = []ChairStatus{ChairOK, ChairNone, ChairNotAuthorized, ChairSecretaryIdle, ChairLeftEarly}

// Flagged reports whether the verdict is a breach of the chair rule to show the
// organizer: not_authorized, secretary_idle or left_early. None is a problem of its
// own only once the conference is live (BoardPoint.Problems).
func (s ChairStatus) Flagged() bool {
	return s == ChairNotAuthorized || s == ChairSecretaryIdle || s == ChairLeftEarly
}

// ChairAttendee is a member as the chair rule sees them at one point: their position
// and organization, whether they checked in at this point, and whether they left
// before the end (docs/design.md §9.2).
type ChairAttendee struct {
	Member    Member // ID, Position and OrganizationID are read
	Present   bool   // checked in at this point, not undone
	LeftEarly bool
}

// ChairInput is what the chair rule looks at for one point.
type ChairInput struct {
	// Organizations are the point's own organizations: those attached to it, not the
	// ones under them whose members it also invites.
	Organizations []int64
	// Console is the member signed in at the point's console the longest; nil when no
	// member was (no console, or one opened by staff).
	Console *Member
	// Attendees are the members that may matter, with how they attended at this point.
	// The rule keeps the secretaries and deputies of Organizations, in the order given,
	// so the caller may pass more.
	Attendees []ChairAttendee
}

// ChairVerdict is who chaired a point and the chair rule's verdict on it. Chair is nil
// when nobody did.
type ChairVerdict struct {
	Chair  *Member
	Status ChairStatus
}

// ChairRule applies the chair rule of seed 004 (Công văn 632-CV/TU; docs/design.md §11)
// to one point: the secretary present chairs; if no secretary is, the deputy present.
// Only the secretaries and deputies of the point's own organizations count — at a
// point of several chi bộ, any one of their secretaries; the secretary of a chi bộ
// under the point's đảng bộ is not the point's. In order:
//
//  1. Those the rule names: the secretaries present, or if none is, the deputies
//     present. An officer signed in at the console counts as present.
//  2. With a member at the console, that member chaired: one the rule names is ok, or
//     left_early if they left before the end; a deputy while a secretary who stayed is
//     present is secretary_idle, and while the only secretaries present left early is
//     left_early (the secretary did not chair to the end); anyone else is
//     secretary_idle while a secretary who stayed is present, else not_authorized.
//  3. Without one, the rule's first named who stayed to the end chaired (ok); if all
//     of them left early, the first of them (left_early); if it names nobody, none.
func ChairRule(in ChairInput) ChairVerdict {
	ours := func(m Member) bool {
		return (m.Position == PositionSecretary || m.Position == PositionDeputy) && slices.Contains(in.Organizations, m.OrganizationID)
	}
	var secs, deps []ChairAttendee
	for _, a := range in.Attendees {
		if in.Console != nil && a.Member.ID == in.Console.ID {
			a.Present = true // at the console, so in the room
		}
		if !a.Present || !ours(a.Member) {
			continue
		}
		if a.Member.Position == PositionSecretary {
			secs = append(secs, a)
		} else {
			deps = append(deps, a)
		}
	}
	if in.Console != nil && ours(*in.Console) && !slices.ContainsFunc(in.Attendees, func(a ChairAttendee) bool {
		return a.Member.ID == in.Console.ID
	}) {
		// An officer at the console who is not among the attendees (not invited).
		if in.Console.Position == PositionSecretary {
			secs = append(secs, ChairAttendee{Member: *in.Console, Present: true})
		} else {
			deps = append(deps, ChairAttendee{Member: *in.Console, Present: true})
		}
	}
	stayed := func(as []ChairAttendee) *ChairAttendee {
		for i := range as {
			if !as[i].LeftEarly {
				return &as[i]
			}
		}
		return nil
	}
	named := secs
	if len(named) == 0 {
		named = deps
	}
	if c := in.Console; c != nil {
		chair := *c
		v := ChairVerdict{Chair: &chair}
		i := slices.IndexFunc(named, func(a ChairAttendee) bool { return a.Member.ID == c.ID })
		switch {
		case i >= 0 && named[i].LeftEarly:
			v.Status = ChairLeftEarly
		case i >= 0:
			v.Status = ChairOK
		case stayed(secs) != nil:
			v.Status = ChairSecretaryIdle
		case ours(*c) && len(secs) > 0:
			v.Status = ChairLeftEarly
		default:
			v.Status = ChairNotAuthorized
		}
		return v
	}
	if a := stayed(named); a != nil {
		chair := a.Member
		return ChairVerdict{Chair: &chair, Status: ChairOK}
	}
	if len(named) > 0 {
		chair := named[0].Member
		return ChairVerdict{Chair: &chair, Status: ChairLeftEarly}
	}
	return ChairVerdict{Status: ChairNone}
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
	if b.ChairStatus.Flagged() || (b.ChairStatus == ChairNone && c.Status == StatusLive) {
		n++
	}
	if !now.Before(c.StartsAt) && b.Expected > 0 && b.CheckedIn*2 < b.Expected {
		n++
	}
	return n
}
