package attendance

import (
	"errors"
	"strings"
	"time"
)

// Check-in errors.
var (
	// ErrNotInvited means the member has no invitation to the conference.
	ErrNotInvited = errors.New("not invited")
	// ErrCheckinNotOpen means the check-in window has not opened yet.
	ErrCheckinNotOpen = errors.New("check-in not open yet")
	// ErrCheckinClosed means the conference's check-in window has closed.
	ErrCheckinClosed = errors.New("check-in closed")
	// ErrKeyReused means an idempotency key was sent again for another member.
	ErrKeyReused = errors.New("idempotency key reused")
	// ErrUndone means the check-in was undone and cannot be changed further.
	ErrUndone = errors.New("check-in undone")
)

// CheckInMethod is how a member was checked in.
type CheckInMethod string

// The check-in methods.
const (
	MethodQR     CheckInMethod = "qr"     // the rotating code on the console
	MethodStatic CheckInMethod = "static" // the printed code: lower assurance
	MethodManual CheckInMethod = "manual" // by the chair or organizer, with a reason
)

// CheckIn is a member's presence at a conference: at most one per member and
// conference. A later check-in at another point moves it (Moves counts how often);
// CheckedOutAt marks leaving; UndoneAt withdraws a mistaken manual check-in.
type CheckIn struct {
	ID             int64         `gorm:"primaryKey"`
	ConferenceID   int64         `gorm:"not null;uniqueIndex:ux_checkin_member,priority:1"`
	MemberID       int64         `gorm:"not null;uniqueIndex:ux_checkin_member,priority:2"`
	PointID        int64         `gorm:"not null;index"`
	At             time.Time     `gorm:"not null"`
	Method         CheckInMethod `gorm:"size:16;not null"`
	DeviceID       string        `gorm:"size:64;not null;index:ix_checkin_device_id"`
	SharedDevice   bool          `gorm:"not null"`
	Confirmed      bool          `gorm:"not null"` // a shared-device check-in the chair confirmed
	Reason         string        `gorm:"size:500;not null"`
	ByAccountID    *int64
	ByMemberID     *int64
	Moves          int `gorm:"not null"`
	CheckedOutAt   *time.Time
	CheckoutReason string `gorm:"size:500;not null"`
	UndoneAt       *time.Time
	UndoReason     string `gorm:"size:500;not null"`
	UpdatedAt      time.Time
}

// Active reports whether the check-in counts: not undone.
func (c CheckIn) Active() bool { return c.UndoneAt == nil }

// CheckInEventKind names an entry of a check-in's history.
type CheckInEventKind string

// The kinds of history entries.
const (
	EventCheckIn  CheckInEventKind = "checkin"
	EventMove     CheckInEventKind = "move"
	EventManual   CheckInEventKind = "manual"
	EventUndo     CheckInEventKind = "undo"
	EventCheckout CheckInEventKind = "checkout"
	EventConfirm  CheckInEventKind = "confirm"
	EventRollCall CheckInEventKind = "rollcall"
)

// CheckInEvent is one entry of the append-only history of check-ins: the live feed
// of a point and the evidence behind every outcome.
type CheckInEvent struct {
	ID           int64            `gorm:"primaryKey"`
	ConferenceID int64            `gorm:"not null;index:ix_event_point,priority:1"`
	PointID      int64            `gorm:"not null;index:ix_event_point,priority:2"`
	MemberID     int64            `gorm:"not null;index"`
	Kind         CheckInEventKind `gorm:"size:16;not null"`
	At           time.Time        `gorm:"not null;index:ix_event_point,priority:3"`
	Reason       string           `gorm:"size:500;not null"`
	ByAccountID  *int64
	ByMemberID   *int64
}

// CheckInKey remembers an idempotency key, so a repeated submission gets the first
// answer rather than a second check-in.
type CheckInKey struct {
	Key       string `gorm:"primaryKey;size:64"`
	MemberID  int64  `gorm:"not null"`
	CheckInID int64  `gorm:"not null"`
	Result    string `gorm:"size:16;not null"`
	CreatedAt time.Time
}

// CheckInResult says what a check-in request did.
type CheckInResult string

// The results.
const (
	ResultCreated CheckInResult = "created" // first check-in of the member
	ResultAlready CheckInResult = "already" // already checked in at this point
	ResultMoved   CheckInResult = "moved"   // checked in earlier at another point; now here
)

// CheckInInput is one check-in request, after the token and the member were verified.
type CheckInInput struct {
	ConferenceID int64
	PointID      int64
	MemberID     int64
	Method       CheckInMethod
	Key          string // client idempotency key; required for QR check-ins
	DeviceID     string
	Reason       string // required for manual check-ins
	By           Principal
	// Conference is a recent copy of the conference, if the caller has one, so the
	// store need not read it again; nil: the store reads it.
	Conference *Conference
}

// Validate checks the request's own fields.
func (in *CheckInInput) Validate() error {
	var p problems
	in.Key = strings.TrimSpace(in.Key)
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Method != MethodManual {
		if in.Key == "" {
			p.add("key", CodeRequired, "")
		} else if len(in.Key) < 8 || len(in.Key) > 64 {
			p.add("key", CodeRange, "8-64")
		} else if !printableASCII(in.Key) {
			p.add("key", CodeInvalid, "")
		}
	}
	if in.Method == MethodManual {
		p.text("reason", in.Reason, true, 500)
	}
	if len(in.DeviceID) > 64 {
		p.add("device", CodeTooLong, "64")
	} else if in.DeviceID != "" && !printableASCII(in.DeviceID) {
		p.add("device", CodeInvalid, "")
	}
	return p.err()
}

// CheckInOutcome is the answer to a check-in request.
type CheckInOutcome struct {
	CheckIn CheckIn
	Result  CheckInResult
	Late    bool
	// WrongPoint is set when the member was invited at another point.
	WrongPoint     bool
	InvitedPointID int64
}

// CheckinOpens is when members may start checking in.
func (c *Conference) CheckinOpens() time.Time { return c.StartsAt.Add(-c.CheckinLead) }

// Held returns when conference c was held, the span its consoles' outages are counted
// in (docs/design.md §15.2): from the scheduled start to the end — the scheduled end,
// or the moment the organizer ended the conference when that came first, as check-in
// closes then too (§6.1). A console tried out and closed before the start, or closed
// as the room packs up after the end, left no room in the dark.
func (c *Conference) Held() (from, to time.Time) {
	from, to = c.StartsAt, c.EndsAt
	if c.EndedAt != nil && c.EndedAt.Before(to) {
		to = *c.EndedAt
	}
	if to.Before(from) {
		to = from
	}
	return from, to
}

// CheckinWindow tells whether a check-in at now is allowed: ErrCheckinNotOpen before
// the opening, ErrCheckinClosed once the conference has ended (by the clock or by its
// status).
func (c *Conference) CheckinWindow(now time.Time) error {
	switch {
	case c.Status == StatusEnded || c.Status == StatusClosed:
		return ErrCheckinClosed
	case now.Before(c.CheckinOpens()):
		return ErrCheckinNotOpen
	case !now.Before(c.EndsAt):
		return ErrCheckinClosed
	}
	return nil
}

// LeavesEarly reports whether leaving at t is leaving early: before end − early-leave
// grace; exactly at it is not (docs/design.md §6.3).
func (c *Conference) LeavesEarly(t time.Time) bool { return t.Before(c.EndsAt.Add(-c.EarlyLeaveGrace)) }

// IsLate reports whether a check-in at t is after start + late grace (rule 2).
func (c *Conference) IsLate(t time.Time) bool { return t.After(c.StartsAt.Add(c.LateGrace)) }

// RosterEntry is one line of a point's live roster: an invitation and the member's
// check-in, if any (possibly at another point).
type RosterEntry struct {
	Invitation InvitationView
	CheckIn    *CheckIn
	Excused    bool // the member's absence request is approved
}

// RosterStatus is a roster line's live state.
type RosterStatus string

// The live roster states.
const (
	RosterPresent    RosterStatus = "present"
	RosterLate       RosterStatus = "late"
	RosterMissing    RosterStatus = "missing"
	RosterCheckedOut RosterStatus = "checked_out"
	RosterElsewhere  RosterStatus = "elsewhere" // checked in at another point
	RosterOnLeave    RosterStatus = "on_leave"
)

// Status gives the line's live state at point p. A member not in with an approved
// absence request, or exempt (miễn sinh hoạt), is on leave rather than missing.
func (e RosterEntry) Status(c *Conference, p int64) RosterStatus {
	ci := e.CheckIn
	switch {
	case (ci == nil || !ci.Active()) && (e.Excused || e.Invitation.Exempt):
		return RosterOnLeave
	case ci == nil || !ci.Active():
		return RosterMissing
	case ci.PointID != p:
		return RosterElsewhere
	case ci.CheckedOutAt != nil:
		return RosterCheckedOut
	case c.IsLate(ci.At):
		return RosterLate
	}
	return RosterPresent
}

// printableASCII reports whether s is all printable ASCII without spaces, as keys and
// device ids, made by programs, are.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
